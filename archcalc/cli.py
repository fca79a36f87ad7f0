"""Thin click commands: parse, call the core, print what it returns.

User errors (ArchcalcError, and click's usage errors) become one message on stderr and exit status 2,
here (Archcalc.main and .invoke, through archcalc.terminal) and nowhere else; Ctrl-C is exit 130 and a
failed write of stdout exit 1, each in one line; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import gc
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from archcalc import analysis, jsontext, serialize, terminal
from archcalc.analysis import Analysis, analyse
from archcalc.errors import ArchcalcError
from archcalc.graph import Graph, build_graph
from archcalc.limits import MAX_LAYERS, MAX_TABLE_ROWS
from archcalc.memory import DTYPE_BYTES, dtype_bytes, memory
from archcalc.options import FORMATS, Count, Seconds, max_layers_option, parse_input, parse_range, usage_error
from archcalc.spec import load_spec, stdin_once

if TYPE_CHECKING:
    from rich.console import RenderableType

class Archcalc(click.Group):
    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """click's main, with every way a run can end said in archcalc's words: a usage error as
        'archcalc: error: ...' (exit 2), Ctrl-C in one line (exit 130), a failed write of stdout once (exit 1)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        terminal.prepare_streams()
        terminal.catch_terminate()
        try:
            code = super().main(args, prog_name or "archcalc", complete_var, False, **extra)
        except SystemExit as exc:
            code = exc.code
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()  # `archcalc` alone: the help
            code = exc.exit_code
        except click.ClickException as exc:
            code = usage_error(exc)
        except click.Abort as exc:  # Ctrl-C while click read the command line
            code = terminal.interrupted(exc.__context__)
        failed = terminal.finish_output()
        sys.exit(code if code else failed or 0)

    def invoke(self, ctx: click.Context) -> Any:
        # a command makes many objects that live to its end and few cycles: without the cyclic
        # collector's repeated passes over them its cost per layer stays flat (benchmarks/README.md)
        collecting = gc.isenabled()
        gc.disable()
        try:
            return super().invoke(ctx)
        except terminal.WriteError as exc:
            terminal.silence_stdout()
            if exc.errno != errno.EPIPE:  # a reader that went away (| head) wanted no more: nothing to say
                terminal.say_error(exc.message, exc.hint)
            ctx.exit(1)
        except ArchcalcError as exc:
            terminal.say_error(exc.message, exc.hint)
            ctx.exit(2)
        except MemoryError:  # past the limits (archcalc.limits) this machine's memory may still run out: say so, once
            terminal.say_error("out of memory", "a smaller --max-layers, --batch or --range, or a machine with more memory")
            ctx.exit(1)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (terminal.Terminated)
            ctx.exit(terminal.interrupted(exc))
        finally:
            if collecting:
                gc.enable()


def load(spec: str, input_text: str | None, max_layers: int = MAX_LAYERS) -> tuple[Graph, Analysis]:
    """One spec argument (a file, a bundled name, or '-' for standard input), analysed."""
    graph = build_graph(load_spec(spec, max_layers))
    return graph, analyse(graph, parse_input(input_text, graph.input))


def load_all(specs: Sequence[str], input_text: str | None, max_layers: int = MAX_LAYERS) -> list[tuple[Graph, Analysis]]:
    """Several spec arguments, of which one may be '-'."""
    stdin_once(specs)
    return [load(s, input_text, max_layers) for s in specs]


def emit(renderable: RenderableType) -> None:
    """Print a table to stdout, never cut or wrapped (archcalc.report.whole)."""
    from archcalc.report.whole import print_whole  # rich only for the tables

    print_whole(renderable)


def emit_text(text: str) -> None:
    terminal.write_out(text)


def emit_json(doc: Any) -> None:
    terminal.write_out(jsontext.dumps(doc), json_text=True)


@click.group(cls=Archcalc, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="archcalc")
def main() -> None:
    """Shapes, parameters, FLOPs and findings of convolutional networks written as YAML specs."""


