"""What an SVG looks like on a slide, read from its text: the smallest text's height in px when the picture
fills a 1920 × 1080 frame, and the box its drawn content covers in viewBox units.

Both read the coordinates the SVG writes: Graphviz's (one group with 'scale(s s) rotate(0) translate(x y)'
and absolute coordinates in its polygons, paths, ellipses and text) and archcalc's own (no transform).
A text counts by its anchor point, from 0.8 em above its baseline to 0.25 em below (its width is the
renderer's: Graphviz's boxes around node text, and tests/test_volumes.py's text boxes, bound it).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
SLIDE = (1920.0, 1080.0)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _transform(element: ET.Element) -> tuple[float, float, float, float]:
    """(sx, sy, tx, ty) of Graphviz's 'scale(sx sy) rotate(0) translate(tx ty)'; identity where none."""
    t = element.get("transform") or ""
    scale = re.search(r"scale\(([^)]*)\)", t)
    move = re.search(r"translate\(([^)]*)\)", t)
    sx, sy = (float(v) for v in _NUMBER.findall(scale[1])) if scale else (1.0, 1.0)
    tx, ty = (float(v) for v in _NUMBER.findall(move[1])) if move else (0.0, 0.0)
    return sx, sy, tx, ty


def viewbox(root: ET.Element) -> tuple[float, float]:
    _, _, w, h = (float(v) for v in _NUMBER.findall(root.get("viewBox") or ""))
    return w, h


def _walk(element: ET.Element, t: tuple[float, float, float, float]) -> list[tuple[ET.Element, tuple[float, float, float, float]]]:
    here = _transform(element) if element.get("transform") else None
    if here is not None:  # Graphviz's one group: nested transforms do not occur
        t = here
    out = [(element, t)]
    for child in element:
        out += _walk(child, t)
    return out


def smallest_text_px(svg: str, frame: tuple[float, float] = SLIDE) -> float:
    """The smallest font size, in px, when the whole picture is scaled to fit `frame`."""
    root = ET.fromstring(svg)
    w, h = viewbox(root)
    fit = min(frame[0] / w, frame[1] / h)
    sizes = [float(e.get("font-size") or 0) * t[1] * fit for e, t in _walk(root, (1, 1, 0, 0)) if e.tag == f"{SVG}text"]
    return min(sizes)


def drawn_box(svg: str) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of everything drawn, in viewBox units."""
    root = ET.fromstring(svg)
    xs: list[float] = []
    ys: list[float] = []

    def put(x: float, y: float, t: tuple[float, float, float, float]) -> None:
        xs.append((x + t[2]) * t[0])
        ys.append((y + t[3]) * t[1])

    for e, t in _walk(root, (1, 1, 0, 0)):
        tag = e.tag.removeprefix(SVG)
        if tag in ("polygon", "polyline", "path"):
            numbers = [float(v) for v in _NUMBER.findall(e.get("points") or e.get("d") or "")]
            for x, y in zip(numbers[::2], numbers[1::2]):
                put(x, y, t)
        elif tag == "line":
            for end in ("1", "2"):
                put(float(e.get("x" + end) or 0), float(e.get("y" + end) or 0), t)
        elif tag == "ellipse":
            cx, cy, rx, ry = (float(e.get(k) or 0) for k in ("cx", "cy", "rx", "ry"))
            put(cx - rx, cy - ry, t)
            put(cx + rx, cy + ry, t)
        elif tag == "text" and (e.text or "").strip():
            size, x, y = (float(e.get(k) or 0) for k in ("font-size", "x", "y"))
            put(x, y - 0.8 * size, t)
            put(x, y + 0.25 * size, t)
    return min(xs), min(ys), max(xs), max(ys)
