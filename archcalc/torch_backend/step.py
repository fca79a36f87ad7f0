"""One real training step, measured: live tensor bytes through forward, loss, backward and the optimiser's step,
from torch's memory profiler (every allocation and free of the CPU allocator, in order), in the steady state
(a first step made the optimiser's state; the gradients were set to None before the measured one)."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile, record_function

from archcalc.analysis import Analysis
from archcalc.analysis.training import BACKWARD, FORWARD, STEP
from archcalc.torch_backend.build import example_input

OPTIMISERS = ("sgd", "momentum", "adam", "adamw")


@dataclass(frozen=True)
class StepMeasure:
    start_bytes: int  # live before the step: parameters, the optimiser's state, the input batch
    peak_bytes: int  # the most live at once, start included
    peak_when: str  # FORWARD, BACKWARD or STEP
    end_of_forward_bytes: int  # live when the forward pass (and the loss) ended


def optimiser(name: str, params: list[nn.Parameter]) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=0.01)
    if name == "momentum":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params)
    if name == "adamw":
        return torch.optim.AdamW(params)
    raise ValueError(f"no optimiser '{name}' (one of {', '.join(OPTIMISERS)})")


def measure_step(module: nn.Module, analysis: Analysis, batch: int, dtype: torch.dtype, optimiser_name: str) -> StepMeasure:
    """Two steps on the CPU; the second measured."""
    module = module.to(dtype=dtype).train()
    params = [p for p in module.parameters() if p.requires_grad]
    opt = optimiser(optimiser_name, params)
    x = example_input(analysis, batch, "cpu", dtype)

    def one_step() -> None:
        with record_function(FORWARD):
            out = module(x)
            outs = out if isinstance(out, tuple) else (out,)
            loss = sum(o.sum() for o in outs)
        with record_function(BACKWARD):
            loss.backward()
        with record_function(STEP):
            opt.step()

    one_step()
    opt.zero_grad(set_to_none=True)
    start = _storage_bytes([*module.parameters(), *module.buffers(), x, *_state_tensors(opt)])
    gc.collect()  # garbage of earlier work freed inside the window would count as this step's (a lenet step read -33 MB)
    gc.disable()
    try:
        with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            one_step()
    finally:
        gc.enable()
    events = prof.profiler.kineto_results.events()
    changes = sorted((e.start_ns(), e.nbytes()) for e in events if e.name() == "[memory]")
    phases = [(e.name(), e.start_ns(), e.start_ns() + e.duration_ns()) for e in events if e.name() in (FORWARD, BACKWARD, STEP)]
    forward_end = next(end for name, _, end in phases if name == FORWARD)
    live = peak = 0
    at = end_of_forward = 0
    for t, change in changes:
        live += change
        if t <= forward_end:
            end_of_forward = live
        if live > peak:
            peak, at = live, t
    when = next((name for name, begin, end in phases if begin <= at <= end), STEP)
    buffers = _storage_bytes(list(module.buffers()))
    return StepMeasure(start - buffers, start - buffers + peak, when, start - buffers + end_of_forward)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """The profiler's C++ side (Kineto) writes its start and stop, and allocator notes, to file descriptor 2: not for users."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _state_tensors(opt: torch.optim.Optimizer) -> list[torch.Tensor]:
    return [v for s in opt.state.values() for v in s.values() if isinstance(v, torch.Tensor) and v.dim() > 0]


def _storage_bytes(tensors: list[torch.Tensor]) -> int:
    seen = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in tensors}
    return sum(seen.values())