@main.command()
@click.argument("spec")
@click.option("--input", "input_text", metavar="SIZE", help="Override the spec's input: H, HxW or CxHxW.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--strict", is_flag=True, help="Exit 1 when there are findings.")
@click.option("--valid-inputs", is_flag=True, help="List the input sizes for which every layer divides exactly.")
@click.option("--range", "size_range", metavar="LO:HI", help="Sizes --valid-inputs looks at [default: 1 to twice the input].")
@click.option("--batch", type=Count(), default=1, show_default=True, help="Images per batch, for memory.")
@click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="float32", show_default=True, help="Bytes per value, for memory.")
@click.option("--memory", "per_layer_memory", is_flag=True, help="Also show each layer's memory.")
@click.option("--all", "every", is_flag=True, help=f"Every row of a table of more than {MAX_TABLE_ROWS:,} rows (else its first and last).")
@click.option("--train", is_flag=True, help="Also show one training step's memory: what is live at its peak.")
@click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adam", "adamw"]), default="adam", show_default=True,
              help="The optimiser of --train and --fits.")
@click.option("--fits", "fits_in", metavar="SIZE", help="With --train: the largest batch whose step peaks within SIZE (24GiB, 80GB).")
@max_layers_option
def show(spec: str, input_text: str | None, fmt: str, strict: bool, valid_inputs: bool, size_range: str | None,
         batch: int, dtype: str, per_layer_memory: bool, every: bool, train: bool, optimizer: str, fits_in: str | None,
         max_layers: int) -> None:
    """Per-layer shapes (with the arithmetic), parameters, MACs, FLOPs, activations, receptive
    fields, memory and findings.

    SPEC is a YAML file, the name of a bundled spec (alexnet, lenet, ...), or - for standard input.
    """
    if size_range is not None and not valid_inputs:
        raise ArchcalcError(f"--range {size_range} needs --valid-inputs: it sets the sizes that option looks at",
                            f"archcalc show {spec} --valid-inputs --range {size_range}")
    graph, a = load(spec, input_text, max_layers)
    valid = analysis.valid_inputs(graph, *parse_range(size_range, a.input)) if valid_inputs else ()
    mem = memory(a.rows, batch, dtype_bytes(dtype))
    if fmt == "json":
        emit_json(serialize.to_json(a, valid, (dtype, mem)))
    elif fmt == "html":
        emit_text(html_page([a], [valid], batch, dtype))
    elif fmt in ("csv", "markdown"):
        from archcalc.report import plain

        emit_text(plain.to_csv(a) if fmt == "csv" else plain.to_markdown(a, valid, (dtype, mem)))
    else:
        from archcalc.report.show import show_table

        emit(show_table(a, valid, (dtype, mem), per_layer_memory, every))
        if train or fits_in:
            from archcalc.train_memory import training_text

            click.echo(training_text(a.rows, batch, dtype, dtype_bytes(dtype), optimizer, fits_in))
    if strict and a.findings:
        sys.exit(1)


