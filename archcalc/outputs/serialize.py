"""JSON of every result, in one place: `show`, `compare` and `run`. README "JSON" documents the shapes.

Numbers stay numbers (shapes are lists, exact figures integers); the text a person reads beside
them (`hyper`, `detail`, `message`) is archcalc.text's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from archcalc import text
from archcalc.analysis import GPU_FIGURES, TOTALS
from archcalc.errors import Location
from archcalc.kinds.terms.layouts import layout
from archcalc.outputs.jsontext import Shared, SharedMap
from archcalc.outputs.jsonwrite import Each
from archcalc.outputs.plainvalues import plain

if TYPE_CHECKING:
    from archcalc.analysis import Analysis, ClaimCheck, Finding, Row, ValidInputs
    from archcalc.analysis.compare import Comparison
    from archcalc.analysis.memory import DtypeMemory, LayerMemory
    from archcalc.kinds.terms.fields import ReceptiveField
    from archcalc.outputs.layerparts import Parts
    from archcalc.torch_backend import RunResult, Timing



def where_json(loc: Location | None) -> dict[str, Any] | None:
    """The line and layer in the spec (the file is the one given: its path would tie the JSON to one machine)."""
    return None if loc is None else {"line": loc.line, "layer": loc.layer}


def to_json(a: Analysis, valid: tuple[ValidInputs, ...] = (), mem: DtypeMemory | None = None, stream: bool = False) -> dict[str, Any]:
    """`show --format json`'s document; `stream`: its layers an Each, made one by one as they are written (jsonwrite)."""
    from archcalc.analysis.counts import counts_json

    make = layer_json
    if stream:  # rows alike share their parts, made once and checked once for what orjson writes otherwise than json
        from archcalc.outputs.layerparts import Parts

        make = partial(layer_json, parts=Parts(fix=True))
    if mem is not None:  # each layer with its memory (whole numbers of bytes: fixed as they are)
        layers = Each(tuple(zip(a.rows, mem[1].layers)), partial(_with_memory, make), fixed=stream)
    else:
        layers = Each(a.rows, make, fixed=stream)
    doc: dict[str, Any] = {
        "name": a.name,
        "description": a.description,
        "input": list(a.input),
        "flops_convention": text.FLOPS_CONVENTION,
        "layers": layers if stream else list(layers),
        "totals": {k: getattr(a.totals, k) for k in TOTALS},
        "findings": [finding_json(f) for f in a.findings],
        "claims": [claim_json(c) for c in a.claims],
        "counts": counts_json(a),  # what each FLOPs tool prints (archcalc.kinds.terms.conventions)
    }
    if a.accepted:  # findings the spec accepts (`accept:`), each with its reason and the line of its entry
        doc["accepted_findings"] = [{**finding_json(x.finding), "reason": x.reason, "accepted_at": where_json(x.where)} for x in a.accepted]
    if mem is not None:
        dtype, m = mem
        summary = {f.name: getattr(m, f.name) for f in dataclasses.fields(m) if f.name != "layers"}
        summary["training"] = [dataclasses.asdict(t) for t in m.training]
        doc["memory"] = {"dtype": dtype, **summary}
    if valid:
        doc["valid_inputs"] = [
            {"axis": v.axis, "range": [v.low, v.high], "exact": list(v.exact), "smallest": v.smallest, "smallest_reason": v.reason,
             "count": v.total, "last": v.last, "period": v.period or None, "residues": list(v.residues), "checked_up_to": v.checked or v.high}
            for v in valid
        ]
    if a.gpu_totals:
        doc["gpus"] = [{k: getattr(g, k) for k in ("gpu", "params", "macs", "flops", "activations", "neurons", "received")}
                       for g in a.gpu_totals]
    return doc


@lru_cache(maxsize=4096)
def _arithmetic(terms: tuple[Any, ...]) -> Shared:
    return Shared({"axis": t.axis, "expression": t.expression(), "value": t.value(), "output": t.out, "exact": t.divides} for t in terms)


@lru_cache(maxsize=4096)
def _keys(layer: Any, inputs: tuple[Any, ...]) -> SharedMap:
    return SharedMap(plain(layer.spec_values(inputs)))


def _alike(r: Row) -> dict[str, Any]:
    """A layer's JSON with what rows of one layer, input and figures have alike, in its order; None where each row's own
    goes (its name, inputs, receptive field and place)."""
    figures = r.figures
    return {"name": None, "type": r.kind, "activation": r.activation, "hyper": r.layer.hyper(), "inputs": None,
            "output": list(r.output), "layout": layout(r.output), "arithmetic": _arithmetic(r.terms),
            "params": figures.params, "frozen_params": figures.frozen_params, "macs": figures.macs, "flops": figures.flops,
            "connections": figures.connections, "activations": figures.activations, "receptive_field": None,
            "keys": _keys(r.layer, r.input_shapes), "where": None}


def _field_json(f: ReceptiveField) -> dict[str, Any]:
    return {"whole_input": True} if f.whole else {"size": plain(f.size), "jump": plain(f.jump), "start": plain(f.start)}


