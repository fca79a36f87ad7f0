"""maxpool, avgpool: a window over each map; stride defaults to the kernel."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from archcalc import text
from archcalc.kinds.base import Layer, NoWeights, PerMap, Site, VectorUnits, keys_of
from archcalc.kinds.terms.conventions import Counts
from archcalc.kinds.terms.fields import Field, window_field
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing, resolve_padding, spatial, window
from archcalc.kinds.terms.values import Padding, Pair, PairOrKernel, Rounding, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class Pool(NoWeights, PerMap, VectorUnits, Layer):
    category: ClassVar[str] = "pool"
    stage: ClassVar[bool] = True  # compare aligns networks at it; the layers after it join its stage

    kernel: Pair
    stride: PairOrKernel = None
    padding: Padding = (0, 0)  # or 'same': TensorFlow's, as conv's (GoogLeNet's "(S)" pools)
    rounding: Rounding = "floor"

    @property
    def steps(self) -> tuple[int, int]:
        return self.stride if self.stride is not None else self.kernel

    def pads(self, x: Shape) -> tuple[tuple[int, int], tuple[int, int]]:
        """(before, after) padding for H and W; 'same' depends on the input size."""
        return resolve_padding(self.padding, x, self.kernel, self.steps)

    def spec_values(self, xs: tuple[Shape, ...]) -> dict[str, Any]:
        return {**keys_of(self), "stride": self.steps, "padding": self.pads(xs[0])}

    def sizing(self, *xs: Shape) -> Sizing:  # (C, H, W) -> (C, H', W')
        c, h, w = spatial(xs[0], self.kind)
        if self.padding != "same" and any(2 * p > k for p, k in zip(self.padding, self.kernel)):
            raise ShapeError(f"padding {text.pair(self.padding)} is more than half the kernel {text.pair(self.kernel)}",
                             "torch pads a pool by at most half its kernel: a larger kernel, or padding: same")
        ph, pw = self.pads(xs[0])
        th = window("H", h, self.kernel[0], self.steps[0], ph, 1, self.rounding)
        tw = window("W", w, self.kernel[1], self.steps[1], pw, 1, self.rounding)
        return Sizing((c, th.out, tw.out), (th, tw))

    def pooled(self, x: Shape) -> int:
        """The values the pool module reads: 'same' pads first, in a module of its own."""
        if self.padding != "same":
            return math.prod(x)
        (top, bottom), (left, right) = self.pads(x)
        return x[0] * (x[1] + top + bottom) * (x[2] + left + right)

    def padded(self, site: Site, pool: nn.Module, fill: float) -> nn.Module:
        """'same' padding as its own module (filled with `fill`), then the pool without padding."""
        from torch import nn

        (top, bottom), (left, right) = self.pads(site.inputs[0])
        return nn.Sequential(nn.ConstantPad2d((left, right, top, bottom), fill), pool)

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return window_field(ins[0], terms, out)

    def padded_bytes(self, keeping: Keeping) -> int:
        """The input padded for 'same', for the whole batch."""
        c, h, w = keeping.inputs[0]
        (top, bottom), (left, right) = self.pads(keeping.inputs[0])
        return keeping.bytes((c, h + top + bottom, w + left + right))

    def hyper(self) -> str:
        h = text.window(self.kernel, self.steps)
        if self.padding == "same":
            h += ", pad same"
        elif any(self.padding):
            h += f", pad {text.pair(self.padding)}"
        return h + (", ceil" if self.rounding == "ceil" else "")


@dataclass(frozen=True)
class MaxPool(Pool):
    kind: ClassVar[str] = "maxpool"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"kernel": 2}, {"kernel": 3, "stride": 2, "padding": 1, "rounding": "ceil"}, {"kernel": 3, "stride": 1, "padding": "same"})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    label: ClassVar[str] = "max pool"
    summary: ClassVar[str] = "the largest value of each window, per map"

    def counts(self, site: Site, out: Shape) -> Counts:
        return Counts(ptflops=2 * self.pooled(site.inputs[0]))  # the module hook and the patched F.max_pool2d

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        indices = keeping.bytes(keeping.output, 8)  # int64, one per output value
        if self.padding == "same":  # nn.ConstantPad2d(−∞)'s new tensor is what the pool reads
            return Kept(extra=(self.padded_bytes(keeping), indices))
        return Kept(inputs=(0,), extra=(indices,))

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        if self.padding == "same":  # padded with −∞, so that the padding is never the maximum
            return self.padded(site, nn.MaxPool2d(self.kernel, self.steps, ceil_mode=self.rounding == "ceil"), float("-inf"))
        return nn.MaxPool2d(self.kernel, self.steps, self.padding, ceil_mode=self.rounding == "ceil")


@dataclass(frozen=True)
class AvgPool(Pool):
    kind: ClassVar[str] = "avgpool"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"kernel": 2}, {"kernel": 3, "stride": 2, "padding": 1, "rounding": "ceil"}, {"kernel": [3, 2], "stride": [1, 2], "padding": "same"})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    label: ClassVar[str] = "avg pool"
    summary: ClassVar[str] = "the mean of each window, per map (zero padding counts)"

    def counts(self, site: Site, out: Shape) -> Counts:
        return Counts(ptflops=2 * self.pooled(site.inputs[0]), thop=math.prod(out))

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(extra=(self.padded_bytes(keeping),)) if self.padding == "same" else Kept(inputs=(0,))

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        if self.padding == "same":  # zeros that count in the mean, as the explicit padding of nn.AvgPool2d does
            return self.padded(site, nn.AvgPool2d(self.kernel, self.steps, ceil_mode=self.rounding == "ceil"), 0.0)
        return nn.AvgPool2d(self.kernel, self.steps, self.padding, ceil_mode=self.rounding == "ceil")
