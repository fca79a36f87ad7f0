"""What autograd keeps for backward: archcalc's estimate (archcalc.analysis.kept, each kind's `kept` rule) against torch 2.13's
own count, per layer and to the byte: one training-mode forward pass of the built module under
torch.autograd.graph.saved_tensors_hooks, each storage once, parameters and buffers left out
(archcalc.torch_backend.kept). Also hand-written torchvision-style modules (ReLU(inplace=True), `out += identity`,
torch.cat) against specs written for them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention
from test_torch_backend import BUILD_EVERY
from torch import nn

from archcalc.analysis import Analysis, analyse
from archcalc.analysis.graph import Graph, build_graph
from archcalc.analysis.kept import in_place_layers, kept
from archcalc.analysis.memory import memory
from archcalc.specfile import bundled_names, load_spec, parse_spec
from archcalc.torch_backend.build import build_module
from archcalc.torch_backend.kept import measure_kept, module_kept_bytes

DTYPES = (torch.float32, torch.bfloat16)


def loaded(text_or_name: str) -> tuple[Graph, Analysis]:
    graph = build_graph(parse_spec(text_or_name) if "\n" in text_or_name else load_spec(text_or_name))
    return graph, analyse(graph)


def estimate_and_measure(text_or_name: str, batch: int, dtype: torch.dtype) -> tuple[dict[str, int], dict[str, int], int, int]:
    graph, a = loaded(text_or_name)
    estimate = kept(a.rows, batch, dtype.itemsize)
    measured = measure_kept(build_module(graph, a), a, batch, dtype)
    ours = {k.name: k.saved_bytes for k in estimate.layers if k.saved_bytes}
    return ours, measured.per_layer(), estimate.total_bytes, measured.total_bytes


EVERY = "name: every\ninput: [4, 12, 12]\nlayers:\n" + "\n".join(
    f"  - {{name: {kind}_layer, type: {kind}{extra}}}" for kind, extra in BUILD_EVERY.items()) + "\n"


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_every_kind_keeps_what_torch_keeps_layer_by_layer(dtype: torch.dtype) -> None:
    ours, torchs, total, measured = estimate_and_measure(EVERY, 2, dtype)
    assert ours == torchs
    assert total == measured > 0


def test_resnet18_keeps_what_torch_keeps_to_the_byte() -> None:
    ours, torchs, total, measured = estimate_and_measure("resnet18", 2, torch.float32)
    assert ours == torchs
    assert total == measured == 44_406_080  # torch 2.13's saved_tensors_hooks, batch 2, float32


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("spec", bundled_names())
def test_every_bundled_spec_keeps_what_torch_keeps(spec: str, batch: int, dtype: torch.dtype) -> None:
    if spec == "deeplabv3_resnet50" and batch == 1:  # ASPP's image-level branch: batch norm of one value per channel
        with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
            estimate_and_measure(spec, batch, dtype)  # torch refuses to train it at batch 1, as torchvision's does
        return
    ours, torchs, total, measured = estimate_and_measure(spec, batch, dtype)
    assert ours == torchs
    assert total == measured


# kinds in the cases that depend on them: the first layer on the input (nothing needs a gradient before it), 'same'
# padding with an odd total, a connections table, dropout and stochastic depth at 0 and in training, LRN split,
# adaptive pooling to 1×1 and to 2×2, three factors multiplied, flatten of a channels-last or cropped map
CASES = {
    "no gradient before the first weights": """
  - {name: p, type: maxpool, kernel: 2}
  - {name: r, type: relu}
  - {name: s, type: subsample, activation: scaled_tanh}
  - {name: c, type: conv, filters: 4, kernel: 2, padding: same, activation: silu}
  - {name: m, type: maxpool, kernel: 3, stride: 1, padding: same}
  - {name: v, type: avgpool, kernel: 2, stride: 1, padding: same}""",
    "tables, dropout, depth": """
  - {name: c, type: conv, filters: 3, kernel: 3, connections: [[0, 1], [1, 2], [0, 1, 2]], activation: leakyrelu}
  - {name: d0, type: dropout, rate: 0}
  - {name: r, type: relu}
  - {name: s0, type: stochastic_depth, rate: 0}
  - {name: s1, type: stochastic_depth, rate: 0.5, mode: batch}
  - {name: e, type: elu}
  - {name: a1, type: adaptiveavgpool, output: 1}
  - {name: f, type: flatten}
  - {name: d, type: dense, units: 5, activation: relu6}
  - {name: d1, type: dropout, rate: 0.3}""",
    "products and views": """
  - {name: c, type: conv, filters: 4, kernel: 1, activation: sigmoid}
  - {name: g, type: conv, filters: 4, kernel: 1, inputs: input, activation: tanh}
  - {name: m, type: multiply, inputs: [c, g, input]}
  - {name: ln, type: layernorm}
  - {name: r, type: relu}
  - {name: d, type: dense, units: 3, inputs: ln}
  - {name: k, type: crop, size: [6, 6], inputs: m}
  - {name: f, type: flatten}
  - {name: o, type: dense, units: 2, activation: prelu}""",
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_cases_torch_decides(case: str) -> None:
    text = "name: case\ninput: [4, 8, 8]\nlayers:" + CASES[case] + "\n"
    for dtype in DTYPES:
        ours, torchs, total, measured = estimate_and_measure(text, 2, dtype)
        assert ours == torchs
        assert total == measured


def test_relu_runs_in_place_only_where_nothing_else_reads_its_input() -> None:
    text = """name: places
