"""Memory in bytes, from the analysis rows: per layer, for the network at inference, and for training.

Conventions:
- Every figure is ``values × batch × dtype bytes`` (parameters: ``values × dtype bytes``), one
  dtype for everything (no mixed precision); buffers (batch-norm running statistics) are not counted.
- Each layer writes one new tensor, its output; a fused activation (``conv`` + ``relu`` in one
  row) is applied in place. Nothing else is in place, and nothing is freed or reused early: the
  framework's allocator, workspaces (cuDNN) and the CUDA context are not modelled.
- **Inference peak**: while a layer runs, the live tensors are its inputs, its output, and every
  earlier tensor that a later layer still reads (the network input counts until its last reader).
  A tensor no layer reads is an output of the network and stays live to the end. The peak is the
  most bytes live at once, and the layer that runs at that point (the first such, on a tie).
- **Training**: parameters, their gradients (as many bytes), the optimiser's state (plain SGD none,
  SGD with momentum one velocity per parameter, Adam and AdamW two moments), and the activations
  kept for the backward pass, exactly as torch keeps them for the module archcalc builds (the way
  torchvision writes its networks): each kind's `kept` rule, each storage once, parameters and
  buffers left out (archcalc.analysis.kept; proven against saved_tensors_hooks in tests/test_kept.py).

Linear in the number of layers and edges.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archcalc.analysis.graph import INPUT
from archcalc.analysis.kept import KeptNetwork, kept
from archcalc.analysis.reads import Reads, reads
from archcalc.analysis.training import peaks
from archcalc.errors import ArchcalcError
from archcalc.records import quick_init

if TYPE_CHECKING:  # annotation only, so that analysis.py may import this module without a cycle
    from archcalc.analysis import Row

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}
OPTIMISER_STATES = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}  # copies of the parameters each optimiser keeps (torch.optim)


def dtype_bytes(name: str) -> int:
    """'float32' -> 4. An unknown name is the user's to fix."""
    if name not in DTYPE_BYTES:
        near = difflib.get_close_matches(name, DTYPE_BYTES, n=1)
        hint = f"did you mean '{near[0]}'?" if near else f"dtypes: {', '.join(DTYPE_BYTES)}"
        raise ArchcalcError(f"unknown dtype '{name}'", hint)
    return DTYPE_BYTES[name]


DtypeMemory = tuple[str, "Memory"]  # the dtype's name and the memory at it


@quick_init  # one a layer (archcalc.records)
@dataclass(frozen=True)
class LayerMemory:
    name: str
    output_bytes: int  # its output activations, for the whole batch
    param_bytes: int
    live_bytes: int  # activations live while it runs: its inputs, its output, tensors read later
    saved_bytes: int  # kept for backward in training, storages no earlier layer keeps (archcalc.analysis.kept)


@dataclass(frozen=True)
class Training:
    optimiser: str  # a key of OPTIMISER_STATES
    param_bytes: int
    gradient_bytes: int
    optimiser_bytes: int
    activation_bytes: int  # the bytes torch keeps for the backward pass: every layer's saved_bytes
    total_bytes: int
    peak_bytes: int  # the most live at once in one training step (archcalc.analysis.training)
    peak_when: str  # 'forward', 'end of forward', 'backward' or 'optimiser step'
    peak_layer: str  # the layer running then ('' at the end of the forward pass and at the step)


@dataclass(frozen=True)
class Memory:
    batch: int
    dtype_bytes: int
    layers: tuple[LayerMemory, ...]
    input_bytes: int  # the network input, for the whole batch
    param_bytes: int
    peak_bytes: int  # inference: the most activation bytes live at once
    peak_layer: str  # the layer running at the peak
    inference_bytes: int  # parameters + the peak
    training: tuple[Training, ...]  # one per optimiser, in OPTIMISER_STATES order


def _trainings(rows: Sequence[Row], batch: int, itemsize: int, saved: KeptNetwork, where: Reads) -> tuple[Training, ...]:
    """One Training per optimiser, in OPTIMISER_STATES order, from one walk of the step (training.peaks)."""
    return tuple(Training(name, s.param_bytes, s.param_bytes, s.optimiser_bytes, s.activation_bytes,
                          2 * s.param_bytes + s.optimiser_bytes + s.activation_bytes, peak.total_bytes, peak.when, peak.layer)
                 for name, (s, peak) in peaks(rows, batch, itemsize, OPTIMISER_STATES, saved, where).items())


def memory(rows: Sequence[Row], batch: int, dtype_bytes: int) -> Memory:
    """Memory of the network whose analysis rows (in graph order) are `rows`."""
    if batch < 1 or dtype_bytes < 1 or not rows:
        raise ValueError(f"memory needs rows, a batch and a dtype size of at least 1 (got {len(rows)} rows, {batch}, {dtype_bytes})")
    net_input = next(x for r in rows for i, x in zip(r.inputs, r.input_shapes) if i == INPUT)
    where = reads(rows)
    size = [r.figures.activations * batch * dtype_bytes for r in rows]  # by position (archcalc.analysis.reads)
    size.append(math.prod(net_input) * batch * dtype_bytes)  # the network input's, after the rows'
    last = where.last  # a tensor nobody reads is live to the end
    layers: list[LayerMemory] = []
    append = layers.append
    live = size[-1]
    saved = kept(rows, batch, dtype_bytes, where)
    params = peak_live = 0
    peak_name = ""
    for i, (r, kept_bytes, xs) in enumerate(zip(rows, saved.saved, where.inputs)):
        name, layer_params = r.name, r.figures.params
        live += size[i]
        append(LayerMemory(name, size[i], layer_params * dtype_bytes, live, kept_bytes))
        params += layer_params
        if live > peak_live or not i:  # the first of equals
            peak_live, peak_name = live, name
        if len(xs) == 1:
            if last[xs[0]] == i:
                live -= size[xs[0]]
        else:
            live -= sum(size[x] for x in set(xs) if last[x] == i)
    params *= dtype_bytes
    training = _trainings(rows, batch, dtype_bytes, saved, where)
    return Memory(batch, dtype_bytes, tuple(layers), size[-1], params, peak_live, peak_name, params + peak_live, training)
