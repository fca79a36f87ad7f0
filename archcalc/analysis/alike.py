"""Figures of rows alike, answered once: a layer's `figures` rule is pure, so rows that share a Layer (the reader
builds one per distinct set of keys) and read the same shapes share its answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archcalc.analysis.shapes import Step
    from archcalc.kinds.terms.figures import Figures


def step_figures(steps: Sequence[Step]) -> list[Figures]:
    """Each step's `layer.figures(inputs, output)`, once per layer (by id) and input shapes (the output is the layer's of them)."""
    known: dict[tuple[Any, ...], Figures] = {}
    figures = []
    for s in steps:
        layer = s.node.layer
        key = (id(layer), id(s.inputs))  # the steps alike share their inputs' tuple (archcalc.kinds.terms.alike)
        got = known.get(key)
        if got is None:
            got = known[key] = layer.figures(s.inputs, s.output)
        figures.append(got)
    return figures


__all__ = ["step_figures"]
