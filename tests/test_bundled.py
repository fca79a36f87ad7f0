"""The bundled specs, figure by figure: by hand arithmetic, and against torch modules built by hand.

AlexNet: Krizhevsky, Sutskever & Hinton (2012), as built (227×227×3 input, two GPUs).
LeNet-5: the modern variant beside AlexNet in Dive into Deep Learning, figure 8.1.1.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from archcalc import analyse, build_graph, load_spec
from archcalc.analysis import Analysis


def analysis(name: str, shape: tuple[int, ...] | None = None) -> Analysis:
    return analyse(build_graph(load_spec(name)), shape)


# name, output (C, H, W) or (units,), params, MACs. Hand arithmetic:
#   conv params = filters · (C_in / groups) · K_h · K_w + filters; MACs = weights · H_out · W_out
#   dense params = inputs · units + units; MACs = inputs · units
#   H_out = (H − K + 2P)/S + 1
ALEXNET = [
    ("conv1", (96, 55, 55), 96 * 3 * 11 * 11 + 96, 96 * 3 * 11 * 11 * 55 * 55),  # (227 − 11 + 0)/4 + 1 = 55
    ("norm1", (96, 55, 55), 0, 0),
    ("pool1", (96, 27, 27), 0, 0),  # (55 − 3)/2 + 1 = 27
    ("conv2", (256, 27, 27), 256 * 48 * 5 * 5 + 256, 256 * 48 * 5 * 5 * 27 * 27),  # groups 2: 96/2 = 48 maps; (27 − 5 + 4)/1 + 1 = 27
    ("norm2", (256, 27, 27), 0, 0),
    ("pool2", (256, 13, 13), 0, 0),  # (27 − 3)/2 + 1 = 13
    ("conv3", (384, 13, 13), 384 * 256 * 3 * 3 + 384, 384 * 256 * 9 * 13 * 13),  # reads all 256 maps
    ("conv4", (384, 13, 13), 384 * 192 * 3 * 3 + 384, 384 * 192 * 9 * 13 * 13),  # groups 2: 384/2 = 192 maps
    ("conv5", (256, 13, 13), 256 * 192 * 3 * 3 + 256, 256 * 192 * 9 * 13 * 13),
    ("pool5", (256, 6, 6), 0, 0),  # (13 − 3)/2 + 1 = 6
    ("fc6", (4096,), 256 * 6 * 6 * 4096 + 4096, 9216 * 4096),  # flattens 256·6·6 = 9,216
    ("drop6", (4096,), 0, 0),
    ("fc7", (4096,), 4096 * 4096 + 4096, 4096 * 4096),
    ("drop7", (4096,), 0, 0),
    ("fc8", (1000,), 4096 * 1000 + 1000, 4096 * 1000),
    ("prob", (1000,), 0, 0),
]

LENET = [
    ("conv1", (6, 28, 28), 6 * 1 * 5 * 5 + 6, 6 * 25 * 28 * 28),  # (28 − 5 + 2·2)/1 + 1 = 28
    ("pool1", (6, 14, 14), 0, 0),  # (28 − 2)/2 + 1 = 14
    ("conv2", (16, 10, 10), 16 * 6 * 5 * 5 + 16, 16 * 6 * 25 * 10 * 10),  # (14 − 5)/1 + 1 = 10
    ("pool2", (16, 5, 5), 0, 0),  # (10 − 2)/2 + 1 = 5
    ("fc1", (120,), 400 * 120 + 120, 400 * 120),  # flattens 16·5·5 = 400
    ("fc2", (84,), 120 * 84 + 84, 120 * 84),
    ("fc3", (10,), 84 * 10 + 10, 84 * 10),
]


@pytest.mark.parametrize(("name", "table"), [("alexnet", ALEXNET), ("lenet", LENET)])
def test_every_layer_by_hand(name: str, table: list[tuple[str, tuple[int, ...], int, int]]) -> None:
    a = analysis(name)
    got = [(r.name, r.output, r.params, r.macs, r.flops, r.activations) for r in a.rows]
    want = [(n, out, p, m, 2 * m, math.prod(out)) for n, out, p, m in table]  # FLOPs: 2 per MAC (FlopCounterMode)
    assert got == want


def test_alexnet_totals() -> None:
    t = analysis("alexnet").totals
    assert t.params == 60_965_224  # issue 2; sum of the hand figures above
    assert t.macs == 724_406_816  # 105,415,200 + 223,948,800 + 149,520,384 + 112,140,288 + 74,760,192 + 37,748,736 + 16,777,216 + 4,096,000
    assert t.flops == 1_448_813_632  # 2 · MACs
    # every layer's output: 2·290,400 + 69,984 + 2·186,624 + 43,264 + 2·64,896 + 43,264 + 9,216 + 4·4,096 + 2·1,000
    assert t.activations == 1_267_952
    # conv and dense outputs, the paper's "neurons": 290,400 + 186,624 + 2·64,896 + 43,264 + 2·4,096 + 1,000
    assert t.neurons == 659_272


def test_lenet_totals() -> None:
    t = analysis("lenet").totals
    assert t.params == 61_706  # 156 + 2,416 + 48,120 + 10,164 + 850
    assert t.macs == 416_520  # 117,600 + 240,000 + 48,000 + 10,080 + 840
    assert t.flops == 833_040
    assert t.activations == 8_094  # 4,704 + 1,176 + 1,600 + 400 + 120 + 84 + 10
    assert analysis("lenet").input == (1, 28, 28)


# --- the GPU split of AlexNet --------------------------------------------------------------------

# layer: (where it runs, GPU 0 params, GPU 1 params, values GPU 0 receives, values GPU 1 receives)
ALEXNET_GPUS = {
    "conv1": ("split", 48 * 3 * 121 + 48, 48 * 3 * 121 + 48, 0, 0),  # 17,472 each; the image is on both
    "conv2": ("split", 128 * 48 * 25 + 128, 128 * 48 * 25 + 128, 0, 0),  # groups 2: its own 48 maps only
    "conv3": ("split", 192 * 256 * 9 + 192, 192 * 256 * 9 + 192, 128 * 13 * 13, 128 * 13 * 13),  # the other GPU's 128 maps: 21,632
    "conv4": ("split", 192 * 192 * 9 + 192, 192 * 192 * 9 + 192, 0, 0),
    "conv5": ("split", 128 * 192 * 9 + 128, 128 * 192 * 9 + 128, 0, 0),
    "fc6": ("split", 9216 * 2048 + 2048, 9216 * 2048 + 2048, 128 * 6 * 6, 128 * 6 * 6),  # the other half of pool5: 4,608
    "fc7": ("split", 4096 * 2048 + 2048, 4096 * 2048 + 2048, 2048, 2048),
    "fc8": (0, 4096 * 1000 + 1000, 0, 2048, 0),  # whole on GPU 0: it needs GPU 1's 2,048 units of fc7
    "prob": (0, 0, 0, 0, 0),
}


def test_alexnet_split_by_hand() -> None:
    a = analysis("alexnet")
    rows = {r.name: r for r in a.rows}
    for name, (placement, p0, p1, r0, r1) in ALEXNET_GPUS.items():
        g0, g1 = rows[name].gpus
        assert (rows[name].placement, g0.params, g1.params, g0.received, g1.received) == (placement, p0, p1, r0, r1), name
    # the layers that only follow (norm, pool, dropout) receive nothing
    assert all(s.received == 0 for r in a.rows if r.name not in ("conv3", "fc6", "fc7", "fc8") for s in r.gpus)
    assert rows["conv1"].gpus[0].output == (48, 55, 55)
    assert rows["fc6"].gpus[1].output == (2048,)
    assert rows["fc8"].gpus[1].output is None  # fc8 does not run on GPU 1


def test_alexnet_gpu_totals() -> None:
    g0, g1 = analysis("alexnet").gpu_totals
    assert (g0.params, g1.params) == (32_531_112, 28_434_112)  # GPU 0 holds fc8's 4,097,000 besides its half
    assert g0.params + g1.params == 60_965_224
    assert (g0.received, g1.received) == (21_632 + 4_608 + 2_048 + 2_048, 21_632 + 4_608 + 2_048)  # 30,336 and 28,288
    assert (g0.flops, g1.flops) == (728_502_816, 720_310_816)  # half of 1,440,621,632 each, and fc8's 8,192,000 on GPU 0


@pytest.mark.parametrize("shape", [None, (3, 224, 224), (3, 195, 195), (3, 300, 260)])
def test_alexnet_split_adds_up_exactly(shape: tuple[int, int, int] | None) -> None:
    a = analysis("alexnet", shape)
    for r in a.rows:
        for figure in ("params", "macs", "flops", "activations"):
            assert sum(getattr(s, figure) for s in r.gpus) == getattr(r, figure), (r.name, figure)
    for figure in ("params", "macs", "flops", "activations", "neurons"):
        assert sum(getattr(g, figure) for g in a.gpu_totals) == getattr(a.totals, figure), figure
    assert [g.received for g in a.gpu_totals] == [sum(r.gpus[g].received for r in a.rows) for g in range(2)]


def test_lenet_is_not_split() -> None:
    a = analysis("lenet")
    assert a.gpus == 1 and a.gpu_totals == () and all(r.gpus == () for r in a.rows)


# --- against torch, modules built by hand ----------------------------------------------------------

torch = pytest.importorskip("torch")
nn = torch.nn
FlopCounterMode = pytest.importorskip("torch.utils.flop_counter").FlopCounterMode


def torch_alexnet() -> list[tuple[str, Any]]:
    """AlexNet of the paper as one network (the two towers' groups as groups=2), layer by layer."""
    return [
        ("conv1", nn.Sequential(nn.Conv2d(3, 96, 11, stride=4), nn.ReLU())),
        ("norm1", nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)),
        ("pool1", nn.MaxPool2d(3, stride=2)),
        ("conv2", nn.Sequential(nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU())),
        ("norm2", nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)),
        ("pool2", nn.MaxPool2d(3, stride=2)),
        ("conv3", nn.Sequential(nn.Conv2d(256, 384, 3, padding=1), nn.ReLU())),
        ("conv4", nn.Sequential(nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU())),
        ("conv5", nn.Sequential(nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU())),
        ("pool5", nn.MaxPool2d(3, stride=2)),
        ("fc6", nn.Sequential(nn.Flatten(), nn.Linear(9216, 4096), nn.ReLU())),
        ("drop6", nn.Dropout(0.5)),
        ("fc7", nn.Sequential(nn.Linear(4096, 4096), nn.ReLU())),
        ("drop7", nn.Dropout(0.5)),
        ("fc8", nn.Linear(4096, 1000)),
        ("prob", nn.Softmax(dim=1)),
    ]


