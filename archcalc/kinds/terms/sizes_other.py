"""Size rules that enlarge a map (a transposed window, a whole factor) or cut it (a crop): each term
shows its own arithmetic and says whether it divides, as the forward window's does (sizes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.terms.sizes import ShapeError, Term, fraction_text, lines
from archcalc.kinds.terms.unread import Unread


class Whole(Term):
    """What a size rule that always gives a whole number (it enlarges its input) says of itself;
    the term gives `out` and `expression()`."""

    out: int
    if TYPE_CHECKING:
        def expression(self) -> str: ...

    @property
    def exact(self) -> Fraction:
        return Fraction(self.out)

    @property
    def divides(self) -> bool:
        return True

    @property
    def period(self) -> int:
        return 1

    @property
    def downsampling(self) -> int:
        return 1

    def value(self) -> str:
        return str(self.out)

    def text(self) -> str:
        return f"{self.expression()} = {self.out}"

    def consequence(self) -> str:
        return "it always divides"


@dataclass(frozen=True)
class TransposedTerm(Whole):
    """One spatial axis of a transposed window: out = (W − 1)·S − 2P + D·(K − 1) + output_padding + 1.
    Always a whole number: it enlarges its input."""

    formula: ClassVar[str] = "(W − 1)·S − 2P + D·(K − 1) + OP + 1"

    axis: str
    size: int
    kernel: int
    stride: int
    padding: int
    dilation: int
    output_padding: int
    out: int

    def expression(self) -> str:
        """'(7 − 1)·2 − 2·1 + 1·(4 − 1) + 0 + 1'."""
        return f"({self.size} − 1)·{self.stride} − 2·{self.padding} + {self.dilation}·({self.kernel} − 1) + {self.output_padding} + 1"



def transposed(axis: str, size: int, kernel: int, stride: int, padding: int, dilation: int, output_padding: int) -> TransposedTerm:
    """The output size along one axis of torch's ConvTranspose2d."""
    if output_padding >= stride and output_padding >= dilation:
        raise ShapeError(f"output_padding {output_padding} must be smaller than the stride {stride} or the dilation {dilation} (as torch requires)")
    out = (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ShapeError(f"the output along {axis} would be {out}: padding {padding} takes more than the window adds")
    return TransposedTerm(axis, size, kernel, stride, padding, dilation, output_padding, out)


@dataclass(frozen=True)
class ScaleTerm(Whole):
    """One spatial axis enlarged by a whole factor (upsampling, pixel shuffle): out = W·s."""

    formula: ClassVar[str] = "W·s"

    axis: str
    size: int
    scale: int
    out: int

    def expression(self) -> str:
        return f"{self.size}·{self.scale}"



@dataclass(frozen=True)
class CropTerm(Term):
    """One spatial axis cut to `target` about its centre: the margin (W − w)/2 on each side. An odd total
    margin does not divide: torchvision's center_crop then cuts round(margin) before and the rest after."""

    formula: ClassVar[str] = "margin (W − w)/2"

    axis: str
    size: int
    target: int

    @property
    def out(self) -> int:
        return self.target

    @property
    def period(self) -> int:
        return 2  # the margin halves: an odd one rounds

    @property
    def downsampling(self) -> int:
        return 1

    @property
    def before(self) -> int:
        # torchvision.transforms.functional.center_crop: int(round(margin / 2.0)), half to even, in integers
        half, odd = divmod(self.size - self.target, 2)
        return half + (odd and half % 2)

    @property
    def exact(self) -> Fraction:
        return Fraction(self.size - self.target, 2)

    @property
    def divides(self) -> bool:
        return (self.size - self.target) % 2 == 0

    def expression(self) -> str:
        return f"({self.size} − {self.target})/2"

    def value(self) -> str:
        return fraction_text(self.exact)

    def text(self) -> str:
        result = f"margin {self.expression()} = {self.value()}"
        return result if self.divides else f"{result} → {self.before} before, {self.size - self.target - self.before} after"

    def left_unread(self) -> Unread:
        return Unread("crop")

    def consequence(self) -> str:
        after = self.size - self.target - self.before
        return (f"the crop is off centre: {lines(self.axis, self.before)} cut before and {lines(self.axis, after)} after "
                f"(torchvision's center_crop rounds)")
