"""kinds and schema: the vocabulary a spec is written in, for people and for editors."""

from __future__ import annotations

import click

from archcalc.cli.common import emit, emit_json


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table (for people) or json.")
def kinds(fmt: str) -> None:
    """Every layer kind a spec can use: its keys, their types and defaults."""
    from archcalc.kinds import KINDS

    if fmt == "json":
        from archcalc.outputs import serialize

        emit_json(serialize.kinds_json(KINDS.all()))
    else:
        from archcalc.report.kinds import kinds_table

        emit(kinds_table(KINDS.all()))


@click.command()
def schema() -> None:
    """A JSON Schema for spec files, from the registry of kinds (for editors: see the README)."""
    from archcalc.outputs.schema import spec_schema

    emit_json(spec_schema())
