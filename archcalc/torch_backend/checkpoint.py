"""The built module with chosen block instances run under torch.utils.checkpoint.checkpoint(use_reentrant=False),
as a user checkpoints each residual block: the estimate of archcalc.analysis.checkpoint is measured on this."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import torch
from torch import fx, nn
from torch.utils.checkpoint import checkpoint

from archcalc.analysis import Analysis
from archcalc.analysis.graph import INPUT, Graph
from archcalc.errors import ArchcalcError
from archcalc.specfile import Instance
from archcalc.torch_backend.build import build_module, example_input
from archcalc.torch_backend.kept import KeptMeasure, SavedTensor, state_storages
from archcalc.torch_backend.names import module_paths


class CheckpointedNet(nn.Module):
    """Runs the layers of `built` in the analysis's order; each chosen instance's layers as one checkpointed call
    whose arguments are the tensors the instance reads from outside."""

    def __init__(self, built: fx.GraphModule, analysis: Analysis, instances: Sequence[Instance]) -> None:
        super().__init__()
        self.net = built
        rows = analysis.rows
        paths = module_paths(r.name for r in rows)
        self.steps: list[tuple[str, tuple[str, ...], str]] = [(r.name, r.inputs, paths[r.name]) for r in rows]
        order = [r.name for r in rows]
        self.groups: dict[int, tuple[int, int, tuple[str, ...], tuple[str, ...]]] = {}
        read_by = {name: {r.name for r in rows if name in r.inputs} for name in order}
        outputs = {name for name in order if not read_by[name]}
        for inst in instances:
            at = sorted(order.index(n) for n in inst.layers)
            if at != list(range(at[0], at[-1] + 1)):
                raise ArchcalcError(f"block instance {inst.name}: its layers are not consecutive", "checkpointing runs an instance as one call")
            inside = set(inst.layers)
            reads = tuple(dict.fromkeys(i for j in at for i in rows[j].inputs if i not in inside))
            gives = tuple(order[j] for j in at if read_by[order[j]] - inside or order[j] in outputs)
            self.groups[at[0]] = (at[0], at[-1], reads, gives)
        self.outputs = [name for name in order if name in outputs]
        self.entering: Callable[[str], None] | None = None  # told the first layer of each checkpointed call, before it

    def _run(self, values: dict[str, Any], first: int, last: int) -> None:
        for name, inputs, path in self.steps[first:last + 1]:
            values[name] = self.net.get_submodule(path)(*(values[i] for i in inputs))

    def forward(self, x: torch.Tensor) -> Any:
        values: dict[str, Any] = {INPUT: x}
        i = 0
        while i < len(self.steps):
            if i in self.groups:
                first, last, reads, gives = self.groups[i]

                def block(*args: torch.Tensor, first: int = first, last: int = last, reads: tuple[str, ...] = reads,
                          gives: tuple[str, ...] = gives) -> tuple[torch.Tensor, ...]:
                    inner = dict(zip(reads, args))
                    self._run(inner, first, last)
                    return tuple(inner[g] for g in gives)

                if self.entering is not None:
                    self.entering(self.steps[first][0])
                values.update(zip(gives, checkpoint(block, *(values[r] for r in reads), use_reentrant=False)))
                i = last + 1
            else:
                self._run(values, i, i)
                i += 1
        outs = [values[o] for o in self.outputs]
        return outs[0] if len(outs) == 1 else tuple(outs)


def measure_checkpointed_kept(graph: Graph, analysis: Analysis, instances: Sequence[Instance], batch: int,
                              dtype: torch.dtype = torch.float32) -> KeptMeasure:
    """archcalc.torch_backend.kept.measure_kept for the module with `instances` checkpointed: what a checkpointed call
    saves (its inputs) is put to its first layer, as archcalc.analysis.checkpoint puts it."""
    net = CheckpointedNet(build_module(graph, analysis), analysis, instances).to(dtype=dtype).train()
    paths = module_paths(r.name for r in analysis.rows)
    running = [""]
    net.entering = partial(_enter, running)
    handles = [net.net.get_submodule(paths[r.name]).register_forward_pre_hook(partial(_layer, running, r.name)) for r in analysis.rows]
    state = state_storages(net)
    seen: dict[int, SavedTensor] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        key = storage.data_ptr()
        if key not in state and key not in seen and storage.nbytes():
            seen[key] = SavedTensor(running[0], key, storage.nbytes(), str(t.dtype).removeprefix("torch."), tuple(t.shape))
        return t

    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, _same):
            out = net(example_input(analysis, batch, "cpu", dtype))
        del out
    finally:
        for h in handles:
            h.remove()
    return KeptMeasure(tuple(seen.values()))


def _enter(running: list[str], name: str) -> None:
    running[0] = name


def _layer(running: list[str], name: str, module: nn.Module, args: Any) -> None:
    running[0] = name


def _same(t: torch.Tensor) -> torch.Tensor:
    return t
