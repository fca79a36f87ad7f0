"""Property tests: random networks, the calculator against torch, layer by layer.

Hypothesis draws small networks — chains and graphs of convolutions (rectangular kernels, strides,
padding including 'same', dilation, groups), max and average pools (floor and ceil, padding up to
half the kernel), dense layers (which flatten), batchnorm, layernorm, layer scale, stochastic depth,
activations (relu6, hardswish, silu, gelu, prelu, ... too, alone and fused), transposed convolutions,
upsampling, pixel and channel shuffles, chunks, group norm, global and adaptive pools,
and merges (add of branches of one shape, concat of branches of one spatial size) — on random
rectangular inputs, and writes each as the YAML text of a spec.

Each spec goes through archcalc (parse_spec → build_graph → analyse) and, independently, through a
reference built here from the same layer mappings with plain torch.nn modules sized from the
tensors that actually arrive (nothing from archcalc): per layer the output shape, the trainable
parameters (numel) and the FLOPs (FlopCounterMode) must equal the calculator's Row. The module
`archcalc run` builds (torch_backend.build_module, checked by torch_backend.verify) must agree too.
Where archcalc rejects a spec as impossible, torch must fail on the same network; where torch
runs it, archcalc must accept it.

The generator sizes kernels to fit most of the time (its size estimate only steers the drawing;
nothing is asserted against it), and now and then lets them overshoot, so both outcomes occur.
A failure prints the spec text (hypothesis `note`) and the shrunk example. The default run tries about
200 examples in all; the long hunt (`pytest -m slow`, which .ci/run runs) about 2,000 more, with the
same properties; ARCHCALC_PROPERTY_EXAMPLES=N sets every property's count (1,500 each ran clean in
three minutes on 2 cores).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch
import yaml
from hypothesis import HealthCheck, currently_in_test_context, event, given, note, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from archcalc import torch_backend as tb
from archcalc.analysis import Analysis, analyse
from archcalc.analysis.graph import Graph, build_graph
from archcalc.errors import ArchcalcError
from archcalc.specfile import parse_spec

# torch's own 'same' (the reference uses it for stride 1) warns that an even kernel copies the input padded
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")

Layer = dict[str, Any]  # one layer as the spec writes it
Shape = tuple[int, ...]


def examples(default: int) -> settings:
    """The suite's profile: no deadline (a busy CI core), the spec printed on failure."""
    count = int(os.environ.get("ARCHCALC_PROPERTY_EXAMPLES", "0")) or default
    return settings(max_examples=count, deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --- the network, as a spec ---------------------------------------------------------------------


@dataclass(frozen=True)
class Net:
    input: Shape
    layers: tuple[Layer, ...]

    @property
    def text(self) -> str:
        """The spec's YAML, one flow mapping per layer."""
        lines = ["name: property case", f"input: {list(self.input)}", "layers:"]
        lines += [f"  - {yaml.safe_dump(layer, default_flow_style=True, sort_keys=False, width=10_000).strip()}" for layer in self.layers]
        return "\n".join(lines) + "\n"


def inputs_of(net: Net, index: int) -> list[str]:
    """As the spec format says: `inputs`, else the layer written before (the first reads the input)."""
    layer = net.layers[index]
    return list(layer["inputs"]) if "inputs" in layer else [net.layers[index - 1]["name"] if index else "input"]


# --- the reference: plain torch, sized from the tensors that arrive --------------------------------


class ScaledTanh(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 1.7159 * torch.tanh(2 / 3 * x)  # LeCun et al. (1998), appendix A


class Merge(nn.Module):
    def __init__(self, how: Callable[[list[torch.Tensor]], torch.Tensor]) -> None:
        super().__init__()
        self.how = how

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return self.how(list(xs))


class ChannelsLast(nn.Module):
    """nn.LayerNorm over the channels at each position, as ConvNeXt's LayerNorm2d."""

    def __init__(self, norm: nn.Module) -> None:
        super().__init__()
        self.norm = norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2) if x.dim() == 4 else self.norm(x)


class Scale(nn.Module):
    """A learned factor per channel (layer scale)."""

    def __init__(self, channels: int, spatial: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels, 1, 1) if spatial else (channels,), 1e-6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight


ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "scaled_tanh": ScaledTanh, "relu6": nn.ReLU6, "hardswish": nn.Hardswish,
    "hardsigmoid": nn.Hardsigmoid, "silu": nn.SiLU, "gelu": nn.GELU, "leakyrelu": nn.LeakyReLU, "elu": nn.ELU,
}


