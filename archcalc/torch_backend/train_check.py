"""`archcalc run --train`: one real training step on the CPU against archcalc's memory figures: per layer, the bytes
its backward keeps (saved-tensor hooks, exact: a difference is a failure), and the step's peak of live bytes
(torch's memory profiler; archcalc.analysis.training's rule is an estimate within a stated bound, shown beside it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from archcalc.analysis import Analysis
from archcalc.analysis.graph import Graph
from archcalc.analysis.kept import kept
from archcalc.analysis.memory import OPTIMISER_STATES
from archcalc.analysis.training import Step, step
from archcalc.specfile import Instance
from archcalc.torch_backend.build import build_module
from archcalc.torch_backend.devices import DTYPES
from archcalc.torch_backend.kept import measure_kept
from archcalc.torch_backend.step import StepMeasure, measure_step


@dataclass(frozen=True)
class LayerKeptCheck:
    name: str
    estimate: int  # archcalc.analysis.kept: bytes this layer keeps that no earlier layer keeps
    measured: int  # the same, from torch's saved-tensor hooks


@dataclass(frozen=True)
class TrainCheck:
    name: str
    batch: int
    dtype: str
    layers: tuple[LayerKeptCheck, ...]
    estimate_bytes: int
    measured_bytes: int
    step: Step  # archcalc.analysis.training's moments
    measured_step: StepMeasure

    @property
    def ok(self) -> bool:
        return self.estimate_bytes == self.measured_bytes and all(c.estimate == c.measured for c in self.layers)


def check_training(graph: Graph, analysis: Analysis, batch: int, dtype: str, optimiser: str,
                   instances: Sequence[Instance] = ()) -> TrainCheck:
    torch_dtype = DTYPES[dtype]
    if instances:
        return _check_checkpointed(graph, analysis, batch, dtype, optimiser, instances)
    estimate = kept(analysis.rows, batch, torch_dtype.itemsize)
    measured = measure_kept(build_module(graph, analysis), analysis, batch, torch_dtype)
    per_layer = measured.per_layer()
    layers = tuple(LayerKeptCheck(k.name, k.saved_bytes, per_layer.get(k.name, 0)) for k in estimate.layers)
    moments = step(analysis.rows, batch, torch_dtype.itemsize, optimiser, OPTIMISER_STATES[optimiser], estimate)
    torch.manual_seed(0)
    measured_step = measure_step(build_module(graph, analysis), analysis, batch, torch_dtype, optimiser)
    return TrainCheck(analysis.name, batch, dtype, layers, estimate.total_bytes, measured.total_bytes, moments, measured_step)


def _check_checkpointed(graph: Graph, analysis: Analysis, batch: int, dtype: str, optimiser: str, instances: Sequence[Instance]) -> TrainCheck:
    """check_training with `instances` run under torch.utils.checkpoint (archcalc.analysis.checkpoint, torch_backend.checkpoint)."""
    from archcalc.analysis.checkpoint import checkpointed, checkpointed_step
    from archcalc.torch_backend.checkpoint import CheckpointedNet, measure_checkpointed_kept

    torch_dtype = DTYPES[dtype]
    c = checkpointed(analysis.rows, batch, torch_dtype.itemsize, instances)
    per_layer = measure_checkpointed_kept(graph, analysis, instances, batch, torch_dtype).per_layer()
    layers = tuple(LayerKeptCheck(k.name, k.saved_bytes, per_layer.get(k.name, 0)) for k in c.saved.layers)
    moments = checkpointed_step(analysis.rows, c, batch, torch_dtype.itemsize, optimiser, OPTIMISER_STATES[optimiser])
    torch.manual_seed(0)
    measured_step = measure_step(CheckpointedNet(build_module(graph, analysis), analysis, instances), analysis, batch, torch_dtype, optimiser)
    name = f"{analysis.name} with {len(instances)} block instance{'s' if len(instances) != 1 else ''} checkpointed"
    return TrainCheck(name, batch, dtype, layers, c.saved.total_bytes, sum(per_layer.values()), moments, measured_step)


def train_check_text(c: TrainCheck) -> str:
    """One line per layer that keeps something, ✓ or the difference; the totals; the step's peak, estimated and measured."""
    lines = [f"{c.name}: kept for backward in training, batch {c.batch}, {c.dtype} (archcalc vs torch's saved-tensor hooks, bytes)"]
    for layer in c.layers:
        if layer.estimate or layer.measured:
            mark = "✓" if layer.estimate == layer.measured else f"✗ torch {layer.measured:,} ({layer.measured - layer.estimate:+,})"
            lines.append(f"  {layer.name:<28} {layer.estimate:>16,}  {mark}")
    total = "✓" if c.estimate_bytes == c.measured_bytes else f"✗ torch {c.measured_bytes:,}"
    lines.append(f"  {'all layers':<28} {c.estimate_bytes:>16,}  {total}")
    peak, m = c.step.peak, c.measured_step
    where = f"{peak.when}" + (f", at {peak.layer}" if peak.layer else "")
    lines.append(f"one {c.step.optimiser} step: peak of live bytes estimated {peak.total_bytes:,} ({where}), measured {m.peak_bytes:,} "
                 f"({m.peak_when}; torch's memory profiler): estimate ÷ measured {peak.total_bytes / m.peak_bytes:.3f}")
    return "\n".join(lines)
