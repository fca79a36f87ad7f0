"""Receptive fields: the value types and the rules each kind states its field with (the walk over a
network that applies them is archcalc.analysis.receptive). The receptive field of every layer: how many input pixels one output unit sees, how far apart
(in input pixels) neighbouring units are, and where the first unit's field starts.

The recurrence, per spatial axis (Dumoulin & Visin, "A guide to convolution arithmetic", 2016;
Araujo, Norris & Sim, "Computing receptive fields of convolutional neural networks", Distill 2019),
for a layer with kernel k, stride s, dilation d and padding p before the first pixel:

    k_eff     = d·(k − 1) + 1
    jump_out  = jump_in · s
    size_out  = size_in + (k_eff − 1) · jump_in
    start_out = start_in − p · jump_in

The network input has size 1, jump 1, start 0.

Conventions:
- ``start`` is the **first input pixel** (0-based row or column index) of the first output unit's
  field. It is negative where the field reaches into zero padding; unit ``i`` covers pixels
  ``start + i·jump`` to ``start + i·jump + size − 1``. Every figure is a whole number. The centre
  (``centre``) is ``start + (size − 1)/2``, the form the recurrence is often written in.
- Fields are not clipped to the image: a field may reach into the padding, and so be wider than
  the image. ``window`` gives the pixels of any unit; clip it to the image where that is wanted.
- At the border the standard recurrence is an upper bound: it counts pixels that reach a unit only
  through zero padding (which reads nothing) or that floor rounding leaves unread. A unit whose
  field lies inside the image sees exactly its field (holes aside), unless a padded layer after a
  crop pads inside the image; tests/test_receptive.py checks
  both against torch gradients.
- With dilation, or a stride larger than the kernel, a field has holes: size, jump and start
  give its extent (the first to the last pixel it reads).
- Element-wise layers (activations, normalisation, dropout, flatten) keep their input's field;
  a flattened unit keeps the field of the map position it came from.
- A merge (add, concat) takes the smallest field that covers the fields of all its inputs: the
  largest of them when they are centred alike (as in ResNet and GoogLeNet), their union when not.
  If the inputs' jumps differ, the larger jump is kept and the figures are exact for the first unit.
- A dense layer and global average pooling see every unit of their input map: as a pooling whose
  window is the whole map (kernel = stride = the map's height and width), so size spans the
  fields of all the map's units and jump is the map's extent.
- A global pool (global average pooling, adaptive pooling to 1×1) whose map's fields span the whole
  image sees **the whole input** (``whole``): no size or jump is stated for it, nor for what is
  computed from it alone (a squeeze-and-excitation gate's convs, a dense head); the figures kept in
  a whole field are its extent, for the rules' arithmetic only. A layer that reads a whole field
  and a local one together (a merge, an upsampled global branch) sees the whole input too, except:
- A gate: a C×1×1 input that `multiply` broadcasts over the H×W of the others scales each unit by
  one figure per map. Its field and "jump" say nothing of where the gated unit sits; the product
  keeps the field of the map it scales (its gradient also reaches the gate's whole input, which
  the walk does not count: tests/test_kind_proofs.py measures the field with the gate held fixed).
- Adaptive average pooling uses torch's windows (unit i reads rows ⌊i·H/h⌋ to ⌈(i+1)·H/h⌉ − 1).
  When they are all alike and evenly spaced (H divisible by h, and some other sizes) it is an
  ordinary pooling and the figures are exact. Otherwise size is the largest window's field (no
  unit sees more), jump the largest step between windows, and start the first window's (exact):
  bounds for what comes after, not every unit's exact position.
- Each layer kind states its rule (its `field` method) with the functions at the end of this module.
- A network whose input has no spatial axes (``[units]``) has no receptive fields: the result is empty.
- A field past 2^63 − 1 pixels (strides far larger than the map multiply the jump at every layer) is
  left out, with every field after it, rather than carried as a number of thousands of digits.

Linear in the number of layers and edges.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Union

from archcalc.kinds.terms.layouts import ChannelsLast
from archcalc.records import quick_init

if TYPE_CHECKING:
    from archcalc.kinds.terms.sizes import SizeTerm

Number = Union[int, Fraction]  # a jump is a fraction where a layer enlarges its input (a transposed window)
Pair = tuple[Number, Number]  # (h, w)


@quick_init  # one a layer (archcalc.records)
@dataclass(frozen=True)
class ReceptiveField:
    """One layer's receptive field in input pixels, per axis (h, w); see the module docstring."""

    size: Pair  # pixels from the first to the last that one unit reads
    jump: Pair  # pixels between the fields of neighbouring units
    start: Pair  # first pixel of the first unit's field; negative inside the padding
    whole: bool = False  # every unit sees the whole input (after a global pool): size, jump, start are not stated
    exact: bool = True  # False: size and jump are bounds, exact for the first unit only (uneven adaptive windows,
    #                     a merge of fields whose jumps differ, upsampling to a size by no whole factor)

    @property
    def centre(self) -> tuple[float, float]:
        """The centre of the first unit's field (half-integer when the size is even)."""
        return (float(self.start[0] + Fraction(self.size[0] - 1, 2)), float(self.start[1] + Fraction(self.size[1] - 1, 2)))

    def window(self, unit: tuple[int, int] = (0, 0)) -> tuple[range, range]:
        """The input rows and columns the field of output unit (i, j) spans, unclipped (whole-number fields)."""
        rows, cols = (int(self.start[a] + unit[a] * self.jump[a]) for a in (0, 1))
        return range(rows, rows + int(self.size[0])), range(cols, cols + int(self.size[1]))


