"""`archcalc run` rendered: the table, and the progress display while it measures (JSON: archcalc.outputs.serialize).

rich only: the results are torch_backend's dataclasses, named here for the type checker alone,
so that this module imports no torch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bars
from rich.table import Table
from rich.text import Text

from archcalc.text import arithmetic, dims, n, share, size

if TYPE_CHECKING:
    from archcalc.torch_backend import MemoryUse, RunResult, SplitCheck, Timing


def _cell(ours: Any, theirs: Any, text: Callable[[Any], str]) -> Text:
    if ours == theirs:
        return Text(f"{text(ours)} ✓", style="green")
    return Text(f"{text(ours)} ≠ torch {text(theirs)}", style="bold red")


def run_table(r: RunResult) -> RenderableType:
    """The layers with ✓ or both differing values, the timing, and the split check."""
    head = Text()
    head.append(r.name, style="bold")
    head.append(f"  input {dims(r.input)} · batch {r.timing.batch} · {r.dtype} · {r.device} ({r.device_name})")
    table = Table(box=box.SIMPLE_HEAD)
    for title in ("layer", "type", "output", "params", "FLOPs (batch 1)"):
        table.add_column(title, justify="right" if title in ("params", "FLOPs (batch 1)") else "left", no_wrap=True)
    times = {t.name: t for t in r.layer_times}
    if times:
        table.add_column("ms", justify="right", no_wrap=True)
        table.add_column("share", justify="right", no_wrap=True)
    floors = any(c.floors for c in r.verification.layers)
    if floors:
        table.add_column("size that does not divide: torch rounds it as the calculator did")
    for c in r.verification.layers:
        params = _cell(c.params, c.torch_params, n)
        if c.frozen_params or c.torch_frozen_params:
            params.append_text(Text(" + ")).append_text(_cell(c.frozen_params, c.torch_frozen_params, lambda v: f"{n(v)} fixed"))
        cells: list[Any] = [Text(c.name), Text(c.kind), _cell(c.shape, c.torch_shape, dims), params, _cell(c.flops, c.torch_flops, n)]
        if times:
            cells += [f"{times[c.name].median_ms:.3f}", share(times[c.name].share)]
        table.add_row(*cells, *([arithmetic(c.floors)] if floors else []))
    t = r.timing
    parts: list[RenderableType] = [head, table, Text(_timing_text("forward", t), style="bold"),
                                    *([Text(unstable, style="yellow")] if (unstable := unstable_note(t)) else []),
                                    *([Text(unsettled, style="yellow")] if (unsettled := unsettled_note(t)) else []),
                                    Text(_memory_text(r.memory, t.batch, r.dtype, r.device))]
    mismatches = r.verification.mismatches
    if mismatches:
        parts.append(Text(f"✗ {len(mismatches)} mismatch{'es' if len(mismatches) != 1 else ''} between the calculator and torch",
                          style="bold red"))
    else:
        parts.append(Text("✓ every layer's output shape, parameters and FLOPs agree with torch", style="green"))
    if r.verification.attention_math:
        parts.append(Text(ATTENTION_MATH))
    if r.split is not None:
        parts.append(_split_text(r.split))
    return Group(*parts)


ATTENTION_MATH = ("attention verified on the math path (sdpa_kernel(SDPBackend.MATH), gradients on): FlopCounterMode counts nothing "
                  "of nn.MultiheadAttention's fast path nor of fused attention kernels; the timing runs torch's default path")


UNSTABLE_SPREAD = 2.0  # a median past twice the minimum: the passes were slowed by something else


def unstable_note(t: Timing) -> str | None:
    """A word where the passes' times spread widely (a busy machine): the minimum is then nearer the network's own time."""
    if t.min_ms <= 0 or t.median_ms < UNSTABLE_SPREAD * t.min_ms:
        return None
    return (f"unstable: the median is {t.median_ms / t.min_ms:,.1f}× the fastest pass ({t.min_ms:.3f} ms), so something else "
            "was running; the fastest pass is nearer the network's own time: time it again on a quiet machine")


def unsettled_note(t: Timing) -> str | None:
    """A word where the timing stopped at its limit before the median was known to ±5% (torch_backend.blocks)."""
    if t.settled:
        return None
    return (f"not settled: after {t.seconds:.2f} s of passes the median is not yet known to ±5% (the passes' times moved); "
            "a longer --min-time, or a quiet machine, narrows it")


def agreement(results: Sequence[RunResult]) -> str:
    """The last line of a run of several specs: how many agree with torch, and which do not."""
    ok = [r for r in results if r.ok]
    line = f"{len(ok)} of {len(results)} specs agree with torch"
    wrong = [r.name for r in results if not r.ok]
    return line + (f"; not: {', '.join(wrong)}" if wrong else "")


def _timing_text(what: str, t: Timing) -> str:
    return (f"{what}: median {t.median_ms:.3f} ms (min {t.min_ms:.3f}, max {t.max_ms:.3f}; {t.runs:,} passes of batch {t.batch})"
            f" · {t.images_per_s:,.1f} images/s · {_rate(t.tflops)} of the calculator's FLOPs")


def _memory_text(m: MemoryUse, batch: int, dtype: str, device: str) -> str:
    estimate = (f"memory at batch {batch} in {dtype}: estimated {size(m.estimate_bytes)} for inference "
                f"(parameters + live activations at their peak, at {m.estimate_peak_layer})")
    if m.measured_peak_bytes is None:
        return f"{estimate}; not measured on the {device} (torch counts CUDA memory only)"
    return f"{estimate}; measured peak {size(m.measured_peak_bytes)} on {device} = {m.ratio:.2f}× the estimate"


def _rate(tflops: float) -> str:
    return f"{tflops:.2f} TFLOP/s" if tflops >= 1 else f"{tflops * 1e3:.2f} GFLOP/s"


def _split_text(s: SplitCheck) -> Text:
    text = Text(f"split across {', '.join(s.devices)}: ", style="bold")
    same = "the same output" if s.same_output else "a DIFFERENT output"
    text.append(f"{same} as the single device (max |difference| {s.max_abs_diff:.3g}, tolerance {s.tolerance:.3g})",
                style="green" if s.same_output else "bold red")
    for g in s.gpus:
        ok = g.params == g.torch_params and g.flops == g.torch_flops
        text.append(f"\n  GPU {g.gpu} on {g.device}: params {n(g.torch_params)}, FLOPs {n(g.torch_flops)} (batch 1) ")
        text.append("✓" if ok else f"≠ calculator {n(g.params)}, {n(g.flops)}", style="green" if ok else "bold red")
    if s.timing:
        text.append("\n" + _timing_text("towers forward", s.timing))
    return text


@contextmanager
def progress_display(title: str) -> Iterator[Callable[[str, float], None]]:
    """A progress bar per stage on stderr while a network is measured, gone when it is done (the title, the spec's name, shown as it is: markup=False); nothing
    where stderr is not a terminal (a file or a pipe gets no bars and no blank lines)."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda what, fraction: None
        return
    bars = Bars(TextColumn("{task.description}", markup=False), BarColumn(), TimeElapsedColumn(), console=console,
                transient=True, redirect_stdout=False, redirect_stderr=False)
    tasks: dict[str, Any] = {}

    def update(what: str, fraction: float) -> None:
        if what not in tasks:
            for task in tasks.values():  # a new stage: the earlier ones are done
                bars.update(task, completed=1.0)
            tasks[what] = bars.add_task(f"{title}: {what}", total=1.0)
        bars.update(tasks[what], completed=fraction)

    with bars:
        yield update
