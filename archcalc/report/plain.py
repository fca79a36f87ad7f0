"""`show` and `compare` as CSV and Markdown: plain text, no rich."""

from __future__ import annotations

import csv
import io

from archcalc import text
from archcalc.analysis import GPU_FIGURES, TOTALS, Analysis, Row, ValidInputs
from archcalc.analysis.compare import Comparison, depth, summary
from archcalc.analysis.grading import findings_off
from archcalc.analysis.memory import DtypeMemory
from archcalc.kinds.terms.figures import Figures
from archcalc.text import dims, n
from archcalc.text.grades import grouped

CSV_COLUMNS = ("layer", "type", "hyper", "output", "arithmetic", "params", "frozen_params", "macs", "flops", "connections", "activations")


def _cells(r: Row) -> list[str]:
    return [r.name, text.kind_text(r), text.hyper_text(r), dims(r.output), text.arithmetic(r.terms)]


def to_csv(a: Analysis) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *[f"gpu{g.gpu}_{k}" for g in a.gpu_totals for k in GPU_FIGURES]])
    for r in a.rows:  # one record a layer: the totals are the columns' sums (and in the JSON)
        writer.writerow([*_cells(r), *r.figures.values(), *[getattr(s, k) for s in r.gpus for k in GPU_FIGURES]])
    return out.getvalue()


def _md_table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
    lines = ["| " + " | ".join(c.replace("|", "\\|") for c in header) + " |", "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def to_markdown(a: Analysis, valid: tuple[ValidInputs, ...] = (), mem: DtypeMemory | None = None) -> str:
    rows = [[*_cells(r), *map(n, r.figures.values())] for r in a.rows]
    rows.append(["**total**", "", "", "", "", *map(n, Figures.values(a.totals))])
    parts = [f"## {a.name}", "", f"input {dims(a.input)}. {text.FLOPS_CONVENTION}.", "",
             _md_table(list(CSV_COLUMNS), rows, set(range(5, len(CSV_COLUMNS))))]
    if a.gpu_totals:
        parts += ["", "Per GPU (per image): " + "; ".join(
            f"GPU {g.gpu}: {n(g.params)} params, {n(g.flops)} FLOPs, receives {n(g.received)} values" for g in a.gpu_totals)]
    if a.claims:
        parts += ["", "### Claims", ""] + [f"- {'✓' if c.confirmed else '✗'} {c.subject}: stated {c.stated_text}, computed {c.computed_text}. "
                                          f"{c.detail}" for c in a.claims]
    if mem is not None:
        parts += ["", *(f"- {line}" for line in text.memory_text(*mem).splitlines())]
    parts += [line for v in valid for line in ("", text.valid_text(v))]
    if not findings_off(a):  # graded, notes alike on one line (archcalc.text.grades)
        parts += ["", "### Findings", ""] + ([f"- **{severity}** ({', '.join(sorted({f.kind for f in fs}))}): {line}"
                                            for severity, line, fs in grouped(a.findings)] or ["- none"])
    return "\n".join(parts) + "\n"


def compare_rows(c: Comparison) -> tuple[list[str], list[list[str]]]:
    names = [a.name for a in c.networks]
    header = ["", *names, *[f"{x} / {names[0]}" for x in names[1:]]]
    rows = [[f"stage {i}", *[text.stage_text(s) for s in line], *[""] * (len(names) - 1)] for i, line in enumerate(c.stages, start=1)]
    for title, values in summary(c):
        rows.append([title, *[str(v) for v in values], *[text.ratio(v, values[0]) for v in values[1:]]])
    return header, rows


COMPARE_COLUMNS = {"conv": "conv_layers", "pool": "pool_layers", "dense": "dense_layers", "weighted": "conv_and_dense_layers",
                   "layers": "layers", **{key: key for key in TOTALS}}


def compare_csv(c: Comparison) -> str:
    """One record a network, plain numbers under one header: the figures of the summary (ratios are a
    spreadsheet's to take). The stage alignment is in `--format json`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["network", "input", *COMPARE_COLUMNS.values()])
    for a in c.networks:
        figures = {**depth(a), **{key: getattr(a.totals, key) for key in TOTALS}}
        writer.writerow([a.name, dims(a.input), *(figures[key] for key in COMPARE_COLUMNS)])
    return out.getvalue()


def compare_markdown(c: Comparison) -> str:
    header, rows = compare_rows(c)
    pretty = [[n(int(x)) if x.isdigit() else x for x in row] for row in rows]
    return f"{text.FLOPS_CONVENTION}.\n\n" + _md_table(header, pretty, set()) + "\n"
