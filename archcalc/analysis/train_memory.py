"""`archcalc show --train`: one training step's memory for an optimiser, what is live at its peak, and with
`--fits SIZE` the largest batch whose peak fits in SIZE (archcalc.analysis.training's rule, each storage rounded up to the
CUDA caching allocator's 512-byte blocks)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from archcalc.analysis.memory import OPTIMISER_STATES
from archcalc.analysis.training import STEP, Step, step
from archcalc.errors import ArchcalcError
from archcalc.text import peak_place, size

if TYPE_CHECKING:
    from archcalc.analysis import Row
    from archcalc.specfile import Instance

BLOCK = 512  # bytes: the CUDA caching allocator rounds every block up to a multiple of this
UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
MAX_BATCH = 2**40


def parse_size(text: str) -> int:
    """'24GiB' -> 25769803776; '80GB' -> 80000000000; a plain number is bytes."""
    found = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    unit = found.group(2).lower() if found else ""
    if not found or unit not in UNITS or float(found.group(1)) <= 0:
        raise ArchcalcError(f"--fits {text!r} is not a size", "a number and a unit: 24GiB, 80GB, 512MiB (or bytes)")
    return int(float(found.group(1)) * UNITS[unit])


def copies_of(optimiser: str) -> int:
    """The copies of the parameters an optimiser keeps as its state (archcalc.analysis.memory), or a user error."""
    if optimiser not in OPTIMISER_STATES:
        raise ArchcalcError(f"no optimiser '{optimiser}'", f"one of {', '.join(OPTIMISER_STATES)}")
    return OPTIMISER_STATES[optimiser]


def training_step(rows: Sequence[Row], batch: int, itemsize: int, optimiser: str, granule: int = 1) -> Step:
    return step(rows, batch, itemsize, optimiser, copies_of(optimiser), granule=granule)


def checkpointed_at(rows: Sequence[Row], itemsize: int, optimiser: str, instances: Sequence[Instance], granule: int = 1) -> Callable[[int], Step]:
    """Batch -> the training step with those block instances checkpointed (archcalc.analysis.checkpoint)."""
    from archcalc.analysis.checkpoint import checkpointed, checkpointed_step

    copies = copies_of(optimiser)
    return lambda batch: checkpointed_step(rows, checkpointed(rows, batch, itemsize, instances, granule), batch, itemsize, optimiser, copies, granule)


def largest_batch(rows: Sequence[Row], itemsize: int, optimiser: str, budget: int, instances: Sequence[Instance] = ()) -> tuple[int, Step | None]:
    """The largest batch whose step peaks within `budget` bytes (0 and None: not even one sample fits), with those block
    instances checkpointed if any are given."""
    at: Callable[[int], Step] = (checkpointed_at(rows, itemsize, optimiser, instances, BLOCK) if instances
                                 else lambda batch: training_step(rows, batch, itemsize, optimiser, BLOCK))

    fitting: list[Step] = []  # the step of the last batch that fit: each is the new `low`, the batches that fit only grow

    def fits(batch: int) -> bool:
        s = at(batch)
        if s.peak.total_bytes > budget:
            return False
        fitting[:] = [s]
        return True

    if not fits(1):
        return 0, None
    low, high = 1, 2
    while high <= MAX_BATCH and fits(high):
        low, high = high, high * 2
    while high - low > 1:  # fits(low), not fits(high)
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low, fitting[0]


def step_text(s: Step, batch: int, dtype: str) -> str:
    p = s.peak
    held = p.total_bytes - s.param_bytes - s.optimiser_bytes - s.input_bytes - p.activation_bytes - p.gradient_bytes - p.activation_gradient_bytes
    lines = [
        f"training step with {s.optimiser} at batch {batch}, {dtype}: parameters {s.param_bytes:,}, gradients {s.param_bytes:,}, "
        f"optimiser state {s.optimiser_bytes:,}, activations kept for backward {s.activation_bytes:,} (as torch keeps them)",
        f"peak {size(p.total_bytes)} {peak_place(p.when, p.layer)}: parameters {s.param_bytes:,} + optimiser state {s.optimiser_bytes:,}"
        f" + input {s.input_bytes:,} + activations {p.activation_bytes:,} + parameter gradients {p.gradient_bytes:,}"
        f" + activation gradients {p.activation_gradient_bytes:,}" + (f" + {_rest(p.when)} {held:,}" if held else ""),
    ]
    return "\n".join(lines)


def _rest(when: str) -> str:
    """What a moment holds beyond its named parts: at the optimiser step, Adam's temporaries (archcalc.analysis.training:
    twice the largest layer's parameters); before it, the loss."""
    return "optimiser temporaries" if when == STEP else "loss and outputs"


def fits_text(budget_text: str, budget: int, batch: int, s: Step | None, dtype: str, checkpointing: int = 0) -> str:
    with_them = f", {checkpointing:,} block instance{'s' if checkpointing != 1 else ''} checkpointed" if checkpointing else ""
    if s is None:
        return f"--fits {budget_text}: not even batch 1 fits ({dtype}{with_them}, with the allocator's 512-byte blocks)"
    p = s.peak
    return (f"--fits {budget_text} ({budget:,} bytes): the largest batch is {batch:,} ({dtype}, {s.optimiser}{with_them}, each storage rounded up to "
            f"512-byte blocks as CUDA's caching allocator does; its context, cuDNN workspaces and fragmentation not counted): "
            f"peak {size(p.total_bytes)} {peak_place(p.when, p.layer)}")


def training_text(rows: Sequence[Row], batch: int, dtype: str, itemsize: int, optimiser: str, fits_in: str | None) -> str:
    """What `show --train [--fits SIZE]` prints after the table (the step itself without checkpointing: with --checkpoint,
    archcalc.analysis.checkpoint's text follows it, and fits_line after that)."""
    parts = [step_text(training_step(rows, batch, itemsize, optimiser), batch, dtype)]
    if fits_in is not None:
        parts.append(fits_line(rows, itemsize, optimiser, fits_in, dtype))
    return "\n".join(parts)


def fits_line(rows: Sequence[Row], itemsize: int, optimiser: str, fits_in: str, dtype: str, instances: Sequence[Instance] = ()) -> str:
    """`--fits SIZE`'s line: the largest batch whose step (with those instances checkpointed) peaks within SIZE."""
    budget = parse_size(fits_in)
    largest, s = largest_batch(rows, itemsize, optimiser, budget, instances)
    return fits_text(fits_in, budget, largest, s, dtype, len(instances))


def fits_figures(rows: Sequence[Row], itemsize: int, optimiser: str, fits_in: str, instances: Sequence[Instance] = ()) -> dict[str, object]:
    """`memory.fits` of `show --format json --fits SIZE`: the same search as the text's."""
    budget = parse_size(fits_in)
    largest, s = largest_batch(rows, itemsize, optimiser, budget, instances)
    return {"budget_bytes": budget, "optimiser": optimiser, "checkpoint": [i.name for i in instances], "block_bytes": BLOCK,
            "largest_batch": largest, "peak_bytes": s.peak.total_bytes if s else None, "peak_when": s.peak.when if s else None,
            "peak_layer": s.peak.layer if s else None}
