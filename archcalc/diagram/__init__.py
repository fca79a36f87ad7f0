"""The network as a picture: `to_digraph` builds it (picture.py, pure), `render` writes it (render.py, atomic).

`--style volumes` is drawn by archcalc itself: volumes.py picks the volumes, volume_layout.py lays
them out as a Scene, scene.py writes its SVG, and render_svg writes that (or converts it).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from archcalc.analysis import Analysis
from archcalc.analysis.fold import Node, fold
from archcalc.diagram.folded import to_folded_digraph
from archcalc.diagram.picture import CROSSING, DEFAULT_DIRECTION, DIRECTIONS, FINDING, STYLES, node_id, to_digraph
from archcalc.diagram.render import FORMATS, output_format, render, render_svg, spec_named_by
from archcalc.diagram.scene import Scene, to_svg
from archcalc.diagram.volume_layout import layout
from archcalc.diagram.volumes import stages

PICTURE_STYLES = ("graph", "volumes")


def to_volumes(a: Analysis, nodes: Sequence[Node] | None = None, foldable: bool = False) -> Scene:
    """The paper-style figure of a chain: volumes in perspective, one stream per GPU; `nodes`: with blocks folded."""
    return layout(a, stages(a, nodes, foldable))


__all__ = ["CROSSING", "DEFAULT_DIRECTION", "DIRECTIONS", "FINDING", "FORMATS", "Node", "fold", "to_folded_digraph", "PICTURE_STYLES", "STYLES", "Scene", "node_id", "os",
           "output_format", "render", "render_svg", "spec_named_by", "to_digraph", "to_svg", "to_volumes"]
