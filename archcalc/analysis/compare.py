"""Networks side by side, stage by stage, as textbooks compare LeNet and AlexNet.

A stage is a layer that does the network's work (a conv, a pool, a dense layer, a merge), with
the layers that only follow it (activation, normalisation, dropout, flatten) folded into it.
Sequences of stages are aligned by kind, so that conv meets conv and pool meets pool; a network
with more stages shows gaps in the others. Each network is aligned to the first (`align`), so a
pair stays as `compare FIRST X` shows it whatever else is compared. Pure: plain data in, plain data out.
"""

from __future__ import annotations

from dataclasses import dataclass

from archcalc.analysis import TOTALS, Analysis, Row
from archcalc.analysis.kept import kept
from archcalc.text import dims


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
        if row.layer.stage or not result:  # the kind says whether it begins a stage
            result.append(Stage(row.category, row, ()))
        else:
            last = result[-1]
            result[-1] = Stage(last.category, last.row, last.followers + (row,))
    return result


def _alike(x: Stage, y: Stage) -> bool:
    """Stages of one kind: the same category, and a dense-like layer on vectors only beside another on vectors
    (a linear layer on tokens or a channels-last map is no classifier)."""
    return x.category == y.category and (x.category != "dense" or (len(x.row.output) == 1) == (len(y.row.output) == 1))


MAX_ALIGN_CELLS = 4_000_000  # past this, stages are paired by position (archcalc.limits lists it)


def align(a: list[Stage], b: list[Stage]) -> list[tuple[int | None, int | None]]:
    """Two sequences of stages aligned by kind, in order: (i, j) pairs a[i] with b[j]; (i, None) and
    (None, j) are stages the other network has nothing beside.

    The alignment pairs the most stages of equal kind (a longest common subsequence of their kinds);
    among those, the most pairs of equal output shape (a classifier beside a classifier); among those,
    the earliest pairs. Between two pairs, a stage with maps (C×H×W) comes before one with a vector,
    then a's before b's: a network's convolutions never land after the other's dense layers.
    """
    n, m = len(a), len(b)
    if n * m > MAX_ALIGN_CELLS:  # the table below grows as n·m: two networks of 100,000 stages would need 10^10 cells
        return [(i if i < n else None, i if i < m else None) for i in range(max(n, m))]
    pair = min(n, m) + 1  # one pair of equal kind outweighs every equal shape there can be
    best = [[0] * (m + 1) for _ in range(n + 1)]  # best[i][j]: the score of aligning a[i:] with b[j:]
    for i in range(n - 1, -1, -1):
        row, below = best[i], best[i + 1]
        for j in range(m - 1, -1, -1):
            score = max(below[j], row[j + 1])
            if _alike(a[i], b[j]):
                score = max(score, below[j + 1] + pair + (a[i].row.output == b[j].row.output))
            row[j] = score
    pairs: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < n or j < m:
        if (i < n and j < m and _alike(a[i], b[j])
                and best[i][j] == best[i + 1][j + 1] + pair + (a[i].row.output == b[j].row.output)):
            pairs.append((i, j))
            i, j = i + 1, j + 1
            continue
        skip_a = i < n and best[i][j] == best[i + 1][j]
        skip_b = j < m and best[i][j] == best[i][j + 1]
        if skip_a and skip_b and len(a[i].row.output) < len(b[j].row.output):
            skip_a = False  # b's maps before a's vector
        if skip_a:
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    return pairs


def _beside(groups: list[list[Stage]]) -> list[list[Stage | None]]:
    """Stages of several networks that fall between the same two stages of the first: those of equal
    kind side by side (each list aligned to the lines so far, by the first stage of each line)."""
    lines: list[list[Stage | None]] = []
    for k, group in enumerate(groups):
        firsts = [next(s for s in line if s is not None) for line in lines]
        merged: list[list[Stage | None]] = []
        for i, j in align(firsts, group):
            line: list[Stage | None] = lines[i] if i is not None else [None] * k
            merged.append([*line, group[j] if j is not None else None])
        lines = merged
    return lines


def compare(analyses: list[Analysis]) -> Comparison:
    """Every network aligned to the first (`align`), as `compare FIRST X` aligns the two: adding or
    removing a network never changes how another is paired with the first. A stage that nothing of
    the first network matches stays between the same two stages of the first as in that two-way
    comparison; such stages of the other networks share lines by kind (`_beside`)."""
    first = stages(analyses[0])
    beside: list[list[Stage | None]] = [[None] * len(first) for _ in analyses[1:]]  # [network][stage of the first]
    between: list[list[list[Stage]]] = [[[] for _ in range(len(first) + 1)] for _ in analyses[1:]]  # [network][gap][stages]
    for k, a in enumerate(analyses[1:]):
        seq, gap = stages(a), 0
        for i, j in align(first, seq):
            if i is not None:
                beside[k][i] = seq[j] if j is not None else None
                gap = i + 1
            elif j is not None:
                between[k][gap].append(seq[j])
    lines: list[tuple[Stage | None, ...]] = []
    for gap in range(len(first) + 1):
        lines += [(None, *line) for line in _beside([between[k][gap] for k in range(len(beside))])]
        if gap < len(first):
            lines.append((first[gap], *(column[gap] for column in beside)))
    return Comparison(tuple(analyses), tuple(lines))


def depth(a: Analysis) -> dict[str, int]:
    """Layers by kind: conv, pool, dense, and the conv and dense layers together (the papers' depth)."""
    return {
        "conv": sum(r.category == "conv" for r in a.rows),
        "pool": sum(r.category == "pool" for r in a.rows),
        "dense": sum(r.category == "dense" for r in a.rows),
        "weighted": sum(r.category in ("conv", "dense") for r in a.rows),
        "layers": len(a.rows),
    }


TITLES = {"conv": "conv layers", "pool": "pool layers", "dense": "dense layers", "weighted": "conv and dense layers",
          "layers": "layers in all", "params": "params", "frozen_params": "frozen params", "macs": "MACs", "flops": "FLOPs",
          "connections": "connections", "activations": "activations", "neurons": "neurons",
          "kept_bytes": "kept for backward (B)"}  # at show's defaults, batch 1 and float32


def figures(c: Comparison) -> list[tuple[str, list[int]]]:
    """(key, one number per network): the layer counts by kind, then the totals (frozen params where any network has them)."""
    depths = [depth(a) for a in c.networks]
    rows: list[tuple[str, list[int]]] = [(key, [d[key] for d in depths]) for key in ("conv", "pool", "dense", "weighted", "layers")]
    for key in TOTALS:
        if key != "frozen_params" or any(a.totals.frozen_params for a in c.networks):
            rows.append((key, [getattr(a.totals, key) for a in c.networks]))
    rows.append(("kept_bytes", [kept(a.rows, 1, 4).total_bytes for a in c.networks]))  # what torch keeps in training (archcalc.analysis.kept)
    return rows


def summary(c: Comparison) -> list[tuple[str, list[int | str]]]:
    """(figure as the tables title it, one value per network): the input's shape, then `figures`; numbers stay
    numbers so ratios can be taken."""
    rows: list[tuple[str, list[int | str]]] = [("input", [dims(a.input) for a in c.networks])]
    return rows + [(TITLES[key], list(values)) for key, values in figures(c)]
