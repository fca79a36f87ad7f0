"""One run of a network: build, verify, time; with split devices, the towers too."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import partial

import torch
from torch import fx, nn

from archcalc.analysis import Analysis
from archcalc.analysis.graph import Graph
from archcalc.analysis.memory import memory
from archcalc.errors import ArchcalcError, SpecError
from archcalc.kinds.terms.values import Shape
from archcalc.limits import MAX_INT, MAX_INT_TEXT
from archcalc.text import dims
from archcalc.torch_backend.build import build_module, example_input
from archcalc.torch_backend.counting import on_meta, verified
from archcalc.torch_backend.devices import DTYPES, device_name, dtype_name, is_out_of_memory, out_of_memory, peak_bytes
from archcalc.torch_backend.quickinit import QuickInit
from archcalc.torch_backend.split import SplitCheck, check_split, split_module
from archcalc.torch_backend.timing import WARMUP_PASSES, LayerTime, Progress, Timing, time_forward, time_layers
from archcalc.torch_backend.verification import Verification, verify


@dataclass(frozen=True)
class RunOptions:
    device: torch.device | str = "cpu"
    dtype: str = "float32"  # a key of DTYPES
    batch: int = 1
    min_time_s: float = 0.5  # timing keeps going at least this long (archcalc run --min-time)
    per_layer: bool = False
    split_devices: tuple[torch.device | str, ...] = ()  # the towers' devices, one per GPU of the spec; () = no split


@dataclass(frozen=True)
class MemoryUse:
    """Inference memory at the run's batch and dtype: the calculator's estimate and, on CUDA, torch's count.

    Both count the parameters, the input batch and the activations. The estimate (archcalc.analysis.memory) is
    the parameters + the most activation bytes live at once; the measurement is what torch's allocator
    held at most in one forward pass, counted from before the parameters were moved to the device,
    so it also holds buffers (batch-norm statistics) and workspaces (cuDNN, cuBLAS), which the
    estimate leaves out."""

    estimate_bytes: int  # parameters + the peak of live activations (archcalc.analysis.memory inference_bytes)
    estimate_peak_layer: str  # the layer running at the estimated peak
    measured_peak_bytes: int | None  # CUDA: peak_bytes around first_pass; None on the CPU (torch counts CUDA memory only)

    @property
    def ratio(self) -> float | None:
        """Measured ÷ estimated; None where nothing was measured."""
        return None if self.measured_peak_bytes is None else self.measured_peak_bytes / self.estimate_bytes


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
    memory: MemoryUse

    @property
    def ok(self) -> bool:
        return self.verification.ok and (self.split is None or self.split.ok)


def run_network(graph: Graph, analysis: Analysis, options: RunOptions, progress: Progress | None = None) -> RunResult:
    """Build the module, verify it against the analysis, time it; with split devices, the towers too.
    An out-of-memory on the device becomes DeviceOutOfMemoryError, with the batch and the calculator's estimate."""
    device, dtype = torch.device(options.device), DTYPES[options.dtype]
    check_sizes(analysis, options.batch, dtype)
    try:
        return _run(graph, analysis, options, device, dtype, progress or _quiet)
    except RuntimeError as exc:  # torch.cuda.OutOfMemoryError is one
        if not is_out_of_memory(exc):
            raise
        if device.type == "cuda":
            torch.cuda.empty_cache()
        raise out_of_memory(graph, analysis, options.batch, dtype, device, exc) from None


def check_sizes(analysis: Analysis, batch: int, dtype: torch.dtype) -> None:
    """Refuse, before building, a tensor torch cannot hold: its bytes must fit in an int64 (torch says "Storage size
    calculation overflowed" or "Overflow when unpacking long long" with 30 C++ frames otherwise)."""
    for row in analysis.rows:
        tensors = [("output", batch * math.prod(row.output)), ("parameters", row.params + row.frozen_params)]
        for what, values in tensors:
            if values * dtype.itemsize > MAX_INT:
                per = f"batch {batch} × {dims(row.output)}" if what == "output" else f"{values:,} parameters"
                raise SpecError(row.where, f"its {what} ({per}) would be {values * dtype.itemsize:,} bytes in {dtype_name(dtype)}, "
                                f"more than torch can hold in one tensor ({MAX_INT_TEXT} bytes)",
                                "archcalc show works out every figure of it; archcalc run needs a smaller --input, --batch or layer")


