"""The network as a picture: `to_digraph` builds it (picture.py, pure), `render` writes it (render.py, atomic).

`--style volumes` is drawn by archcalc itself: volumes.py picks the volumes, volume_layout.py lays
them out as a Scene, scene.py writes its SVG, and render_svg writes that (or converts it).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import graphviz

from archcalc.analysis import Analysis
from archcalc.analysis.fold import FoldedBlock, Node, fold
from archcalc.analysis.graph import Graph
from archcalc.diagram.bounded import check_drawn
from archcalc.diagram.fit import Frame, choose_layout, parse_frame, sized, unsized
from archcalc.diagram.folded import to_folded_digraph
from archcalc.diagram.picture import CROSSING, DEFAULT_DIRECTION, DIRECTIONS, FINDING, STYLES, node_id, to_digraph
from archcalc.diagram.render import FORMATS, output_format, render, render_svg, spec_named_by, svg_bytes
from archcalc.diagram.scene import Scene, to_svg
from archcalc.diagram.svgfit import fit_svg
from archcalc.diagram.towers import towers_fitted
from archcalc.diagram.volume_layout import fitted, layout
from archcalc.diagram.volumes import stages

PICTURE_STYLES = ("graph", "volumes")


def picture(graph: Graph, a: Analysis, style: str, depth: int | None, direction: str, frame: Frame | None,
            bounded: bool = True) -> graphviz.Digraph | str:
    """One network's picture as the options ask: a Digraph (Graphviz style) or SVG text (volumes); `bounded`:
    refused past MAX_DRAWN_LAYERS nodes (DOT source for --out NAME.dot is not bounded: dot does not run)."""
    nodes = None if depth is None else fold(a, graph.instances, depth)
    if bounded or style == "volumes":
        check_drawn(len(a.rows if nodes is None else nodes), style)
    if style == "volumes":
        if frame is not None and frame.ratio is not None:  # a long chain wraps into rows
            return to_svg(fitted(a, stages(a, nodes, bool(graph.instances)), frame.ratio, slide=True))  # slide mode
        return to_svg(to_volumes(a, nodes, bool(graph.instances)))
    if frame is None and nodes is None:
        return to_digraph([a], direction)
    if a.gpus > 1 and not any(isinstance(x, FoldedBlock) for x in nodes or ()):
        if frame is not None and frame.ratio is not None:  # on a slide, the towers left to right (towers.py)
            dot = towers_fitted(a, frame.ratio)
        else:
            dot = to_digraph([a], direction)  # keeps its GPU columns: only scaled
    else:
        shown = a.rows if nodes is None else nodes
        slide = frame is not None and frame.ratio is not None  # a slide's shape: slide mode (slide.py)
        if frame is not None and frame.ratio is not None:
            direction, parts = choose_layout(lambda d, k: to_folded_digraph(a, shown, d, k, slide), frame.ratio, len(shown) + 1,
                                             largest=slide)
        else:
            parts = 1
        dot = to_folded_digraph(a, shown, direction, parts, slide)
    return dot if frame is None else sized(dot, frame)


def write(drawing: graphviz.Digraph | str, out: Path, frame: Frame | None) -> str | None:
    """Write the picture; returns a note to show (Graphviz shrank a large PNG), or None. An SVG for a frame
    is drawn unscaled and given the frame's width and height (svgfit.py: Graphviz's own scaling cuts it off)."""
    svg = output_format(out) == "svg" and frame is not None
    if isinstance(drawing, str):
        render_svg(fit_svg(drawing, frame.svg_box_px) if svg and frame is not None else drawing, out,
                   None if frame is None else frame.box_px)
        return None
    if svg and frame is not None:
        render_svg(fit_svg(svg_bytes(unsized(drawing)).decode("utf-8"), frame.svg_box_px), out)
        return None
    return render(drawing, out)


def to_volumes(a: Analysis, nodes: Sequence[Node] | None = None, foldable: bool = False) -> Scene:
    """The paper-style figure of a chain: volumes in perspective, one stream per GPU; `nodes`: with blocks folded."""
    return layout(a, stages(a, nodes, foldable))


__all__ = ["check_drawn", "CROSSING", "DEFAULT_DIRECTION", "DIRECTIONS", "FINDING", "FORMATS", "Frame", "Node", "fold", "parse_frame", "picture", "write", "to_folded_digraph", "PICTURE_STYLES", "STYLES", "Scene", "node_id", "os",
           "output_format", "render", "render_svg", "spec_named_by", "to_digraph", "to_svg", "to_volumes"]
