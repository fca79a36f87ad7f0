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
    summary: ClassVar[str] = "the index-th of `chunks` channel slices as torch cuts them (x.chunk(chunks, dim=1)[index]: ⌈C/chunks⌉ each, the last the rest)"

    chunks: PosInt
    index: NonNegIntValue = 0

    def sizing(self, *xs: Shape) -> Sizing:  # (C, ...) -> (⌈C/chunks⌉ or the rest, ...), as torch.chunk cuts
        c = xs[0][0]
        size = -(-c // self.chunks)
        made = -(-c // size)  # torch makes fewer chunks where C is small: 5 channels in 4 chunks are 2, 2 and 1
        if self.index >= made:
            also = f" (torch makes {made} chunks of {size} or less of its {c} channels)" if made != self.chunks else ""
            raise ShapeError(f"index {self.index} is past the last of {made} chunks{also}", f"an index from 0 to {made - 1}")
        return Sizing((min(size, c - self.index * size), *xs[0][1:]))

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
            raise ShapeError(f"groups={self.groups} must divide its {xs[0][0]} channels", f"a number of groups that divides {xs[0][0]}")
        return Sizing(xs[0])

    def hyper(self) -> str:
        return f"groups {self.groups}"

    def build(self, site: Site) -> nn.Module:
        from torch import nn

        return nn.ChannelShuffle(self.groups)
