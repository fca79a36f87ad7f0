"""The Graphviz picture with blocks folded (`--depth N`): one node per folded block instance (pure).

A folded node says what the block is and does: its name, its block type and how many layers it
holds, what it reads and gives (H×W×C), and its layers' parameters and FLOPs added up. Layers
outside folded blocks are drawn as in picture.py. A spec split across GPUs is drawn unfolded
(its GPU columns say more than its blocks); `--depth` on one is refused if it would fold.
"""

from __future__ import annotations

import graphviz

from archcalc.analysis import Analysis
from archcalc.analysis.fold import FoldedBlock, Node
from archcalc.diagram.picture import EDGE, GRAPH, NODE, _legend, _line, _net_title, _node_label, _node_style, _table, node_id
from archcalc.errors import ArchcalcError
from archcalc.text import human, hwc, n


def block_label(b: FoldedBlock) -> str:
    """'layer2' / 'stage_down block · 16 layers' / '56×56×64 → 28×28×128' / params / FLOPs."""
    reads = " + ".join(hwc(s) for s in b.input_shapes)
    lines = [_line(b.name, bold=True, size=11), _line(f"{b.block} block · {len(b.rows)} layers"),
             _line(f"{reads} → {hwc(b.output)}", bold=True),
             _line(f"{n(b.params)} params ({human(b.params)})", "#555555", 9),
             _line(f"{n(b.flops)} FLOPs ({human(b.flops)})", "#555555", 9)]
    return "<" + "<br/>".join(lines) + ">"


def _label(a: Analysis, node: Node) -> str:
    if isinstance(node, FoldedBlock):
        return block_label(node)
    claims = [c for c in a.claims if c.layer == node.name and not c.confirmed]
    return _node_label(node, node.output, "", claims, False)


def folded_ids(nodes: tuple[Node, ...]) -> dict[str, str]:
    return {"input": "n0_input", **{x.name: node_id(0, i, x.name) for i, x in enumerate(nodes)}}


def to_folded_digraph(a: Analysis, nodes: tuple[Node, ...], direction: str = "TB") -> graphviz.Digraph:
    """The network as `nodes` (from analysis.fold) draws it: one frame, no GPU columns."""
    if a.gpus > 1 and any(isinstance(x, FoldedBlock) for x in nodes):
        raise ArchcalcError(f"--depth: {a.name} is split across {a.gpus} GPUs, and its picture keeps every layer in its GPU's column",
                            "draw it without --depth")
    dot = graphviz.Digraph(name="archcalc", graph_attr={**GRAPH, "rankdir": direction}, node_attr=NODE, edge_attr=EDGE)
    note = _line("a bold box is a block folded into one node: its layers' parameters and FLOPs added up", "#444444", 10)
    dot.attr(label=_table([*_net_title(a), _legend([a]), note]))
    ids = folded_ids(nodes)
    outputs = {"input": a.input, **{x.name: x.output for x in nodes}}
    dot.node(ids["input"], f"<{_line('input image', bold=True, size=11)}<br/>{_line(hwc(a.input), bold=True)}>", **_node_style("input"))
    for x in nodes:
        dot.node(ids[x.name], _label(a, x), **_node_style(x.category))
        for source in dict.fromkeys(x.inputs):
            dot.edge(ids[source], ids[x.name], label=f" {hwc(outputs[source])} ")
    return dot

