"""The facts of the page's chart of live memory through one training step (archcalc.analysis.training): each moment's live
bytes, where the phases change, and the peak, with the words `show --train` uses. The page's script draws them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from archcalc.analysis.training import BACKWARD, FORWARD, STEP
from archcalc.text import peak_place, size

if TYPE_CHECKING:
    from archcalc.analysis import Row
    from archcalc.analysis.memory import Memory

OPTIMISER = "adam"  # show --train's default


def step_chart(rows: Sequence[Row], m: Memory, dtype: str) -> dict[str, Any]:
    from archcalc.analysis.train_memory import training_step

    s = training_step(rows, m.batch, m.dtype_bytes, OPTIMISER)
    peak = s.peak
    moments = [{"when": x.when, "layer": x.layer, "bytes": x.total_bytes, "words": f"{size(x.total_bytes)} {peak_place(x.when, x.layer)}"}
               for x in s.moments]
    first = {when: next((i for i, x in enumerate(s.moments) if x.when == when), None) for when in (FORWARD, BACKWARD, STEP)}
    return {
        "title": f"live memory through one training step ({OPTIMISER}, batch {m.batch}, {dtype})",
        "moments": moments,
        "phases": [{"label": label, "start": first[when]} for label, when in (("forward", FORWARD), ("backward", BACKWARD), ("step", STEP))
                   if first[when] is not None],
        "peak": s.moments.index(peak),
        "peak_text": f"peak {size(peak.total_bytes)} {peak_place(peak.when, peak.layer)}",
    }
