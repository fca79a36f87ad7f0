"""One run of a network: build, verify, time; with split devices, the towers too."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from archcalc.analysis import Analysis
from archcalc.graph import Graph
from archcalc.layers import Shape
from archcalc.torch_backend.build import build_module
from archcalc.torch_backend.devices import DTYPES, device_name, is_out_of_memory, out_of_memory
from archcalc.torch_backend.split import SplitCheck, check_split, split_module
from archcalc.torch_backend.timing import LayerTime, Progress, Timing, time_forward, time_layers
from archcalc.torch_backend.verification import Verification, verify


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
        if not is_out_of_memory(exc):
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
        checked = check_split(graph, analysis, module, towers, options.split_devices, dtype)
        towers_timing = time_forward(towers, analysis, options.split_devices[0], dtype, options.batch, options.min_time_s,
                                     lambda what, f: progress(f"split: {what}", f))
        split = replace(checked, timing=towers_timing)
    return RunResult(analysis.name, analysis.input, str(device), device_name(device), options.dtype, verification, timing,
                     layer_times, split)
