"""Figures of rows alike, answered once: a layer's `figures` rule is pure, so rows that share a Layer (the reader
builds one per distinct set of keys) and read the same shapes share its answer.

How rows alike are known, here and wherever a pure rule is remembered per layer and input (the size rule, the
counts, what a layer keeps, a layer's JSON): by ids, not by hashing shapes for each layer. A chain of 10,000 layers
repeats a few layers (one frozen Layer each, archcalc.specfile) on the same shapes. The shape walk (`steps`) answers
a layer's size rule once per layer and input objects, so that rows alike read the very objects their producers'
answers made; and it gives the steps alike one tuple of input shapes, the first of them. Every later rule is
remembered by the ids of the layer and of that tuple (rows hold both alive). Equal shapes in distinct objects, a
ChannelsLast map among them, are answered apart: as correctly, only once more. A row made some other way has a
tuple of its own, and its rules are answered for it alone."""

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
        key = (id(layer), id(s.inputs))  # the steps alike share their inputs' tuple (module docstring)
        got = known.get(key)
        if got is None:
            got = known[key] = layer.figures(s.inputs, s.output)
        figures.append(got)
    return figures


__all__ = ["step_figures"]
