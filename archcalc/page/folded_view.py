"""The page's third view of a branching network (ResNet, GoogLeNet, EfficientNet, ...): its blocks folded, as
`archcalc diagram --depth 0` draws them. A block's node stands for its layers: clicking it selects its first layer's
row, and selecting any of its layers' rows lights it (`data-rows`)."""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.analysis.fold import FoldedBlock, fold

if TYPE_CHECKING:
    from archcalc.analysis import Analysis
    from archcalc.analysis.graph import Graph
    from archcalc.page import View

TITLE = "blocks folded (--depth 0)"


def branches(a: Analysis) -> bool:
    """A layer that reads two or more tensors: the network is no chain."""
    return any(len(r.inputs) > 1 for r in a.rows)


def folded_views(analyses: Sequence[Analysis], graphs: Sequence[Graph], dot_text: bool = False) -> list[View]:
    """One folded view per branching network whose blocks fold into fewer nodes than its layers."""
    from archcalc.diagram.bounded import DOT_SECONDS
    from archcalc.diagram.folded import to_folded_digraph
    from archcalc.diagram.picture import node_id
    from archcalc.diagram.render import svg_bytes
    from archcalc.page import View
    from archcalc.page.svg import clean_svg

    views = []
    ends = time.monotonic() + DOT_SECONDS
    for k, (a, graph) in enumerate(zip(analyses, graphs)):
        nodes = fold(a, graph.instances, 0) if branches(a) else ()
        if not nodes or len(nodes) >= len(a.rows):
            continue
        dot = to_folded_digraph(a, nodes)
        if dot_text:
            views.append(View(str(k), "folded", TITLE, html.escape(dot.source)))
            continue
        index = {r.name: i for i, r in enumerate(a.rows)}
        first = {x.name: index[x.rows[0].name] if isinstance(x, FoldedBlock) else index[x.name] for x in nodes}
        svg = svg_bytes(dot, ends - time.monotonic()).decode("utf-8")
        for i, x in enumerate(nodes):  # the folded view's node ids count its nodes; the page's rows count layers
            svg = svg.replace(f"<title>{node_id(0, i, x.name)}</title>", f"<title>{node_id(0, first[x.name], x.name)}</title>")
        cleaned = clean_svg(svg.encode("utf-8"), analyses, [k])
        for x in nodes:
            if isinstance(x, FoldedBlock):
                rows = " ".join(str(index[r.name]) for r in x.rows)
                cleaned = cleaned.replace(f'data-net="{k}" data-row="{first[x.name]}"',
                                          f'data-net="{k}" data-row="{first[x.name]}" data-rows="{rows}"', 1)
                cleaned = cleaned.replace(f"<title>{html.escape(x.rows[0].name)}</title>", f"<title>{html.escape(x.name)}</title>", 1)
        views.append(View(str(k), "folded", TITLE, cleaned))
    return views
