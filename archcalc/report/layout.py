"""A rich Table laid out in one pass: each column's width from its cells' own text, each row as one
line of Text (rich keeps what it is good at: markup read safely, colours, terminals).

rich lays a table out by measuring every cell (twice: once for the table's natural width, once to
print it) and then rendering each cell as a renderable of its own, about 1 ms a row; here a cell is
measured once and a row is a string with its style spans. The lines are byte for byte what rich
writes for the tables archcalc draws (box.SIMPLE_HEAD, padding 1, header and footer); a table with
anything else is left to rich (`laid_out` returns None).

A table may also be narrowed to a width (archcalc.report.fit chooses its columns): the wrapping
columns (text, not figures) wrap between words, down to their longest word, and a column chosen to
go `under` the row (the size arithmetic) gets a line of its own beneath each row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.style import Style, StyleType
from rich.table import Column, Table
from rich.text import Span, Text

Cell = tuple[str, "Text | None", int]  # a cell's text, its styled Text where it has styles (else None), its width in cells


@dataclass
class Grid:
    """A table's cells as Text, row by row (the header first, the footer last), and what each column needs."""

    table: Table
    cells: list[list[Cell]]  # [row][column]
    widest: list[int]  # each column's widest line
    shortest: list[int]  # each column's narrowest width: its longest word where it wraps, else its widest line
    styles: list[Style | None]  # each row's base style (header, body row, footer)

    @property
    def wraps(self) -> list[bool]:
        return [wrapping(c, i) for i, c in enumerate(self.table.columns)]


def wrapping(column: Column, index: int) -> bool:
    """Text columns wrap between words; the first column (the name), figures (right-justified) and no-wrap columns never do."""
    return index > 0 and not column.no_wrap and column.justify not in ("right", "center")


def simple(table: Table) -> bool:
    """Whether this table is one the lines below reproduce exactly (else rich lays it out)."""
    return (table.box is box.SIMPLE_HEAD and table.show_edge and table.show_header and tuple(table.padding) == (0, 1, 0, 1)
            and table.pad_edge and not table.collapse_padding and not table.show_lines and not table.leading and not table.expand
            and table.width is None and not table.row_styles and not any(r.end_section for r in table.rows) and bool(table.columns)
            and all(c.vertical == "top" and c.max_width is None and c.width is None and c.ratio is None and not c.style for c in table.columns)
            and all(isinstance(cell, (str, Text)) for c in table.columns for cell in (c.header, c.footer, *c.cells)))


def grid(console: Console, table: Table) -> Grid | None:
    """The table's cells read once (markup in plain strings read as rich reads it), or None where rich must lay it out."""
    if not simple(table):
        return None
    columns = table.columns
    rows: list[list[Cell]] = [[_cell(console, c.header) for c in columns]]
    styles: list[Style | None] = [console.get_style(table.header_style or "")]
    for i, row in enumerate(table.rows):
        rows.append([_cell(console, c._cells[i]) if i < len(c._cells) else ("", None, 0) for c in columns])  # noqa: SLF001 - rich's own cell list
        styles.append(console.get_style(row.style) if row.style else None)
    if table.show_footer:
        rows.append([_cell(console, c.footer) for c in columns])
        styles.append(console.get_style(table.footer_style or ""))
    widest = [max(r[i][2] for r in rows) for i in range(len(columns))]
    shortest = list(widest)
    for i, column in enumerate(columns):
        if wrapping(column, i):
            words = [len(w) for r in rows for w in r[i][0].split()]
            shortest[i] = max([*words, column.min_width or 0, 1]) if column.min_width is None or column.min_width < widest[i] else widest[i]
    return Grid(table, rows, widest, shortest, styles)


def _cell(console: Console, cell: object) -> Cell:
    """A cell once: its text, its Text where it has styles (a plain string with markup read as rich reads it), its width."""
    if isinstance(cell, Text):
        plain, text = cell.plain, cell if (cell.spans or cell.style) else None
    else:
        plain = str(cell) if cell is not None else ""
        text = console.render_str(plain, highlight=False) if "[" in plain else None
        plain = text.plain if text is not None else plain
    width = _width(plain) if "\n" not in plain else max(_width(line) for line in plain.split("\n"))
    return plain, text, width


def _width(plain: str) -> int:
    return len(plain) if plain.isascii() else cell_len(plain)


