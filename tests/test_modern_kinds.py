"""The first kinds of the modern vocabulary (issue 10), each against torch: output shape, parameters
(numel), FlopCounterMode FLOPs, layer by layer through `archcalc run`'s module, and values where the
kind moves or scales them (chunk, channel_shuffle, multiply, layernorm, layer_scale, stochastic_depth)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from archcalc import torch_backend as tb
from archcalc.analysis import Analysis, analyse
from archcalc.analysis.graph import Graph, build_graph
from archcalc.errors import SpecError
from archcalc.kinds.terms.fields import ReceptiveField
from archcalc.specfile import parse_spec


def loaded(rows: str, shape: str = "[8, 6, 6]") -> tuple[Graph, Analysis]:
    graph = build_graph(parse_spec(f"name: t\ninput: {shape}\nlayers:\n{rows}"))
    return graph, analyse(graph)


def measure(module: nn.Module, x: tuple[int, ...]) -> tuple[tuple[int, ...], int, int]:
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = module.eval()(torch.randn(1, *x))
    return tuple(y.shape[1:]), sum(p.numel() for p in module.parameters()), counter.get_total_flops()


CASES = [  # one layer, the input, the torch module it must match
    ("{name: a, type: hardswish}", (8, 6, 6), nn.Hardswish()),
    ("{name: a, type: hardsigmoid}", (8, 6, 6), nn.Hardsigmoid()),
    ("{name: a, type: silu}", (8, 6, 6), nn.SiLU()),
    ("{name: a, type: gelu}", (8, 6, 6), nn.GELU()),
    ("{name: a, type: gelu, approximate: tanh}", (16,), nn.GELU(approximate="tanh")),
    ("{name: a, type: leakyrelu, negative_slope: 0.2}", (8, 6, 6), nn.LeakyReLU(0.2)),
    ("{name: a, type: elu, alpha: 0.5}", (8, 6, 6), nn.ELU(0.5)),
    ("{name: a, type: prelu}", (8, 6, 6), nn.PReLU(8)),  # a slope per channel: 8 parameters
    ("{name: a, type: prelu, shared: true}", (8, 6, 6), nn.PReLU(1)),
    ("{name: a, type: prelu}", (10,), nn.PReLU(10)),
    ("{name: a, type: layernorm}", (8, 6, 6), tb.modules.LayerNorm2d(8)),  # 2·8 = 16 parameters
    ("{name: a, type: layernorm, affine: false}", (8, 6, 6), tb.modules.LayerNorm2d(8, elementwise_affine=False)),
    ("{name: a, type: layernorm}", (12,), nn.LayerNorm(12)),
    ("{name: a, type: groupnorm, groups: 4}", (8, 6, 6), nn.GroupNorm(4, 8)),
    ("{name: a, type: layer_scale}", (8, 6, 6), tb.modules.LayerScale(8, 1e-6, True)),  # 8 parameters
    ("{name: a, type: stochastic_depth, rate: 0.2}", (8, 6, 6), nn.Identity()),
    ("{name: a, type: chunk, chunks: 2, index: 1}", (8, 6, 6), tb.modules.Chunk(2, 1)),
    ("{name: a, type: channel_shuffle, groups: 4}", (8, 6, 6), nn.ChannelShuffle(4)),
]


@pytest.mark.parametrize(("row", "x", "module"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_against_torch(row: str, x: tuple[int, ...], module: nn.Module) -> None:
    graph, a = loaded(f"  - {row}\n", str(list(x)))
    r = a.rows[0]
    assert (r.output, r.params, r.flops) == measure(module, x)
    assert r.macs == 0 and r.activations == math.prod(r.output)
    assert tb.verify(graph, a).ok  # the module archcalc run builds, by hooks, numel and FlopCounterMode


def test_fused_prelu_adds_its_slopes() -> None:
    # conv 3×3, 8 → 4: 4·8·9 + 4 = 292 weights and biases, + 4 slopes of the fused PReLU = 296
    graph, a = loaded("  - {name: c, type: conv, filters: 4, kernel: 3, activation: prelu}\n")
    assert a.rows[0].params == 296 and a.totals.params == 296
    module = tb.build_module(graph, a)
    assert isinstance(module.get_submodule("c.prelu"), nn.PReLU) and module.get_submodule("c.prelu").num_parameters == 4
    assert tb.verify(graph, a, module=module).ok


SE = """  - {name: conv, type: conv, filters: 16, kernel: 3, padding: 1, activation: hardswish}
  - {name: squeeze, type: globalavgpool}
  - {name: fc1, type: conv, filters: 4, kernel: 1, activation: relu}
  - {name: fc2, type: conv, filters: 16, kernel: 1, activation: hardsigmoid}
  - {name: scale, type: multiply, inputs: [fc2, conv]}
