"""Graph → torch.nn.Module; verify every figure against torch; time the forward pass.

The only module of archcalc that imports torch; the `run` command imports it when it runs.

The module mirrors the spec: one submodule per spec layer, named after it (a block instance's
dotted names nest, as torchvision's do: ``layer2.0.conv1``), and a forward that torch.fx
generates as plain Python, one line per layer (``print(module.code)``). A layer with a fused
activation is an ``nn.Sequential`` of its parts, so that its hooks, parameters and FLOPs are the
spec layer's.

A spec split across G GPUs (AlexNet's two towers) keeps the towers' channel order on one device:
the first C/G maps of a split tensor are GPU 0's. Layers that mix maps only within a GPU (LRN,
which the paper's towers computed per GPU; concat) do so per group of C/G maps, so the
single-device module computes exactly what the towers compute; ``split_module`` places the
towers on their own devices.
"""

from __future__ import annotations

import copy
import keyword
import math
import os
import platform
import re
import statistics
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bars
from rich.table import Table
from rich.text import Text

from archcalc.analysis import EVERY, SPLIT, Analysis, Placement, Row, analyse, arithmetic_text
from archcalc.errors import ArchcalcError
from archcalc.graph import INPUT, Graph
from archcalc.layers import Connections, Conv, Layer, Shape, SizeTerm, dims
from archcalc.memory import memory
from archcalc.report import n, size

try:
    import torch
    import torch.nn.functional as F  # noqa: N812 - torch's own convention
    import torch.utils.benchmark as benchmark
    from torch import fx, nn
    from torch.utils.flop_counter import FlopCounterMode
except ModuleNotFoundError as exc:  # only torch itself is optional; anything else missing is a bug
    if exc.name is None or exc.name.split(".")[0] != "torch":
        raise
    raise ArchcalcError("archcalc run needs PyTorch, which is not installed", 'pip install "archcalc[torch]"') from None

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
Progress = Callable[[str, float], None]  # (what is being measured, fraction done 0..1)


# --- layer modules torch does not have --------------------------------------------------------


class PaperLRN(nn.Module):
    """Local response normalisation as the AlexNet paper writes it (section 3.3):
    b_i = a_i / (k + α·Σ_j a_j²)^β, j over the `size` maps centred on i, within each of `groups`
    groups of maps (the paper's towers normalised over their own GPU's maps only).
    torch's LocalResponseNorm divides α by the window size, so it is given α·size."""

    def __init__(self, size: int, alpha: float, beta: float, k: float, groups: int = 1) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k, self.groups = size, alpha, beta, k, groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, ...) -> (N, C, ...)
        n, c = x.shape[:2]
        # (N·G, C/G, H·W): one map group per row, so torch's 3-D path runs for any input
        # (it also has float16 and bfloat16 kernels on the CPU, which the 4-D path lacks)
        grouped = x.reshape(n * self.groups, c // self.groups, -1)
        out = F.local_response_norm(grouped, self.size, self.alpha * self.size, self.beta, self.k)
        return out.view(x.shape)

    def extra_repr(self) -> str:
        groups = f", groups={self.groups}" if self.groups != 1 else ""
        return f"{self.size}, alpha={self.alpha:g} (paper), beta={self.beta:g}, k={self.k:g}{groups}"


class ScaledTanh(nn.Module):
    """LeCun et al. (1998), appendix A: f(a) = A·tanh(S·a), A = 1.7159, S = 2/3."""

    A = 1.7159
    S = 2 / 3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.A * torch.tanh(self.S * x)


class Subsampling(nn.Module):
    """LeNet-1998's S2/S4 (section II.B): the sum of each window × a coefficient + a bias, one of
    each per map. The sum is average pooling × the window's area, which torch counts as 0 FLOPs."""

    def __init__(self, channels: int, kernel: tuple[int, int], stride: tuple[int, int]) -> None:
        super().__init__()
        self.kernel, self.stride = kernel, stride
        bound = 1 / math.sqrt(kernel[0] * kernel[1])  # as nn.Conv2d initialises a fan-in of kh·kw
        self.weight = nn.Parameter(torch.empty(channels).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(channels).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, H, W) -> (N, C, H', W')
        area = self.kernel[0] * self.kernel[1]
        window_sum = F.avg_pool2d(x, self.kernel, self.stride) * area
        return window_sum * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)

    def extra_repr(self) -> str:
        return f"{self.weight.numel()}, kernel={self.kernel}, stride={self.stride}"


class RBFUnits(nn.Module):
    """LeNet-1998's output (section II.B): y_i = Σ_j (x_j − w_ij)², one fixed parameter vector per
    unit (requires_grad False: the paper chose them by hand, as ±1 bitmaps).
    Computed as ‖x‖² − 2·x·w_i + ‖w_i‖²: one matrix product, as the calculator counts it."""

    def __init__(self, features: int, units: int) -> None:
        super().__init__()
        codes = torch.randint(0, 2, (units, features)).float() * 2 - 1
        self.weight = nn.Parameter(codes, requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, features) -> (N, units)
        return (x * x).sum(1, keepdim=True) - 2 * F.linear(x, self.weight) + (self.weight * self.weight).sum(1)

    def extra_repr(self) -> str:
        return f"in_features={self.weight.shape[1]}, units={self.weight.shape[0]}, fixed"


