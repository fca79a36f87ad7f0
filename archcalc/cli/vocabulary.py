"""kinds and schema: the vocabulary a spec is written in, for people and for editors."""

from __future__ import annotations

import click

from archcalc.cli.common import emit, emit_json


@click.command()
@click.argument("names", nargs=-1, metavar="[KIND]...")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table (for people) or json.")
def kinds(names: tuple[str, ...], fmt: str) -> None:
    """Every layer kind a spec can use (or those named): its keys, their types and defaults.

    KIND...: only these kinds, in the order named (archcalc kinds conv maxpool)."""
    from archcalc.kinds import KINDS

    every = KINDS.all()
    if names:
        unknown = next((n for n in names if n not in every), None)
        if unknown is not None:
            from archcalc.errors import ArchcalcError
            from archcalc.kinds.terms.nearest import nearest
            from archcalc.text import printable

            near = nearest(unknown, every)
            raise ArchcalcError(f"unknown layer kind '{printable(unknown)}'",
                                f"did you mean '{near}'?" if near else "`archcalc kinds` lists every kind")
        every = {n: every[n] for n in dict.fromkeys(names)}
    if fmt == "json":
        from archcalc.outputs import serialize

        emit_json(serialize.kinds_json(every))
    else:
        from archcalc.report.kinds import kinds_table

        emit(kinds_table(every))


@click.command()
def schema() -> None:
    """A JSON Schema for spec files, from the registry of kinds (for editors: see the README)."""
    from archcalc.outputs.schema import spec_schema

    emit_json(spec_schema())
