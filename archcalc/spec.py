"""YAML → a validated Spec. Every message says the file, the line and the layer.

Values are parsed by the annotation names of each layer kind's fields (layers.py), so a new
kind needs no code here. Dicts stop at this module: what leaves it is frozen dataclasses.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from archcalc.blocks import Block, Expander, read_blocks
from archcalc.errors import ArchcalcError, SpecError
from archcalc.layers import KINDS, Layer, Shape
from archcalc.yamlmap import Loader as _Loader
from archcalc.yamlmap import Map as _Map

COMMON_KEYS = ("name", "type", "inputs", "split", "gpu")
TOP_KEYS = ("name", "description", "input", "gpus", "blocks", "layers", "claims")


@dataclass(frozen=True)
class LayerSpec:
    name: str
    layer: Layer
    inputs: tuple[str, ...] | None  # None: the layer before it (or the network input)
    split: bool | None  # None: decided by the analysis (split unless its input sits on one GPU)
    gpu: int
    where: str  # "file:line: layer 'name'"


@dataclass(frozen=True)
class Stated:
    """A figure a paper states; `tolerance` is relative (0.05 for "about 60 million")."""

    value: int
    tolerance: float = 0.0


@dataclass(frozen=True)
class LayerClaim:
    layer: str
    output: Shape | None
    activations: Stated | None
    params: Stated | None
    connections: Stated | None
    where: str


@dataclass(frozen=True)
class Claims:
    source: str | None
    input: Shape | None
    layers: tuple[LayerClaim, ...]
    totals: tuple[tuple[str, Stated], ...]  # (figure, stated): a field of analysis.Totals


@dataclass(frozen=True)
class Spec:
    name: str
    description: str
    input: Shape
    gpus: int
    layers: tuple[LayerSpec, ...]
    claims: Claims | None
    path: str
    aliases: tuple[tuple[str, str], ...] = ()  # block instance -> its last layer


# --- locating specs ---------------------------------------------------------------------------


def bundled_dir() -> Path:
    """Bundled specs: inside the installed package (wheel), or the checkout's top-level specs/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "specs", here.parent / "specs"):
        if candidate.is_dir():
            return candidate
    raise ArchcalcError("the bundled specs are missing from this installation", "reinstall archcalc")


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def resolve(arg: str) -> Path:
    """A path to a spec file, or the name of a bundled spec ('alexnet')."""
    path = Path(arg)
    if path.is_dir():
        raise ArchcalcError(f"{arg}: is a directory, not a spec file", "give a .yaml file inside it")
    if path.is_file():
        return path
    if "/" not in arg and path.suffix == "":
        candidate = bundled_dir() / f"{arg}.yaml"
        if candidate.is_file():
            return candidate
    names = bundled_names()
    near = difflib.get_close_matches(path.stem, names, n=1)
    hint = f"did you mean '{near[0]}'? " if near else ""
    raise ArchcalcError(f"{arg}: no such spec file or bundled spec", f"{hint}bundled specs: {', '.join(names)}")


# --- loading ----------------------------------------------------------------------------------


def load_spec(arg: str | Path) -> Spec:
    path = resolve(str(arg))
    label = str(arg) if Path(str(arg)).is_file() else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchcalcError(f"{label}: cannot read: {exc}") from None
    return parse_spec(text, label)


def parse_spec(text: str, label: str = "<spec>") -> Spec:
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        problem = exc.problem or "not valid YAML"
        if "could not determine a constructor" in str(exc):
            problem = f"{problem.split(' for the tag')[0]}: tags that build Python objects are not allowed"
        raise SpecError(f"{label}{line}", f"not a valid spec: {problem}", "specs are plain YAML mappings") from None
    except yaml.YAMLError as exc:
        raise SpecError(label, f"not valid YAML: {exc}") from None
    if not isinstance(raw, _Map):
        raise SpecError(f"{label}:1", "a spec must be a YAML mapping with name, input and layers")
    return _Reader(label).spec(raw)


