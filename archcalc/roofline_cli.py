"""The command-line pieces of the roofline: the --hardware option, and the `hardware` and `calibrate` commands' bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from archcalc.analysis.roofline import Roofline
from archcalc.errors import ArchcalcError

F = TypeVar("F", bound=Callable[..., Any])


def hardware_option(f: F) -> F:
    return click.option("--hardware", metavar="NAME",
                        help="Also each layer's roofline on this chip at --batch and --dtype: least bytes, FLOPs a byte, "
                             "the bound and the least time (`archcalc hardware` lists the chips).")(f)


def no_hardware(hardware: str | None, fmt: str) -> list[Roofline] | None:
    """csv and markdown keep their columns: --hardware is refused there, in words."""
    if hardware is not None:
        raise ArchcalcError(f"--hardware shows in --format table, json and html, not {fmt}",
                            hint=f"archcalc show SPEC --hardware {hardware} --format json")
    return None
