"""The Graphviz picture with blocks folded (`--depth N`): one node per folded block instance (pure).

A folded node says what the block is and does: its name, its block type and how many layers it
holds, what it reads and gives (H×W×C), and its layers' parameters and FLOPs added up. Layers
outside folded blocks are drawn as in picture.py. A spec split across GPUs is drawn unfolded
(its GPU columns say more than its blocks); `--depth` on one is refused if it would fold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import graphviz

from archcalc.analysis import Analysis
from archcalc.analysis.blockfacts import BlockFacts, block_facts, rows_of_table
from archcalc.analysis.fold import FoldedBlock
from archcalc.analysis.fuse import Fused, Shown
from archcalc.diagram import marks, quoted
from archcalc.diagram.blocktext import runs_of, table_lines
from archcalc.diagram.labels import lines_label
from archcalc.diagram.parts import Piece, block_of, cut, shrinks
from archcalc.diagram.picture import EDGE, GRAPH, NODE, legend, line, net_title, node_id, node_label, node_style, table
from archcalc.diagram.slide import SLIDE_EDGE, SLIDE_GRAPH, SLIDE_NODE, SLIDE_PT, Slide
from archcalc.diagram.ushape import UPlan, shape_u, u_plan
from archcalc.errors import ArchcalcError
from archcalc.text import human, hwc, n

CONNECTOR = {"shape": "plaintext", "style": "", "margin": "0.02"}
LOOP_PORTS = {"TB": {"tailport": "ne", "headport": "se"}, "LR": {}}  # a skip: down the right (TB); over the top, dot's own loop (LR)
OVER_PORTS = {"TB": {"tailport": "n", "headport": "n"}, "LR": {"tailport": "e", "headport": "e"}}
STAGE_FRAME = {"style": "rounded", "color": "#9e9e9e", "penwidth": "1.2", "labeljust": "l", "margin": "12"}


def block_label(b: FoldedBlock, paper: list[str] | None = None, mark: tuple[str, str] | None = None) -> str:
    """'layer2' / 'stage_down block · 16 layers' / what its paper's table says (blocktext) / '56×56×64 → 28×28×128' /
    params / FLOPs / its findings' mark, by grade."""
    reads = " + ".join(hwc(s) for s in b.input_shapes)
    lines = [line(b.name, bold=True, size=11), line(f"{b.block} block · {len(b.rows)} layers"),
             *(line(t, "#1f4e79", 9) for t in paper or ()),
             line(f"{reads} → {hwc(b.output)}", bold=True),
             line(f"{n(b.params)} params ({human(b.params)})", "#555555", 9),
             line(f"{n(b.flops)} FLOPs ({human(b.flops)})", "#555555", 9)]
    if mark:  # the layers inside whose size does not divide, by grade (archcalc show has the arithmetic)
        lines.append(line(mark[0], mark[1], 9))
    return lines_label(lines)


def _label(a: Analysis, node: Shown, paper: list[str] | None = None) -> str:
    if isinstance(node, FoldedBlock):
        return block_label(node, paper, marks.block_mark(a, [r.name for r in node.rows]))
    if isinstance(node, Fused):  # the head's label, the rest on its line: 'conv 1×1/1, 144 + batch norm + relu6'
        names = {r.name for r in node.rows}
        claims = [c for c in a.claims if c.layer in names and not c.confirmed and a.findings]
        head = replace(node.rows[0], output=node.output)
        return node_label(head, node.output, "", claims, False, marks.size_mark(a, node.rows[0]),
                          " + ".join(["", *(r.layer.label for r in node.rows[1:])]))
    claims = [c for c in a.claims if c.layer == node.name and not c.confirmed and a.findings]
    return node_label(node, node.output, "", claims, False, marks.size_mark(a, node))


def _frame(a: Analysis, node: Shown) -> dict[str, str]:
    """A layer's red or orange frame, as picture.py draws it (a folded block's findings are its layers')."""
    rows = node.rows if isinstance(node, (FoldedBlock, Fused)) else (node,)
    return marks.frame(a, {r.name for r in rows})


def folded_ids(nodes: tuple[Shown, ...]) -> dict[str, str]:
    return {"input": "n0_input", **{x.name: node_id(0, i, x.name) for i, x in enumerate(nodes)}}


