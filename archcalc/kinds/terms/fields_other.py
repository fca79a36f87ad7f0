"""Receptive-field rules of the kinds that enlarge or cut a map (a transposed window, a whole factor, a crop),
as sizes_other.py holds their size rules; the conventions are fields.py's."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from archcalc.kinds.terms.fields import Field, Number, ReceptiveField, grid_of, still_whole, whole_number

if TYPE_CHECKING:
    from archcalc.kinds.terms.sizes import SizeTerm


def transposed_field(f: Field, terms: Sequence[SizeTerm], out: tuple[int, ...]) -> Field:
    """A transposed window (stride s, kernel k, dilation d, padding p): a window over the input spread s apart,
    so the jump divides by s (a fraction), the field grows by (d·(k − 1))/s input units and starts p/s − (that) later."""
    if f.field.whole:
        return still_whole(f, out)
    size, jump, start = [], [], []
    for a, t in enumerate(terms):
        step = Fraction(f.field.jump[a]) / t.stride  # type: ignore[attr-defined]
        reach = t.dilation * (t.kernel - 1)  # type: ignore[attr-defined]
        jump.append(whole_number(step))
        size.append(whole_number(f.field.size[a] + reach * step))
        start.append(whole_number(f.field.start[a] + (t.padding - reach) * step))  # type: ignore[attr-defined]
    exact = f.field.exact and all(t.stride == 1 for t in terms)  # type: ignore[attr-defined]  # strided: units read 1 or 2 inputs by parity
    return Field(ReceptiveField((size[0], size[1]), (jump[0], jump[1]), (start[0], start[1]), exact=exact), grid_of(out, f), f.image)



def scaled_field(f: Field, scale: Sequence[Number], out: tuple[int, ...], reads: int = 1) -> Field:
    """Upsampling by a whole factor: each output unit reads `reads` neighbouring input units (1 nearest; 2 bilinear,
    torch's ⌊src⌋ and ⌊src⌋ + 1 with src = (i + ½)/s − ½ clamped at 0, so the first unit reads units 0 and 1);
    the jump divides by the factor. Units step by whole input units (a staircase): a bound where the factor passes 1."""
    if f.field.whole:
        return still_whole(f, out)
    jump = tuple(whole_number(Fraction(f.field.jump[a]) / scale[a]) for a in (0, 1))
    size = tuple(f.field.size[a] + (reads - 1) * f.field.jump[a] for a in (0, 1))
    grid = grid_of(out, f)
    even = f.field.exact and all(grid[a] == f.grid[a] * scale[a] == f.grid[a] for a in (0, 1))
    return Field(ReceptiveField((size[0], size[1]), (jump[0], jump[1]), f.field.start, exact=even), grid, f.image)



def crop_field(f: Field, before: Sequence[int], out: tuple[int, ...]) -> Field:
    """A crop keeps each unit's field; the first unit is the one `before` units in."""
    if f.field.whole:
        return still_whole(f, out)
    start = tuple(f.field.start[a] + before[a] * f.field.jump[a] for a in (0, 1))
    return Field(ReceptiveField(f.field.size, f.field.jump, (start[0], start[1]), exact=f.field.exact), grid_of(out, f), f.image)
