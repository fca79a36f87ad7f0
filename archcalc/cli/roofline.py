"""The command-line pieces of the roofline: the --hardware option, and the `hardware` and `calibrate` commands' bodies."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from archcalc.errors import ArchcalcError

if TYPE_CHECKING:  # the roofline's modules only where a command asks for one (--hardware, run --per-layer, the charts)
    from archcalc.analysis import Analysis
    from archcalc.analysis.hardware import Profile
    from archcalc.analysis.roofline import Against, Roofline
    from archcalc.torch_backend import RunResult

F = TypeVar("F", bound=Callable[..., Any])


def hardware_option(f: F) -> F:
    return click.option("--hardware", metavar="NAME",
                        help="Also each layer's roofline on this chip at --batch and --dtype: least bytes, FLOPs a byte, "
                             "the bound and the least time (`archcalc hardware` lists the chips).")(f)


def no_hardware(hardware: str | None, fmt: str) -> list[Roofline] | None:
    """csv and markdown keep their columns: --hardware is refused there, in words."""
    if hardware is not None:
        raise ArchcalcError(f"--hardware shows in --format table, json and html, not {fmt}",
                            hint=f"archcalc show SPEC --hardware {hardware} --format json")
    return None


def named(analyses: Sequence[Analysis], hardware: str | None, batch: int, dtype: str) -> list[Roofline] | None:
    """Each network's roofline on the chip --hardware names; None without one (its modules then not imported)."""
    if hardware is None:
        return None
    from archcalc.analysis.roofline import named as on_chip

    return on_chip(analyses, hardware, batch, dtype)


def run_profile(hardware: str | None, device_type: str, per_layer: bool, dtype: str) -> Profile | None:
    """The chip `run --per-layer` measures against: --hardware, else this machine's calibrated profile named after the
    device ('cpu', 'cuda') where `archcalc calibrate` wrote one, else none (and a note says how to get one)."""
    from archcalc.analysis import hardware as profiles
    from archcalc.cli import terminal

    if hardware is not None:
        return _checked(profiles.load(hardware), dtype)
    if not per_layer:
        return None
    if (profiles.user_dir() / f"{device_type}.yaml").is_file():
        return _checked(profiles.load(device_type), dtype)
    terminal.say(f"note: no roofline beside the per-layer times: `archcalc calibrate --device {device_type}` measures this machine "
                 "once (or name a chip with --hardware)")
    return None


def _checked(profile: Profile, dtype: str) -> Profile:
    profile.check(dtype)  # before anything runs: a dtype the profile has no figure for is refused now
    return profile


def measured(result: RunResult, a: Analysis, profile: Profile, overhead: tuple[float, float]) -> Against:
    medians = {t.name: t.median_ms / 1e3 for t in result.layer_times}
    from archcalc.analysis.roofline import against, roofline

    r = roofline(a, profile, result.timing.batch, result.dtype)
    return against(r, medians, overhead[0], overhead[1], result.timing.median_ms / 1e3)


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def calibrate_here(device: str, name: str | None, dtypes: tuple[str, ...], quick: bool) -> None:
    """Measure this machine (archcalc.torch_backend.calibrate), write its profile to the user's folder, say where."""
    from archcalc import torch_backend as tb
    from archcalc.analysis import hardware as profiles
    from archcalc.atomic import check_target, write_atomic
    from archcalc.cli import terminal
    from archcalc.torch_backend.calibrate import calibrate, profile_text

    where, note = tb.resolve_device(device)
    name = name or where.type
    if not NAME.fullmatch(name):
        raise ArchcalcError(f"--name {name!r}: a profile's name is letters, digits, '.', '_' and '-' (64 at most)", hint="--name mybox")
    chosen = dtypes or (("float32", "tf32", "bfloat16", "float16") if where.type == "cuda" else ("float32", "bfloat16"))
    if "tf32" in chosen and where.type != "cuda":
        raise ArchcalcError("tf32 is a matrix mode of NVIDIA GPUs: there is none to measure on the CPU", hint="--dtype float32 --dtype bfloat16")
    if "float32" not in chosen:
        chosen = ("float32", *chosen)  # the vector units' figure
    terminal.say(note)
    c = calibrate(where, chosen, quick)
    folder = profiles.user_dir()
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{name}.yaml"
    write_atomic(out, profile_text(c, name).encode("utf-8"), check_target(out, f"{name}.yaml"))
    p = profiles.read(out)
    click.echo(f"{p.title}: matmul " + ", ".join(f"{d} {v * 1e3:.4g} GFLOP/s" for d, v in p.matrix_tflops.items())
               + f"; streaming copy {p.bandwidth_gbs:.4g} GB/s (main memory {c.main_memory_gbs:.4g} GB/s)")
    terminal.say(f"wrote {out}: use it with --hardware {name}", prefix="")