def stage_parts(count: int, parts: int) -> list[range]:
    """`count` nodes (the input first) cut into `parts` consecutive runs of nearly equal length, the longer first."""
    size, extra = divmod(count, parts)
    bounds = [0]
    for k in range(parts):
        bounds.append(bounds[-1] + size + (k < extra))
    return [range(lo, hi) for lo, hi in zip(bounds, bounds[1:]) if hi > lo]


def pieces(nodes: tuple[Shown, ...]) -> list[Piece]:
    """The input and `nodes` as parts.py cuts them: each one's block and whether it makes the map smaller."""
    out = [Piece("input", None, False)]
    for x in nodes:
        block = x.name if isinstance(x, FoldedBlock) else block_of(x.name)
        out.append(Piece(x.name, block, shrinks(x.input_shapes[0] if x.input_shapes else None, x.output)))
    return out


def papers(nodes: tuple[Shown, ...]) -> dict[str, tuple[BlockFacts, list[str]]]:
    """Each folded block's facts and its lines in its paper's words (blocktext)."""
    facts = [block_facts(x.rows, x.input_shapes, x.output) if isinstance(x, FoldedBlock) else None for x in nodes]
    ns = rows_of_table(facts)
    return {x.name: (f, table_lines(f, n, place, first)) for x, f, n, (place, first) in zip(nodes, facts, ns, runs_of(facts, ns))
            if f is not None}


def u_of(a: Analysis, nodes: tuple[Shown, ...], source: Callable[[str], str] = str) -> UPlan | None:
    """The U these nodes make (ushape.py), or None; `source`: the drawn node that stands for a layer read (a slide writes
    some layers under the one before)."""
    if a.gpus > 1:
        return None
    return u_plan(a.input, [(x.name, tuple(dict.fromkeys(source(s) for s in x.inputs)), x.output) for x in nodes])


PART_TITLE = 32  # characters: a longer title would widen its part past its nodes (ViT's 'encoder.layers.encoder_layer_0 … …_4')


def part_title(k: int, names: list[str]) -> str:
    """'part 2: layer2 … layer3' (a layout's panel: its first and last node, not a stage of the network); 'part 2' where
    that would be longer than PART_TITLE."""
    span = names[0] if len(names) == 1 else f"{names[0]} … {names[-1]}"
    return f"part {k}: {span}" if len(span) <= PART_TITLE else f"part {k}"


def skipping(said: dict[str, tuple[BlockFacts, list[str]]]) -> frozenset[str]:
    """The folded blocks with a residual sum inside (blockfacts), which a slide says '+ skip'."""
    return frozenset(name for name, (f, _) in said.items() if f.skips)