input: [2, 4, 4]
layers:
  - {name: first, type: relu}                               # reads the network input: never in place
  - {name: conv, type: conv, filters: 2, kernel: 1}
  - {name: shared, type: relu}                              # conv is read by 'add' too
  - {name: add, type: add, inputs: [shared, conv]}
  - {name: after_add, type: relu}                           # torchvision's out += identity; relu(out)
  - {name: sig, type: sigmoid}
  - {name: after_sigmoid, type: relu}                       # sigmoid keeps its output: overwriting it would break backward
  - {name: flat, type: flatten}
  - {name: after_view, type: relu6}                         # a view of sigmoid's output
"""
    graph, a = loaded(text)
    assert in_place_layers(a.rows) == {"after_add"}
    module = build_module(graph, a)
    assert module.get_submodule("after_add").inplace and not module.get_submodule("shared").inplace


def test_resnet18_is_built_with_relu_in_place_as_torchvision_writes_it() -> None:
    graph, a = loaded("resnet18")
    module = build_module(graph, a)
    relus = {name: m.inplace for name, m in module.named_modules() if isinstance(m, nn.ReLU)}
    # torchvision's resnet18: every ReLU is nn.ReLU(inplace=True): after bn1, after each block's bn1, after the sum
    assert len(relus) == 17 and all(relus.values())


def test_memory_training_keeps_the_exact_bytes() -> None:
    _, a = loaded("resnet18")
    m = memory(a.rows, 2, 4)
    assert {t.activation_bytes for t in m.training} == {44_406_080}
    assert sum(x.saved_bytes for x in m.layers) == 44_406_080


# --- torchvision's way of writing networks, by hand, against specs written for them ------------------------


class Bottleneck(nn.Module):
    """torchvision.models.resnet.Bottleneck, as written there (v1.5: the stride on the 3×3)."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != planes * 4:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


def bottleneck_spec(name: str, planes: int, stride: int, down: bool, source: str) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = [
        {"name": f"{name}.conv1", "type": "conv", "filters": planes, "kernel": 1, "bias": False, "inputs": source},
        {"name": f"{name}.bn1", "type": "batchnorm"}, {"name": f"{name}.relu1", "type": "relu"},
        {"name": f"{name}.conv2", "type": "conv", "filters": planes, "kernel": 3, "stride": stride, "padding": 1, "bias": False},
        {"name": f"{name}.bn2", "type": "batchnorm"}, {"name": f"{name}.relu2", "type": "relu"},
        {"name": f"{name}.conv3", "type": "conv", "filters": planes * 4, "kernel": 1, "bias": False},
        {"name": f"{name}.bn3", "type": "batchnorm"},
    ]
    shortcut = source
    if down:
        layers += [{"name": f"{name}.down", "type": "conv", "filters": planes * 4, "kernel": 1, "stride": stride, "bias": False,
                    "inputs": source}, {"name": f"{name}.downbn", "type": "batchnorm"}]
        shortcut = f"{name}.downbn"
    return [*layers, {"name": f"{name}.add", "type": "add", "inputs": [f"{name}.bn3", shortcut]}, {"name": f"{name}.relu", "type": "relu"}]