@quick_init  # one a layer (archcalc.records)
@dataclass(frozen=True)
class Field:
    """A tensor's field and the grid of units it is on (a flattened tensor keeps its map's grid)."""

    field: ReceptiveField
    grid: tuple[int, int]
    image: tuple[int, int] = (0, 0)  # the network input's H×W, which a global pool's field must span to be whole


# --- the rules the kinds use ------------------------------------------------------------------


def grid_of(out: tuple[int, ...], f: Field) -> tuple[int, int]:
    """The grid of a layer's units: its output map, or its input's where it has no spatial axes."""
    if isinstance(out, ChannelsLast):
        return out[0], out[1]
    return (out[1], out[2]) if len(out) == 3 else f.grid


def same_field(f: Field) -> Field:
    """Element-wise layers (activations, normalisation, dropout, flatten) keep their input's field."""
    return f


def window_field(f: Field, terms: Sequence[SizeTerm], out: tuple[int, ...]) -> Field:
    """A sliding window per axis, from the window terms of its size rule (dilation folded in)."""
    if f.field.whole:
        return still_whole(f, out)
    kernel = [t.reach for t in terms]  # type: ignore[attr-defined]
    stride = [t.stride for t in terms]  # type: ignore[attr-defined]
    pad = [t.pad_before for t in terms]  # type: ignore[attr-defined]
    return Field(_window(f.field, kernel, stride, pad), grid_of(out, f), f.image)


def whole_field(f: Field) -> Field:
    """A dense layer and global pooling: a window over the whole map (kernel = stride = the grid), one unit."""
    if f.field.whole:
        return still_whole(f, (1,))
    return Field(_window(f.field, f.grid, f.grid, (0, 0)), (1, 1), f.image)


def global_field(f: Field) -> Field:
    """A global pool: its input's whole map; the whole input where the map's fields span the image."""
    pooled = whole_field(f)
    r = pooled.field
    spans = r.exact and all(r.start[a] <= 0 and r.start[a] + r.size[a] >= f.image[a] for a in (0, 1))  # bounds may overstate it
    return Field(ReceptiveField(r.size, r.jump, r.start, whole=True), (1, 1), f.image) if spans else pooled


def cover_field(ins: Sequence[Field], out: tuple[int, ...]) -> Field:
    """A merge: the smallest field that covers its inputs' (merged vectors: each input's whole map);
    the whole input where any input sees it."""
    whole = [f for f in ins if f.field.whole]
    if whole:
        return still_whole(whole[0], out)
    if len(out) != 3:
        return Field(_cover([whole_field(f).field for f in ins]), (1, 1), ins[0].image)
    return Field(_cover([f.field for f in ins]), grid_of(out, ins[0]), ins[0].image)


