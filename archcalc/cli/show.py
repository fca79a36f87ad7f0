"""show and compare: one network's table, or several side by side."""

from __future__ import annotations

import click

from archcalc import analysis
from archcalc.analysis.memory import DTYPE_BYTES, dtype_bytes, memory
from archcalc.cli.common import emit, emit_json, emit_prose, emit_text, html_page, load, load_all
from archcalc.cli.grading import StrictCommand, exit_if_strict, findings_option, shown, strict_option
from archcalc.cli.options import FORMATS, Count, max_layers_option, parse_range
from archcalc.cli.roofline import hardware_option, named, no_hardware
from archcalc.errors import ArchcalcError
from archcalc.kinds.terms.conventions import NAMES as CONVENTION_NAMES
from archcalc.limits import MAX_TABLE_ROWS

OPTIMIZERS = ["sgd", "momentum", "adam", "adamw"]

counted_as_option = click.option(
    "--counted-as", "counted_as", type=click.Choice(CONVENTION_NAMES), metavar="TOOL",
    help=f"The FLOPs column as a tool counts it: {', '.join(CONVENTION_NAMES)}.")


@click.command(cls=StrictCommand)
@click.argument("spec")
@click.option("--input", "input_text", metavar="SIZE", help="Override the spec's input: H, HxW or CxHxW.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help="table (for people), json, csv, markdown, or html (the report's page).")
@strict_option
@findings_option
@click.option("--valid-inputs", is_flag=True, help="List the input sizes for which every layer divides exactly.")
@click.option("--range", "size_range", metavar="LO:HI", help="Sizes --valid-inputs looks at [default: 1 to twice the input].")
@click.option("--batch", type=Count(), default=1, show_default=True, help="Images per batch, for memory.")
@click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="float32", show_default=True, help="Bytes per value, for memory.")
@click.option("--memory", "per_layer_memory", is_flag=True, help="Also show each layer's memory.")
@click.option("--all", "every", is_flag=True, help=f"Every row of a table of more than {MAX_TABLE_ROWS:,} rows (else its first and last).")
@click.option("--train", is_flag=True, help="Also show one training step's memory: what is live at its peak.")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default="adam", show_default=True, help="The optimiser of --train and --fits.")
@click.option("--fits", "fits_in", metavar="SIZE", help="The largest batch whose training step peaks within SIZE (24GiB, 80GB); implies --train.")
@click.option("--checkpoint", "checkpoint", metavar="blocks|NAME[,NAME...]",
              help="Activation checkpointing per block instance (every innermost one, or those named); implies --train.")
@click.option("--amp", "amp", type=click.Choice(["bfloat16"]),
              help="Mixed precision as torch.autocast('cpu', dtype=torch.bfloat16) runs it (float32 parameters); implies --train.")