class TableConv2d(nn.Module):
    """A convolution whose filter f reads only the input maps of row f of a connections table
    (LeNet-1998's C3, table I). Filters that read the same number of maps run as one grouped
    convolution over the maps they read, so torch holds and multiplies only the connected weights."""

    def __init__(self, in_maps: int, table: Connections, kernel: tuple[int, int], stride: tuple[int, int],
                 padding: tuple[int, int], dilation: tuple[int, int], bias: bool) -> None:
        super().__init__()
        self.in_maps, self.stride, self.padding, self.dilation = in_maps, stride, padding, dilation
        fan_ins = sorted({len(row) for row in table})
        order: list[int] = []
        self.weights = nn.ParameterList()
        for i, fan_in in enumerate(fan_ins):
            filters = [f for f, row in enumerate(table) if len(row) == fan_in]
            order += filters
            self.register_buffer(f"maps{i}", torch.tensor([m for f in filters for m in table[f]]))
            conv = nn.Conv2d(fan_in * len(filters), len(filters), kernel, groups=len(filters), bias=False)
            self.weights.append(conv.weight)  # nn.Conv2d's usual initialisation, fan-in = fan_in·kh·kw
        self.register_buffer("order", torch.tensor([order.index(f) for f in range(len(table))]))
        bounds = torch.tensor([1 / math.sqrt(len(row) * kernel[0] * kernel[1]) for row in table])  # as nn.Conv2d, per filter
        self.bias = nn.Parameter((torch.rand(len(table)) * 2 - 1) * bounds) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, H, W) -> (N, filters, H', W')
        outs = [
            F.conv2d(x.index_select(1, self.get_buffer(f"maps{i}")), w, None, self.stride, self.padding, self.dilation, w.shape[0])
            for i, w in enumerate(self.weights)
        ]
        y = torch.cat(outs, 1).index_select(1, self.get_buffer("order"))
        return y if self.bias is None else y + self.bias.view(1, -1, 1, 1)

    def extra_repr(self) -> str:
        return f"{self.in_maps}, {self.get_buffer('order').numel()}, table of {sum(int(w.shape[0] * w.shape[1]) for w in self.weights)} connections"


class Add(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Concat(nn.Module):
    """Concatenation along channels; with gpus G, per GPU: each input's i-th C/G maps together."""

    def __init__(self, gpus: int = 1) -> None:
        super().__init__()
        self.gpus = gpus

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        if self.gpus == 1:
            return torch.cat(xs, 1)
        shares = [x.chunk(self.gpus, 1) for x in xs]
        return torch.cat([s[g] for g in range(self.gpus) for s in shares], 1)

    def extra_repr(self) -> str:
        return f"gpus={self.gpus}" if self.gpus != 1 else ""


# --- spec layer → module ----------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """What a builder needs besides the layer: its input shapes and the GPUs its output divides among."""

    inputs: tuple[Shape, ...]
    gpus: int  # 1: whole on one device


ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": lambda: nn.ReLU(inplace=True),  # fused: nothing else reads the layer's pre-activation output
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "scaled_tanh": ScaledTanh,
}


def _fused(parts: list[tuple[str, nn.Module]], activation: str | None) -> nn.Module:
    if activation is not None:
        parts = [*parts, (activation, ACTIVATIONS[activation]())]
    return parts[0][1] if len(parts) == 1 else nn.Sequential(OrderedDict(parts))


def _conv(layer: Conv, site: Site) -> nn.Module:
    x = site.inputs[0]  # (C, H, W)
    (top, bottom), (left, right) = layer.pads(x)
    even = top == bottom and left == right
    pad: list[tuple[str, nn.Module]] = [] if even else [("pad", nn.ZeroPad2d((left, right, top, bottom)))]  # 'same', odd total
    padding = (top, left) if even else (0, 0)
    conv: nn.Module
    if layer.connections_table is not None:
        conv = TableConv2d(x[0], layer.connections_table, layer.kernel, layer.stride, padding, layer.dilation, layer.bias)
    else:
        conv = nn.Conv2d(x[0], layer.filters, layer.kernel, layer.stride, padding, layer.dilation, layer.groups, layer.bias)
    return _fused([*pad, ("conv", conv)], layer.activation)


def _flattened(x: Shape) -> list[tuple[str, nn.Module]]:
    return [("flatten", nn.Flatten())] if len(x) > 1 else []


def _pool(cls: type[nn.MaxPool2d] | type[nn.AvgPool2d]) -> Callable[[Any, Site], nn.Module]:
    return lambda layer, site: cls(layer.kernel, layer.steps, layer.padding, ceil_mode=layer.rounding == "ceil")


def _batchnorm(layer: Any, site: Site) -> nn.Module:
    cls = nn.BatchNorm2d if len(site.inputs[0]) == 3 else nn.BatchNorm1d
    return cls(site.inputs[0][0], eps=layer.eps, affine=layer.affine)


def _concat(layer: Any, site: Site) -> nn.Module:
    per_gpu = all(x[0] % site.gpus == 0 for x in site.inputs)
    return Concat(site.gpus if per_gpu else 1)


Builder = Callable[[Any, Site], nn.Module]

BUILDERS: dict[str, Builder] = {
    "conv": _conv,
    "maxpool": _pool(nn.MaxPool2d),
    "avgpool": _pool(nn.AvgPool2d),
    "adaptiveavgpool": lambda layer, site: nn.AdaptiveAvgPool2d(layer.output),
    "globalavgpool": lambda layer, site: nn.AdaptiveAvgPool2d(1),
    "subsample": lambda layer, site: _fused(
        [("subsample", Subsampling(site.inputs[0][0], layer.kernel, layer.stride or layer.kernel))], layer.activation),
    "dense": lambda layer, site: _fused(
        [*_flattened(site.inputs[0]), ("linear", nn.Linear(math.prod(site.inputs[0]), layer.units, layer.bias))], layer.activation),
    "rbf": lambda layer, site: _fused([*_flattened(site.inputs[0]), ("rbf", RBFUnits(math.prod(site.inputs[0]), layer.units))], None),
    "flatten": lambda layer, site: nn.Flatten(),
    "lrn": lambda layer, site: PaperLRN(layer.size, layer.alpha, layer.beta, layer.k, site.gpus),
    "batchnorm": _batchnorm,
    "dropout": lambda layer, site: nn.Dropout(layer.rate),
    "relu": lambda layer, site: nn.ReLU(),  # not in place: another layer may read its input
    "sigmoid": lambda layer, site: nn.Sigmoid(),
    "tanh": lambda layer, site: nn.Tanh(),
    "softmax": lambda layer, site: nn.Softmax(dim=1),
    "add": lambda layer, site: Add(),
    "concat": _concat,
}
"""One entry per layer kind of layers.KINDS: (layer, site) -> the torch module of that spec layer."""