def roofline_picture(a: Analysis, hardware: str | None, batch: int, dtype: str) -> str:
    """`diagram --style roofline`: the chart of one network on the chip --hardware names (SVG text)."""
    from archcalc.analysis import hardware as profiles
    from archcalc.analysis.roofline import roofline
    from archcalc.diagram.roofline_chart import roofline_svg
    from archcalc.report.roofline import seconds_text

    if hardware is None:
        raise ArchcalcError("--style roofline needs --hardware: the chip whose roofs it draws", hint="--hardware h100-sxm")
    r = roofline(a, profiles.load(hardware), batch, dtype)
    title = (f"{a.name} on {r.hardware.title}, batch {batch}, {dtype}: least time {seconds_text(r.seconds)}, "
             f"{r.memory_share:.0%} memory-bound")
    return roofline_svg(title, r, {row.name: row.category for row in a.rows})


def measured_chart(a: Analysis, ag: Against, out_text: str) -> None:
    """`run --per-layer --chart FILE`: the roofline chart with each layer where it was measured (hollow points)."""
    from pathlib import Path

    from archcalc.cli import terminal
    from archcalc.diagram.render import render_svg
    from archcalc.diagram.roofline_chart import roofline_svg
    from archcalc.report.roofline import seconds_text

    r = ag.roofline
    title = (f"{a.name} measured on {r.hardware.name}, batch {r.batch}, {r.dtype}: {seconds_text(ag.layers_sum)}, "
             f"least time {seconds_text(r.seconds)}")
    render_svg(roofline_svg(title, r, {row.name: row.category for row in a.rows}, {m.name: m.seconds for m in ag.layers}), Path(out_text))
    terminal.say(f"wrote {terminal.one_line(out_text)}", prefix="")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def hardware(fmt: str) -> None:
    """The chips --hardware can name: peak dense TFLOPS per dtype, memory bandwidth and size, and each figure's source."""
    from archcalc.analysis import hardware as profiles
    from archcalc.cli.common import emit, emit_json

    if fmt == "json":
        from archcalc.outputs.roofline import hardware_json

        emit_json(hardware_json(profiles.every()))
    else:
        from archcalc.report.roofline import hardware_table

        emit(hardware_table(profiles.every()))


@click.command()
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="cpu", show_default=True,
              help="auto: CUDA when torch sees a device, else the CPU.")
@click.option("--name", metavar="NAME", help="The profile's name, for --hardware NAME [default: the device, cpu or cuda].")
@click.option("--dtype", "dtypes", multiple=True, type=click.Choice(["float32", "tf32", "bfloat16", "float16"]),
              help="A dtype to measure matmuls in (repeatable) [default: float32 and bfloat16; on CUDA also tf32 and float16].")
@click.option("--quick", is_flag=True, help="Small sizes and short timings: seconds, and less exact.")
def calibrate(device: str, name: str | None, dtypes: tuple[str, ...], quick: bool) -> None:
    """Measure this machine's attained peaks with torch (large matmuls per dtype, streaming copies) and save them as a
    hardware profile in $XDG_CONFIG_HOME/archcalc/hardware (else ~/.config/archcalc/hardware). Needs PyTorch."""
    calibrate_here(device, name, dtypes, quick)
