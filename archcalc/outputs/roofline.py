"""JSON of the roofline and of the hardware profiles (README "Time explained: the roofline" documents the shapes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archcalc.analysis.hardware import Profile
from archcalc.analysis.roofline import Against, Roofline
from archcalc.outputs.jsonwrite import Each


def _sig(value: float) -> float:
    """Six significant digits (as `run`'s timings)."""
    return float(f"{value:.6g}")


def add_roofline(doc: dict[str, Any], r: Roofline) -> dict[str, Any]:
    """`show --format json`'s document with each layer's `roofline` and the totals' `roofline` added."""
    per_layer = {x.name: x for x in r.layers}

    def add(layer: dict[str, Any]) -> None:
        x = per_layer[layer["name"]]
        layer["roofline"] = {"bytes": x.bytes, "intensity": _sig(x.intensity), "bound": x.bound, "seconds": _sig(x.seconds),
                             "units": x.units}

    if isinstance(doc["layers"], Each):  # made as they are written: each gets its roofline then
        doc["layers"].also(add)
    else:
        for layer in doc["layers"]:
            add(layer)
    doc["totals"]["roofline"] = totals_json(r)
    return doc


def totals_json(r: Roofline) -> dict[str, Any]:
    return {"seconds": _sig(r.seconds), "hardware": r.hardware.name, "batch": r.batch, "dtype": r.dtype,
            "memory_bound_share": _sig(r.memory_share)}


def hardware_json(profiles: Sequence[Profile]) -> list[dict[str, Any]]:
    """`archcalc hardware --format json`: each profile's figures (dense TFLOPS, GB/s, GB) and its source."""
    return [{"name": p.name, "title": p.title, "vector_tflops": p.vector_tflops, "matrix_tflops": p.matrix_tflops,
             "memory_bandwidth_gbs": p.bandwidth_gbs, "memory_gb": p.memory_gb,
             "source": {"name": p.source, "url": p.url, "confirmed_by": list(p.confirmed_by)}, "notes": p.notes, "measured": p.measured}
            for p in profiles]


def measured_json(a: Against) -> dict[str, Any]:
    """`run --per-layer --format json`'s `roofline`: each layer's measured seconds beside its least seconds."""
    return {**totals_json(a.roofline), "timer_overhead_seconds": _sig(a.overhead), "timer_error_seconds": _sig(a.error),
            "layers_sum_seconds": _sig(a.layers_sum), "forward_seconds": _sig(a.forward),
            "layers": [{"layer": m.name, "measured_seconds": _sig(m.seconds), "roofline_seconds": _sig(m.bound), "bound": m.roof,
                        "percent_of_roofline": None if m.percent is None else _sig(m.percent)} for m in a.layers]}
