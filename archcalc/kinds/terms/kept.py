"""What a kind's `kept` rule is given and what it answers: the bytes autograd keeps for backward, per layer
(the network's figure, each storage counted once, is archcalc.analysis.kept's)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from archcalc.kinds.terms.values import Shape


@dataclass(frozen=True)
class Keeping:
    """What a kind's `kept` rule is given: one layer's shapes (no batch), the batch, the dtype's size and which
    inputs need a gradient, and whether the builder runs it in place."""

    inputs: tuple[Shape, ...]
    output: Shape
    batch: int
    itemsize: int
    grads: tuple[bool, ...]  # per input: does it need a gradient?
    in_place: bool = False
    contiguous: tuple[bool, ...] = ()  # per input: is it laid out so that flatten is a view? (() = all are)
    gpus: int = 1  # the GPUs its output divides among (LRN normalises within each GPU's maps)

    def bytes(self, shape: Shape, itemsize: int | None = None) -> int:
        """A tensor of `shape` per sample, for the whole batch."""
        return self.batch * math.prod(shape) * (self.itemsize if itemsize is None else itemsize)

    def is_contiguous(self, i: int) -> bool:
        return not self.contiguous or self.contiguous[i]


@dataclass(frozen=True)
class Kept:
    """One layer's own storages kept for backward, as a kind's rule gives them."""

    inputs: tuple[int, ...] = ()  # the inputs (by position) whose storage it keeps
    output: bool = False  # it keeps its output
    extra: tuple[int, ...] = ()  # bytes of new tensors that only it keeps (indices, statistics, noise, a copy)
    alias: bool = False  # its output is its first input's storage (a view, or written in place)
    contiguous: bool | None = None  # its output can be flattened as a view; None: as its first input, where the rank is kept
