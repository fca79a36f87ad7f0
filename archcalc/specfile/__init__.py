"""Specs: find one (a path or a bundled name), read and validate it, with its blocks and claims.

    locate    bundled_dir, bundled_names, resolve; '-' is standard input (STDIN)
    reader    parse_spec: YAML → Spec, every message with its file, line and layer
    blocks    reusable blocks and their $ arguments
    claims    the figures a paper states
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from archcalc.errors import ArchcalcError
from archcalc.limits import MAX_LAYERS
from archcalc.paths import shown
from archcalc.specfile.blocks import Instance
from archcalc.specfile.claims import Claims, LayerClaim, Stated
from archcalc.specfile.locate import STDIN, STDIN_LABEL, bundled_dir, bundled_names, resolve
from archcalc.specfile.reader import COMMON_KEYS, TOP_KEYS, LayerSpec, Spec, parse_spec

__all__ = ["COMMON_KEYS", "STDIN", "STDIN_LABEL", "TOP_KEYS", "Claims", "Instance", "LayerClaim", "LayerSpec", "Spec", "Stated", "bundled_dir",
           "bundled_names", "load_spec", "parse_spec", "read_spec_text", "resolve", "stdin_once"]


def load_spec(arg: str | Path, max_layers: int = MAX_LAYERS) -> Spec:
    """A spec from a path, a bundled name, or '-' (standard input, named <stdin> in messages)."""
    return parse_spec(*read_spec_text(arg), max_layers, None if str(arg) == STDIN else resolve(str(arg)))


def read_spec_text(arg: str | Path) -> tuple[str, str]:
    """(the spec's text, its name for messages): a file as given, a bundled spec as 'alexnet (bundled)', '-' as <stdin>."""
    if str(arg) == STDIN:
        label = STDIN_LABEL
        try:
            data = sys.stdin.buffer.read()
        except (OSError, AttributeError, ValueError) as exc:  # no stdin, or a closed one
            raise ArchcalcError(f"{label}: cannot read: {exc}") from None
    else:
        path = resolve(str(arg))
        label = shown(str(arg), limit=400) if path == Path(str(arg)) else f"{arg} (bundled)"  # not its site-packages path
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArchcalcError(f"{label}: cannot read: {exc.strerror}") from None
    try:
        return data.decode("utf-8"), label
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ArchcalcError(f"{label}:{line}: not UTF-8 text (the byte 0x{data[exc.start]:02x})", "save the spec as UTF-8") from None

def stdin_once(args: Iterable[str]) -> None:
    """Standard input holds one spec: '-' may be given once among a command's specs."""
    if sum(str(a) == STDIN for a in args) > 1:
        raise ArchcalcError(f"'{STDIN}' (standard input) is given more than once",
                            "standard input holds one spec: give '-' once, and the other specs as files or bundled names")
