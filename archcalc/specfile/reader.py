"""YAML → a validated Spec. Every message says the file, the line and the layer.

Each kind's keys are parsed by the Value its fields' annotations name (archcalc.kinds.keys), so a
new kind needs no code here. Dicts stop at this module: what leaves it is frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from archcalc.errors import Location, SpecError
from archcalc.kinds import KINDS, Key, Layer, keys
from archcalc.kinds.terms.nearest import nearest
from archcalc.kinds.terms.values import Shape, int_value, pos_int, quote
from archcalc.limits import MAX_GPUS, MAX_LAYERS
from archcalc.records import quick_init
from archcalc.specfile.accept import Accept, read_accept
from archcalc.specfile.blocks import Block, Expander, Instance, read_blocks
from archcalc.specfile.claims import Claims, read_claims, shape_value
from archcalc.specfile.duplicates import refuse_duplicates
from archcalc.specfile.include import with_included
from archcalc.specfile.samekeys import same_keys
from archcalc.specfile.yamlbase import Map
from archcalc.specfile.yamlerrors import yaml_problem
from archcalc.specfile.yamlmap import load
from archcalc.text import a_kind, printable

COMMON_KEYS = ("name", "type", "inputs", "split", "gpu", "output")  # output: true marks a deliberate output (a second head)
TOP_KEYS = ("name", "description", "input", "gpus", "include", "blocks", "layers", "claims", "accept")


@quick_init  # one a layer (archcalc.records)
@dataclass(frozen=True)
class LayerSpec:
    name: str
    layer: Layer
    inputs: tuple[str, ...] | None  # None: the layer before it (or the network input)
    split: bool | None  # None: decided by the analysis (split unless its input sits on one GPU)
    gpu: int
    where: Location
    output: bool = False  # marked as an output of the network (nothing need read it)


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
    instances: tuple[Instance, ...] = ()  # every use of a block, for folding pictures (--depth)
    accept: tuple[Accept, ...] = ()  # findings the author accepts, with reasons (specfile.accept)


def keras_habit(shape: Shape, where: Location) -> None:
    """[32, 32, 3] is Keras's (H, W, C): archcalc would read a 32-channel 32×3 image. An image's last side of 3 (RGB),
    or of 1 under a square, of an image of 16 pixels or more, is taken for that habit; a real [C, H, W] has its few channels
    first (and a 1-D signal, [C, L, 1], is no square)."""
    if len(shape) == 3 and shape[0] >= 16 and shape[1] >= 16 and (shape[2] == 3 or (shape[2] == 1 and shape[0] == shape[1])):
        h, w, c = shape
        raise SpecError(where, f"'input' [{h}, {w}, {c}] reads as {h} channels of {w}×{c}: archcalc reads [C, H, W]",
                        f"did you mean [{c}, {h}, {w}] (Keras writes height, width, channels)?")


def parse_spec(text: str, label: str = "<spec>", max_layers: int = MAX_LAYERS, path: Path | None = None) -> Spec:
    """The spec in `text`; `max_layers` bounds the layers its blocks may expand to (archcalc.limits); `path`, its file,
    is where the paths it includes start (None: the working folder)."""
    try:
        raw = load(text)  # a safe loader
    except yaml.YAMLError as exc:
        raise yaml_problem(exc, text, label) from None
    if not isinstance(raw, Map):
        raise SpecError(f"{label}:1", "a spec must be a YAML mapping with name, input and layers")
    return _Reader(label, max_layers, path).spec(raw)


class _Kind:
    """A kind's keys, looked up once per spec rather than once per layer."""

    def __init__(self, cls: type[Layer]) -> None:
        self.cls = cls
        self.keys: dict[str, Key] = {k.key: k for k in keys(cls)}
        self.allowed = tuple(dict.fromkeys(COMMON_KEYS + tuple(self.keys)))  # a kind's own 'output' (adaptiveavgpool) wins
        self.allowed_set = frozenset(self.allowed)
        self.required = [k for k in self.keys.values() if k.required]


