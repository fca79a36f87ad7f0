"""Networks side by side, stage by stage, as textbooks compare LeNet and AlexNet.

A stage is a layer that does the network's work (a conv, a pool, a dense layer, a merge), with
the layers that only follow it (activation, normalisation, dropout, flatten) folded into it.
Sequences of stages are aligned by kind, so that conv meets conv and pool meets pool; a network
with more stages shows gaps in the others. Pure: plain data in, plain data out.
"""

from __future__ import annotations

from dataclasses import dataclass

from archcalc.analysis import Analysis, Row
from archcalc.serialize import TOTALS
from archcalc.text import dims

STAGE_CATEGORIES = ("conv", "pool", "dense", "merge")


@dataclass(frozen=True)
class Stage:
    category: str
    row: Row
    followers: tuple[Row, ...]  # activation, normalisation, dropout ... after it


@dataclass(frozen=True)
class Comparison:
    networks: tuple[Analysis, ...]
    stages: tuple[tuple[Stage | None, ...], ...]  # one line per aligned stage, one cell per network


def stages(a: Analysis) -> list[Stage]:
    result: list[Stage] = []
    for row in a.rows:
        if row.category in STAGE_CATEGORIES or not result:
            result.append(Stage(row.category, row, ()))
        else:
            last = result[-1]
            result[-1] = Stage(last.category, last.row, last.followers + (row,))
    return result


MAX_ALIGN_CELLS = 4_000_000  # past this, stages are paired by position (archcalc.limits lists it)


def _align(columns: list[str], seq: list[Stage]) -> list[tuple[int | None, int | None]]:
    """Most matches of equal kind between the columns so far and a new sequence; ties match early."""
    n, m = len(columns), len(seq)
    if n * m > MAX_ALIGN_CELLS:  # the table below grows as n·m: two networks of 100,000 stages would need 10^10 cells
        return [(i if i < n else None, i if i < m else None) for i in range(max(n, m))]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            match = best[i + 1][j + 1] + 1 if columns[i] == seq[j].category else -1
            best[i][j] = max(match, best[i + 1][j], best[i][j + 1])
    pairs: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < n or j < m:
        if i < n and j < m and columns[i] == seq[j].category and best[i][j] == best[i + 1][j + 1] + 1:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif i < n and (j == m or best[i][j] == best[i + 1][j]):
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    return pairs


def compare(analyses: list[Analysis]) -> Comparison:
    lines: list[list[Stage | None]] = [[s] for s in stages(analyses[0])]
    for k, a in enumerate(analyses[1:], start=1):
        columns = [next(c for c in line if c is not None).category for line in lines]
        seq = stages(a)
        merged: list[list[Stage | None]] = []
        for i, j in _align(columns, seq):
            line: list[Stage | None] = lines[i] if i is not None else [None] * k
            merged.append(line + [seq[j] if j is not None else None])
        lines = merged
    return Comparison(tuple(analyses), tuple(tuple(line) for line in lines))


def depth(a: Analysis) -> dict[str, int]:
    """Layers by kind: conv, pool, dense, and the conv and dense layers together (the papers' depth)."""
    return {
        "conv": sum(r.category == "conv" for r in a.rows),
        "pool": sum(r.category == "pool" for r in a.rows),
        "dense": sum(r.category == "dense" for r in a.rows),
        "weighted": sum(r.category in ("conv", "dense") for r in a.rows),
        "layers": len(a.rows),
    }


def summary(c: Comparison) -> list[tuple[str, list[int | str]]]:
    """(figure, one value per network); numbers stay numbers so ratios can be taken."""
    figures: list[tuple[str, list[int | str]]] = [("input", [dims(a.input) for a in c.networks])]
    depths = [depth(a) for a in c.networks]
    for key, title in (("conv", "conv layers"), ("pool", "pool layers"), ("dense", "dense layers"),
                       ("weighted", "conv and dense layers"), ("layers", "layers in all")):
        figures.append((title, [d[key] for d in depths]))
    for key in TOTALS:
        if key != "frozen_params" or any(a.totals.frozen_params for a in c.networks):
            figures.append((key if key != "macs" else "MACs", [getattr(a.totals, key) for a in c.networks]))
    return [(t.replace("flops", "FLOPs"), v) for t, v in figures]
