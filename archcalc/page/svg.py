"""The diagram of a page: Graphviz's SVG, cut down to drawing elements and made linkable.

Graphviz writes an SVG from labels archcalc escaped; the page still keeps only what draws
(shapes, text, groups) with their geometry and paint attributes, so no spec text can become
markup, a link or a script. Each node's group gets `data-net` and `data-row` (which network,
which layer in the spec's order), read back from the node ids picture.node_id made
('n0_3_conv2_g1'), and a focusable role, so the page links nodes and rows. Graphviz writes a
node's id as its group's title; the volumes figure (scene.Group) as the group's id. Groups lose
their ids ('node1', 'n0_0_conv1_g0'): several pictures on one page would repeat them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from archcalc.analysis import Analysis

SVG_NS = "http://www.w3.org/2000/svg"
ELEMENTS = {"svg", "g", "polygon", "polyline", "path", "ellipse", "circle", "rect", "line", "text", "tspan", "title", "defs",
            "linearGradient", "radialGradient", "stop"}
ATTRIBUTES = {"id", "class", "transform", "viewBox", "points", "d", "cx", "cy", "rx", "ry", "r", "x", "y", "x1", "y1", "x2", "y2",
              "width", "height", "fill", "stroke", "stroke-width", "stroke-dasharray", "stroke-opacity", "fill-opacity", "opacity",
              "stroke-linejoin", "paint-order",
              "font-family", "font-size", "font-weight", "font-style", "text-anchor", "text-decoration", "baseline-shift",
              "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "fx", "fy"}
NODE_ID = re.compile(r"n(\d+)_(\d+)_")


def clean_svg(svg: bytes, analyses: Sequence[Analysis], nets: Sequence[int]) -> str:
    """Graphviz's SVG as markup to inline in the page. `nets[k]` is the page's index of the picture's
    k-th network (the 'n0_' of a node id), `analyses` the page's networks, for the nodes' titles."""
    root = ET.fromstring(svg)  # dot's own output; expat reads no external entity
    _keep_drawing(root)
    for g in root.iter(f"{{{SVG_NS}}}g"):
        _link(g, analyses, nets)
    root.set("role", "img")
    root.set("class", "diagram")
    ET.register_namespace("", SVG_NS)
    return ET.tostring(root, encoding="unicode")


def _keep_drawing(element: ET.Element) -> None:
    for child in list(element):
        tag = child.tag.removeprefix(f"{{{SVG_NS}}}") if isinstance(child.tag, str) else ""
        if tag not in ELEMENTS:
            element.remove(child)
            continue
        for key in list(child.attrib):
            if key not in ATTRIBUTES:
                del child.attrib[key]
        _keep_drawing(child)
    for key in list(element.attrib):
        if key not in ATTRIBUTES and key != "xmlns":
            del element.attrib[key]


def _link(g: ET.Element, analyses: Sequence[Analysis], nets: Sequence[int]) -> None:
    """A node's group: which layer it draws, a title with the layer's name, focusable; other groups lose their titles."""
    title = g.find(f"{{{SVG_NS}}}title")
    match = NODE_ID.match(g.attrib.pop("id", "")) or (NODE_ID.match(title.text or "") if title is not None else None)
    if title is not None:
        g.remove(title)  # the DOT ids ('n0_3_conv2') mean nothing to a reader
    if g.get("class") != "node" or match is None:
        return
    k, i = nets[int(match[1])], int(match[2])
    row = analyses[k].rows[i]
    g.set("data-net", str(k))
    g.set("data-row", str(i))
    g.set("tabindex", "0")
    g.set("role", "button")
    named = ET.Element(f"{{{SVG_NS}}}title")
    named.text = row.name
    g.insert(0, named)
