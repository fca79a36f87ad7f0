"""Skip connections in the volumes figure (pure): arcs over the volumes, as PlotNeuralNet's figures draw them.

A stage that also reads an earlier one (volumes.Stage.skips) gets an arc from the earlier volume's
top to its own, over the volumes between; a folded block with a residual sum inside gets one from
the volume before it over itself. Arcs that hold others are drawn higher (one ARC_STEP per arc
nested inside), so none crosses another's peak; each ends in an arrowhead, and a block's own is
marked '+'. An arc whose ends lie in different rows of a wrapped figure is a note over its target
('+ from down4') instead of a line across the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from archcalc.diagram.scene import Item, Line, Point, Polygon, Text
from archcalc.diagram.volumes import Stage

ARC_STEP = 12.0
ARC = "#2c7fb8"
SEGMENTS = 24  # straight pieces an arc is drawn in
NOTE = "arcs above the volumes: skip connections, a later layer also reading an earlier one (a residual sum, a copy and crop)"


def pairs(stages: Sequence[Stage]) -> list[tuple[int, int]]:
    """(from, to) per arc; a block's own skip runs from the volume before it."""
    return [(i - 1 if s == i else s, i) for i, stage in enumerate(stages) for s in stage.skips if i > 0]


def levels(arcs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """1 for an arc holding no other; one more per level of arcs nested inside it."""
    out: dict[tuple[int, int], int] = {}
    for arc in sorted(set(arcs), key=lambda p: p[1] - p[0]):
        inside = [out[o] for o in out if o != arc and arc[0] <= o[0] and o[1] <= arc[1]]
        out[arc] = 1 + max(inside, default=0)
    return out


def room(stages: Sequence[Stage], band_of: Sequence[int]) -> float:
    """The height the arcs need above a row's kernel labels (0 without arcs)."""
    within = [p for p in pairs(stages) if band_of[p[0]] == band_of[p[1]]]
    across = len(within) < len(pairs(stages))
    if not within:
        return 14.0 if across else 0.0
    return 12.0 + ARC_STEP * max(levels(within).values())


def arcs(stages: Sequence[Stage], tops: Sequence[Point], band_of: Sequence[int], ceiling: Callable[[int], float],
         size: float = 9.0) -> list[Item]:
    """The arcs; `tops`: per stage, the middle of its volume's top face; `ceiling(band)`: the y the lowest arc peaks at;
    `size`: its notes' text (a slide's: as large as its labels)."""
    every = pairs(stages)
    within = [p for p in every if band_of[p[0]] == band_of[p[1]]]
    level = levels(within)
    out: list[Item] = []
    for s, d in every:
        end = tops[d]
        if (s, d) not in level:  # across rows: a note just over the target, with an arrowhead into it; ending at the
            # target where an arc leaves it to the right and the row has room on its left (its '+' would be under the note)
            note = Text((end[0], end[1] - 12), f"{'+ ' if stages[d].sums else ''}from {stages[s].label}", size, fill=ARC, halo=True)
            leaves = any(a == d and band_of[b] == band_of[d] for a, b in every)
            if leaves and note.box[1] - note.box[0] <= end[0] - 6:
                note = Text((end[0] - 6, end[1] - 12), note.text, size, anchor="end", fill=ARC, halo=True)
            out.append(note)
            out.append(Polygon(((end[0] - 4, end[1] - 8), (end[0] + 4, end[1] - 8), end), ARC, ARC, 0.5))
            continue
        start = tops[s]
        peak = ceiling(band_of[d]) - (level[s, d] - 1) * ARC_STEP
        out += _curve(start, end, peak)
        if stages[d].category == "block" and d in stages[d].skips and s == d - 1:
            out.append(Text(((start[0] + end[0]) / 2, peak - 3), "+", size + 2, bold=True, fill=ARC, halo=True))
    return out


def _curve(start: Point, end: Point, peak: float) -> list[Item]:
    """A cubic arc from `start` up to `peak` and down to `end`, as straight pieces, with an arrowhead at `end`."""
    lift = [start[1] + (peak - start[1]) * 4 / 3, end[1] + (peak - end[1]) * 4 / 3]
    ctrl = ((start[0], lift[0]), (end[0], lift[1]))

    def at(t: float) -> Point:
        u = 1 - t
        x = u ** 3 * start[0] + 3 * u * u * t * ctrl[0][0] + 3 * u * t * t * ctrl[1][0] + t ** 3 * end[0]
        y = u ** 3 * start[1] + 3 * u * u * t * ctrl[0][1] + 3 * u * t * t * ctrl[1][1] + t ** 3 * end[1]
        return x, y

    points = [at(k / SEGMENTS) for k in range(SEGMENTS + 1)]
    out: list[Item] = [Line(a, b, ARC, 1.4) for a, b in zip(points, points[1:])]
    x, y = end
    out.append(Polygon(((x - 4, y - 8), (x + 4, y - 8), (x, y)), ARC, ARC, 0.5))
    return out
