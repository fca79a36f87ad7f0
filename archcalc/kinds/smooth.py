"""hardswish, hardsigmoid, silu, gelu, leakyrelu, elu: more activations (MobileNetV3, EfficientNet,
ConvNeXt, ...). Functions of each value: no parameters, and FlopCounterMode counts no FLOPs for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.activations import Activation
from archcalc.kinds.base import KeepsInput
from archcalc.values import Approximate, Number, PosFloat

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kept import Keeping, Kept


@dataclass(frozen=True)
class Hardswish(KeepsInput, Activation):  # its derivative reads x
    kind: ClassVar[str] = "hardswish"
    label: ClassVar[str] = "hardswish"
    fused_label: ClassVar[str] = "hardswish"
    summary: ClassVar[str] = "x·ReLU6(x + 3)/6 (MobileNetV3)"

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.Hardswish()


@dataclass(frozen=True)
class Hardsigmoid(KeepsInput, Activation):  # its derivative reads x
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

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.SiLU()


@dataclass(frozen=True)
class GELU(KeepsInput, Activation):  # its derivative reads x
    kind: ClassVar[str] = "gelu"
    label: ClassVar[str] = "gelu"
    fused_label: ClassVar[str] = "GELU"
    summary: ClassVar[str] = "x·Φ(x), exact or with the tanh approximation (ConvNeXt, ViT)"

    approximate: Approximate = "none"

    def hyper(self) -> str:
        return "" if self.approximate == "none" else "tanh approximation"

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.GELU(approximate=self.approximate)


class InPlaceKeepsOutput:
    """Kept: its input; in place (fused), its output, which is its input's storage (leaky_relu_'s and elu_'s backward read it)."""

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kept import Kept

        return Kept(output=True, alias=True) if keeping.in_place else Kept(inputs=(0,))


@dataclass(frozen=True)
class LeakyReLU(InPlaceKeepsOutput, Activation):
    kind: ClassVar[str] = "leakyrelu"
    label: ClassVar[str] = "leaky relu"
    fused_label: ClassVar[str] = "leaky ReLU"
    summary: ClassVar[str] = "x for x ≥ 0, negative_slope·x below"

    negative_slope: Number = 0.01

    def hyper(self) -> str:
        return f"slope {self.negative_slope:g}"

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.LeakyReLU(self.negative_slope, inplace=fused)

    runs_in_place: ClassVar[bool] = True


@dataclass(frozen=True)
class ELU(InPlaceKeepsOutput, Activation):
    kind: ClassVar[str] = "elu"
    label: ClassVar[str] = "elu"
    fused_label: ClassVar[str] = "ELU"
    summary: ClassVar[str] = "x for x > 0, alpha·(e^x − 1) below"

    alpha: PosFloat = 1.0

    def hyper(self) -> str:
        return f"α={self.alpha:g}"

    def module(self, fused: bool, channels: int = 1) -> nn.Module:
        from torch import nn

        return nn.ELU(self.alpha, inplace=fused)

    runs_in_place: ClassVar[bool] = True