def layer_module(layer: Layer, site: Site, where: str = "") -> nn.Module:
    builder = BUILDERS.get(layer.kind)
    if builder is None:
        raise ArchcalcError(f"{where + ': ' if where else ''}archcalc run cannot build a '{layer.kind}' layer in torch yet",
                            f"kinds it builds: {', '.join(BUILDERS)}")
    return builder(layer, site)


def module_paths(names: Iterable[str]) -> dict[str, str]:
    """Spec layer name → the submodule's dotted path: the name itself, its dotted parts nesting
    (``layer2.0.conv1``). A part that the generated forward cannot call (a Python keyword, a module
    attribute such as ``forward``, characters other than letters, digits, '_' and '-') gets '_';
    a name that clashes with another's nesting is flattened with '_' instead of '.'."""
    leaves: set[tuple[str, ...]] = set()
    groups: set[tuple[str, ...]] = set()
    paths = {}

    def clashes(p: tuple[str, ...]) -> bool:
        return p in leaves or p in groups or any(p[:i] in leaves for i in range(1, len(p)))

    for name in names:
        path = tuple(_part(p) for p in name.split("."))
        if clashes(path):
            path = ("_".join(path),)
            while clashes(path):
                path = (path[0] + "_",)
        leaves.add(path)
        groups.update(path[:i] for i in range(1, len(path)))
        paths[name] = ".".join(path)
    return paths


def _module_attributes() -> frozenset[str]:
    """What a GraphModule already has (forward, graph, code, training, meta, ...): no submodule may take these names."""
    code = fx.Graph()
    code.output(code.placeholder("x"))
    return frozenset(dir(fx.GraphModule(nn.Module(), code)))


_TAKEN = _module_attributes()


def _part(text: str) -> str:
    part = re.sub(r"[^\w-]", "_", text) or "_"
    return part + "_" if keyword.iskeyword(part) or part in _TAKEN else part


def class_name(spec_name: str) -> str:
    """'LeNet-5 (1998)' -> 'LeNet_5_1998': the generated module's class, and FlopCounterMode's prefix."""
    name = re.sub(r"\W+", "_", spec_name).strip("_") or "Network"
    return name if name[0].isalpha() else f"Net_{name}"


def _attach(root: nn.Module, path: str, module: nn.Module) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        if not hasattr(root, part):
            root.add_module(part, nn.Module())
        root = root.get_submodule(part)
    root.add_module(leaf, module)


def _site(row: Row, gpus: int) -> Site:
    return Site(row.input_shapes, gpus if row.placement == SPLIT else 1)


def build_module(graph: Graph, analysis: Analysis | None = None) -> fx.GraphModule:
    """The spec as a module; `analysis` gives the input shapes ('same' padding depends on them)."""
    analysis = analysis or analyse(graph)
    paths = module_paths(node.name for node in graph.nodes)
    root = nn.Module()
    code = fx.Graph()
    values: dict[str, fx.Node] = {INPUT: code.placeholder("x")}
    for node, row in zip(graph.nodes, analysis.rows):
        _attach(root, paths[node.name], layer_module(node.layer, _site(row, graph.gpus), node.where))
        values[node.name] = code.call_module(paths[node.name], tuple(values[i] for i in node.inputs))
    sinks = _sinks(graph)
    code.output(values[sinks[0]] if len(sinks) == 1 else tuple(values[s] for s in sinks))
    return fx.GraphModule(root, code, class_name=class_name(graph.name))


def _sinks(graph: Graph) -> list[str]:
    """The network's outputs: the layers no layer reads, in graph order."""
    read = {i for node in graph.nodes for i in node.inputs}
    return [node.name for node in graph.nodes if node.name not in read]


def example_input(analysis: Analysis, batch: int, device: torch.device | str, dtype: torch.dtype) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return torch.randn((batch, *analysis.input), generator=generator).to(device=device, dtype=dtype)


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerCheck:
    """One spec layer: each figure as the calculator gives it and as torch measures it."""

    name: str
    kind: str
    shape: Shape
    torch_shape: Shape
    params: int
    torch_params: int
    frozen_params: int
    torch_frozen_params: int
    flops: int  # batch 1
    torch_flops: int
    floors: tuple[SizeTerm, ...]  # size arithmetic that does not divide: torch rounds it as the calculator did


@dataclass(frozen=True)
class Mismatch:
    layer: str
    check: str  # shape, params, frozen params, flops
    calculator: int | Shape
    torch: int | Shape


@dataclass(frozen=True)
class Verification:
    layers: tuple[LayerCheck, ...]

    @property
    def mismatches(self) -> tuple[Mismatch, ...]:
        found = []
        for c in self.layers:
            for check, ours, theirs in (("shape", c.shape, c.torch_shape), ("params", c.params, c.torch_params),
                                        ("frozen params", c.frozen_params, c.torch_frozen_params), ("flops", c.flops, c.torch_flops)):
                if ours != theirs:
                    found.append(Mismatch(c.name, check, ours, theirs))
        return tuple(found)

    @property
    def checks(self) -> dict[str, bool]:
        failed = {m.check for m in self.mismatches}
        return {"shapes": "shape" not in failed, "params": not failed & {"params", "frozen params"}, "flops": "flops" not in failed}

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify(graph: Graph, analysis: Analysis, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32,
           module: nn.Module | None = None) -> Verification:
    """Every layer's output shape (forward hooks), parameters (numel) and FLOPs (FlopCounterMode) at batch 1."""
    module = (build_module(graph, analysis) if module is None else module).to(device=device, dtype=dtype).eval()
    paths = module_paths(r.name for r in analysis.rows)
    shapes: dict[str, Shape] = {}
    running = [""]  # the layer that torch is running, for a message if it cannot
    handles = []
    for row in analysis.rows:
        sub = module.get_submodule(paths[row.name])
        handles.append(sub.register_forward_pre_hook(partial(_note_running, running, row.name)))
        handles.append(sub.register_forward_hook(partial(_note_shape, shapes, row.name)))
    try:
        with torch.inference_mode(), FlopCounterMode(display=False) as counter:
            module(example_input(analysis, 1, device, dtype))
    except RuntimeError as exc:
        if "not implemented for" not in str(exc):
            raise
        raise ArchcalcError(f"{analysis.name}: torch {torch.__version__} cannot run layer '{running[0]}' in "
                            f"{_dtype_name(dtype)} on the {torch.device(device).type}: {str(exc).splitlines()[0]}",
                            "use --dtype float32 on the CPU, or a CUDA device for float16 and bfloat16") from None
    finally:
        for h in handles:
            h.remove()
    flops = counter.get_flop_counts()
    prefix = type(module).__name__
    checks = []
    for row in analysis.rows:
        sub = module.get_submodule(paths[row.name])
        trainable = sum(p.numel() for p in sub.parameters() if p.requires_grad)
        frozen = sum(p.numel() for p in sub.parameters() if not p.requires_grad)
        counted = sum(flops.get(f"{prefix}.{paths[row.name]}", {}).values())
        checks.append(LayerCheck(row.name, row.kind, row.output, shapes[row.name], row.params, trainable,
                                 row.frozen_params, frozen, row.flops, counted, tuple(t for t in row.terms if not t.divides)))
    return Verification(tuple(checks))


