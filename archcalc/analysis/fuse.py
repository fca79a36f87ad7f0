"""Layers fused (`--fuse`): a convolution or dense layer with the normalisation and activation right after
it drawn as one node, as frameworks fuse them for inference and as papers draw 'conv-BN-ReLU' (pure).

A run fuses when each layer after the first reads only the one before it, nobody else reads that
one, and it keeps the shape: conv, then at most one normalisation, then at most one activation.
Its node takes the first layer's name; layers that read the run's last layer read the fused node.
Everything else (folded blocks, merges, pools) passes through, its inputs renamed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from archcalc.analysis import Row
from archcalc.analysis.fold import Node
from archcalc.kinds.terms.figures import Figures, total
from archcalc.kinds.terms.values import Shape

HEADS = ("conv", "dense")  # what a fused run starts with
TAIL = ("norm", "activation")  # what may follow, in this order, one of each


@dataclass(frozen=True)
class Fused:
    """A convolution (or dense layer) with the normalisation and activation after it, drawn as one node."""

    name: str  # the first layer's
    rows: tuple[Row, ...]  # the run, in order
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output: Shape  # the last layer's
    figures: Figures

    @property
    def category(self) -> str:
        return self.rows[0].category

    params = property(lambda self: self.figures.params)
    flops = property(lambda self: self.figures.flops)


Shown = Node | Fused  # a node of a picture: a layer, a folded block, or a fused run


def fuse(nodes: Sequence[Shown]) -> tuple[Shown, ...]:
    """`nodes` with every fusable run as one Fused node."""
    readers = Counter(source for x in nodes for source in dict.fromkeys(x.inputs))
    renamed: dict[str, str] = {}
    out: list[Shown] = []
    i = 0
    while i < len(nodes):
        x = nodes[i]
        run = [x] if isinstance(x, Row) and x.category in HEADS else []
        for want in TAIL if run else ():
            nxt = nodes[i + len(run)] if i + len(run) < len(nodes) else None
            last = run[-1]
            if (isinstance(nxt, Row) and nxt.category == want and nxt.inputs == (last.name,) and readers[last.name] == 1
                    and nxt.output == last.output):
                run.append(nxt)
        if len(run) > 1:
            rows = tuple(r for r in run if isinstance(r, Row))
            for r in rows:
                renamed[r.name] = rows[0].name
            first = rows[0]
            out.append(Fused(first.name, rows, tuple(renamed.get(s, s) for s in first.inputs), first.input_shapes, rows[-1].output,
                             total(r.figures for r in rows)))
            i += len(run)
            continue
        out.append(replace(x, inputs=tuple(renamed.get(s, s) for s in x.inputs)))
        i += 1
    return tuple(out)
