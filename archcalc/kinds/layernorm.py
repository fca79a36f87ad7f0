"""layernorm, groupnorm: normalisation over the channels (at each position, or in groups of channels)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import KeepsShape, Layer, NoHyper, Site, VectorUnits, affine_figures
from archcalc.kinds.terms.conventions import Counts, norm
from archcalc.kinds.terms.fields import Field, shared_field
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.layouts import MAP, features, last_axis_layout, layout
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing
from archcalc.kinds.terms.values import Bool, PosFloat, PosInt, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class LayerNorm(KeepsShape, NoHyper, VectorUnits, Layer):
    """Over the C channels at each position of a C×H×W input (torchvision's LayerNorm2d, nn.LayerNorm(C) on a
    channels-last tensor), over the last axis of a channels-last map or a sequence (nn.LayerNorm(D): a
    transformer's), over the units of a vector."""

    kind: ClassVar[str] = "layernorm"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "norm"
    label: ClassVar[str] = "layer norm"
    summary: ClassVar[str] = "normalisation over the channels at each position (ConvNeXt), a token's values, or a vector's units"

    eps: PosFloat = 1e-5
    affine: Bool = True

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        x = keeping.inputs[0]
        if last_axis_layout(x):  # nn.LayerNorm over a sequence's or a channels-last map's last axis: a new, contiguous output
            stats = keeping.bytes(x[:-1])
            return Kept(inputs=(0,), extra=(stats, stats), contiguous=True)
        positions = x[1:] if len(x) == 3 else ()  # its mean and 1/σ: one each per position, in the input's dtype
        stats = keeping.bytes(positions)
        # the output is permuted back from channels-last: flatten can view it only where H·W = 1
        flat = len(x) != 3 or x[1] * x[2] == 1 or x[0] == 1
        return Kept(inputs=(0,), extra=(stats, stats), contiguous=flat)

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        if last_axis_layout(xs[0]):  # a weight and a bias per value of the last axis
            return affine_figures([(features(xs[0]), *xs[0][:-1])], out, self.affine)
        return affine_figures(xs, out, self.affine)

    def counts(self, site: Site, out: Shape) -> Counts:
        # C×H×W: archcalc's (and torchvision's) LayerNorm2d, a subclass of nn.LayerNorm that the hook tools do not
        # know; a vector: nn.LayerNorm itself (ptflops looks for `affine`, which nn.LayerNorm lacks: 1 per value)
        # (a sequence or a channels-last map: nn.LayerNorm over its last axis, as a vector's)
        x = site.inputs[0]
        whole = len(x) == 1 or last_axis_layout(x)
        a = 2 if self.affine else 1
        return norm(math.prod(x), features(x), self.affine, fvcore=4 + (1 if self.affine else 0),
                    thop=2 * a if whole else 0, ptflops=1 if whole else 0)

    def reads_all(self, gpus: int) -> bool:
        return True  # every channel at a position

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        from archcalc.torch_backend.modules import LayerNorm2d

        x = site.inputs[0]
        cls = LayerNorm2d if layout(x) == MAP else nn.LayerNorm
        return cls(features(x), eps=self.eps, elementwise_affine=self.affine)

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        from archcalc.torch_backend.modules import LayerNorm2d, LayerNormShare

        # over channels: each GPU normalises every map it received, keeps its own with their weights
        return LayerNormShare(module, g, G) if isinstance(module, LayerNorm2d) else None


@dataclass(frozen=True)
class GroupNorm(KeepsShape, VectorUnits, Layer):
    kind: ClassVar[str] = "groupnorm"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"groups": 2},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "norm"
    label: ClassVar[str] = "group norm"
    summary: ClassVar[str] = "normalisation over groups of channels and the whole map"

    groups: PosInt
    eps: PosFloat = 1e-5
    affine: Bool = True

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        stats = keeping.bytes((self.groups,))  # its input, and a mean and 1/σ per sample and group, in the input's dtype
        return Kept(inputs=(0,), extra=(stats, stats))

    def sizing(self, *xs: Shape) -> Sizing:
        if len(xs[0]) != 3 or xs[0][0] % self.groups:
            raise ShapeError(f"groups={self.groups} must divide the channels of a C×H×W input",
                             "a number of groups that divides the channels" if len(xs[0]) == 3 else "group norm works on a C×H×W map")
        c, h, w = xs[0]
        if c // self.groups * h * w == 1:  # torch refuses: "Expected more than 1 value per channel"
            raise ShapeError(f"each of its {self.groups} groups holds one value ({c // self.groups}×{h}×{w}), which cannot be normalised",
                             "fewer groups, or a larger map")
        return Sizing(xs[0])

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        return affine_figures(xs, out, self.affine)

    def counts(self, site: Site, out: Shape) -> Counts:
        a = 2 if self.affine else 1  # thop has no rule for nn.GroupNorm
        return norm(math.prod(site.inputs[0]), site.inputs[0][0], self.affine, fvcore=4 + (1 if self.affine else 0), thop=0, ptflops=a)

    def reads_all(self, gpus: int) -> bool:
        return self.groups % gpus != 0  # whole groups on each GPU read only their own maps

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return shared_field(ins[0], out)  # every unit is normalised by its group's mean and variance over the whole map

    def hyper(self) -> str:
        return f"groups {self.groups}"

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        return nn.GroupNorm(self.groups, site.inputs[0][0], eps=self.eps, affine=self.affine)

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        from torch import nn

        from archcalc.torch_backend.shards import rows

        assert isinstance(module, nn.GroupNorm)
        if module.num_groups % G:
            return None
        return rows(module, nn.GroupNorm(module.num_groups // G, module.num_channels // G, module.eps, module.affine), g)
