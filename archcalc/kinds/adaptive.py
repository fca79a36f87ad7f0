"""adaptiveavgpool, globalavgpool: pooling to a fixed output size."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import KeepsNothing, Layer, NoHyper, NoWeights, PerMap, Site, VectorUnits
from archcalc.kinds.terms.conventions import Counts, adaptive_thop
from archcalc.kinds.terms.fields import Field, adaptive_field, global_field
from archcalc.kinds.terms.sizes import SizeTerm, Sizing, fixed, spatial
from archcalc.kinds.terms.values import PairOrNone, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class AdaptiveAvgPool(NoWeights, PerMap, VectorUnits, Layer):
    """torch's adaptive average pooling: unit i reads rows ⌊i·H/h⌋ to ⌈(i+1)·H/h⌉ − 1. Without `output`, to the
    H×W of a second input (`inputs: [x, other]`: F.adaptive_avg_pool2d(x, other.shape[-2:]))."""

    kind: ClassVar[str] = "adaptiveavgpool"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"output": [3, 2]}, {"output": [2, 2]}, {"output": 1})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "pool"
    stage: ClassVar[bool] = True  # compare aligns networks at it; the layers after it join its stage
    label: ClassVar[str] = "adaptive avg pool"
    summary: ClassVar[str] = "average pooling to a fixed output size, or to a second input's H×W, with torch's windows"

    output: PairOrNone = None

    def counts(self, site: Site, out: Shape) -> Counts:
        if self.output is None:  # F.adaptive_avg_pool2d in archcalc's module: ptflops patches it (1 per input value); thop sees no module
            return Counts(fvcore=math.prod(site.inputs[0]), ptflops=math.prod(site.inputs[0]))
        return adaptive_counts(site.inputs[0], out)

    @property
    def arity(self) -> int:  # type: ignore[override]  # an output size, or a second input to take it from
        return 1 if self.output is not None else 2

    def sized_by(self) -> tuple[int, ...]:
        return (1,) if self.arity == 2 else ()  # the second input gives its H×W only

    @property
    def arity_hint(self) -> str:
        return ("with `output` it reads one input; without, two: the second gives the size"
                if self.arity == 1 else "without `output` it reads two inputs: the map, and one whose H×W it takes")

    def sizing(self, *xs: Shape) -> Sizing:  # (C, H, W)[, (C', h, w)] -> (C, h, w)
        c, _, _ = spatial(xs[0], self.kind)
        return fixed((c, *(self.output or spatial(xs[1], self.kind)[1:])))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return adaptive_field(ins[0], out)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        # torch pools to 1×1 as a mean, whose backward needs only sizes; to any other size it keeps its input
        return Kept() if self.output == (1, 1) else Kept(inputs=(0,))

    def hyper(self) -> str:
        return f"→ {self.output[0]}×{self.output[1]}" if self.output else "→ its second input's size"

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        if self.output is None:
            from archcalc.torch_backend.sequences import AdaptiveAvgPoolLike

            return AdaptiveAvgPoolLike()
        return nn.AdaptiveAvgPool2d(self.output)


@dataclass(frozen=True)
class GlobalAvgPool(NoWeights, PerMap, NoHyper, VectorUnits, KeepsNothing, Layer):  # a mean: keeps nothing
    kind: ClassVar[str] = "globalavgpool"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "pool"
    stage: ClassVar[bool] = True  # compare aligns networks at it; the layers after it join its stage
    label: ClassVar[str] = "global avg pool"
    summary: ClassVar[str] = "the mean of each whole map: C×H×W → C×1×1"

    def counts(self, site: Site, out: Shape) -> Counts:
        return adaptive_counts(site.inputs[0], out)

    def sizing(self, *xs: Shape) -> Sizing:  # (C, H, W) -> (C, 1, 1)
        return fixed((spatial(xs[0], self.kind)[0], 1, 1))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return global_field(ins[0])  # the whole input, where its map's fields span the image

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        return nn.AdaptiveAvgPool2d(1)


def adaptive_counts(x: Shape, out: Shape) -> Counts:
    """nn.AdaptiveAvgPool2d: fvcore 1 per input value; ptflops 2 (module hook and patched functional); thop its window rule."""
    return Counts(fvcore=math.prod(x), ptflops=2 * math.prod(x), thop=adaptive_thop(x, out))
