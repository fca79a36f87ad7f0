"""chunk, channel_shuffle: ShuffleNetV2's channel split and shuffle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from archcalc.kinds.base import KeepsShape, Layer, NoWeights, Passes, Site, Uncounted, VectorUnits
from archcalc.kinds.terms.fields import Field, same_field
from archcalc.kinds.terms.sizes import ShapeError, SizeTerm, Sizing
from archcalc.kinds.terms.values import NonNegIntValue, PosInt, Shape

if TYPE_CHECKING:
    from collections.abc import Sequence

    from torch import nn

    from archcalc.kinds.terms.kept import Keeping, Kept


class Regroups(NoWeights, Uncounted, VectorUnits, Layer):
    """Moves maps between positions in the channel order: split across GPUs, it needs the others' maps."""

    category: ClassVar[str] = "reshape"

    def reads_all(self, gpus: int) -> bool:
        return True

    def shard(self, module: nn.Module, g: int, G: int) -> nn.Module | None:
        return None  # the towers compute it whole and keep their share


@dataclass(frozen=True)
class Chunk(Passes, Regroups):
    kind: ClassVar[str] = "chunk"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"chunks": 2, "index": 1},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    label: ClassVar[str] = "chunk"
    summary: ClassVar[str] = "the index-th of `chunks` equal channel slices (x.chunk(chunks, dim=1)[index])"

    chunks: PosInt
    index: NonNegIntValue = 0

    def sizing(self, *xs: Shape) -> Sizing:  # (C, ...) -> (C/chunks, ...)
        c = xs[0][0]
        if c % self.chunks:
            raise ShapeError(f"chunks={self.chunks} must divide its {c} channels")
        if self.index >= self.chunks:
            raise ShapeError(f"index {self.index} is past the last of {self.chunks} chunks (they count from 0)")
        return Sizing((c // self.chunks, *xs[0][1:]))

    def field(self, ins: Sequence[Field], out: Shape, terms: tuple[SizeTerm, ...]) -> Field:
        return same_field(ins[0])

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept(alias=True)  # a view of its input's channels

    def hyper(self) -> str:
        return f"{self.index} of {self.chunks}"

    def build(self, site: Site) -> nn.Module:
        from archcalc.torch_backend.modules import Chunk as Module

        return Module(self.chunks, self.index)


@dataclass(frozen=True)
class ChannelShuffle(KeepsShape, Regroups):
    kind: ClassVar[str] = "channel_shuffle"
    examples: ClassVar[tuple[dict[str, object], ...]] = ({"groups": 2},)  # small instances its rules are proven on (tests/test_kind_proofs.py)
    label: ClassVar[str] = "channel shuffle"
    summary: ClassVar[str] = "the maps reordered across `groups`, as ShuffleNet shuffles them; the same shape"

    groups: PosInt

    def kept(self, keeping: Keeping) -> Kept:
        from archcalc.kinds.terms.kept import Kept

        return Kept()  # a copy in a new order: its backward needs only the groups

    def sizing(self, *xs: Shape) -> Sizing:
        if xs[0][0] % self.groups:
            raise ShapeError(f"groups={self.groups} must divide its {xs[0][0]} channels")
        return Sizing(xs[0])

    def hyper(self) -> str:
        return f"groups {self.groups}"

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        return nn.ChannelShuffle(self.groups)
