"""run: build each spec in PyTorch, prove its figures, time it (torch imported only when it runs)."""

from __future__ import annotations

import sys

import click

from archcalc.cli import terminal
from archcalc.cli.common import emit, emit_json, load_all
from archcalc.cli.options import Count, Seconds, max_layers_option
from archcalc.outputs import serialize


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
@click.option("--min-time", "min_time_s", type=Seconds(), default=1.0, show_default=True,
              metavar="SECONDS", help="Time at least this long, then until the spread settles (at most 5×).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table (for people) or json (one object per spec).")
@max_layers_option
def run(specs: tuple[str, ...], device: str, batch: int, dtype: str, input_text: str | None, per_layer: bool, split: bool,
        min_time_s: float, fmt: str, max_layers: int) -> None:
    """Build each spec in PyTorch, check every layer's shape, parameters and FLOPs against torch, time the forward pass.

    SPECS are YAML files or bundled spec names (one may be - for standard input); without SPECS, every bundled spec. Needs PyTorch:
    pip install torch --index-url https://download.pytorch.org/whl/cpu. --format json gives one object for one SPEC, else a list.
    Memory: the calculator's inference estimate for the batch; on CUDA, the peak torch measured beside it.
    Exit 1 when a check fails or the device runs out of memory.
    """
    from archcalc import torch_backend as tb  # torch only for this command
    from archcalc.report import run as run_report
    from archcalc.specfile import bundled_names

    where, note = tb.resolve_device(device)
    terminal.say(note)
    jobs = [(g, a, tb.RunOptions(where, dtype, batch, min_time_s, per_layer, tb.split_devices(g, where) if split else ()))
            for g, a in load_all(specs or bundled_names(), input_text, max_layers)]
    results = []
    for graph, a, options in jobs:
        try:
            with run_report.progress_display(a.name) as progress:
                results.append(tb.run_network(graph, a, options, progress))
        except tb.DeviceOutOfMemoryError as exc:
            terminal.say_error(exc.message, exc.hint)
            sys.exit(1)
        if fmt == "table":
            if len(results) > 1:
                terminal.write_out("")  # a blank line between one spec's last line and the next one's title
            emit(run_report.run_table(results[-1]))
    if fmt == "table" and len(results) > 1:
        terminal.write_out("\n" + run_report.agreement(results))
    if fmt == "json":
        docs = [serialize.run_json(r) for r in results]
        emit_json(docs[0] if len(specs) == 1 else docs)
    if not all(r.ok for r in results):
        sys.exit(1)
