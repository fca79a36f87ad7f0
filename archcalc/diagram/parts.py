"""Where a picture wrapped for a slide may be cut (pure): at the network's own seams, never in its stem.

A picture too long for a slide is cut into parts laid side by side. A cut falls only between two
pieces of different blocks (a folded block is a block of its own; a layer `layer2.0.conv1` is in
block `layer2.0`), or after a plain layer that makes the map smaller (a pooling, a strided
convolution), and never before the first block: the stem stays whole. Cuts where the size drops
(a downsampling block begins, or a pooling ends a stage) are taken first, while their longest part
is no longer than block seams' would be (a slide's text is as large as its longest part lets it be);
else any block seam. Among the allowed, the cuts that make the parts' lengths most even
are chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    name: str
    block: str | None  # the block it belongs to (a folded block: its own name); None: a plain layer
    shrinks: bool  # gives a smaller map than it reads


def block_of(name: str) -> str | None:
    """'layer2.0.conv1' -> 'layer2.0'; a name without a dot is no block's."""
    return name.rsplit(".", 1)[0] if "." in name else None


def seams(pieces: Sequence[Piece]) -> tuple[list[int], list[int]]:
    """(preferred, allowed): the indices b at which a part may begin (a cut between b − 1 and b)."""
    starts = [i for i, p in enumerate(pieces) if p.block is not None]
    stem = starts[0] if starts else next((i + 1 for i, p in enumerate(pieces) if p.shrinks), len(pieces))
    allowed, preferred = [], []
    for b in range(max(stem, 1), len(pieces)):
        before, here = pieces[b - 1], pieces[b]
        boundary = before.block != here.block or before.block is None and before.shrinks
        if not boundary:
            continue
        allowed.append(b)
        if b == stem or (here.shrinks and here.block is not None) or (before.block is None and before.shrinks):
            preferred.append(b)
    return preferred, allowed


def cut(pieces: Sequence[Piece], parts: int) -> list[range]:
    """`pieces`, in order, cut into at most `parts` consecutive runs at their seams, as even as the seams allow."""
    count = len(pieces)
    if parts <= 1 or count < 2:
        return [range(0, count)] if count else []
    preferred, allowed = seams(pieces)
    bounds = _even(count, allowed, min(parts - 1, len(allowed)))
    if len(preferred) >= parts - 1:  # where the size drops, unless that makes the parts much less even than block seams do
        stages = _even(count, preferred, parts - 1)
        if _longest(count, stages) <= _longest(count, bounds):
            bounds = stages
    edges = [0, *bounds, count]
    return [range(lo, hi) for lo, hi in zip(edges, edges[1:])]


def _longest(count: int, bounds: list[int]) -> int:
    """The longest part's length: on a slide, what sets the scale of every text."""
    edges = [0, *bounds, count]
    return max(hi - lo for lo, hi in zip(edges, edges[1:]))


def _even(count: int, choices: list[int], k: int) -> list[int]:
    """k of `choices` (increasing) that make the runs' lengths most even: least sum of squares, by dynamic programming."""
    if k <= 0:
        return []
    points = [0, *choices]
    inf = float("inf")
    # best[j][i]: the least cost of the runs before points[i], with j cuts, the last at points[i]
    best = [[inf] * len(points) for _ in range(k + 1)]
    back = [[0] * len(points) for _ in range(k + 1)]
    best[0][0] = 0.0
    for j in range(1, k + 1):
        for i in range(1, len(points)):
            for h in range(i):
                cost = best[j - 1][h] + (points[i] - points[h]) ** 2
                if cost < best[j][i]:
                    best[j][i], back[j][i] = cost, h
    end = min(range(1, len(points)), key=lambda i: best[k][i] + (count - points[i]) ** 2)
    out = []
    i = end
    for j in range(k, 0, -1):
        out.append(points[i])
        i = back[j][i]
    return sorted(out)


def _side(shape: Sequence[int]) -> int | None:
    if len(shape) != 3:
        return None
    return shape[0] if getattr(shape, "channels_last", False) else shape[1]


def shrinks(read: Sequence[int] | None, given: Sequence[int]) -> bool:
    """A map smaller than the one read (a vector from a map counts: global pooling, flattening)."""
    if read is None:
        return False
    a, b = _side(read), _side(given)
    return a is not None and (b is None or b < a)
