"""The network as a picture: `to_digraph` builds it (picture.py, pure), `render` writes it (render.py, atomic).

`--style volumes` is drawn by archcalc itself: volumes.py picks the volumes, volume_layout.py lays
them out as a Scene, scene.py writes its SVG, and render_svg writes that (or converts it).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import graphviz

from archcalc.analysis import Analysis
from archcalc.analysis.fold import FoldedBlock, Node, fold
from archcalc.analysis.fuse import Shown, fuse
from archcalc.analysis.graph import Graph
from archcalc.diagram.bounded import check_drawn
from archcalc.diagram.candidates import candidate_builder, u_builder
from archcalc.diagram.fit import Frame, choose_layout, parse_frame, sized, unsized
from archcalc.diagram.folded import to_folded_digraph, u_of
from archcalc.diagram.picture import CROSSING, DEFAULT_DIRECTION, DIRECTIONS, FINDING, STYLES, node_id, to_digraph
from archcalc.diagram.render import FORMATS, output_format, render, render_svg, spec_named_by, svg_bytes
from archcalc.diagram.svgfit import fit_svg
from archcalc.diagram.towers import towers_fitted
from archcalc.diagram.ushape import largest_u
from archcalc.errors import ArchcalcError

if TYPE_CHECKING:  # the volumes figure's modules are imported when it is drawn (its xml.sax alone: 28 ms)
    from archcalc.diagram.scene import Scene, to_svg

PICTURE_STYLES = ("graph", "volumes")


def picture(graph: Graph, a: Analysis, style: str, depth: int | None, direction: str, frame: Frame | None,
            bounded: bool = True, fused: bool = False) -> graphviz.Digraph | str:
    """One network's picture as the options ask: a Digraph (Graphviz style) or SVG text (volumes); `bounded`:
    refused past MAX_DRAWN_LAYERS nodes (DOT source for --out NAME.dot is not bounded: dot does not run);
    `fused`: conv + norm + activation as one node (the Graphviz style; volumes already draw them as one)."""
    nodes = None if depth is None else fold(a, graph.instances, depth)
    if fused and style != "volumes":
        if a.gpus > 1:
            raise ArchcalcError(f"--fuse: {a.name} is split across {a.gpus} GPUs, and its picture keeps every layer in its GPU's column",
                                "draw it without --fuse")
        return _fused_picture(a, fuse(a.rows if nodes is None else nodes), direction, frame)
    if bounded or style == "volumes":
        check_drawn(len(a.rows if nodes is None else nodes), style)
    if style == "volumes":
        from archcalc.diagram.scene import to_svg
        from archcalc.diagram.volume_slide import slide_fitted
        from archcalc.diagram.volumes import stages

        if frame is not None and frame.ratio is not None:  # a long chain wraps into rows
            return to_svg(slide_fitted(a, stages(a, nodes, bool(graph.instances)), frame.ratio))  # slide mode
        return to_svg(to_volumes(a, nodes, bool(graph.instances)))
    if frame is None and nodes is None:
        return to_folded_digraph(a, a.rows, direction) if u_of(a, a.rows) else to_digraph([a], direction)
    if a.gpus > 1 and not any(isinstance(x, FoldedBlock) for x in nodes or ()):
        if frame is not None and frame.ratio is not None:  # on a slide, the towers left to right (towers.py)
            dot = towers_fitted(a, frame.ratio)
        else:
            dot = to_digraph([a], direction)  # keeps its GPU columns: only scaled
    else:
        shown = a.rows if nodes is None else nodes
        slide = frame is not None and frame.ratio is not None  # a slide's shape: slide mode (slide.py)
        if frame is not None and frame.ratio is not None and u_of(a, shown):  # a U keeps its shape and direction (ushape.py)
            return sized(largest_u(u_builder(a, shown, direction), frame.ratio), frame)
        if frame is not None and frame.ratio is not None:
            build = candidate_builder(a, shown, slide)  # the chosen layout drawn with the words made for the candidates
            direction, parts = choose_layout(build, frame.ratio, len(shown) + 1, largest=slide)
            dot = build(direction, parts)
        else:
            dot = to_folded_digraph(a, shown, direction, 1, slide=slide)
    return dot if frame is None else sized(dot, frame)


def _fused_picture(a: Analysis, shown: tuple[Shown, ...], direction: str, frame: Frame | None) -> graphviz.Digraph:
    build = candidate_builder(a, shown, False, edge_shapes=False)
    parts = 1
    if frame is not None and frame.ratio is not None:
        direction, parts = choose_layout(build, frame.ratio, len(shown) + 1)
    dot = build(direction, parts)
    return dot if frame is None else sized(dot, frame)


SLIDE_NODES = 36  # past this many layers drawn one by one, a 16:9 slide's text falls under 20 px at 1920×1080 (U-Net's 35:
# 21 px; SqueezeNet's 40: 16 px; MobileNetV2's 152: 12 px; ViT-B/16's 128: 7 px, measured on the bundled specs)


def slide_note(graph: Graph, a: Analysis, style: str, depth: int | None, fuse: bool, frame: Frame | None) -> str | None:
    """What to say when a slide draws a network of blocks layer by layer: its text comes out small; --depth 0 helps."""
    if frame is None or frame.ratio is None or style != "graph" or depth is not None or fuse or not graph.instances:
        return None
    if len(a.rows) <= SLIDE_NODES or u_of(a, a.rows):
        return None
    return (f"{len(a.rows):,} layers drawn one by one come out small on a slide (under 20 px at 1920×1080): "
            "--depth 0 draws each block as one node")


def depth_note(graph: Graph, depth: int | None) -> str | None:
    """What to say when `--depth` folds nothing: the spec uses no blocks, or none nests that deep."""
    if depth is None or any(i.depth == depth for i in graph.instances):
        return None
    if not graph.instances:
        return f"--depth {depth} folds nothing: the spec uses no blocks, so every layer is drawn"
    deepest = max(i.depth for i in graph.instances)
    count = sum(i.depth == deepest for i in graph.instances)
    nest = "use no other block" if deepest == 0 else f"nest at most {deepest} deep"
    return (f"--depth {depth} folds nothing: the spec's blocks {nest}, so every layer is drawn "
            f"(--depth {deepest} folds its {count:,} blocks there)")


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
    from archcalc.diagram.volume_layout import layout
    from archcalc.diagram.volumes import stages

    return layout(a, stages(a, nodes, foldable))


def __getattr__(name: str) -> object:  # the volumes figure's names, imported when first asked for
    if name in ("Scene", "to_svg"):
        from archcalc.diagram import scene

        return getattr(scene, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["check_drawn", "CROSSING", "depth_note", "slide_note", "DEFAULT_DIRECTION", "DIRECTIONS", "FINDING", "FORMATS", "Frame", "Node", "fold", "parse_frame", "picture", "write", "to_folded_digraph", "PICTURE_STYLES", "STYLES", "Scene", "node_id", "os",
           "output_format", "render", "render_svg", "spec_named_by", "to_digraph", "to_svg", "to_volumes"]