def _build(graph: Graph, analysis: Analysis) -> fx.GraphModule:
    """build_module, its large weights drawn in a fraction of the time (torch_backend.quickinit: no figure of a run
    depends on their values), with torch's own refusals (a size its C++ cannot take) in one message."""
    try:
        with QuickInit():
            return build_module(graph, analysis)
    except (RuntimeError, TypeError, OverflowError, ValueError) as exc:
        if isinstance(exc, RuntimeError) and is_out_of_memory(exc):
            raise
        said = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ArchcalcError(f"{analysis.name}: torch cannot build this network: {said}",
                            "archcalc show works out its figures without torch") from None


def _quiet(what: str, fraction: float) -> None:
    pass


def _run(graph: Graph, analysis: Analysis, options: RunOptions, device: torch.device, dtype: torch.dtype,
         progress: Progress) -> RunResult:
    progress("building", 0.0)
    module = _build(graph, analysis)
    memory_use = measure_memory(module, analysis, device, dtype, options.batch)
    progress("verifying", 0.0)
    verification = verified(graph, analysis, device, dtype, module)  # on the meta device where cheaper (torch_backend.counting)
    # the verification's pass warmed the module where it ran on this device, at batch 1, on the kernels the timing runs
    warmed = device.type == "cpu" and options.batch == 1 and not on_meta(analysis, device) and not verification.attention_math
    try:
        timing = time_forward(module, analysis, device, dtype, options.batch, options.min_time_s, progress, 0 if warmed else WARMUP_PASSES)
    except RuntimeError as exc:
        if "not implemented for" in str(exc):  # the device cannot run a layer in the dtype: said with the layer's name
            verify(graph, analysis, device, dtype, module)
        raise
    layer_times = time_layers(module, analysis, device, dtype, options.batch, options.min_time_s, progress) if options.per_layer else ()
    split = None
    if options.split_devices and graph.gpus > 1:
        progress("split: checking", 0.0)
        towers = split_module(graph, analysis, module, options.split_devices)
        checked = check_split(graph, analysis, module, towers, options.split_devices, dtype)
        towers_timing = time_forward(towers, analysis, options.split_devices[0], dtype, options.batch, options.min_time_s,
                                     lambda what, f: progress(f"split: {what}", f))
        split = replace(checked, timing=towers_timing)
    return RunResult(analysis.name, analysis.input, str(device), device_name(device), options.dtype, verification, timing,
                     layer_times, split, memory_use)


def measure_memory(module: nn.Module, analysis: Analysis, device: torch.device, dtype: torch.dtype, batch: int) -> MemoryUse:
    """The calculator's inference estimate; on CUDA also the measured peak of the first pass of `module`,
    which must still be on the CPU (its move to the device is part of what is counted)."""
    estimate = memory(analysis.rows, batch, dtype.itemsize)
    measured = None
    if device.type == "cuda":
        if any(p.device.type != "cpu" for p in module.parameters()):
            raise ValueError("measure_memory needs the module on the CPU: its parameters count towards the peak")
        measured = peak_bytes(device, partial(first_pass, module, analysis, device, dtype, batch))
    return MemoryUse(estimate.inference_bytes, estimate.peak_layer, measured)


def first_pass(module: nn.Module, analysis: Analysis, device: torch.device, dtype: torch.dtype, batch: int) -> None:
    """Put the module on the device in the dtype (cast on the CPU first, so that no float32 copy lands on
    the device), then one forward pass of the batch under inference_mode, cudnn.benchmark as torch has it."""
    module.to(dtype=dtype).to(device=device).eval()
    with torch.inference_mode():
        module(example_input(analysis, batch, device, dtype))
