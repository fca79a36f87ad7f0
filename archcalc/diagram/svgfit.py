"""An SVG scaled to a slide's box by its width and height alone, its viewBox (what is drawn) untouched.

Graphviz 2.43 given a `dpi` writes SVG content dpi/72 times larger than its viewBox (the right and
bottom quarter of a 96 dpi slide were cut off), and with a `size` it rounds the scale it draws at to
two decimals (a picture shrunk to 0.1 loses up to 5 % at its edge). So an SVG for a slide is drawn
unscaled, and only the root's width and height are set here: every viewer scales the whole viewBox
into them. The same serves archcalc's own SVGs (the volumes figure, the roofline chart).
"""

from __future__ import annotations

import re

CSS_PX_PER_INCH = 96  # an SVG's px: a 16:9 slide is 1920 × 1080 of them

_ROOT = re.compile(r"<svg\b[^>]*>", re.S)
_VIEWBOX = re.compile(r'\sviewBox="([^"]*)"')
_SIDE = re.compile(r'\s(width|height)="[^"]*"')


def viewbox(svg: str) -> tuple[float, float]:
    """The width and height of the root's viewBox."""
    root = _ROOT.search(svg)
    box = _VIEWBOX.search(root[0]) if root else None
    if box is None:
        raise ValueError("an SVG without a viewBox on its root")
    _, _, w, h = (float(v) for v in box[1].replace(",", " ").split())
    return w, h


def fitted_size(view: tuple[float, float], box_px: tuple[float, float]) -> tuple[float, float]:
    """The largest width × height of the view's shape inside the box (px), scaled up or down."""
    scale = min(box_px[0] / view[0], box_px[1] / view[1])
    return view[0] * scale, view[1] * scale


def fit_svg(svg: str, box_px: tuple[float, float]) -> str:
    """`svg` with its root's width and height (px) set to fit `box_px`, keeping its viewBox's shape."""
    root = _ROOT.search(svg)
    assert root is not None, "an SVG without a root"
    width, height = fitted_size(viewbox(svg), box_px)
    head = _SIDE.sub("", root[0])
    head = head[:4] + f' width="{width:.0f}px" height="{height:.0f}px"' + head[4:]
    return svg[:root.start()] + head + svg[root.end():]
