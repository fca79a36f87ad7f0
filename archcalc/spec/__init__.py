"""Specs: find one (a path or a bundled name), read and validate it, with its blocks and claims.

    locate    bundled_dir, bundled_names, resolve
    reader    parse_spec: YAML → Spec, every message with its file, line and layer
    blocks    reusable blocks and their $ arguments
    claims    the figures a paper states
"""

from __future__ import annotations

from pathlib import Path

from archcalc.errors import ArchcalcError
from archcalc.spec.claims import Claims, LayerClaim, Stated
from archcalc.spec.locate import bundled_dir, bundled_names, resolve, shown
from archcalc.spec.reader import COMMON_KEYS, TOP_KEYS, LayerSpec, Spec, parse_spec

__all__ = ["COMMON_KEYS", "TOP_KEYS", "Claims", "LayerClaim", "LayerSpec", "Spec", "Stated", "bundled_dir", "bundled_names",
           "load_spec", "parse_spec", "resolve"]


def load_spec(arg: str | Path) -> Spec:
    path = resolve(str(arg))
    label = shown(str(arg) if path == Path(str(arg)) else str(path), limit=400)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArchcalcError(f"{label}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ArchcalcError(f"{label}:{line}: not UTF-8 text (the byte 0x{data[exc.start]:02x})", "save the spec as UTF-8") from None
    return parse_spec(text, label)
