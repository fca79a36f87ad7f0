"""convtranspose: a transposed 2-D convolution, which enlarges its input (U-Net's up-convolution)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc import text
from archcalc.kinds.base import Layer, MatrixUnits, Site, fused_activation, with_activation, with_activation_counts
from archcalc.kinds.terms.conventions import Counts
from archcalc.kinds.terms.fields import Field
from archcalc.kinds.terms.fields_other import transposed_field
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing, spatial
from archcalc.kinds.terms.sizes_other import transposed
from archcalc.kinds.terms.values import ActivationName, Bool, PadPair, Pair, PosInt, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class ConvTranspose(MatrixUnits, Layer):
    kind: ClassVar[str] = "convtranspose"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"filters": 4, "kernel": 3, "stride": 2, "padding": 1, "output_padding": 1}, {"filters": 2, "kernel": 2, "stride": 2})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "conv"
    stage: ClassVar[bool] = True  # compare aligns networks at it; the layers after it join its stage
    label: ClassVar[str] = "up-conv"
    summary: ClassVar[str] = "transposed 2-D convolution: out = (W − 1)·S − 2P + D·(K − 1) + output_padding + 1"
    neurons: ClassVar[bool] = True
    creates_channels: ClassVar[bool] = True

    filters: PosInt
    kernel: Pair
    stride: Pair = (1, 1)
    padding: PadPair = (0, 0)
    output_padding: PadPair = (0, 0)
    dilation: Pair = (1, 1)
    groups: PosInt = 1
    bias: Bool = True
    activation: ActivationName = None

    def sizing(self, *xs: Shape) -> Sizing:  # (C_in, H, W) -> (filters, H', W')
        c, h, w = spatial(xs[0], self.kind)
        if c % self.groups or self.filters % self.groups:
            raise ShapeError(f"groups={self.groups} must divide its {c} input channels and its {self.filters} filters")
        th, tw = (transposed(a, n, self.kernel[i], self.stride[i], self.padding[i], self.dilation[i], self.output_padding[i])
                  for i, (a, n) in enumerate((("H", h), ("W", w))))
        return Sizing((self.filters, th.out, tw.out), (th, tw))

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        weights = xs[0][0] * (self.filters // self.groups) * self.kernel[0] * self.kernel[1]
        params = weights + (self.filters if self.bias else 0)
        # FlopCounterMode counts a transposed convolution at its input positions: every weight at every one of them
        positions = xs[0][1] * xs[0][2]
        return with_activation(Figures.weighted(out, params=params, macs=weights * positions, connections=params * positions),
                               self.activation, out)

    def counts(self, site: Site, out: Shape) -> Counts:
        x = site.inputs[0]
        macs = x[0] * (self.filters // self.groups) * self.kernel[0] * self.kernel[1] * x[1] * x[2]  # at the input positions
        values = self.filters * out[1] * out[2]
        bias = values if self.bias else 0
        params = x[0] * (self.filters // self.groups) * self.kernel[0] * self.kernel[1] + (self.filters if self.bias else 0)
        own = Counts(torch=2 * macs, fvcore=macs, ptflops=macs + bias, ptflops_aten=macs + bias,
                     thop=values * (x[0] // self.groups) * self.kernel[0] * self.kernel[1],  # its conv rule, at output values
                     torchinfo=params * out[1] * out[2],  # 'Conv' in the class name: every parameter at every output position
                     macs=macs)
        return with_activation_counts(own, self.activation, site, out)

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return transposed_field(ins[0], terms, out)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(inputs=(0,))  # its input, for the weights' gradient

    def reads_all(self, gpus: int) -> bool:
        return self.groups % gpus != 0

    def hyper(self) -> str:
        h = f"{text.window(self.kernel, self.stride)} up, {self.filters}"
        if any(self.padding):
            h += f", pad {text.pair(self.padding)}"
        if any(self.output_padding):
            h += f", out pad {text.pair(self.output_padding)}"
        if any(d != 1 for d in self.dilation):
            h += f", dil {text.pair(self.dilation)}"
        return h + (f", groups {self.groups}" if self.groups != 1 else "")

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        from archcalc.torch_backend.modules import fused

        conv = nn.ConvTranspose2d(site.inputs[0][0], self.filters, self.kernel, self.stride, self.padding, self.output_padding,
                                  self.groups, self.bias, self.dilation)
        return fused([("conv", conv)], fused_activation(self.activation, self.filters))

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        return None  # its weights hold the output maps in their second axis: the towers compute it whole
