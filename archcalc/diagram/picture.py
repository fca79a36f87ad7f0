"""Analyses → a Graphviz picture of the architecture: pure, it only builds the Digraph (render.py writes it).

Conventions of the picture, stated in its title:
- Shapes are H×W×C (height × width × channels), one image, as the AlexNet paper draws them;
  a vector is its length. (`archcalc show` prints C×H×W, torch's order.)
- One node per layer, filled by kind (STYLES); a layer split across GPUs is one node per GPU,
  each in its GPU's column with its own share of the output; a layer that runs whole sits
  outside the columns. Edges carry the tensor that flows along them; an edge between GPUs
  (CROSSING) is red and dashed and says what crosses.
- A layer with a finding is marked by its grade (marks.py): a note is a grey line in the node, a
  warning (real input never read: a size that does not divide, with its arithmetic) an orange
  frame, an error (a paper's claim that the computation contradicts) a red frame.

Node ids are derived from the spec's order and names only, so the DOT text is deterministic.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Collection

import graphviz

from archcalc import text
from archcalc.analysis import SPLIT, Analysis, ClaimCheck, Row
from archcalc.analysis.compare import compare
from archcalc.diagram import marks
from archcalc.diagram.labels import lines_label
from archcalc.errors import ArchcalcError
from archcalc.kinds.terms.values import Shape
from archcalc.text import human, hwc, n

# A chain of 8 to 20 layers reads best top to bottom: each node keeps a readable width, GPU
# towers become side-by-side columns as the AlexNet paper draws them, and the picture fits the
# width of a page or a README; left to right it becomes a long strip that shrinks to illegibility.
DIRECTIONS = ("TB", "LR")
DEFAULT_DIRECTION = "TB"

# laid out with DejaVu Sans's metrics where it is installed (the widest of the common sans-serif fonts), so
# that text drawn in any of the others (Helvetica, Arial, Liberation Sans) stays inside its box
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
GRAPH = {"fontname": FONT, "fontsize": "12", "nodesep": "0.35", "ranksep": "0.32", "newrank": "true",
         "labelloc": "t", "labeljust": "c", "pad": "0.3", "bgcolor": "white"}
NODE = {"fontname": FONT, "fontsize": "10", "shape": "box", "style": "rounded,filled", "color": "#4d4d4d",
        "penwidth": "1", "margin": "0.16,0.06"}
EDGE = {"fontname": FONT, "fontsize": "9", "color": "#666666", "fontcolor": "#444444", "arrowsize": "0.7"}
# category of layer → how its node looks; `name` is the legend's word for it (every kind's category has one: tests/test_kinds.py)
STYLES: dict[str, dict[str, str]] = {
    "input": {"name": "input", "fillcolor": "#ffffff", "shape": "box", "style": "filled,bold"},
    "conv": {"name": "convolution", "fillcolor": "#9ecae1"},
    "pool": {"name": "pooling", "fillcolor": "#a1d99b"},
    "norm": {"name": "normalisation", "fillcolor": "#fdd49e"},
    "dense": {"name": "dense (fully connected)", "fillcolor": "#bcbddc"},
    "dropout": {"name": "dropout", "fillcolor": "#f0f0f0", "style": "rounded,filled,dashed"},
    "activation": {"name": "activation", "fillcolor": "#fcbba1"},
    "reshape": {"name": "reshape", "fillcolor": "#f7f7f7"},
    "merge": {"name": "merge", "fillcolor": "#c7e9c0", "shape": "box"},
    "block": {"name": "block (folded)", "fillcolor": "#dadaeb", "style": "rounded,filled,bold", "penwidth": "1.6"},  # --depth
}
FINDING = {"non_integer_size": marks.FRAME["warning"], "claim_contradicted": marks.FRAME["error"]}  # by grade: marks.py
CROSSING = {"color": "#d62728", "fontcolor": "#d62728", "style": "dashed", "penwidth": "2"}
GPU_COLUMN = {"style": "rounded,filled", "fillcolor": "#f7f7f7", "color": "#bdbdbd", "fontsize": "11", "margin": "10"}
FRAME = {"style": "rounded", "color": "#737373", "penwidth": "1.5", "fontsize": "12", "margin": "14"}
def node_id(k: int, i: int, name: str, gpu: int | None = None) -> str:
    """'n0_3_conv2_g1': network, position in the spec, name (made DOT-safe), GPU."""
    return f"n{k}_{i}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}" + ("" if gpu is None else f"_g{gpu}")


# --- labels -----------------------------------------------------------------------------------


def line(text: str, color: str | None = None, size: int | None = None, bold: bool = False) -> str:
    body = html.escape(text, quote=False)
    if bold:
        body = f"<b>{body}</b>"
    attrs = (f' color="{color}"' if color else "") + (f' point-size="{size}"' if size else "")
    return f"<font{attrs}>{body}</font>" if attrs else body


def _value(value: object, words: str) -> str:
    """A claim's value in the picture: a shape as H×W×C, a figure as the text says it."""
    return hwc(value) if isinstance(value, tuple) else words


