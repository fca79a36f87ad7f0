"""What the commands share: loading spec arguments, and writing tables, text, JSON and pages to stdout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from archcalc.cli import terminal
from archcalc.errors import ArchcalcError
from archcalc.limits import MAX_LAYERS

if TYPE_CHECKING:  # the analysis imported where a spec is loaded: `kinds` and `schema` need none of it
    from rich.console import RenderableType

    from archcalc import analysis
    from archcalc.analysis import Analysis
    from archcalc.analysis.graph import Graph


def load(spec: str, input_text: str | None, max_layers: int = MAX_LAYERS) -> tuple[Graph, Analysis]:
    """One spec argument (a file, a bundled name, or '-' for standard input), analysed."""
    from archcalc.analysis import analyse
    from archcalc.analysis.graph import build_graph
    from archcalc.cli.options import parse_input
    from archcalc.specfile import load_spec

    graph = build_graph(load_spec(spec, max_layers))
    return graph, analyse(graph, parse_input(input_text, graph.input))


def load_all(specs: Sequence[str], input_text: str | None, max_layers: int = MAX_LAYERS) -> list[tuple[Graph, Analysis]]:
    """Several spec arguments, of which one may be '-'."""
    from archcalc.specfile import stdin_once

    stdin_once(specs)
    return [load(s, input_text, max_layers) for s in specs]


def emit(renderable: RenderableType) -> None:
    """Print a table to stdout, never cut or wrapped (archcalc.cli.tables)."""
    from archcalc.cli.tables import print_whole  # rich only for the tables

    print_whole(renderable)


def emit_text(text: str) -> None:
    terminal.write_out(text)


def emit_prose(text: str) -> None:
    """Sentences a person reads (training memory, checkpointing, ...): in a terminal, wrapped at its width between words,
    a number kept with its unit (archcalc.cli.prose); in a pipe or a file, as they are."""
    from rich.text import Text  # rich only for the tables and prose

    emit(Text(text.rstrip("\n")))


def emit_json(doc: Any) -> None:
    from archcalc.cli.jsonout import write_json

    write_json(doc)


def html_page(analyses: Sequence[Analysis], valids: Sequence[tuple[analysis.ValidInputs, ...]], batch: int, dtype: str,
              dot_text: bool = False, hardware: str | None = None, graphs: Sequence[Graph] = ()) -> str:
    need_graphviz_package()
    from archcalc.analysis.memory import dtype_bytes, memory
    from archcalc.cli.roofline import roofline_picture
    from archcalc.page import build_page  # graphviz only for the page's diagram

    roofs = [(f"roofline on {hardware}", roofline_picture(a, hardware, batch, dtype)) for a in analyses] if hardware else []
    return build_page(analyses, valids, [(dtype, memory(a.rows, batch, dtype_bytes(dtype))) for a in analyses], dot_text, roofs, graphs)


def need_graphviz_package() -> None:
    """One line, not a traceback, when the `graphviz` Python package does not import (archcalc's install brings it;
    a missing `dot` program is said where a picture is rendered)."""
    try:
        import graphviz  # noqa: F401
    except ImportError as exc:
        raise ArchcalcError(f"the Python package 'graphviz' could not be imported ({exc})",
                            "install it: pip install graphviz (pip install archcalc brings it)") from None