@counted_as_option
@click.option("--counts", "tool_counts", is_flag=True, help="What each FLOPs tool (fvcore, ptflops, thop, ...) prints for the network, and why.")
@hardware_option
@max_layers_option
def show(spec: str, input_text: str | None, fmt: str, strict: str | None, findings: str, valid_inputs: bool, size_range: str | None,
         batch: int, dtype: str, per_layer_memory: bool, every: bool, train: bool, optimizer: str, fits_in: str | None, checkpoint: str | None, amp: str | None,
         counted_as: str | None, tool_counts: bool, hardware: str | None, max_layers: int) -> None:
    """Per-layer shapes (with the arithmetic), parameters, MACs, FLOPs, activations, receptive
    fields, memory and findings.

    SPEC is a YAML file, the name of a bundled spec (alexnet, lenet, ...), or - for standard input.
    """
    if size_range is not None and not valid_inputs:
        raise ArchcalcError(f"--range {size_range} needs --valid-inputs: it sets the sizes that option looks at",
                            f"archcalc show {spec} --valid-inputs --range {size_range}")
    graph, full = load(spec, input_text, max_layers)
    a = shown(full, findings)
    counting = None
    if tool_counts:
        from archcalc.cli.counts import show_counts

        show_counts(a, fmt)
        return
    if counted_as:
        from archcalc.cli.counts import counted

        a, counting = counted(a, counted_as, fmt)
    valid = analysis.valid_inputs(graph, *parse_range(size_range, a.input)) if valid_inputs else ()
    mem = memory(a.rows, batch, dtype_bytes(dtype))
    chosen = None
    if amp is not None and (dtype != "float32" or checkpoint is not None):
        raise ArchcalcError("--amp bfloat16 runs float32 parameters under autocast, without --checkpoint",
                            f"archcalc show {spec} --train --amp bfloat16 (with --dtype float32, the default)")
    if amp is not None and fits_in is not None:
        raise ArchcalcError("--fits does not search with --amp: archcalc counts what autocast keeps for backward, not its step's peak",
                            f"archcalc show {spec} --train --fits {fits_in} (float32), or --dtype bfloat16 for a step all in bfloat16")
    if checkpoint is not None:
        from archcalc.analysis.checkpoint import chosen_instances

        chosen = chosen_instances(graph.instances, checkpoint)
    roof = named([a], hardware, batch, dtype) if fmt not in ("csv", "markdown") else no_hardware(hardware, fmt)  # None without --hardware
    if fmt == "json":
        from archcalc.outputs import serialize

        doc = serialize.to_json(a, valid, (dtype, mem), stream=True)
        if chosen is not None:
            from archcalc.analysis.checkpoint import checkpoint_figures

            figures = checkpoint_figures(a.rows, chosen, batch, dtype_bytes(dtype))
            for entry in doc["memory"]["training"]:
                entry["checkpoint"] = figures[entry["optimiser"]]
        if fits_in is not None:
            from archcalc.analysis.train_memory import fits_figures

            doc["memory"]["fits"] = fits_figures(a.rows, dtype_bytes(dtype), optimizer, fits_in, chosen or ())
        if amp is not None:
            from archcalc.analysis.amp import kept_amp, weight_copy_bytes

            for entry in doc["memory"]["training"]:
                entry["amp"] = {"dtype": amp, "activation_bytes": kept_amp(a.rows, batch).total_bytes, "weight_copy_bytes": weight_copy_bytes(a.rows)}
        if roof:
            from archcalc.outputs.roofline import add_roofline

            add_roofline(doc, roof[0])
        emit_json(doc)
    elif fmt == "html":
        emit_text(html_page([a], [valid], batch, dtype, hardware=hardware, graphs=[graph]))
    elif fmt in ("csv", "markdown"):
        from archcalc.report import plain

        emit_text(plain.to_csv(a) if fmt == "csv" else plain.to_markdown(a, valid, (dtype, mem)))
    else:
        from archcalc.report.show import show_table

        if roof:
            from archcalc.report.roofline import roofline_table
        emit(show_table(a, valid, (dtype, mem), per_layer_memory, every, counting, roofline_table(roof[0], every) if roof else None))
        if train or fits_in or chosen is not None or amp is not None:
            from archcalc.analysis.train_memory import training_text

            emit_prose(training_text(a.rows, batch, dtype, dtype_bytes(dtype), optimizer, fits_in if chosen is None else None))
        if chosen is not None:
            from archcalc.analysis.checkpoint import checkpoint_text
            from archcalc.analysis.train_memory import fits_line

            emit_prose(checkpoint_text(a.rows, chosen, batch, dtype_bytes(dtype), optimizer))
            if fits_in is not None:  # after the checkpointing it searches with
                emit_prose(fits_line(a.rows, dtype_bytes(dtype), optimizer, fits_in, dtype, chosen))
        if amp is not None:
            from archcalc.analysis.amp import amp_text

            emit_prose(amp_text(a.rows, batch, mem.training[0].activation_bytes))
    exit_if_strict([full], strict)


@click.command(cls=StrictCommand)
@click.argument("specs", nargs=-1, required=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help="table (for people), json, csv, markdown, or html (the report's page).")
@strict_option
@counted_as_option
@hardware_option
@click.option("--batch", type=Count(), default=1, show_default=True, help="Images per batch, for --hardware.")
@click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="float32", show_default=True, help="The dtype, for --hardware.")
@click.option("--input", "input_text", metavar="SIZE", help="Override each spec's input: H, HxW or CxHxW.")
@max_layers_option
def compare(specs: tuple[str, ...], fmt: str, strict: str | None, counted_as: str | None, hardware: str | None, batch: int, dtype: str,
            max_layers: int, input_text: str | None = None) -> None:
    """Networks side by side, stage by stage, then their figures and ratios.

    SPECS are two or more YAML files or bundled spec names (one may be - for standard input):
    archcalc compare lenet alexnet
    """
    if len(specs) < 2:
        raise ArchcalcError("compare needs two or more specs", "archcalc compare lenet alexnet")
    from archcalc.analysis.compare import compare as compare_networks

    loaded = load_all(specs, input_text, max_layers)
    analyses = [a for _, a in loaded]
    if counted_as:
        from archcalc.cli.counts import compare_counted

        compare_counted(analyses, fmt, counted_as)
        return
    c = compare_networks(analyses)
    roofs = named(c.networks, hardware, batch, dtype) if fmt in ("table", "json") else no_hardware(hardware, fmt)
    if fmt == "json":
        mems = [("float32", memory(a.rows, 1, dtype_bytes("float32"))) for a in c.networks]  # show's defaults
        from archcalc.outputs import serialize
        from archcalc.outputs.roofline import add_roofline

        doc = serialize.compare_json(c, mems, stream=True)
        for network, roof in zip(doc["networks"], roofs or ()):
            add_roofline(network, roof)
        emit_json(doc)
    elif fmt == "html":
        emit_text(html_page(c.networks, [() for _ in c.networks], 1, "float32", graphs=[g for g, _ in loaded]))  # show's defaults, as the JSON
    elif fmt in ("csv", "markdown"):
        from archcalc.report import plain

        emit_text(plain.compare_csv(c) if fmt == "csv" else plain.compare_markdown(c))
    else:
        from archcalc.report.compare import compare_table

        emit(compare_table(c))
        if roofs:
            from archcalc.report.roofline import compare_roofline_table

            emit(compare_roofline_table([a.name for a in c.networks], roofs))
    exit_if_strict(c.networks, strict)