def to_folded_digraph(a: Analysis, nodes: tuple[Shown, ...], direction: str = "TB", parts: int = 1,
                      edge_shapes: bool = True, slide: bool = False, u_rows: bool = False, words: Slide | None = None) -> graphviz.Digraph:
    """The network as `nodes` (from analysis.fold) draws it: one frame, no GPU columns. With `parts` > 1 the
    nodes, in order, are cut at the network's seams (parts.py) into at most that many numbered parts, side by
    side (TB: columns; LR: rows), each starting at the top (or left): the edges between parts do not constrain
    the layout. A folded block with a residual sum inside has a loop beside it: its skip. Without `edge_shapes`
    the edges are bare (each node's '→ H×W×C' says what flows on), which takes dot half the ranks. `slide`: in
    slide mode (slide.py): fewer words, one size, shape-keeping layers written under the layer before; `words`: its
    words, already made for these nodes (candidates.py: --fit builds 16 layouts of them). An encoder-decoder
    is drawn as a U in either direction (ushape.py); `u_rows`: each of its levels one row."""
    if a.gpus > 1 and any(isinstance(x, FoldedBlock) for x in nodes):
        raise ArchcalcError(f"--depth: {a.name} is split across {a.gpus} GPUs, and its picture keeps every layer in its GPU's column",
                            "draw it without --depth")
    said = papers(nodes)
    skips = skipping(said)
    words = words or (Slide(a, [x for x in nodes if not isinstance(x, Fused)], skips) if slide else None)
    dot = quoted.Digraph(name="archcalc", graph_attr={**(SLIDE_GRAPH if words else GRAPH), "rankdir": direction},
                         node_attr=SLIDE_NODE if words else NODE, edge_attr=SLIDE_EDGE if words else EDGE)
    notes = [line("a bold box is a block folded into one node: its layers' parameters and FLOPs added up", "#444444", 10)] if said else []
    if skips:
        notes.append(line("a loop beside a block: its skip connection (the block's input added to its output)", "#444444", 10))
    if any(isinstance(x, Fused) for x in nodes):
        notes.append(line("'+ batch norm + relu6' after a layer: the normalisation and activation that follow it, drawn in its node", "#444444", 10))
    dot.attr(label=table(words.heading() if words else [*net_title(a), legend([a], {x.category for x in nodes}), *notes]))
    ids = folded_ids(nodes)  # the ids of every layer's place in the spec, drawn or written under another
    drawn: tuple[Shown, ...] = tuple(words.drawn) if words else nodes
    small = SLIDE_PT if words else 10
    outputs = {"input": a.input, **{x.name: x.output for x in drawn}}
    order = ["input", *(x.name for x in drawn)]
    position = {name: i for i, name in enumerate(order)}
    u = u_of(a, drawn, words.source if words else str) if parts == 1 else None
    free = {"constraint": "false"} if u is not None else {}  # in a U, the ranks are set by shape_u alone
    runs = cut(pieces(drawn), max(1, min(parts, len(drawn) + 1)))
    stage_of = {order[i]: k for k, run in enumerate(runs) for i in run}
    frames = [quoted.Digraph(name=f"cluster_stage{k + 1}") for k in range(len(runs))]
    for k, (frame, run) in enumerate(zip(frames, runs)):
        frame.attr(label=f"<{line(part_title(k + 1, [order[i] for i in run]), bold=True, size=max(14, small))}>", **STAGE_FRAME)

    def home(name: str) -> graphviz.Digraph:
        return frames[stage_of[name]] if len(runs) > 1 else dot

    input_label = f"<{line('input image', bold=True, size=SLIDE_PT if words else 11)}<br/>{line(hwc(a.input), bold=True)}>"
    home("input").node(ids["input"], input_label, **node_style("input"))
    for x in drawn:
        paper = said[x.name][1] if x.name in said else []
        skip = x.name in skips
        label = words.label(x) if words and not isinstance(x, Fused) else _label(a, x, paper)
        frame_attrs = words.frame(x) if words and not isinstance(x, Fused) else _frame(a, x)
        home(x.name).node(ids[x.name], label, **{**node_style(x.category), **frame_attrs})
        if skip and not words:  # the skip: a loop from the block back into it (a slide says it in words)
            home(x.name).edge(ids[x.name], ids[x.name], label=" + ", **LOOP_PORTS[direction], color="#1f4e79", penwidth="1.6",
                              fontcolor="#1f4e79", fontsize="11")
        for source in dict.fromkeys(words.source(s) for s in x.inputs) if words else dict.fromkeys(x.inputs):
            shape = f" {hwc(outputs[source])} " if edge_shapes and not words else ""
            if stage_of[source] == stage_of[x.name]:
                over = u is not None and u.over(source, x.name)  # past a node of its row: over the top (TB), round its right (LR)
                home(x.name).edge(ids[source], ids[x.name], label=shape, **free, **(OVER_PORTS[direction] if over else {}))
                continue
            if words and position[source] + 1 == position[x.name]:  # on a slide the next column goes on: no connectors
                continue
            # between parts, a connector at each end instead of an edge across the picture
            there, here = stage_of[x.name] + 1, stage_of[source] + 1
            out_id, in_id = f"{ids[source]}_to_{ids[x.name]}", f"{ids[x.name]}_from_{ids[source]}"
            arrow = "▼" if direction == "TB" else "▶"
            home(source).node(out_id, f"<{line(f'{arrow} to part {there}: {x.name}', '#444444', small)}>", **CONNECTOR)
            home(x.name).node(in_id, f"<{line(f'{arrow} from part {here}: {source}', '#444444', small)}>", **CONNECTOR)
            home(source).edge(ids[source], out_id, label=shape)
            home(x.name).edge(in_id, ids[x.name], label=shape)
    if u is not None:
        shape_u(dot, u, ids, u_rows)
    # Graphviz puts the stages side by side, left to right; left to right inside, it stacks them bottom up
    for frame in (frames if direction == "TB" else frames[::-1]) if len(runs) > 1 else ():
        dot.subgraph(frame)
    return dot

