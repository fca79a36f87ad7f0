"""Size rules of sequences: a map flattened to tokens, a class token put in front. Each always gives a whole
number (`divides`); the axis is 'N', the tokens, so that the searches over H and W pass them by."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from archcalc.kinds.terms.sizes import SizeTerm, WindowTerm
from archcalc.kinds.terms.sizes_other import Whole


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
