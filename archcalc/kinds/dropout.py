"""dropout: the identity at inference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import KeepsShape, Layer, NoWeights, Passes, PerMap, Site, Uncounted
from archcalc.kinds.terms.values import Rate

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class Dropout(KeepsShape, NoWeights, Uncounted, PerMap, Passes, Layer):
    kind: ClassVar[str] = "dropout"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"rate": 0.5},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "dropout"
    label: ClassVar[str] = "dropout"
    summary: ClassVar[str] = "zeroes each value with probability p in training; the identity at inference"

    rate: Rate = 0.5

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

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
