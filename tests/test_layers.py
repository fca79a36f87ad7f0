"""The size arithmetic and every layer kind of issue 2, by hand and against torch on the CPU.

Hand figures cite their arithmetic in a comment; the torch cross-checks build the equivalent
``torch.nn`` layer and compare the output shape, the number of parameters (``numel``) and the
FLOPs that ``torch.utils.flop_counter.FlopCounterMode`` counts for one image.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

import pytest

from archcalc.kinds import KINDS, Layer
from archcalc.kinds.activations import ReLU, Sigmoid, Softmax, Tanh
from archcalc.kinds.adaptive import AdaptiveAvgPool, GlobalAvgPool
from archcalc.kinds.conv import Conv
from archcalc.kinds.dense import Dense
from archcalc.kinds.dropout import Dropout
from archcalc.kinds.flatten import Flatten
from archcalc.kinds.merges import Add, Concat
from archcalc.kinds.norms import LRN, BatchNorm
from archcalc.kinds.pools import AvgPool, MaxPool
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.sizes import ShapeError, same_padding, window


def out(layer: Layer, *xs: tuple[int, ...]) -> tuple[int, ...]:
    """The layer's output shape, by its kind's size rule."""
    return layer.sizing(*xs).out  # type: ignore[attr-defined, no-any-return]


def fig(layer: Layer, *xs: tuple[int, ...]) -> Figures:
    """The layer's figures for its inputs."""
    return layer.figures(xs, out(layer, *xs))  # type: ignore[attr-defined, no-any-return]


# --- the size formula: floor((W − D·(K − 1) − 1 + 2P)/S) + 1 --------------------------------


def test_alexnet_conv1_at_227_divides() -> None:
    # AlexNet conv1: (227 − 11 + 2·0)/4 + 1 = 216/4 + 1 = 55
    t = window("H", 227, 11, 4, (0, 0))
    assert (t.out, t.exact, t.divides, t.unread) == (55, Fraction(55), True, 0)
    assert t.expression() == "(227 − 11 + 2·0)/4 + 1"
    assert t.text() == "(227 − 11 + 2·0)/4 + 1 = 55"


def test_alexnet_conv1_at_224_does_not_divide() -> None:
    # (224 − 11 + 2·0)/4 + 1 = 213/4 + 1 = 54.25; floor → 54. The last window starts at
    # 53·4 = 212 and covers rows 212..222, so exactly one row (223) is never read: 213 mod 4 = 1.
    t = window("H", 224, 11, 4, (0, 0))
    assert (t.out, t.exact, t.divides, t.unread) == (54, Fraction(217, 4), False, 1)
    assert t.value() == "54.25"
    assert t.text() == "(224 − 11 + 2·0)/4 + 1 = 54.25 → 54"


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "pad", "dilation", "out"),
    [
        (28, 5, 1, (2, 2), 1, 28),  # LeNet conv1: (28 − 5 + 2·2)/1 + 1 = 28
        (27, 5, 1, (2, 2), 1, 27),  # AlexNet conv2: (27 − 5 + 4)/1 + 1 = 27
        (55, 3, 2, (0, 0), 1, 27),  # AlexNet pool1: (55 − 3)/2 + 1 = 27
        (13, 3, 2, (0, 0), 1, 6),  # AlexNet pool5: (13 − 3)/2 + 1 = 6
        (32, 3, 1, (0, 0), 2, 28),  # dilation 2: floor((32 − 2·2 − 1 + 0)/1) + 1 = 28
        (10, 3, 3, (1, 1), 3, 2),  # floor((10 − 3·2 − 1 + 2)/3) + 1 = floor(5/3) + 1 = 1 + 1 = 2
        (7, 7, 1, (0, 0), 1, 1),  # kernel equal to the input: one position
        (7, 2, 3, (0, 0), 1, 2),  # floor((7 − 2)/3) + 1 = 1 + 1 = 2
        (5, 3, 1, (1, 2), 1, 6),  # asymmetric padding: (5 + 1 + 2 − 3)/1 + 1 = 6
    ],
)
def test_floor_formula_by_hand(size: int, kernel: int, stride: int, pad: tuple[int, int], dilation: int, out: int) -> None:
    t = window("W", size, kernel, stride, pad, dilation)
    assert t.out == out
    # the exact value is the formula without the floor
    assert t.exact == Fraction(size + pad[0] + pad[1] - dilation * (kernel - 1) - 1, stride) + 1


