"""Each layer's and the network's figure under every FLOPs tool's convention (archcalc.kinds.terms.conventions).

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
from archcalc.kinds.terms.conventions import CONVENTIONS, NAMES, ZERO, Convention, Counts


def row_counts(row: Row, gpus: int) -> Counts:
    """One layer's figure under each convention."""
    return row.layer.counts(Site(row.input_shapes, gpus if row.placement == SPLIT else 1), row.output)


def layer_counts(analysis: Analysis) -> list[Counts]:
    """Each row's counts, once per layer (by id: rows alike share one), input shapes and GPUs (a kind's rule is pure)."""
    known: dict[tuple[object, ...], Counts] = {}
    counts = []
    for row in analysis.rows:
        key = (id(row.layer), id(row.input_shapes), row.placement == SPLIT)  # rows alike share the tuple (archcalc.analysis.alike)
        got = known.get(key)
        if got is None:
            got = known[key] = row_counts(row, analysis.gpus)
        counts.append(got)
    return counts


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
    added: tuple[tuple[str, int], ...] = ()  # beyond per_mac × the network's MACs: (kind or activation, figure), largest first
    fails_on: tuple[str, ...] = ()  # the kinds of the layers on which the tool fails

    @property
    def name(self) -> str:
        return self.convention.name


def network_counts(analysis: Analysis, breakdown: bool = True) -> tuple[ToolCount, ...]:
    """Every convention's total for the network, in the order of CONVENTIONS, with (`breakdown`) what it adds to the
    MACs, by kind."""
    per_layer = layer_counts(analysis)
    totals = total_counts(per_layer).as_dict()
    if not breakdown:
        return tuple(ToolCount(CONVENTIONS[name], totals[name]) for name in NAMES)
    parts = [_parts(row, c, analysis.gpus) for row, c in zip(analysis.rows, per_layer)]
    result = []
    for name in NAMES:
        convention = CONVENTIONS[name]
        added: dict[str, int] = {}
        fails: dict[str, None] = {}
        for row, row_parts in zip(analysis.rows, parts):
            for i, (label, counts) in enumerate(row_parts):
                value = counts.of(name)
                if value is None:
                    fails[label] = None
                    continue
                extra = value - (convention.per_mac * row.macs if i == 0 else 0)
                if extra:
                    added[label] = added.get(label, 0) + extra
        ordered = tuple(sorted(((k, v) for k, v in added.items() if v), key=lambda kv: -abs(kv[1])))
        result.append(ToolCount(convention, totals[name], ordered, tuple(fails)))
    return tuple(result)


def _parts(row: Row, counts: Counts, gpus: int) -> list[tuple[str, Counts]]:
    """A layer's counts as its own kind's and its fused activation's."""
    if row.activation is None:
        return [(row.kind, counts)]
    from archcalc.kinds import activation_kind

    act = activation_kind(row.activation).counts(Site((row.output,), gpus if row.placement == SPLIT else 1), row.output)
    own = Counts(*(None if a is None or b is None else a - b for a, b in zip(counts.values(), act.values())))
    return [(row.kind, own), (row.activation, act)]


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
    return {c.name: {"total": c.total, "unit": c.convention.unit, "rules": c.convention.rules}
            for c in network_counts(analysis, breakdown=False)}
