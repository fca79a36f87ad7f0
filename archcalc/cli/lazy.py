"""The commands, imported when one runs: `archcalc --help`, `kinds` and `schema` import only what they use
(no analysis, rich or graphviz for the help; each command's module brings in its own).

`archcalc --help` lists the commands from SHORT_HELP, each command's first paragraph (tests/test_terminal_fit.py
holds them equal to the commands' own); the table commands get --wide (and show --columns) here.
"""

from __future__ import annotations

import importlib

import click

from archcalc.cli import completion

HOMES = {"calibrate": "roofline", "compare": "show", "diagram": "draw", "export": "export", "hardware": "roofline", "kinds": "vocabulary",
         "report": "draw", "run": "run", "schema": "vocabulary", "show": "show", "specs": "specs",
         "import": "importer:import_"}  # archcalc.cli.<module>, or <module>:<function> where the name is Python's own

SHORT_HELP = {
    "calibrate": "Measure this machine's attained peaks with torch (large matmuls per dtype, streaming copies) and save them as a "
                 "hardware profile in $XDG_CONFIG_HOME/archcalc/hardware (else ~/.config/archcalc/hardware). Needs PyTorch.",
    "compare": "Networks side by side, stage by stage, then their figures and ratios.",
    "diagram": "The architecture as a picture: a Graphviz graph of layers by kind, shapes, GPU columns and findings, or (--style "
               "volumes) the papers' figure of feature maps as boxes.",
    "import": "Make a spec of a PyTorch model: MODULE:CALLABLE (torchvision.models:resnet50) or FILE.py:CALLABLE (mynet.py:Net).",
    "export": "Write SPEC, built in PyTorch, as an ONNX file (for Netron, ONNX Runtime).",
    "hardware": "The chips --hardware can name: peak dense TFLOPS per dtype, memory bandwidth and size, and each figure's source.",
    "kinds": "Every layer kind a spec can use (or those named): its keys, their types and defaults.",
    "report": "One self-contained HTML page: the header, the diagram linked to a sortable table of every layer, the GPU split, "
              "memory; for several SPECS, their comparison first. Works offline.",
    "run": "Build each spec in PyTorch, check every layer's shape, parameters and FLOPs against torch, time the forward pass.",
    "schema": "A JSON Schema for spec files, from the registry of kinds (for editors: see the README).",
    "show": "Per-layer shapes (with the arithmetic), parameters, MACs, FLOPs, activations, receptive fields, memory and findings.",
    "specs": "The bundled specs, one line each; with NAME, that spec's YAML, to copy and change: archcalc specs alexnet > mine.yaml",
}

TABLES = ("show", "compare", "kinds", "run", "hardware")  # the commands that print tables: --wide
WIDE = "archcalc.wide"  # click's context meta: --wide was given (archcalc.cli.tables reads it)
COLUMNS = "archcalc.columns"  # click's context meta: the keys --columns named


class Lazy(click.Group):
    """A click group whose commands are imported when asked for by name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(HOMES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in HOMES:
            module, _, attribute = HOMES[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(f"archcalc.cli.{module}"), attribute or cmd_name)
            if cmd_name in TABLES:
                command.params.append(wide_option())
            if cmd_name == "show":
                command.params.append(columns_option())
            self.add_command(command)
            one = click.Group(commands=[command])
            completion.attach(one)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's first paragraph whole, not cut at 45 characters with '...' as click does, without importing it."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, SHORT_HELP[name]) for name in self.list_commands(ctx)])


def _set_wide(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[WIDE] = True


def wide_option() -> click.Option:
    return click.Option(["--wide"], is_flag=True, expose_value=False, callback=_set_wide,
                        help="In a terminal too, every column of every table at its full width (a pipe or a file always gets them).")


def _set_columns(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    from archcalc.report.fit import LAYER_COLUMNS

    wanted = [k.strip() for k in value.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in LAYER_COLUMNS]
    if unknown or not wanted:
        raise click.BadParameter(f"{', '.join(unknown) or 'nothing'}: not a column; the columns are {','.join(LAYER_COLUMNS)}")
    ctx.meta[COLUMNS] = tuple(wanted)


def columns_option() -> click.Option:
    return click.Option(["--columns"], metavar="KEY,...", expose_value=False, callback=_set_columns,
                        help="The layer table's columns, of name,type,output,params,flops,arithmetic,frozen_params,hyper,"
                             "field,connections,activations,macs (the name always), in a terminal or not.")
