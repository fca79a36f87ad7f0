"""Devices and dtypes: which device a run uses and its real name, why torch sees no CUDA device,
the devices of a split run, and the message of an out-of-memory."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable

import torch

from archcalc.analysis import Analysis
from archcalc.analysis.graph import Graph
from archcalc.analysis.memory import memory
from archcalc.errors import ArchcalcError
from archcalc.text import size

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


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


def peak_bytes(device: torch.device, step: Callable[[], object]) -> int:
    """The most memory in tensors on the CUDA `device` while `step` ran, above what was allocated
    before it: ``torch.cuda.max_memory_allocated`` after the step − ``torch.cuda.memory_allocated``
    before it, with the peak statistic reset in between (so an earlier, higher peak does not count).
    Tensors only, as torch's allocator counts them: not its cache of freed blocks, nor the CUDA context."""
    torch.cuda.synchronize(device)
    before = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    step()
    torch.cuda.synchronize(device)
    return torch.cuda.max_memory_allocated(device) - before


class DeviceOutOfMemoryError(Exception):
    """The device ran out of memory. Not an ArchcalcError: the spec is fine, the run failed (exit 1)."""

    def __init__(self, message: str, hint: str) -> None:
        self.message, self.hint = message, hint
        super().__init__(f"{message}\nhint: {hint}")


def is_out_of_memory(exc: RuntimeError) -> bool:
    text = str(exc).lower()
    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in text or "can't allocate memory" in text


def out_of_memory(graph: Graph, analysis: Analysis, batch: int, dtype: torch.dtype, device: torch.device,
                  exc: RuntimeError) -> DeviceOutOfMemoryError:
    """The message: the batch that failed and the calculator's inference estimate (archcalc show --batch gives it by layer)."""
    m = memory(analysis.rows, batch, dtype.itemsize)
    said = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DeviceOutOfMemoryError(
        f"{analysis.name}: out of memory on {device} ({device_name(device)}) at batch {batch} in {dtype_name(dtype)}. "
        f"The calculator estimates {size(m.inference_bytes)} for inference: parameters {size(m.param_bytes)} + "
        f"the peak of live activations {size(m.peak_bytes)} at {m.peak_layer}. torch said: {said}",
        out_of_memory_hint(graph.path, batch, dtype_name(dtype), device.type))


def out_of_memory_hint(path: str, batch: int, dtype: str, device: str) -> str:
    """What to try next: a smaller batch while there is one, else fewer bytes a value or another device."""
    spec = path.removesuffix(" (bundled)")  # a bundled spec by its name, as the command takes it
    by_layer = f"archcalc show {spec} --batch {batch} --dtype {dtype} gives the memory by layer"
    if batch > 1:
        return f"try a smaller --batch ({by_layer})"
    tries = [*(["--dtype float16 or bfloat16"] if dtype == "float32" else []), "--device cpu" if device == "cuda" else "a machine with more memory"]
    return f"it does not fit even at batch 1: try {', or '.join(tries)} ({by_layer})"
