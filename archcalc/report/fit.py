"""Which of a table's columns a terminal of a given width shows, and how wide each is.

Columns are taken in order of priority while they fit (a table's own order unless it was `ranked`:
show's layer table puts the name, type, output, the size arithmetic, params and FLOPs first; the
receptive field, connections, activations and MACs where there is room). Text columns wrap between
words, down to their longest word; a figure is never narrowed. The size arithmetic, where it does not
fit beside the figures, goes on a line of its own under each row rather than out of the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from rich.table import Table

from archcalc.report.layout import Grid, width_of

UNDER = "arithmetic"  # the one column that moves under its row instead of leaving the table
LAYER_COLUMNS = ("name", "type", "output", "params", "flops", "arithmetic", "frozen_params", "hyper", "field",
                 "connections", "activations", "macs")  # show's layer table, first to last given room: the arithmetic
# beside the figures where it fits with them, else under its row (its keys are what --columns picks from)
PRIORITY = ("name", "type", "runs_on", "output", "params", "flops", "receives", *LAYER_COLUMNS[5:])  # the GPU table's columns
# (runs_on, receives) by the same priority, each figure for every GPU before the next, so that a narrow terminal still
# shows how the work divides

_KEYS: WeakKeyDictionary[Table, tuple[tuple[str, ...], bool]] = WeakKeyDictionary()


def ranked(table: Table, keys: Sequence[str], pickable: bool = False) -> Table:
    """Name the table's columns (one key each, in its order) so that they are chosen by PRIORITY
    (a key not there: after them, in the table's order); `pickable`: the table `--columns` picks from."""
    _KEYS[table] = (tuple(keys), pickable)
    return table


def keys_of(table: Table) -> tuple[str, ...] | None:
    found = _KEYS.get(table)
    return found[0] if found else None


def pickable(table: Table) -> bool:
    found = _KEYS.get(table)
    return bool(found and found[1])


@dataclass(frozen=True)
class Fit:
    keep: list[int]  # the columns shown, in the table's order
    widths: list[int]  # their widths
    under: int | None  # the column written under each row, if any
    left_out: list[str]  # the headers of the columns not shown


def fit(g: Grid, width: int | None, wanted: Sequence[str] | None = None) -> Fit:
    """The columns of `g` that fit `width` (None: every column at its widest), or those `wanted` by key."""
    n = len(g.widest)
    keys = keys_of(g.table)
    if wanted is not None and keys is not None and pickable(g.table):
        chosen = [i for i in range(n) if i == 0 or keys[i] in wanted]
        under = None
    elif width is None:
        return Fit(list(range(n)), list(g.widest), None, [])
    else:
        order = sorted(range(n), key=lambda i: (PRIORITY.index(keys[i]) if keys[i] in PRIORITY else len(PRIORITY), i)) \
            if keys is not None else list(range(n))
        chosen, under = [], None

        def least(j: int) -> int:  # a column's narrowest: the arithmetic beside the others is never narrowed (_shared)
            return g.widest[j] if keys is not None and keys[j] == UNDER else g.shortest[j]

        for i in order:
            if not chosen or width_of([least(j) for j in (*chosen, i)]) <= width:
                chosen.append(i)
            elif keys is not None and keys[i] == UNDER:  # beside the others at its widest, else under its row
                under = i
        chosen.sort()
    widths = _shared(g, chosen, width)
    shown = {*chosen, *([under] if under is not None else [])}
    left_out = [" ".join(header_text(g, i).split()) for i in range(n) if i not in shown]
    return Fit(chosen, widths, under, left_out)


def _shared(g: Grid, chosen: list[int], width: int | None) -> list[int]:
    """The chosen columns' widths: every column at its widest where that fits, else the wrapping columns cut to one
    cap (the widest of them narrowed first, as rich does), none below its longest word."""
    widest = [g.widest[i] for i in chosen]
    if width is None or width_of(widest) <= width:
        return widest
    wraps = g.wraps

    keys = keys_of(g.table) or ()

    def capped(cap: int) -> list[int]:
        return [max(g.shortest[i], min(g.widest[i], cap)) if wraps[i] and keys[i:i + 1] != (UNDER,) else g.widest[i] for i in chosen]

    low, high = 1, max(widest)
    while low < high:  # the largest cap that fits
        mid = (low + high + 1) // 2
        low, high = (mid, high) if width_of(capped(mid)) <= width else (low, mid - 1)
    return capped(low)


def header_text(g: Grid, i: int) -> str:
    return g.cells[0][i][0]


def left_out_line(f: Fit, width: int, columns_option: bool) -> str:
    """One line saying which columns were left out, and how to see them."""
    how = "every column: --wide" + (f"; some: --columns {','.join(LAYER_COLUMNS[:3])},params,..." if columns_option else "")
    return f"{len(f.left_out)} columns left out to fit {width} columns: {', '.join(f.left_out)} ({how})"
