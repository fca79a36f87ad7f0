"""A network split across GPUs on a slide (`--fit`): its towers run left to right, one GPU above the other,
as figure 2 of the AlexNet paper draws them, in slide mode's words (slide.py).

A tower too long for the slide's width wraps into numbered parts, one below another, each with its GPUs'
rows again; an edge into the next part becomes a connector at each end ('▶ conv4' and 'conv3 ▶'). The number of
parts (1 to MAX_PARTS) is the one whose laid-out width : height comes nearest the slide's (fewer on a tie).
"""

from __future__ import annotations

import math

import graphviz

from archcalc.analysis import SPLIT, Analysis, Row
from archcalc.diagram.bounded import DOT_SECONDS
from archcalc.diagram.folded import CONNECTOR, stage_parts
from archcalc.diagram.picture import CROSSING, GPU_COLUMN, line, node_id, node_style, table
from archcalc.diagram.render import layouts_inches
from archcalc.diagram.slide import SLIDE_EDGE, SLIDE_GRAPH, SLIDE_NODE, SLIDE_PT, Slide
from archcalc.kinds.terms.values import Shape
from archcalc.text import hwc

MAX_PARTS = 3


def _places(row: Row, i: int) -> list[tuple[str, int | None, Shape]]:
    """The nodes of one layer: (id, GPU, its output there); a layer that runs whole is one node on its GPU."""
    if row.placement == SPLIT:
        return [(node_id(0, i, row.name, s.gpu), s.gpu, s.output) for s in row.gpus if s.output is not None]
    return [(node_id(0, i, row.name), int(row.placement), row.output)]


def towers(a: Analysis, parts: int = 1) -> graphviz.Digraph:
    """The split network `a` in `parts` numbered parts, each a row per GPU, left to right."""
    words = Slide(a, a.rows)
    dot = graphviz.Digraph(name="archcalc", graph_attr={**SLIDE_GRAPH, "rankdir": "LR"}, node_attr=SLIDE_NODE, edge_attr=SLIDE_EDGE)
    dot.attr(label=table(words.heading()))
    names = ["input", *(r.name for r in words.drawn)]
    runs = stage_parts(len(names), max(1, min(parts, len(names))))
    part_of = {names[i]: k for k, run in enumerate(runs) for i in run}
    bands = [graphviz.Digraph(name=f"cluster_part{k + 1}") for k in range(len(runs))]
    for band in bands:  # unframed: a part is a band of the slide, its connectors name the layers it leads to and from
        band.attr(label="", style="invis", margin="4")
    rows = [[graphviz.Digraph(name=f"cluster_part{k + 1}_gpu{g}") for g in range(a.gpus)] for k in range(len(runs))]
    for gpus in rows:
        for g, column in enumerate(gpus):
            column.attr(label=f"<{line(f'GPU {g}', bold=True, size=SLIDE_PT + 2)}>", labeljust="l", **GPU_COLUMN)
    every = line("on every GPU", "#555555")
    bands[0].node("n0_input", f"<{line('input image', bold=True)}<br/>{line(hwc(a.input), bold=True)}<br/>{every}>", **node_style("input"))
    places: dict[str, list[tuple[str, int | None, Shape]]] = {"input": [("n0_input", None, a.input)]}
    index = {r.name: i for i, r in enumerate(a.rows)}
    edges: list[list[tuple[str, str, dict[str, str]]]] = [[] for _ in runs]  # added after the nodes: their order sets the rows'
    for row in words.drawn:
        assert isinstance(row, Row)
        k = part_of[row.name]
        places[row.name] = _places(row, index[row.name])
        for nid, gpu, shape in places[row.name]:
            home = rows[k][gpu] if row.placement == SPLIT and gpu is not None else bands[k]
            home.node(nid, words.label(row, shape), **{**node_style(row.category), **words.frame(row)})
        for src in dict.fromkeys(words.source(s) for s in row.inputs):
            for nid, gpu, _ in places[row.name]:
                for sid, sgpu, _ in places[src]:
                    local = src == "input" or sgpu == gpu
                    if not local and not (gpu is not None and row.gpus[gpu].received):
                        continue  # a grouped layer reads its own GPU's maps only
                    style = {} if local else {**CROSSING, "label": ""}
                    if part_of[src] == k:
                        edges[k].append((sid, nid, style))
                        continue
                    out_id, in_id = f"{sid}_to_{nid}", f"{nid}_from_{sid}"
                    (rows[part_of[src]][sgpu] if sgpu is not None else bands[part_of[src]]).node(
                        out_id, f"<{line(f'▶ {row.name}', '#444444')}>", **CONNECTOR)
                    (rows[k][gpu] if gpu is not None and row.placement == SPLIT else bands[k]).node(
                        in_id, f"<{line(f'{src} ▶', '#444444')}>", **CONNECTOR)
                    edges[part_of[src]].append((sid, out_id, style))
                    edges[k].append((in_id, nid, style))
    # left to right, Graphviz stacks the parts bottom up (the last first puts part 1 on top), and the GPU rows
    # that one node feeds bottom up too: each part after the first gets an unseen node that feeds its GPU rows
    for k in range(1, len(runs)):
        bands[k].node(f"part{k + 1}", "", shape="point", style="invis", width="0")
        arrivals = dict.fromkeys(tail for tail, _, _ in edges[k] if "_from_" in tail)  # the connectors from part k
        edges[k][:0] = [(f"part{k + 1}", arrival, {"style": "invis"}) for arrival in arrivals]
    for k in reversed(range(len(runs))):
        for column in reversed(rows[k]):
            bands[k].subgraph(column)
        for tail, head, style in edges[k]:
            bands[k].edge(tail, head, **style)
        dot.subgraph(bands[k])
    return dot


def towers_fitted(a: Analysis, ratio: float) -> graphviz.Digraph:
    """The towers in the number of parts whose width : height comes nearest `ratio` (fewer on a tie)."""
    best: tuple[float, graphviz.Digraph] | None = None
    dots = [towers(a, parts) for parts in range(1, MAX_PARTS + 1)]
    for dot, (w, h) in zip(dots, layouts_inches(dots, DOT_SECONDS)):  # one run of dot for all (its start: most of a run)
        miss = abs(math.log(w / h / ratio))
        if best is None or miss < best[0] - 1e-9:
            best = (miss, dot)
    assert best is not None
    return best[1]
