"""permute: a map between channels-first and channels-last (torchvision's Permute([0, 2, 3, 1]) and back)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, ClassVar

from archcalc.kinds.base import Layer, NoWeights, Passes, PerMap, Site, Uncounted
from archcalc.kinds.terms.fields import Field, same_field
from archcalc.kinds.terms.layouts import MAP, MAP_LAST, ChannelsLast, layout
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing
from archcalc.kinds.terms.values import Shape, Value, choice

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept

TO = ("channels_last", "channels_first")
Target = Annotated[str, Value("channels_last or channels_first", choice(lambda: TO, optional=False), lambda: {"enum": list(TO)})]


@dataclass(frozen=True)
class Permute(NoWeights, Uncounted, PerMap, Passes, Layer):
    kind: ClassVar[str] = "permute"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({},)  # a view: no tool counts it
    category: ClassVar[str] = "reshape"
    label: ClassVar[str] = "permute"
    summary: ClassVar[str] = "a map to channels-last (C×H×W → H×W×C) or back to channels-first: the same values, laid out anew"

    to: Target = "channels_last"

    def sizing(self, *xs: Shape) -> Sizing:
        x, wanted = xs[0], (MAP if self.to == "channels_last" else MAP_LAST)
        if layout(x) != wanted:
            raise ShapeError(f"permute to {self.to.replace('_', ' ')} needs a {wanted} map, got {layout(x)} {'×'.join(map(str, x))}",
                             "it is already laid out that way" if len(x) == 3 else "only a map has channels to move")
        return Sizing(ChannelsLast((x[1], x[2], x[0])) if self.to == "channels_last" else (x[2], x[0], x[1]))

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(alias=True, contiguous=False)  # a view with its axes reordered

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return same_field(ins[0])

    def hyper(self) -> str:
        return "to H×W×C" if self.to == "channels_last" else "to C×H×W"

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.sequences import Permute as Module

        return Module((0, 2, 3, 1) if self.to == "channels_last" else (0, 3, 1, 2))
