"""window_attention, patch_merging: Swin's two steps on a channels-last map (torchvision's swin_t).

Window attention (torchvision's ShiftedWindowAttention): the H×W×C map padded to a multiple of the window,
cyclically shifted by `shift` (every other block), cut into windows of window² tokens, multi-head
self-attention inside each window with a learned relative-position bias ((2·window − 1)² × heads, a table of
parameters that are no layer weights) and, where shifted, a mask that keeps apart what the roll brought
together; then the windows put back, the shift undone, the padding cut. For P = padded H·W positions:
MACs P·4C² (q, k, v and output projections) + 2·P·window²·C (Q·Kᵀ and A·V in every window).

Patch merging (torchvision's _patch_merging_pad): each 2×2 neighbourhood to one position of 4C values
(an odd side padded by one row or column of zeros); the layer norm over 4C and the linear layer to 2C
that follow it in torchvision's PatchMerging are the spec's own `layernorm` and `linear` layers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import Layer, MatrixUnits, NoHyper, NoWeights, Site, Uncounted, VectorUnits
from archcalc.kinds.terms.conventions import Counts
from archcalc.kinds.terms.fields import Field, window_field
from archcalc.kinds.terms.fields_tokens import windowed_field
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.layouts import MAP_LAST, ChannelsLast, layout
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing, window
from archcalc.kinds.terms.sizes_tokens import WindowPartitionTerm
from archcalc.kinds.terms.values import Bool, NonNegIntValue, PosInt, Shape
from archcalc.kinds.tokens import NotSplit

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


def channels_last_map(x: Shape, kind: str) -> tuple[int, int, int]:
    """(H, W, C), or the error that the kind needs a channels-last map."""
    if layout(x) != MAP_LAST:
        raise ShapeError(f"{kind} needs a channels-last map (H×W×C), got {layout(x)} {'×'.join(map(str, x))}",
                         "permute the map first (`permute`, to: channels_last), as Swin's stem does")
    return x[0], x[1], x[2]


@dataclass(frozen=True)
class WindowAttention(NotSplit, MatrixUnits, Layer):
    kind: ClassVar[str] = "window_attention"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"heads": 2, "window": 3}, {"heads": 1, "window": 3, "shift": 1, "qkv_bias": False})
    category: ClassVar[str] = "dense"
    stage: ClassVar[bool] = True
    label: ClassVar[str] = "window attention"
    summary: ClassVar[str] = ("self-attention within window×window windows of a channels-last map (Swin): cyclic `shift`, "
                              "padding to whole windows, relative-position bias")
    uses_attention: ClassVar[bool] = True  # run's verification counts its FLOPs on the math path

    heads: PosInt
    window: PosInt = 7
    shift: NonNegIntValue = 0
    qkv_bias: Bool = True
    proj_bias: Bool = True

    def sizing(self, *xs: Shape) -> Sizing:  # H×W×C -> H×W×C
        h, w, c = channels_last_map(xs[0], self.kind)
        if c % self.heads:
            raise ShapeError(f"its width {c} does not divide into {self.heads} heads ({c}/{self.heads} = {c / self.heads:g})",
                             f"a number of heads that divides {c}")
        if self.shift >= self.window:
            raise ShapeError(f"shift {self.shift} must be smaller than the window {self.window}", f"Swin shifts by window // 2 = {self.window // 2}")
        return Sizing(xs[0], (WindowPartitionTerm("H", h, self.window), WindowPartitionTerm("W", w, self.window)))

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        h, w, c = xs[0]
        padded = -(-h // self.window) * self.window * -(-w // self.window) * self.window
        projections = 4 * padded * c * c  # q, k, v (one packed C→3C) and the output projection, at every padded position
        products = 2 * padded * self.window**2 * c  # Q·Kᵀ and A·V: window² keys for each position, C = heads·d values
        table = (2 * self.window - 1) ** 2 * self.heads  # the relative-position bias table: learned, no layer weight
        params = 4 * c * c + (3 * c if self.qkv_bias else 0) + (c if self.proj_bias else 0) + table
        connections = padded * (3 * c * (c + self.qkv_bias) + c * (c + self.proj_bias))
        return Figures(params, 0, projections + products, 2 * (projections + products), connections, math.prod(out))

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        h, w, c = keeping.inputs[0]
        windows = -(-h // self.window) * -(-w // self.window)
        padded = keeping.bytes((windows * self.window**2, c))
        # measured with saved_tensors_hooks (torch 2.13): the windows' tokens (the q/k/v projection's input), q scaled,
        # kᵀ and v made contiguous for their products, the softmax's output, and the output projection's input; one
        # window in all (batch 1, a map no larger than the window): kᵀ and v stay views of the packed q, k, v, kept whole
        softmax = keeping.bytes((windows * self.heads, self.window**4))
        if keeping.batch * windows == 1:
            return Kept(extra=(padded, padded, 3 * padded, padded, softmax))  # the softmax last (archcalc.analysis.amp)
        return Kept(extra=(padded, padded, padded, padded, padded, softmax))

    def counts(self, site: Site, out: Shape) -> Counts:
        """archcalc's module as torchvision writes it: nn.Linear modules qkv and proj (thop and torchinfo see them;
        torchinfo per window batch), Tensor.matmul for Q·Kᵀ and A·V (ptflops patches it), F.softmax (ptflops: 1 per value)."""
        h, w, c = site.inputs[0]
        windows = -(-h // self.window) * -(-w // self.window)
        padded = windows * self.window**2
        f = self.figures(site.inputs, out)
        biases = padded * (3 * c * self.qkv_bias + c * self.proj_bias)  # each bias added at every padded position
        softmax = windows * self.heads * self.window**4
        return Counts(torch=f.flops, fvcore=f.macs, ptflops=f.macs + biases + softmax, ptflops_aten=f.macs + biases, thop=4 * padded * c * c,
                      torchinfo=windows * (4 * c * c + 3 * c * self.qkv_bias + c * self.proj_bias), macs=f.macs)

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        h, w, _ = out
        padded = (-(-h // self.window) * self.window, -(-w // self.window) * self.window)
        shifted = (self.shift > 0 and padded[0] > self.window, self.shift > 0 and padded[1] > self.window)  # torchvision shifts
        return windowed_field(ins[0], self.window, shifted, out)  # no axis the window covers whole

    def hyper(self) -> str:
        return f"{self.heads} heads, {self.window}×{self.window}" + (f", shift {self.shift}" if self.shift else "")

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.windows import ShiftedWindowAttention

        return ShiftedWindowAttention(site.inputs[0][2], [self.window, self.window], [self.shift, self.shift], self.heads,
                                      qkv_bias=self.qkv_bias, proj_bias=self.proj_bias)


@dataclass(frozen=True)
class PatchMerging(NoWeights, Uncounted, NotSplit, NoHyper, VectorUnits, Layer):
    kind: ClassVar[str] = "patch_merging"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({},)  # pad, slices, torch.cat: no tool counts them
    category: ClassVar[str] = "reshape"
    label: ClassVar[str] = "patch merging"
    summary: ClassVar[str] = "each 2×2 neighbourhood of a channels-last map to one position of 4C values (Swin; odd sides padded)"

    def sizing(self, *xs: Shape) -> Sizing:  # H×W×C -> ⌈H/2⌉×⌈W/2⌉×4C
        h, w, c = channels_last_map(xs[0], self.kind)
        th, tw = window("H", h, 2, 2, (0, 0), rounding="ceil"), window("W", w, 2, 2, (0, 0), rounding="ceil")
        return Sizing(ChannelsLast((th.out, tw.out, 4 * c)), (th, tw))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return window_field(ins[0], terms, out)

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept()  # pad, slices and torch.cat: the backward needs only the sizes

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.windows import MergePatches

        return MergePatches()
