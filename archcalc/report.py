"""Analyses → rich tables, JSON, CSV and Markdown. Number formatting lives here only.

Figures are exact integers with thousands separators; a humanised figure (60.97 M) may stand
beside a total, never instead of it.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from archcalc.analysis import Analysis, Row, Totals, ValidInputs
from archcalc.analysis import arithmetic_text as arithmetic
from archcalc.compare import Comparison, Stage, depth
from archcalc.layers import dims
from archcalc.memory import Memory

DtypeMemory = tuple[str, Memory]  # the dtype's name and the memory at it

FLOPS_CONVENTION = (
    "FLOPs as torch.utils.flop_counter.FlopCounterMode counts them: 2 per multiply-accumulate (MAC) "
    "in convolutions and dense layers; pooling, normalisation and activations count 0"
)


def n(value: int) -> str:
    return f"{value:,}"


def human(value: float) -> str:
    """60965224 -> '60.97 M'."""
    for unit, size in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.2f} {unit}"
    return f"{value:g}"


def kind_text(row: Row) -> str:
    return row.kind + (f" + {row.activation}" if row.activation else "")


def hyper_text(row: Row) -> str:
    if row.kind == "dense" and len(row.input_shapes[0]) > 1:
        return f"{row.hyper}, flattens {dims(row.input_shapes[0])}"
    return row.hyper


def whole(table: Table) -> Table:
    """Never cut a figure, name, shape or arithmetic short: right-justified and no-wrap columns
    keep their widest cell; the text columns (type, hyper-parameters, details) wrap, down to 12."""
    for i, column in enumerate(table.columns):
        cells = [*column.cells, column.header, column.footer]
        widest = max(len(line) for c in cells if isinstance(c, str) for line in c.split("\n"))
        column.min_width = widest if i == 0 or column.justify == "right" or column.no_wrap else min(widest, 12)
    return table


def field_text(row: Row) -> str:
    """'195 /32': the field's size and jump in input pixels (H×W when they differ)."""
    f = row.receptive_field
    if f is None:
        return ""
    size = str(f.size[0]) if f.size[0] == f.size[1] else f"{f.size[0]}×{f.size[1]}"
    jump = str(f.jump[0]) if f.jump[0] == f.jump[1] else f"{f.jump[0]}×{f.jump[1]}"
    return f"{size} /{jump}"


def placement_text(row: Row) -> str:
    return "split" if row.placement == "split" else f"GPU {row.placement}"


# --- show: rich -------------------------------------------------------------------------------


def show_table(a: Analysis, valid: tuple[ValidInputs, ...] = (), mem: DtypeMemory | None = None, per_layer: bool = False) -> RenderableType:
    parts: list[RenderableType] = [_header(a), _layers_table(a)]
    if a.gpu_totals:
        parts.append(_gpu_table(a))
    if mem is not None:
        if per_layer:
            parts.append(_memory_table(mem))
        parts.append(Text(memory_text(mem) + "\n"))
    parts += [Text(valid_text(v) + "\n") for v in valid]
    if a.claims:
        parts.append(_claims_table(a))
    parts.append(_findings_panel(a))
    return Group(*parts)


def _header(a: Analysis) -> Text:
    text = Text()
    text.append(a.name, style="bold")
    if a.description:
        text.append(f" — {a.description}")
    text.append(f"\ninput {dims(a.input)}")
    if a.gpus > 1:
        text.append(f", split across {a.gpus} GPUs")
    if a.findings:
        text.append(f"   ⚠ {len(a.findings)} finding{'s' if len(a.findings) != 1 else ''} (below)", style="bold red")
    text.append(f"\n{FLOPS_CONVENTION}", style="dim")
    return text


def _layers_table(a: Analysis) -> Table:
    flagged = {f.layer for f in a.findings if f.kind == "non_integer_size"}
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, footer_style="bold")
    table.add_column("layer", "total")
    table.add_column("type")
    table.add_column("hyper-parameters")
    table.add_column("output", no_wrap=True)
    table.add_column("size arithmetic  ((W − K + 2P)/S + 1)", no_wrap=True)
    table.add_column("receptive field\nsize /jump", no_wrap=True)
    frozen = a.totals.frozen_params > 0
    table.add_column("params", f"{n(a.totals.params)}\n{human(a.totals.params)}", justify="right")
    if frozen:
        table.add_column("frozen params", n(a.totals.frozen_params), justify="right")
    for title, total in (("MACs", a.totals.macs), ("FLOPs", a.totals.flops), ("connections", a.totals.connections)):
        table.add_column(title, f"{n(total)}\n{human(total)}", justify="right")
    table.add_column("activations", f"{n(a.totals.activations)}\nneurons {n(a.totals.neurons)}", justify="right")
    for row in a.rows:
        style = "bold red" if row.name in flagged else None
        figures = [n(row.params), *([n(row.frozen_params)] if frozen else []), n(row.macs), n(row.flops), n(row.connections), n(row.activations)]
        table.add_row(escape(row.name), kind_text(row), hyper_text(row), dims(row.output), arithmetic(row.terms), field_text(row), *figures, style=style)
    return whole(table)