def _claim_text(c: ClaimCheck, whole: bool = False) -> str:
    """'✗ paper: output 55×55×96, computed 54×54×96' (the subject without the layer's name);
    `whole` in a GPU's half of a layer, whose own shape is half the claimed one."""
    subject = c.figure if c.layer else c.subject
    stated, computed = _value(c.stated, c.stated_text), _value(c.computed, c.computed_text)
    return f"✗ paper{', whole layer' if whole else ''}: {subject} {stated}, computed {computed}"


def node_label(row: Row, shape: Shape, note: str, claims: list[ClaimCheck], half: bool, mark: tuple[str, str] | None = None,
               also: str = "") -> str:
    """`mark`: its findings' line, by grade (marks.py); `also`: what follows the caption on its line (' + batch norm +
    relu6': the layers fused after it)."""
    lines = [line(row.name, bold=True, size=11), line(text.caption(row) + also)]
    if row.layer.flattens and len(row.input_shapes[0]) == 3:
        x = row.input_shapes[0]
        lines.append(line(f"flattens {hwc(x)} = {n(math.prod(x))}", "#555555", 9))
    lines.append(line(f"→ {hwc(shape)}", bold=True))
    if note:  # a line of its own: runs of two fonts on one line are placed apart differently by each renderer
        lines.append(line(note, "#555555", 9))
    if mark:  # a size that does not divide, by grade (marks.py)
        lines.append(line(mark[0], mark[1], 9))
    lines += [line(_claim_text(c, half), "#c45a00", 9) for c in claims]
    return lines_label(lines)  # a row per line, with leading (labels.py)


def _totals(a: Analysis) -> str:
    t = a.totals
    return (f"input {hwc(a.input)} · {n(t.params)} parameters ({human(t.params)}) · "
            f"{n(t.flops)} FLOPs ({human(t.flops)}) per image")


def net_title(a: Analysis) -> list[str]:
    lines = [line(a.name, bold=True, size=16)]
    if a.description:
        lines.append(line(text.clipped(a.description), "#444444"))
    lines.append(line(_totals(a)))
    for c in (c for c in a.claims if not c.confirmed and c.layer is None):
        if c.figure == "input":  # its first problem: "conv1 gives (224 − 11 + 2·0)/4 + 1 = 54.25 → 54 (H and W)"
            stated, computed = c.stated, c.computed
            assert isinstance(stated, tuple) and isinstance(computed, tuple)
            but = f"the spec takes {hwc(computed)}" if stated != computed else "not every layer divides exactly"
            lines.append(line(f"✗ paper: input {hwc(stated)}, but {but}", "#c45a00", 10))
            lines.append(line(f"at {hwc(stated)}, {text.input_problems(c, hwc)[0]}", "#c45a00", 9))
        else:
            lines.append(line(_claim_text(c), "#c45a00", 10))
    return lines


