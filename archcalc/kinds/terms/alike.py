"""Keys for remembering a pure rule's answer per layer and input: a chain of 10,000 layers repeats a few layers (its
rows share one frozen Layer, archcalc.specfile) on the same shapes, and their rules need answering once."""

from __future__ import annotations

from typing import Any

from archcalc.kinds.terms.values import Shape


def shapes_key(xs: tuple[Shape, ...]) -> tuple[Any, ...]:
    """Shapes as a key that tells a ChannelsLast map from the plain tuple of its numbers (they are equal, and a rule
    reads the layout from the type)."""
    return xs, tuple(map(type, xs))


__all__ = ["shapes_key"]
