"""adaptiveavgpool, globalavgpool: pooling to a fixed output size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import KeepsNothing, Layer, NoHyper, NoWeights, PerMap, SeesWhole, Site
from archcalc.receptive import Field, adaptive_field
from archcalc.sizes import SizeTerm, Sizing, fixed, spatial
from archcalc.values import Pair, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kept import Keeping, Kept


@dataclass(frozen=True)
class AdaptiveAvgPool(NoWeights, PerMap, Layer):
    """torch's adaptive average pooling: unit i reads rows ⌊i·H/h⌋ to ⌈(i+1)·H/h⌉ − 1."""

    kind: ClassVar[str] = "adaptiveavgpool"
    category: ClassVar[str] = "pool"
    label: ClassVar[str] = "adaptive avg pool"
    summary: ClassVar[str] = "average pooling to a fixed output size, with torch's windows"

    output: Pair

    def sizing(self, *xs: Shape) -> Sizing:  # (C, H, W) -> (C, h, w)
        c, _, _ = spatial(xs[0], self.kind)
        return fixed((c, *self.output))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return adaptive_field(ins[0], out)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kept import Kept

        # torch pools to 1×1 as a mean, whose backward needs only sizes; to any other size it keeps its input
        return Kept() if self.output == (1, 1) else Kept(inputs=(0,))

    def hyper(self) -> str:
        return f"→ {self.output[0]}×{self.output[1]}"

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        return nn.AdaptiveAvgPool2d(self.output)


@dataclass(frozen=True)
class GlobalAvgPool(NoWeights, PerMap, SeesWhole, KeepsNothing, NoHyper, Layer):  # a mean: keeps nothing
    kind: ClassVar[str] = "globalavgpool"
    category: ClassVar[str] = "pool"
    label: ClassVar[str] = "global avg pool"
    summary: ClassVar[str] = "the mean of each whole map: C×H×W → C×1×1"

    def sizing(self, *xs: Shape) -> Sizing:  # (C, H, W) -> (C, 1, 1)
        return fixed((spatial(xs[0], self.kind)[0], 1, 1))

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        return nn.AdaptiveAvgPool2d(1)