class _Reader:
    """Turns the raw mapping into a Spec, keeping the file name for messages."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.blocks: dict[str, Block] = {}

    def where(self, m: _Map, key: str | None = None, layer: str | None = None) -> str:
        line = m.key_lines.get(key, m.line) if key is not None else m.line
        return f"{self.label}:{line}" + (f": layer '{layer}'{m.note}" if layer else "")

    def keys(self, m: _Map, allowed: tuple[str, ...], what: str, layer: str | None = None) -> None:
        for key in m:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean '{near[0]}'?" if near else f"{what} takes: {', '.join(allowed)}"
                raise SpecError(self.where(m, str(key), layer), f"unknown key '{key}' in {what}", hint)

    def need(self, m: _Map, key: str, what: str, layer: str | None = None) -> Any:
        if key not in m:
            raise SpecError(self.where(m, None, layer), f"{what} is missing the required key '{key}'")
        return m[key]

    def spec(self, m: _Map) -> Spec:
        self.keys(m, TOP_KEYS, "a spec")
        name = _text(self.need(m, "name", "the spec"), self.where(m, "name"), "name")
        description = _text(m.get("description", ""), self.where(m, "description"), "description")
        shape = self.need(m, "input", "the spec")
        net_input = shape_value(shape, self.where(m, "input"), "input")
        gpus = pos_int(m.get("gpus", 1), self.where(m, "gpus"), "gpus")
        rows = self.need(m, "layers", "the spec")
        if not isinstance(rows, list) or not rows:
            raise SpecError(self.where(m, "layers"), "'layers' must be a non-empty list of layers")
        for index, row in enumerate(rows):
            if not isinstance(row, _Map):
                line = rows.item_lines[index] if hasattr(rows, "item_lines") else m.key_lines["layers"]
                raise SpecError(f"{self.label}:{line}", f"layer #{index + 1} is not a mapping but {row!r}", "write each layer as {name: ..., type: ...}")
        self.blocks = read_blocks(m.get("blocks"), self.where(m, "blocks"), tuple(KINDS))
        expander = Expander(self.blocks, self.label)
        rows = expander.expand(rows)
        layers = tuple(self.layer(row, i, gpus, m) for i, row in enumerate(rows))
        seen: dict[str, str] = {}
        for ls in layers:
            if ls.name in seen:
                raise SpecError(ls.where, "duplicate layer name", f"first defined at {seen[ls.name].split(': ')[0]}")
            seen[ls.name] = ls.where
        claims = self.claims(m["claims"], m) if "claims" in m else None
        return Spec(name, description, net_input, gpus, layers, claims, self.label, tuple(expander.aliases.items()))

    def layer(self, row: Any, index: int, gpus: int, top: _Map) -> LayerSpec:
        if not isinstance(row, _Map):
            raise SpecError(f"{self.label}:{top.key_lines['layers']}", f"layer #{index + 1} is not a mapping")
        name = row.get("name")
        if not isinstance(name, str) or not name or name == "input":
            problem = "'name' is missing" if name is None else f"'name' must be a non-empty text other than 'input', not {name!r}"
            raise SpecError(self.where(row), f"layer #{index + 1}: {problem}")
        kind = self.need(row, "type", "the layer", name)
        if not isinstance(kind, str):
            raise SpecError(self.where(row, "type", name), f"'type' must be the name of a layer type, not {kind!r}",
                            f"types: {', '.join([*KINDS, *self.blocks])}")
        if kind not in KINDS:
            known = [*KINDS, *self.blocks]
            near = difflib.get_close_matches(str(kind), known, n=1)
            hint = f"did you mean '{near[0]}'?" if near else f"types: {', '.join(known)}"
            raise SpecError(self.where(row, "type", name), f"unknown layer type '{kind}'", hint)
        cls = KINDS[kind]
        fields = {f.metadata.get("key", f.name): f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        self.keys(row, COMMON_KEYS + tuple(fields), f"a {kind} layer", name)
        values = {}
        for key, f in fields.items():
            if key in row:
                values[f.name] = parse_value(str(f.type), row[key], self.where(row, key, name), key)
            elif f.default is dataclasses.MISSING:
                raise SpecError(self.where(row, None, name), f"a {kind} layer needs '{key}'")
        inputs = row.get("inputs")
        if inputs is not None:
            if isinstance(inputs, str):
                inputs = [inputs]
            if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
                raise SpecError(self.where(row, "inputs", name), "'inputs' must be a list of layer names")
            inputs = tuple(inputs)
        split = row.get("split")
        if split is not None and not isinstance(split, bool):
            raise SpecError(self.where(row, "split", name), f"'split' must be true or false, not {split!r}")
        gpu = int_value(row.get("gpu", 0), self.where(row, "gpu", name), "gpu", 0)
        if gpu >= gpus:
            raise SpecError(self.where(row, "gpu", name), f"gpu {gpu} does not exist: the spec has gpus: {gpus}", "GPUs count from 0")
        return LayerSpec(name, cls(**values), inputs, split, gpu, self.where(row, None, name))

    def claims(self, m: Any, top: _Map) -> Claims:
        if not isinstance(m, _Map):
            raise SpecError(self.where(top, "claims"), "'claims' must be a mapping")
        self.keys(m, ("source", "input", "layers", "totals"), "claims")
        source = _text(m["source"], self.where(m, "source"), "source") if "source" in m else None
        stated_input = shape_value(m["input"], self.where(m, "input"), "claims input") if "input" in m else None
        layers = []
        per_layer = m.get("layers", _Map())
        if not isinstance(per_layer, _Map):
            raise SpecError(self.where(m, "layers"), "claims 'layers' must map layer names to claims")
        for name, c in per_layer.items():
            where = self.where(per_layer, name) + f": claim for layer '{name}'"
            if not isinstance(c, _Map):
                raise SpecError(where, "must be a mapping of output, activations, params, connections")
            self.keys(c, ("output", "activations", "params", "connections"), "a layer claim", name)
            output = shape_value(c["output"], where, "output") if "output" in c else None
            layers.append(LayerClaim(
                str(name), output,
                stated(c["activations"], where) if "activations" in c else None,
                stated(c["params"], where) if "params" in c else None,
                stated(c["connections"], where) if "connections" in c else None,
                where,
            ))
        totals = m.get("totals", _Map())
        if not isinstance(totals, _Map):
            raise SpecError(self.where(m, "totals"), "claims 'totals' must be a mapping")
        self.keys(totals, ("params", "frozen_params", "macs", "flops", "connections", "activations", "neurons"), "claims totals")
        figures = tuple((str(k), stated(v, self.where(totals, k))) for k, v in totals.items())
        return Claims(source, stated_input, tuple(layers), figures)


# --- values -----------------------------------------------------------------------------------


def _text(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str):
        raise SpecError(where, f"'{key}' must be text, not {value!r}")
    return value


def int_value(value: Any, where: str, key: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(where, f"'{key}' must be a whole number, not {value!r}")
    if value < least:
        raise SpecError(where, f"'{key}' must be at least {least}, not {value}")
    return value


def pos_int(value: Any, where: str, key: str) -> int:
    return int_value(value, where, key, 1)


def pair(value: Any, where: str, key: str, least: int = 1) -> tuple[int, int]:
    """An int or [h, w]."""
    if isinstance(value, list):
        if len(value) != 2:
            raise SpecError(where, f"'{key}' must be a number or [h, w], not a list of {len(value)}")
        return int_value(value[0], where, key, least), int_value(value[1], where, key, least)
    n = int_value(value, where, key, least)
    return n, n


def shape_value(value: Any, where: str, key: str) -> Shape:
    if not isinstance(value, list) or len(value) not in (1, 3):
        raise SpecError(where, f"'{key}' must be [channels, height, width] (or [units]), not {value!r}")
    return tuple(pos_int(v, where, key) for v in value)


def stated(value: Any, where: str) -> Stated:
    """A stated figure: 60965224, or {about: 60000000, tolerance: 0.05}."""
    if isinstance(value, _Map):
        unknown = set(value) - {"about", "tolerance"}
        if unknown or "about" not in value:
            raise SpecError(where, "a rounded figure is {about: N, tolerance: 0.05}")
        tol = value.get("tolerance", 0.05)
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1:
            raise SpecError(where, f"'tolerance' must be a fraction between 0 and 1, not {tol!r}")
        return Stated(int_value(value["about"], where, "about", 0), float(tol))
    return Stated(int_value(value, where, "figure", 0))


def _float(value: Any, where: str, key: str, low: float, high: float | None, low_allowed: bool) -> float:
    """A number above `low` (or at it, where `low_allowed`) and below `high`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(where, f"'{key}' must be a number, not {value!r}")
    if value < low or (value == low and not low_allowed) or (high is not None and value >= high):
        bound = f"from {low} up to, not including, {high}" if high is not None else "positive"
        raise SpecError(where, f"'{key}' must be {bound}, not {value}")
    return float(value)


