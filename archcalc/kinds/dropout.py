"""dropout: the identity at inference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import KeepsShape, Layer, NoWeights, Passes, PerMap, Site, Uncounted
from archcalc.kinds.terms.values import Rate

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class Dropout(KeepsShape, NoWeights, Uncounted, PerMap, Passes, Layer):
    kind: ClassVar[str] = "dropout"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"rate": 0.5},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "dropout"
    label: ClassVar[str] = "dropout"
    summary: ClassVar[str] = "zeroes each value with probability p in training; the identity at inference"

    rate: Rate = 0.5

    def hyper(self) -> str:
        return f"p={self.rate:g}"

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        return nn.Dropout(self.rate)
