"""The mixins of the cost rules a kind states (kinds/base.py RULES): its figure under each FLOPs tool's convention
(`counts`), what its forward keeps for backward (`kept`) and its least memory traffic (`traffic`), for the kinds
that share one; and the Traffic a kind's rule gives."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archcalc.kinds.terms.conventions import ZERO, Counts
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.kept import Keeping, Kept
from archcalc.kinds.terms.values import Shape

if TYPE_CHECKING:
    from archcalc.kinds.base import Site


@dataclass(frozen=True)
class Traffic:
    """What a layer's least time rests on (archcalc.analysis.roofline): the units its FLOPs run on and the
    values it must move at the least: each input read once and the output written once (per image), its
    weights and biases read once (per batch)."""

    units: str  # "matrix" (Tensor Cores, a matrix product) or "vector" (everything else)
    per_image: int  # values: inputs read + output written
    per_batch: int  # values: weights and biases (trainable and frozen) read


class Uncounted:
    """No tool counts it: 0 under every convention (said explicitly, never a default)."""

    def counts(self, site: Site, out: Shape) -> Counts:
        return ZERO


def streamed(units: str, xs: Sequence[Shape], out: Shape, figures: Figures) -> Traffic:
    """Least traffic: every input value read once, every output value written once, every weight read once."""
    return Traffic(units, sum(math.prod(x) for x in xs) + math.prod(out), figures.params + figures.frozen_params)


class MatrixUnits:
    """Traffic rule: a matrix product (convolution, dense) on the matrix units; inputs, weights and output moved once."""

    def traffic(self, xs: Sequence[Shape], out: Shape, figures: Figures) -> Traffic:
        return streamed("matrix", xs, out, figures)


class VectorUnits:
    """Traffic rule: on the vector units; inputs, weights and output moved once."""

    def traffic(self, xs: Sequence[Shape], out: Shape, figures: Figures) -> Traffic:
        return streamed("vector", xs, out, figures)


class Passes:
    """Traffic rule: no traffic at inference: a view of its input (flatten, a slice) or the identity (dropout)."""

    def traffic(self, xs: Sequence[Shape], out: Shape, figures: Figures) -> Traffic:
        return Traffic("vector", 0, 0)


class KeepsInput:
    """Kept for backward: its input (a convolution's, a pool's, an activation's whose derivative reads x)."""

    def kept(self, keeping: Keeping) -> Kept:
        return Kept(inputs=(0,))


class KeepsNothing:
    """Kept for backward: nothing (a sum, a concatenation, a copy whose backward needs only sizes); a new output."""

    def kept(self, keeping: Keeping) -> Kept:
        return Kept()


class ViewOfInput:
    """Kept for backward: nothing; its output is a view of its input's storage (flatten, a slice)."""

    def kept(self, keeping: Keeping) -> Kept:
        return Kept(alias=True)
