"""crop: the centre of a map cut to the size of another (U-Net's copy and crop) or to a given size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc import text
from archcalc.kinds.base import Layer, NoWeights, Passes, PerMap, Site
from archcalc.kinds.terms.conventions import Counts
from archcalc.kinds.terms.fields import Field
from archcalc.kinds.terms.fields_other import crop_field
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing, spatial
from archcalc.kinds.terms.sizes_other import CropTerm
from archcalc.kinds.terms.values import PairOrNone, Shape

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


@dataclass(frozen=True)
class Crop(NoWeights, PerMap, Passes, Layer):
    """`inputs: [down4.relu2, up1.conv]` cuts the first to the second's H×W; `size: [h, w]` to a given size (one input).
    A total margin that is odd cannot be centred: a finding, as torchvision's center_crop rounds one side."""

    kind: ClassVar[str] = "crop"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"size": [3, 4]}, {})  # small instances its rules are proven on (tests/test_kind_proofs.py)
    category: ClassVar[str] = "reshape"
    label: ClassVar[str] = "crop"
    summary: ClassVar[str] = "the centre of its first input cut to the H×W of its second (U-Net's copy and crop), or to `size`"

    size: PairOrNone = None

    def counts(self, site: Site, out: Shape) -> Counts:
        # a slice, counted by none; but fvcore traces with torch.jit, where x.shape[-2] is a tensor that the centring
        # arithmetic of archcalc's CenterCrop cannot round: fvcore fails
        return Counts(fvcore=None)

    @property
    def arity(self) -> int:  # type: ignore[override]  # a size, or a second input to take it from
        return 1 if self.size is not None else 2

    def sized_by(self) -> tuple[int, ...]:
        return (1,) if self.arity == 2 else ()  # the second input gives its H×W only

    @property
    def arity_hint(self) -> str:
        return ("with a size it reads one input; without, two: the map to cut and one whose H×W it takes"
                if self.arity == 1 else "without a size it reads two inputs: the map to cut and one whose H×W it takes")

    def sizing(self, *xs: Shape) -> Sizing:  # (C, H, W)[, (C', h, w)] -> (C, h, w)
        c, h, w = spatial(xs[0], self.kind)
        target = self.size if self.size is not None else spatial(xs[1], self.kind)[1:]
        if target[0] > h or target[1] > w:
            raise ShapeError(f"cannot crop {h}×{w} to the larger {target[0]}×{target[1]}",
                             "a crop cuts its first input to the smaller size of its second: are the inputs the other way round?")
        th, tw = CropTerm("H", h, target[0]), CropTerm("W", w, target[1])
        return Sizing((c, th.out, tw.out), (th, tw))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return crop_field(ins[0], [t.before for t in terms], out)  # type: ignore[attr-defined]

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        # a slice of its input's storage; cut, it is no longer one block that flatten could view
        return Kept(alias=True, contiguous=keeping.inputs[0][1:] == keeping.output[1:] and keeping.is_contiguous(0))

    def hyper(self) -> str:
        return f"to {text.square(self.size)}" if self.size is not None else "to its second input's size"

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.modules import CenterCrop

        return CenterCrop(self.size)
