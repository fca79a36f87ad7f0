"""`archcalc report`: one self-contained HTML page per network (or per comparison), built from the
facts of `show --format json` (facts.py), with the Graphviz picture inline (svg.py) and, for a
chain, the paper-style volumes figure as a second view of it.

The page makes no network request: its style, script, data and pictures are inside it, and its
Content-Security-Policy forbids loading anything else. Spec text reaches it as JSON in a data
block (every '<' written as \\u003c, so no text can close the block) and reaches the page's
DOM through textContent only.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archcalc.atomic import check_target
from archcalc.errors import ArchcalcError
from archcalc.page.facts import page_facts

if TYPE_CHECKING:
    from archcalc.analysis import Analysis, ValidInputs
    from archcalc.analysis.graph import Graph
    from archcalc.analysis.memory import DtypeMemory

NO_DOT = ("no diagram: Graphviz's 'dot' program is not on the PATH; install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; "
          "macOS: brew install graphviz; conda: conda install -c conda-forge graphviz) and run the command again")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class View:
    """One picture of a network (`net`: its index on the page) or of the comparison (`net` 'all')."""
    net: str
    name: str   # 'graph': the Graphviz view; a second view (the paper's volumes) takes its own name
    title: str  # the switch's words
    svg: str    # clean markup, from svg.clean_svg


def page_target(out: Path) -> Path:
    """The file a page named `out` goes to (archcalc.atomic.check_target); a name that is not .html (or .htm) fails before any work."""
    if out.suffix.lower() not in (".html", ".htm"):
        given = f"'{out.suffix}'" if out.suffix else "no extension"
        raise ArchcalcError(f"--out {out}: {given} is not a page archcalc writes", f"end the file name in .html, e.g. {out.stem or 'alexnet'}.html")
    return check_target(out, "alexnet.html")


def build_page(analyses: Sequence[Analysis], valids: Sequence[tuple[ValidInputs, ...]], mems: Sequence[DtypeMemory],
               dot_text: bool = False, roofs: Sequence[tuple[str, str]] = (), graphs: Sequence[Graph] = ()) -> str:
    """The page for one network, or for several (their comparison first, then each network's section).
    `dot_text`: each Graphviz view as the DOT text dot would draw it from, not dot's SVG (which differs
    between Graphviz versions): the page's source, as docs/make_figures.py records it, needing no Graphviz.
    `roofs`: each network's roofline chart (its switch's words, the SVG of archcalc.diagram.roofline_chart), with --hardware.
    `graphs`: the networks' graphs, for a branching network's view with its blocks folded (folded_view.py)."""
    from archcalc.analysis.compare import compare

    comparison = compare(list(analyses)) if len(analyses) > 1 else None
    views, notes = graph_views(analyses, dot_text)
    charts = [View(str(k), "roofline", title, clean_roofline(svg, analyses, k)) for k, (title, svg) in enumerate(roofs)]
    folded = []
    if graphs and views:  # as the layer graph: none without dot (or past the page's drawing limits)
        from archcalc.page.folded_view import folded_views

        folded = folded_views(analyses, graphs, dot_text)
    return render_page(page_facts(analyses, valids, mems, comparison, notes), [*views, *folded, *volume_views(analyses), *charts])


def clean_roofline(svg: str, analyses: Sequence[Analysis], k: int) -> str:
    from archcalc.page.svg import clean_svg

    return clean_svg(svg.encode("utf-8"), analyses, [k])


def graph_views(analyses: Sequence[Analysis], dot_text: bool = False) -> tuple[list[View], list[str]]:
    """The Graphviz picture of each network, and side by side for several; or, without dot, a note why there is none."""
    import shutil
    import time

    from archcalc.diagram import to_digraph
    from archcalc.diagram.bounded import DOT_SECONDS, LayoutTooLargeError, check_drawn
    from archcalc.diagram.render import svg_bytes
    from archcalc.page.svg import clean_svg

    pictures = [(str(k), [k], [a]) for k, a in enumerate(analyses)]
    if len(analyses) > 1:
        pictures.append(("all", list(range(len(analyses))), list(analyses)))
    if not dot_text and shutil.which("dot") is None:
        return [], [NO_DOT]
    views = []
    ends = time.monotonic() + DOT_SECONDS  # every picture of the page together
    try:
        for net, nets, drawn in pictures:
            if not dot_text:
                check_drawn(sum(len(a.rows) for a in drawn), "graph")
            dot = to_digraph(drawn)
            svg = html.escape(dot.source) if dot_text else clean_svg(svg_bytes(dot, ends - time.monotonic()), analyses, nets)
            views.append(View(net, "graph", "layer graph", svg))
    except LayoutTooLargeError as exc:
        return [], [f"no graph view: {exc.message}; archcalc diagram draws it with blocks folded (--depth 0), or writes its DOT "
                    "source (--out NAME.dot)"]
    except ArchcalcError as exc:
        return [], [f"no graph view: {exc.message}" + (f"; {exc.hint}" if exc.hint else "")]
    return views, []


def volume_views(analyses: Sequence[Analysis]) -> list[View]:
    """The paper's figure (diagram --style volumes) of each network that is a chain (LeNet, AlexNet, VGG);
    none for one with merges (ResNet, GoogLeNet), which that style refuses: its Graphviz view stands alone;
    none past MAX_DRAWN_LAYERS layers (the graph view's note says why)."""
    from archcalc.diagram import to_svg, to_volumes
    from archcalc.diagram.volumes import chain_break
    from archcalc.limits import MAX_DRAWN_LAYERS
    from archcalc.page.svg import clean_svg

    return [View(str(k), "volumes", "volumes, as the papers draw it", clean_svg(to_svg(to_volumes(a)).encode("utf-8"), analyses, [k]))
            for k, a in enumerate(analyses) if len(a.rows) <= MAX_DRAWN_LAYERS and chain_break(a.rows) is None]


def render_page(facts: dict[str, Any], views: Sequence[View]) -> str:
    """The HTML text: the template with the style, the script, the facts and the pictures put in, each once."""
    assets = resources.files("archcalc.page") / "assets"
    data = json.dumps(facts, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    parts = {
        "generator": "archcalc report",
        "title": html.escape(facts["title"]),
        "css": (assets / "page.css").read_text(encoding="utf-8"),
        "script": (assets / "page.js").read_text(encoding="utf-8"),
        "facts": data,
        "views": "".join(f'<div class="view" data-net="{html.escape(v.net)}" data-view="{html.escape(v.name)}" '
                         f'data-title="{html.escape(v.title)}">{v.svg}</div>\n' for v in views),
    }
    template = (assets / "page.html").read_text(encoding="utf-8")
    return PLACEHOLDER.sub(lambda m: parts[m[1]], template)  # one pass: a part's own text is never read as a placeholder