def pair(value: int | list[int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (value[0], value[1])


def tf_same(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow's SAME (tf.nn.convolution docs): output ceil(n/s), the padding split with the odd one after."""
    total = max((math.ceil(n / s) - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def conv_module(layer: Layer, x: torch.Tensor) -> nn.Module:
    kernel, stride, dilation = pair(layer["kernel"]), pair(layer.get("stride", 1)), pair(layer.get("dilation", 1))
    args = dict(kernel_size=kernel, stride=stride, dilation=dilation, groups=layer.get("groups", 1), bias=layer.get("bias", True))
    padding = layer.get("padding", 0)
    parts: list[nn.Module] = []
    if padding == "same" and stride == (1, 1):
        parts.append(nn.Conv2d(x.shape[1], layer["filters"], padding="same", **args))  # torch's own 'same'
    elif padding == "same":  # torch has no strided 'same': pad by TensorFlow's rule
        (top, bottom), (left, right) = (tf_same(n, k, s, d) for n, k, s, d in zip(x.shape[2:], kernel, stride, dilation))
        parts += [nn.ZeroPad2d((left, right, top, bottom)), nn.Conv2d(x.shape[1], layer["filters"], padding=0, **args)]
    else:
        parts.append(nn.Conv2d(x.shape[1], layer["filters"], padding=pair(padding), **args))
    return nn.Sequential(*parts, *activation(layer))


def activation(layer: Layer) -> list[nn.Module]:
    return [ACTIVATIONS[layer["activation"]]()] if layer.get("activation") else []


def reference_module(layer: Layer, xs: list[torch.Tensor]) -> nn.Module:
    """The layer in plain torch; raises as torch does where the layer cannot take its input."""
    x, kind = xs[0], layer["type"]
    if kind == "conv":
        return conv_module(layer, x)
    if kind in ("maxpool", "avgpool"):
        cls = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
        kernel = pair(layer["kernel"])
        return cls(kernel, pair(layer.get("stride", kernel)), pair(layer.get("padding", 0)), ceil_mode=layer.get("rounding") == "ceil")
    if kind == "dense":
        flatten = [nn.Flatten()] if x.dim() > 2 else []
        return nn.Sequential(*flatten, nn.Linear(x[0].numel(), layer["units"], bias=layer.get("bias", True)), *activation(layer))
    if kind == "batchnorm":
        norm = nn.BatchNorm2d if x.dim() == 4 else nn.BatchNorm1d
        return norm(x.shape[1], affine=layer.get("affine", True))
    if kind == "globalavgpool":
        return nn.AdaptiveAvgPool2d(1)
    if kind == "adaptiveavgpool":
        return nn.AdaptiveAvgPool2d(pair(layer["output"]))
    if kind == "flatten":
        return nn.Flatten()
    if kind == "dropout":
        return nn.Dropout(layer.get("rate", 0.5))
    if kind == "softmax":
        return nn.Softmax(dim=1)
    if kind == "prelu":
        return nn.PReLU(x.shape[1])
    if kind == "convtranspose":
        k, s = layer["kernel"], layer["stride"]
        return nn.ConvTranspose2d(x.shape[1], layer["filters"], k, s, layer["padding"], layer["output_padding"], layer.get("groups", 1))
    if kind == "upsample":
        corners = False if layer["mode"] == "bilinear" else None
        return nn.Upsample(scale_factor=tuple(float(v) for v in layer["scale"]), mode=layer["mode"], align_corners=corners)
    if kind == "pixel_shuffle":
        return nn.PixelShuffle(layer["factor"])
    if kind == "channel_shuffle":
        return nn.ChannelShuffle(layer["groups"])
    if kind == "groupnorm":
        return nn.GroupNorm(layer["groups"], x.shape[1])
    if kind == "chunk":
        return Merge(lambda ts: ts[0].chunk(layer["chunks"], 1)[layer["index"]] if layer["index"] < len(ts[0].chunk(layer["chunks"], 1))
                     else _refuse(f"torch makes fewer than {layer['index'] + 1} chunks of {ts[0].shape[1]} channels"))
    if kind == "layernorm":
        return ChannelsLast(nn.LayerNorm(x.shape[1], elementwise_affine=layer.get("affine", True)))
    if kind == "layer_scale":
        return Scale(x.shape[1], x.dim() == 4)
    if kind == "stochastic_depth":
        return nn.Identity()  # at inference
    if kind == "add":
        return Merge(lambda ts: torch.stack(ts).sum(0))  # stack: one shape or an error, never broadcast
    if kind == "concat":
        return Merge(lambda ts: torch.cat(ts, 1))
    return ACTIVATIONS[kind]()


def _refuse(why: str) -> torch.Tensor:
    raise RuntimeError(why)  # torch.chunk gives unequal chunks where archcalc's chunk needs equal ones


@dataclass(frozen=True)
class Measured:
    shape: Shape
    params: int  # trainable
    frozen: int
    flops: int  # batch 1


def measure(net: Net) -> dict[str, Measured] | str:
    """Each layer's figures in plain torch at batch 1, or what torch said where it cannot run the network."""
    values = {"input": torch.randn(1, *net.input, generator=torch.Generator().manual_seed(0))}
    figures = {}
    try:
        for i, layer in enumerate(net.layers):
            xs = [values[name] for name in inputs_of(net, i)]
            module = reference_module(layer, xs).eval()
            with torch.inference_mode(), FlopCounterMode(display=False) as counter:
                out = module(*xs)
            if 0 in out.shape:  # torch gives an empty map where a transposed window's padding eats it all: no network
                return f"{layer['name']}: an empty output {tuple(out.shape)}"
            values[layer["name"]] = out
            figures[layer["name"]] = Measured(tuple(out.shape[1:]), sum(p.numel() for p in module.parameters() if p.requires_grad),
                                              sum(p.numel() for p in module.parameters() if not p.requires_grad), counter.get_total_flops())
    except (RuntimeError, ValueError) as exc:
        return f"{layer['name']}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    return figures


def calculate(net: Net) -> tuple[Graph, Analysis] | str:
    try:
        graph = build_graph(parse_spec(net.text, "case.yaml"))
        return graph, analyse(graph)
    except ArchcalcError as exc:
        return str(exc)


def agree(net: Net) -> Analysis | None:
    """The property: archcalc and torch agree on whether the network runs, and on every figure where it does.
    Returns the analysis where it runs."""
    hypothesis = currently_in_test_context()  # the worked cases call it too
    if hypothesis:
        note(net.text)
    calculated, measured = calculate(net), measure(net)
    if hypothesis:
        event("torch cannot run it" if isinstance(measured, str) else "torch runs it")
    if isinstance(calculated, str) or isinstance(measured, str):
        assert isinstance(calculated, str) and isinstance(measured, str), (
            f"archcalc: {calculated if isinstance(calculated, str) else 'runs'}; torch: {measured if isinstance(measured, str) else 'runs'}")
        return None
    graph, a = calculated
    rows = {r.name: Measured(r.output, r.params, r.frozen_params, r.flops) for r in a.rows}
    assert rows == measured
    assert (a.totals.params, a.totals.flops) == (sum(m.params for m in measured.values()), sum(m.flops for m in measured.values()))
    v = tb.verify(graph, a, "cpu", torch.float32)  # the module `archcalc run` builds, as it checks itself
    assert v.mismatches == ()
    assert {c.name: Measured(c.torch_shape, c.torch_params, c.torch_frozen_params, c.torch_flops) for c in v.layers} == measured
    return a


# --- the generator ------------------------------------------------------------------------------
# It estimates sizes only to steer kernels towards fitting; the assertions never use the estimate.


@dataclass(frozen=True)
class Window:
    """A conv's or pool's geometry on H and W."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int] | str
    dilation: tuple[int, int] = (1, 1)
    rounding: str = "floor"

    def keys(self, pool: bool = False) -> Layer:
        keys: Layer = {"kernel": list(self.kernel), "stride": list(self.stride),
                       "padding": self.padding if isinstance(self.padding, str) else list(self.padding)}
        if not pool:
            keys["dilation"] = list(self.dilation)
        elif self.rounding == "ceil":
            keys["rounding"] = "ceil"
        return keys

    def estimate(self, h: int, w: int) -> tuple[int, int]:
        if isinstance(self.padding, str):  # 'same'
            return math.ceil(h / self.stride[0]), math.ceil(w / self.stride[1])
        out = []
        for n, k, s, p, d in zip((h, w), self.kernel, self.stride, self.padding, self.dilation):
            span = n + 2 * p - d * (k - 1) - 1
            out.append(max((-(-span // s) if self.rounding == "ceil" else span // s) + 1, 1))
        return out[0], out[1]


@st.composite
def windows(draw: st.DrawFn, h: int, w: int, pool: bool, fit: bool) -> Window:
    same = not pool and draw(st.integers(0, 3)) == 0
    kernel, stride, padding, dilation = [], [], [], []
    for n in (h, w):
        d = 1 if pool else draw(st.integers(1, 2))
        if pool:
            k = draw(st.integers(1, min(4, n) if fit else 4))
            p = draw(st.integers(0, k // 2 if fit else 2))  # torch and archcalc: at most half the kernel
        else:
            p = 0 if same else draw(st.integers(0, 2))
            k = draw(st.integers(1, 5 if same or not fit else min(5, (n + 2 * p - 1) // d + 1)))  # reach d(k − 1) + 1 ≤ n + 2p
        kernel.append(k)
        stride.append(draw(st.integers(1, 3)))
        padding.append(p)
        dilation.append(d)
    rounding = draw(st.sampled_from(["floor", "ceil"])) if pool else "floor"
    return Window((kernel[0], kernel[1]), (stride[0], stride[1]), "same" if same else (padding[0], padding[1]),
                  (dilation[0], dilation[1]), rounding)


def divisors(n: int) -> list[int]:
    return [g for g in (1, 2, 3, 4) if n % g == 0]


@st.composite
def conv(draw: st.DrawFn, name: str, c: int, window: Window, fit: bool, filters: int | None = None) -> Layer:
    groups = draw(st.sampled_from(divisors(c) if fit else [1, 2, 3]))
    if filters is None:
        filters = groups * draw(st.integers(1, max(1, 8 // groups)))
    elif filters % groups:
        groups = 1
    layer: Layer = {"name": name, "type": "conv", "filters": filters, **window.keys()}
    if groups != 1:
        layer["groups"] = groups
    if not draw(st.booleans()):
        layer["bias"] = False
    act = draw(st.sampled_from([None, "relu", "sigmoid", "tanh", "scaled_tanh", "relu6", "hardswish", "silu", "gelu", "elu"]))
    return {**layer, "activation": act} if act else layer


SHAPE_KEEPING = ["relu", "sigmoid", "tanh", "batchnorm", "dropout", "relu6", "hardswish", "hardsigmoid", "silu", "gelu", "leakyrelu",
                 "elu", "prelu", "layernorm", "layer_scale", "stochastic_depth"]


@dataclass
class Builder:
    """The network so far, and an estimate of the tensor the next layer reads."""

    layers: list[Layer]
    last: str
    shape: Shape  # estimated
    fit: bool

    def name(self) -> str:
        return f"l{len(self.layers)}"

    def add(self, layer: Layer, shape: Shape) -> None:
        self.layers.append(layer)
        self.last, self.shape = layer["name"], shape


def shape_keeping(draw: st.DrawFn, name: str, kind: str) -> Layer:
    if kind in ("batchnorm", "layernorm") and not draw(st.booleans()):
        return {"name": name, "type": kind, "affine": False}  # no parameters
    return {"name": name, "type": kind}


RESHAPING = ["convtranspose", "upsample", "pixel_shuffle", "channel_shuffle", "chunk", "groupnorm"]


def reshaping(draw: st.DrawFn, b: Builder, name: str, kind: str) -> None:
    """The kinds that enlarge a map or regroup its channels; now and then with numbers that do not fit."""
    c, h, w = b.shape
    fits = divisors(c) if b.fit else [1, 2, 3, 4]
    if kind == "convtranspose":
        k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
        p, op = draw(st.integers(0, 1)), draw(st.integers(0, s - 1 if b.fit else 1))
        groups = draw(st.sampled_from(fits))
        filters = groups * draw(st.integers(1, 3))
        b.add({"name": name, "type": "convtranspose", "filters": filters, "kernel": k, "stride": s, "padding": p, "output_padding": op,
               **({"groups": groups} if groups != 1 else {})},
              (filters, max((h - 1) * s - 2 * p + k + op, 1), max((w - 1) * s - 2 * p + k + op, 1)))
    elif kind == "upsample":
        sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        mode = draw(st.sampled_from(["nearest", "bilinear"]))
        b.add({"name": name, "type": "upsample", "scale": [sh, sw], "mode": mode}, (c, h * sh, w * sw))
    elif kind == "pixel_shuffle":
        r = draw(st.sampled_from([r for r in (1, 2) if c % (r * r) == 0] if b.fit else [1, 2]))
        b.add({"name": name, "type": "pixel_shuffle", "factor": r}, (max(c // (r * r), 1), h * r, w * r))
    elif kind == "chunk":
        chunks = draw(st.sampled_from(fits))
        b.add({"name": name, "type": "chunk", "chunks": chunks, "index": draw(st.integers(0, chunks - 1))}, (max(c // chunks, 1), h, w))
    else:  # channel_shuffle, groupnorm
        b.add({"name": name, "type": kind, "groups": draw(st.sampled_from(fits))}, b.shape)


def chain_layer(draw: st.DrawFn, b: Builder) -> None:
    """One layer on the previous one (no `inputs` key: the spec's default)."""
    if len(b.shape) == 1:
        kind = draw(st.sampled_from(["dense", "dense", *SHAPE_KEEPING, "softmax"]))
    else:
        kind = draw(st.sampled_from(["conv"] * 4 + ["maxpool", "avgpool"] * 2 + SHAPE_KEEPING
                                    + ["dense", "flatten", "globalavgpool", "adaptiveavgpool"] + RESHAPING))
    name = b.name()
    if kind == "conv" or kind in ("maxpool", "avgpool"):
        pool = kind != "conv"
        c, h, w = b.shape
        window = draw(windows(h, w, pool, b.fit))
        layer = {"name": name, "type": kind, **window.keys(pool)} if pool else draw(conv(name, c, window, b.fit))
        b.add(layer, (c if pool else layer["filters"], *window.estimate(h, w)))
    elif kind == "dense":
        act = draw(st.sampled_from([None, "relu", "tanh"]))
        units = draw(st.integers(1, 8))
        b.add({"name": name, "type": "dense", "units": units, **({"activation": act} if act else {}),
               **({} if draw(st.booleans()) else {"bias": False})}, (units,))
    elif kind == "flatten":
        b.add({"name": name, "type": "flatten"}, (math.prod(b.shape),))
    elif kind == "globalavgpool":
        b.add({"name": name, "type": "globalavgpool"}, (b.shape[0], 1, 1))
    elif kind == "adaptiveavgpool":
        out = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        b.add({"name": name, "type": "adaptiveavgpool", "output": list(out)}, (b.shape[0], *out))
    elif kind in RESHAPING:
        reshaping(draw, b, name, kind)
    else:
        b.add(shape_keeping(draw, name, kind), b.shape)


def branches(draw: st.DrawFn, b: Builder) -> None:
    """Two or three branches from the last tensor, merged by add (one shape) or concat (one spatial size).
    The branches share one window, so their sizes match by construction: a conv and a pool with the same
    kernel, stride and padding give the same size, and so does the input itself under a stride-1 'same'
    window. Now and then a concat's branches get windows of their own, which may or may not match."""
    source, (c, h, w) = b.last, b.shape
    merge = draw(st.sampled_from(["add", "concat"]))
    window = draw(windows(h, w, pool=False, fit=b.fit))
    poolable = not isinstance(window.padding, str) and window.dilation == (1, 1) and all(2 * p <= k for p, k in zip(window.padding, window.kernel))
    keeps = (window.padding == "same" and window.stride == (1, 1)) or window == Window((1, 1), (1, 1), (0, 0))
    options = ["conv", "conv"] + (["maxpool", "avgpool"] if poolable else []) + (["identity"] if keeps else [])
    kinds = [draw(st.sampled_from(options)) for _ in range(draw(st.integers(2, 3)))]
    own_windows = merge == "concat" and draw(st.integers(0, 4)) == 0
    filters = c if merge == "add" and any(k != "conv" for k in kinds) else draw(st.integers(1, 8)) if merge == "add" else None
    ends, shapes = [], []
    for kind in kinds:
        if kind == "identity":
            ends.append(source)
            shapes.append(b.shape)
            continue
        name = b.name()
        win = draw(windows(h, w, pool=kind != "conv", fit=b.fit)) if own_windows else window
        if kind == "conv":
            layer = draw(conv(name, c, win, b.fit, filters))
        else:
            layer = {"name": name, "type": kind, **Window(win.kernel, win.stride, win.padding).keys(pool=True)}
        b.add({**layer, "inputs": [source]}, (layer.get("filters", c), *win.estimate(h, w)))
        if draw(st.integers(0, 3)) == 0:
            b.add(shape_keeping(draw, b.name(), draw(st.sampled_from(SHAPE_KEEPING))), b.shape)  # reads the layer before it
        ends.append(b.last)
        shapes.append(b.shape)
    channels = filters if merge == "add" and filters else sum(s[0] for s in shapes)
    b.add({"name": b.name(), "type": merge, "inputs": ends}, (channels or c, *shapes[0][1:]))


@st.composite
def networks(draw: st.DrawFn, graphs: bool = True) -> Net:
    """A chain, or a graph when `graphs`, of up to 6 steps (a step: one layer, or branches and their merge)."""
    fit = draw(st.integers(0, 9)) > 0  # one network in ten may have a kernel that does not fit, or bad groups
    shape = (draw(st.integers(1, 8)), draw(st.integers(1, 32)), draw(st.integers(1, 32)))
    b = Builder([], "input", shape, fit)
    for _ in range(draw(st.integers(1, 6))):
        if graphs and len(b.shape) == 3 and draw(st.integers(0, 2)) == 0:
            branches(draw, b)
        else:
            chain_layer(draw, b)
    return Net(shape, tuple(b.layers))


# --- the properties -----------------------------------------------------------------------------


@examples(25)
@given(networks(graphs=False))
def test_chains_agree_with_torch(net: Net) -> None:
    agree(net)


@examples(20)
@given(networks(graphs=True))
def test_graphs_agree_with_torch(net: Net) -> None:
    agree(net)


@st.composite
def one_window_layer(draw: st.DrawFn) -> Net:
    """One conv or pool on a tiny input with nothing made to fit: kernels past the input, padding past half
    the kernel, groups that do not divide, ceil windows that start in the padding."""
    c, h, w = draw(st.integers(1, 4)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    kind = draw(st.sampled_from(["conv", "maxpool", "avgpool"]))
    kernel = [draw(st.integers(1, 7)), draw(st.integers(1, 7))]
    stride = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    if kind == "conv":
        padding: Any = draw(st.sampled_from(["same", [draw(st.integers(0, 3)), draw(st.integers(0, 3))]]))
        layer: Layer = {"name": "l0", "type": "conv", "filters": draw(st.integers(1, 6)), "kernel": kernel, "stride": stride,
                        "padding": padding, "dilation": [draw(st.integers(1, 3)), draw(st.integers(1, 3))],
                        "groups": draw(st.integers(1, 3))}
    else:
        layer = {"name": "l0", "type": kind, "kernel": kernel, "stride": stride,
                 "padding": [draw(st.integers(0, 3)), draw(st.integers(0, 3))], "rounding": draw(st.sampled_from(["floor", "ceil"]))}
    return Net((c, h, w), (layer,))


@examples(40)
@given(one_window_layer())
def test_a_layer_archcalc_rejects_is_one_torch_cannot_run(net: Net) -> None:
    agree_on_one_window(net)


def agree_on_one_window(net: Net) -> None:
    a = agree(net)
    layer = net.layers[0]
    if a is not None and layer.get("padding") == "same":  # TensorFlow's definition of SAME: ceil(n / s) along each axis
        assert a.rows[0].output[1:] == tuple(math.ceil(n / s) for n, s in zip(net.input[1:], layer["stride"]))


@st.composite
def vector_networks(draw: st.DrawFn) -> Net:
    """A vector input: dense layers, batchnorm, activations, dropout, softmax."""
    units = draw(st.integers(1, 16))
    b = Builder([], "input", (units,), True)
    for _ in range(draw(st.integers(1, 6))):
        chain_layer(draw, b)
    return Net((units,), tuple(b.layers))


@examples(15)
@given(vector_networks())
def test_vector_networks_agree_with_torch(net: Net) -> None:
    assert agree(net) is not None  # nothing here can fail


# --- the long hunt: the same properties, many more examples (pytest -m slow; .ci/run runs it) -------


@pytest.mark.slow
@examples(600)
@given(networks(graphs=False))
def test_chains_agree_with_torch_long_hunt(net: Net) -> None:
    agree(net)


@pytest.mark.slow
@examples(600)
@given(networks(graphs=True))
def test_graphs_agree_with_torch_long_hunt(net: Net) -> None:
    agree(net)


@pytest.mark.slow
@examples(600)
@given(one_window_layer())
def test_a_layer_archcalc_rejects_is_one_torch_cannot_run_long_hunt(net: Net) -> None:
    agree_on_one_window(net)


@pytest.mark.slow
@examples(200)
@given(vector_networks())
def test_vector_networks_agree_with_torch_long_hunt(net: Net) -> None:
    assert agree(net) is not None


@pytest.mark.parametrize("text", [
    # 'same', stride 2: H out ⌈7/2⌉ = 4, padding (4 − 1)·2 + 4 − 7 = 3 (1 before, 2 after); W out 3, padding 1 (after)
    "input: [2, 7, 6]\nlayers:\n  - {name: a, type: conv, filters: 3, kernel: [4, 3], stride: 2, padding: same}\n",
    # ceil: ⌈(5 + 2 − 2)/2⌉ + 1 = 4 windows, but the 4th would start at 6, in the right padding: torch keeps 3
    "input: [1, 5, 5]\nlayers:\n  - {name: a, type: maxpool, kernel: 2, stride: 2, padding: 1, rounding: ceil}\n",
    # concat of a conv and a pool with one window, then dense on the merged maps
    "input: [3, 9, 7]\nlayers:\n  - {name: a, type: conv, filters: 2, kernel: [3, 2], stride: [2, 1], padding: [1, 0]}\n"
    "  - {name: b, type: avgpool, kernel: [3, 2], stride: [2, 1], padding: [1, 0], inputs: [input]}\n"
    "  - {name: c, type: concat, inputs: [a, b]}\n  - {name: d, type: dense, units: 4}\n",
], ids=["same-strided-odd", "ceil-last-window-dropped", "concat-conv-pool"])
def test_worked_cases_agree_with_torch(text: str) -> None:
    """Hand-picked cases of the properties above, so that they run on every seed."""
    spec = yaml.safe_load(text)
    net = Net(tuple(spec["input"]), tuple(spec["layers"]))
    assert agree(net) is not None