def table(cells: list[str]) -> str:
    """An HTML label of one cell per line (a label cannot mix text and tables)."""
    return '<<table border="0" cellspacing="0" cellpadding="2">' + "".join(f"<tr><td>{c}</td></tr>" for c in cells) + "</table>>"


def legend(analyses: list[Analysis], drawn: Collection[str] | None = None) -> str:
    """Swatches of the kinds drawn (`drawn`: the categories of the nodes a folded or fused picture draws; else every
    layer's), then what the frames and edges mean, as an HTML table."""
    used = [c for c in STYLES if c == "input" or (c in drawn if drawn is not None else any(r.category == c for a in analyses for r in a.rows))]
    cells = "".join(f'<td bgcolor="{STYLES[c]["fillcolor"]}" border="1">{html.escape(STYLES[c]["name"])}</td>' for c in used)
    swatches = f'<table border="0" cellspacing="3" cellpadding="3"><tr>{cells}</tr></table>'

    notes = ["→ H×W×C: a layer's output shape (height × width × channels) per image; edges carry the tensor that flows along them",
             "FLOPs as torch's FlopCounterMode counts them: 2 per multiply-accumulate in conv and dense layers, 0 elsewhere"]
    if any(a.gpus > 1 for a in analyses):
        notes.append("one column per GPU, each with its share of every split layer; red dashed edges: values copied between GPUs")
    notes += marks.legend_lines(analyses)
    rows = "".join(f"<tr><td>{line(note, '#444444', 10)}</td></tr>" for note in notes)
    return f'<table border="0" cellspacing="0" cellpadding="2"><tr><td>{swatches}</td></tr>{rows}</table>'


# --- the graph --------------------------------------------------------------------------------


def _ranks(analyses: list[Analysis]) -> list[dict[str, int]]:
    """Side by side: each network's rank per layer, so that aligned stages share a rank."""
    ranks: list[dict[str, int]] = [{"input": 0} for _ in analyses]
    top = 1
    for line in compare(analyses).stages:
        for k, stage in enumerate(line):
            if stage is not None:
                for j, row in enumerate((stage.row, *stage.followers)):
                    ranks[k][row.name] = top + j
        top += max(1 + len(s.followers) for s in line if s is not None)
    return ranks


def _places(row: Row, k: int, i: int) -> list[tuple[str, int | None, Shape]]:
    """The nodes of one layer: (id, GPU, output shape); GPU None for a network on one GPU."""
    if not row.gpus:
        return [(node_id(k, i, row.name), None, row.output)]
    if row.placement == SPLIT:
        return [(node_id(k, i, row.name, s.gpu), s.gpu, s.output) for s in row.gpus if s.output is not None]
    return [(node_id(k, i, row.name), int(row.placement), row.output)]


def node_style(category: str) -> dict[str, str]:
    return {key: value for key, value in STYLES.get(category, STYLES["reshape"]).items() if key != "name"}


def _share_note(a: Analysis, row: Row, gpu: int | None, shape: Shape) -> str:
    if a.gpus > 1 and row.placement != SPLIT:
        return f"(whole, on GPU {gpu})"
    if gpu is not None and row.category in ("conv", "dense"):
        return f"({shape[0]} of {row.output[0]} {'maps' if len(shape) == 3 else 'units'})"
    return ""


def _column(a: Analysis, k: int, gpu: int) -> graphviz.Digraph:
    """A GPU's column; its heading is a node at the top, beside the input image, centred alike in every
    column (a cluster's label sits where the edges from the input come in, and browsers and librsvg
    place a label's runs differently)."""
    t = a.gpu_totals[gpu]
    figures = [f"{human(t.params)} params · {human(t.flops)} FLOPs", f"receives {n(t.received)} values per image"]
    column = graphviz.Digraph(name=f"cluster_n{k}_gpu{gpu}")
    column.attr(label="", **GPU_COLUMN)
    column.node(f"n{k}_gpu{gpu}_heading", "<" + "<br/>".join([line(f"GPU {gpu}", bold=True, size=12), *(line(f, "#555555", 9) for f in figures)])
                + ">", shape="plaintext", style="", margin="0.05")
    return column


