"""relu6: min(max(0, x), 6) (MobileNetV2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.activations import Activation

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class ReLU6(Activation):
    kind: ClassVar[str] = "relu6"
    label: ClassVar[str] = "relu6"
    fused_label: ClassVar[str] = "ReLU6"
    summary: ClassVar[str] = "min(max(0, x), 6), as MobileNetV2 clips it"

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.ReLU6(inplace=fused)