def torch_lenet() -> list[tuple[str, Any]]:
    """d2l's LeNet: nn.Conv2d(1, 6, 5, padding=2), Sigmoid, AvgPool2d(2, 2), ... Linear(84, 10)."""
    return [
        ("conv1", nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid())),
        ("pool1", nn.AvgPool2d(2, stride=2)),
        ("conv2", nn.Sequential(nn.Conv2d(6, 16, 5), nn.Sigmoid())),
        ("pool2", nn.AvgPool2d(2, stride=2)),
        ("fc1", nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.Sigmoid())),
        ("fc2", nn.Sequential(nn.Linear(120, 84), nn.Sigmoid())),
        ("fc3", nn.Linear(84, 10)),
    ]


def measure(layers: list[tuple[str, Any]], shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...], int, int, int]]:
    """Per layer: (name, output shape without the batch, parameters, FlopCounterMode FLOPs, output values). Modules built
    under `torch.device("meta")` run there: shapes and FLOPs without arithmetic (AlexNet's weights need no filling)."""
    x = torch.zeros(1, *shape, device=next((p.device for _, m in layers for p in m.parameters()), torch.device("cpu")))
    result = []
    with torch.no_grad():
        for name, module in layers:
            module.eval()
            with FlopCounterMode(display=False) as counter:
                x = module(x)
            result.append((name, tuple(x.shape[1:]), sum(p.numel() for p in module.parameters()), counter.get_total_flops(), x[0].numel()))
    return result


