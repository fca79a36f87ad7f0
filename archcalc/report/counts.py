"""The counts table: what each FLOPs tool prints for a network, in its unit, and why it differs from torch's."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.table import Table

from archcalc.analysis import Analysis
from archcalc.analysis.counts import network_counts
from archcalc.kinds.terms.conventions import FAILS
from archcalc.report.show import literal, whole
from archcalc.text import counted_here, human, n


def figure_text(total: int | None) -> str:
    return FAILS if total is None else n(total)


def counts_table(a: Analysis) -> Table:
    """One line per convention: its figure (exact, then humanised), unit, and how it differs from `torch`."""
    table = Table(title=f"{a.name}: counted as each tool counts", box=box.SIMPLE_HEAD, title_justify="left")
    for title, right in (("tool", False), ("figure", True), ("", True), ("unit", False), ("here", False), ("how it counts, beside torch", False)):
        table.add_column(title, justify="right" if right else "left")
    for c in network_counts(a):
        table.add_row(c.name, figure_text(c.total), "" if c.total is None else human(c.total), c.convention.unit,
                      counted_here(c.convention.per_mac, c.added, c.fails_on), c.convention.differs)
    return whole(table)


def compare_counts_table(networks: Sequence[Analysis]) -> Table:
    """Networks side by side, one line per convention."""
    table = Table(title="counted as each tool counts", box=box.SIMPLE_HEAD)
    table.add_column("tool")
    table.add_column("unit")
    for a in networks:
        table.add_column(literal(a.name), justify="right")
    per_network = [network_counts(a) for a in networks]
    for i, c in enumerate(per_network[0]):
        table.add_row(c.name, c.convention.unit, *[figure_text(counts[i].total) for counts in per_network])
    return whole(table)