def _note_running(running: list[str], name: str, module: nn.Module, args: Any) -> None:
    running[0] = name


def _note_shape(shapes: dict[str, Shape], name: str, module: nn.Module, args: Any, out: torch.Tensor) -> None:
    shapes[name] = tuple(out.shape[1:])


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


# --- timing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Forward passes of one batch. For a fast network torch.utils.benchmark times blocks of
    passes; then each figure is the mean pass of a block."""

    batch: int
    runs: int
    median_ms: float
    min_ms: float
    max_ms: float
    images_per_s: float
    tflops: float  # the calculator's FLOPs × batch / the median time


@dataclass(frozen=True)
class LayerTime:
    name: str
    median_ms: float
    share: float  # of the sum over layers


WARMUP_PASSES = 2  # cudnn.benchmark picks its algorithms on the first pass; caches and allocator settle
MIN_BLOCKS = 4  # timed blocks at least, so that a median and a spread mean something


def time_forward(module: nn.Module, analysis: Analysis, device: torch.device | str, dtype: torch.dtype, batch: int = 1,
                 min_time_s: float = 1.0, progress: Progress | None = None) -> Timing:
    """Warm up, then torch.utils.benchmark (CUDA-synchronised) under inference_mode: blocks of passes for
    `min_time_s`, then on until their spread settles (IQR under 10% of the median) or 5 × `min_time_s`;
    at least MIN_BLOCKS blocks, however slow a pass. The module is already on its device(s) and dtype."""
    module = module.eval()
    x = example_input(analysis, batch, device, dtype)
    timer = benchmark.Timer("module(x)", globals={"module": module, "x": x}, num_threads=torch.get_num_threads())
    done = [0.0]

    def tick(number: int, seconds: float) -> None:
        done[0] += seconds
        if progress:
            progress("timing", min(done[0] / min_time_s, 1.0))

    with _cudnn_benchmark(device), torch.inference_mode():
        for _ in range(WARMUP_PASSES):
            module(x)
        measured = [timer.adaptive_autorange(0.1, min_run_time=min_time_s, max_run_time=5 * min_time_s, callback=tick)]  # type: ignore[arg-type]
        while sum(len(m.times) for m in measured) < MIN_BLOCKS:  # a pass slower than the time limit: one pass more
            measured.append(timer.blocked_autorange(tick, min_run_time=0))  # type: ignore[arg-type]
    times_ms = [t * 1e3 for m in measured for t in m.times]
    median_s = statistics.median(times_ms) / 1e3
    runs = sum(m.number_per_run * len(m.times) for m in measured)
    return Timing(batch, runs, statistics.median(times_ms), min(times_ms), max(times_ms),
                  batch / median_s, analysis.totals.flops * batch / median_s / 1e12)


def time_layers(module: nn.Module, analysis: Analysis, device: torch.device | str, dtype: torch.dtype, batch: int = 1,
                min_time_s: float = 1.0, progress: Progress | None = None) -> tuple[LayerTime, ...]:
    """Each spec layer's time in a forward pass: CUDA events (or the CPU clock) around its module, median over passes."""
    cuda = torch.device(device).type == "cuda"
    paths = module_paths(r.name for r in analysis.rows)
    samples: dict[str, list[float]] = {r.name: [] for r in analysis.rows}
    marks: dict[str, list[Any]] = {}
    handles = []
    for row in analysis.rows:
        sub = module.get_submodule(paths[row.name])
        handles.append(sub.register_forward_pre_hook(partial(_mark, marks, row.name, cuda, 0)))
        handles.append(sub.register_forward_hook(partial(_mark, marks, row.name, cuda, 1)))
    x = example_input(analysis, batch, device, dtype)
    spent, passes = 0.0, 0
    try:
        with _cudnn_benchmark(device), torch.inference_mode():
            for _ in range(WARMUP_PASSES):
                module(x)
            while passes < 3 or (spent < min_time_s and passes < 10_000):
                start = time.perf_counter()
                module(x)
                if cuda:
                    torch.cuda.synchronize(device)
                for name, (begin, end) in marks.items():
                    samples[name].append(begin.elapsed_time(end) if cuda else (end - begin) * 1e3)
                spent += time.perf_counter() - start
                passes += 1
                if progress:
                    progress("per layer", min(spent / min_time_s, 1.0))
    finally:
        for h in handles:
            h.remove()
    medians = {name: statistics.median(ms) for name, ms in samples.items()}
    total = sum(medians.values()) or 1.0
    return tuple(LayerTime(name, ms, ms / total) for name, ms in medians.items())


