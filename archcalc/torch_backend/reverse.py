"""From torch back to the vocabulary: which kind, with which keys, a torch module or operation is.

The reverse of the kinds' `build` rules, as tables: a torch module's class, a function (`F.relu`, `torch.cat`,
`operator.add`) or a tensor method (`x.flatten(1)`) → a rule that reads its hyper-parameters and says the kind.
The values are checked by the kind itself (`mapped` parses each with the kind's own key and leaves out what equals
its default), so a rule cannot write a key the kind does not have. A rule that cannot say it raises NoKindError with why.
Shapes are one sample's (no batch), as the kinds' are.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812

from archcalc.kinds import KINDS, keys
from archcalc.kinds.terms.values import Shape

ALIAS = "alias"  # not a layer: the value is its input's (nn.Identity, .contiguous(), attention's output of a tuple)


class NoKindError(Exception):
    """The module or operation has no archcalc kind (the message says what of it)."""


@dataclass(frozen=True)
class Mapped:
    kind: str  # a kind of KINDS, or ALIAS
    values: dict[str, Any]
    then: str | None = None  # a kind (with its defaults) that follows it as a second row: x.mean((2, 3)) → globalavgpool, flatten


def mapped(kind: str, **values: Any) -> Mapped:
    """The kind with `values` as its spec keys, each parsed by the kind's own key; defaults left out, [3, 3] as 3."""
    cls = KINDS[kind]
    known = {k.key: k for k in keys(cls)}
    kept: dict[str, Any] = {}
    for key, value in values.items():
        k = known[key]  # a key the kind lacks is this table's bug: loud
        value = list(value) if isinstance(value, tuple) else value
        parsed = k.value.parse(value, kind, key) if value is not None else None
        if parsed == k.default or (isinstance(parsed, tuple) and len(set(parsed)) == 1 and parsed[0] == k.default):
            continue
        kept[key] = parsed[0] if isinstance(parsed, tuple) and len(set(parsed)) == 1 and not isinstance(parsed[0], tuple) else parsed
    return Mapped(kind, kept)


ModuleRule = Callable[[Any, tuple[Shape, ...], Shape], Mapped]


def _conv(m: nn.Conv2d, ins: tuple[Shape, ...], out: Shape) -> Mapped:
    if m.padding_mode != "zeros":
        raise NoKindError(f"padding_mode '{m.padding_mode}' (archcalc's conv pads with zeros)")
    return mapped("conv", filters=m.out_channels, kernel=m.kernel_size, stride=m.stride, padding=m.padding, dilation=m.dilation,
                  groups=m.groups, bias=m.bias is not None)


def _convtranspose(m: nn.ConvTranspose2d, ins: tuple[Shape, ...], out: Shape) -> Mapped:
    return mapped("convtranspose", filters=m.out_channels, kernel=m.kernel_size, stride=m.stride, padding=m.padding,
                  output_padding=m.output_padding, dilation=m.dilation, groups=m.groups, bias=m.bias is not None)


def _linear(m: nn.Linear, ins: tuple[Shape, ...], out: Shape) -> Mapped:
    return mapped("dense" if len(ins[0]) == 1 else "linear", units=m.out_features, bias=m.bias is not None)


def _batchnorm(m: nn.BatchNorm2d, ins: tuple[Shape, ...], out: Shape) -> Mapped:
    return mapped("batchnorm", eps=float(m.eps), affine=m.affine)


def _layernorm(m: nn.LayerNorm, ins: tuple[Shape, ...], out: Shape) -> Mapped:
    if len(m.normalized_shape) != 1 or m.normalized_shape[0] != ins[0][-1] or (m.elementwise_affine and m.bias is None):
        raise NoKindError(f"normalized_shape {list(m.normalized_shape)} over an input of {list(ins[0])} (archcalc's layernorm: the last axis, with a bias)")
    return mapped("layernorm", eps=float(m.eps), affine=m.elementwise_affine)


def _pool(kind: str) -> ModuleRule:
    def rule(m: Any, ins: tuple[Shape, ...], out: Shape) -> Mapped:
        return pool(kind, m.kernel_size, m.stride, m.padding, getattr(m, "dilation", 1), m.ceil_mode,
                    getattr(m, "count_include_pad", True), getattr(m, "divisor_override", None))
    return rule