def test_dilated_and_asymmetric_expressions() -> None:
    # the expression shows the dilation term and unequal pads as they enter the formula
    assert window("H", 32, 3, 1, (0, 0), 2).expression() == "(32 − 2·(3 − 1) − 1 + 2·0)/1 + 1"
    assert window("H", 5, 3, 1, (1, 2)).expression() == "(5 − 3 + 1 + 2)/1 + 1"


def test_non_terminating_value_is_marked() -> None:
    # (20 − 3 + 0)/3 + 1 = 17/3 + 1 = 6.666…: shown to three places with an ellipsis, floored to 6
    t = window("H", 20, 3, 3, (0, 0))
    assert (t.out, t.value()) == (6, "6.667…")


def test_large_non_integer_value_is_exact() -> None:
    # (44100 − 3 + 2·0)/4 + 1 = 44097/4 + 1 = 11025.25 exactly; six significant digits ('11025.2')
    # or an exponent ('1.1e+04') would misstate the arithmetic the finding is about.
    t = window("W", 44100, 3, 4, (0, 0))
    assert t.out == 11025
    assert t.value() == "11025.25"
    # (200001 − 1)/2 + 1 = 100001, but (200002 − 1)/2 + 1 = 100001.5
    assert window("W", 200002, 1, 2, (0, 0)).value() == "100001.5"


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "pad", "floor_out", "ceil_out"),
    [
        (6, 3, 2, 0, 2, 3),  # (6 − 3)/2 + 1 = 2.5: floor 2, ceil 3 (last window starts at 4 < 6)
        (112, 3, 2, 0, 55, 56),  # GoogLeNet (Caffe) pool1: (112 − 3)/2 + 1 = 55.5 → ceil 56
        (5, 2, 2, 1, 3, 3),  # (5 + 2 − 2)/2 + 1 = 3.5 → ceil 4, but the 4th window would start at 6 = 5 + 1,
        # in the right padding: torch drops it, so 3
        (13, 3, 2, 0, 6, 6),  # divides: ceil and floor agree
        (4, 3, 2, 1, 2, 3),  # (4 + 2 − 3)/2 + 1 = 2.5 → ceil 3; the 3rd window starts at 4 < 4 + 1: kept
    ],
)
def test_ceil_mode_as_torch(size: int, kernel: int, stride: int, pad: int, floor_out: int, ceil_out: int) -> None:
    assert window("H", size, kernel, stride, (pad, pad), 1, "floor").out == floor_out
    assert window("H", size, kernel, stride, (pad, pad), 1, "ceil").out == ceil_out


def test_kernel_larger_than_padded_input_is_a_shape_error() -> None:
    with pytest.raises(ShapeError, match="larger than its padded input"):
        window("H", 10, 11, 4, (0, 0))  # 11 > 10
    with pytest.raises(ShapeError):
        window("H", 5, 3, 1, (0, 0), 3)  # reach 3·2 + 1 = 7 > 5
    assert window("H", 9, 11, 1, (1, 1)).out == 1  # reach 11 = 9 + 2: exactly one position


