"""The network as a picture: `to_digraph` builds it (picture.py, pure), `render` writes it (render.py, atomic)."""

from __future__ import annotations

import os

from archcalc.diagram.picture import CROSSING, DEFAULT_DIRECTION, DIRECTIONS, FINDING, STYLES, node_id, to_digraph
from archcalc.diagram.render import FORMATS, output_format, render, spec_named_by

__all__ = ["CROSSING", "DEFAULT_DIRECTION", "DIRECTIONS", "FINDING", "FORMATS", "STYLES", "node_id", "os", "output_format", "render",
           "spec_named_by", "to_digraph"]
