"""Values as JSON holds them: tuples as lists, whole fractions as ints, other fractions as floats. Its own module, so
that `archcalc schema` (outputs/schema.py) uses it without importing the analysis that outputs/serialize.py reads."""

from __future__ import annotations

from fractions import Fraction
from typing import Any


def plain(value: Any) -> Any:
    """Tuples as lists, whole fractions as ints, other fractions as floats, all the way down."""
    kind = type(value)
    if kind is int or kind is str or value is None:
        return value
    if kind is tuple or kind is list:
        return [v if type(v) is int else plain(v) for v in value]
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    return value


__all__ = ["plain"]