def gated_field(ins: Sequence[Field], out: tuple[int, ...]) -> Field:
    """A product whose C×1×1 inputs (gates) are broadcast over the others' H×W: the field of the maps it
    scales; a gate's field, one figure per map, says nothing of where a unit sits (module docstring)."""
    scaled = [f for f in ins if not (len(out) == 3 and f.grid == (1, 1) and out[1:] != (1, 1))]
    return cover_field(scaled or ins, out)


def adaptive_field(f: Field, out: tuple[int, ...]) -> Field:
    """torch's adaptive pooling windows: unit i reads ⌊i·n/m⌋ … ⌈(i+1)·n/m⌉ − 1 of n input units;
    to 1×1 it is a global pool."""
    grid = grid_of(out, f)
    if f.field.whole:
        return still_whole(f, out)
    if grid == (1, 1):
        return global_field(f)
    windows = [adaptive_windows(n, m) for n, m in zip(f.grid, grid)]
    field = _window(f.field, [k for k, _ in windows], [s for _, s in windows], (0, 0))
    even = all(n % m == 0 for n, m in zip(f.grid, grid))  # windows alike and evenly spaced
    return Field(replace(field, exact=field.exact and even), grid, f.image)


def still_whole(f: Field, out: tuple[int, ...]) -> Field:
    """A layer that reads a whole-input field sees the whole input too (its figures stay those of the global pool)."""
    return Field(f.field, grid_of(out, f), f.image)


def adaptive_windows(n: int, m: int) -> tuple[int, int]:
    """The largest window and the largest step between windows of torch's adaptive pooling of n units to m,
    in closed form (no list as long as the output). With n = a·m + b (0 ≤ b < m), window i is
    a + (r_i + b + (−r_{i+1} mod m))/m long, r_i = i·b mod m, which runs over the multiples of g = gcd(b, m):
    a + 2 where some r_i + b > m (that is b > g), else a + 1 (a where b = 0). Window i + 1 starts
    a + (1 if r_i + b ≥ m else 0) after window i; r_i = m − g is among i ≤ m − 2 unless b = 1 (tests check both against the lists)."""
    a, b = divmod(n, m)
    if b == 0:
        return a, (a if m > 1 else n)
    kernel = a + 2 if b > math.gcd(b, m) else a + 1
    return kernel, (a + 1 if b >= 2 else a)


def _window(f: ReceptiveField, kernel: Sequence[int], stride: Sequence[int], pad: Sequence[int]) -> ReceptiveField:
    return ReceptiveField(
        size=(f.size[0] + (kernel[0] - 1) * f.jump[0], f.size[1] + (kernel[1] - 1) * f.jump[1]),
        jump=(f.jump[0] * stride[0], f.jump[1] * stride[1]),
        start=(f.start[0] - pad[0] * f.jump[0], f.start[1] - pad[1] * f.jump[1]),
        exact=f.exact,
    )


def _cover(fields: Sequence[ReceptiveField]) -> ReceptiveField:
    """The smallest field holding every one of `fields` (for their first units)."""
    start = tuple(min(f.start[a] for f in fields) for a in (0, 1))
    end = tuple(max(f.start[a] + f.size[a] for f in fields) for a in (0, 1))
    jump = tuple(max(f.jump[a] for f in fields) for a in (0, 1))
    exact = all(f.exact for f in fields) and all(len({f.jump[a] for f in fields}) == 1 for a in (0, 1))
    return ReceptiveField((end[0] - start[0], end[1] - start[1]), (jump[0], jump[1]), (start[0], start[1]), exact=exact)


def shared_field(f: Field, out: tuple[int, ...]) -> Field:
    """A layer whose every unit reads statistics of its whole map (group norm's mean and variance): each unit sees
    what the whole map saw: the whole input where the map spans the image, else the map's extent, every unit alike (jump 0)."""
    if f.field.whole:
        return still_whole(f, out)
    pooled = global_field(f).field
    if pooled.whole:
        return Field(pooled, grid_of(out, f), f.image)
    return Field(ReceptiveField(pooled.size, (0, 0), pooled.start, exact=pooled.exact), grid_of(out, f), f.image)


def whole_number(value: Number) -> Number:
    """A fraction that is a whole number as an int, so that fields stay ints where they can."""
    return value.numerator if isinstance(value, Fraction) and value.denominator == 1 else value
