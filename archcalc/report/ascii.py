"""A rich renderable with the characters a stream cannot hold (×, →, ✓ on an ASCII stdout) in their
ASCII forms (archcalc.cli.terminal), made before rich lays it out, so that the columns still line up."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

Plain = Callable[[str], str]


def transliterate(r: RenderableType, plain: Plain) -> RenderableType:
    """`r` with its text through `plain` (str → str): Groups, Tables, Panels and Texts; anything else as it is."""
    if isinstance(r, str):
        return plain(r)
    if isinstance(r, Text):
        return _text(r, plain)
    if isinstance(r, Group):
        return Group(*(transliterate(x, plain) for x in r.renderables))
    if isinstance(r, Table):
        table = copy.copy(r)
        table.title, table.caption = _cell(r.title, plain), _cell(r.caption, plain)
        table.columns = [dataclasses.replace(c, header=_cell(c.header, plain), footer=_cell(c.footer, plain),
                                             _cells=[_cell(x, plain) for x in c._cells]) for c in r.columns]
        return table
    if isinstance(r, Panel):
        panel = copy.copy(r)
        panel.renderable, panel.title = transliterate(r.renderable, plain), _cell(r.title, plain)
        return panel
    return r


def _cell(value: Any, plain: Plain) -> Any:
    return transliterate(value, plain) if isinstance(value, (str, Text)) else value


def _text(t: Text, plain: Plain) -> Text:
    """The text piece by piece between the edges of its styles, each piece in its styles."""
    out = Text(style=t.style, justify=t.justify, overflow=t.overflow, no_wrap=t.no_wrap, end=t.end)
    edges = sorted({0, len(t.plain), *(s.start for s in t.spans), *(s.end for s in t.spans)})
    for start, end in zip(edges, edges[1:]):
        at = len(out.plain)
        out.append(plain(t.plain[start:end]))
        for span in t.spans:
            if span.start <= start and end <= span.end:
                out.stylize(span.style, at, len(out.plain))
    return out
