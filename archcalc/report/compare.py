"""`archcalc compare` as a rich renderable: the stages side by side, then the figures and their ratios."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from archcalc import text
from archcalc.analysis.compare import Comparison, summary
from archcalc.kinds.terms.conventions import Convention
from archcalc.report.show import literal, whole


def compare_table(c: Comparison, counting: Convention | None = None) -> RenderableType:
    """`counting`: the networks' FLOPs are that convention's (archcalc.analysis.counts.counted_as)."""
    names = [a.name for a in c.networks]
    stages = Table(title="stage by stage", box=box.SIMPLE_HEAD)
    stages.add_column("#", justify="right")
    for name in names:
        stages.add_column(literal(name))
    for i, line in enumerate(c.stages, start=1):
        stages.add_row(str(i), *[literal(text.stage_text(s)) for s in line])
    figures = Table(title="summary", box=box.SIMPLE_HEAD)
    figures.add_column("figure")
    for name in names:
        figures.add_column(literal(name), justify="right")
    for name in names[1:]:
        figures.add_column(literal(f"{name} / {names[0]}"), justify="right")
    for title, values in summary(c):
        if counting is not None and title == "FLOPs":
            title = f"{counting.unit} ({counting.name})"
        cells = [v if isinstance(v, str) else text.n(v) for v in values]
        figures.add_row(title, *cells, *[text.ratio(v, values[0]) for v in values[1:]])
    from archcalc.report.counts import compare_counts_table
    from archcalc.report.show import counted_title

    convention = text.FLOPS_CONVENTION if counting is None else f"{counted_title(counting)}: {counting.rules}"
    return Group(Text(convention, style="dim"), stages, whole(figures), compare_counts_table(c.networks))
