"""`archcalc show` as rich renderables: the header, the layers, the GPU split, memory, claims, findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from archcalc import text
from archcalc.limits import MAX_TABLE_ROWS, TABLE_EDGE_ROWS
from archcalc.report.findings import findings_panel, row_style
from archcalc.report.findings import header_text as findings_header
from archcalc.report.fit import ranked
from archcalc.text import dims, human, n

if TYPE_CHECKING:  # `kinds` uses whole() without the analysis
    from archcalc.analysis import Analysis, ValidInputs
    from archcalc.analysis.memory import DtypeMemory
    from archcalc.kinds.terms.conventions import Convention


def whole(table: Table) -> Table:
    """Never cut a figure, name, shape or arithmetic short: right-justified and no-wrap columns
    keep their widest cell; the text columns (type, hyper-parameters, details) wrap, down to 12."""
    for i, column in enumerate(table.columns):
        cells = [c.plain if isinstance(c, Text) else c for c in (*column.cells, column.header, column.footer)]
        widest = max(len(line) for c in cells if isinstance(c, str) for line in c.split("\n"))
        column.min_width = widest if i == 0 or column.justify == "right" or column.no_wrap else min(widest, 12)
    return table


def literal(value: str) -> Text:
    """A spec's text (a name) as a cell: shown as written, never read as rich markup (rich.markup.escape
    leaves a backslash before '[' as markup: a layer named '\\[' showed as '[')."""
    return Text(value)


T = TypeVar("T")


def shown(items: Sequence[T], every: bool) -> tuple[Sequence[T], Sequence[T], int]:
    """A long table's first and last rows, and how many are left out between them (none with `every`):
    a table of thousands of rows is not for reading, and rich takes milliseconds a row."""
    if every or len(items) <= MAX_TABLE_ROWS:
        return items, (), 0
    return items[:TABLE_EDGE_ROWS], items[-TABLE_EDGE_ROWS:], len(items) - 2 * TABLE_EDGE_ROWS


def _gap(table: Table, hidden: int, what: str) -> None:
    table.add_row("…", style="dim")
    table.caption = f"… marks {hidden:,} {what} not shown (all of them: --all, or --format json)"
    table.caption_justify = "left"


def show_table(a: Analysis, valid: tuple[ValidInputs, ...] = (), mem: DtypeMemory | None = None, per_layer: bool = False,
               every: bool = False, counting: Convention | None = None, roofline: RenderableType | None = None) -> RenderableType:
    """`every`: all rows of every table, however long (else a table past MAX_TABLE_ROWS shows its first and last rows);
    `counting`: the FLOPs column is that convention's (archcalc.analysis.counts.counted_as);
    `roofline`: the roofline's table (archcalc.report.roofline), after memory."""
    parts: list[RenderableType] = [_header(a, counting), _layers_table(a, every, counting)]
    if a.gpu_totals:
        parts.append(_gpu_table(a, every))
    if mem is not None:
        if per_layer:
            parts.append(_memory_table(mem, every))
        parts.append(Text(text.memory_text(*mem) + "\n"))
    if roofline is not None:
        parts.append(roofline)
    parts += [Text(text.valid_text(v) + "\n") for v in valid]
    if a.claims:
        parts.append(_claims_table(a, every))
    parts.append(_findings_panel(a, every))
    if a.accepted:
        from archcalc.report.accepted import accepted_part

        parts.append(accepted_part(a, every))
    return Group(*parts)


def _header(a: Analysis, counting: Convention | None = None) -> Text:
    head = Text()
    head.append(a.name, style="bold")
    if a.description:
        head.append(f" — {text.clipped(a.description)}")
    head.append(f"\ninput {dims(a.input)}")
    if a.gpus > 1:
        head.append(f", split across {a.gpus} GPUs")
    head.append(findings_header(a))
    head.append(f"\n{text.FLOPS_CONVENTION if counting is None else counted_title(counting) + ': ' + counting.rules}", style="dim")
    return head


def counted_title(c: Convention) -> str:
    return f"{c.unit} as {c.name} counts them"


