"""The roofline chart, drawn by archcalc as SVG (no plotting library): log-log, FLOPs a byte across, FLOP/s up;
the chip's two roofs (matrix and vector units) over its bandwidth slope; each layer a point coloured by its
kind's category and labelled. A predicted layer sits on its roof (its least time); a measured one (`measured`)
sits below it, as far below as it is slower. Layers with no FLOPs (pooling, activations, normalisation, as torch
counts them) have no place on a log scale: a line under the chart says how many and their share of the time.

Sized for a 16:9 slide (1600 × 900): text 18 px and up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from archcalc.analysis.roofline import Roofline

WIDTH, HEIGHT = 1600, 900
LEFT, RIGHT, TOP, BOTTOM = 130, 330, 90, 130  # the plot's margins; the legend sits in the right one
FONT = "Helvetica, Arial, sans-serif"
CATEGORY_COLOURS = {  # saturated versions of the graph diagram's fills (archcalc.diagram.picture), readable as dots
    "conv": "#1f77b4", "dense": "#7b4ea3", "pool": "#2ca02c", "norm": "#e67e00", "activation": "#d62728",
    "merge": "#17a2b8", "reshape": "#7f7f7f", "dropout": "#7f7f7f",
}
CATEGORY_NAMES = {"conv": "convolution", "dense": "dense", "pool": "pooling", "norm": "normalisation", "activation": "activation",
                  "merge": "merge", "reshape": "reshape", "dropout": "dropout"}
ROOF_COLOURS = {"matrix": "#222222", "vector": "#8c8c8c"}


@dataclass(frozen=True)
class Point:
    label: str
    category: str
    intensity: float
    flops_per_s: float
    measured: bool


def _decades(low: float, high: float) -> tuple[int, int]:
    return math.floor(math.log10(low)), math.ceil(math.log10(high))


def _si(value: float) -> str:
    """10^k as people say it: 1, 10, 100, 1 k, ... 1 P."""
    for unit, scale in (("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.4g} {unit}"
    return f"{value:.4g}"


def points(r: Roofline, categories: dict[str, str], measured: dict[str, float] | None = None) -> list[Point]:
    """One point per layer with FLOPs; layers at the same place (a network's repeated blocks) become one, labelled
    with the first name and how many more."""
    grouped: dict[tuple[float, float, str], list[str]] = {}
    for x in r.layers:
        if x.flops == 0 or x.bytes == 0:
            continue
        seconds = measured.get(x.name, 0.0) if measured else 0.0
        rate = x.flops / (seconds if seconds > 0 else x.seconds)
        key = (round(math.log10(x.intensity), 3), round(math.log10(rate), 3), categories[x.name])
        grouped.setdefault(key, []).append(x.name)
    return [Point(names[0] + (f" +{len(names) - 1}" if len(names) > 1 else ""), category, 10**li, 10**lr, measured is not None)
            for (li, lr, category), names in grouped.items()]


def roofline_svg(title: str, r: Roofline, categories: dict[str, str], measured: dict[str, float] | None = None) -> str:
    """The chart as SVG text. `categories`: each layer's category; `measured`: seconds per layer, where `run` timed them."""
    pts = points(r, categories, measured)
    peaks = {u: r.hardware.peak(u, r.dtype) for u in ("matrix", "vector")}
    bandwidth = r.hardware.bandwidth
    ridge = max(peaks.values()) / bandwidth
    xs = [p.intensity for p in pts] or [1.0]
    ys = [p.flops_per_s for p in pts] or [max(peaks.values())]
    x0, x1 = _decades(min(min(xs), 1.0) / 2, max(max(xs), ridge) * 3)
    y0, y1 = _decades(min(min(ys), bandwidth * 10**x0) / 2, max(peaks.values()) * 2)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(intensity: float) -> float:
        return LEFT + (math.log10(intensity) - x0) / (x1 - x0) * plot_w

    def py(rate: float) -> float:
        return TOP + plot_h - (math.log10(rate) - y0) / (y1 - y0) * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'font-family="{FONT}">', f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
           f'<text x="{LEFT}" y="48" font-size="28" font-weight="bold">{escape(title)}</text>']
    out += _grid(x0, x1, y0, y1, px, py)
    out += _roofs(peaks, bandwidth, 10**x0, 10**x1, px, py)
    out += _points(pts, px, py)
    out += _legend(pts, peaks, bandwidth)
    out += _footer(r, categories)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _grid(x0: int, x1: int, y0: int, y1: int, px: object, py: object) -> list[str]:
    assert callable(px) and callable(py)
    top, bottom, left, right = TOP, HEIGHT - BOTTOM, LEFT, WIDTH - RIGHT
    out = [f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" stroke="#444" stroke-width="1.5"/>']
    for k in range(x0, x1 + 1):
        x = px(10.0**k)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 30}" font-size="20" text-anchor="middle">{_si(10.0**k)}</text>')
    for k in range(y0, y1 + 1):
        y = py(10.0**k)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{left - 12}" y="{y + 7:.1f}" font-size="20" text-anchor="end">{_si(10.0**k)}</text>')
    out.append(f'<text x="{(left + right) / 2}" y="{bottom + 70}" font-size="22" text-anchor="middle">'
               "arithmetic intensity: FLOPs per byte of least memory traffic</text>")
    out.append(f'<text transform="translate(36 {(top + bottom) / 2}) rotate(-90)" font-size="22" text-anchor="middle">'
               "FLOP/s</text>")
    return out


