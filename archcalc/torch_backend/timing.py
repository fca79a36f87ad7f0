"""Forward-pass timing: the whole network in blocks of passes until its median is known (torch_backend.blocks),
and each layer with CUDA events or the CPU clock around its module."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch
from torch import nn

from archcalc.analysis import Analysis
from archcalc.torch_backend.blocks import settled, timed_blocks
from archcalc.torch_backend.build import example_input
from archcalc.torch_backend.names import module_paths

Progress = Callable[[str, float], None]  # (what is being measured, fraction done 0..1)


@dataclass(frozen=True)
class Timing:
    """Forward passes of one batch. For a fast network the passes are timed in blocks (torch_backend.blocks);
    then each figure is the mean pass of a block."""

    batch: int
    runs: int
    median_ms: float
    min_ms: float
    max_ms: float
    images_per_s: float
    tflops: float  # the calculator's FLOPs × batch / the median time
    settled: bool = True  # the median known to ±blocks.PRECISION when the timing stopped (else it stopped at its limit)
    seconds: float = 0.0  # the time the timed blocks took


@dataclass(frozen=True)
class LayerTime:
    name: str
    median_ms: float
    share: float  # of the sum over layers


WARMUP_PASSES = 2  # cudnn.benchmark picks its algorithms on the first pass; caches and allocator settle


def time_forward(module: nn.Module, analysis: Analysis, device: torch.device | str, dtype: torch.dtype, batch: int = 1,
                 min_time_s: float = 1.0, progress: Progress | None = None, warmup_passes: int = WARMUP_PASSES) -> Timing:
    """Warm up, then blocks of passes under inference_mode (CUDA-synchronised) for `min_time_s` and MIN_BLOCKS,
    then on until the median is known to ±5% (95%) or twice `min_time_s` (torch_backend.blocks). `warmup_passes` 0
    where the module has just run on the device at this batch (the verification's pass warmed it alike): the pass
    that sizes the blocks is then timed too; else it is one more warm-up. The module is on its device(s) and dtype."""
    module = module.eval()
    x = example_input(analysis, batch, device, dtype)
    cuda = torch.device(device).type == "cuda"
    done = [0.0]

    def tick(number: int, seconds: float) -> None:
        done[0] += seconds
        if progress:
            progress("timing", min(done[0] / min_time_s, 1.0))

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    with _cudnn_benchmark(device), torch.inference_mode():
        for _ in range(warmup_passes):
            module(x)
        number, times = timed_blocks(partial(module, x), sync, min_time_s, tick, warm=warmup_passes == 0)
    times_ms = [t / number * 1e3 for t in times]
    median_s = statistics.median(times_ms) / 1e3
    return Timing(batch, number * len(times), statistics.median(times_ms), min(times_ms), max(times_ms),
                  batch / median_s, analysis.totals.flops * batch / median_s / 1e12, settled(times), sum(times))


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