def _mark(marks: dict[str, list[Any]], name: str, cuda: bool, index: int, module: nn.Module, *args: Any) -> None:
    if cuda:
        event = torch.cuda.Event(enable_timing=True)  # type: ignore[no-untyped-call]
        event.record()
    pair = marks.setdefault(name, [None, None])
    pair[index] = event if cuda else time.perf_counter()


class _cudnn_benchmark:  # noqa: N801 - used as a context manager, like torch's own
    """cudnn.benchmark on for CUDA (it picks the fastest algorithm per shape), restored afterwards."""

    def __init__(self, device: torch.device | str) -> None:
        self.cuda = torch.device(device).type == "cuda"
        self.before = torch.backends.cudnn.benchmark

    def __enter__(self) -> None:
        if self.cuda:
            torch.backends.cudnn.benchmark = True

    def __exit__(self, *exc: object) -> None:
        torch.backends.cudnn.benchmark = self.before


# --- split across devices ---------------------------------------------------------------------


PER_MAP = (nn.ReLU, nn.Sigmoid, nn.Tanh, ScaledTanh, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.Dropout,
           nn.Flatten, nn.ZeroPad2d, Add)  # act on each map (or unit) alone: a GPU's share needs only its own maps


def split_module(graph: Graph, analysis: Analysis, module: fx.GraphModule, devices: Sequence[torch.device | str]) -> fx.GraphModule:
    """The towers: with the weights of `module` (build_module of this graph and analysis), each GPU's part
    of every split layer runs on its own device, and the tensors that cross are copied as the analysis
    says. A split layer reads its own GPU's maps unless it reads all of them (a plain conv, a dense
    layer: they gather the other GPUs' shares); a layer that runs whole on one GPU gathers its input
    there. The output is gathered on the first device. `print(towers)` shows the towers, `towers.code`
    the exchanges."""
    if len(devices) != graph.gpus:
        raise ValueError(f"{graph.name} is split across {graph.gpus} GPUs; {len(devices)} devices given")
    paths = module_paths(node.name for node in graph.nodes)
    dtype = next((p.dtype for p in module.parameters() if p.is_floating_point()), torch.float32)
    towers = _Towers(analysis, [torch.device(d) for d in devices], dtype)
    for node, row in zip(graph.nodes, analysis.rows):
        towers.add(node.name, node.inputs, node.layer, row, module.get_submodule(paths[node.name]), paths[node.name])
    return towers.finish(_sinks(graph), class_name(graph.name) + "_towers")


@dataclass
class _Placed:
    """A tensor of the split forward and where it is: on every GPU (the input), split, or on one GPU."""

    placement: Placement
    nodes: dict[int, fx.Node]  # split: each GPU's share; one GPU: {gpu: tensor}; every: {-1: the input}
    channels: int


class _Towers:
    def __init__(self, analysis: Analysis, devices: list[torch.device], dtype: torch.dtype) -> None:
        self.devices, self.dtype, self.G = devices, dtype, len(devices)
        self.code = fx.Graph()
        self.root = nn.Module()
        self.placed = {INPUT: _Placed(EVERY, {-1: self.code.placeholder("x")}, analysis.input[0])}
        self.cache: dict[tuple[str, str, int], fx.Node] = {}

    def _to(self, node: fx.Node, g: int, name: str) -> fx.Node:
        return self.code.create_node("call_method", "to", (node, str(self.devices[g])), name=name)

    def whole(self, name: str, g: int) -> fx.Node:
        """The whole tensor on GPU g, gathering the shares of a split one."""
        key = ("whole", name, g)
        if key not in self.cache:
            t = self.placed[name]
            if t.placement == SPLIT:
                shares = [t.nodes[h] if h == g else self._to(t.nodes[h], g, f"{name}_gpu{h}_to_gpu{g}") for h in range(self.G)]
                node = self.code.create_node("call_function", torch.cat, (shares, 1), name=f"{name}_all_on_gpu{g}")
            elif t.placement == EVERY:
                node = self._to(t.nodes[-1], g, f"{name}_on_gpu{g}")
            else:
                h = int(t.placement)
                node = t.nodes[h] if h == g else self._to(t.nodes[h], g, f"{name}_to_gpu{g}")
            self.cache[key] = node
        return self.cache[key]

    def part(self, name: str, g: int) -> fx.Node:
        """GPU g's maps of a tensor: its share if split, else the g-th C/G maps of the whole."""
        t = self.placed[name]
        if t.placement == SPLIT:
            return t.nodes[g]
        key = ("part", name, g)
        if key not in self.cache:
            c = t.channels // self.G
            self.cache[key] = self.code.create_node("call_method", "narrow", (self.whole(name, g), 1, g * c, c), name=f"{name}_part{g}")
        return self.cache[key]

    def _call(self, g: int, path: str, module: nn.Module, args: list[fx.Node]) -> fx.Node:
        _attach(self.root, f"gpu{g}.{path}", module.to(device=self.devices[g], dtype=self.dtype))
        return self.code.call_module(f"gpu{g}.{path}", tuple(args))

    def add(self, name: str, inputs: tuple[str, ...], layer: Layer, row: Row, module: nn.Module, path: str) -> None:
        if row.placement != SPLIT:
            g = int(row.placement)
            out = self._call(g, path, copy.deepcopy(module), [self.whole(i, g) for i in inputs])
            self.placed[name] = _Placed(g, {g: out}, row.output[0])
            return
        shards = [_shard(module, g, self.G) for g in range(self.G)]
        reads_all = layer.reads_all(self.G)
        nodes = {}
        for g, shard in enumerate(shards):
            if shard is not None and None not in shards:
                nodes[g] = self._call(g, path, shard, [self.whole(i, g) if reads_all else self.part(i, g) for i in inputs])
            else:  # no way to cut this module: each GPU computes it whole and keeps its share (redundant work)
                c = row.output[0] // self.G
                out = self._call(g, path, copy.deepcopy(module), [self.whole(i, g) for i in inputs])
                nodes[g] = self.code.create_node("call_method", "narrow", (out, 1, g * c, c), name=f"{name}_gpu{g}")
        self.placed[name] = _Placed(SPLIT, nodes, row.output[0])

    def finish(self, sinks: list[str], name: str) -> fx.GraphModule:
        outs = [self.whole(s, 0) for s in sinks]
        self.code.output(outs[0] if len(outs) == 1 else tuple(outs))
        return fx.GraphModule(self.root, self.code, class_name=name)


