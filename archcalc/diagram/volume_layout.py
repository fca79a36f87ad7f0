"""Stages → a Scene: the volumes figure laid out on a canvas (pure; scene.py writes the SVG).

Scale (said in the figure's legend): a volume's height and depth follow H and W on a log scale,
6 + 14·log₂(n) px, and its width follows C as 2·√C px, each clamped, so that a 227-pixel input and
a 6×6 map, 3 channels and 512, all stay visible; a dense layer is a thin bar 6 + 10·log₂(units) px
long. Sizes are readable in the labels, not measured off the drawing.

Placement: every stage has a column as wide as its volume or its widest label, whichever is more;
between columns a gap wide enough for the kernel's label. Labels sit in their own column, below
the tallest volume of their stream, so no text meets another (text widths from scene.text_width).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from archcalc.analysis import Analysis
from archcalc.diagram import skip_arcs
from archcalc.diagram.parts import cut
from archcalc.diagram.picture import STYLES, node_id
from archcalc.diagram.scene import Group, Item, Line, Point, Polygon, Scene, Text, text_width
from archcalc.diagram.volume_words import LEAST_WIDTH, SLIDE_ARCS, heading, legend, wrap, wrap_at
from archcalc.diagram.volumes import Stage, shape_text, volume_pieces
from archcalc.kinds.terms.values import Shape

MARGIN = 24.0
GAP = 34.0  # the least gap between two columns
LINE = 14.0  # the pitch of label lines
LABEL = 10.0  # label font size, px
FOLDED_SHOWN = 12  # layers named under a volume; past this, how many more
CROSSING = "#d62728"


def side_px(size: int) -> float:
    return min(130.0, 6 + 14 * math.log2(max(size, 1)))


def channels_px(c: int) -> float:
    return min(72.0, max(3.0, 2 * math.sqrt(c)))


def bar_px(units: int) -> float:
    return min(150.0, 6 + 10 * math.log2(max(units, 1)))


@dataclass(frozen=True)
class Solid:
    """A volume on the canvas: front face x..x+w, yc ± h/2; the depth o goes up and to the right at 45°."""

    x: float
    yc: float
    w: float
    h: float
    o: float

    @property
    def top(self) -> float:
        return self.yc - self.h / 2

    def side(self, u: float, v: float) -> Point:
        """A point of the right-hand face: u from front to back, v from top to bottom, both 0..1."""
        return self.x + self.w + u * self.o, self.top - u * self.o + v * self.h

    def front(self, v: float) -> Point:
        return self.x + self.w / 2, self.top + v * self.h


def extent(shape: Shape) -> tuple[float, float, float]:
    """(width, height, depth) in px of a volume (C, H, W; a channels-last H×W×C alike), a slab of tokens (N, D) or a bar (units,)."""
    if len(shape) == 3:
        c, h, w = (shape[2], shape[0], shape[1]) if getattr(shape, "channels_last", False) else shape
        if h == w == 1:  # a 1×1×C map is C values, drawn as a bar of C units (a plank 6 px tall read as a map)
            return extent((c,))
        return channels_px(c), side_px(h), 0.4 * side_px(w)
    if len(shape) == 2:  # N tokens of D values: as wide as D channels, as tall as N units, thin
        return channels_px(shape[1]), bar_px(shape[0]), 4.0
    return 8.0, bar_px(shape[0]), 4.0


def _mix(colour: str, other: str, t: float) -> str:
    a, b = (tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in (colour, other))
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


def faces(s: Solid, fill: str) -> list[Polygon]:
    bottom, back = s.top + s.h, s.top - s.o
    return [Polygon(((s.x, s.top), (s.x + s.w, s.top), (s.x + s.w, bottom), (s.x, bottom)), fill),
            Polygon(((s.x, s.top), (s.x + s.o, back), (s.x + s.w + s.o, back), (s.x + s.w, s.top)), _mix(fill, "#ffffff", 0.45)),
            Polygon(((s.x + s.w, s.top), (s.x + s.w + s.o, back), (s.x + s.w + s.o, bottom - s.o), (s.x + s.w, bottom)),
                    _mix(fill, "#000000", 0.18))]


def _labels(stage: Stage, shape: Shape, slide: bool = False, em: float = 1.0) -> list[Text]:
    """The lines under a volume, placed at (0, 0): name, shape, what is folded into it (on a slide, all one size, times `em`)."""
    small = LABEL * em if slide else LABEL - 1
    lines = [Text((0, 0), stage.label, LABEL * em, bold=True), Text((0, 0), shape_text(shape), (LABEL + 1) * em)]
    said = list(stage.note)
    if stage.folded:
        shown = stage.folded if len(stage.folded) <= FOLDED_SHOWN else (*stage.folded[:FOLDED_SHOWN - 1], f"… {len(stage.folded) - FOLDED_SHOWN + 1:,} more")
        said.insert(0, "+ " + ", ".join(shown))
    if slide:  # cut between words to the width of its name and shape: a slide's columns stay narrow
        room = max(text_width(stage.label, LABEL * em, True), text_width(shape_text(shape), (LABEL + 1) * em), 10 * small)
        said = [piece for note in said for piece in wrap_at(note, small, room)]
    return lines + [Text((0, 0), note, small, fill="#555555") for note in said]


def _nodes(stage: Stage) -> list[tuple[int | None, Shape]]:
    """(stream, shape) of each drawn volume; stream None: between the streams."""
    if stage.whole:
        return [(None, stage.shapes[0])] if stage.shapes[0] is not None else []
    return [(g, s) for g, s in enumerate(stage.shapes) if s is not None]


def _place(texts: list[Text], x: float, y: float, anchor: str = "middle", pitch: float = LINE) -> list[Text]:
    return [replace(t, at=(x, y + pitch * i), anchor=anchor) for i, t in enumerate(texts)]


def layout(a: Analysis, stages: list[Stage], bands: int = 1, slide: bool = False, em: float = 1.0) -> Scene:
    """The figure; with `bands` > 1 the stages, in order, wrap into that many numbered rows, one below another;
    `slide`: slide mode's words (volume_words.py); `em`: every text's size and the room it takes times this (a
    slide's). With several GPUs, the top stream's labels are above its volumes, so that the lines between the streams
    (red where maps cross GPUs) run past no text."""
    ln, lb = LINE * em, LABEL * em  # the pitch of label lines and their size
    streams = a.gpus if a.gpus > 1 else 1
    nodes = [_nodes(s) for s in stages]
    said_of = [[_labels(s, shape, slide, em) for _, shape in ns] for s, ns in zip(stages, nodes)]  # each volume's labels, once
    heading_ = [replace(t, size=t.size * em) for t in heading(a, slide)]
    runs = cut(volume_pieces(stages), max(1, min(bands, len(stages))))
    band_of = [b for b, run in enumerate(runs) for _ in run]
    numbered = len(runs) > 1
    arcs_room = skip_arcs.room(stages, band_of) * em  # above the kernel labels, under the part's title
    lines = [max(len(said) for i in run for said in said_of[i]) for run in runs]  # a row's labels
    lifts = [ln * n if streams > 1 else 0.0 for n in lines]  # room above a row's top stream for its labels
    top = MARGIN + 16 * em + ln * len(heading_) + 14 + (ln + 4 if numbered and not slide else 0) + lifts[0] + arcs_room  # the first kernel label line
    # each row as tall as its own volumes: above the centre line (half a height and the depth) and below it
    ups = [max(extent(shape)[1] / 2 + extent(shape)[2] for i in run for _, shape in nodes[i]) for run in runs]
    downs = [max(extent(shape)[1] / 2 for i in run for _, shape in nodes[i]) for run in runs]
    between = [ln * n + 20 + 16 * em + (ln + 4 if numbered and not slide else 0) + arcs_room for n in lines]  # from a row's stream's volumes to the next's
    centres = [top + ups[0] + 8]
    for k in range(1, len(runs) * streams):
        b, a_row = k // streams, (k - 1) // streams  # a slide's streams: room for the windows and a whole stage's labels
        gap = between[a_row] + lifts[b] if k % streams == 0 else between[b] if not slide else ln * (lines[b] - 1) + 24
        centres.append(centres[-1] + downs[a_row] + gap + ups[b])

    def centre(band: int, g: int) -> float:
        return centres[band * streams + g]

    items: list[Item] = []
    titles = [Text((MARGIN, centre(b, g) + 4), f"GPU {g}", 12 * em, bold=True, anchor="start") for b in range(len(runs))
              for g in range(streams)] if streams > 1 else []
    start = MARGIN + (max(t.box[1] for t in titles) - MARGIN + 10 if titles else 0)
    solids: list[dict[int | None, Solid]] = []
    right = start
    cursor = start
    for i, (stage, ns) in enumerate(zip(stages, nodes)):
        band = band_of[i]
        middle = sum(centre(band, g) for g in range(streams)) / streams
        if numbered and (i == 0 or band != band_of[i - 1]):
            if i:  # where the row goes on, and where the next comes from
                before = sum(centre(band - 1, g) for g in range(streams)) / streams
                onward = Text((cursor + 10, before + 4), f"▶ part {band + 1}", lb, bold=True, anchor="start")
                items.append(onward)
                right = max(right, onward.box[1])
            items += [Text((MARGIN, centre(band, 0) - ups[band] - 8 - lifts[band] - arcs_room - ln - 4), f"part {band + 1}", 12 * em,
                           bold=True, anchor="start")] * (not slide)  # a slide's rows: told apart by their connectors
            cursor = start
            if i:
                back = Text((cursor, middle + 4), f"from part {band} ▶", lb, bold=True, anchor="start")
                items.append(back)
                cursor = back.box[1] + 6
        gap = max(GAP, text_width(stage.window_text, lb) + 14) if i else 0.0
        width = max(max(extent(s)[0] + extent(s)[2] for _, s in ns),
                    max(t.box[1] - t.box[0] for said in said_of[i] for t in said))
        left = cursor + gap
        placed: dict[int | None, Solid] = {}
        for (g, shape), said in zip(ns, said_of[i]):
            w, h, o = extent(shape)
            yc = middle if g is None else centre(band, g)
            placed[g] = Solid(left + (width - w - o) / 2, yc, w, h, o)
            above = g == 0 and streams > 1
            items += _place(said, left + width / 2, yc - ups[band] - 8 - ln * (len(said) - 1) if above else yc + downs[band] + 16 * em, pitch=ln)
            if stage.window_text and (g in (None, 0) or not stage.crosses):  # once, above the top stream, where lines cross
                items.append(Text((cursor + gap / 2, yc - ups[band] - 8), stage.window_text, lb, fill="#1f4e79", halo=True))
        solids.append(placed)
        cursor = left + width
        right = max(right, cursor)
    rows = {row.name: i for i, row in enumerate(a.rows)}
    boxes = [v for stage, placed in zip(stages, solids) for g, s in placed.items() for v in _volume(stage, g, s, rows)]
    links = _links(stages, solids, {i for i in range(1, len(stages)) if band_of[i] != band_of[i - 1]})
    tops = [next((s.x + (s.w + s.o) / 2, s.top - s.o / 2) for s in placed.values()) for placed in solids]
    links += skip_arcs.arcs(stages, tops, band_of, lambda band: centre(band, 0) - ups[band] - 20, lb if slide else 9)
    notes = legend(streams, slide) + ([SLIDE_ARCS if slide else skip_arcs.NOTE] if skip_arcs.pairs(stages) else [])
    bottom = centre(len(runs) - 1, streams - 1) + downs[-1] + 16 * em + ln * lines[-1] + 10
    width = max(right + MARGIN, *(MARGIN * 2 + text_width(t.text, t.size, t.bold) for t in heading_))
    legend_ = [part for note in notes for part in wrap(note, lb, max(width - 2 * MARGIN, LEAST_WIDTH))]
    width = max([width, *(MARGIN * 2 + text_width(t, lb) for t in legend_)])
    texts = [*_place(heading_, MARGIN, MARGIN + 16 * em, "start", ln), *titles, *items,
             *_place([Text((0, 0), t, lb, fill="#444444") for t in legend_], MARGIN, bottom + ln, "start", ln)]
    height = bottom + ln * (len(legend_) + 1) + MARGIN / 2
    return Scene(width, height, f"{a.name}: volumes", (*boxes, *links, *texts))


def _volume(stage: Stage, stream: int | None, solid: Solid, rows: dict[str, int]) -> list[Item]:
    """A volume's faces; a layer's as one group with its node id (the page links it to the layer's row)."""
    drawn = faces(solid, STYLES.get(stage.category, STYLES["reshape"])["fillcolor"])
    if stage.category in ("input", "block") or stage.name not in rows:
        return list(drawn)
    shape = stage.shapes[0 if stream is None else stream]
    where = "" if stream is None else f", GPU {stream}"
    title = f"{stage.name}{where}: {shape_text(shape)}" if shape is not None else stage.name
    return [Group(node_id(0, rows[stage.name], stage.name, stream), title, tuple(drawn))]


def fitted(a: Analysis, stages: list[Stage], ratio: float) -> Scene:
    """The figure in 1 to 6 rows, whichever comes nearest width : height = `ratio` (fewer rows on a tie); a slide's
    is chosen by its text's size instead (volume_slide.py)."""
    scenes = [layout(a, stages, b) for b in range(1, min(6, len(stages)) + 1)]
    return min(scenes, key=lambda s: abs(math.log(s.width / s.height / ratio)))


def _links(stages: list[Stage], solids: list[dict[int | None, Solid]], breaks: set[int]) -> list[Item]:
    """Kernels with their pyramids, and lines into dense layers; red and dashed where they cross GPUs;
    none into the stages in `breaks` (the first of a wrapped row: its connector says where it comes from)."""
    out: list[Item] = []
    drawn: set[tuple[int, int | None]] = set()
    for i in (i for i in range(1, len(stages)) if i not in breaks):
        stage, before = stages[i], stages[i - 1]
        for tg, target in solids[i].items():
            t_gpu = stage.gpu if tg is None else tg
            for sg, source in solids[i - 1].items():
                s_gpu = before.gpu if sg is None else sg
                local = s_gpu is None or t_gpu is None or s_gpu == t_gpu
                if not local and not stage.crosses:
                    continue  # a grouped layer reads its own GPU's maps only
                colour, dashed = ("#1f4e79", False) if local else (CROSSING, True)
                shape = before.shapes[0] if sg is None else before.shapes[sg]
                if stage.kernel is not None and shape is not None and len(shape) == 3:
                    corners = _kernel(source, stage.kernel, shape)
                    if (i, sg) not in drawn:  # one kernel per volume, however many volumes it reaches
                        drawn.add((i, sg))
                        out.append(Polygon(corners, "#fdd49e", "#1f4e79", 0.8))
                    out += [Line(c, target.front(0.5), colour, 0.6, dashed) for c in corners]
                else:
                    out += [Line(source.side(0.5, v), target.front(v), colour if not local else "#888888", 0.6, dashed)
                            for v in (0.1, 0.9)]
    return out


def _kernel(box: Solid, kernel: tuple[int, int], shape: Shape) -> tuple[Point, ...]:
    """The kernel as a small square in the middle of the volume's side face, at least 3 px a side."""
    _, h, w = shape
    dv = max(min(kernel[0] / h, 1.0), 3 / box.h)
    du = max(min(kernel[1] / w, 1.0), 3 / max(box.o, 3))
    u0, v0 = 0.5 - du / 2, 0.5 - dv / 2
    return box.side(u0, v0), box.side(u0 + du, v0), box.side(u0 + du, v0 + dv), box.side(u0, v0 + dv)