@main.command()
@click.argument("specs", nargs=-1, required=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--strict", is_flag=True, help="Exit 1 when any network has findings.")
@max_layers_option
def compare(specs: tuple[str, ...], fmt: str, strict: bool, max_layers: int) -> None:
    """Networks side by side, stage by stage, then their figures and ratios.

    SPECS are two or more YAML files or bundled spec names (one may be - for standard input):
    archcalc compare lenet alexnet
    """
    if len(specs) < 2:
        raise ArchcalcError("compare needs two or more specs", "archcalc compare lenet alexnet")
    from archcalc.compare import compare as compare_networks

    c = compare_networks([a for _, a in load_all(specs, None, max_layers)])
    if fmt == "json":
        mems = [("float32", memory(a.rows, 1, dtype_bytes("float32"))) for a in c.networks]  # show's defaults
        emit_json(serialize.compare_json(c, mems))
    elif fmt == "html":
        emit_text(html_page(c.networks, [() for _ in c.networks], 1, "float32"))  # show's defaults, as the JSON
    elif fmt in ("csv", "markdown"):
        from archcalc.report import plain

        emit_text(plain.compare_csv(c) if fmt == "csv" else plain.compare_markdown(c))
    else:
        from archcalc.report.compare import compare_table

        emit(compare_table(c))
    if strict and any(a.findings for a in c.networks):
        sys.exit(1)


@main.command()
@click.argument("specs", nargs=-1)
@click.option("--out", "out_text", required=True, metavar="FILE",
              help="The picture: .svg, .png, .pdf, or .dot (DOT source, needs no Graphviz).")
@click.option("--input", "input_text", metavar="SIZE", help="Override each spec's input: H, HxW or CxHxW.")
@click.option("--direction", type=click.Choice(["TB", "LR"]), default="TB", show_default=True,
              help="TB: top to bottom, one column per GPU (reads best for a deep chain); LR: left to right.")
@click.option("--style", type=click.Choice(["graph", "volumes"]), default="graph", show_default=True,
              help="graph: every layer as a Graphviz node; volumes: feature maps as boxes, as the papers draw them (a chain).")
@click.option("--depth", type=click.IntRange(min=0), metavar="N",
              help="Fold each block used N deep into one node (0: every block the spec's layers use).")
@click.option("--fit", metavar="W:H", help="Lay the picture out and scale it for a slide of this shape, e.g. 16:9 (1920 px wide).")
@click.option("--width", metavar="LENGTH", help="The picture's width: pixels (1920, 1920px) or inches (13.33in).")
@click.option("--height", metavar="LENGTH", help="The picture's height: pixels or inches.")
@max_layers_option
def diagram(specs: tuple[str, ...], out_text: str, input_text: str | None, direction: str, style: str, depth: int | None,
            fit: str | None, width: str | None, height: str | None, max_layers: int) -> None:
    """The architecture as a picture: a Graphviz graph of layers by kind, shapes, GPU columns and
    findings, or (--style volumes) the papers' figure of feature maps as boxes.

    SPECS are YAML files or bundled spec names (one may be - for standard input); several are drawn side by side.
    Without SPECS, the name of --out names a bundled spec: archcalc diagram --out alexnet.svg. --fit
    chooses the layout (and --direction) itself.
    """
    from pathlib import Path

    from archcalc import diagram as draw  # graphviz only for this command

    out = Path(out_text)
    draw.output_format(out)  # a wrong extension fails before any work
    frame = draw.parse_frame(fit, width, height)
    loaded = load_all(specs or (draw.spec_named_by(out),), input_text, max_layers)
    if len(loaded) > 1:
        used = [o for o, given in (("--style volumes", style == "volumes"), ("--depth", depth is not None), ("--fit", fit),
                                   ("--width", width), ("--height", height)) if given]
        if used:
            raise ArchcalcError(f"{used[0]} draws one network", f"give one spec, or draw several side by side without {used[0]}")
        note = draw.render(draw.to_digraph([a for _, a in loaded], direction), out)
    else:
        note = draw.write(draw.picture(*loaded[0], style, depth, direction, frame), out, frame)
    if note:
        terminal.say(f"note: {note}")
    terminal.say(f"wrote {terminal.one_line(str(out))}", prefix="")


def html_page(analyses: Sequence[Analysis], valids: Sequence[tuple[analysis.ValidInputs, ...]], batch: int, dtype: str,
              dot_text: bool = False) -> str:
    from archcalc.page import build_page  # graphviz only for the page's diagram

    return build_page(analyses, valids, [(dtype, memory(a.rows, batch, dtype_bytes(dtype))) for a in analyses], dot_text)


@main.command()
@click.argument("specs", nargs=-1, required=True)
@click.option("--out", "out_text", required=True, metavar="FILE", help="The page: FILE.html, written whole or not at all.")
@click.option("--input", "input_text", metavar="SIZE", help="Override each spec's input: H, HxW or CxHxW.")
@click.option("--batch", type=Count(), default=1, show_default=True, help="Images per batch, for memory.")
@click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="float32", show_default=True, help="Bytes per value, for memory.")
@click.option("--valid-inputs", is_flag=True, help="Also list the input sizes for which every layer divides exactly.")
@max_layers_option
def report(specs: tuple[str, ...], out_text: str, input_text: str | None, batch: int, dtype: str, valid_inputs: bool,
           max_layers: int) -> None:
    """One self-contained HTML page: the header, the diagram linked to a sortable table of every layer,
    the GPU split, memory; for several SPECS, their comparison first. Works offline.

    SPECS are YAML files or bundled spec names (one may be - for standard input): archcalc report alexnet --out alexnet.html
    """
    from pathlib import Path

    from archcalc.atomic import write_atomic
    from archcalc.page import page_target

    out = Path(out_text)
    target = page_target(out)  # a wrong name or folder fails before any work
    loaded = load_all(specs, input_text, max_layers)
    valids = [analysis.valid_inputs(g, *parse_range(None, a.input)) if valid_inputs else () for g, a in loaded]
    write_atomic(out, html_page([a for _, a in loaded], valids, batch, dtype).encode("utf-8"), target)
    terminal.say(f"wrote {terminal.one_line(str(out))}", prefix="")


