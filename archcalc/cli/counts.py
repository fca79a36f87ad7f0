"""`--counts` and `--counted-as` of `show` and `compare`: what each FLOPs tool prints (archcalc.kinds.terms.conventions)."""

from __future__ import annotations

from collections.abc import Sequence

from archcalc.analysis import Analysis
from archcalc.analysis.counts import counted_as, counts_json
from archcalc.errors import ArchcalcError
from archcalc.kinds.terms.conventions import CONVENTIONS, Convention


def only_table(option: str, fmt: str) -> None:
    if fmt != "table":
        raise ArchcalcError(f"{option} makes a table, not --format {fmt}; --format json has every tool's figure under \"counts\"",
                            "archcalc show SPEC --format json")


def show_counts(a: Analysis, fmt: str) -> None:
    """`show --counts`: the counts table alone; with --format json, the name and the `counts` object of show's JSON."""
    from archcalc.cli.common import emit, emit_json
    from archcalc.report.counts import counts_table

    if fmt == "json":
        emit_json({"name": a.name, "counts": counts_json(a)})
        return
    only_table("--counts", fmt)
    emit(counts_table(a))


def counted(a: Analysis, name: str, fmt: str) -> tuple[Analysis, Convention]:
    """`show --counted-as`: the analysis with its FLOPs column as the tool counts it."""
    only_table("--counted-as", fmt)
    return counted_as(a, name), CONVENTIONS[name]


def compare_counted(analyses: Sequence[Analysis], fmt: str, name: str) -> None:
    """`compare --counted-as`: the comparison with every network's FLOPs as the tool counts them."""
    from archcalc.analysis.compare import compare
    from archcalc.cli.common import emit
    from archcalc.report.compare import compare_table

    only_table("--counted-as", fmt)
    emit(compare_table(compare([counted_as(a, name) for a in analyses]), CONVENTIONS[name]))


__all__ = ["compare_counted", "counted", "counts_json", "show_counts"]
