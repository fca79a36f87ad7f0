"""dropout: the identity at inference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import KeepsShape, Layer, NoWeights, PerMap, Site
from archcalc.values import Rate

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kept import Keeping, Kept


@dataclass(frozen=True)
class Dropout(KeepsShape, NoWeights, PerMap, Layer):
    kind: ClassVar[str] = "dropout"
    category: ClassVar[str] = "dropout"
    label: ClassVar[str] = "dropout"
    summary: ClassVar[str] = "zeroes each value with probability p in training; the identity at inference"

    rate: Rate = 0.5

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kept import Kept

        if self.rate == 0:
            return Kept(alias=True)  # torch returns its input
        # on the CPU, torch's _dropout_impl: input × noise, and mul keeps the noise, in the input's dtype
        # (CUDA's fused native_dropout keeps a one-byte mask instead)
        return Kept(extra=(keeping.bytes(keeping.output),))

    def hyper(self) -> str:
        return f"p={self.rate:g}"

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        return nn.Dropout(self.rate)
