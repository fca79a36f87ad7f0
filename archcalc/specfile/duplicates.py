"""A spec's layer names are its own: two layers, or a layer and a use of a block, may not share one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from archcalc.errors import Location, SpecError

if TYPE_CHECKING:
    from archcalc.specfile.reader import LayerSpec


def refuse_duplicates(layers: Sequence[LayerSpec], used_at: Mapping[str, int], label: str) -> None:
    """Refuse the first name that two layers share, or a layer and a use of a block (`used_at`: its name -> its line).
    The names are checked in one step; the message is looked for only where one is shared."""
    names = [ls.name for ls in layers]
    if len(set(names)) == len(names) and used_at.keys().isdisjoint(names):
        return
    seen: dict[str, Location] = {}
    for ls in layers:
        if ls.name in seen:
            first = seen[ls.name]
            raise SpecError(ls.where, "duplicate layer name", f"first defined at {first.file}:{first.line}")
        seen[ls.name] = ls.where
        if ls.name in used_at:  # `inputs: [name]` would read the block's last layer, silently
            line = used_at[ls.name]
            if ls.where.line is not None and line > ls.where.line:  # said where the second one is
                raise SpecError(Location(label, line, ls.name), "duplicate name: a layer has it too",
                                f"first defined at {ls.where.file}:{ls.where.line}")
            raise SpecError(ls.where, "duplicate name: a use of a block has it too", f"the block is used with this name at {label}:{line}")


__all__ = ["refuse_duplicates"]
