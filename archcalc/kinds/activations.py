"""relu, sigmoid, tanh, scaled_tanh, softmax: functions of each value (softmax: of each vector).

Every activation but softmax is also a value of `activation:` on the kinds that take one (conv,
dense, subsample): the layer then runs it in place after its own work, in the same row."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import Elementwise, Layer, ReadsAll, Site, Uncounted
from archcalc.kinds.terms.conventions import Counts, per_value
from archcalc.kinds.terms.values import Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


class Activation(Elementwise, Layer):
    category: ClassVar[str] = "activation"
    fusable: ClassVar[bool] = True
    fused_label: ClassVar[str]  # its name after a fused layer: 'conv 3×3/1, 64 + ReLU'
    runs_in_place: ClassVar[bool] = False  # module(fused=True) overwrites its input, as torchvision's ReLU(inplace=True)
    in_place_alone: ClassVar[bool] = False  # as a layer of its own, too, where nothing else reads its input (torchvision's ReLU, ReLU6)
    extra_rules: ClassVar[tuple[str, ...]] = ("fused_label", "module")  # each activation's own, besides Layer's

    if TYPE_CHECKING:  # declared by each activation (missing_rules holds them to it)
        def module(self, fused: bool, channels: int = 1) -> nn.Module:
            """The torch module; `fused`: it follows its layer's own work, which nothing else reads, so it may run in
            place; `channels`: its input's, for an activation with a weight per channel."""

    def build(self, site: Site) -> nn.Module:
        return self.module(fused=site.in_place, channels=site.inputs[0][0])


@dataclass(frozen=True)
class ReLU(Activation):
    kind: ClassVar[str] = "relu"
    label: ClassVar[str] = "relu"
    fused_label: ClassVar[str] = "ReLU"
    summary: ClassVar[str] = "max(0, x)"
    runs_in_place: ClassVar[bool] = True
    in_place_alone: ClassVar[bool] = True

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(output=True, alias=keeping.in_place)  # relu's backward reads its output; in place, its input's storage

    def counts(self, site: Site, out: Shape) -> Counts:
        return per_value(out, ptflops=2)  # ptflops: its module hook and the patched F.relu

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.ReLU(inplace=fused)  # alone, in place only where nothing else reads its input (archcalc.analysis.kept.in_place_layers)


@dataclass(frozen=True)
class Sigmoid(Uncounted, Activation):
    kind: ClassVar[str] = "sigmoid"
    label: ClassVar[str] = "sigmoid"
    fused_label: ClassVar[str] = "sigmoid"
    summary: ClassVar[str] = "1 / (1 + e^−x)"

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(output=True)  # σ' = σ(1 − σ): its output

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.Sigmoid()


@dataclass(frozen=True)
class Tanh(Uncounted, Activation):
    kind: ClassVar[str] = "tanh"
    label: ClassVar[str] = "tanh"
    fused_label: ClassVar[str] = "tanh"
    summary: ClassVar[str] = "tanh(x)"

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(output=True)  # tanh' = 1 − tanh²: its output

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.Tanh()


@dataclass(frozen=True)
class ScaledTanh(Uncounted, Activation):
    """LeCun et al. (1998), appendix A: f(a) = A·tanh(S·a), A = 1.7159, S = 2/3."""

    kind: ClassVar[str] = "scaled_tanh"
    label: ClassVar[str] = "scaled tanh"
    fused_label: ClassVar[str] = "scaled tanh"
    summary: ClassVar[str] = "LeCun's squashing function 1.7159·tanh(2x/3)"

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(extra=(keeping.bytes(keeping.output),))  # tanh(S·x), which A· then copies: a tensor of its own

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from archcalc.torch_backend.modules import ScaledTanh as Module

        return Module()


@dataclass(frozen=True)
class Softmax(ReadsAll, Activation):
    kind: ClassVar[str] = "softmax"
    label: ClassVar[str] = "softmax"
    fused_label: ClassVar[str] = "softmax"
    summary: ClassVar[str] = "e^x / Σ e^x over the channels (or units)"
    fusable: ClassVar[bool] = False  # the normaliser sums over every unit: a layer of its own

    def counts(self, site: Site, out: Shape) -> Counts:
        c, *rest = site.inputs[0]  # thop: C exponentials, C − 1 additions, C divisions at each position
        return Counts(ptflops=math.prod(out), thop=(3 * c - 1) * math.prod(rest))  # ptflops: the patched F.softmax

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(output=True)  # softmax's backward reads its output

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.Softmax(dim=1)

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        return None  # each GPU needs every unit's sum: the towers compute it whole and keep their share


__all__ = ["Activation", "ReLU", "ScaledTanh", "Sigmoid", "Softmax", "Tanh"]
