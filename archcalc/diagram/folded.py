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
from archcalc.diagram import marks
from archcalc.diagram.labels import lines_label
from archcalc.diagram.picture import EDGE, GRAPH, NODE, legend, line, net_title, node_id, node_label, node_style, table
from archcalc.diagram.slide import SLIDE_EDGE, SLIDE_GRAPH, SLIDE_NODE, SLIDE_PT, Slide
from archcalc.errors import ArchcalcError
from archcalc.text import human, hwc, n

CONNECTOR = {"shape": "plaintext", "style": "", "margin": "0.02"}
STAGE_FRAME = {"style": "rounded", "color": "#9e9e9e", "penwidth": "1.2", "labeljust": "l", "margin": "12"}


def block_label(b: FoldedBlock, mark: tuple[str, str] | None = None) -> str:
    """'layer2' / 'stage_down block · 16 layers' / '56×56×64 → 28×28×128' / params / FLOPs."""
    reads = " + ".join(hwc(s) for s in b.input_shapes)
    lines = [line(b.name, bold=True, size=11), line(f"{b.block} block · {len(b.rows)} layers"),
             line(f"{reads} → {hwc(b.output)}", bold=True),
             line(f"{n(b.params)} params ({human(b.params)})", "#555555", 9),
             line(f"{n(b.flops)} FLOPs ({human(b.flops)})", "#555555", 9)]
    if mark:  # the layers inside whose size does not divide, by grade (archcalc show has the arithmetic)
        lines.append(line(mark[0], mark[1], 9))
    return lines_label(lines)


def _label(a: Analysis, node: Node) -> str:
    if isinstance(node, FoldedBlock):
        return block_label(node, marks.block_mark(a, [r.name for r in node.rows]))
    claims = [c for c in a.claims if c.layer == node.name and not c.confirmed and a.findings]
    return node_label(node, node.output, "", claims, False, marks.size_mark(a, node))


def _frame(a: Analysis, node: Node) -> dict[str, str]:
    """A layer's red or orange frame, as picture.py draws it (a folded block's findings are its layers')."""
    rows = node.rows if isinstance(node, FoldedBlock) else (node,)
    return marks.frame(a, {r.name for r in rows})


def folded_ids(nodes: tuple[Node, ...]) -> dict[str, str]:
    return {"input": "n0_input", **{x.name: node_id(0, i, x.name) for i, x in enumerate(nodes)}}


def stage_parts(count: int, parts: int) -> list[range]:
    """`count` nodes (the input first) cut into `parts` consecutive runs of nearly equal length, the longer first."""
    size, extra = divmod(count, parts)
    bounds = [0]
    for k in range(parts):
        bounds.append(bounds[-1] + size + (k < extra))
    return [range(lo, hi) for lo, hi in zip(bounds, bounds[1:]) if hi > lo]


def to_folded_digraph(a: Analysis, nodes: tuple[Node, ...], direction: str = "TB", parts: int = 1,
                      slide: bool = False) -> graphviz.Digraph:
    """The network as `nodes` (from analysis.fold) draws it: one frame, no GPU columns. With `parts` > 1 the
    nodes, in order, are cut into that many numbered stages, side by side (TB: columns; LR: rows), each
    starting at the top (or left): the edges between stages do not constrain the layout. `slide`: in
    slide mode (slide.py): fewer words, one size, shape-keeping layers written under the layer before."""
    if a.gpus > 1 and any(isinstance(x, FoldedBlock) for x in nodes):
        raise ArchcalcError(f"--depth: {a.name} is split across {a.gpus} GPUs, and its picture keeps every layer in its GPU's column",
                            "draw it without --depth")
    words = Slide(a, nodes) if slide else None
    dot = graphviz.Digraph(name="archcalc", graph_attr={**(SLIDE_GRAPH if words else GRAPH), "rankdir": direction},
                           node_attr=SLIDE_NODE if words else NODE, edge_attr=SLIDE_EDGE if words else EDGE)
    note = line("a bold box is a block folded into one node: its layers' parameters and FLOPs added up", "#444444", 10)
    dot.attr(label=table(words.heading() if words else [*net_title(a), legend([a]), note]))
    ids = folded_ids(nodes)  # the ids of every layer's place in the spec, drawn or written under another
    nodes = tuple(words.drawn) if words else nodes
    small = SLIDE_PT if words else 10
    outputs = {"input": a.input, **{x.name: x.output for x in nodes}}
    runs = stage_parts(len(nodes) + 1, max(1, min(parts, len(nodes) + 1)))
    order = {name: i for i, name in enumerate(["input", *(x.name for x in nodes)])}
    stage_of = {name: k for k, run in enumerate(runs) for name in (["input", *(x.name for x in nodes)][i] for i in run)}
    frames = [graphviz.Digraph(name=f"cluster_stage{k + 1}") for k in range(len(runs))]
    for k, frame in enumerate(frames):
        frame.attr(label=f"<{line(f'stage {k + 1} of {len(runs)}', bold=True, size=max(14, small))}>", **STAGE_FRAME)

    def home(name: str) -> graphviz.Digraph:
        return frames[stage_of[name]] if len(runs) > 1 else dot

    input_label = f"<{line('input image', bold=True, size=SLIDE_PT if words else 11)}<br/>{line(hwc(a.input), bold=True)}>"
    home("input").node(ids["input"], input_label, **node_style("input"))
    for x in nodes:
        home(x.name).node(ids[x.name], words.label(x) if words else _label(a, x),
                          **{**node_style(x.category), **(words.frame(x) if words else _frame(a, x))})
        for source in dict.fromkeys(words.source(s) for s in x.inputs) if words else dict.fromkeys(x.inputs):
            shape = "" if words else f" {hwc(outputs[source])} "
            if stage_of[source] == stage_of[x.name]:
                home(x.name).edge(ids[source], ids[x.name], label=shape)
                continue
            if words and order[source] + 1 == order[x.name]:  # on a slide the next column goes on: no connectors
                continue
            # between stages, a connector at each end instead of an edge across the picture
            there, here = stage_of[x.name] + 1, stage_of[source] + 1
            out_id, in_id = f"{ids[source]}_to_{ids[x.name]}", f"{ids[x.name]}_from_{ids[source]}"
            arrow = "▼" if direction == "TB" else "▶"
            home(source).node(out_id, f"<{line(f'{arrow} to stage {there}: {x.name}', '#444444', small)}>", **CONNECTOR)
            home(x.name).node(in_id, f"<{line(f'{arrow} from stage {here}: {source}', '#444444', small)}>", **CONNECTOR)
            home(source).edge(ids[source], out_id, label=shape)
            home(x.name).edge(in_id, ids[x.name], label=shape)
    # Graphviz puts the stages side by side, left to right; left to right inside, it stacks them bottom up
    for frame in (frames if direction == "TB" else frames[::-1]) if len(runs) > 1 else ():
        dot.subgraph(frame)
    return dot