"""


def test_squeeze_and_excitation_against_a_hand_written_block() -> None:
    """MobileNetV3's SE: the C×1×1 gate broadcast over the map; every figure and the output values."""
    graph, a = loaded(SE)
    by = {r.name: r for r in a.rows}
    assert by["scale"].output == (16, 6, 6) and by["scale"].params == 0 and by["scale"].flops == 0
    # fc1: 4·16 + 4 = 68; fc2: 16·4 + 16 = 80; conv: 16·8·9 + 16 = 1,168
    assert (by["fc1"].params, by["fc2"].params, a.totals.params) == (68, 80, 68 + 80 + 1_168)
    # the gate sees the whole input (its pool spans the 6×6 map); the product keeps the conv's field: 3 /1, start −1
    assert all(by[n].receptive_field is not None and by[n].receptive_field.whole for n in ("squeeze", "fc1", "fc2"))
    assert by["scale"].receptive_field == by["conv"].receptive_field == ReceptiveField((3, 3), (1, 1), (-1, -1))
    module = tb.build_module(graph, a).eval()
    assert tb.verify(graph, a, module=module).ok
    x = torch.randn(2, 8, 6, 6)
    with torch.no_grad():
        conv = module.get_submodule("conv")(x)
        gate = module.get_submodule("fc2")(module.get_submodule("fc1")(conv.mean((2, 3), keepdim=True)))
        assert torch.allclose(module(x), conv * gate)


def test_shufflenet_unit_values() -> None:
    """ShuffleNetV2's unit: split the channels, transform one half, join, shuffle; against x.chunk and the reshape."""
    rows = """  - {name: left, type: chunk, chunks: 2, index: 0, inputs: [input]}
  - {name: right, type: chunk, chunks: 2, index: 1, inputs: [input]}
  - {name: branch, type: conv, filters: 4, kernel: 1, activation: relu, inputs: [right]}
  - {name: join, type: concat, inputs: [left, branch]}
  - {name: shuffle, type: channel_shuffle, groups: 2}
"""
    graph, a = loaded(rows)
    assert [r.output for r in a.rows] == [(4, 6, 6), (4, 6, 6), (4, 6, 6), (8, 6, 6), (8, 6, 6)]
    module = tb.build_module(graph, a).eval()
    x = torch.randn(1, 8, 6, 6)
    with torch.no_grad():
        left, right = x.chunk(2, dim=1)
        joined = torch.cat([left, module.get_submodule("branch")(right)], 1)
        shuffled = joined.view(1, 2, 4, 6, 6).transpose(1, 2).reshape(1, 8, 6, 6)  # ShuffleNet's channel shuffle
        assert torch.equal(module(x), shuffled)


def test_layernorm_over_channels_and_layer_scale_values() -> None:
    graph, a = loaded("  - {name: norm, type: layernorm}\n  - {name: ls, type: layer_scale, init: 0.5}\n"
                      "  - {name: drop, type: stochastic_depth, rate: 0.5}\n")
    module = tb.build_module(graph, a).eval()
    x = torch.randn(2, 8, 6, 6)
    mean, var = x.mean(1, keepdim=True), x.var(1, unbiased=False, keepdim=True)
    with torch.no_grad():
        assert torch.allclose(module(x), 0.5 * (x - mean) / torch.sqrt(var + 1e-5), atol=1e-5)  # stochastic depth: identity at inference
    drop = module.get_submodule("drop").train()
    kept = drop(torch.ones(1000, 1, 1, 1))  # 'row': each sample kept (×2) or dropped (0)
    assert set(kept.unique().tolist()) <= {0.0, 2.0} and 300 < int((kept == 0).sum()) < 700


