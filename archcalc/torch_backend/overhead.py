"""What the per-layer timer (timing.time_layers: the CPU clock or CUDA events in a module's forward pre-hook and
hook) costs by itself: the same hooks around an empty module (nn.Identity), many times."""

from __future__ import annotations

import statistics
import time
from typing import Any

import torch
from torch import nn


def timer_overhead(device: torch.device | str, passes: int = 2000) -> tuple[float, float]:
    """(median, 90th percentile) seconds the hooks measure around a module that does nothing."""
    device = torch.device(device)
    cuda = device.type == "cuda"
    marks: list[Any] = [None, None]

    def mark(index: int) -> Any:
        def hook(module: nn.Module, *args: Any) -> None:
            if cuda:
                event = torch.cuda.Event(enable_timing=True)  # type: ignore[no-untyped-call]
                event.record()
                marks[index] = event
            else:
                marks[index] = time.perf_counter()
        return hook

    empty = nn.Identity()
    empty.register_forward_pre_hook(mark(0))
    empty.register_forward_hook(mark(1))
    x = torch.zeros(1, device=device)
    samples = []
    with torch.inference_mode():
        for _ in range(passes):
            empty(x)
            if cuda:
                torch.cuda.synchronize(device)
                samples.append(marks[0].elapsed_time(marks[1]) / 1e3)
            else:
                samples.append(marks[1] - marks[0])
    samples.sort()
    return statistics.median(samples), samples[int(0.9 * (len(samples) - 1))]
