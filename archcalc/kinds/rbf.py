"""rbf: LeNet-1998's Euclidean radial basis output units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import Layer, MatrixUnits, ReadsAll, SeesWhole, Site, Units, flat
from archcalc.kinds.terms.conventions import Counts
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.values import PosInt, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class RBF(Units, SeesWhole, ReadsAll, MatrixUnits, Layer):
    """y_i = Σ_j (x_j − w_ij)², one parameter vector per unit, fixed by hand in the paper, so they are
    parameters that do not train. MACs: one per (x_j − w_ij)² term; FLOPs 2 per MAC (a matrix product in torch)."""

    kind: ClassVar[str] = "rbf"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"units": 6},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "dense"
    stage: ClassVar[bool] = True  # compare aligns networks at it; the layers after it join its stage
    label: ClassVar[str] = "rbf"
    summary: ClassVar[str] = "Euclidean radial-basis units with fixed parameter vectors (LeNet-1998's output)"
    neurons: ClassVar[bool] = True
    creates_channels: ClassVar[bool] = True
    flattens: ClassVar[bool] = True

    units: PosInt

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(inputs=(0,))  # x·x keeps x; its vectors are fixed

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        terms = flat(xs[0]) * self.units  # no bias
        return Figures.weighted(out, params=0, frozen_params=terms, macs=terms, connections=terms)

    def counts(self, site: Site, out: Shape) -> Counts:
        # archcalc's RBFUnits: ‖x‖² − 2·F.linear(x, w) + ‖w‖²; hook tools see an unknown module (torchinfo: its weight once)
        terms = flat(site.inputs[0]) * self.units
        return Counts(torch=2 * terms, fvcore=terms, ptflops=0, ptflops_aten=terms, thop=0, torchinfo=terms, macs=terms)

    def hyper(self) -> str:
        return f"{self.units}, fixed vectors"

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.modules import RBFUnits, flattened, fused

        x = site.inputs[0]
        return fused([*flattened(x), ("rbf", RBFUnits(flat(x), self.units))], None)

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        return None  # the towers compute it whole and keep their share