# --- padding 'same', as TensorFlow defines it ---------------------------------------------
# TensorFlow, "tf.nn" convolution docs: out = ceil(in / stride);
# pad_along = max((out − 1)·stride + (filter − 1)·dilation + 1 − in, 0);
# pad_before = pad_along // 2, pad_after = pad_along − pad_before (the odd pixel at the end).


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "dilation", "pads"),
    [
        (224, 7, 2, 1, (2, 3)),  # out 112: 111·2 + 7 − 224 = 5 → (2, 3)
        (225, 3, 2, 1, (1, 1)),  # out 113: 112·2 + 3 − 225 = 2 → (1, 1)
        (5, 4, 1, 1, (1, 2)),  # out 5: 4 + 4 − 5 = 3 → (1, 2)
        (10, 1, 3, 1, (0, 0)),  # out 4: 3·3 + 1 − 10 = 0
        (7, 3, 5, 1, (0, 1)),  # out 2: 5 + 3 − 7 = 1 → (0, 1)
        (9, 3, 1, 2, (2, 2)),  # out 9: 8 + 2·2 + 1 − 9 = 4 → (2, 2)
        (8, 2, 4, 1, (0, 0)),  # out 2: 4 + 2 − 8 = −2 → 0
    ],
)
def test_same_padding_tensorflow(size: int, kernel: int, stride: int, dilation: int, pads: tuple[int, int]) -> None:
    assert same_padding(size, kernel, stride, dilation) == pads
    conv = Conv(filters=4, kernel=(kernel, kernel), stride=(stride, stride), padding="same", dilation=(dilation, dilation))
    assert out(conv, (3, size, size)) == (4, math.ceil(size / stride), math.ceil(size / stride))


def test_same_padding_rectangular() -> None:
    # H: 224 with 7/2 → 112 (pads 2, 3); W: 100 with 3/2 → 50: 49·2 + 3 − 100 = 1 → (0, 1)
    conv = Conv(filters=8, kernel=(7, 3), stride=(2, 2), padding="same")
    assert conv.pads((3, 224, 100)) == ((2, 3), (0, 1))
    assert out(conv, (3, 224, 100)) == (8, 112, 50)


# --- each kind, by hand ----------------------------------------------------------------------


def test_conv_by_hand() -> None:
    # AlexNet conv2 whole: 256 filters of 5×5 over 96/2 = 48 maps: 256·48·25 = 307,200 weights + 256 biases
    conv = Conv(filters=256, kernel=(5, 5), padding=(2, 2), groups=2)
    x = (96, 27, 27)
    assert out(conv, x) == (256, 27, 27)
    assert fig(conv, x).params == 307_456
    assert fig(conv, x).macs == 307_200 * 27 * 27 == 223_948_800
    assert fig(conv, x).flops == 447_897_600
    assert fig(Conv(filters=256, kernel=(5, 5), padding=(2, 2), groups=2, bias=False), x).params == 307_200


def test_conv_rectangular_by_hand() -> None:
    # 3×5 kernel, stride (2, 1), padding (1, 0) on 4×10×12: H (10 − 3 + 2)/2 + 1 = 5.5 → 5, W (12 − 5)/1 + 1 = 8
    conv = Conv(filters=6, kernel=(3, 5), stride=(2, 1), padding=(1, 0))
    x = (4, 10, 12)
    assert out(conv, x) == (6, 5, 8)
    assert fig(conv, x).params == 6 * 4 * 15 + 6  # 366
    assert fig(conv, x).macs == 6 * 4 * 15 * 5 * 8  # 14,400
    th, tw = conv.sizing(x).terms
    assert (th.divides, tw.divides) == (False, True)


def test_conv_groups_must_divide() -> None:
    with pytest.raises(ShapeError, match="groups"):
        out(Conv(filters=4, kernel=(3, 3), groups=2), (3, 8, 8))  # 3 channels, 2 groups
    with pytest.raises(ShapeError, match="groups"):
        out(Conv(filters=3, kernel=(3, 3), groups=2), (4, 8, 8))  # 3 filters, 2 groups


def test_conv_needs_a_spatial_input() -> None:
    with pytest.raises(ShapeError):
        out(Conv(filters=4, kernel=(3, 3)), (10,))


def test_pools_by_hand() -> None:
    # stride defaults to the kernel: LeNet pool1 2×2 on 6×28×28 → 6×14×14
    assert out(AvgPool(kernel=(2, 2)), (6, 28, 28)) == (6, 14, 14)
    assert out(MaxPool(kernel=(3, 3), stride=(2, 2)), (96, 55, 55)) == (96, 27, 27)
    # ceil as Caffe: 3/2 on 112 → 56
    assert out(MaxPool(kernel=(3, 3), stride=(2, 2), rounding="ceil"), (64, 112, 112)) == (64, 56, 56)
    for pool in (AvgPool(kernel=(2, 2)), MaxPool(kernel=(3, 3), stride=(2, 2))):
        assert (fig(pool, (6, 28, 28)).params, fig(pool, (6, 28, 28)).macs, fig(pool, (6, 28, 28)).flops) == (0, 0, 0)
    with pytest.raises(ShapeError, match="half the kernel"):
        out(MaxPool(kernel=(2, 2), padding=(2, 2)), (3, 8, 8))  # torch: pad at most half the kernel


