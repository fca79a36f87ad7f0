"""Specs: find one (a path or a bundled name), read and validate it, with its blocks and claims.

    locate    bundled_dir, bundled_names, resolve
    reader    parse_spec: YAML → Spec, every message with its file, line and layer
    blocks    reusable blocks and their $ arguments
    claims    the figures a paper states
"""

from __future__ import annotations

from pathlib import Path

from archcalc.errors import ArchcalcError
from archcalc.limits import MAX_LAYERS
from archcalc.spec.blocks import Instance
from archcalc.spec.claims import Claims, LayerClaim, Stated
from archcalc.spec.locate import bundled_dir, bundled_names, resolve
from archcalc.spec.reader import COMMON_KEYS, TOP_KEYS, LayerSpec, Spec, parse_spec

__all__ = ["COMMON_KEYS", "TOP_KEYS", "Claims", "Instance", "LayerClaim", "LayerSpec", "Spec", "Stated", "bundled_dir", "bundled_names",
           "load_spec", "parse_spec", "resolve"]


def load_spec(arg: str | Path, max_layers: int = MAX_LAYERS) -> Spec:
    path = resolve(str(arg))
    label = str(arg) if Path(str(arg)).is_file() else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchcalcError(f"{label}: cannot read: {exc}") from None
    return parse_spec(text, label, max_layers)
