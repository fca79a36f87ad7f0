"""dense: fully connected; a C×H×W input is flattened first (as torch's nn.Flatten then nn.Linear)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import (
    Layer,
    MatrixUnits,
    ReadsAll,
    SeesWhole,
    Site,
    Units,
    activation_shard,
    flat,
    fused_activation,
    with_activation,
    with_activation_counts,
)
from archcalc.kinds.terms.conventions import Counts, weighted
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.values import ActivationName, Bool, PosInt, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class Dense(Units, SeesWhole, ReadsAll, MatrixUnits, Layer):
    kind: ClassVar[str] = "dense"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"units": 6}, {"units": 4, "bias": False, "activation": "relu"})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "dense"
    stage: ClassVar[bool] = True  # compare aligns networks at it; the layers after it join its stage
    label: ClassVar[str] = "dense"
    summary: ClassVar[str] = "fully connected units; a C×H×W input is flattened first"
    neurons: ClassVar[bool] = True
    creates_channels: ClassVar[bool] = True
    flattens: ClassVar[bool] = True

    units: PosInt
    bias: Bool = True
    activation: ActivationName = None

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        x = keeping.inputs[0]
        if len(x) > 1 and not keeping.is_contiguous(0):  # flatten copies a tensor it cannot view; linear keeps the copy
            return Kept(extra=(keeping.bytes(x),))
        return Kept(inputs=(0,))  # its input (flattened: a view of it), for the weights' gradient

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        weights = flat(xs[0]) * self.units
        params = weights + (self.units if self.bias else 0)
        return with_activation(Figures.weighted(out, params=params, macs=weights, connections=params), self.activation, out)

    def counts(self, site: Site, out: Shape) -> Counts:
        figures = Figures.weighted(out, params=0, macs=flat(site.inputs[0]) * self.units, connections=0)
        return with_activation_counts(weighted(figures, self.units if self.bias else 0), self.activation, site, out)

    def hyper(self) -> str:
        return str(self.units)

    def caption(self) -> str:
        return f"dense {self.units} units"

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        from archcalc.torch_backend.modules import flattened, fused

        x = site.inputs[0]
        return fused([*flattened(x), ("linear", nn.Linear(flat(x), self.units, self.bias))], fused_activation(self.activation, self.units))

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        from torch import nn

        from archcalc.torch_backend.shards import rows, shard_parts

        def cut(linear: nn.Module) -> nn.Module:
            assert isinstance(linear, nn.Linear)
            return rows(linear, nn.Linear(linear.in_features, linear.out_features // G, linear.bias is not None), g)

        return shard_parts(module, g, G, "linear", cut, activation_shard(self.activation))
