"""Tables to stdout as a person reads them: at their natural width, never narrower, without trailing
spaces, in ASCII forms on a stream that cannot hold Unicode."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import click
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from archcalc.cli import terminal
from archcalc.cli.lazy import COLUMNS, WIDE
from archcalc.cli.prose import wrap
from archcalc.report.fit import fit, left_out_line, pickable
from archcalc.report.layout import grid, lines, width_of


def print_whole(renderable: RenderableType, wide: bool | None = None, columns: Sequence[str] | None = None) -> None:
    """Print to stdout. In a pipe or a file (or with `wide`), at the renderable's natural width, never narrower:
    a figure, a shape or an arithmetic is never cut or wrapped. In a terminal, to its width: each table keeps
    the columns that fit (archcalc.report.fit) and says which it left out, prose wraps between words.
    `columns`: the keys of show's layer table to show (--columns). `wide` None: the command's --wide, if any.
    Lines end without trailing spaces. A failed write is terminal.WriteError."""
    terminal.stdout()  # there is one
    console = Console(highlight=False, emoji=False)  # text as archcalc wrote it: no colouring of numbers, no :emoji: codes
    if wide is None or columns is None:
        meta = click.get_current_context(silent=True)
        wide = wide if wide is not None else bool(meta and meta.meta.get(WIDE))
        columns = columns if columns is not None else (meta.meta.get(COLUMNS) if meta else None)
    if not console.encoding.startswith("utf"):  # an ASCII stdout: ASCII forms, before the layout, so that columns line up
        from archcalc.report.ascii import transliterate

        renderable = transliterate(renderable, lambda text: terminal.for_stream(text, terminal.stdout()))
    parts = _flat(renderable)
    # one reading of each table's cells (rich's own layout, for the tables it alone can draw: an ASCII stdout's boxes)
    grids = [grid(console, p) if isinstance(p, Table) and console.encoding.startswith("utf") else None for p in parts]
    narrow = console.is_terminal and not wide
    if narrow:
        width = console.width
    else:
        natural = max((width_of(g.widest) if g is not None else console.measure(p, options=console.options.update_width(10_000)).maximum)
                      for p, g in zip(parts, grids))
        width = max(natural, console.width) if console.is_terminal else natural
    # laid out into a string at that width, with the colours stdout takes; written by terminal.write_out,
    # so that a failed write (a full disk) is said once and rich never writes to stdout itself
    laid_out = _Page(console.encoding)
    page = Console(file=laid_out, width=width, soft_wrap=False, highlight=False, emoji=False, force_terminal=console.is_terminal,
                   color_system="truecolor" if console.color_system == "truecolor" else "256" if console.color_system == "256"
                   else "standard" if console.color_system else None)
    for part, g in zip(parts, grids):
        if g is None:
            page.print(wrap(part, width) if narrow and isinstance(part, Text) else part)  # prose: a number kept with its unit
            continue
        f = fit(g, width if narrow else None, columns)
        rows = lines(page, g, f.widths, f.keep, f.under)
        if narrow and f.left_out:
            note = Text(left_out_line(f, width, pickable(g.table)), style="dim").wrap(page, width)
            rows = [*rows[:-1], *note, rows[-1]] if not g.table.caption else [*rows, *note, Text()]
        if page.color_system is None:
            laid_out.write("".join(line.plain + "\n" for line in rows))
        else:
            page.print(Text("\n").join(rows), soft_wrap=True)
    terminal.write_out("\n".join(_trim(line) for line in laid_out.getvalue().split("\n")))


def _flat(renderable: RenderableType) -> list[RenderableType]:
    """A Group's renderables, nested groups opened, in order."""
    if isinstance(renderable, Group):
        return [p for r in renderable.renderables for p in _flat(r)]
    return [renderable]


class _Page(io.StringIO):
    """A string to lay a table out in, with the encoding of the stdout it is for (rich draws ASCII boxes for an ASCII one)."""

    def __init__(self, encoding: str) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


_TAIL = re.compile(r"(?:[ ]|\x1b\[[0-9;]*m)+$")  # trailing spaces, with the colour codes among them
_CODE = re.compile(r"\x1b\[[0-9;]*m")


def _trim(line: str) -> str:
    """The line without its trailing spaces; the colour codes among them stay (they close a style)."""
    if "\x1b" not in line:
        return line.rstrip(" ")
    tail = _TAIL.search(line)
    return line if tail is None else line[: tail.start()] + "".join(_CODE.findall(tail.group()))
