"""`--fit W:H`, `--width`, `--height`: a picture laid out and scaled to fit a slide.

The layouts it chooses among (for a network on one GPU, Graphviz style): the nodes in order, cut
into 1 to 8 numbered parts at the network's seams (parts.py) drawn side by side, as columns top to
bottom or as rows left to right (an encoder-decoder keeps its U: ushape.py);
Graphviz lays each out and the one whose width : height comes nearest the asked ratio wins (fewer
parts on a tie). The winner is then scaled to the box: `--fit 16:9` alone is 1920×1080 px; a
width or height in px (`1280`, `1280px`) or inches (`13.33in`) sets that side, the ratio the other.
A PNG is 96 px per inch for a box in px (the box is its size in pixels), 150 dpi for one in inches.

A network split across GPUs keeps its GPU columns (cutting them would hide the split) and is only
scaled. The volumes figure (`--style volumes`) wraps into 1 to 6 numbered rows, chosen the same way
on a slide by the size of its text (volume_slide.slide_fitted), and is scaled by rsvg-convert.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import graphviz

from archcalc.diagram.bounded import LayoutTooLargeError
from archcalc.diagram.render import MAX_SIDE_PX, layouts_inches
from archcalc.errors import ArchcalcError

SLIDE_WIDTH_PX = 1920  # a full-HD slide
MAX_PARTS = 8
FIT_SECONDS = 6.0  # the layouts --fit measures, all together (each is bounded by itself too)
ONE_RUN_NODES = 200  # nodes: up to this, one run of dot lays out all 16 candidates well within FIT_SECONDS
                     # (DeepLabv3's 200, in slide mode: 0.3 s of dot's CPU, 0.9 s of time on a loaded 2-core machine)


@dataclass(frozen=True)
class Frame:
    """What the picture must fit: a ratio (width / height; None: keep the picture's) and a box in inches."""

    ratio: float | None
    width_in: float
    height_in: float
    dpi: int  # of a PNG

    @property
    def box_px(self) -> tuple[float, float]:
        return self.width_in * self.dpi, self.height_in * self.dpi

    @property
    def svg_box_px(self) -> tuple[float, float]:
        """The box in an SVG's px (96 an inch, whatever a PNG's dpi): a 16:9 slide is 1920 × 1080."""
        return self.width_in * 96, self.height_in * 96


def _length(text: str, option: str) -> tuple[float, str]:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(px|in)?\s*", text)
    if m is None or float(m[1]) <= 0:
        raise ArchcalcError(f"{option} {text!r:.40} is not a length", f"write pixels or inches, e.g. {option} 1920 or {option} 13.33in")
    value, unit = float(m[1]), m[2] or "px"
    if value * (150 if unit == "in" else 1) > MAX_SIDE_PX:  # inches are drawn at 150 dpi
        raise ArchcalcError(f"{option} {text.strip()!r:.40} is larger than a picture can be: at most {MAX_SIDE_PX:,} px "
                            f"({MAX_SIDE_PX / 150:.0f} in) a side, Graphviz's own limit for a bitmap",
                            f"give a smaller {option}; an .svg or .pdf scales to any size when it is shown")
    return value, unit


def parse_frame(fit: str | None, width: str | None, height: str | None) -> Frame | None:
    """None when none of the three is given."""
    if fit is None and width is None and height is None:
        return None
    ratio = None
    if fit is not None:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*", fit)
        if m is None or float(m[1]) == 0 or float(m[2]) == 0:
            raise ArchcalcError(f"--fit {fit!r:.40} is not a ratio", "write width:height, e.g. --fit 16:9 or --fit 4:3")
        ratio = float(m[1]) / float(m[2])
    sides = {k: _length(v, f"--{k}") for k, v in (("width", width), ("height", height)) if v is not None}
    dpi = 96 if any(unit == "px" for _, unit in sides.values()) or not sides else 150
    inches = {k: v if unit == "in" else v / 96 for k, (v, unit) in sides.items()}
    if ratio is None and len(inches) == 2:
        ratio = inches["width"] / inches["height"]
    w, h = inches.get("width"), inches.get("height")
    if w is None and h is None:
        w = SLIDE_WIDTH_PX / 96
    if w is None:
        assert h is not None
        w = h * ratio if ratio is not None else h * 100  # a height alone leaves the width free
    if h is None:
        h = w / ratio if ratio is not None else w * 100
    return Frame(ratio, w, h, dpi)


def choose_layout(build: Callable[[str, int], graphviz.Digraph], ratio: float, count: int,
                  seconds: float = FIT_SECONDS, largest: bool = False) -> tuple[str, int]:
    """(direction, stages) whose laid-out width : height is nearest `ratio` (log scale); fewer stages first;
    `largest` (slide mode): the one drawn largest in a box of that ratio, its text the largest.
    Up to ONE_RUN_NODES nodes, all the candidates are laid out by one run of dot (ResNet-18's 16: about 0.08 s of
    CPU, a quarter of it dot's start; 16 runs took 4.9× its JSON's CPU). A larger network's layouts take seconds
    each: the two one-stage layouts are laid out first, by one run; the others then by one more run, in the
    order their ratio, foreseen from those (k columns are k times as wide and 1/k as tall), comes near, as many
    as the first run's time per layout says fit in what is left of `seconds`, so that the nearest foreseen are
    the best ones measured."""
    ends = time.monotonic() + seconds
    candidates = [(parts, direction) for parts in range(1, min(MAX_PARTS, count) + 1) for direction in ("TB", "LR")]
    sizes: dict[tuple[int, str], tuple[float, float]] = {}  # (width, height) in inches of each layout laid out

    def lay_out(keys: list[tuple[int, str]], limit: float) -> None:  # one run of dot for all of `keys`
        sizes.update(zip(keys, layouts_inches([build(d, p) for p, d in keys], limit)))

    try:
        if count <= ONE_RUN_NODES:
            lay_out(candidates, seconds)
        else:
            started = time.monotonic()
            lay_out(candidates[:2], seconds)
            each = (time.monotonic() - started) / 2  # dot's start included: an overestimate, on the safe side
            rest = sorted(candidates[2:], key=lambda c: abs(_foreseen(sizes, c, ratio)))
            rest = rest[:int(0.8 * (ends - time.monotonic()) / max(each, 1e-3))]
            if rest:
                lay_out(rest, max(ends - time.monotonic(), 1.0))
    except LayoutTooLargeError:  # out of time: the best layout measured so far
        if not sizes:
            return candidates[0][1], 1

    def score(key: tuple[int, str]) -> float:  # the smaller the better
        if largest:  # minus the scale that fits the layout in a box of the ratio: the larger its text, the better
            return -min(ratio / sizes[key][0], 1 / sizes[key][1])
        return abs(_miss(sizes[key], ratio))

    best: tuple[float, str, int] | None = None
    for parts, direction in candidates:
        if (parts, direction) in sizes and (best is None or score((parts, direction)) < best[0] - 1e-9):
            best = (score((parts, direction)), direction, parts)
    assert best is not None
    return best[1], best[2]


def _miss(size: tuple[float, float], ratio: float) -> float:
    """log((width / height) / ratio): 0 for a layout of the asked shape."""
    return math.log((size[0] / size[1]) / ratio)


def _foreseen(sizes: dict[tuple[int, str], tuple[float, float]], candidate: tuple[int, str], ratio: float) -> float:
    """The miss foreseen for `candidate` from the one-stage layout of its direction: k stages side by side (TB,
    columns) make the ratio k² times the one column's; stacked (LR, rows), 1/k² times."""
    parts, direction = candidate
    return _miss(sizes[1, direction], ratio) + (2 if direction == "TB" else -2) * math.log(parts)


def unsized(dot: graphviz.Digraph) -> graphviz.Digraph:
    """`dot` without the size and dpi `sized` gave it: an SVG is drawn unscaled, then fitted (svgfit.py)."""
    out = dot.copy()
    for key in ("size", "dpi"):
        out.graph_attr.pop(key, None)
    return out


def sized(dot: graphviz.Digraph, frame: Frame) -> graphviz.Digraph:
    """`dot` scaled, up or down, to fit the frame's box (Graphviz's size with '!'), at the frame's dpi."""
    out = dot.copy()
    out.graph_attr.update(size=f"{frame.width_in:.3f},{frame.height_in:.3f}!", dpi=str(frame.dpi))
    return out