@main.command()
@click.argument("specs", nargs=-1)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="auto: CUDA when torch sees a device, else the CPU.")
@click.option("--batch", type=Count(), default=1, show_default=True, help="Images per timed forward pass.")
@click.option("--dtype", type=click.Choice(["float32", "float16", "bfloat16"]), default="float32", show_default=True)
@click.option("--input", "input_text", metavar="SIZE", help="Override each spec's input: H, HxW or CxHxW.")
@click.option("--per-layer", is_flag=True, help="Also time each layer, to see which dominate.")
@click.option("--split", is_flag=True, help="Also run a split spec's towers, one CUDA device per GPU, and check them.")
@click.option("--min-time", "min_time_s", type=Seconds(), default=1.0, show_default=True,
              metavar="SECONDS", help="Time at least this long, then until the spread settles (at most 5×).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--train", is_flag=True, help="Instead: one training step on the CPU, its kept bytes per layer and its peak against archcalc's.")
@click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adam", "adamw"]), default="adam", show_default=True,
              help="The optimiser of --train.")
@max_layers_option
def run(specs: tuple[str, ...], device: str, batch: int, dtype: str, input_text: str | None, per_layer: bool, split: bool,
        min_time_s: float, fmt: str, train: bool, optimizer: str, max_layers: int) -> None:
    """Build each spec in PyTorch, check every layer's shape, parameters and FLOPs against torch, time the forward pass.

    SPECS are YAML files or bundled spec names (one may be - for standard input); without SPECS, every bundled spec. Needs PyTorch:
    pip install "archcalc[torch]". --format json gives one object for one SPEC, else a list.
    Memory: the calculator's inference estimate for the batch; on CUDA, the peak torch measured beside it.
    Exit 1 when a check fails or the device runs out of memory.
    """
    from archcalc import run_report
    from archcalc import torch_backend as tb  # torch only for this command
    from archcalc.spec import bundled_names

    if train:
        _run_train(specs or bundled_names(), device, batch, dtype, input_text, optimizer, max_layers)
        return
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
                click.echo()  # a blank line between one spec's last line and the next one's title
            emit(run_report.run_table(results[-1]))
    if fmt == "json":
        docs = [serialize.run_json(r) for r in results]
        emit_json(docs[0] if len(specs) == 1 else docs)
    if not all(r.ok for r in results):
        sys.exit(1)


def _run_train(specs: Sequence[str], device: str, batch: int, dtype: str, input_text: str | None, optimizer: str, max_layers: int) -> None:
    """run --train: on the CPU only (torch's memory profiler counts the CPU allocator); exit 1 on a difference."""
    from archcalc.torch_backend.train_check import check_training, train_check_text

    if device == "cuda":
        raise ArchcalcError("run --train measures one training step on the CPU", "--device cpu (or auto)")
    checks = [check_training(g, a, batch, dtype, optimizer) for g, a in load_all(specs, input_text, max_layers)]
    click.echo("\n\n".join(train_check_text(c) for c in checks))
    if not all(c.ok for c in checks):
        sys.exit(1)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def kinds(fmt: str) -> None:
    """Every layer kind a spec can use: its keys, their types and defaults."""
    from archcalc.kinds import KINDS

    if fmt == "json":
        emit_json(serialize.kinds_json(KINDS.all()))
    else:
        from archcalc.report.kinds import kinds_table

        emit(kinds_table(KINDS.all()))


@main.command()
def schema() -> None:
    """A JSON Schema for spec files, from the registry of kinds (for editors: see the README)."""
    from archcalc.schema import spec_schema

    emit_json(spec_schema())