def _gpu_table(a: Analysis) -> Table:
    table = Table(title=f"split across {a.gpus} GPUs (per image)", box=box.SIMPLE_HEAD, show_footer=True, footer_style="bold")
    table.add_column("layer", "total")
    table.add_column("runs on")
    for g in a.gpu_totals:
        table.add_column(f"GPU {g.gpu} output", no_wrap=True)
        for title, total in (("params", g.params), ("MACs", g.macs), ("FLOPs", g.flops), ("activations", g.activations), ("receives", g.received)):
            table.add_column(f"GPU {g.gpu} {title}", n(total), justify="right")
    for row in a.rows:
        cells = [escape(row.name), placement_text(row)]
        for s in row.gpus:
            cells += [dims(s.output) if s.output else "—", n(s.params), n(s.macs), n(s.flops), n(s.activations), n(s.received) if s.received else ""]
        table.add_row(*cells)
    return whole(table)


def _claims_table(a: Analysis) -> Table:
    table = Table(title="claims checked", box=box.SIMPLE_HEAD)
    for title in ("claim", "stated", "computed", "", "arithmetic"):
        table.add_column(title)
    for c in a.claims:
        mark = Text("✓ confirmed", style="green") if c.confirmed else Text("✗ contradicted", style="bold red")
        table.add_row(escape(c.subject), c.stated, c.computed, mark, escape(c.detail), style=None if c.confirmed else "red")
    return table


def _findings_panel(a: Analysis) -> RenderableType:
    if not a.findings:
        return Text("no findings: every size divides exactly and every claim holds", style="green")
    body = Text()
    for i, f in enumerate(a.findings, start=1):
        body.append(f"{i}. ", style="bold")
        body.append(f"[{f.kind}] ", style="bold red")
        body.append(f.message + ("\n" if i < len(a.findings) else ""))
    plural = "s" if len(a.findings) != 1 else ""
    return Panel(body, title=f"⚠ {len(a.findings)} finding{plural}", border_style="red", title_align="left")


# --- show: JSON, CSV, Markdown ----------------------------------------------------------------


