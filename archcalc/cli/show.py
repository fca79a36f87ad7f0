"""show and compare: one network's table, or several side by side."""

from __future__ import annotations

import sys

import click

from archcalc import analysis
from archcalc.analysis.memory import DTYPE_BYTES, dtype_bytes, memory
from archcalc.cli.common import emit, emit_json, emit_text, html_page, load, load_all
from archcalc.cli.options import FORMATS, Count, max_layers_option, parse_range
from archcalc.errors import ArchcalcError
from archcalc.limits import MAX_TABLE_ROWS
from archcalc.outputs import serialize


@click.command()
@click.argument("spec")
@click.option("--input", "input_text", metavar="SIZE", help="Override the spec's input: H, HxW or CxHxW.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help="table (for people), json, csv, markdown, or html (the report's page).")
@click.option("--strict", is_flag=True, help="Exit 1 when there are findings.")
@click.option("--valid-inputs", is_flag=True, help="List the input sizes for which every layer divides exactly.")
@click.option("--range", "size_range", metavar="LO:HI", help="Sizes --valid-inputs looks at [default: 1 to twice the input].")
@click.option("--batch", type=Count(), default=1, show_default=True, help="Images per batch, for memory.")
@click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="float32", show_default=True, help="Bytes per value, for memory.")
@click.option("--memory", "per_layer_memory", is_flag=True, help="Also show each layer's memory.")
@click.option("--all", "every", is_flag=True, help=f"Every row of a table of more than {MAX_TABLE_ROWS:,} rows (else its first and last).")
@max_layers_option
def show(spec: str, input_text: str | None, fmt: str, strict: bool, valid_inputs: bool, size_range: str | None,
         batch: int, dtype: str, per_layer_memory: bool, every: bool, max_layers: int) -> None:
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
    if strict and a.findings:
        sys.exit(1)


@click.command()
@click.argument("specs", nargs=-1, required=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help="table (for people), json, csv, markdown, or html (the report's page).")
@click.option("--strict", is_flag=True, help="Exit 1 when any network has findings.")
@click.option("--input", "input_text", metavar="SIZE", help="Override each spec's input: H, HxW or CxHxW.")
@max_layers_option
def compare(specs: tuple[str, ...], fmt: str, strict: bool, max_layers: int, input_text: str | None = None) -> None:
    """Networks side by side, stage by stage, then their figures and ratios.

    SPECS are two or more YAML files or bundled spec names (one may be - for standard input):
    archcalc compare lenet alexnet
    """
    if len(specs) < 2:
        raise ArchcalcError("compare needs two or more specs", "archcalc compare lenet alexnet")
    from archcalc.analysis.compare import compare as compare_networks

    c = compare_networks([a for _, a in load_all(specs, input_text, max_layers)])
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
