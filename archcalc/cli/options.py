"""What the command line gives archcalc: its option types and the values it parses (sizes, ranges,
seconds), each refused in archcalc's words; and click's own usage errors said as every other error is.

No rich, no torch: archcalc.cli.app's commands use it.
"""

from __future__ import annotations

import re
from typing import Any

import click

from archcalc.cli import terminal
from archcalc.errors import ArchcalcError
from archcalc.kinds.terms.values import Shape, quote
from archcalc.limits import MAX_INT, MAX_INT_TEXT, MAX_LAYERS, MAX_MIN_TIME_S

FORMATS = click.Choice(["table", "json", "csv", "markdown", "html"])


def max_layers_option(command: Any) -> Any:
    return click.option("--max-layers", type=Count(), default=MAX_LAYERS, show_default=True, metavar="N",
                        help="Refuse a spec whose blocks expand to more layers than this.")(command)


class Count(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2 on
    """A whole number from 1 to 2^63 − 1 (--batch): a long one is refused before Python reads it, and quoted short."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if not re.fullmatch(r"\+?\d+", text):
            self.fail(f"{quote(text)} is not a whole number", param, ctx)
        digits = text.lstrip("+").lstrip("0") or "0"
        if len(digits) > 19 or int(digits) > MAX_INT:
            self.fail(f"{quote(text)} is larger than {MAX_INT_TEXT}", param, ctx)
        if int(digits) < 1:
            self.fail(f"{text} is not at least 1", param, ctx)
        return int(digits)


class Seconds(click.ParamType):  # type: ignore[type-arg]
    """A time in seconds above 0 and at most MAX_MIN_TIME_S (--min-time): NaN, infinity and 0 are refused."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{quote(value)} is not a number of seconds", param, ctx)
        if not 0 < seconds <= MAX_MIN_TIME_S:  # False for NaN too
            self.fail(f"{quote(value)} is not a time from 0 (not included) to {MAX_MIN_TIME_S:g} seconds", param, ctx)
        return seconds


def usage_error(exc: click.ClickException) -> int:
    """click's usage errors as every other error: 'archcalc: error: ...' and a hint, exit 2."""
    message, _, near = exc.format_message().partition(" Did you mean ")  # click: "No such option '--strcit'. Did you mean '--strict'?"
    ctx = getattr(exc, "ctx", None)
    if near:
        hint = f"did you mean {near}"
    elif ctx is not None:
        hint = f"{ctx.get_usage().removeprefix('Usage: ')}; '{ctx.command_path} --help' says what each option takes"
    elif (option := re.match(r"Option '([^']+)' requires an argument", message)) is not None:  # click's parser: no context yet
        hint = f"give it a value: {option[1]} VALUE"
    else:
        hint = "'archcalc --help' lists the commands, 'archcalc COMMAND --help' their options"
    terminal.say_error(message[:1].lower() + message[1:].rstrip("."), hint)
    return 2 if isinstance(exc, click.UsageError) else exc.exit_code


def parse_input(text: str | None, spec_input: Shape) -> Shape | None:
    """'227', '227x227' or '3x227x227' (an H alone keeps the channels and makes it square)."""
    if text is None:
        return None
    if not re.fullmatch(r"[1-9]\d*(x[1-9]\d*){0,2}", text.lower()):
        raise ArchcalcError(f"--input {quote(text)} is not a size", "write H, HxW or CxHxW, e.g. 224 or 3x224x224")
    values = tuple(whole(v, "--input") for v in text.lower().split("x"))
    if len(spec_input) != 3:
        if len(values) != 1:
            raise ArchcalcError(f"--input {text!r}: this spec's input is a vector of {spec_input[0]} values", "give one number")
        return values
    if len(values) == 1:
        return (spec_input[0], values[0], values[0])
    if len(values) == 2:
        return (spec_input[0], *values)
    return values


def whole(digits: str, option: str) -> int:
    """A size given on the command line, at most 2^63 − 1 (looked at before Python reads a long number)."""
    if len(digits) > 19 or int(digits) > MAX_INT:
        raise ArchcalcError(f"{option}: {quote(digits)} is larger than {MAX_INT_TEXT}", "archcalc's sizes stop at 2^63 − 1, as torch's do")
    return int(digits)


def parse_range(text: str | None, shape: Shape) -> tuple[int, int]:
    if text is None:
        return 1, 2 * max(shape[1:] or shape)
    match = re.fullmatch(r"0*(\d+):0*(\d+)", text)
    if not match or not 1 <= whole(match[1], "--range") <= whole(match[2], "--range"):
        raise ArchcalcError(f"--range {quote(text)} is not a range of sizes", "write LO:HI with 1 ≤ LO ≤ HI, e.g. 100:300")
    return int(match[1]), int(match[2])
