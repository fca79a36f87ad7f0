"""upsample, pixel_shuffle: larger maps by a whole factor (U-Net's decoder, super-resolution)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar

from archcalc import text
from archcalc.kinds.base import Layer, NoWeights, PerMap, Site, Uncounted, VectorUnits
from archcalc.kinds.terms.conventions import Counts
from archcalc.kinds.terms.fields import Field
from archcalc.kinds.terms.fields_other import scaled_field
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing, fixed, spatial
from archcalc.kinds.terms.sizes_other import ScaleTerm
from archcalc.kinds.terms.values import PairOrNone, PosInt, Shape, UpsampleMode

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept

@dataclass(frozen=True)
class Upsample(NoWeights, PerMap, VectorUnits, Layer):
    """torch's nn.Upsample: by `scale` (int or [h, w]) or to `size` ([h, w]); nearest or bilinear (align_corners false).
    With neither, to the H×W of a second input (`inputs: [head, input]`): F.interpolate(x, size=other.shape[-2:]),
    as torchvision's segmentation models end and DeepLab's ASPP pooling returns to its input's size."""

    kind: ClassVar[str] = "upsample"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"scale": 2}, {"scale": [2, 1], "mode": "bilinear"}, {"size": [9, 10]})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "pool"
    stage: ClassVar[bool] = True  # compare aligns networks at it; the layers after it join its stage
    label: ClassVar[str] = "upsample"
    summary: ClassVar[str] = "larger maps by a whole `scale`, to a `size`, or to a second input's H×W: nearest or bilinear, no parameters"

    scale: PairOrNone = None
    size: PairOrNone = None
    mode: UpsampleMode = "nearest"

    def counts(self, site: Site, out: Shape) -> Counts:
        n = math.prod(out)  # ptflops: its module hook and the patched F.interpolate, 1 per output value each
        if self.arity == 2:  # F.interpolate in archcalc's module: no module hook (ptflops 1 per output value, thop none)
            return Counts(fvcore=(4 if self.mode == "bilinear" else 1) * n, ptflops=n)
        return Counts(fvcore=(4 if self.mode == "bilinear" else 1) * n, ptflops=2 * n, thop=(11 if self.mode == "bilinear" else 1) * n)

    @property
    def arity(self) -> int:  # type: ignore[override]  # a scale or a size, or a second input to take the size from
        return 1 if self.scale is not None or self.size is not None else 2

    def sized_by(self) -> tuple[int, ...]:
        return (1,) if self.arity == 2 else ()  # the second input gives its H×W only

    @property
    def arity_hint(self) -> str:
        return ("with a scale or a size it reads one input; without either, two: the second gives the size"
                if self.arity == 1 else "without a scale or a size it reads two inputs: the map, and one whose H×W it takes")

    def sizing(self, *xs: Shape) -> Sizing:  # (C, H, W)[, (C', h, w)] -> (C, s·H, s·W) or (C, h, w)
        c, h, w = spatial(xs[0], self.kind)
        if self.scale is not None and self.size is not None:
            raise ShapeError("upsample takes a scale or a size, one of the two", "give `scale`, `size`, or neither and a second input")
        if len(xs) == 2:
            return fixed((c, *spatial(xs[1], self.kind)[1:]))
        if self.size is not None:
            return fixed((c, *self.size))
        sh, sw = self.scale or (1, 1)
        th, tw = ScaleTerm("H", h, sh, h * sh), ScaleTerm("W", w, sw, w * sw)
        return Sizing((c, th.out, tw.out), (th, tw))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        grid = ins[0].grid
        # to a size: the factor where it is whole; else the jump is a bound, the longest step, ⌈n/m⌉ input units
        factor = self.scale or tuple(m // n if m % n == 0 else Fraction(1, -(-n // m)) for n, m in zip(grid, out[1:]))
        return scaled_field(ins[0], factor, out, reads=2 if self.mode == "bilinear" else 1)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept()  # nearest and bilinear: the backward needs only the sizes

    def hyper(self) -> str:
        how = f"×{text.pair(self.scale)}" if self.scale else f"to {text.square(self.size)}" if self.size else "to its second input's size"
        return f"{how}, {self.mode}"

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        corners = False if self.mode == "bilinear" else None
        if len(site.inputs) == 2:
            from archcalc.torch_backend.sequences import InterpolateLike

            return InterpolateLike(self.mode, corners)
        return nn.Upsample(size=self.size, scale_factor=self.scale, mode=self.mode, align_corners=corners)


@dataclass(frozen=True)
class PixelShuffle(NoWeights, Uncounted, VectorUnits, Layer):
    kind: ClassVar[str] = "pixel_shuffle"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"factor": 2},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "reshape"
    label: ClassVar[str] = "pixel shuffle"
    summary: ClassVar[str] = "C×H×W → C/r²×rH×rW: r² maps interleaved into one larger map"

    factor: PosInt

    def sizing(self, *xs: Shape) -> Sizing:
        c, h, w = spatial(xs[0], self.kind)
        r = self.factor
        if c % (r * r):
            raise ShapeError(f"factor {r}: r² = {r * r} must divide its {c} channels",
                             f"a factor whose square divides {c}, or {r * r}·k channels from the layer before")
        th, tw = ScaleTerm("H", h, r, h * r), ScaleTerm("W", w, r, w * r)
        return Sizing((c // (r * r), th.out, tw.out), (th, tw))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return scaled_field(ins[0], (self.factor, self.factor), out)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept()  # a copy in a new order

    def reads_all(self, gpus: int) -> bool:
        return True  # r² neighbouring maps make one

    def hyper(self) -> str:
        return f"r={self.factor}"

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        return nn.PixelShuffle(self.factor)

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        return None