def resnet_pair() -> tuple[nn.Module, list[dict[str, Any]]]:
    net = nn.Sequential(nn.Conv2d(3, 16, 7, 2, 3, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1),
                        Bottleneck(16, 8), Bottleneck(32, 8), Bottleneck(32, 16, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    spec = [{"name": "conv1", "type": "conv", "filters": 16, "kernel": 7, "stride": 2, "padding": 3, "bias": False},
            {"name": "bn1", "type": "batchnorm"}, {"name": "relu", "type": "relu"},
            {"name": "maxpool", "type": "maxpool", "kernel": 3, "stride": 2, "padding": 1},
            *bottleneck_spec("b0", 8, 1, True, "maxpool"), *bottleneck_spec("b1", 8, 1, False, "b0.relu"),
            *bottleneck_spec("b2", 16, 2, True, "b1.relu"),
            {"name": "avgpool", "type": "globalavgpool"}, {"name": "fc", "type": "dense", "units": 10}]
    return net, spec


class InvertedResidual(nn.Module):
    """torchvision.models.mobilenetv2.InvertedResidual: 1×1 expand, 3×3 depthwise, 1×1 project (ReLU6(inplace=True))."""

    def __init__(self, inp: int, oup: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = inp * expand
        self.use_res_connect = stride == 1 and inp == oup
        self.conv = nn.Sequential(
            nn.Conv2d(inp, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, oup, 1, bias=False), nn.BatchNorm2d(oup))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


def inverted_spec(name: str, inp: int, oup: int, stride: int, expand: int, source: str) -> list[dict[str, Any]]:
    hidden = inp * expand
    layers = [
        {"name": f"{name}.expand", "type": "conv", "filters": hidden, "kernel": 1, "bias": False, "inputs": source},
        {"name": f"{name}.bn1", "type": "batchnorm"}, {"name": f"{name}.act1", "type": "relu6"},
        {"name": f"{name}.dw", "type": "conv", "filters": hidden, "kernel": 3, "stride": stride, "padding": 1, "groups": hidden, "bias": False},
        {"name": f"{name}.bn2", "type": "batchnorm"}, {"name": f"{name}.act2", "type": "relu6"},
        {"name": f"{name}.project", "type": "conv", "filters": oup, "kernel": 1, "bias": False},
        {"name": f"{name}.bn3", "type": "batchnorm"},
    ]
    if stride == 1 and inp == oup:
        layers.append({"name": f"{name}.add", "type": "add", "inputs": [source, f"{name}.bn3"]})
    return layers


def mobilenet_pair() -> tuple[nn.Module, list[dict[str, Any]]]:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(inplace=True),
                                          InvertedResidual(8, 8, 1, 6), InvertedResidual(8, 12, 2, 6), InvertedResidual(12, 12, 1, 6))
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(12, 10))

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # torchvision: adaptive_avg_pool2d to 1×1, flatten
            return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.features(x), (1, 1)), 1))

    spec = [{"name": "stem", "type": "conv", "filters": 8, "kernel": 3, "stride": 2, "padding": 1, "bias": False},
            {"name": "stem_bn", "type": "batchnorm"}, {"name": "stem_act", "type": "relu6"},
            *inverted_spec("i0", 8, 8, 1, 6, "stem_act"), *inverted_spec("i1", 8, 12, 2, 6, "i0.add"),
            *inverted_spec("i2", 12, 12, 1, 6, "i1.bn3"),
            {"name": "pool", "type": "adaptiveavgpool", "output": 1}, {"name": "flat", "type": "flatten"},
            {"name": "drop", "type": "dropout", "rate": 0.2}, {"name": "fc", "type": "dense", "units": 10}]
    return Net(), spec


