"""rbf: LeNet-1998's Euclidean radial basis output units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.figures import Figures
from archcalc.kinds.base import Layer, ReadsAll, SeesWhole, Site, Units, flat
from archcalc.values import PosInt, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kept import Keeping, Kept


@dataclass(frozen=True)
class RBF(Units, SeesWhole, ReadsAll, Layer):
    """y_i = Σ_j (x_j − w_ij)², one parameter vector per unit, fixed by hand in the paper, so they are
    parameters that do not train. MACs: one per (x_j − w_ij)² term; FLOPs 2 per MAC (a matrix product in torch)."""

    kind: ClassVar[str] = "rbf"
    category: ClassVar[str] = "dense"
    label: ClassVar[str] = "rbf"
    summary: ClassVar[str] = "Euclidean radial-basis units with fixed parameter vectors (LeNet-1998's output)"
    neurons: ClassVar[bool] = True
    creates_channels: ClassVar[bool] = True
    flattens: ClassVar[bool] = True

    units: PosInt

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kept import Kept

        return Kept(inputs=(0,))  # x·x keeps x; its vectors are fixed

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        terms = flat(xs[0]) * self.units  # no bias
        return Figures.weighted(out, params=0, frozen_params=terms, macs=terms, connections=terms)

    def hyper(self) -> str:
        return f"{self.units}, fixed vectors"

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.modules import RBFUnits, flattened, fused

        x = site.inputs[0]
        return fused([*flattened(x), ("rbf", RBFUnits(flat(x), self.units))], None)

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        return None  # the towers compute it whole and keep their share