def _shard(module: nn.Module, g: int, G: int) -> nn.Module | None:
    """GPU g's part of a module whose output maps divide among G GPUs, with its weights; None if it cannot be cut."""
    if isinstance(module, nn.Sequential):
        parts = [(name, _shard(m, g, G)) for name, m in module.named_children()]
        cut = [(name, m) for name, m in parts if m is not None]
        return nn.Sequential(OrderedDict(cut)) if len(cut) == len(parts) else None
    if isinstance(module, nn.Conv2d) and (module.groups % G == 0 or module.groups == 1):
        local = module.groups % G == 0  # each group reads its own GPU's maps
        shard: nn.Module = nn.Conv2d(module.in_channels // G if local else module.in_channels, module.out_channels // G,
                                     module.kernel_size, module.stride, module.padding, module.dilation,  # type: ignore[arg-type]
                                     module.groups // G if local else 1, module.bias is not None)
    elif isinstance(module, nn.Linear):
        shard = nn.Linear(module.in_features, module.out_features // G, module.bias is not None)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        shard = type(module)(module.num_features // G, module.eps, module.momentum, module.affine, module.track_running_stats)
    elif isinstance(module, Subsampling):
        shard = Subsampling(module.weight.numel() // G, module.kernel, module.stride)
    elif isinstance(module, PaperLRN) and module.groups % G == 0:
        return PaperLRN(module.size, module.alpha, module.beta, module.k, module.groups // G)
    elif isinstance(module, Concat) and module.gpus % G == 0:
        return Concat(module.gpus // G)
    elif isinstance(module, PER_MAP):
        return copy.deepcopy(module)
    else:
        return None
    with torch.no_grad():  # GPU g's rows of every weight, bias and running statistic
        source = dict(module.named_parameters(recurse=False)) | dict(module.named_buffers(recurse=False))
        for key, tensor in (dict(shard.named_parameters(recurse=False)) | dict(shard.named_buffers(recurse=False))).items():
            n = tensor.shape[0] if tensor.dim() else 0
            tensor.copy_(source[key][g * n:(g + 1) * n] if n else source[key])
    return shard


@dataclass(frozen=True)
class GpuCheck:
    gpu: int
    device: str
    params: int  # the calculator's share of this GPU
    torch_params: int
    flops: int  # batch 1
    torch_flops: int


@dataclass(frozen=True)
class SplitCheck:
    devices: tuple[str, ...]
    gpus: tuple[GpuCheck, ...]
    max_abs_diff: float  # between the towers' output and the single-device module's, same weights and input
    tolerance: float
    timing: Timing | None = None

    @property
    def same_output(self) -> bool:
        return self.max_abs_diff <= self.tolerance

    @property
    def ok(self) -> bool:
        return self.same_output and all(c.params == c.torch_params and c.flops == c.torch_flops for c in self.gpus)


# Relative to the largest output value. float32 convolutions on CUDA may run as TF32 (10-bit
# mantissa), and the towers' smaller convolutions may pick other algorithms than the whole one.
RTOL = {torch.float32: 1e-3, torch.float16: 1e-2, torch.bfloat16: 5e-2}


def check_split(graph: Graph, analysis: Analysis, module: nn.Module, towers: fx.GraphModule,
                devices: Sequence[torch.device | str], dtype: torch.dtype) -> SplitCheck:
    """The towers compute what the single-device module (on the first device) computes, from the same
    weights and input; each GPU holds and computes its share of the calculator's figures."""
    x = example_input(analysis, 1, devices[0], dtype)
    with torch.inference_mode():
        home = next(module.parameters(), x).device  # the single-device module's device
        whole = _outputs(module.eval()(x.to(home)))
        with FlopCounterMode(display=False) as counter:
            split = _outputs(towers.eval()(x))
    diff = max((s.float().cpu() - w.float().cpu()).abs().max().item() for s, w in zip(split, whole))
    tolerance = RTOL[dtype] * max(w.float().abs().max().item() for w in whole)
    flops = counter.get_flop_counts()
    paths = module_paths(r.name for r in analysis.rows)
    prefix = type(towers).__name__
    gpus = []
    for g, totals in enumerate(analysis.gpu_totals):
        tower = towers.get_submodule(f"gpu{g}")
        counted = sum(sum(flops.get(f"{prefix}.gpu{g}.{paths[r.name]}", {}).values()) for r in analysis.rows)
        trainable = sum(p.numel() for p in tower.parameters() if p.requires_grad)
        gpus.append(GpuCheck(g, str(devices[g]), totals.params, trainable, totals.flops, counted))
    return SplitCheck(tuple(str(d) for d in devices), tuple(gpus), diff, tolerance)


def _outputs(out: torch.Tensor | tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    return out if isinstance(out, tuple) else (out,)


# --- devices and memory -----------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def device_name(device: torch.device | str) -> str:
    """The device's real name: the GPU model, or the CPU model with its CPUs and torch's threads."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "cpu":
        return f"{cpu_model()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads"
    return str(device)


def no_cuda_reason() -> str:
    """Why torch sees no CUDA device, in torch's own terms."""
    if torch.version.cuda is None:
        return f"torch {torch.__version__} is a CPU-only build (torch.version.cuda is None)"
    return (f"torch {torch.__version__} is built for CUDA {torch.version.cuda}, but torch.cuda.device_count() is "
            f"{torch.cuda.device_count()}: no GPU is visible (check the driver and CUDA_VISIBLE_DEVICES)")


def resolve_device(choice: str) -> tuple[torch.device, str]:
    """'auto', 'cpu' or 'cuda' → the device, and a line that says which (and, for auto, why)."""
    cpu = torch.device("cpu")
    if choice == "cpu":
        return cpu, f"running on the CPU: {device_name(cpu)}"
    if torch.cuda.is_available():
        cuda = torch.device("cuda", torch.cuda.current_device())
        return cuda, f"running on {cuda}: {device_name(cuda)}"
    if choice == "cuda":
        raise ArchcalcError(f"--device cuda: torch sees no CUDA device: {no_cuda_reason()}",
                            "use --device cpu (--device auto picks CUDA when there is a device, else the CPU)")
    return cpu, f"no CUDA device ({no_cuda_reason()}); running on the CPU: {device_name(cpu)}"


def split_devices(graph: Graph, device: torch.device) -> tuple[torch.device, ...]:
    """One CUDA device per GPU of the spec, for --split (none for a spec on one GPU); a clear error where there are too few."""
    if graph.gpus == 1:
        return ()
    if device.type != "cuda":
        raise ArchcalcError(f"--split: {graph.name}'s towers go on CUDA devices, and this run is on the {device.type}",
                            "drop --split, or run with --device cuda on a machine with enough GPUs")
    count = torch.cuda.device_count()
    if count < graph.gpus:
        raise ArchcalcError(f"--split: {graph.name} is split across {graph.gpus} GPUs, which needs {graph.gpus} CUDA devices; "
                            f"torch sees {count}", "drop --split to measure the whole network on one device")
    return tuple(torch.device("cuda", g) for g in range(graph.gpus))


class DeviceOutOfMemoryError(Exception):
    """The device ran out of memory. Not an ArchcalcError: the spec is fine, the run failed (exit 1)."""

    def __init__(self, message: str, hint: str) -> None:
        self.message, self.hint = message, hint
        super().__init__(f"{message}\nhint: {hint}")


def _out_of_memory(exc: RuntimeError) -> bool:
    text = str(exc).lower()
    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in text or "can't allocate memory" in text


def out_of_memory(graph: Graph, analysis: Analysis, batch: int, dtype: torch.dtype, device: torch.device,
                  exc: RuntimeError) -> DeviceOutOfMemoryError:
    """The message: the batch that failed and the calculator's inference estimate (archcalc show --batch gives it by layer)."""
    m = memory(analysis.rows, batch, torch.empty((), dtype=dtype).element_size())
    said = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DeviceOutOfMemoryError(
        f"{analysis.name}: out of memory on {device} ({device_name(device)}) at batch {batch} in {_dtype_name(dtype)}. "
        f"The calculator estimates {size(m.inference_bytes)} for inference: parameters {size(m.param_bytes)} + "
        f"the peak of live activations {size(m.peak_bytes)} at {m.peak_layer}. torch said: {said}",
        f"try a smaller --batch (archcalc show {graph.path} --batch {batch} --dtype {_dtype_name(dtype)} gives the memory by layer)")


# --- a run: build, verify, time ---------------------------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    device: torch.device | str = "cpu"
    dtype: str = "float32"  # a key of DTYPES
    batch: int = 1
    min_time_s: float = 1.0  # timing keeps going at least this long
    per_layer: bool = False
    split_devices: tuple[torch.device | str, ...] = ()  # the towers' devices, one per GPU of the spec; () = no split


@dataclass(frozen=True)
class RunResult:
    name: str
    input: Shape
    device: str  # torch's name: 'cpu', 'cuda:0'
    device_name: str  # the hardware: the GPU or CPU model
    dtype: str
    verification: Verification
    timing: Timing
    layer_times: tuple[LayerTime, ...]  # empty unless per_layer
    split: SplitCheck | None

    @property
    def ok(self) -> bool:
        return self.verification.ok and (self.split is None or self.split.ok)


def run_network(graph: Graph, analysis: Analysis, options: RunOptions, progress: Progress | None = None) -> RunResult:
    """Build the module, verify it against the analysis, time it; with split devices, the towers too.
    An out-of-memory on the device becomes DeviceOutOfMemoryError, with the batch and the calculator's estimate."""
    device, dtype = torch.device(options.device), DTYPES[options.dtype]
    try:
        return _run(graph, analysis, options, device, dtype, progress or _quiet)
    except RuntimeError as exc:  # torch.cuda.OutOfMemoryError is one
        if not _out_of_memory(exc):
            raise
        if device.type == "cuda":
            torch.cuda.empty_cache()
        raise out_of_memory(graph, analysis, options.batch, dtype, device, exc) from None


def _quiet(what: str, fraction: float) -> None:
    pass


def _run(graph: Graph, analysis: Analysis, options: RunOptions, device: torch.device, dtype: torch.dtype,
         progress: Progress) -> RunResult:
    progress("building", 0.0)
    module = build_module(graph, analysis)
    progress("verifying", 0.0)
    verification = verify(graph, analysis, device, dtype, module)
    timing = time_forward(module, analysis, device, dtype, options.batch, options.min_time_s, progress)
    layer_times = time_layers(module, analysis, device, dtype, options.batch, options.min_time_s, progress) if options.per_layer else ()
    split = None
    if options.split_devices and graph.gpus > 1:
        progress("split: checking", 0.0)
        towers = split_module(graph, analysis, module, options.split_devices)
        split = check_split(graph, analysis, module, towers, options.split_devices, dtype)
        towers_timing = time_forward(towers, analysis, options.split_devices[0], dtype, options.batch, options.min_time_s,
                                     lambda what, f: progress(f"split: {what}", f))
        split = SplitCheck(split.devices, split.gpus, split.max_abs_diff, split.tolerance, towers_timing)
    return RunResult(analysis.name, analysis.input, str(device), device_name(device), options.dtype, verification, timing,
                     layer_times, split)


# --- rendering: table, JSON, progress (no torch below this line) --------------------------------


def run_json(r: RunResult) -> dict[str, Any]:
    """The JSON shape of one run; the README documents it."""
    doc: dict[str, Any] = {
        "name": r.name,
        "input": list(r.input),
        "device": r.device_name,
        "torch_device": r.device,
        "batch": r.timing.batch,
        "dtype": r.dtype,
        "checks": r.verification.checks,
        "mismatches": [{"layer": m.layer, "check": m.check, "calculator": _plain(m.calculator), "torch": _plain(m.torch)}
                       for m in r.verification.mismatches],
        **_timing_json(r.timing),
    }
    if r.layer_times:
        doc["per_layer_ms"] = [{"layer": t.name, "median": _sig(t.median_ms), "share": _sig(t.share)} for t in r.layer_times]
    if r.split is not None:
        s = r.split
        doc["split"] = {
            "devices": list(s.devices), "same_output": s.same_output, "max_abs_diff": s.max_abs_diff, "tolerance": s.tolerance,
            "gpus": [{"gpu": g.gpu, "device": g.device, "params": g.params, "torch_params": g.torch_params,
                      "flops": g.flops, "torch_flops": g.torch_flops} for g in s.gpus],
            **(_timing_json(s.timing) if s.timing else {}),
        }
    return doc


def _plain(value: int | Shape) -> int | list[int]:
    return list(value) if isinstance(value, tuple) else value


def _timing_json(t: Timing) -> dict[str, Any]:
    return {
        "forward_ms": {"median": _sig(t.median_ms), "min": _sig(t.min_ms), "max": _sig(t.max_ms), "runs": t.runs},
        "images_per_s": _sig(t.images_per_s),
        "tflops": _sig(t.tflops),
    }


def _sig(value: float) -> float:
    """Six significant digits: timings are not more precise than that, and a CPU's TFLOP/s stays visible."""
    return float(f"{value:.6g}")


def _cell(ours: Any, theirs: Any, text: Callable[[Any], str]) -> Text:
    if ours == theirs:
        return Text(f"{text(ours)} ✓", style="green")
    return Text(f"{text(ours)} ≠ torch {text(theirs)}", style="bold red")


def run_table(r: RunResult) -> RenderableType:
    """The layers with ✓ or both differing values, the timing, and the split check."""
    head = Text()
    head.append(r.name, style="bold")
    head.append(f"  input {dims(r.input)} · batch {r.timing.batch} · {r.dtype} · {r.device} ({r.device_name})")
    table = Table(box=box.SIMPLE_HEAD)
    for title in ("layer", "type", "output", "params", "FLOPs (batch 1)"):
        table.add_column(title, justify="right" if title in ("params", "FLOPs (batch 1)") else "left", no_wrap=True)
    times = {t.name: t for t in r.layer_times}
    if times:
        table.add_column("ms", justify="right", no_wrap=True)
        table.add_column("share", justify="right", no_wrap=True)
    floors = any(c.floors for c in r.verification.layers)
    if floors:
        table.add_column("size that does not divide: torch rounds it as the calculator did")
    for c in r.verification.layers:
        params = _cell(c.params, c.torch_params, n)
        if c.frozen_params or c.torch_frozen_params:
            params.append_text(Text(" + ")).append_text(_cell(c.frozen_params, c.torch_frozen_params, lambda v: f"{n(v)} fixed"))
        cells: list[Any] = [c.name, c.kind, _cell(c.shape, c.torch_shape, dims), params, _cell(c.flops, c.torch_flops, n)]
        if times:
            cells += [f"{times[c.name].median_ms:.3f}", f"{times[c.name].share:.1%}"]
        table.add_row(*cells, *([arithmetic_text(c.floors)] if floors else []))
    t = r.timing
    parts: list[RenderableType] = [head, table, Text(_timing_text("forward", t), style="bold")]
    mismatches = r.verification.mismatches
    if mismatches:
        parts.append(Text(f"✗ {len(mismatches)} mismatch{'es' if len(mismatches) != 1 else ''} between the calculator and torch",
                          style="bold red"))
    else:
        parts.append(Text("✓ every layer's output shape, parameters and FLOPs agree with torch", style="green"))
    if r.split is not None:
        parts.append(_split_text(r.split))
    return Group(*parts)


def _timing_text(what: str, t: Timing) -> str:
    return (f"{what}: median {t.median_ms:.3f} ms (min {t.min_ms:.3f}, max {t.max_ms:.3f}; {t.runs:,} passes of batch {t.batch})"
            f" · {t.images_per_s:,.1f} images/s · {_rate(t.tflops)} of the calculator's FLOPs")


def _rate(tflops: float) -> str:
    return f"{tflops:.2f} TFLOP/s" if tflops >= 1 else f"{tflops * 1e3:.2f} GFLOP/s"


def _split_text(s: SplitCheck) -> Text:
    text = Text(f"split across {', '.join(s.devices)}: ", style="bold")
    same = "the same output" if s.same_output else "a DIFFERENT output"
    text.append(f"{same} as the single device (max |difference| {s.max_abs_diff:.3g}, tolerance {s.tolerance:.3g})",
                style="green" if s.same_output else "bold red")
    for g in s.gpus:
        ok = g.params == g.torch_params and g.flops == g.torch_flops
        text.append(f"\n  GPU {g.gpu} on {g.device}: params {n(g.torch_params)}, FLOPs {n(g.torch_flops)} (batch 1) ")
        text.append("✓" if ok else f"≠ calculator {n(g.params)}, {n(g.flops)}", style="green" if ok else "bold red")
    if s.timing:
        text.append("\n" + _timing_text("towers forward", s.timing))
    return text


@contextmanager
def progress_display(title: str) -> Iterator[Progress]:
    """A progress bar per stage on stderr while a network is measured; gone when it is done."""
    bars = Bars(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=Console(stderr=True),
                transient=True, redirect_stdout=False, redirect_stderr=False)
    tasks: dict[str, Any] = {}

    def update(what: str, fraction: float) -> None:
        if what not in tasks:
            for task in tasks.values():  # a new stage: the earlier ones are done
                bars.update(task, completed=1.0)
            tasks[what] = bars.add_task(f"{title}: {what}", total=1.0)
        bars.update(tasks[what], completed=fraction)

    with bars:
        yield update