def test_dense_flattens_by_hand() -> None:
    # AlexNet fc6: 256·6·6 = 9,216 inputs × 4,096 + 4,096 biases = 37,752,832
    fc = Dense(units=4096)
    assert out(fc, (256, 6, 6)) == (4096,)
    assert fig(fc, (256, 6, 6)).params == 37_752_832
    assert fig(fc, (256, 6, 6)).macs == 37_748_736
    assert fig(fc, (256, 6, 6)).flops == 75_497_472
    assert fig(Dense(units=10, bias=False), (84,)).params == 840


def test_weightless_kinds_by_hand() -> None:
    x = (96, 55, 55)
    for layer in (LRN(), Dropout(rate=0.5), ReLU(), Sigmoid(), Tanh()):
        assert out(layer, x) == x
        assert (fig(layer, x).params, fig(layer, x).macs, fig(layer, x).flops) == (0, 0, 0)
    assert out(Flatten(), (256, 6, 6)) == (9216,)  # 256·6·6
    assert out(Softmax(), (1000,)) == (1000,)
    assert out(GlobalAvgPool(), (512, 7, 7)) == (512, 1, 1)
    assert out(AdaptiveAvgPool(output=(6, 6)), (256, 13, 13)) == (256, 6, 6)
    assert fig(BatchNorm(), (64, 8, 8)).params == 128  # gamma and beta per channel
    assert fig(BatchNorm(affine=False), (64, 8, 8)).params == 0


def test_merges_by_hand() -> None:
    assert out(Add(), (8, 5, 5), (8, 5, 5), (8, 5, 5)) == (8, 5, 5)
    assert out(Concat(), (8, 5, 5), (4, 5, 5)) == (12, 5, 5)
    with pytest.raises(ShapeError):
        out(Add(), (8, 5, 5), (8, 4, 5))
    with pytest.raises(ShapeError):
        out(Concat(), (8, 5, 5), (4, 5, 6))


def test_kinds_of_the_issue_are_registered() -> None:
    # the spec format of issue 2 names these types; a spec may use each
    issue_kinds = {"conv", "maxpool", "avgpool", "dense", "flatten", "lrn", "dropout", "relu", "sigmoid", "tanh", "softmax"}
    assert issue_kinds <= set(KINDS)
    assert all(issubclass(cls, Layer) and KINDS[cls.kind] is cls for cls in KINDS.values())


# --- against torch ---------------------------------------------------------------------------

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional
FlopCounterMode = pytest.importorskip("torch.utils.flop_counter").FlopCounterMode


def measure(module: Any, *xs: tuple[int, ...]) -> tuple[tuple[int, ...], int, int]:
    """(output shape without the batch, parameters, FlopCounterMode FLOPs) for one image."""
    module.eval()
    inputs = [torch.zeros(1, *x) for x in xs]
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = module(*inputs)
    return tuple(y.shape[1:]), sum(p.numel() for p in module.parameters()), counter.get_total_flops()


def ours(layer: Layer, *xs: tuple[int, ...]) -> tuple[tuple[int, ...], int, int]:
    return out(layer, *xs), fig(layer, *xs).params, fig(layer, *xs).flops


