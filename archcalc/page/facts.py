"""The one data object a page is built from: the JSON of `show --format json` (and of `compare`),
with, beside each fact, the words `show` prints for it (archcalc.text's, never new wording).

Pure: no click, rich, graphviz or torch. The page's script reads the numbers to sort and the
words to show; it computes nothing of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from archcalc import text
from archcalc.analysis import TOTALS
from archcalc.analysis.grading import findings_off, worst
from archcalc.outputs import serialize
from archcalc.text import dims, human, n
from archcalc.text.grades import grouped, severity_title

if TYPE_CHECKING:
    from archcalc.analysis import Analysis, Row, ValidInputs
    from archcalc.analysis.compare import Comparison
    from archcalc.analysis.memory import DtypeMemory


def network_facts(a: Analysis, valid: tuple[ValidInputs, ...] = (), mem: DtypeMemory | None = None) -> dict[str, Any]:
    """`show --format json`, each layer with a "text" of its cells as `show` writes them, and the header's words."""
    doc = serialize.to_json(a, valid, mem)
    for layer, row in zip(doc["layers"], a.rows):
        layer["text"] = _layer_words(row)
    t = a.totals
    doc["text"] = {
        "input": f"input {dims(a.input)}" + (f", split across {a.gpus} GPUs" if a.gpus > 1 else ""),
        "findings_title": severity_title(a.findings),
        "findings": None if findings_off(a) else [{"severity": sev, "kinds": sorted({f.kind for f in fs}), "text": line,
                                                  "layers": [f.layer for f in fs]} for sev, line, fs in grouped(a.findings)],
        "findings_worst": worst(a.findings),
        "no_findings": text.NO_FINDINGS,
        "arithmetic_header": text.arithmetic_header(a.rows),
        "totals": {k: n(getattr(t, k)) for k in TOTALS},
        "totals_human": {k: human(getattr(t, k)) for k in TOTALS},
        "memory": text.memory_text(*mem) if mem is not None else None,
        "valid_inputs": [text.valid_text(v) for v in valid],
        "claims": [text.claim_mark(c.confirmed) for c in a.claims],
        "gpu_title": f"split across {a.gpus} GPUs (per image)" if a.gpu_totals else None,
        "memory_title": f"memory per layer, batch {mem[1].batch}, {mem[0]}" if mem is not None else None,
        "counts": _count_words(a),
    }
    if mem is not None:
        from archcalc.page.step_chart import step_chart

        doc["text"]["step_chart"] = step_chart(a.rows, mem[1], mem[0])
    return doc


def _count_words(a: Analysis) -> list[dict[str, str]]:
    """The counts table's cells, as `show --counts` writes them (archcalc.report.counts)."""
    from archcalc.analysis.counts import network_counts
    from archcalc.kinds.terms.conventions import FAILS

    return [{"tool": c.name, "figure": FAILS if c.total is None else n(c.total), "human": "" if c.total is None else human(c.total),
             "unit": c.convention.unit, "here": text.counted_here(c.convention.per_mac, c.added, c.fails_on),
             "differs": c.convention.differs} for c in network_counts(a)]


def _layer_words(row: Row) -> dict[str, Any]:
    words: dict[str, Any] = {
        "type": text.kind_text(row), "hyper": text.hyper_text(row), "output": dims(row.output),
        "arithmetic": text.arithmetic(row.terms), "receptive_field": text.field_text(row.receptive_field),
        "divides": all(t.divides for t in row.terms),
    }
    if row.gpus:
        words["placement"] = text.placement_text(row)
        words["gpus"] = [dims(s.output) if s.output else "—" for s in row.gpus]
    return words


def comparison_facts(c: Comparison, mems: Sequence[DtypeMemory]) -> dict[str, Any]:
    """`compare --format json`'s alignment and summary, with the cells `compare` prints."""
    from archcalc.analysis.compare import summary

    doc = serialize.compare_json(c, mems)
    doc["text"] = {
        "stages": [[text.stage_text(s) for s in line] for line in c.stages],
        "summary": [{"figure": title, "values": [v if isinstance(v, str) else n(v) for v in values],
                     "ratios": [text.ratio(v, values[0]) for v in values[1:]]} for title, values in summary(c)],
    }
    del doc["networks"]  # each network's own facts stand in the page's "networks"
    return doc


def page_facts(analyses: Sequence[Analysis], valids: Sequence[tuple[ValidInputs, ...]], mems: Sequence[DtypeMemory],
               comparison: Comparison | None, notes: Sequence[str]) -> dict[str, Any]:
    """Everything the page shows: one network, or several with their comparison first."""
    return {
        "title": " vs ".join(a.name for a in analyses),
        "flops_convention": text.FLOPS_CONVENTION,
        "networks": [network_facts(a, v, m) for a, v, m in zip(analyses, valids, mems)],
        "comparison": None if comparison is None else comparison_facts(comparison, mems),
        "diagram_notes": list(notes),
    }
