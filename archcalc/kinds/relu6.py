"""relu6: min(max(0, x), 6) (MobileNetV2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.activations import Activation
from archcalc.kinds.base import Site
from archcalc.kinds.terms.conventions import Counts, per_value
from archcalc.kinds.terms.values import Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class ReLU6(Activation):
    kind: ClassVar[str] = "relu6"
    label: ClassVar[str] = "relu6"
    fused_label: ClassVar[str] = "ReLU6"
    summary: ClassVar[str] = "min(max(0, x), 6), as MobileNetV2 clips it"
    runs_in_place: ClassVar[bool] = True
    in_place_alone: ClassVar[bool] = True  # torchvision's MobileNetV2: ReLU6(inplace=True)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        if keeping.in_place:  # hardtanh_ keeps a copy of the input it overwrites
            return Kept(extra=(keeping.bytes(keeping.output),), alias=True)
        return Kept(inputs=(0,))

    def counts(self, site: Site, out: Shape) -> Counts:
        return per_value(out, ptflops=1)  # its module hook; nn.ReLU6 runs F.hardtanh, which ptflops does not patch

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.ReLU6(inplace=fused)