class DenseLayer(nn.Module):
    """torchvision.models.densenet._DenseLayer: cat, BN, ReLU(inplace=True), 1×1 conv, BN, ReLU(inplace=True), 3×3 conv."""

    def __init__(self, inp: int, growth: int, bn_size: int) -> None:
        super().__init__()
        self.norm1, self.relu1 = nn.BatchNorm2d(inp), nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(inp, bn_size * growth, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(bn_size * growth), nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, 1, 1, bias=False)

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        bottleneck = self.conv1(self.relu1(self.norm1(torch.cat(features, 1))))
        return self.conv2(self.relu2(self.norm2(bottleneck)))


def densenet_pair() -> tuple[nn.Module, list[dict[str, Any]]]:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True))
            self.layers = nn.ModuleList([DenseLayer(16 + 8 * i, 8, 4) for i in range(3)])
            self.norm5 = nn.BatchNorm2d(40)
            self.fc = nn.Linear(40, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            features = [self.stem(x)]
            for layer in self.layers:
                features.append(layer(features))
            out = F.relu(self.norm5(torch.cat(features, 1)), inplace=True)  # torchvision's DenseNet.forward
            return self.fc(torch.flatten(F.adaptive_avg_pool2d(out, (1, 1)), 1))

    spec: list[dict[str, Any]] = [{"name": "conv0", "type": "conv", "filters": 16, "kernel": 3, "padding": 1, "bias": False},
                                  {"name": "norm0", "type": "batchnorm"}, {"name": "relu0", "type": "relu"}]
    features = ["relu0"]
    for i in range(3):
        # torch.cat of the one feature map before the first dense layer is a copy: a concat of one input
        spec += [{"name": f"l{i}.cat", "type": "concat", "inputs": list(features)}, {"name": f"l{i}.norm1", "type": "batchnorm"},
                 {"name": f"l{i}.relu1", "type": "relu"}, {"name": f"l{i}.conv1", "type": "conv", "filters": 32, "kernel": 1, "bias": False},
                 {"name": f"l{i}.norm2", "type": "batchnorm"}, {"name": f"l{i}.relu2", "type": "relu"},
                 {"name": f"l{i}.conv2", "type": "conv", "filters": 8, "kernel": 3, "padding": 1, "bias": False}]
        features.append(f"l{i}.conv2")
    spec += [{"name": "cat", "type": "concat", "inputs": features}, {"name": "norm5", "type": "batchnorm"}, {"name": "relu5", "type": "relu"},
             {"name": "pool", "type": "globalavgpool"}, {"name": "fc", "type": "dense", "units": 10}]
    return Net(), spec


@pytest.mark.parametrize("pair", [resnet_pair, mobilenet_pair, densenet_pair], ids=lambda p: p.__name__)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_torchvision_style_modules_keep_what_their_specs_say(pair: Any, dtype: torch.dtype) -> None:
    torch.manual_seed(0)
    module, layers = pair()
    x = torch.randn(2, 3, 32, 32, dtype=dtype)
    measured = module_kept_bytes(module.to(dtype), x)
    a = analyse(build_graph(parse_spec(json.dumps({"name": "ref", "input": [3, 32, 32], "layers": layers}))))
    assert kept(a.rows, 2, dtype.itemsize).total_bytes == measured > 0


# the issue's table: bytes torch 2.13 keeps for torchvision 0.28's own models in training mode, batch 2, float32,
# 224×224 (saved_tensors_hooks, storages once, parameters and buffers left out); archcalc's figure for specs written
# from torchvision's source (tests/torchvision_specs.py) must be the same
TORCHVISION_KEEPS = {"alexnet": 7_482_368, "vgg11_bn": 157_169_152, "resnet50": 172_031_488, "densenet121": 261_057_280,
                     "shufflenet": 40_834_640}


@pytest.mark.parametrize("network", list(TORCHVISION_KEEPS))
def test_specs_written_from_torchvision_keep_what_torchvision_keeps(network: str) -> None:
    import torchvision_specs

    layers = getattr(torchvision_specs, network)()
    a = analyse(build_graph(parse_spec(json.dumps({"name": network, "input": [3, 224, 224], "layers": layers}))))
    assert kept(a.rows, 2, 4).total_bytes == TORCHVISION_KEEPS[network]
