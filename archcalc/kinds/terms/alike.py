"""Keys for remembering a pure rule's answer per layer and input: a chain of 10,000 layers repeats a few layers (its
rows share one frozen Layer, archcalc.specfile) on the same shapes, and their rules need answering once.

The shape walk (archcalc.analysis.shapes) keys its size rule by `shapes_key` and gives the steps alike one tuple of
input shapes, the first of them: after it a rule is remembered by the ids of the layer and of that tuple (rows
hold both alive), which tells the same apart, without hashing the shapes again for each layer. A row made some
other way has a tuple of its own: its rules are answered for it alone, as correctly."""

from __future__ import annotations

from typing import Any

from archcalc.kinds.terms.values import Shape


def shapes_key(xs: tuple[Shape, ...]) -> tuple[Any, ...]:
    """Shapes as a key that tells a ChannelsLast map from the plain tuple of its numbers (they are equal, and a rule
    reads the layout from the type)."""
    return xs, tuple(map(type, xs))


__all__ = ["shapes_key"]
