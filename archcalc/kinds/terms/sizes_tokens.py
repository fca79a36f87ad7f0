"""Size rules of sequences and windows: a map flattened to tokens, a class token put in front (each always a
whole number; the axis is 'N', the tokens, so that the searches over H and W pass them by), and a map cut
into attention windows (per axis H and W: a window that does not divide the map is padded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import ClassVar

from archcalc.kinds.terms.sizes import SizeTerm, Term, WindowTerm, fraction_text, lines
from archcalc.kinds.terms.sizes_other import Whole
from archcalc.kinds.terms.unread import Unread


@dataclass(frozen=True)
class TokensTerm(Whole):
    """A map's H×W positions become H·W tokens. Where the map came from patches (a window whose kernel is its
    stride, unpadded: ViT's patch embedding), the arithmetic starts at the image: '(224/16)² = 196 tokens'."""

    formula: ClassVar[str] = "tokens = H·W"

    axis: str
    height: int
    width: int
    patches: tuple[WindowTerm, WindowTerm] | None = None  # the patch embedding's terms (H, W), where known

    @property
    def out(self) -> int:  # type: ignore[override]
        return self.height * self.width

    def expression(self) -> str:
        if self.patches is None:
            return f"{self.height}²" if self.height == self.width else f"{self.height}·{self.width}"
        sides = [f"{t.size}/{t.kernel}" if t.divides else f"⌊{t.size}/{t.kernel}⌋" for t in self.patches]
        return f"({sides[0]})²" if sides[0] == sides[1] else f"({sides[0]})·({sides[1]})"

    def text(self) -> str:
        return f"{self.expression()} = {self.out} tokens"

    def after(self, inputs: Sequence[SizeTerm]) -> TokensTerm:
        """This term, seeing the size terms of the layer it reads: patches named where they are patches."""
        windows = [t for t in inputs if isinstance(t, WindowTerm)]
        if len(windows) == 2 and all(t.kernel == t.stride and t.pad_before == t.pad_after == 0 and t.dilation == 1 for t in windows):
            return replace(self, patches=(windows[0], windows[1]))
        return self


@dataclass(frozen=True)
class ClassTokenTerm(Whole):
    """A learned class token put before the N tokens: N + 1."""

    formula: ClassVar[str] = "N + 1 class token"

    axis: str
    size: int

    @property
    def out(self) -> int:  # type: ignore[override]
        return self.size + 1

    def expression(self) -> str:
        return f"{self.size} + 1 class token"


@dataclass(frozen=True)
class WindowPartitionTerm(Term):
    """One axis of a map cut into windows of `window` (Swin's window attention): size/window windows. A window that
    does not divide the map is no error: torchvision's Swin pads the map with zeros to the next multiple, attends
    over the padded windows (their cost counts) and cuts the padding off after; the output keeps the input's size."""

    formula: ClassVar[str] = "windows = W/window"

    axis: str
    size: int
    window: int

    @property
    def out(self) -> int:
        return self.size  # the output keeps the size; the arithmetic is the windows'

    @property
    def windows(self) -> int:
        return -(-self.size // self.window)

    @property
    def padding(self) -> int:
        return self.windows * self.window - self.size

    @property
    def period(self) -> int:
        return self.window

    @property
    def downsampling(self) -> int:
        return 1

    @property
    def exact(self) -> Fraction:
        return Fraction(self.size, self.window)

    @property
    def divides(self) -> bool:
        return self.padding == 0

    def expression(self) -> str:
        return f"{self.size}/{self.window}"

    def value(self) -> str:
        return fraction_text(self.exact)

    def text(self) -> str:
        result = f"{self.expression()} = {self.value()} windows"
        return result if self.divides else f"{result} → {self.windows}, padded by {self.padding}"

    def left_unread(self) -> Unread:
        return Unread("padded")

    def consequence(self) -> str:
        return (f"torchvision's Swin pads the map by {lines(self.axis, self.padding)} of zeros to {self.size + self.padding} "
                f"({self.windows} windows of {self.window}), attends over the padded windows (their FLOPs count) and cuts the padding off")


@dataclass(frozen=True)
class SelectTerm(Whole):
    """One token of N read as a vector: 'token 0 of 197' (its field needs to know N: a class token shifts the positions)."""

    formula: ClassVar[str] = "token i of N"

    axis: str
    tokens: int
    index: int

    @property
    def out(self) -> int:  # type: ignore[override]
        return 1

    def expression(self) -> str:
        return f"token {self.index} of {self.tokens}"

    def text(self) -> str:
        return self.expression()
