"""layer_scale, stochastic_depth: ConvNeXt's (and CaiT's, EfficientNet's) residual-branch factors."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import KeepsShape, Layer, NoWeights, Passes, PerMap, Site, Uncounted, VectorUnits
from archcalc.kinds.terms.conventions import Counts
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.values import DepthMode, PosFloat, Rate, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class LayerScale(KeepsShape, VectorUnits, Layer):
    kind: ClassVar[str] = "layer_scale"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"init": 0.5},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "norm"
    label: ClassVar[str] = "layer scale"
    summary: ClassVar[str] = "a learned factor per channel (ConvNeXt, CaiT), starting at `init`"

    init: PosFloat = 1e-6

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(inputs=(0,))  # x · factor: x, for the factors' gradient

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        # one factor per channel; connections: each unit reads its input through its factor
        return Figures(params=xs[0][0], connections=math.prod(xs[0]), activations=math.prod(out))

    def counts(self, site: Site, out: Shape) -> Counts:
        # `x * weight`, an operator; torchinfo counts the weight of archcalc's module once (torchvision's CNBlock
        # holds it as a parameter of the block, which torchinfo does not count: 0 there)
        return Counts(torchinfo=site.inputs[0][0])

    def reads_all(self, gpus: int) -> bool:
        return False

    def hyper(self) -> str:
        return f"init {self.init:g}"

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.modules import LayerScale as Module

        return Module(site.inputs[0][0], self.init, len(site.inputs[0]) == 3)

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        from archcalc.torch_backend.modules import LayerScale as Module
        from archcalc.torch_backend.shards import rows

        assert isinstance(module, Module)
        return rows(module, Module(module.weight.shape[0] // G, 0.0, module.weight.dim() == 3), g)


@dataclass(frozen=True)
class StochasticDepth(KeepsShape, NoWeights, Uncounted, PerMap, Passes, Layer):
    """torchvision.ops.StochasticDepth: in training, the residual branch dropped with probability `rate`
    per sample ('row') or for the batch ('batch'); the identity at inference, which is what archcalc counts."""

    kind: ClassVar[str] = "stochastic_depth"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"rate": 0.2},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "dropout"
    label: ClassVar[str] = "stochastic depth"
    summary: ClassVar[str] = "a residual branch dropped in training (per sample or batch); the identity at inference"

    rate: Rate = 0.0
    mode: DepthMode = "row"

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        if self.rate == 0:
            return Kept(alias=True)  # the identity: its input itself
        noise = keeping.bytes(()) if self.mode == "row" else keeping.itemsize  # one per sample, or one for the batch
        return Kept(extra=(noise,))  # x · noise keeps the noise

    def hyper(self) -> str:
        return f"p={self.rate:g}, {self.mode}"

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.modules import StochasticDepth as Module

        return Module(self.rate, self.mode)
