"""Slide mode (`--fit`): the Graphviz picture as a lecturer projects it, every text legible from the back row.

What a slide keeps: the title, one totals line, a compact key (the kinds' swatches and one short line per
mark used), and per node its name, its layer, its output shape and a short mark of a finding ('⚠ 112.5 → 112';
`archcalc show` has the arithmetic). What it drops: the legend's prose, the FLOPs convention, the finding
paragraphs, the shapes on the edges (each node says its own). A layer that keeps its input's shape and is
its input's only reader (a ReLU, an LRN, a dropout) is written under that layer ('+ ReLU, LRN'), as the
volumes figure and the AlexNet paper do. Every text is one size, SLIDE_PT, the title larger: the layout
is then scaled to the slide, and tests/test_slides.py holds its smallest text to 20 px at 1920 × 1080.
Each label line is a table row with its own padding (labels.py), so an underscore never meets the line below.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence

from archcalc.analysis import Analysis, Row
from archcalc.analysis.fold import FoldedBlock, Node
from archcalc.diagram import marks
from archcalc.diagram.labels import lines_label
from archcalc.diagram.picture import CROSSING, EDGE, GRAPH, NODE, STYLES, line
from archcalc.text import human, hwc

SLIDE_PT = 14  # every text on a slide, in points of the layout
TITLE_PT = 22
SLIDE_GRAPH = {**GRAPH, "fontsize": str(SLIDE_PT), "nodesep": "0.2", "ranksep": "0.3", "pad": "0.2"}
SLIDE_NODE = {**NODE, "fontsize": str(SLIDE_PT), "margin": "0.07,0.04"}
SLIDE_EDGE = {**EDGE, "fontsize": str(SLIDE_PT)}
WRAP = 18  # characters a line of a node's caption, about
BLOCK_WRAP = 24  # of a folded block's 'what it is' line
KEEPS_SHAPE = ("activation", "norm", "dropout", "reshape")  # categories written under the layer they follow


def absorbed(nodes: Sequence[Node]) -> dict[str, str]:
    """Each layer written under another: its name → the drawn node's name. A layer is, when it keeps its
    input's shape, is no conv, pool or dense, reads one layer before it that no one else reads, and runs
    where that one runs (the same GPU, or split alike)."""
    readers = Counter(src for x in nodes for src in dict.fromkeys(x.inputs))
    placed = {x.name: getattr(x, "placement", None) for x in nodes}
    host: dict[str, str] = {}
    for x in nodes:
        if (isinstance(x, Row) and x.category in KEEPS_SHAPE and len(x.inputs) == 1 and x.inputs[0] in placed
                and x.output == x.input_shapes[0] and readers[x.inputs[0]] == 1 and placed[x.inputs[0]] == x.placement):
            host[x.name] = host.get(x.inputs[0], x.inputs[0])
    return host


def wrapped(caption: str, width: int = WRAP, at: str = ", ") -> list[str]:
    """'conv 5×5/1, 256, pad 2, groups 2' → ['conv 5×5, 256,', 'pad 2, groups 2']: a stride of 1 unsaid, and
    cut after commas (`at`) into lines of about `width` characters (a slide's nodes stay narrow); where a piece is
    longer than that itself, the caption is cut between its words ('upsample to its', "second input's", 'size, bilinear')."""
    words = re.sub(r"(\d)/1\b", r"\1", caption).split(at)
    out = [words[0]]
    for w in words[1:]:
        if len(out[-1]) + len(at) + len(w) <= width:
            out[-1] += at + w
        else:
            out[-1] += at.rstrip()
            out.append(w)
    if at != " " and any(len(text) > width + 4 for text in out):  # a piece too long for a line: cut between words instead
        return wrapped(caption, width, " ")
    return out


def _short(a: Analysis, rows: Sequence[Row]) -> tuple[str, str] | None:
    """'⚠ 54.25 → 54' in orange (real input lost), 'note: 112.5 → 112' in grey (only padding), '(2 layers)' when more
    than one: the first size finding of the layers `rows`, by its grade (archcalc.diagram.marks)."""
    sizes = [f for f in marks.of_layers(a, {r.name for r in rows}) if f.kind == "non_integer_size" and f.term is not None]
    if not sizes:
        return None
    layers = len(dict.fromkeys(f.layer for f in sizes))
    first = next((f for f in sizes if f.severity != "note"), sizes[0])
    assert first.term is not None
    head, color = ("note: ", marks.NOTE_COLOR) if marks.worst(sizes) == "note" else ("⚠ ", marks.FRAME["warning"]["color"])
    return head + first.term.text().split(" = ")[-1] + (f" ({layers} layers)" if layers > 1 else ""), color


class Slide:
    """The slide's words for one network drawn as `nodes` (rows, or rows and folded blocks)."""

    def __init__(self, a: Analysis, nodes: Sequence[Node], skips: frozenset[str] = frozenset(), joined: bool = False) -> None:
        """`skips`: the folded blocks with a residual sum inside (blockfacts), said '+ skip'; `joined`: '+ ReLU' on its
        caption's line where both fit one (left to right: a U's levels are columns of nodes, as tall as their lines)."""
        self.a = a
        self.joined = joined
        self.skips = skips
        blocks = [x for x in nodes if isinstance(x, FoldedBlock)]
        # a block's kind and its count of layers, where every block's fits one line; else its kind alone: a slide's
        # columns are as tall as their lines (DeepLabV3's 'bottleneck_down · 12 layers + skip' made every block a line taller)
        self.counted = all(len(self.kind(x, True)) <= max(BLOCK_WRAP, len(x.name) + 2) for x in blocks)
        self.host = absorbed(nodes)
        self.under: dict[str, list[Row]] = {}
        for x in nodes:
            if x.name in self.host:
                assert isinstance(x, Row)
                self.under.setdefault(self.host[x.name], []).append(x)
        self.drawn = [x for x in nodes if x.name not in self.host]

    def source(self, name: str) -> str:
        """The drawn node that stands for layer `name`."""
        return self.host.get(name, name)

    def heading(self) -> list[str]:
        """The title, one totals line and the compact key: the cells of the picture's label."""
        t = self.a.totals
        totals = f"input {hwc(self.a.input)} · {human(t.params)} parameters · {human(t.flops)} FLOPs per image"
        return [line(self.a.name, bold=True, size=TITLE_PT), line(totals), *self.key()]

    def key(self) -> list[str]:  # a list: the cells of the heading
        """One row: the swatches of the kinds drawn, then a few words per mark used."""
        used = [c for c in STYLES if c != "input" and any(x.category == c for x in self.drawn)]
        cells = "".join(f'<td bgcolor="{STYLES[c]["fillcolor"]}" border="1">{html.escape(STYLES[c]["name"])}</td>' for c in used)
        found = {f.severity for f in self.a.findings}  # none under --findings off
        said_marks = [line(words, color) for severity, words, color in (
            ("error", "red frame: not as the paper says", marks.FRAME["error"]["color"]),
            ("warning", "orange frame: real input never read", marks.FRAME["warning"]["color"]),
            ("note", "grey note: floored, no input lost", marks.NOTE_COLOR)) if severity in found]
        if self.a.gpus > 1:
            said_marks.append(line("red dashes: maps copied between GPUs", CROSSING["color"]))
        swatches = f'<table border="0" cellspacing="4" cellpadding="3"><tr>{cells}</tr></table>'
        said = "".join(f"<td>{m}</td>" for m in said_marks)
        return [f'<table border="0" cellspacing="8" cellpadding="0"><tr><td>{swatches}</td>{said}</tr></table>']

    def kind(self, x: FoldedBlock, counted: bool) -> str:
        """'bottleneck · 10 layers + skip' (`counted`), 'bottleneck + skip': its skip connection (its loop off a slide) in words."""
        return x.block + (f" · {len(x.rows)} layers" if counted else "") + (" + skip" if x.name in self.skips else "")

    def label(self, x: Node, shape: tuple[int, ...] | None = None) -> str:
        """A node's lines: name, what it is, what is written under it, its output (`shape`: a GPU's share)."""
        rows: list[Row] = [*(x.rows if isinstance(x, FoldedBlock) else (x,)), *self.under.get(x.name, ())]
        if isinstance(x, FoldedBlock):  # its output only, as a layer's node says it (what it reads is the node before's)
            cells = [line(x.name, bold=True), line(self.kind(x, self.counted)), line(f"→ {hwc(x.output)}", bold=True),
                     line(f"{human(x.params)} params")]
        else:
            caption = wrapped(x.layer.caption())
            after = [*([x.activation_label] if x.activation else []), *(r.layer.label for r in self.under.get(x.name, ()))]
            more = wrapped("+ " + ", ".join(after)) if after else []
            if self.joined and more and len(caption[-1]) + 1 + len(more[0]) <= WRAP + 2:  # 'conv 3×3, 64 + ReLU'
                caption[-1] += " " + more.pop(0)
            cells = [line(x.name, bold=True), *(line(c) for c in caption + more)]
            cells.append(line(f"→ {hwc(x.output if shape is None else shape)}", bold=True))
        mark = _short(self.a, rows)
        if mark:
            cells.append(line(*mark))
        names = {r.name for r in rows}
        contradicted = {f.layer for f in self.a.findings if f.kind == "claim_contradicted"}  # none under --findings off
        said = [f"✗ paper: {c.figure} {hwc(c.stated) if isinstance(c.stated, tuple) else c.stated_text}"
                for c in self.a.claims if c.layer in names and c.layer in contradicted and not c.confirmed]
        cells += [line(t, "#c45a00") for t in said[:1]]  # the first: a slide has no room for a paragraph
        return lines_label(cells)

    def frame(self, x: Node) -> dict[str, str]:
        """A node's frame by its worst finding (archcalc.diagram.marks), its written-under layers' findings included."""
        rows: list[Row] = [*(x.rows if isinstance(x, FoldedBlock) else (x,)), *self.under.get(x.name, ())]
        return marks.frame(self.a, {r.name for r in rows})
