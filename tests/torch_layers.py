"""Layer by layer against a hand-written torch model: every module with its own parameters, in the
order the forward pass runs them, against the spec's rows that have parameters, in graph order."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from archcalc.analysis import Analysis

Figures = tuple[tuple[int, ...], int, int]  # (output shape, parameters, FLOPs)


def reference_layers(model: nn.Module, x: torch.Tensor, channels_last: tuple[type, ...] = ()) -> list[Figures]:
    """Each module that holds parameters itself, in the order it runs: its output shape (one sample; a module
    of one of the `channels_last` types, exactly, gives (H, W, C), turned to (C, H, W)), its parameters, its FlopCounterMode FLOPs."""
    ran: list[tuple[str, tuple[int, ...]]] = []
    names = {m: n for n, m in model.named_modules()}

    def hook(module: nn.Module, args: Any, out: torch.Tensor) -> None:
        shape = tuple(out.shape[1:])
        if type(module) in channels_last and len(shape) == 3:  # the exact type: a channels-first subclass is not one
            shape = (shape[2], shape[0], shape[1])
        ran.append((names[module], shape))

    own = [m for m in model.modules() if any(True for _ in m.parameters(recurse=False))]
    handles = [m.register_forward_hook(hook) for m in own]
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model.eval()(x)
    finally:
        for h in handles:
            h.remove()
    flops = counter.get_flop_counts()
    prefix = type(model).__name__
    result = []
    for name, shape in ran:
        module = model.get_submodule(name)
        result.append((shape, sum(p.numel() for p in module.parameters(recurse=False)), sum(flops.get(f"{prefix}.{name}", {}).values())))
    return result


def spec_layers(a: Analysis) -> list[Figures]:
    """The spec's rows that have parameters, in graph order (a fused activation's FLOPs are 0, as torch counts them)."""
    return [(r.output, r.params, r.flops) for r in a.rows if r.params]
