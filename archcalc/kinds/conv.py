"""conv: a 2-D convolution, grouped or with a connections table (LeNet-1998's C3)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from archcalc import text
from archcalc.kinds.base import (
    Layer,
    MatrixUnits,
    Site,
    activation_shard,
    fused_activation,
    keys_of,
    with_activation,
    with_activation_counts,
)
from archcalc.kinds.terms.conventions import Counts, weighted
from archcalc.kinds.terms.fields import Field, window_field
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing, resolve_padding, spatial, window
from archcalc.kinds.terms.values import ActivationName, Bool, Connections, Padding, Pair, PosInt, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class Conv(MatrixUnits, Layer):
    kind: ClassVar[str] = "conv"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"filters": 4, "kernel": 3, "stride": 2, "padding": 1}, {"filters": 4, "kernel": [3, 2], "dilation": [2, 1], "padding": "same", "groups": 2},
                                                         {"filters": 2, "kernel": 1, "stride": [1, 2], "activation": "relu"})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "conv"
    stage: ClassVar[bool] = True  # compare aligns networks at it; the layers after it join its stage
    label: ClassVar[str] = "conv"
    summary: ClassVar[str] = "2-D convolution; groups, dilation, 'same' padding, or a connections table"
    neurons: ClassVar[bool] = True
    creates_channels: ClassVar[bool] = True

    filters: PosInt
    kernel: Pair
    stride: Pair = (1, 1)
    padding: Padding = (0, 0)
    dilation: Pair = (1, 1)
    groups: PosInt = 1
    bias: Bool = True
    activation: ActivationName = None
    # LeNet-1998's C3: filter f reads only the input maps in row f; the spec's key is `connections`
    connections_table: Connections = field(default=None, metadata={"key": "connections"})

    def pads(self, x: Shape) -> tuple[tuple[int, int], tuple[int, int]]:
        """(before, after) padding for H and W; 'same' depends on the input size."""
        return resolve_padding(self.padding, x, self.kernel, self.stride, self.dilation)

    def spec_values(self, xs: tuple[Shape, ...]) -> dict[str, Any]:
        return {**keys_of(self), "padding": self.pads(xs[0])}  # (before, after) per axis: 'same' resolved

    def _check(self, c: int) -> None:
        if c % self.groups or self.filters % self.groups:
            raise ShapeError(f"groups={self.groups} must divide its {c} input channels and its {self.filters} filters",
                             "choose groups that divide both (a depthwise conv has groups = filters = its input channels)")
        table = self.connections_table
        if table is not None:
            if self.groups != 1:
                raise ShapeError("a connections table replaces groups: use one or the other")
            if len(table) != self.filters:
                raise ShapeError(f"the connections table has {len(table)} rows for {self.filters} filters")
            bad = next((i for row in table for i in row if i >= c), None)
            if bad is not None:
                raise ShapeError(f"the connections table names input map {bad}, but the input has maps 0 to {c - 1}")

    def sizing(self, *xs: Shape) -> Sizing:  # (C_in, H, W) -> (filters, H', W')
        c, h, w = spatial(xs[0], "conv")
        self._check(c)
        ph, pw = self.pads(xs[0])
        th = window("H", h, self.kernel[0], self.stride[0], ph, self.dilation[0])
        tw = window("W", w, self.kernel[1], self.stride[1], pw, self.dilation[1])
        return Sizing((self.filters, th.out, tw.out), (th, tw))

    def weights(self, x: Shape) -> int:
        """Weights of all filters: each reads C/groups maps, or the maps its connections row names."""
        table = self.connections_table
        maps = sum(len(row) for row in table) if table else self.filters * (x[0] // self.groups)
        return maps * self.kernel[0] * self.kernel[1]

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        positions = out[1] * out[2]
        weights = self.weights(xs[0])
        params = weights + (self.filters if self.bias else 0)
        # one MAC per weight per output position; connections: every weight and the bias, at every position
        own = Figures.weighted(out, params=params, macs=weights * positions, connections=params * positions)
        return with_activation(own, self.activation, out)

    def counts(self, site: Site, out: Shape) -> Counts:
        figures = Figures.weighted(out, params=0, macs=self.weights(site.inputs[0]) * out[1] * out[2], connections=0)
        bias = math.prod(out) if self.bias else 0  # the bias adds one value per output value
        own = weighted(figures, bias)
        if self.connections_table is not None:  # archcalc's TableConv2d: F.conv2d calls, index_select, cat, `+ bias`
            own = Counts(torch=figures.flops, fvcore=figures.macs, ptflops=0, ptflops_aten=figures.macs, thop=0, torchinfo=0,
                         macs=figures.macs)  # hooks see an unknown module, torchinfo a module with children
        return with_activation_counts(own, self.activation, site, out)

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return window_field(ins[0], terms, out)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        x = keeping.inputs[0]  # (C, H, W)
        (top, bottom), (left, right) = self.pads(x)
        padded = (x[0], x[1] + top + bottom, x[2] + left + right)
        even = top == bottom and left == right
        seen = x if even else padded  # an odd 'same' total: nn.ZeroPad2d's new tensor, then the conv
        table = self.connections_table
        if table is not None:  # each fan-in's index_select, a new tensor, is what its grouped conv keeps
            reads = [sum(len(row) for row in table if len(row) == n) for n in sorted({len(row) for row in table})]
            return Kept(extra=tuple(keeping.bytes((maps, *seen[1:])) for maps in reads))
        return Kept(inputs=(0,)) if even else Kept(extra=(keeping.bytes(padded),))

    def reads_all(self, gpus: int) -> bool:
        return self.groups % gpus != 0

    def hyper(self) -> str:
        h = f"{text.window(self.kernel, self.stride)}, {self.filters}"
        if self.padding == "same":
            h += ", pad same"
        elif any(self.padding):
            h += f", pad {text.pair(self.padding)}"
        if any(d != 1 for d in self.dilation):
            h += f", dil {text.pair(self.dilation)}"
        if self.groups != 1:
            h += f", groups {self.groups}"
        if self.connections_table:
            h += f", {sum(map(len, self.connections_table))} of {self.filters}×C maps connected"
        return h

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        from archcalc.torch_backend.modules import TableConv2d, fused

        x = site.inputs[0]  # (C, H, W)
        (top, bottom), (left, right) = self.pads(x)
        even = top == bottom and left == right
        pad: list[tuple[str, nn.Module]] = [] if even else [("pad", nn.ZeroPad2d((left, right, top, bottom)))]  # 'same', odd total
        padding = (top, left) if even else (0, 0)
        conv: nn.Module
        if self.connections_table is not None:
            conv = TableConv2d(x[0], self.connections_table, self.kernel, self.stride, padding, self.dilation, self.bias)
        else:
            conv = nn.Conv2d(x[0], self.filters, self.kernel, self.stride, padding, self.dilation, self.groups, self.bias)
        return fused([*pad, ("conv", conv)], fused_activation(self.activation, self.filters))

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        from torch import nn

        from archcalc.torch_backend.shards import rows, shard_parts

        def cut(conv: nn.Module) -> nn.Module | None:
            if not isinstance(conv, nn.Conv2d) or not (conv.groups % G == 0 or conv.groups == 1):
                return None  # a connections table, or groups that straddle GPUs
            local = conv.groups % G == 0  # each group reads its own GPU's maps
            part = nn.Conv2d(conv.in_channels // G if local else conv.in_channels, conv.out_channels // G,
                             conv.kernel_size, conv.stride, conv.padding, conv.dilation,  # type: ignore[arg-type]
                             conv.groups // G if local else 1, conv.bias is not None)
            return rows(conv, part, g)

        return shard_parts(module, g, G, "conv", cut, activation_shard(self.activation))
