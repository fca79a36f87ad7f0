"""What autograd keeps for backward, measured: one training-mode forward pass of the built module under
torch.autograd.graph.saved_tensors_hooks, every saved tensor's storage counted once, at its whole size
(a view keeps its whole storage alive), and module state (parameters and buffers) left out.

Each storage is put to the layer that saved it first, in the order the forward pass runs (the same rule
archcalc.analysis.kept follows for its estimate), so the two compare layer by layer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import torch
from torch import nn

from archcalc.analysis import Analysis
from archcalc.torch_backend.build import example_input
from archcalc.torch_backend.names import module_paths


@dataclass(frozen=True)
class SavedTensor:
    layer: str  # the spec layer whose forward saved it first
    storage: int  # its storage's address
    nbytes: int  # its storage's size
    dtype: str
    shape: tuple[int, ...]  # the saved tensor's own shape (a view may be smaller than its storage)


@dataclass(frozen=True)
class KeptMeasure:
    saved: tuple[SavedTensor, ...]  # one per storage, in the order first saved

    @property
    def total_bytes(self) -> int:
        return sum(s.nbytes for s in self.saved)

    def per_layer(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for s in self.saved:
            found[s.layer] = found.get(s.layer, 0) + s.nbytes
        return found


def state_storages(module: nn.Module) -> set[int]:
    """The storages of the module's parameters and buffers: module state, not activations."""
    tensors = [*module.parameters(), *module.buffers()]
    return {t.untyped_storage().data_ptr() for t in tensors}


def measure_kept(module: nn.Module, analysis: Analysis, batch: int, dtype: torch.dtype = torch.float32,
                 device: torch.device | str = "cpu") -> KeptMeasure:
    """One forward pass in training mode, keeping its graph until counted; nothing runs backward."""
    module = module.to(device=device, dtype=dtype).train()
    paths = module_paths(r.name for r in analysis.rows)
    running = [""]
    handles = [module.get_submodule(paths[r.name]).register_forward_pre_hook(partial(_running, running, r.name))
               for r in analysis.rows]
    state = state_storages(module)
    seen: dict[int, SavedTensor] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        key = storage.data_ptr()
        if key not in state and key not in seen:
            seen[key] = SavedTensor(running[0], key, storage.nbytes(), str(t.dtype).removeprefix("torch."), tuple(t.shape))
        return t

    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, _unpack):
            out = module(example_input(analysis, batch, device, dtype))
        del out  # the graph (and what it saved) lived until here
    finally:
        for h in handles:
            h.remove()
    return KeptMeasure(tuple(seen.values()))


def module_kept_bytes(module: nn.Module, x: torch.Tensor) -> int:
    """The bytes any module's training-mode forward on `x` keeps for backward: storages once, module state left out
    (for hand-written reference modules, which have no spec layers to put the storages to)."""
    module = module.train()
    state = state_storages(module)
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in state:
            seen[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, _unpack):
        out = module(x)
    del out
    return sum(seen.values())


def _running(running: list[str], name: str, module: nn.Module, args: Any) -> None:
    running[0] = name


def _unpack(t: torch.Tensor) -> torch.Tensor:
    return t