@pytest.mark.parametrize(("rows", "needles"), [
    ("  - {name: a, type: conv, filters: 3, kernel: 1}\n  - {name: m, type: multiply, inputs: [a, input]}\n",
     ("multiply needs inputs of one shape", "'a' 3×6×6", "'input' 8×6×6")),
    ("  - {name: a, type: chunk, chunks: 5, index: 4}\n", ("index 4 is past the last of 4 chunks (torch makes 4 chunks of 2 or less of its 8 channels)",)),
    ("  - {name: a, type: chunk, chunks: 2, index: 2}\n", ("index 2 is past the last of 2 chunks",)),
    ("  - {name: a, type: channel_shuffle, groups: 3}\n", ("groups=3 must divide its 8 channels",)),
    ("  - {name: a, type: groupnorm, groups: 3}\n", ("groups=3 must divide the channels",)),
    ("  - {name: a, type: gelu, approximate: fast}\n", ("'approximate' must be one of none, tanh",)),
    ("  - {name: a, type: leakyrelu, negative_slope: .nan}\n", ("'negative_slope' must be a finite number",)),
])
def test_what_a_kind_cannot_take_is_a_clear_error(rows: str, needles: tuple[str, ...]) -> None:
    with pytest.raises(SpecError) as raised:
        loaded(rows)
    assert all(n in str(raised.value) for n in needles), str(raised.value)


@pytest.mark.parametrize("kind", ["hardswish", "hardsigmoid", "silu", "gelu", "leakyrelu", "elu", "prelu", "relu6"])
def test_every_new_activation_fuses(kind: str) -> None:
    graph, a = loaded(f"  - {{name: c, type: conv, filters: 4, kernel: 3, activation: {kind}}}\n")
    assert a.rows[0].activation == kind
    assert tb.verify(graph, a).ok


def test_the_new_kinds_split_across_two_gpus() -> None:
    """Towers on two CPU "devices": each GPU holds and computes its share, the output is the single device's."""
    rows = """  - {name: conv, type: conv, filters: 8, kernel: 3, padding: 1, groups: 2, activation: prelu}
  - {name: gn, type: groupnorm, groups: 4}
  - {name: ls, type: layer_scale, init: 0.5}
  - {name: act, type: silu}
  - {name: squeeze, type: globalavgpool}
  - {name: gate, type: conv, filters: 8, kernel: 1, activation: hardsigmoid}
  - {name: scale, type: multiply, inputs: [gate, act]}
  - {name: ln, type: layernorm}
  - {name: shuffle, type: channel_shuffle, groups: 2}
"""
    graph = build_graph(parse_spec(f"name: t\ninput: [8, 6, 6]\ngpus: 2\nlayers:\n{rows}"))
    a = analyse(graph)
    assert sum(g.params for g in a.gpu_totals) == a.totals.params
    module = tb.build_module(graph, a).eval()
    towers = tb.split_module(graph, a, module, ["cpu", "cpu"])
    check = tb.check_split(graph, a, module, towers, ["cpu", "cpu"], torch.float32)
    assert check.same_output, check
    # conv 8·4·9 + 8 biases + 8 slopes = 304; groupnorm 2·8 = 16; layer scale 8; gate 8·8 + 8 = 72; layernorm 2·8 = 16
    assert a.totals.params == 304 + 16 + 8 + 72 + 16 == 416
    assert [g.params for g in a.gpu_totals] == [208, 208]
    assert [g.torch_params for g in check.gpus] == [208, 208] and check.ok  # the towers hold just that
    assert towers.get_submodule("gpu1.gn").num_groups == 2 and towers.get_submodule("gpu1.conv.prelu").num_parameters == 4


