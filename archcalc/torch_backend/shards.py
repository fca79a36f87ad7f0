"""Helpers for the kinds' tower-sharding rules (each kind's `shard`): GPU g's part of a module."""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable

import torch
from torch import nn


def rows(module: nn.Module, part: nn.Module, g: int) -> nn.Module:
    """`part` with GPU g's rows of every weight, bias and running statistic of `module`."""
    with torch.no_grad():
        source = dict(module.named_parameters(recurse=False)) | dict(module.named_buffers(recurse=False))
        floats = [t.dtype for t in source.values() if t.is_floating_point()]
        if floats:  # a new module starts in float32: a float64 module's share would lose its precision in the copy
            part.to(dtype=floats[0])
        for key, tensor in (dict(part.named_parameters(recurse=False)) | dict(part.named_buffers(recurse=False))).items():
            n = tensor.shape[0] if tensor.dim() else 0
            tensor.copy_(source[key][g * n:(g + 1) * n] if n else source[key])
    return part


Shard = Callable[[nn.Module, int, int], "nn.Module | None"]  # an activation kind's shard rule


def shard_parts(module: nn.Module, g: int, G: int, main: str, cut: Callable[[nn.Module], nn.Module | None],
                activation: tuple[str, Shard] | None) -> nn.Module | None:
    """A layer built as `fused` parts: its main part (named `main`) cut by `cut`, a padding or flatten before it copied
    (they act per map), its fused activation cut by the rule the kind hands it (archcalc.kinds.base.activation_shard). None where any part cannot be cut."""
    if not isinstance(module, nn.Sequential):
        return cut(module)
    parts: list[tuple[str, nn.Module | None]] = []
    for name, child in module.named_children():
        if name == main:
            parts.append((name, cut(child)))
        elif activation is not None and name == activation[0]:  # the kind handed its activation's own rule
            parts.append((name, activation[1](child, g, G)))
        else:  # 'pad', 'flatten'
            parts.append((name, copy.deepcopy(child)))
    if any(m is None for _, m in parts):
        return None
    return nn.Sequential(OrderedDict(parts))  # type: ignore[arg-type]
