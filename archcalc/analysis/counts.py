"""Each layer's and the network's figure under every FLOPs tool's convention (archcalc.kinds.conventions).

The kinds state the rules (`counts`); this module sums them over the rows, each layer built on its Site as
the torch builder builds it (a split layer's Site has the GPUs: the AlexNet paper's LRN normalises per GPU).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archcalc.analysis import SPLIT, Analysis, Row
from archcalc.errors import ArchcalcError
from archcalc.kinds import Site
from archcalc.kinds.conventions import CONVENTIONS, NAMES, ZERO, Convention, Counts


def row_counts(row: Row, gpus: int) -> Counts:
    """One layer's figure under each convention."""
    return row.layer.counts(Site(row.input_shapes, gpus if row.placement == SPLIT else 1), row.output)


def layer_counts(analysis: Analysis) -> list[Counts]:
    return [row_counts(row, analysis.gpus) for row in analysis.rows]


def convention_totals(rows: Sequence[Row], gpus: int) -> tuple[tuple[str, int | None], ...]:
    """(convention, its total) for each convention: what a stated FLOPs or MACs figure is matched against."""
    return tuple(total_counts([row_counts(row, gpus) for row in rows]).as_dict().items())


def total_counts(per_layer: Sequence[Counts]) -> Counts:
    """The sum, per convention; None where any layer's is None (the tool fails on the network)."""
    columns = zip(*(c.values() for c in per_layer)) if per_layer else zip(*[ZERO.values()])
    return Counts(*(None if None in column else sum(column) for column in columns))


@dataclass(frozen=True)
class ToolCount:
    """What one tool prints for the network: its total (None: it fails on the network), in its unit."""

    convention: Convention
    total: int | None

    @property
    def name(self) -> str:
        return self.convention.name


def network_counts(analysis: Analysis) -> tuple[ToolCount, ...]:
    """Every convention's total for the network, in the order of CONVENTIONS."""
    totals = total_counts(layer_counts(analysis)).as_dict()
    return tuple(ToolCount(CONVENTIONS[name], totals[name]) for name in NAMES)


def counted_as(analysis: Analysis, name: str) -> Analysis:
    """The analysis with its FLOPs column (each row's and the total) as convention `name` counts them."""
    per_layer = layer_counts(analysis)
    failing = [row for row, c in zip(analysis.rows, per_layer) if c.of(name) is None]
    if failing:
        more = f" and {len(failing) - 1} more" if len(failing) > 1 else ""
        raise ArchcalcError(f"{name} prints no figure for {analysis.name}: the tool fails on layer '{failing[0].name}' "
                            f"({failing[0].kind}){more}", "`archcalc show SPEC --counts` lists what each tool prints")
    figures = [c.of(name) or 0 for c in per_layer]  # none is None here
    rows = tuple(dataclasses.replace(row, figures=dataclasses.replace(row.figures, flops=f)) for row, f in zip(analysis.rows, figures))
    totals = dataclasses.replace(analysis.totals, flops=sum(figures))
    return dataclasses.replace(analysis, rows=rows, totals=totals)


def counts_json(analysis: Analysis) -> dict[str, dict[str, Any]]:
    """`"counts"` of `show --format json`: each convention's total (null: the tool fails), unit and rules."""
    return {c.name: {"total": c.total, "unit": c.convention.unit, "rules": c.convention.rules} for c in network_counts(analysis)}