UP_CASES = [  # (row, input, torch module): transposed convolutions, upsampling, pixel shuffle
    ("{name: a, type: convtranspose, filters: 4, kernel: 2, stride: 2}", (8, 5, 7), nn.ConvTranspose2d(8, 4, 2, 2)),
    ("{name: a, type: convtranspose, filters: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1}", (8, 5, 7),
     nn.ConvTranspose2d(8, 4, 3, 2, 1, 1)),
    ("{name: a, type: convtranspose, filters: 6, kernel: 4, stride: 2, padding: 1, groups: 3}", (6, 4, 4),
     nn.ConvTranspose2d(6, 6, 4, 2, 1, groups=3)),
    ("{name: a, type: convtranspose, filters: 2, kernel: 3, dilation: 2, bias: false}", (3, 4, 6),
     nn.ConvTranspose2d(3, 2, 3, dilation=2, bias=False)),
    ("{name: a, type: upsample, scale: 2}", (8, 5, 7), nn.Upsample(scale_factor=2)),
    ("{name: a, type: upsample, scale: [2, 3], mode: bilinear}", (8, 5, 7), nn.Upsample(scale_factor=(2, 3), mode="bilinear")),
    ("{name: a, type: upsample, size: [9, 11]}", (8, 5, 7), nn.Upsample(size=(9, 11))),
    ("{name: a, type: pixel_shuffle, factor: 2}", (8, 5, 7), nn.PixelShuffle(2)),
    ("{name: a, type: crop, size: [3, 4]}", (8, 5, 7), tb.modules.CenterCrop((3, 4))),
]


@pytest.mark.parametrize(("row", "x", "module"), UP_CASES, ids=[c[0] for c in UP_CASES])
def test_enlarging_kinds_against_torch(row: str, x: tuple[int, ...], module: nn.Module) -> None:
    graph, a = loaded(f"  - {row}\n", str(list(x)))
    r = a.rows[0]
    assert (r.output, r.params, r.flops) == measure(module, x)
    assert tb.verify(graph, a).ok


def test_a_transposed_convolution_shows_its_own_arithmetic() -> None:
    # (7 − 1)·2 − 2·1 + 1·(4 − 1) + 0 + 1 = 14: U-Net-style doubling, always a whole number
    graph, a = loaded("  - {name: up, type: convtranspose, filters: 4, kernel: 4, stride: 2, padding: 1}\n", "[8, 7, 7]")
    [th, tw] = a.rows[0].terms
    assert th.text() == "(7 − 1)·2 − 2·1 + 1·(4 − 1) + 0 + 1 = 14" and th.divides and a.findings == ()
    # 8·4·16 + 4 = 516 parameters; FlopCounterMode: 2 · 7·7 input positions · 512 weights = 50,176
    assert (a.rows[0].params, a.rows[0].flops) == (516, 50_176)


def test_a_transposed_convolution_divides_the_jump() -> None:
    # conv 3×3/2 then up-conv 2×2/2: the jump goes 1 → 2 → 1; the up-conv's field adds (2 − 1)·(2/2) = 1 pixel
    graph, a = loaded("  - {name: down, type: conv, filters: 4, kernel: 3, stride: 2}\n"
                      "  - {name: up, type: convtranspose, filters: 4, kernel: 2, stride: 2}\n"
                      "  - {name: up2, type: convtranspose, filters: 4, kernel: 2, stride: 2}\n", "[8, 9, 9]")
    down, up, up2 = (r.receptive_field for r in a.rows)
    assert down is not None and up is not None and up2 is not None
    assert (down.size, down.jump) == ((3, 3), (2, 2))
    assert (up.size, up.jump, up.start) == ((4, 4), (1, 1), (-1, -1))
    assert up2.jump == (Fraction(1, 2), Fraction(1, 2)) and up2.size == (Fraction(9, 2), Fraction(9, 2))