def pool(kind: str, kernel: Any, stride: Any, padding: Any, dilation: Any, ceil: bool, include_pad: bool = True, divisor: Any = None) -> Mapped:
    if dilation not in (1, (1, 1), [1, 1]):
        raise NoKindError(f"dilation {dilation} (archcalc's pools have none)")
    if not include_pad and padding not in (0, (0, 0), [0, 0]) or divisor is not None:
        raise NoKindError("count_include_pad=False or divisor_override (archcalc's avgpool counts the padding)")
    pairs = [tuple(v) if isinstance(v, (tuple, list)) else (v, v) for v in (kernel, stride)]
    return mapped(kind, kernel=kernel, stride=None if stride in (None, (), []) or pairs[0] == pairs[1] else stride, padding=padding,
                  rounding="ceil" if ceil else "floor")


def _adaptive(m: nn.AdaptiveAvgPool2d, ins: tuple[Shape, ...], out: Shape) -> Mapped:
    return adaptive(m.output_size)


def adaptive(size: Any) -> Mapped:
    if size in (1, (1, 1), [1, 1]):
        return mapped("globalavgpool")
    if isinstance(size, (tuple, list)) and None in size:
        raise NoKindError(f"output_size {size} (archcalc's adaptiveavgpool sets both sides)")
    return mapped("adaptiveavgpool", output=size)


def _plain(kind: str) -> ModuleRule:
    return lambda m, ins, out: mapped(kind)


def _softmax(m: nn.Softmax, ins: tuple[Shape, ...], out: Shape) -> Mapped:
    return softmax(m.dim, ins[0])


def softmax(dim: Any, x: Shape) -> Mapped:
    if dim != 1 and not (len(x) == 1 and dim == -1):
        raise NoKindError(f"dim={dim} (archcalc's softmax is over the channels or units)")
    return mapped("softmax")


def _mha(m: nn.MultiheadAttention, ins: tuple[Shape, ...], out: Shape) -> Mapped:
    if not m.batch_first or not m._qkv_same_embed_dim or m.bias_k is not None:
        raise NoKindError("batch_first=False, kdim/vdim or add_bias_kv (archcalc's self_attention: batch_first, one width, no extra biases)")
    return mapped("self_attention", heads=m.num_heads, dropout=float(m.dropout), bias=m.in_proj_bias is not None)


def _upsample(m: nn.Upsample, ins: tuple[Shape, ...], out: Shape) -> Mapped:
    return upsample(m.size, m.scale_factor, m.mode, m.align_corners)


def upsample(size: Any, scale: Any, mode: str, corners: Any) -> Mapped:
    if mode not in ("nearest", "bilinear") or corners:
        raise NoKindError(f"mode '{mode}'{' with align_corners=True' if corners else ''} (archcalc's upsample: nearest or bilinear, corners not aligned)")
    if scale is not None:
        whole = [int(s) for s in (scale if isinstance(scale, (tuple, list)) else (scale,))]
        if whole != list(scale if isinstance(scale, (tuple, list)) else (scale,)):
            raise NoKindError(f"scale_factor {scale} (archcalc's upsample scales by whole numbers)")
        scale = whole if len(whole) > 1 else whole[0]
    return mapped("upsample", size=None if scale is not None else size, scale=scale, mode=mode)


MODULES: Mapping[type, ModuleRule] = {
    nn.Conv2d: _conv, nn.ConvTranspose2d: _convtranspose, nn.Linear: _linear,
    nn.BatchNorm2d: _batchnorm, nn.BatchNorm1d: _batchnorm, nn.LayerNorm: _layernorm,
    nn.GroupNorm: lambda m, ins, out: mapped("groupnorm", groups=m.num_groups, eps=float(m.eps), affine=m.affine),
    nn.LocalResponseNorm: lambda m, ins, out: mapped("lrn", size=m.size, alpha=m.alpha / m.size, beta=m.beta, k=float(m.k)),  # torch divides α by size
    nn.MaxPool2d: _pool("maxpool"), nn.AvgPool2d: _pool("avgpool"), nn.AdaptiveAvgPool2d: _adaptive,
    nn.ReLU: _plain("relu"), nn.ReLU6: _plain("relu6"), nn.Hardtanh: lambda m, ins, out: hardtanh(m.min_val, m.max_val), nn.Sigmoid: _plain("sigmoid"), nn.Tanh: _plain("tanh"),
    nn.SiLU: _plain("silu"), nn.Hardswish: _plain("hardswish"), nn.Hardsigmoid: _plain("hardsigmoid"),
    nn.GELU: lambda m, ins, out: mapped("gelu", approximate=m.approximate),
    nn.LeakyReLU: lambda m, ins, out: mapped("leakyrelu", negative_slope=float(m.negative_slope)),
    nn.ELU: lambda m, ins, out: mapped("elu", alpha=float(m.alpha)),
    nn.PReLU: lambda m, ins, out: mapped("prelu", shared=m.num_parameters == 1),
    nn.Softmax: _softmax,
    nn.Dropout: lambda m, ins, out: mapped("dropout", rate=float(m.p)),
    nn.Dropout2d: lambda m, ins, out: mapped("dropout", rate=float(m.p)),  # the identity at inference, as dropout
    nn.Flatten: lambda m, ins, out: flatten(ins[0], out),
    nn.Identity: lambda m, ins, out: Mapped(ALIAS, {}),
    nn.MultiheadAttention: _mha,
    nn.ChannelShuffle: lambda m, ins, out: mapped("channel_shuffle", groups=m.groups),
    nn.PixelShuffle: lambda m, ins, out: mapped("pixel_shuffle", factor=m.upscale_factor),
    nn.Upsample: _upsample,
}