class _Reader:
    """Turns the raw mapping into a Spec, keeping the file name for messages."""

    def __init__(self, label: str, max_layers: int = MAX_LAYERS, path: Path | None = None) -> None:
        self.label = label
        self.path = path
        self.max_layers = max_layers
        self.kinds: dict[str, _Kind] = {}
        self.blocks: dict[str, Block] = {}
        self.made: dict[tuple[Any, ...], Layer] = {}  # same_keys -> the layer: rows alike share one (frozen)
        self.alike: dict[object, LayerSpec] = {}  # a one-line row's keys but its name (Map.alike) -> the first such row's, read

    def where(self, m: Map, key: str | None = None, layer: str | None = None) -> Location:
        line = m.key_lines.get(key, m.line) if key is not None else m.line
        return Location(getattr(m, "file", "") or self.label, line, layer, note=m.note if layer else "")

    def keys(self, m: Map, allowed: tuple[str, ...], what: str, layer: str | None = None) -> None:
        for key in m:
            if key not in allowed:
                near = nearest(key, allowed)
                hint = f"did you mean '{near}'?" if near else f"{what} takes: {', '.join(allowed)}"
                raise SpecError(self.where(m, str(key), layer), f"unknown key '{printable(str(key))}' in {what}", hint)

    def need(self, m: Map, key: str, what: str, layer: str | None = None) -> Any:
        if key not in m:
            raise SpecError(self.where(m, None, layer), f"{what} is missing the required key '{key}'")
        return m[key]

    def spec(self, m: Map) -> Spec:
        self.keys(m, TOP_KEYS, "a spec")
        name = printable(_text(self.need(m, "name", "the spec"), self.where(m, "name"), "name"))
        description = printable(_text(m.get("description", ""), self.where(m, "description"), "description"))
        net_input = shape_value(self.need(m, "input", "the spec"), self.where(m, "input"), "input")
        keras_habit(net_input, self.where(m, "input"))
        gpus = pos_int(m.get("gpus", 1), self.where(m, "gpus"), "gpus")
        if gpus > MAX_GPUS:  # each GPU's share of each layer is computed and shown
            raise SpecError(self.where(m, "gpus"), f"'gpus' must be at most {MAX_GPUS:,}, not {gpus:,}",
                            "a split across more GPUs than that is no AlexNet-style split")
        rows = self.need(m, "layers", "the spec")
        if not isinstance(rows, list) or not rows:
            raise SpecError(self.where(m, "layers"), "'layers' must be a non-empty list of layers")
        for index, row in enumerate(rows):
            if not isinstance(row, Map):
                line = rows.item_lines[index] if hasattr(rows, "item_lines") else m.key_lines["layers"]
                raise SpecError(f"{self.label}:{line}", f"layer #{index + 1} is not a mapping but {quote(row)}",
                                "write each layer as {name: ..., type: ...}")
        self.blocks = with_included(read_blocks(m.get("blocks"), self.label, KINDS, m.key_lines.get("blocks", m.line)), m, self.label, self.path, KINDS)
        expander = Expander(self.blocks, self.label, self.max_layers)
        layers = tuple(self.layer(row, i, gpus, m) for i, row in enumerate(expander.expand(rows)))
        refuse_duplicates(layers, expander.used_at, self.label)
        claims = read_claims(m["claims"], self, m) if "claims" in m else None
        accept = read_accept(m["accept"], self.label, m.key_lines.get("accept", m.line)) if "accept" in m else ()
        return Spec(name, description, net_input, gpus, layers, claims, self.label, tuple(expander.aliases.items()),
                    tuple(expander.instances), accept)

    def kind(self, row: Map, name: str) -> _Kind:
        met = self.kinds.get(row["type"]) if type(row.get("type")) is str else None  # a kind met before
        if met is not None:
            return met
        kind = self.need(row, "type", "the layer", name)
        if not isinstance(kind, str) or kind not in KINDS:
            known = [*KINDS, *self.blocks]
            if not isinstance(kind, str):
                raise SpecError(self.where(row, "type", name), f"'type' must be the name of a layer type, not {quote(kind)}",
                                f"types: {', '.join(known)}")
            near = nearest(kind, known)
            raise SpecError(self.where(row, "type", name), f"unknown layer type '{quote(kind)[1:-1]}'",
                            f"did you mean '{near}'?" if near else f"types: {', '.join(known)}")
        if kind not in self.kinds:
            self.kinds[kind] = _Kind(KINDS[kind])
        return self.kinds[kind]

    def layer(self, row: Any, index: int, gpus: int, top: Map) -> LayerSpec:
        if not isinstance(row, Map):
            raise SpecError(f"{self.label}:{top.key_lines['layers']}", f"layer #{index + 1} is not a mapping")
        name = row.get("name")
        if not isinstance(name, str) or not name.strip() or name == "input" or not name.isprintable():
            problem = "'name' is missing" if name is None else f"'name' must be a non-empty text other than 'input', not {quote(name)}"
            if isinstance(name, str) and name and not name.isprintable():
                problem = f"'name' {quote(name)} holds a control character"
            elif isinstance(name, str) and name and not name.strip():
                problem = f"'name' {quote(name)} is blank: only spaces"
            raise SpecError(self.where(row), f"layer #{index + 1}: {problem}", "a layer's name is printable text: letters, digits, . _ -")
        known = self.alike.get(row.alike) if row.alike is not None else None
        if known is not None:  # a row written as one before it but for its name: its keys were read and checked there
            return LayerSpec(name, known.layer, known.inputs, known.split, known.gpu, self.where(row, None, name), known.output)
        kind = self.kind(row, name)
        if not kind.allowed_set.issuperset(row):  # the message names the first unknown key
            self.keys(row, kind.allowed, a_kind(kind.cls.kind), name)
        same = same_keys(kind.cls.kind, row, kind.keys)
        made = self.made.get(same) if same is not None else None
        if made is None:
            made = self.make(row, kind, name)
            if same is not None and len(self.made) < 4096:
                self.made[same] = made
        inputs = row.get("inputs")
        if inputs is not None:
            if isinstance(inputs, str):
                inputs = [inputs]
            if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
                raise SpecError(self.where(row, "inputs", name), "'inputs' must be a list of layer names")
            inputs = tuple(inputs)
        split = row.get("split")
        if split is not None and not isinstance(split, bool):
            raise SpecError(self.where(row, "split", name), f"'split' must be true or false, not {quote(split)}")
        gpu = int_value(row["gpu"], self.where(row, "gpu", name), "gpu", 0) if "gpu" in row else 0
        if gpu >= gpus:
            raise SpecError(self.where(row, "gpu", name), f"gpu {gpu} does not exist: the spec has gpus: {gpus}", "GPUs count from 0")
        marked = row.get("output", False) if "output" not in kind.keys else False
        if not isinstance(marked, bool):
            raise SpecError(self.where(row, "output", name), f"'output' must be true or false, not {quote(marked)}",
                            "output: true marks a layer whose output is one of the network's (nothing need read it)")
        read = LayerSpec(name, made, inputs, split, gpu, self.where(row, None, name), marked)
        if row.alike is not None and len(self.alike) < 4096:
            self.alike[row.alike] = read
        return read

    def make(self, row: Map, kind: _Kind, name: str) -> Layer:
        """The layer of a row's keys, each parsed by its Value (the row's name only for messages)."""
        values = {}
        for key, value in row.items():
            k = kind.keys.get(key)
            if k is not None:
                try:  # the place is made only for a message: most values are fine
                    values[k.field] = k.value.parse(value, "", key)
                except SpecError as exc:
                    raise SpecError(self.where(row, key, name), exc.problem, exc.hint) from None
        for k in kind.required:
            if k.field not in values:
                raise SpecError(self.where(row, None, name), f"{a_kind(kind.cls.kind)} needs '{k.key}'")
        return kind.cls(**values)


def _text(value: Any, where: Location, key: str) -> str:
    if not isinstance(value, str):
        raise SpecError(where, f"'{key}' must be text, not {quote(value)}")
    return value


__all__ = ["COMMON_KEYS", "TOP_KEYS", "LayerSpec", "Spec", "parse_spec"]