def _layers_table(a: Analysis, every: bool, counting: Convention | None = None) -> Table:
    t = a.totals
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, footer_style="bold")
    table.add_column("layer", "total")
    table.add_column("type")
    table.add_column("hyper-parameters")
    table.add_column("output", no_wrap=True)
    table.add_column(text.arithmetic_header(a.rows), no_wrap=True)
    table.add_column("receptive field\nsize /jump", no_wrap=True)
    frozen = t.frozen_params > 0
    table.add_column("params", f"{n(t.params)}\n{human(t.params)}", justify="right")
    if frozen:
        table.add_column("frozen params", n(t.frozen_params), justify="right")
    flops = "FLOPs" if counting is None else f"{counting.unit}\n({counting.name})"
    for title, figure in (("MACs", t.macs), (flops, t.flops), ("connections", t.connections)):
        table.add_column(title, f"{n(figure)}\n{human(figure)}", justify="right")
    table.add_column("activations", f"{n(t.activations)}\nneurons {n(t.neurons)}", justify="right")
    head, tail, hidden = shown(a.rows, every)
    for i, row in enumerate((*head, *tail)):
        if hidden and i == len(head):
            _gap(table, hidden, "layers")
        f = row.figures
        figures = [n(f.params), *([n(f.frozen_params)] if frozen else []), n(f.macs), n(f.flops), n(f.connections), n(f.activations)]
        table.add_row(literal(row.name), text.kind_text(row), text.hyper_text(row), dims(row.output), text.arithmetic(row.terms),
                      text.field_text(row.receptive_field), *figures, style=row_style(a, row.name))
    keys = ("name", "type", "hyper", "output", "arithmetic", "field", "params", *(("frozen_params",) if frozen else ()), "macs", "flops",
            "connections", "activations")
    return ranked(whole(table), keys, pickable=True)  # the columns a narrow terminal shows first (archcalc.report.fit)


def _gpu_table(a: Analysis, every: bool) -> Table:
    table = Table(title=f"split across {a.gpus} GPUs (per image)", box=box.SIMPLE_HEAD, show_footer=True, footer_style="bold")
    table.add_column("layer", "total")
    table.add_column("runs on")
    for g in a.gpu_totals:
        table.add_column(f"GPU {g.gpu} output", no_wrap=True)
        for title, figure in (("params", g.params), ("MACs", g.macs), ("FLOPs", g.flops), ("activations", g.activations), ("receives", g.received)):
            table.add_column(f"GPU {g.gpu} {title}", n(figure), justify="right")
    head, tail, hidden = shown(a.rows, every)
    for i, row in enumerate((*head, *tail)):
        if hidden and i == len(head):
            _gap(table, hidden, "layers")
        cells: list[str | Text] = [literal(row.name), text.placement_text(row)]
        for s in row.gpus:
            cells += [dims(s.output) if s.output else "—", n(s.params), n(s.macs), n(s.flops), n(s.activations), n(s.received) if s.received else ""]
        table.add_row(*cells)
    keys = ("name", "runs_on", *[k for _ in a.gpu_totals for k in ("output", "params", "macs", "flops", "activations", "receives")])
    return ranked(whole(table), keys)  # both GPUs' outputs and params before either's MACs (archcalc.report.fit)


def _claims_table(a: Analysis, every: bool) -> Table:
    table = Table(title="claims checked", box=box.SIMPLE_HEAD)
    for title in ("claim", "stated", "computed", "", "arithmetic"):
        table.add_column(title)
    head, tail, hidden = shown(a.claims, every)
    for i, c in enumerate((*head, *tail)):
        if hidden and i == len(head):
            _gap(table, hidden, "claims")
        mark = Text(text.claim_mark(c.confirmed), style="green" if c.confirmed else "bold red")
        table.add_row(literal(c.subject), c.stated_text, c.computed_text, mark, literal(c.detail), style=None if c.confirmed else "red")
    return ranked(table, ("name", "stated", "computed", "mark", "arithmetic"))  # the arithmetic under its row where it is too wide


def _findings_panel(a: Analysis, every: bool) -> RenderableType:
    return findings_panel(a, every)


def _memory_table(dm: DtypeMemory, every: bool) -> Table:
    dtype, m = dm
    table = Table(title=f"memory per layer, batch {m.batch}, {dtype}", box=box.SIMPLE_HEAD)
    table.add_column("layer")
    for title in ("output bytes", "parameter bytes", "live bytes while it runs", "kept for backward (training)"):
        table.add_column(title, justify="right")
    head, tail, hidden = shown(m.layers, every)
    for i, lm in enumerate((*head, *tail)):
        if hidden and i == len(head):
            _gap(table, hidden, "layers")
        table.add_row(literal(lm.name), n(lm.output_bytes), n(lm.param_bytes), n(lm.live_bytes), n(lm.saved_bytes),
                      style="bold" if lm.name == m.peak_layer else None)
    return whole(table)