def _conv_cases() -> list[dict[str, Any]]:
    """Small conv cases, hand-picked then drawn with a fixed seed; every one valid for torch."""
    cases = [
        dict(c=3, h=227, w=227, filters=96, k=(11, 11), s=(4, 4), p=(0, 0), d=(1, 1), g=1, bias=True),  # AlexNet conv1
        dict(c=96, h=27, w=27, filters=256, k=(5, 5), s=(1, 1), p=(2, 2), d=(1, 1), g=2, bias=True),  # AlexNet conv2
        dict(c=1, h=28, w=28, filters=6, k=(5, 5), s=(1, 1), p=(2, 2), d=(1, 1), g=1, bias=True),  # LeNet conv1
        dict(c=4, h=9, w=13, filters=6, k=(3, 5), s=(2, 1), p=(1, 0), d=(1, 1), g=1, bias=False),  # rectangular
        dict(c=8, h=12, w=7, filters=8, k=(3, 3), s=(1, 2), p=(0, 1), d=(2, 1), g=8, bias=True),  # depthwise, dilated
        dict(c=6, h=5, w=5, filters=3, k=(5, 5), s=(1, 1), p=(0, 0), d=(1, 1), g=3, bias=True),  # kernel = input
        dict(c=2, h=1, w=17, filters=4, k=(1, 3), s=(1, 3), p=(0, 1), d=(1, 2), g=2, bias=True),  # a 1-row input
    ]
    rng = random.Random(20120101)
    while len(cases) < 48:
        g = rng.choice([1, 1, 2, 3, 4])
        k = (rng.randint(1, 5), rng.randint(1, 5))
        d = (rng.choice([1, 1, 2, 3]), rng.choice([1, 1, 2]))
        p = (rng.randint(0, 3), rng.randint(0, 3))
        case = dict(c=g * rng.randint(1, 3), h=rng.randint(1, 20), w=rng.randint(1, 20), filters=g * rng.randint(1, 3),
                    k=k, s=(rng.randint(1, 4), rng.randint(1, 4)), p=p, d=d, g=g, bias=rng.random() < 0.7)
        if all(case["d"][i] * (k[i] - 1) + 1 <= (case["h"], case["w"])[i] + 2 * p[i] for i in (0, 1)):
            cases.append(case)
    return cases


@pytest.mark.parametrize("case", _conv_cases(), ids=lambda c: "c{c}h{h}w{w}f{filters}k{k}s{s}p{p}d{d}g{g}".format(**c).replace(" ", ""))
def test_conv_against_torch(case: dict[str, Any]) -> None:
    layer = Conv(filters=case["filters"], kernel=case["k"], stride=case["s"], padding=case["p"], dilation=case["d"],
                 groups=case["g"], bias=case["bias"])
    module = nn.Conv2d(case["c"], case["filters"], case["k"], case["s"], case["p"], case["d"], case["g"], case["bias"])
    x = (case["c"], case["h"], case["w"])
    assert ours(layer, x) == measure(module, x)
    assert fig(layer, x).flops == 2 * fig(layer, x).macs


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize(("size", "kernel", "dilation"), [(9, 3, 1), (10, 4, 1), (12, 3, 2), (7, 2, 3), (6, 6, 1), (8, 1, 1)])
def test_same_padding_matches_torch_same_for_stride_1(size: int, kernel: int, dilation: int) -> None:
    # torch supports padding='same' for stride 1 only, with the odd pixel at the end as TensorFlow does:
    # the 'same' conv must equal a 'valid' conv of the input padded by archcalc's (before, after).
    torch.manual_seed(0)
    layer = Conv(filters=2, kernel=(kernel, kernel), padding="same", dilation=(dilation, dilation))
    module = nn.Conv2d(3, 2, kernel, padding="same", dilation=dilation)
    x = torch.randn(1, 3, size, size + 1)
    (top, bottom), (left, right) = layer.pads((3, size, size + 1))
    valid = F.conv2d(F.pad(x, (left, right, top, bottom)), module.weight, module.bias, dilation=dilation)
    with torch.no_grad():
        assert torch.allclose(module(x), valid)
    assert out(layer, (3, size, size + 1)) == tuple(module(x).shape[1:]) == (2, size, size + 1)


