"""Hardware profiles: a chip's dense peak throughput per dtype, its memory bandwidth and size, and where they come from.

One YAML file per chip. The bundled ones (this folder) copy the vendor's datasheet, dense figures only (a figure
printed "with sparsity" is halved, as the datasheets say); `archcalc calibrate` writes measured ones to the user's
folder (`user_dir()`: $XDG_CONFIG_HOME/archcalc/hardware, else ~/.config/archcalc/hardware). A profile there with a
bundled name takes its place.

    vector_tflops   the vector units (CUDA cores, a CPU's SIMD lanes): float32 at least
    matrix_tflops   the matrix units (Tensor Cores), per dtype: tf32, bfloat16, float16 (what the chip has)

Which units a layer uses is its kind's `traffic` rule (archcalc.kinds.base); the roofline: archcalc.analysis.roofline.
"""

from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from archcalc.errors import ArchcalcError

DTYPES = {"float32": 4, "tf32": 4, "bfloat16": 2, "float16": 2}  # bytes a value takes in memory (tf32 is stored as float32)
UNITS = ("matrix", "vector")
_KEYS = {"name", "title", "vector_tflops", "matrix_tflops", "memory_bandwidth_gbs", "memory_gb", "source", "notes", "measured"}
_REQUIRED = ("name", "title", "vector_tflops", "matrix_tflops", "memory_bandwidth_gbs", "source")


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    vector_tflops: dict[str, float]
    matrix_tflops: dict[str, float]
    bandwidth_gbs: float  # GB/s, 10^9 bytes
    memory_gb: float | None
    source: str  # the datasheet's name (or how it was measured)
    url: str
    confirmed_by: tuple[str, ...]
    notes: str
    measured: bool  # written by `archcalc calibrate`
    path: Path

    @property
    def bandwidth(self) -> float:
        """Bytes per second."""
        return self.bandwidth_gbs * 1e9

    def peak(self, units: str, dtype: str) -> float:
        """FLOP/s of `units` in `dtype`. Matrix units: the dtype's matrix figure, else (float32 without a matrix figure)
        the vector units' figure. Vector units: the dtype's vector figure, else the float32 one (no datasheet
        gives a vector figure for 16-bit types, and tf32 is a matrix mode only)."""
        if units == "matrix":
            if dtype in self.matrix_tflops:
                return self.matrix_tflops[dtype] * 1e12
            if dtype in self.vector_tflops:
                return self.vector_tflops[dtype] * 1e12
            known = ", ".join(sorted(self.matrix_tflops)) or "none"
            raise ArchcalcError(f"hardware '{self.name}' has no {dtype} figure for its matrix units (it has: {known})",
                                hint="choose another --dtype, or another --hardware")
        return self.vector_tflops.get(dtype, self.vector_tflops["float32"]) * 1e12

    def check(self, dtype: str) -> None:
        """Refuse, in the user's words, a dtype this chip has no figure for (before any layer is computed)."""
        if dtype not in DTYPES:
            raise ArchcalcError(f"hardware profiles give no {dtype} figure", hint=f"--dtype one of: {', '.join(DTYPES)}")
        self.peak("matrix", dtype)


def bundled_dir() -> Path:
    return Path(__file__).parent


def user_dir() -> Path:
    """Where `calibrate` writes profiles: $XDG_CONFIG_HOME/archcalc/hardware, else ~/.config/archcalc/hardware."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "archcalc" / "hardware"


def _files() -> dict[str, Path]:
    """Every profile file by name; the user's folder after the bundled one, so a user's profile takes a bundled name's place."""
    found = {p.stem: p for p in sorted(bundled_dir().glob("*.yaml"))}
    folder = user_dir()
    if folder.is_dir():
        found.update({p.stem: p for p in sorted(folder.glob("*.yaml"))})
    return found


def names() -> list[str]:
    return sorted(_files())


def load(name: str) -> Profile:
    """The profile named `name` (a file's stem); an unknown name is refused with the nearest known names."""
    files = _files()
    if name not in files:
        near = difflib.get_close_matches(name, list(files), n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'? " if near else ""
        raise ArchcalcError(f"unknown hardware '{name}'",
                            hint=f"{hint}known: {', '.join(sorted(files))} (`archcalc hardware` lists them; `archcalc calibrate` adds this machine)")
    return read(files[name])


def every() -> list[Profile]:
    return [read(p) for p in _files().values()]


def read(path: Path) -> Profile:
    """A profile file, checked: every key known, every figure a positive number."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ArchcalcError(f"{path}: cannot read the hardware profile: {e}") from None
    if not isinstance(data, dict):
        raise ArchcalcError(f"{path}: a hardware profile is a mapping of keys to values")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ArchcalcError(f"{path}: unknown key '{unknown[0]}' in the hardware profile", hint=f"keys: {', '.join(sorted(_KEYS))}")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ArchcalcError(f"{path}: the hardware profile lacks '{missing[0]}'")
    vector, matrix = _peaks(path, data, "vector_tflops"), _peaks(path, data, "matrix_tflops")
    if "float32" not in vector:
        raise ArchcalcError(f"{path}: vector_tflops must give float32")
    source = data["source"]
    if not isinstance(source, dict) or not isinstance(source.get("name"), str):
        raise ArchcalcError(f"{path}: source must be a mapping with a name (and a url)")
    return Profile(str(data["name"]), str(data["title"]), vector, matrix, _positive(path, "memory_bandwidth_gbs", data["memory_bandwidth_gbs"]),
                   _positive(path, "memory_gb", data["memory_gb"]) if data.get("memory_gb") is not None else None,
                   source["name"], str(source.get("url", "")), tuple(str(u) for u in source.get("confirmed_by") or ()),
                   str(data.get("notes") or ""), bool(data.get("measured", False)), path)


def _peaks(path: Path, data: dict[str, Any], key: str) -> dict[str, float]:
    value = data[key] or {}
    if not isinstance(value, dict):
        raise ArchcalcError(f"{path}: {key} must map dtypes to TFLOPS")
    for dtype in value:
        if dtype not in DTYPES:
            raise ArchcalcError(f"{path}: {key}: unknown dtype '{dtype}'", hint=f"dtypes: {', '.join(DTYPES)}")
    return {str(d): _positive(path, f"{key}.{d}", v) for d, v in value.items()}


def _positive(path: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ArchcalcError(f"{path}: {key} must be a positive number, not {value!r}")
    return float(value)
