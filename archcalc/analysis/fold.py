"""Blocks folded (`--depth N`, as torchview names it): every block instance nested N deep becomes one
node, with the block's type, what it reads, its output and its layers' figures added up (pure).

Depth counts from the spec's own layers: `--depth 0` folds every block used there (ResNet-18's
four stages), `--depth 1` the blocks those use (its eight basic blocks), and so on; instances less
deep are drawn layer by layer, those deeper lie inside a folded one. A layer outside that reads a
layer inside a folded instance reads the folded node.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from archcalc.analysis import Analysis, Row
from archcalc.kinds.terms.figures import Figures, total
from archcalc.kinds.terms.values import Shape
from archcalc.specfile import Instance


@dataclass(frozen=True)
class FoldedBlock:
    """One block instance drawn as one node."""

    name: str
    block: str  # the block's type, as the spec names it
    rows: tuple[Row, ...]  # its layers, in the analysis's order
    inputs: tuple[str, ...]  # the nodes of the view it reads
    input_shapes: tuple[Shape, ...]
    output: Shape  # its last layer's: what the instance's name stands for
    figures: Figures  # its layers' figures added up

    category = "block"

    params = property(lambda self: self.figures.params)
    flops = property(lambda self: self.figures.flops)


Node = Row | FoldedBlock


def fold(a: Analysis, instances: tuple[Instance, ...], depth: int) -> tuple[Node, ...]:
    """The nodes of the picture at `depth`: rows outside folded instances (their inputs renamed), and one
    FoldedBlock per instance `depth` deep, where its first layer was."""
    chosen = [i for i in instances if i.depth == depth]
    owner = {layer: inst for inst in chosen for layer in inst.layers}
    rows = {r.name: r for r in a.rows}

    def seen_as(name: str) -> str:
        return owner[name].name if name in owner else name

    out: list[Node] = []
    done: set[str] = set()
    for row in a.rows:
        inst = owner.get(row.name)
        if inst is None:
            out.append(replace(row, inputs=tuple(seen_as(i) for i in row.inputs)))
            continue
        if inst.name in done:
            continue
        done.add(inst.name)
        members = tuple(r for r in a.rows if owner.get(r.name) is inst)
        reads: dict[str, Shape] = {}
        for r in members:
            for source, shape in zip(r.inputs, r.input_shapes):
                if source not in inst.layers:
                    reads.setdefault(seen_as(source), shape)
        out.append(FoldedBlock(inst.name, inst.block, members, tuple(reads), tuple(reads.values()),
                               rows[inst.layers[-1]].output, total(r.figures for r in members)))
    return tuple(out)
