"""upsample, pixel_shuffle: larger maps by a whole factor (U-Net's decoder, super-resolution)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc import text
from archcalc.kinds.base import Layer, NoWeights, PerMap, Site
from archcalc.receptive import Field, scaled_field
from archcalc.sizes import ShapeError, SizeTerm, Sizing, fixed, spatial
from archcalc.sizes_other import ScaleTerm
from archcalc.values import PairOrNone, PosInt, Shape, UpsampleMode

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kept import Keeping, Kept

@dataclass(frozen=True)
class Upsample(NoWeights, PerMap, Layer):
    """torch's nn.Upsample: by `scale` (int or [h, w]) or to `size` ([h, w]); nearest or bilinear (align_corners false)."""

    kind: ClassVar[str] = "upsample"
    category: ClassVar[str] = "pool"
    label: ClassVar[str] = "upsample"
    summary: ClassVar[str] = "larger maps by a whole `scale`, or to a `size`: nearest or bilinear, no parameters"

    scale: PairOrNone = None
    size: PairOrNone = None
    mode: UpsampleMode = "nearest"

    def sizing(self, *xs: Shape) -> Sizing:  # (C, H, W) -> (C, s·H, s·W) or (C, h, w)
        c, h, w = spatial(xs[0], self.kind)
        if (self.scale is None) == (self.size is None):
            raise ShapeError("upsample takes a scale or a size, one of the two")
        if self.size is not None:
            return fixed((c, *self.size))
        sh, sw = self.scale or (1, 1)
        th, tw = ScaleTerm("H", h, sh, h * sh), ScaleTerm("W", w, sw, w * sw)
        return Sizing((c, th.out, tw.out), (th, tw))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        grid = ins[0].grid
        factor = self.scale or (max(1, out[1] // grid[0]), max(1, out[2] // grid[1]))  # to a size: the whole part of the factor
        return scaled_field(ins[0], factor, out, reads=2 if self.mode == "bilinear" else 1)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kept import Kept

        return Kept()  # nearest and bilinear: the backward needs only the sizes

    def hyper(self) -> str:
        how = f"×{text.pair(self.scale)}" if self.scale else f"to {text.square(self.size or (0, 0))}"
        return f"{how}, {self.mode}"

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        corners = False if self.mode == "bilinear" else None
        return nn.Upsample(size=self.size, scale_factor=self.scale, mode=self.mode, align_corners=corners)


@dataclass(frozen=True)
class PixelShuffle(NoWeights, Layer):
    kind: ClassVar[str] = "pixel_shuffle"
    category: ClassVar[str] = "reshape"
    label: ClassVar[str] = "pixel shuffle"
    summary: ClassVar[str] = "C×H×W → C/r²×rH×rW: r² maps interleaved into one larger map"

    factor: PosInt

    def sizing(self, *xs: Shape) -> Sizing:
        c, h, w = spatial(xs[0], self.kind)
        r = self.factor
        if c % (r * r):
            raise ShapeError(f"factor {r}: r² = {r * r} must divide its {c} channels")
        th, tw = ScaleTerm("H", h, r, h * r), ScaleTerm("W", w, r, w * r)
        return Sizing((c // (r * r), th.out, tw.out), (th, tw))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return scaled_field(ins[0], (self.factor, self.factor), out)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kept import Kept

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