def lines(console: Console, g: Grid, widths: Sequence[int] | None = None, keep: Sequence[int] | None = None,
          under: int | None = None) -> list[Text]:
    """The table as lines of Text: its title, header, rule, rows, footer and caption, as rich draws them.
    `widths`: each kept column's width (else its widest line); `keep`: the columns shown, in order (else all);
    `under`: a column written on a line of its own beneath each row, indented to the second column."""
    keep = list(range(len(g.widest))) if keep is None else list(keep)
    widths = [g.widest[i] for i in keep] if widths is None else list(widths)
    table = g.table
    total = sum(widths) + 2 * len(widths) + len(widths) + 1
    out: list[Text] = []
    if table.title:
        out += _annotation(console, table.title, table.title_style or "table.title", table.title_justify, total)
    out.append(Text(" " * total))
    indent = widths[0] + 5 if len(widths) > 1 else 2  # where the second column starts
    last = len(g.cells) - 1
    for r, row in enumerate(g.cells):
        footer = table.show_footer and r == last
        if footer:
            out.append(Text(" " * total))
        out += _row(console, [row[i] for i in keep], [table.columns[i].justify for i in keep], widths, g.styles[r],
                    "bottom" if r == 0 else "top")
        if under is not None and not footer and row[under][0]:
            styled = row[under][1]
            text = styled.copy() if styled is not None else Text(row[under][0])
            for sub in text.wrap(console, max(1, total - indent - 1), overflow="fold"):
                spans = [Span(s.start + indent, s.end + indent, s.style) for s in sub.spans]
                if sub.style:
                    spans.insert(0, Span(indent, indent + len(sub.plain), sub.style))
                out.append(_joined(" " * indent + sub.plain, spans, g.styles[r]))
        if r == 0:
            out.append(Text(" " + "─" * (total - 2) + " "))
    out.append(Text(" " * total))
    if table.caption:
        out += _annotation(console, table.caption, table.caption_style or "table.caption", table.caption_justify, total)
    return out


def _annotation(console: Console, text: str | Text, style: StyleType, justify: str, width: int) -> list[Text]:
    rendered = console.render_str(text, style=style, highlight=False) if isinstance(text, str) else text
    return list(rendered.wrap(console, width, justify=justify, overflow="fold"))  # type: ignore[arg-type]


def _row(console: Console, cells: list[Cell], justify: list[str], widths: list[int], style: Style | None, vertical: str) -> list[Text]:
    """One row of the table as lines: each cell padded to its column's width, wrapped between words where narrower."""
    stacks: list[list[Cell]] = []
    for cell, width in zip(cells, widths):
        plain, text, wide = cell
        if "\n" not in plain and wide <= width:
            stacks.append([cell])
            continue
        styled = text if text is not None else Text(plain)
        parts = styled.wrap(console, width, overflow="fold") if wide > width else styled.split("\n", allow_blank=True)
        stacks.append([(p.plain, p, _width(p.plain)) for p in parts])
    height = max(len(s) for s in stacks)
    out = []
    for n in range(height):
        pieces = [" "]
        at = 1  # characters so far (span offsets count characters, widths count cells)
        spans: list[Span] = []
        for stack, width, how in zip(stacks, widths, justify):
            k = n - (height - len(stack)) if vertical == "bottom" else n
            plain, text, wide = stack[k] if 0 <= k < len(stack) else ("", None, 0)
            room = width - wide
            left = room if how == "right" else room // 2 if how == "center" else 0
            if text is not None:
                start = at + 1 + left
                if text.style:
                    spans.append(Span(start, start + len(plain), text.style))
                spans += [Span(start + s.start, start + s.end, s.style) for s in text.spans]
            piece = " " * (1 + left) + plain + " " * (room - left + 2)
            pieces.append(piece)
            at += len(piece)
        out.append(_joined("".join(pieces), spans, style))
    return out


def _joined(plain: str, spans: list[Span], style: Style | None) -> Text:
    """A line with the row's style under the cells' own."""
    return Text(plain, spans=[Span(0, len(plain), style), *spans] if style else spans)


def width_of(widths: Sequence[int]) -> int:
    """A table's width on the page: its columns, a space of padding each side of each, the dividers and the edges."""
    return sum(widths) + 3 * len(widths) + 1