def _network(g: graphviz.Digraph, a: Analysis, k: int, ranks: dict[str, int] | None) -> None:
    """Every node and edge of one network into `g`; a network split across GPUs gets a column (cluster) per GPU."""
    places: dict[str, list[tuple[str, int | None, Shape]]] = {"input": [(f"n{k}_input", None, a.input)]}
    every = f"<br/>{line('on every GPU', '#555555', 9)}" if a.gpus > 1 else ""
    g.node(f"n{k}_input", f"<{line('input image', bold=True, size=11)}<br/>{line(hwc(a.input), bold=True)}{every}>", **node_style("input"))
    columns = {gpu: _column(a, k, gpu) for gpu in range(a.gpus if a.gpus > 1 else 0)}
    for i, row in enumerate(a.rows):
        places[row.name] = _places(row, k, i)
        claims = [c for c in a.claims if c.layer == row.name and not c.confirmed and a.findings]
        frame = marks.frame(a, {row.name})
        for nid, gpu, shape in places[row.name]:
            target = columns[gpu] if gpu is not None and row.placement == SPLIT else g
            target.node(nid, node_label(row, shape, _share_note(a, row, gpu, shape), claims, shape != row.output,
                                         marks.size_mark(a, row)), **node_style(row.category), **frame)
        for src, times in Counter(row.inputs).items():  # a tensor read n times is one edge, marked ×n
            # side by side, an edge spans the ranks between aligned stages
            minlen = {} if ranks is None else {"minlen": str(max(1, ranks[row.name] - ranks[src]))}
            for nid, gpu, _ in places[row.name]:
                for sid, sgpu, sshape in places[src]:
                    if src == "input" or sgpu == gpu:  # the image is on every GPU; a tower's own maps
                        g.edge(sid, nid, label=f" {hwc(sshape)}{f' ×{times:,}' if times > 1 else ''} ", **minlen)
                    elif gpu is not None and row.gpus[gpu].received:  # this GPU reads the other GPUs' maps
                        g.edge(sid, nid, label=f" {hwc(sshape)} from GPU {sgpu} ", **minlen, **CROSSING)
    for gpu, column in columns.items():  # the heading above the column's first layer
        first = next(nid for row in a.rows for nid, on, _ in places[row.name] if on == gpu and row.placement == SPLIT)
        column.edge(f"n{k}_gpu{gpu}_heading", first, style="invis")
        g.subgraph(column)


def to_digraph(analyses: list[Analysis], direction: str = DEFAULT_DIRECTION) -> graphviz.Digraph:
    """One network, or several side by side, each in its own frame with stages aligned."""
    if direction not in DIRECTIONS:
        raise ArchcalcError(f"--direction {direction}: unknown", f"use one of {', '.join(DIRECTIONS)}")
    dot = graphviz.Digraph(name="archcalc", graph_attr={**GRAPH, "rankdir": direction}, node_attr=NODE, edge_attr=EDGE)
    if len(analyses) == 1:
        dot.attr(label=table([*net_title(analyses[0]), legend(analyses)]))
        _network(dot, analyses[0], 0, None)
        return dot
    names = " vs ".join(a.name for a in analyses)
    aligned = "stages aligned by kind: convolution beside convolution, pooling beside pooling, dense beside dense"
    dot.attr(label=table([line(names, bold=True, size=16), line(aligned, "#444444"), legend(analyses)]))
    for k, (a, ranks) in enumerate(zip(analyses, _ranks(analyses))):
        frame = graphviz.Digraph(name=f"cluster_n{k}")
        frame.attr(label="<" + "<br/>".join(net_title(a)) + ">", **FRAME)
        _network(frame, a, k, ranks)
        dot.subgraph(frame)
    return dot


