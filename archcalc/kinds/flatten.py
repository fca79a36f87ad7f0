"""flatten: C×H×W → C·H·W values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import Layer, NoHyper, NoWeights, Passes, PerMap, Site, Uncounted
from archcalc.kinds.terms.fields import Field, same_field
from archcalc.kinds.terms.sizes import SizeTerm, Sizing, fixed
from archcalc.kinds.terms.values import Shape

if TYPE_CHECKING:
    from collections.abc import Sequence

    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class Flatten(NoWeights, Uncounted, PerMap, NoHyper, Passes, Layer):
    kind: ClassVar[str] = "flatten"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "reshape"
    label: ClassVar[str] = "flatten"
    summary: ClassVar[str] = "C×H×W → C·H·W values, in torch's order"

    def sizing(self, *xs: Shape) -> Sizing:  # (C, H, W) -> (C·H·W,)
        return fixed((math.prod(xs[0]),))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return same_field(ins[0])  # a flattened unit keeps the field of the map position it came from

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(alias=True) if keeping.is_contiguous(0) else Kept()  # a view, or a copy where it cannot view

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        return nn.Flatten()