def _window_attention(m: Any, ins: tuple[Shape, ...], out: Shape) -> Mapped:
    window, shift = list(m.window_size), list(m.shift_size)
    if len(set(window)) != 1 or len(set(shift)) != 1:
        raise NoKindError(f"window {window}, shift {shift} (archcalc's window_attention has square windows)")
    return mapped("window_attention", heads=m.num_heads, window=window[0], shift=shift[0], qkv_bias=m.qkv.bias is not None,
                  proj_bias=m.proj.bias is not None)


def _layernorm2d(m: nn.LayerNorm, ins: tuple[Shape, ...], out: Shape) -> Mapped:
    if len(ins[0]) != 3 or tuple(m.normalized_shape) != (ins[0][0],):
        raise NoKindError(f"normalized_shape {list(m.normalized_shape)} over {list(ins[0])}")
    return mapped("layernorm", eps=float(m.eps), affine=m.elementwise_affine)


# torchvision's own modules, known by their class names (torchvision is never imported here): each is one kind's
# torch module, as archcalc builds it (archcalc.torch_backend.windows, .modules)
BY_NAME: Mapping[str, ModuleRule] = {
    "ShiftedWindowAttention": _window_attention,
    "LayerNorm2d": _layernorm2d,
    "StochasticDepth": lambda m, ins, out: mapped("stochastic_depth", rate=float(m.p), mode=m.mode),
}
NEEDS = {"ShiftedWindowAttention": ("window_size", "shift_size", "num_heads", "qkv", "proj"), "LayerNorm2d": ("normalized_shape",),
         "StochasticDepth": ("p", "mode")}


def module_rule(m: nn.Module) -> ModuleRule | None:
    """The rule of a module: by its class, or (torchvision's) by its class's name where it has what the rule reads."""
    rule = MODULES.get(type(m))
    name = type(m).__name__
    if rule is None and name in BY_NAME and all(hasattr(m, a) for a in NEEDS[name]):
        return BY_NAME[name]
    return rule


def hardtanh(low: float, high: float) -> Mapped:
    if (low, high) != (0.0, 6.0):
        raise NoKindError(f"min {low}, max {high} (archcalc has relu6: hardtanh from 0 to 6)")
    return mapped("relu6")


def flatten(x: Shape, out: Shape) -> Mapped:
    """A map to one vector per sample (flatten, view, reshape): archcalc's flatten; nothing else of a reshape."""
    if len(out) == 1 and len(x) > 1:
        return mapped("flatten")
    if out == x:
        return Mapped(ALIAS, {})
    raise NoKindError(f"a reshape of {list(x)} to {list(out)} (archcalc has flatten, tokens and permute)")


def activation(kind: str) -> Callable[..., Mapped]:
    return lambda **kw: mapped(kind, **{k: v for k, v in kw.items() if k in {key.key for key in keys(KINDS[kind])}})


# functions and tensor methods whose only tensor argument is their input: name -> the kind (their keys read by name)
ELEMENTWISE: Mapping[Any, str] = {
    F.relu: "relu", torch.relu: "relu", "relu": "relu", "relu_": "relu", F.relu_: "relu", torch.relu_: "relu", F.relu6: "relu6", torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid", "sigmoid": "sigmoid",
    torch.tanh: "tanh", F.tanh: "tanh", "tanh": "tanh", F.gelu: "gelu", F.silu: "silu", F.hardswish: "hardswish",
    F.hardsigmoid: "hardsigmoid", F.leaky_relu: "leakyrelu", F.elu: "elu", F.dropout: "dropout",
}
MERGES: Mapping[Any, str] = {operator.add: "add", torch.add: "add", "add": "add", "add_": "add", operator.iadd: "add",
                             operator.mul: "multiply", torch.mul: "multiply", "mul": "multiply", "mul_": "multiply", operator.imul: "multiply"}
