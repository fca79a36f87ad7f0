"""Analyses rendered for people: rich tables (show, compare), CSV and Markdown. Text from archcalc.text,
JSON from archcalc.outputs.serialize.

    show      show_table, whole (never cut a figure short)
    compare   compare_table
    plain     to_csv, to_markdown, compare_csv, compare_markdown (no rich)
    whole     print_whole: a table to stdout at its natural width, in a terminal too (through archcalc.cli.terminal)
    ascii     transliterate: a table's text in ASCII forms, for a stdout without Unicode
"""

from __future__ import annotations

from typing import Any

__all__ = ["compare_csv", "compare_markdown", "to_csv", "to_markdown"]


def __getattr__(name: str) -> Any:
    """plain's functions, imported when first asked for: `archcalc kinds` draws its table without the analysis."""
    if name in __all__:
        from archcalc.report import plain

        return getattr(plain, name)
    raise AttributeError(f"module 'archcalc.report' has no attribute {name!r}")
