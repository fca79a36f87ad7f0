"""The roofline as rich renderables: the per-layer table of `show --hardware`, the summary line, the list of
profiles `archcalc hardware` prints, and the least times `compare --hardware` adds."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from archcalc.analysis.hardware import DTYPES, Profile
from archcalc.analysis.roofline import Against, Roofline
from archcalc.report.show import literal, shown, whole
from archcalc.text import n


def seconds_text(s: float) -> str:
    """'22.5 µs': three significant digits in the unit that keeps the number between 1 and 1000."""
    if s == 0:
        return "0"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def intensity_text(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def title(r: Roofline) -> str:
    return f"roofline on {r.hardware.title} ({r.hardware.name}), batch {r.batch}, {r.dtype}"


def summary_text(r: Roofline) -> str:
    ridge = r.ridge
    return (f"least time for a batch of {r.batch}: {seconds_text(r.seconds)} ({seconds_text(r.seconds / r.batch)} an image); "
            f"{r.memory_share:.0%} of it in memory-bound layers. A layer is compute-bound above {intensity_text(ridge['matrix'])} FLOPs a byte "
            f"on the matrix units, {intensity_text(ridge['vector'])} on the vector units ({r.hardware.bandwidth_gbs:g} GB/s).")


def roofline_table(r: Roofline, every: bool = False) -> RenderableType:
    table = Table(title=title(r), box=box.SIMPLE_HEAD, show_footer=True, footer_style="bold")
    table.add_column("layer", "total")
    table.add_column("units")
    table.add_column("FLOPs", n(sum(x.flops for x in r.layers)), justify="right")
    table.add_column("least bytes", n(sum(x.bytes for x in r.layers)), justify="right")
    table.add_column("FLOPs/byte", justify="right")
    table.add_column("bound")
    table.add_column("least time", seconds_text(r.seconds), justify="right")
    table.add_column("share", justify="right")
    head, tail, hidden = shown(r.layers, every)
    for i, x in enumerate((*head, *tail)):
        if hidden and i == len(head):
            table.add_row("…", style="dim")
        share = f"{x.seconds / r.seconds:.1%}" if r.seconds else ""
        table.add_row(literal(x.name), x.units, n(x.flops), n(x.bytes), intensity_text(x.intensity) if x.bytes else "—",
                      x.bound if x.bytes or x.flops else "—", seconds_text(x.seconds), share,
                      style="bold" if x.bound == "compute" else None)
    return Group(whole(table), Text(summary_text(r) + "\n"))


def hardware_table(profiles: Sequence[Profile]) -> RenderableType:
    table = Table(title="peak dense TFLOPS (vector: float32; matrix units: tf32, bfloat16, float16), memory", box=box.SIMPLE_HEAD)
    table.add_column("name")
    table.add_column("chip")
    table.add_column("float32", justify="right")
    for dtype in DTYPES:
        if dtype != "float32":
            table.add_column(dtype, justify="right")
    table.add_column("matrix float32", justify="right")
    table.add_column("GB/s", justify="right")
    table.add_column("GB", justify="right")
    for p in profiles:
        matrix = [f"{p.matrix_tflops[d]:g}" if d in p.matrix_tflops else "—" for d in DTYPES if d != "float32"]
        table.add_row(p.name, p.title, f"{p.vector_tflops['float32']:g}", *matrix,
                      f"{p.matrix_tflops['float32']:g}" if "float32" in p.matrix_tflops else "—",
                      f"{p.bandwidth_gbs:g}", f"{p.memory_gb:g}" if p.memory_gb else "—")
    sources = Text("sources:\n")
    for p in profiles:
        sources.append(f"  {p.name}: {p.source}" + (f" <{p.url}>" if p.url else "") + (f"; {p.notes}" if p.notes else "") + "\n")
    sources.append("— marks a figure the source does not give. `archcalc calibrate` writes this machine's measured profile to "
                   "$XDG_CONFIG_HOME/archcalc/hardware (else ~/.config/archcalc/hardware).\n")
    return Group(whole(table), sources)


def compare_roofline_table(names: Sequence[str], rooflines: Sequence[Roofline]) -> RenderableType:
    """Each network's least time on the chip, its share memory-bound, and its time against the first's."""
    first = rooflines[0]
    table = Table(title=f"least time on {first.hardware.title} ({first.hardware.name}), batch {first.batch}, {first.dtype}",
                  box=box.SIMPLE_HEAD)
    table.add_column("network")
    for heading in ("least time", "an image", "memory-bound", "least bytes", f"time / {names[0]}"):
        table.add_column(heading, justify="right")
    for name, r in zip(names, rooflines):
        ratio = f"{r.seconds / first.seconds:.2f}×" if first.seconds else "—"
        table.add_row(literal(name), seconds_text(r.seconds), seconds_text(r.seconds / r.batch), f"{r.memory_share:.0%}",
                      n(sum(x.bytes for x in r.layers)), ratio)
    return whole(table)


def measured_table(a: Against) -> RenderableType:
    """`run --per-layer` against the roofline: each layer's measured time, its least time and % of roofline."""
    r = a.roofline
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, footer_style="bold")
    table.add_column("layer", "sum")
    table.add_column("bound")
    table.add_column("measured", seconds_text(a.layers_sum), justify="right")
    table.add_column("roofline (least)", seconds_text(r.seconds), justify="right")
    table.add_column("% of roofline", f"{100 * r.seconds / a.layers_sum:.1f}%" if a.layers_sum else "—", justify="right")
    for m in a.layers:
        table.add_row(literal(m.name), m.roof if m.bound > 0 else "—", seconds_text(m.seconds), seconds_text(m.bound),
                      f"{m.percent:.1f}%" if m.percent is not None else "—")
    note = (f"the layers add up to {seconds_text(a.layers_sum)}; the whole forward pass, timed alone, took {seconds_text(a.forward)} "
            f"({a.layers_sum / a.forward:.0%}). Each layer's time is the median over passes, less the per-layer timer's own cost "
            f"({seconds_text(a.overhead)}, measured around an empty module); a figure may be off by up to {seconds_text(a.error)} through it.")
    return Group(Text(f"\nmeasured against the {title(r)}", style="bold"), whole(table), Text(note + "\n"))
