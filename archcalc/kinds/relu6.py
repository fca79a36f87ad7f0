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


@dataclass(frozen=True)
class ReLU6(Activation):
    kind: ClassVar[str] = "relu6"
    label: ClassVar[str] = "relu6"
    fused_label: ClassVar[str] = "ReLU6"
    summary: ClassVar[str] = "min(max(0, x), 6), as MobileNetV2 clips it"

    def counts(self, site: Site, out: Shape) -> Counts:
        return per_value(out, ptflops=1)  # its module hook; nn.ReLU6 runs F.hardtanh, which ptflops does not patch

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.ReLU6(inplace=fused)
