"""Shell completion: click completes commands and options; this adds the bundled specs' names where a SPEC goes
(`archcalc show al<TAB>` → alexnet), beside the files the shell completes."""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import CompletionItem

SPEC_ARGUMENTS = ("spec", "specs", "name")  # show, compare, diagram, report, run; specs NAME


def complete_specs(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The bundled specs whose name starts with what is typed, and the shell's own file completion."""
    from archcalc.specfile import bundled_names

    names = [CompletionItem(n) for n in bundled_names() if n.startswith(incomplete)]
    return names + ([] if ctx.command.name == "specs" else [CompletionItem(incomplete, type="file")])


def attach(group: click.Group) -> None:
    """Every command's SPEC argument completes bundled names (a command added later is attached when it is)."""
    for command in group.commands.values():
        for param in command.params:
            if isinstance(param, click.Argument) and param.name in SPEC_ARGUMENTS:
                custom: Any = complete_specs
                param._custom_shell_complete = custom  # click's hook for a parameter's completion (shell_complete=)
