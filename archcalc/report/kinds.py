"""`archcalc kinds` as a rich table."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

from archcalc.kinds import keys
from archcalc.report.show import whole


def kinds_table(kinds: dict[str, Any]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title="layer kinds", caption="every layer also has name and type, and may have inputs, split and gpu")
    for title in ("type", "category", "keys: what each takes (= its default; none: required)", "what it is"):
        table.add_column(title)
    for name, cls in kinds.items():
        table.add_row(name, cls.category, escape(key_lines(cls)), escape(cls.summary))
    return whole(table)


def key_lines(cls: Any) -> str:
    """A kind's keys, one a line, each with its type and bounds and its default: 'stride: int or [h, w], ≥ 1 = 1'."""
    def default(k: Any) -> str:
        if k.required:
            return ""
        shown = k.value.show(k.default)
        return f" {shown}" if shown.startswith("=") else f" = {shown}"  # '= kernel': a default that follows another key

    return "\n".join(f"{k.key}: {k.value.name}{default(k)}" for k in keys(cls)) or "—"
