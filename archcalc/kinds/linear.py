"""linear: torch's nn.Linear over the last axis, nothing flattened: a transformer's MLP on tokens, ConvNeXt's
and Swin's on a channels-last map (`dense` flattens a map first)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import (
    Layer,
    MatrixUnits,
    ReadsAll,
    Site,
    activation_shard,
    fused_activation,
    with_activation,
    with_activation_counts,
)
from archcalc.kinds.terms.conventions import Counts
from archcalc.kinds.terms.fields import Field, same_field
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.layouts import MAP, layout, same_layout
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing
from archcalc.kinds.terms.values import ActivationName, Bool, PosInt, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class Linear(ReadsAll, MatrixUnits, Layer):
    kind: ClassVar[str] = "linear"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"units": 6}, {"units": 4, "bias": False, "activation": "relu"})
    category: ClassVar[str] = "dense"
    stage: ClassVar[bool] = True  # compare aligns networks at it
    label: ClassVar[str] = "linear"
    summary: ClassVar[str] = "nn.Linear over the last axis of a sequence, a channels-last map or a vector; nothing flattened"
    neurons: ClassVar[bool] = True
    creates_channels: ClassVar[bool] = True

    units: PosInt
    bias: Bool = True
    activation: ActivationName = None

    def sizing(self, *xs: Shape) -> Sizing:  # (..., D) -> (..., units), in the input's layout
        x = xs[0]
        if layout(x) == MAP:
            raise ShapeError(f"linear works over the last axis, and a C×H×W map's last axis is its width {x[2]}",
                             "permute the map to channels-last first (`permute`), use a 1×1 conv, or `dense` to flatten it")
        return Sizing(same_layout(x, (*x[:-1], self.units)))

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        positions, weights = math.prod(xs[0][:-1]), xs[0][-1] * self.units
        params = weights + (self.units if self.bias else 0)
        return with_activation(Figures.weighted(out, params=params, macs=positions * weights, connections=positions * params),
                               self.activation, out)

    def counts(self, site: Site, out: Shape) -> Counts:
        """nn.Linear: its MACs; ptflops adds the bias at every output value, and so does its aten backend where torch folds
        the input into one matrix product (addmm: a contiguous input, as a layer norm or a linear layer leaves it; after
        a permute, a view, torch multiplies and adds apart and aten counts no bias); torchinfo counts its parameters once."""
        x = site.inputs[0]
        macs = math.prod(x[:-1]) * x[-1] * self.units
        bias = math.prod(out) if self.bias else 0
        own = Counts(torch=2 * macs, fvcore=macs, ptflops=macs + bias, ptflops_aten=macs + bias, thop=macs,
                     torchinfo=x[-1] * self.units + (self.units if self.bias else 0), macs=macs)
        return with_activation_counts(own, self.activation, site, out)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        x = keeping.inputs[0]
        if len(x) > 2 and not keeping.is_contiguous(0):  # matmul reshapes a tensor it cannot view: it keeps the copy
            return Kept(extra=(keeping.bytes(x),))
        return Kept(inputs=(0,))  # its input, for the weights' gradient

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return same_field(ins[0])  # each position reads only its own values

    def hyper(self) -> str:
        return str(self.units)

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        from archcalc.torch_backend.modules import fused

        return fused([("linear", nn.Linear(site.inputs[0][-1], self.units, self.bias))], fused_activation(self.activation, self.units))

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        from torch import nn

        from archcalc.torch_backend.shards import rows, shard_parts

        def cut(linear: nn.Module) -> nn.Module:
            assert isinstance(linear, nn.Linear)
            return rows(linear, nn.Linear(linear.in_features, linear.out_features // G, linear.bias is not None), g)

        return shard_parts(module, g, G, "linear", cut, activation_shard(self.activation))
