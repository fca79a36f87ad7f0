"""Analyses rendered for people: rich tables (show, compare), CSV and Markdown. Text from archcalc.text,
JSON from archcalc.outputs.serialize.

    show      show_table, whole (never cut a figure short)
    compare   compare_table
    plain     to_csv, to_markdown, compare_csv, compare_markdown (no rich)
    whole     print_whole: a table to stdout at its natural width, in a terminal too (through archcalc.cli.terminal)
    ascii     transliterate: a table's text in ASCII forms, for a stdout without Unicode
"""

from __future__ import annotations

from archcalc.report.plain import compare_csv, compare_markdown, to_csv, to_markdown

__all__ = ["compare_csv", "compare_markdown", "to_csv", "to_markdown"]
