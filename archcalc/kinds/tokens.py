"""tokens, class_token, pos_embedding, select_token: a vision transformer's sequence (torchvision's ViT).

A map becomes a sequence of N tokens of D values (``x.reshape(n, D, H·W).permute(0, 2, 1)``), a learned class
token goes in front as token 0, a learned positional embedding is added, and the head reads token 0 (``x[:, 0]``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Union

from archcalc.kinds.base import KeepsShape, Layer, NoHyper, NoWeights, Passes, PerMap, Site, Uncounted, VectorUnits
from archcalc.kinds.terms.fields import Field, same_field
from archcalc.kinds.terms.fields_tokens import token_field
from archcalc.kinds.terms.figures import Figures
from archcalc.kinds.terms.layouts import SEQUENCE, ChannelsLast, layout
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing
from archcalc.kinds.terms.sizes_tokens import ClassTokenTerm, SelectTerm, TokensTerm
from archcalc.kinds.terms.values import NonNegIntValue, Shape, Value, Where, pos_int

if TYPE_CHECKING:
    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


def _length(value: Any, where: Where, key: str) -> int | None:
    return None if value is None else pos_int(value, where, key)


Length = Annotated[Union[int, None], Value("int ≥ 1, or none", _length, lambda: {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]},
                                          lambda d: "none")]


def sequence(x: Shape, kind: str) -> tuple[int, int]:
    """(N, D), or the error that the kind needs a sequence."""
    if layout(x) != SEQUENCE:
        raise ShapeError(f"{kind} needs a sequence of tokens (N×D), got {layout(x)} {'×'.join(map(str, x))}",
                         "turn a map into tokens with `tokens` first")
    return x[0], x[1]


class NotSplit:
    """Split rule: not split across GPUs (the whole sequence, or a learned tensor over all of it, is needed)."""

    def reads_all(self, gpus: int) -> bool:
        return True

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        return None


@dataclass(frozen=True)
class Tokens(NoWeights, Uncounted, NotSplit, NoHyper, Passes, Layer):
    kind: ClassVar[str] = "tokens"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({},)  # a reshape and a permute: no tool counts them
    category: ClassVar[str] = "reshape"
    label: ClassVar[str] = "to tokens"
    summary: ClassVar[str] = "a map's H×W positions as a sequence of H·W tokens of C values (ViT after its patch embedding)"

    def sizing(self, *xs: Shape) -> Sizing:  # (C, H, W) or H×W×C -> (H·W, C)
        x = xs[0]
        if len(x) != 3:
            raise ShapeError(f"tokens needs a map (C×H×W or H×W×C), got {layout(x)} {'×'.join(map(str, x))}",
                             "a sequence is already tokens")
        (h, w, c) = x if isinstance(x, ChannelsLast) else (x[1], x[2], x[0])
        term = TokensTerm("N", h, w)
        return Sizing((term.out, c), (term,))

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(alias=True, contiguous=False)  # a reshape and a permute: a view, channels last


    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return same_field(ins[0])  # token i is map position i: its field

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.sequences import ToTokens

        return ToTokens(isinstance(site.inputs[0], ChannelsLast))


@dataclass(frozen=True)
class ClassToken(Uncounted, NotSplit, NoHyper, VectorUnits, Layer):
    kind: ClassVar[str] = "class_token"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({},)  # torch.cat: no tool counts it
    category: ClassVar[str] = "reshape"
    label: ClassVar[str] = "class token"
    summary: ClassVar[str] = "a learned token (D parameters) put before the sequence as token 0: N + 1 tokens"

    def sizing(self, *xs: Shape) -> Sizing:  # (N, D) -> (N + 1, D)
        n, d = sequence(xs[0], self.kind)
        term = ClassTokenTerm("N", n)
        return Sizing((term.out, d), (term,))

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept()  # torch.cat: its backward needs only the sizes


    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        return Figures(params=xs[0][1], activations=math.prod(out))  # one learned D-vector, no arithmetic

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return same_field(ins[0])  # the class token itself sees nothing until attention reads the rest

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.sequences import ClassToken as Module

        return Module(site.inputs[0][1])


@dataclass(frozen=True)
class PosEmbedding(KeepsShape, Uncounted, NotSplit, VectorUnits, Layer):
    """Learned for one token count: `length` (torchvision: (image_size/patch)² + 1); at another input size
    the count differs and torchvision's ViT must interpolate it (interpolate_embeddings): refused, never guessed."""

    kind: ClassVar[str] = "pos_embedding"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({},)  # an addition (x + p): no tool counts it
    category: ClassVar[str] = "reshape"
    label: ClassVar[str] = "position embedding"
    summary: ClassVar[str] = "a learned N×D tensor added to the sequence; `length` fixes N (none: the tokens it gets)"

    length: Length = None

    def sizing(self, *xs: Shape) -> Sizing:
        n, d = sequence(xs[0], self.kind)
        if self.length is not None and self.length != n:
            raise ShapeError(f"its {self.length} learned positions do not match the {n} tokens it is given: "
                             f"the embedding must be interpolated to {n} (torchvision's interpolate_embeddings), "
                             "which changes its parameters; archcalc does not guess them",
                             f"give the input size it was learned for, or set length: {n} for an embedding learned at this size")
        return Sizing(xs[0])

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept()  # x + p: its backward passes the gradient through

    def figures(self, xs: Sequence[Shape], out: Shape) -> Figures:
        # N×D learned values, added: torch counts no FLOPs for an addition; each unit reads its input and its position
        return Figures(params=math.prod(xs[0]), connections=math.prod(xs[0]), activations=math.prod(out))

    def hyper(self) -> str:
        return f"{self.length} positions" if self.length is not None else ""

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.sequences import PosEmbedding as Module

        return Module(*site.inputs[0])


@dataclass(frozen=True)
class SelectToken(NoWeights, Uncounted, PerMap, Passes, Layer):
    kind: ClassVar[str] = "select_token"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"index": 0}, {"index": 1})  # a slice
    category: ClassVar[str] = "reshape"
    label: ClassVar[str] = "select token"
    summary: ClassVar[str] = "one token of the sequence as a vector: x[:, index] (ViT's head reads the class token, 0)"

    index: NonNegIntValue = 0

    def sizing(self, *xs: Shape) -> Sizing:  # (N, D) -> (D,)
        n, d = sequence(xs[0], self.kind)
        if self.index >= n:
            raise ShapeError(f"index {self.index} is past the last of its {n} tokens", f"an index from 0 to {n - 1}")
        return Sizing((d,), (SelectTerm("N", n, self.index),))

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(alias=True, contiguous=True)  # x[:, i]: a view of one token's values


    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return token_field(ins[0], self.index, terms[0].tokens)  # type: ignore[attr-defined]

    def hyper(self) -> str:
        return f"x[:, {self.index}]"

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.sequences import SelectToken as Module

        return Module(self.index)
