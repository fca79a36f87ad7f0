"""--strict[=LEVEL] and --findings on|off: the options of issue 23's graded findings (archcalc.analysis.grading)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from archcalc.analysis import Analysis
from archcalc.analysis.grading import STRICT_LEVELS, fails, without_findings
from archcalc.cli import terminal
from archcalc.text.grades import severity_counts

F = TypeVar("F", bound=Callable[..., Any])

strict_option = click.option(
    "--strict", "strict", type=click.Choice(list(STRICT_LEVELS)), default=None, metavar="[=warnings|notes|errors]",
    help="Exit 1 when there are warnings or errors (--strict), or any finding at all (--strict=notes), or errors only (--strict=errors).")

findings_option = click.option(
    "--findings", "findings", type=click.Choice(["on", "off"]), default="on", show_default=True,
    help="off: leave the findings out (a clean slide); --strict still sees them.")


class StrictCommand(click.Command):
    """A command whose --strict may stand alone: `--strict` is `--strict=warnings` unless a level follows it
    (click would otherwise read the next argument, the spec, as the level)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        end = args.index("--") if "--" in args else len(args)
        args = [("--strict=warnings" if a == "--strict" and i < end and (i + 1 >= end or args[i + 1] not in STRICT_LEVELS) else a)
                for i, a in enumerate(args)]
        return super().parse_args(ctx, args)


def shown(a: Analysis, findings: str) -> Analysis:
    """The analysis as the output shows it: without its findings under --findings off."""
    return without_findings(a) if findings == "off" else a


def exit_if_strict(analyses: Iterable[Analysis], strict: str | None) -> None:
    """Exit 1 when --strict's level is met by any network's findings."""
    failing = [a for a in analyses if fails(a.findings, strict)]
    if failing:  # said on stderr too: a script that sends stdout elsewhere still learns why
        said = "; ".join(f"{a.name}: {severity_counts(a.findings)}" for a in failing)
        terminal.say(terminal.one_line(f"--strict={strict} fails: {said}"))
        raise SystemExit(1)