def _choice(options: tuple[Any, ...]) -> Callable[[Any, str, str], Any]:
    def parse(value: Any, where: str, key: str) -> Any:
        if value not in options:
            shown = ", ".join("none" if o is None else str(o) for o in options)
            near = difflib.get_close_matches(str(value), [str(o) for o in options if o], n=1)
            raise SpecError(where, f"'{key}' must be one of {shown}, not {value!r}", f"did you mean '{near[0]}'?" if near else None)
        return value

    return parse


def _bool(value: Any, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(where, f"'{key}' must be true or false, not {value!r}")
    return value


def _padding(value: Any, where: str, key: str) -> Any:
    return "same" if value == "same" else pair(value, where, key, least=0)


def _connections(value: Any, where: str, key: str) -> tuple[tuple[int, ...], ...]:
    """A list with one row per filter, each a list of the input maps (from 0) that filter reads."""
    if not isinstance(value, list) or not value or not all(isinstance(row, list) and row for row in value):
        raise SpecError(where, f"'{key}' must be a list with one non-empty list of input maps per filter")
    table = tuple(tuple(int_value(i, where, key, 0) for i in row) for row in value)
    repeated = next((f for f, row in enumerate(table) if len(set(row)) != len(row)), None)
    if repeated is not None:
        raise SpecError(where, f"'{key}' row {repeated} names an input map twice: {list(table[repeated])}")
    return table


PARSERS: dict[str, Callable[[Any, str, str], Any]] = {
    "PosInt": pos_int,
    "Pair": pair,
    "Pair | None": pair,
    "Padding": _padding,
    "PadPair": lambda v, w, k: pair(v, w, k, least=0),
    "bool": _bool,
    "Rate": lambda v, w, k: _float(v, w, k, 0.0, 1.0, low_allowed=True),  # a dropout rate may be 0
    "PosFloat": lambda v, w, k: _float(v, w, k, 0.0, None, low_allowed=False),
    "Activation": _choice(("relu", "sigmoid", "tanh", "scaled_tanh", None)),
    "Connections | None": _connections,
    "Rounding": _choice(("floor", "ceil")),
}


def parse_value(annotation: str, value: Any, where: str, key: str) -> Any:
    return PARSERS[annotation](value, where, key)
