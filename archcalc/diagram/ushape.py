"""An encoder-decoder drawn as a U, as figure 1 of the U-Net paper draws it (pure).

Each node's level counts the halvings from the input: a node is one level below the node it
continues from (the one before it, where it reads that one) for each halving of the map's side,
one above for each doubling (log₂ of the ratio, rounded). The deepest level's nodes are the
foot; the nodes before them the encoder, those after them the decoder. The picture is a U when
edges run from the encoder straight across to the decoder (U-Net's copy and crop) at two levels
or more: a network that only downsamples, or reads its backbone at one level only and then
upsamples (DeepLabV3), stays a column.

Graphviz lays it out top to bottom by rank: each level is a band of ranks, the encoder going down
it on the left; the decoder's nodes of that level are one row, left to right, beside the band's
last encoder node, so that its copy runs straight across as in the paper (invisible chains down
both sides and along each row keep the encoder on the left); the foot is one rank below the
deepest band, left to right. The data edges then follow without moving anything.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import graphviz

from archcalc.diagram.fit import FIT_SECONDS
from archcalc.diagram.render import layouts_inches
from archcalc.kinds.terms.values import Shape

HIDDEN = {"style": "invis", "shape": "point", "width": "0.01", "height": "0.01", "label": ""}


@dataclass(frozen=True)
class UPlan:
    level: dict[str, int]  # node name -> halvings from the input
    down: tuple[str, ...]  # the encoder, in order (the input first)
    foot: tuple[str, ...]
    up: tuple[str, ...]  # the decoder, in order

    def over(self, source: str, target: str) -> bool:
        """An edge along a decoder row that passes another node of it (U-Net's up-conv into its concat, past the crop)."""
        if source not in self.up or target not in self.up or self.level[source] != self.level[target]:
            return False
        return self.up.index(target) - self.up.index(source) > 1


def _side(shape: Shape) -> int | None:
    if len(shape) != 3:
        return None
    return shape[0] if getattr(shape, "channels_last", False) else shape[1]


def u_plan(input_shape: Shape, nodes: Sequence[tuple[str, tuple[str, ...], Shape]]) -> UPlan | None:
    """The U of `nodes` (name, inputs, output) after the input; None where the network is no U."""
    order = ["input", *(name for name, _, _ in nodes)]
    outputs = {"input": input_shape, **{name: out for name, _, out in nodes}}
    level = {"input": 0}
    for before, (name, inputs, out) in zip(order, nodes):
        main = before if before in inputs else (inputs[0] if inputs else before)
        a, b = _side(outputs[main]), _side(out)
        step = round(math.log2(a / b)) if a and b else 0
        level[name] = level.get(main, 0) + step
    deepest = max(level.values())
    if deepest <= 0:
        return None
    first = next(i for i, name in enumerate(order) if level[name] == deepest)
    last = max(i for i, name in enumerate(order) if level[name] == deepest)
    down, foot, up = tuple(order[:first]), tuple(order[first:last + 1]), tuple(order[last + 1:])
    encoder = set(down) - {"input"}
    across = {level[source] for name, inputs, _ in nodes if name in up for source in inputs
              if source in encoder and level[source] == level[name]}
    if len(across) < 2:  # copies across at two levels at least (DeepLabV3's ASPP reads its backbone at one)
        return None
    return UPlan(level, down, foot, up)


def shape_u(dot: graphviz.Digraph, plan: UPlan, ids: dict[str, str], rows: bool = False) -> None:
    """Add to `dot` the invisible ranks that make its nodes a U (its data edges must not constrain: constraint=false).
    `rows`: each level one row, its encoder nodes left to right, then its decoder's, as the paper's figure 1 draws
    its maps (a slide's U: five rows, not a column of every encoder node); the input above, the encoder rows flush
    left and the decoder rows flush right, so that a level's nodes make one width. Left to right (rankdir LR) the
    same ranks are columns: the encoder runs along the top, the foot at the right, the decoder below it."""
    deepest = max(plan.level.values())
    lines: list[tuple[list[str], list[str]]] = []  # per rank: (encoder slot, decoder row), each empty or real nodes
    for k in range(deepest):
        enc = [n for n in plan.down if plan.level[n] == k]
        dec = [n for n in plan.up if plan.level[n] == k]
        if rows:
            lines += [([enc[0]], []), (enc[1:], dec)] if enc[:1] == ["input"] and len(enc) > 1 else [(enc, dec)]
            continue
        for r in range(max(len(enc), 1)):  # the decoder's row beside the level's last encoder node: its copy runs straight across
            lines.append((enc[r:r + 1], dec if r == max(len(enc), 1) - 1 else []))
    left = right = under = ""
    for r, (enc, dec) in enumerate(lines):
        e = [ids[n] for n in enc] or [f"u_left{r}"]
        d = [ids[n] for n in dec] or [f"u_right{r}"]
        for slot, real in ((e[0], enc), (d[0], dec)):
            if not real:
                dot.node(slot, **HIDDEN)
        end = d[-1] if rows else d[0]  # the side of the decoder rows kept in line
        if left:
            dot.edge(left, e[0], style="invis", weight="20")
            dot.edge(right, end, style="invis", weight="20")
        with dot.subgraph() as same:
            same.attr(rank="same")
            for node in (*e, *d):
                same.node(node)
        dot.edge(e[-1], d[0], style="invis", minlen="2" if rows else "3")  # the encoder on the left, a gap for the copies across
        for a, b in (*zip(e, e[1:]), *zip(d, d[1:])):  # each row in its order, left to right
            dot.edge(a, b, style="invis")
        left, right, under = e[0], end, d[0]
    foot = [ids[n] for n in plan.foot]
    with dot.subgraph() as same:
        same.attr(rank="same")
        for f in foot:
            same.node(f)
    dot.edge(left, foot[0], style="invis", weight="20")
    dot.edge(under, foot[-1], style="invis", weight="20")  # the foot's last under the decoder's first: the turn
    for a, b in zip(foot, foot[1:]):
        dot.edge(a, b, style="invis")


def largest_u(build: Callable[[bool], graphviz.Digraph], ratio: float) -> graphviz.Digraph:
    """Of a U's two layouts (a row per level, or a column of encoder nodes), the one drawn largest in a box of
    width : height `ratio` (slide mode: its text the largest), both laid out by one run of dot."""
    dots = [build(rows) for rows in (True, False)]
    sizes = layouts_inches(dots, FIT_SECONDS)
    return max(zip(dots, sizes), key=lambda d: min(ratio / d[1][0], 1 / d[1][1]))[0]