@pytest.mark.parametrize(("name", "build", "shape"), [("alexnet", torch_alexnet, (3, 227, 227)), ("lenet", torch_lenet, (1, 28, 28))])
def test_bundled_against_torch(name: str, build: Any, shape: tuple[int, ...]) -> None:
    a = analysis(name)
    assert a.input == shape
    with torch.device("meta"):
        layers = build()
    measured = measure(layers, shape)
    assert [(r.name, r.output, r.params, r.flops, r.activations) for r in a.rows] == measured
    assert a.totals.params == sum(m[2] for m in measured) and a.totals.flops == sum(m[3] for m in measured)


def test_alexnet_at_224_against_torch() -> None:
    # at 224 torch floors exactly as archcalc does: 54, 26, 12, 5; fc6 then reads 256·5·5 = 6,400 values
    with torch.device("meta"):
        layers = torch_alexnet()
        layers[10] = ("fc6", nn.Sequential(nn.Flatten(), nn.Linear(6400, 4096), nn.ReLU()))
    a = analysis("alexnet", (3, 224, 224))
    assert [(r.name, r.output, r.params, r.flops, r.activations) for r in a.rows] == measure(layers, (3, 224, 224))
    assert a.totals.params == 49_430_888  # 60,965,224 − (9,216 − 6,400)·4,096


def test_alexnet_one_gpu_against_torch() -> None:
    # GPU 0's own modules: each tower layer with half the filters; conv3 and fc6/fc7 read both towers' maps
    tower = {
        "conv1": (nn.Conv2d(3, 48, 11, stride=4), (3, 227, 227)),
        "conv2": (nn.Conv2d(48, 128, 5, padding=2), (48, 27, 27)),
        "conv3": (nn.Conv2d(256, 192, 3, padding=1), (256, 13, 13)),
        "conv4": (nn.Conv2d(192, 192, 3, padding=1), (192, 13, 13)),
        "conv5": (nn.Conv2d(192, 128, 3, padding=1), (192, 13, 13)),
        "fc6": (nn.Linear(9216, 2048), (9216,)),
        "fc7": (nn.Linear(4096, 2048), (4096,)),
        "fc8": (nn.Linear(4096, 1000), (4096,)),
    }
    rows = {r.name: r for r in analysis("alexnet").rows}
    for name, (module, shape) in tower.items():
        [(_, out, params, flops, _)] = measure([(name, module)], shape)
        share = rows[name].gpus[0]
        assert (share.output, share.params, share.flops) == (out, params, flops), name
