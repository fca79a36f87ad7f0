"""Who reads what, by position: each row's inputs as the positions of the rows that made them, and each output's
last reader. The memory walks (archcalc.analysis.kept, training, memory) look these up for every layer; by
position they are lists, not dicts of 100,000 names (benchmarks/README.md, "Large specs"). The network input's
position is len(rows), after the rows'."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archcalc.analysis.graph import INPUT

if TYPE_CHECKING:
    from archcalc.analysis import Row


@dataclass(frozen=True)
class Reads:
    inputs: tuple[tuple[int, ...], ...]  # each row's inputs, in its order, by position; the network input is len(rows)
    last: tuple[int, ...]  # each position's last reader (the rows', then the network input's); len(rows) where none reads it

    @property
    def network_input(self) -> int:
        return len(self.inputs)


def reads(rows: Sequence[Row]) -> Reads:
    """The rows' reads, in graph order (a row reads only rows before it)."""
    n = len(rows)
    position = {r.name: i for i, r in enumerate(rows)}
    position[INPUT] = n
    inputs = tuple([(position[r.inputs[0]],) if len(r.inputs) == 1 else tuple([position[x] for x in r.inputs]) for r in rows])
    last = [n] * (n + 1)
    for i, xs in enumerate(inputs):
        for x in xs:
            last[x] = i  # graph order: the last assignment is the last reader
    return Reads(inputs, tuple(last))


__all__ = ["Reads", "reads"]
