"""The findings of `archcalc show` as rich renderables, graded: errors red, warnings orange, notes neutral; notes
alike grouped into one line (archcalc.text.grades)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.panel import Panel
from rich.text import Text

from archcalc import text
from archcalc.analysis import Analysis
from archcalc.analysis.grading import findings_off, worst
from archcalc.limits import MAX_TABLE_ROWS, TABLE_EDGE_ROWS
from archcalc.text.grades import grouped, severity_title

STYLE = {"error": "bold red", "warning": "bold dark_orange", "note": "bold blue"}
BORDER = {"error": "red", "warning": "dark_orange", "note": "blue"}


def header_text(a: Analysis) -> Text:
    """'   ⚠ 1 error, 5 notes (below)', in the colour of the worst."""
    top = worst(a.findings)
    return Text(f"   {severity_title(a.findings)} (below)", style=STYLE[top]) if top else Text()


def row_style(a: Analysis, name: str) -> str | None:
    """A layer's row in the table: coloured by its size findings' worst grade (notes stay plain)."""
    top = worst(f for f in a.findings if f.layer == name and f.kind == "non_integer_size")
    return STYLE[top] if top in ("warning", "error") else None


def findings_panel(a: Analysis, every: bool) -> RenderableType:
    if findings_off(a):
        return Text()
    if not a.findings:
        return Text(text.NO_FINDINGS if not a.accepted else "no findings but those the spec accepts", style="green")
    lines = grouped(a.findings)
    hidden = len(lines) - 2 * TABLE_EDGE_ROWS if len(lines) > MAX_TABLE_ROWS and not every else 0  # as show's tables
    body = Text()
    for i, (severity, line, fs) in enumerate(lines, start=1):
        if hidden and TABLE_EDGE_ROWS < i <= TABLE_EDGE_ROWS + hidden:
            if i == TABLE_EDGE_ROWS + 1:
                body.append(f"… {hidden:,} findings not shown (all of them: --all, or --format json) …\n", style="dim")
            continue
        body.append(f"{i}. ", style="bold")
        body.append(f"[{severity}{'' if len(fs) > 1 else ' · ' + fs[0].kind}] ", style=STYLE[severity])
        body.append(line + ("\n" if i < len(lines) else ""))
    top = worst(a.findings) or "note"
    return Panel(body, title=severity_title(a.findings), border_style=BORDER[top], title_align="left")
