"""hardswish, hardsigmoid, silu, gelu, leakyrelu, elu: more activations (MobileNetV3, EfficientNet,
ConvNeXt, ...). Functions of each value: no parameters, and FlopCounterMode counts no FLOPs for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.activations import Activation
from archcalc.kinds.base import KeepsInput, Site, Uncounted
from archcalc.kinds.terms.conventions import Counts, per_value
from archcalc.kinds.terms.values import Approximate, Number, PosFloat, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class Hardswish(Uncounted, KeepsInput, Activation):  # its derivative reads x
    kind: ClassVar[str] = "hardswish"
    label: ClassVar[str] = "hardswish"
    fused_label: ClassVar[str] = "hardswish"
    summary: ClassVar[str] = "x·ReLU6(x + 3)/6 (MobileNetV3)"

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.Hardswish()


@dataclass(frozen=True)
class Hardsigmoid(Uncounted, KeepsInput, Activation):  # its derivative reads x
    kind: ClassVar[str] = "hardsigmoid"
    label: ClassVar[str] = "hardsigmoid"
    fused_label: ClassVar[str] = "hardsigmoid"
    summary: ClassVar[str] = "ReLU6(x + 3)/6 (MobileNetV3's squeeze-and-excitation gate)"

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.Hardsigmoid()


@dataclass(frozen=True)
class SiLU(KeepsInput, Activation):  # its derivative reads x
    kind: ClassVar[str] = "silu"
    label: ClassVar[str] = "silu"
    fused_label: ClassVar[str] = "SiLU"
    summary: ClassVar[str] = "x·sigmoid(x), also called swish (EfficientNet)"

    def counts(self, site: Site, out: Shape) -> Counts:
        return per_value(out, ptflops=1)  # no module hook: the patched F.silu

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.SiLU()


@dataclass(frozen=True)
class GELU(KeepsInput, Activation):  # its derivative reads x
    kind: ClassVar[str] = "gelu"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({}, {"approximate": "tanh"})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    label: ClassVar[str] = "gelu"
    fused_label: ClassVar[str] = "GELU"
    summary: ClassVar[str] = "x·Φ(x), exact or with the tanh approximation (ConvNeXt, ViT)"

    approximate: Approximate = "none"

    def counts(self, site: Site, out: Shape) -> Counts:
        return per_value(out, ptflops=2)  # its module hook and the patched F.gelu

    def hyper(self) -> str:
        return "" if self.approximate == "none" else "tanh approximation"

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.GELU(approximate=self.approximate)


class InPlaceKeepsOutput:
    """Kept: its input; in place (fused), its output, which is its input's storage (leaky_relu_'s and elu_'s backward read it)."""

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(output=True, alias=True) if keeping.in_place else Kept(inputs=(0,))


@dataclass(frozen=True)
class LeakyReLU(InPlaceKeepsOutput, Activation):
    kind: ClassVar[str] = "leakyrelu"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"negative_slope": 0.1},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    label: ClassVar[str] = "leaky relu"
    fused_label: ClassVar[str] = "leaky ReLU"
    summary: ClassVar[str] = "x for x ≥ 0, negative_slope·x below"

    negative_slope: Number = 0.01

    def counts(self, site: Site, out: Shape) -> Counts:
        return per_value(out, ptflops=1)  # its module hook (F.leaky_relu is not patched); thop's rule for it counts 0

    def hyper(self) -> str:
        return f"slope {self.negative_slope:g}"

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.LeakyReLU(self.negative_slope, inplace=fused)

    runs_in_place: ClassVar[bool] = True


@dataclass(frozen=True)
class ELU(InPlaceKeepsOutput, Activation):
    kind: ClassVar[str] = "elu"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"alpha": 0.5},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    label: ClassVar[str] = "elu"
    fused_label: ClassVar[str] = "ELU"
    summary: ClassVar[str] = "x for x > 0, alpha·(e^x − 1) below"

    alpha: PosFloat = 1.0

    def counts(self, site: Site, out: Shape) -> Counts:
        return per_value(out, ptflops=2)  # its module hook and the patched F.elu

    def hyper(self) -> str:
        return f"α={self.alpha:g}"

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.ELU(self.alpha, inplace=fused)

    runs_in_place: ClassVar[bool] = True