def test_unet_copy_and_crop() -> None:
    """U-Net (Ronneberger et al. 2015, figure 1): 64×568×568 cropped to the up-convolution's 392×392, margin 88."""
    rows = """  - {name: skip, type: conv, filters: 4, kernel: 3}
  - {name: pool, type: maxpool, kernel: 2, inputs: [skip]}
  - {name: low, type: conv, filters: 4, kernel: 3}
  - {name: up, type: convtranspose, filters: 4, kernel: 2, stride: 2}
  - {name: crop, type: crop, inputs: [skip, up]}
  - {name: join, type: concat, inputs: [crop, up]}
"""
    graph, a = loaded(rows, "[1, 14, 14]")
    by = {r.name: r for r in a.rows}
    # 14 → conv 12 → pool 6 → conv 4 → up 8; crop 12 → 8 with (12 − 8)/2 = 2 on each side
    assert by["crop"].output == (4, 8, 8) and by["join"].output == (8, 8, 8)
    assert by["crop"].terms[0].text() == "margin (12 − 8)/2 = 2" and a.findings == ()
    module = tb.build_module(graph, a).eval()
    assert tb.verify(graph, a, module=module).ok
    x = torch.randn(1, 1, 14, 14)
    with torch.no_grad():
        skip = module.get_submodule("skip")(x)
        assert torch.equal(module.get_submodule("crop")(skip, torch.zeros(1, 4, 8, 8)), skip[..., 2:10, 2:10])
    # at 15 the margin is odd: (13 − 8)/2 = 2.5, a finding; torchvision rounds: 2 before, 3 after (round half to even)
    a15 = analyse(graph, (1, 15, 15))
    crop = next(f for f in a15.findings if f.layer == "crop")
    assert "(13 − 8)/2 = 2.5 is not a whole number; the crop is off centre: 2 rows and columns cut before and 3 rows and columns after" in crop.message


def test_crop_errors() -> None:
    with pytest.raises(SpecError, match="cannot crop 6×6 to the larger 7×7"):
        loaded("  - {name: c, type: crop, size: [7, 7]}\n")
    with pytest.raises(SpecError, match="a crop layer reads 2 inputs, not 1"):
        loaded("  - {name: c, type: crop}\n")
    with pytest.raises(SpecError, match="output_padding 2 must be smaller than the stride 2 or the dilation 1"):
        loaded("  - {name: u, type: convtranspose, filters: 2, kernel: 3, stride: 2, output_padding: 2}\n")
    with pytest.raises(SpecError, match="r² = 9 must divide its 8 channels"):
        loaded("  - {name: p, type: pixel_shuffle, factor: 3}\n")
    with pytest.raises(SpecError, match="upsample takes a scale or a size"):
        loaded("  - {name: u, type: upsample, scale: 2, size: 4}\n")
    with pytest.raises(SpecError, match="an upsample layer reads 2 inputs, not 1"):  # neither: the size of a second input
        loaded("  - {name: u, type: upsample}\n")


@pytest.mark.parametrize(("kind", "kernel", "stride", "size"), [("maxpool", 3, 1, 28), ("maxpool", 3, 2, 28), ("maxpool", 2, 2, 7),
                                                                ("avgpool", 3, 2, 13), ("avgpool", 5, 3, 10)])
def test_pools_take_padding_same(kind: str, kernel: int, stride: int, size: int) -> None:
    """TensorFlow's SAME, as conv takes it: output ceil(n/s), the odd pixel of padding after (GoogLeNet's "(S)")."""
    graph, a = loaded(f"  - {{name: p, type: {kind}, kernel: {kernel}, stride: {stride}, padding: same}}\n", f"[2, {size}, {size}]")
    out = -(-size // stride)
    assert a.rows[0].output == (2, out, out) and a.findings == ()
    module = tb.build_module(graph, a).eval()
    assert tb.verify(graph, a, module=module).ok
    total = max((out - 1) * stride + kernel - size, 0)
    pads = (total // 2, total - total // 2) * 2
    x = torch.randn(1, 2, size, size)
    with torch.no_grad():
        if kind == "maxpool":  # the padding is never the maximum
            expected = nn.functional.max_pool2d(nn.functional.pad(x, pads, value=float("-inf")), kernel, stride)
        else:
            expected = nn.functional.avg_pool2d(nn.functional.pad(x, pads), kernel, stride)
        assert torch.equal(module(x), expected)
