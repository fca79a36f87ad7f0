"""import: a PyTorch model as a spec, proven by building the spec back in torch (torch imported only when it runs)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from archcalc.cli import terminal
from archcalc.cli.common import emit_text
from archcalc.errors import ArchcalcError


def parse_size(text: str) -> tuple[int, ...]:
    """'3x224x224' (C×H×W) or '784' (a vector)."""
    if not re.fullmatch(r"[1-9]\d{0,8}(x[1-9]\d{0,8}){0,2}", text.lower()) or text.lower().count("x") == 1:
        raise ArchcalcError(f"--input {text!r} is not a size", "write CxHxW, e.g. 3x224x224 (or one number for a vector)")
    return tuple(int(v) for v in text.lower().split("x"))


def parse_kwargs(text: str | None) -> dict[str, object]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArchcalcError(f"--kwargs is not JSON: {exc.msg} (column {exc.colno})", "--kwargs '{\"width\": 2}'") from None
    if not isinstance(value, dict):
        raise ArchcalcError("--kwargs must be a JSON object of argument names and values", "--kwargs '{\"width\": 2}'")
    return value


@click.command("import")
@click.argument("target", metavar="MODULE:CALLABLE")
@click.option("--input", "input_text", metavar="CxHxW", required=True, help="The input the model is traced on, e.g. 3x224x224.")
@click.option("--out", "out", metavar="FILE", help="Write the spec here (whole or not at all); without it, to stdout.")
@click.option("--kwargs", "kwargs_text", metavar="JSON", help="Arguments for the callable, as a JSON object: '{\"width\": 2}'.")
@click.option("--flat", is_flag=True, help="One row per layer: no blocks.")
@click.option("--force", is_flag=True, help="Write the spec even where it does not reproduce the model (the differences in a comment at its top).")
def import_(target: str, input_text: str, out: str | None, kwargs_text: str | None, flat: bool, force: bool) -> None:
    """Make a spec of a PyTorch model: MODULE:CALLABLE (torchvision.models:resnet50) or FILE.py:CALLABLE (mynet.py:Net).

    The callable is imported and called (this runs its code, as pytest does), with weights=None where it takes weights:
    nothing is loaded or downloaded. Its forward is traced with torch.fx; each module and operation becomes a layer
    named by its qualified name, repeated sub-modules become blocks. The spec is then built in torch and every layer's
    shape, parameters and FLOPs checked against the model's: one that differs is not written (exit 1) unless --force.
    """
    shape = parse_size(input_text)
    kwargs = parse_kwargs(kwargs_text)
    target_path = None
    if out is not None:
        from archcalc.atomic import check_target

        target_path = check_target(Path(out), "model.yaml")
    from archcalc.torch_backend.roundtrip import import_model, summary  # torch only for this command

    imported = import_model(target, shape, kwargs, flat)
    terminal.say(summary(imported, target))
    if imported.ok or force:
        if out is None:
            emit_text(imported.text)
        else:
            from archcalc.atomic import write_atomic

            assert target_path is not None
            write_atomic(Path(out), imported.text.encode("utf-8"), target_path)
    else:
        terminal.say("the spec is not written: it does not reproduce the model (--force writes it, the differences at its top)")
    if not imported.ok:
        sys.exit(1)
