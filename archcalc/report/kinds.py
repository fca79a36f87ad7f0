"""`archcalc kinds` as a rich table."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

from archcalc import text
from archcalc.kinds import keys
from archcalc.report.show import whole


def kinds_table(kinds: dict[str, Any]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title="layer kinds", caption="every layer also has name and type, and may have inputs, split and gpu")
    for title in ("type", "category", "keys (default)", "what it is"):
        table.add_column(title)
    for name, cls in kinds.items():
        table.add_row(name, cls.category, escape(text.kind_keys(keys(cls), marks="")), escape(cls.summary))
    return whole(table)
