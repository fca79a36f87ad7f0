"""run: build each spec in PyTorch, prove its figures, time it (torch imported only when it runs)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from archcalc.cli import terminal
from archcalc.cli.common import emit, emit_json, emit_prose, load_all
from archcalc.cli.options import Count, Seconds, max_layers_option
from archcalc.cli.roofline import hardware_option, measured, measured_chart, run_profile
from archcalc.errors import ArchcalcError
from archcalc.outputs import serialize
from archcalc.outputs.roofline import measured_json


@click.command()
@click.argument("specs", nargs=-1)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="auto: CUDA when torch sees a device, else the CPU.")
@click.option("--batch", type=Count(), default=1, show_default=True, help="Images per timed forward pass.")
@click.option("--dtype", type=click.Choice(["float32", "float16", "bfloat16"]), default="float32", show_default=True,
              help="The type of the weights and the input; float16 and bfloat16 mostly on CUDA.")
@click.option("--input", "input_text", metavar="SIZE", help="Override each spec's input: H, HxW or CxHxW.")
@click.option("--per-layer", is_flag=True, help="Also time each layer, to see which dominate.")
@click.option("--split", is_flag=True, help="Also run a split spec's towers, one CUDA device per GPU, and check them.")
@click.option("--min-time", "min_time_s", type=Seconds(), default=0.5, show_default=True,
              metavar="SECONDS", help="Time at least this long, then until the median is known to ±5% (at most 2×).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table (for people) or json (one object per spec).")
@click.option("--train", is_flag=True, help="Instead: one training step on the CPU, its kept bytes per layer and its peak against archcalc's.")
@click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adam", "adamw"]), default="adam", show_default=True,
              help="The optimiser of --train.")
@click.option("--checkpoint", "checkpoint", metavar="blocks|NAME[,NAME...]", help="With --train: block instances run under torch.utils.checkpoint.")
@hardware_option
@click.option("--chart", "chart_out", metavar="FILE", help="With --per-layer: the roofline chart, each layer where it was measured (.svg, .png, .pdf).")
@max_layers_option
def run(specs: tuple[str, ...], device: str, batch: int, dtype: str, input_text: str | None, per_layer: bool, split: bool,
        min_time_s: float, fmt: str, train: bool, optimizer: str, hardware: str | None, chart_out: str | None,
        max_layers: int, checkpoint: str | None = None) -> None:
    """Build each spec in PyTorch, check every layer's shape, parameters and FLOPs against torch, time the forward pass.

    SPECS are YAML files or bundled spec names (one may be - for standard input); without SPECS, every bundled spec. Needs PyTorch:
    pip install torch --index-url https://download.pytorch.org/whl/cpu. --format json gives one object for one SPEC, else a list.
    Memory: the calculator's inference estimate for the batch; on CUDA, the peak torch measured beside it.
    Exit 1 when a check fails or the device runs out of memory.
    """
    from archcalc.report import run as run_report
    from archcalc.specfile import bundled_names

    if checkpoint is not None and not train:
        raise ArchcalcError("--checkpoint measures a training step: it needs --train", "archcalc run SPEC --train --checkpoint blocks")
    if train:
        _run_train(specs or bundled_names(), device, batch, dtype, input_text, optimizer, max_layers, checkpoint)
        return
    if chart_out is not None and (not per_layer or len(specs) != 1):
        raise ArchcalcError("--chart draws one network's measured layers: give one SPEC and --per-layer",
                            f"archcalc run alexnet --per-layer --chart {chart_out}")
    loaded = load_all(specs or bundled_names(), input_text, max_layers)  # a spec refused is said before torch loads (1.7 s)
    from archcalc import torch_backend as tb  # torch only for this command

    where, note = tb.resolve_device(device)
    terminal.say(note)
    jobs = [(g, a, tb.RunOptions(where, dtype, batch, min_time_s, per_layer, tb.split_devices(g, where) if split else ()))
            for g, a in loaded]
    profile = run_profile(hardware, where.type, per_layer, dtype)  # with --per-layer, the chip its times stand beside
    overhead = tb.timer_overhead(where) if profile and per_layer else None
    results, against = [], []
    for graph, a, options in jobs:
        try:
            with run_report.progress_display(a.name) as progress:
                results.append(tb.run_network(graph, a, options, progress))
        except tb.DeviceOutOfMemoryError as exc:
            terminal.say_error(exc.message, exc.hint)
            sys.exit(1)
        if profile and overhead:
            against.append(measured(results[-1], a, profile, overhead))
        if fmt == "table":
            if len(results) > 1:
                terminal.write_out("")  # a blank line between one spec's last line and the next one's title
            emit(run_report.run_table(results[-1]))
            if against:
                from archcalc.report.roofline import measured_table

                emit(measured_table(against[-1]))
    if chart_out is not None and against:
        measured_chart(jobs[0][1], against[0], chart_out)
    if fmt == "table" and len(results) > 1:
        terminal.write_out("\n" + run_report.agreement(results))
    if fmt == "json":
        docs = [serialize.run_json(r) for r in results]
        for doc, ag in zip(docs, against):
            doc["roofline"] = measured_json(ag)
        emit_json(docs[0] if len(specs) == 1 else docs)
    if not all(r.ok for r in results):
        sys.exit(1)


def _run_train(specs: Sequence[str], device: str, batch: int, dtype: str, input_text: str | None, optimizer: str, max_layers: int,
               checkpoint: str | None = None) -> None:
    """run --train: on the CPU only (torch's memory profiler counts the CPU allocator); exit 1 on a difference."""
    if device == "cuda":
        raise ArchcalcError("run --train measures one training step on the CPU", "--device cpu (or auto)")
    from archcalc.analysis.checkpoint import chosen_instances

    loaded = load_all(specs, input_text, max_layers)  # a spec refused is said before torch loads
    from archcalc.torch_backend.train_check import check_training, train_check_text

    checks = [check_training(g, a, batch, dtype, optimizer, chosen_instances(g.instances, checkpoint) if checkpoint else ())
              for g, a in loaded]
    emit_prose("\n\n".join(train_check_text(c) for c in checks))
    if not all(c.ok for c in checks):
        sys.exit(1)