@pytest.mark.parametrize(("size", "kernel", "stride"), [(224, 7, 2), (225, 3, 2), (7, 3, 5), (13, 4, 3), (5, 5, 2)])
def test_same_padding_strided_gives_ceil_of_size_over_stride(size: int, kernel: int, stride: int) -> None:
    # TensorFlow 'SAME': out = ceil(size/stride); torch has no strided 'same', so pad as archcalc says and count
    layer = Conv(filters=2, kernel=(kernel, kernel), stride=(stride, stride), padding="same")
    (top, bottom), (left, right) = layer.pads((1, size, size))
    y = F.conv2d(F.pad(torch.zeros(1, 1, size, size), (left, right, top, bottom)), torch.zeros(2, 1, kernel, kernel), stride=stride)
    assert out(layer, (1, size, size)) == tuple(y.shape[1:]) == (2, -(-size // stride), -(-size // stride))


def _pool_cases() -> list[tuple[int, int, tuple[int, int], tuple[int, int], tuple[int, int], str]]:
    cases: list[tuple[int, int, tuple[int, int], tuple[int, int], tuple[int, int], str]] = [
        (55, 55, (3, 3), (2, 2), (0, 0), "floor"),  # AlexNet pool1
        (112, 112, (3, 3), (2, 2), (0, 0), "ceil"),  # GoogLeNet (Caffe) pool1
        (5, 5, (2, 2), (2, 2), (1, 1), "ceil"),  # the window that would start in the padding is dropped
        (7, 10, (3, 2), (2, 3), (1, 0), "ceil"),
        (7, 10, (3, 2), (2, 3), (1, 0), "floor"),
    ]
    rng = random.Random(1998)
    while len(cases) < 40:
        k = (rng.randint(1, 5), rng.randint(1, 5))
        p = (rng.randint(0, k[0] // 2), rng.randint(0, k[1] // 2))
        h, w = rng.randint(1, 16), rng.randint(1, 16)
        if k[0] <= h + 2 * p[0] and k[1] <= w + 2 * p[1]:
            cases.append((h, w, k, (rng.randint(1, 4), rng.randint(1, 4)), p, rng.choice(["floor", "ceil"])))
    return cases


@pytest.mark.parametrize("kind", ["maxpool", "avgpool"])
@pytest.mark.parametrize(("h", "w", "k", "s", "p", "rounding"), _pool_cases())
def test_pool_against_torch(kind: str, h: int, w: int, k: tuple[int, int], s: tuple[int, int], p: tuple[int, int], rounding: str) -> None:
    cls, torch_cls = (MaxPool, nn.MaxPool2d) if kind == "maxpool" else (AvgPool, nn.AvgPool2d)
    layer = cls(kernel=k, stride=s, padding=p, rounding=rounding)
    module = torch_cls(k, s, p, ceil_mode=rounding == "ceil")
    assert ours(layer, (3, h, w)) == measure(module, (3, h, w))


@pytest.mark.parametrize(
    ("h", "w", "k", "s", "p"),
    [
        (2, 2, (3, 3), (2, 2), (0, 0)),  # (2 − 3 + 2·0)/2 + 1 = 0.5 → ceil 1; Caffe: ceil((2 − 3)/2) + 1 = 1
        (1, 8, (3, 3), (5, 3), (0, 0)),  # H: (1 − 3)/5 + 1 = 0.6 → ceil 1
        (2, 11, (6, 6), (3, 4), (1, 0)),  # H: (2 − 6 + 2)/3 + 1 = 0.33… → ceil 1
        (5, 4, (3, 5), (3, 2), (0, 0)),  # W: (4 − 5)/2 + 1 = 0.5 → ceil 1
    ],
)
def test_ceil_pool_window_past_the_input_as_torch(h: int, w: int, k: tuple[int, int], s: tuple[int, int], p: tuple[int, int]) -> None:
    # in ceil mode torch (and Caffe) give one output even where the window is larger than the padded
    # input, as long as (size + 2P − K + S − 1) ≥ 0: the window starts inside and hangs past the end
    layer = MaxPool(kernel=k, stride=s, padding=p, rounding="ceil")
    assert ours(layer, (3, h, w)) == measure(nn.MaxPool2d(k, s, p, ceil_mode=True), (3, h, w))
    with pytest.raises(RuntimeError):  # floor mode: no output, for torch as for archcalc
        measure(nn.MaxPool2d(k, s, p), (3, h, w))
    with pytest.raises(ShapeError):
        out(MaxPool(kernel=k, stride=s, padding=p), (3, h, w))


def test_pool_stride_defaults_to_kernel_as_torch() -> None:
    assert ours(MaxPool(kernel=(2, 3)), (4, 11, 11)) == measure(nn.MaxPool2d((2, 3)), (4, 11, 11))  # (4, 5, 3)


@pytest.mark.parametrize(
    ("h", "w", "k", "s", "p", "torch_module"),
    [
        (10, 10, (11, 11), (4, 4), (0, 0), "conv"),  # kernel larger than the input
        (3, 8, (3, 3), (1, 1), (0, 0), "conv_dilated"),  # reach 2·2 + 1 = 5 > 3
        (8, 8, (2, 2), (2, 2), (2, 2), "maxpool"),  # pad more than half the kernel
    ],
)
def test_torch_refuses_what_archcalc_refuses(h: int, w: int, k: tuple[int, int], s: tuple[int, int], p: tuple[int, int], torch_module: str) -> None:
    x = (2, h, w)
    if torch_module == "maxpool":
        layer: Layer = MaxPool(kernel=k, stride=s, padding=p)
        module: Any = nn.MaxPool2d(k, s, p)
    else:
        d = (2, 2) if torch_module == "conv_dilated" else (1, 1)
        layer = Conv(filters=2, kernel=k, stride=s, padding=p, dilation=d)
        module = nn.Conv2d(2, 2, k, s, p, d)
    with pytest.raises(ShapeError):
        out(layer, x)
    with pytest.raises(RuntimeError):
        measure(module, x)


@pytest.mark.parametrize(("x", "units", "bias"), [((256, 6, 6), 4096, True), ((84,), 10, True), ((16, 5, 5), 120, False), ((3, 1, 7), 5, True)])
def test_dense_against_torch(x: tuple[int, ...], units: int, bias: bool) -> None:
    module = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(x), units, bias=bias))
    assert ours(Dense(units=units, bias=bias), x) == measure(module, x)
    assert out(Flatten(), x) == measure(nn.Flatten(), x)[0]


@pytest.mark.parametrize(
    ("layer", "module", "x"),
    [
        (LRN(size=5, alpha=1e-4, beta=0.75, k=2.0), nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0), (96, 55, 55)),
        (BatchNorm(), nn.BatchNorm2d(64), (64, 8, 8)),
        (BatchNorm(affine=False), nn.BatchNorm2d(64, affine=False), (64, 8, 8)),
        (Dropout(rate=0.5), nn.Dropout(0.5), (4096,)),
        (ReLU(), nn.ReLU(), (96, 55, 55)),
        (Sigmoid(), nn.Sigmoid(), (6, 28, 28)),
        (Tanh(), nn.Tanh(), (120,)),
        (Softmax(), nn.Softmax(dim=1), (1000,)),
        (GlobalAvgPool(), nn.AdaptiveAvgPool2d(1), (512, 7, 7)),
        (AdaptiveAvgPool(output=(6, 6)), nn.AdaptiveAvgPool2d((6, 6)), (256, 13, 13)),
        (AdaptiveAvgPool(output=(2, 3)), nn.AdaptiveAvgPool2d((2, 3)), (8, 5, 9)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, (Layer, nn.Module)) else "x",
)
def test_other_kinds_against_torch(layer: Layer, module: Any, x: tuple[int, ...]) -> None:
    assert ours(layer, x) == measure(module, x)


class _Sum(nn.Module):  # type: ignore[misc]
    def forward(self, *xs: Any) -> Any:
        return sum(xs[1:], xs[0])


class _Cat(nn.Module):  # type: ignore[misc]
    def forward(self, *xs: Any) -> Any:
        return torch.cat(xs, dim=1)


def test_merges_against_torch() -> None:
    assert ours(Add(), (8, 5, 5), (8, 5, 5)) == measure(_Sum(), (8, 5, 5), (8, 5, 5))
    assert ours(Concat(), (8, 5, 5), (4, 5, 5), (1, 5, 5)) == measure(_Cat(), (8, 5, 5), (4, 5, 5), (1, 5, 5))