def _roofs(peaks: dict[str, float], bandwidth: float, x_low: float, x_high: float, px: object, py: object) -> list[str]:
    assert callable(px) and callable(py)
    out = []
    for units in ("vector", "matrix"):
        peak = peaks[units]
        ridge = peak / bandwidth
        colour, dash = ROOF_COLOURS[units], "" if units == "matrix" else ' stroke-dasharray="10 6"'
        start = max(x_low, peak / bandwidth / 1e6)
        out.append(f'<polyline points="{px(start):.1f},{py(start * bandwidth):.1f} {px(ridge):.1f},{py(peak):.1f} '
                   f'{px(x_high):.1f},{py(peak):.1f}" fill="none" stroke="{colour}" stroke-width="3.5"{dash}/>')
    return out


def _points(pts: Sequence[Point], px: object, py: object) -> list[str]:
    """Dots, then their labels: beside the dot where that overlaps nothing drawn yet, else lower down (predicted
    points sit on the roof, and below it the chart is empty) with a thin line back to the dot."""
    assert callable(px) and callable(py)
    at = [(px(p.intensity), py(p.flops_per_s)) for p in pts]
    taken = [(x - 11, y - 11, x + 11, y + 11) for x, y in at]  # the dots
    dots, labels = [], []
    for p, (x, y) in sorted(zip(pts, at), key=lambda q: (q[1][0], q[1][1])):
        colour = CATEGORY_COLOURS.get(p.category, "#333333")
        dots.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{"#ffffff" if p.measured else colour}" stroke="{colour}" stroke-width="3"/>')
        w, h = 10.2 * len(p.label) + 4, 22
        tries = [(14.0, 7.0, True), (-14.0 - w, 7.0, True), (-w / 2, -16.0, True)] + [(6.0, 40.0 + 28 * k, False) for k in range(14)]
        for dx, dy, beside in tries:
            box = (x + dx, y + dy - h + 5, x + dx + w, y + dy + 5)
            if box[2] > WIDTH - RIGHT + 20 or box[3] > HEIGHT - BOTTOM:
                continue
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
                taken.append(box)
                if not beside:
                    labels.append(f'<line x1="{x:.1f}" y1="{y + 10:.1f}" x2="{x + dx:.1f}" y2="{y + dy - h + 8:.1f}" stroke="{colour}" stroke-width="1.2"/>')
                labels.append(f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" font-size="19" fill="#222" stroke="#ffffff" stroke-width="5" paint-order="stroke">{escape(p.label)}</text>')
                break
    return dots + labels


def _legend(pts: Sequence[Point], peaks: dict[str, float], bandwidth: float) -> list[str]:
    x, y = WIDTH - RIGHT + 30, TOP + 10
    out = [f'<text x="{x}" y="{y}" font-size="20" font-weight="bold">layers by kind</text>']
    for category in CATEGORY_COLOURS:
        if any(p.category == category for p in pts):
            y += 34
            out.append(f'<circle cx="{x + 10}" cy="{y - 7}" r="9" fill="{CATEGORY_COLOURS[category]}"/>')
            out.append(f'<text x="{x + 30}" y="{y}" font-size="20">{CATEGORY_NAMES[category]}</text>')
    y += 60
    out.append(f'<text x="{x}" y="{y}" font-size="20" font-weight="bold">the chip</text>')
    for units in ("matrix", "vector"):
        y += 32
        dash = "" if units == "matrix" else ' stroke-dasharray="10 6"'
        out.append(f'<line x1="{x}" y1="{y - 7}" x2="{x + 36}" y2="{y - 7}" stroke="{ROOF_COLOURS[units]}" stroke-width="3.5"{dash}/>')
        out.append(f'<text x="{x + 46}" y="{y}" font-size="18">{units} units: {_si(peaks[units])}FLOP/s</text>')
    y += 30
    out.append(f'<text x="{x}" y="{y}" font-size="18">memory: {bandwidth / 1e9:.4g} GB/s (the slope)</text>')
    y += 30
    out.append(f'<text x="{x}" y="{y}" font-size="18">ridge: {peaks["matrix"] / bandwidth:.3g} FLOPs/byte</text>')
    if any(p.measured for p in pts):
        y += 40
        out.append(f'<text x="{x}" y="{y}" font-size="18">hollow: measured</text>')
    return out


def _footer(r: Roofline, categories: dict[str, str]) -> list[str]:
    flopless = [x for x in r.layers if x.flops == 0 and x.bytes > 0]
    share = sum(x.seconds for x in flopless) / r.seconds if r.seconds else 0.0
    line = (f"Not drawn: {len(flopless)} layers with no FLOPs (pooling, activations, normalisation as torch counts them), "
            f"memory-bound by definition: {share:.0%} of the least time." if flopless else "Every layer with traffic is drawn.")
    return [f'<text x="{LEFT}" y="{HEIGHT - 22}" font-size="19" fill="#444">{escape(line)}</text>']