def size(value: int) -> str:
    """Bytes, exact, with a binary unit beside: '243,860,896 B (232.6 MiB)'."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= scale:
            return f"{value:,} B ({value / scale:.1f} {unit})"
    return f"{value:,} B"


def memory_text(dm: DtypeMemory) -> str:
    dtype, m = dm
    lines = [f"memory at batch {m.batch}, {dtype} ({m.dtype_bytes} bytes a value): parameters {size(m.param_bytes)}; "
             f"inference peak of live activations {size(m.peak_bytes)} at {m.peak_layer}; parameters + peak {size(m.inference_bytes)}"]
    for t in m.training:
        lines.append(f"training with {t.optimiser}: {size(t.total_bytes)} = parameters {t.param_bytes:,} + gradients {t.gradient_bytes:,}"
                     f" + optimiser state {t.optimiser_bytes:,} + activations kept for backward {t.activation_bytes:,}")
    return "\n".join(lines)


def _memory_table(dm: DtypeMemory) -> Table:
    dtype, m = dm
    table = Table(title=f"memory per layer, batch {m.batch}, {dtype}", box=box.SIMPLE_HEAD)
    table.add_column("layer")
    for title in ("output bytes", "parameter bytes", "live bytes while it runs"):
        table.add_column(title, justify="right")
    for lm in m.layers:
        style = "bold" if lm.name == m.peak_layer else None
        table.add_row(escape(lm.name), n(lm.output_bytes), n(lm.param_bytes), n(lm.live_bytes), style=style)
    return whole(table)


def valid_text(v: ValidInputs) -> str:
    """'input sizes (H and W) from 1 to 454 for which every layer divides exactly: 67, 99, ...'"""
    sizes = ", ".join(map(str, v.exact)) or "none"
    smallest = f"the smallest the network accepts at all is {v.smallest}" if v.smallest else "no size is accepted"
    return (f"input sizes ({v.axis}) from {v.low} to {v.high} for which every layer divides exactly: {sizes}\n"
            f"{smallest}; {v.reason}")


def to_json(a: Analysis, valid: tuple[ValidInputs, ...] = (), mem: DtypeMemory | None = None) -> dict[str, Any]:
    """The stable JSON shape; README documents it."""
    doc: dict[str, Any] = {
        "name": a.name,
        "description": a.description,
        "input": list(a.input),
        "flops_convention": FLOPS_CONVENTION,
        "layers": [_layer_json(r) for r in a.rows],
        "totals": {k: getattr(a.totals, k) for k in TOTALS},
        "findings": [{"layer": f.layer, "kind": f.kind, "message": f.message} for f in a.findings],
        "claims": [
            {"subject": c.subject, "layer": c.layer, "stated": c.stated, "computed": c.computed,
             "confirmed": c.confirmed, "detail": c.detail}
            for c in a.claims
        ],
    }
    if mem is not None:
        dtype, m = mem
        per_layer = {lm.name: lm for lm in m.layers}
        for layer in doc["layers"]:
            lm = per_layer[layer["name"]]
            layer["memory"] = {"output_bytes": lm.output_bytes, "param_bytes": lm.param_bytes, "live_bytes": lm.live_bytes}
        summary = dataclasses.asdict(m)
        del summary["layers"]
        doc["memory"] = {"dtype": dtype, **summary}
    if valid:
        doc["valid_inputs"] = [
            {"axis": v.axis, "range": [v.low, v.high], "exact": list(v.exact), "smallest": v.smallest, "smallest_reason": v.reason}
            for v in valid
        ]
    if a.gpu_totals:
        doc["gpus"] = [
            {k: getattr(g, k) for k in ("gpu", "params", "macs", "flops", "activations", "neurons", "received")}
            for g in a.gpu_totals
        ]
    return doc


def _layer_json(r: Row) -> dict[str, Any]:
    layer: dict[str, Any] = {
        "name": r.name, "type": r.kind, "activation": r.activation, "hyper": r.hyper,
        "inputs": list(r.inputs), "output": list(r.output),
        "arithmetic": [{"axis": t.axis, "expression": t.expression(), "value": t.value(), "output": t.out, "exact": t.divides} for t in r.terms],
        "params": r.params, "frozen_params": r.frozen_params, "macs": r.macs, "flops": r.flops,
        "connections": r.connections, "activations": r.activations,
        "receptive_field": None if r.receptive_field is None else {
            "size": list(r.receptive_field.size), "jump": list(r.receptive_field.jump), "start": list(r.receptive_field.start)},
    }
    if r.gpus:
        layer["placement"] = r.placement
        layer["gpus"] = [
            {"gpu": s.gpu, "output": list(s.output) if s.output else None, "params": s.params, "macs": s.macs,
             "flops": s.flops, "activations": s.activations, "received": s.received}
            for s in r.gpus
        ]
    return layer


CSV_COLUMNS = ("layer", "type", "hyper", "output", "arithmetic", "params", "frozen_params", "macs", "flops", "connections", "activations")
GPU_FIGURES = ("params", "macs", "flops", "activations", "received")
TOTALS = ("params", "frozen_params", "macs", "flops", "connections", "activations", "neurons")


def _figures(r: Row | Totals) -> list[int]:
    return [r.params, r.frozen_params, r.macs, r.flops, r.connections, r.activations]


def _csv_cells(r: Row) -> list[str | int]:
    return [r.name, kind_text(r), hyper_text(r), dims(r.output), arithmetic(r.terms), *_figures(r)]


def to_csv(a: Analysis) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    gpu_cols = [f"gpu{g.gpu}_{k}" for g in a.gpu_totals for k in GPU_FIGURES]
    writer.writerow([*CSV_COLUMNS, *gpu_cols])
    for r in a.rows:
        writer.writerow([*_csv_cells(r), *[getattr(s, k) for s in r.gpus for k in GPU_FIGURES]])
    t = a.totals
    writer.writerow(["total", "", "", "", "", *_figures(t),
                     *[getattr(g, k) for g in a.gpu_totals for k in GPU_FIGURES]])
    return out.getvalue()


def _md_table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def to_markdown(a: Analysis, valid: tuple[ValidInputs, ...] = (), mem: DtypeMemory | None = None) -> str:
    rows = [[r.name, kind_text(r), hyper_text(r), dims(r.output), arithmetic(r.terms), *map(n, _figures(r))] for r in a.rows]
    rows.append(["**total**", "", "", "", "", *map(n, _figures(a.totals))])
    parts = [f"## {a.name}", "", f"input {dims(a.input)}. {FLOPS_CONVENTION}.", "",
             _md_table(list(CSV_COLUMNS), rows, set(range(5, len(CSV_COLUMNS))))]
    if a.gpu_totals:
        parts += ["", "Per GPU (per image): " + "; ".join(
            f"GPU {g.gpu}: {n(g.params)} params, {n(g.flops)} FLOPs, receives {n(g.received)} values" for g in a.gpu_totals)]
    if a.claims:
        parts += ["", "### Claims", ""] + [f"- {'✓' if c.confirmed else '✗'} {c.subject}: stated {c.stated}, computed {c.computed}. {c.detail}" for c in a.claims]
    if mem is not None:
        parts += ["", *(f"- {line}" for line in memory_text(mem).splitlines())]
    parts += [line for v in valid for line in ("", valid_text(v))]
    parts += ["", "### Findings", ""] + ([f"- **{f.kind}**: {f.message}" for f in a.findings] or ["- none"])
    return "\n".join(parts) + "\n"


# --- compare ----------------------------------------------------------------------------------


def stage_text(s: Stage | None) -> str:
    if s is None:
        return ""
    r = s.row
    text = f"{kind_text(r)} {hyper_text(r)} → {dims(r.output)}".replace("  ", " ")
    extras = [f.kind + (f" {f.hyper}" if f.hyper and f.category == "dropout" else "") for f in s.followers]
    return text + (f"  (+ {', '.join(extras)})" if extras else "")


def summary(c: Comparison) -> list[tuple[str, list[int | str]]]:
    """(figure, one value per network); numbers stay numbers so ratios can be taken."""
    figures: list[tuple[str, list[int | str]]] = [("input", [dims(a.input) for a in c.networks])]
    depths = [depth(a) for a in c.networks]
    for key, title in (("conv", "conv layers"), ("pool", "pool layers"), ("dense", "dense layers"),
                       ("weighted", "conv and dense layers"), ("layers", "layers in all")):
        figures.append((title, [d[key] for d in depths]))
    for key in TOTALS:
        if key != "frozen_params" or any(a.totals.frozen_params for a in c.networks):
            figures.append((key if key != "macs" else "MACs", [getattr(a.totals, key) for a in c.networks]))
    return [(t.replace("flops", "FLOPs"), v) for t, v in figures]


def ratio(value: int | str, base: int | str) -> str:
    if isinstance(value, str) or isinstance(base, str) or not base:
        return ""
    return f"×{value / base:,.3g}" if value / base < 1000 else f"×{value / base:,.0f}"


def compare_table(c: Comparison) -> RenderableType:
    names = [escape(a.name) for a in c.networks]
    stages = Table(title="stage by stage", box=box.SIMPLE_HEAD)
    stages.add_column("#", justify="right")
    for name in names:
        stages.add_column(name)
    for i, line in enumerate(c.stages, start=1):
        stages.add_row(str(i), *[escape(stage_text(s)) for s in line])
    figures = Table(title="summary", box=box.SIMPLE_HEAD)
    figures.add_column("figure")
    for name in names:
        figures.add_column(name, justify="right")
    for name in names[1:]:
        figures.add_column(f"{name} / {names[0]}", justify="right")
    for title, values in summary(c):
        cells = [v if isinstance(v, str) else n(v) for v in values]
        figures.add_row(title, *cells, *[ratio(v, values[0]) for v in values[1:]])
    return Group(Text(FLOPS_CONVENTION, style="dim"), stages, whole(figures))


def compare_json(c: Comparison, mems: list[DtypeMemory] | None = None) -> dict[str, Any]:
    """Each network as `show --format json` gives it (memory at the same batch and dtype), then the alignment and summary."""
    return {
        "networks": [to_json(a, (), mems[i] if mems else None) for i, a in enumerate(c.networks)],
        "stages": [[s.row.name if s else None for s in line] for line in c.stages],
        "summary": {title: values for title, values in summary(c)},
    }


def compare_rows(c: Comparison) -> tuple[list[str], list[list[str]]]:
    names = [a.name for a in c.networks]
    header = ["", *names, *[f"{x} / {names[0]}" for x in names[1:]]]
    rows = [[f"stage {i}", *[stage_text(s) for s in line], *[""] * (len(names) - 1)] for i, line in enumerate(c.stages, start=1)]
    for title, values in summary(c):
        rows.append([title, *[str(v) for v in values], *[ratio(v, values[0]) for v in values[1:]]])
    return header, rows


def compare_csv(c: Comparison) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header, rows = compare_rows(c)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def compare_markdown(c: Comparison) -> str:
    header, rows = compare_rows(c)
    pretty = [[n(int(x)) if x.isdigit() else x for x in row] for row in rows]
    return f"{FLOPS_CONVENTION}.\n\n" + _md_table(header, pretty, set()) + "\n"