def layer_json(r: Row, parts: Parts | None = None) -> dict[str, Any]:
    """One layer's JSON; `parts`: what rows alike share, made there once (and as it fixes them)."""
    f = r.receptive_field
    layer = parts.of(r, _alike).copy() if parts is not None else _alike(r)  # the keys in their order, each row's own set below
    layer["name"] = r.name
    layer["inputs"] = list(r.inputs)
    if f is not None:
        layer["receptive_field"] = parts.field(f, _field_json) if parts is not None else _field_json(f)
    layer["where"] = where_json(r.where)
    if r.gpus:
        layer["placement"] = r.placement
        gpus = [{"gpu": s.gpu, "output": plain(s.output), **{k: getattr(s, k) for k in GPU_FIGURES}} for s in r.gpus]
        if parts is not None and parts.fix:
            from archcalc.outputs.jsonwrite import fixed

            gpus = fixed(gpus)
        layer["gpus"] = gpus
    return layer


def _with_memory(make: Any, pair: tuple[Row, LayerMemory]) -> dict[str, Any]:
    r, lm = pair
    layer: dict[str, Any] = make(r)
    layer["memory"] = {"output_bytes": lm.output_bytes, "param_bytes": lm.param_bytes, "live_bytes": lm.live_bytes,
                       "saved_bytes": lm.saved_bytes}
    return layer


def finding_json(f: Finding) -> dict[str, Any]:
    g = f.grade
    doc: dict[str, Any] = {"layer": f.layer, "kind": f.kind, "severity": g.severity, "cause": g.cause, "message": f.message,
                           "where": where_json(f.where)}
    if f.term is not None:
        doc.update(axis=f.term.axis, expression=f.term.expression(), value=plain(f.term.exact), output=f.term.out,
                   nearest=plain(f.nearest))
        if g.unread is not None:  # the rows (or columns) past the last window: real input, zero padding, between windows
            doc["unread"] = {"real": g.unread.real, "padding": g.unread.padding, "between": g.unread.between}
    if f.figures is not None:
        doc.update(params=f.figures.params, flops=f.figures.flops, branch=list(f.branch))
    if f.claim is not None:
        doc.update(subject=f.claim.subject, stated=plain(f.claim.stated), computed=plain(f.claim.computed))
    return doc


def claim_json(c: ClaimCheck) -> dict[str, Any]:
    return {"subject": c.subject, "layer": c.layer, "stated": plain(c.stated), "computed": plain(c.computed), "confirmed": c.confirmed,
            "detail": c.detail, "figure": c.figure, "tolerance": c.tolerance, "stated_text": c.stated_text,
            "computed_text": c.computed_text, "where": where_json(c.where),
            "matches": list(c.matches) if c.conventions else None}  # a FLOPs or MACs total: the tools' conventions it fits


def compare_json(c: Comparison, mems: Sequence[DtypeMemory] | None = None, stream: bool = False) -> dict[str, Any]:
    """Each network as `show --format json` gives it (memory at the same batch and dtype), then the alignment and summary."""
    from archcalc.analysis.compare import summary

    return {
        "networks": [to_json(a, (), mems[i] if mems else None, stream) for i, a in enumerate(c.networks)],
        "stages": [[s.row.name if s else None for s in line] for line in c.stages],
        "summary": {title: values for title, values in summary(c)},
    }


def run_json(r: RunResult) -> dict[str, Any]:
    """The JSON shape of one `archcalc run`."""
    doc: dict[str, Any] = {
        "name": r.name,
        "input": list(r.input),
        "device": r.device_name,
        "torch_device": r.device,
        "batch": r.timing.batch,
        "dtype": r.dtype,
        "checks": r.verification.checks,
        "mismatches": [{"layer": m.layer, "check": m.check, "calculator": plain(m.calculator), "torch": plain(m.torch)}
                       for m in r.verification.mismatches],
        **_timing_json(r.timing),
        "memory": {"estimate_bytes": r.memory.estimate_bytes, "estimate_peak_layer": r.memory.estimate_peak_layer,
                   "measured_peak_bytes": r.memory.measured_peak_bytes},
    }
    if r.verification.attention_math:
        doc["attention"] = "math path, gradients on (sdpa_kernel(SDPBackend.MATH)): FlopCounterMode counts no fused kernel"
    if r.layer_times:
        doc["per_layer_ms"] = [{"layer": t.name, "median": _sig(t.median_ms), "share": _sig(t.share)} for t in r.layer_times]
    if r.split is not None:
        s = r.split
        doc["split"] = {
            "devices": list(s.devices), "same_output": s.same_output, "max_abs_diff": s.max_abs_diff, "tolerance": s.tolerance,
            "gpus": [{"gpu": g.gpu, "device": g.device, "params": g.params, "torch_params": g.torch_params,
                      "flops": g.flops, "torch_flops": g.torch_flops} for g in s.gpus],
            **(_timing_json(s.timing) if s.timing else {}),
        }
    return doc


def _timing_json(t: Timing) -> dict[str, Any]:
    return {
        "forward_ms": {"median": _sig(t.median_ms), "min": _sig(t.min_ms), "max": _sig(t.max_ms), "runs": t.runs,
                       "settled": t.settled},
        "images_per_s": _sig(t.images_per_s),
        "tflops": _sig(t.tflops),
    }


def _sig(value: float) -> float:
    """Six significant digits: timings are not more precise than that, and a CPU's TFLOP/s stays visible."""
    return float(f"{value:.6g}")


def kinds_json(kinds: dict[str, Any]) -> list[dict[str, Any]]:
    """`archcalc kinds --format json`: each kind with its keys, their types and defaults (null: required)."""
    from archcalc.kinds import keys

    return [{"type": name, "category": cls.category, "summary": cls.summary,
             "keys": [{"key": k.key, "type": k.value.name, "required": k.required,
                       "default": None if k.required else plain(k.default), "default_text": None if k.required else k.value.show(k.default)}
                      for k in keys(cls)]}
            for name, cls in kinds.items()]
