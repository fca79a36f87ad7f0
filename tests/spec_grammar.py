"""Hypothesis strategies for specs, names and command lines, drawn from the spec format's own grammar:
the registry of kinds (archcalc.kinds), each key's JSON Schema fragment (archcalc.kinds.terms.values, as
archcalc/outputs/schema.py uses it), the top-level keys, blocks with `$` arguments, claims; and, now and then,
what a hostile file holds instead (a wrong type, a name made of markup or control characters, a cut or
a stray byte). Sizes stay small on purpose: the fuzzing test is about messages, not about bombs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import strategies as st

from archcalc.kinds import KINDS, keys
from archcalc.specfile import TOP_KEYS

SMALL = 12  # the largest value of an unbounded integer key: big enough for every size rule, small enough for any machine
PLAIN_NAMES = ["conv1", "conv2", "pool1", "fc", "a", "b", "x.y", "blk", "out"]
HOSTILE_PIECES = ["[/]", "[bold]", "]", "[", ":smile:", "\x1b[31m", "\x1b]0;T\x07", "\n", "\r", "\t", "\x00", "\u202e", "\x9b", "é", "|",
                  "<&>", '"', "'", "\\", "input", " ", "$a", "#", "{", "}", ",", ":"]
WRONG = [-1, 0, 10**6, 1.5, "x", "", None, True, [], [1, 2, 3], {"a": 1}, "$nosuch", "$a // 0", float("nan"), float("inf"), "same"]

names = st.one_of(st.sampled_from(PLAIN_NAMES), st.sampled_from(PLAIN_NAMES), st.sampled_from(PLAIN_NAMES),
                  st.lists(st.sampled_from(HOSTILE_PIECES + PLAIN_NAMES), min_size=0, max_size=4).map("".join))
wrong = st.sampled_from(WRONG)
wrong_count = st.sampled_from([w for w in WRONG if w != 10**6])  # a million GPUs is issue 14's item 3, not this test's


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values a JSON Schema fragment of archcalc.kinds.terms.values allows (integers kept small)."""
    if "oneOf" in schema or "anyOf" in schema:
        return st.one_of([from_schema(s) for s in schema.get("oneOf", schema.get("anyOf", []))])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if kind == "integer":
        low = schema.get("minimum", 0)
        return st.integers(low, low + SMALL)
    if kind == "number":
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0.0))
        high = schema.get("exclusiveMaximum", 4.0)
        return st.floats(low, high, exclude_min="exclusiveMinimum" in schema, exclude_max=True, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = from_schema(schema.get("items", {"type": "integer", "minimum": 0}))
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=min(schema.get("maxItems", 4), 4))
    return wrong


def value_for(schema: dict[str, Any], hostile: bool) -> st.SearchStrategy[Any]:
    """A value the key allows; in a hostile spec, one time in six a wrong one."""
    if not hostile:
        return from_schema(schema)
    return st.integers(0, 5).flatmap(lambda r: wrong if r == 3 else from_schema(schema))


def sometimes(hostile: bool, usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any], one_in: int = 6) -> st.SearchStrategy[Any]:
    """`usual`, or in a hostile spec one time in `one_in` `odd`."""
    if not hostile:
        return usual
    return st.integers(0, one_in - 1).flatmap(lambda r: odd if r == one_in // 2 else usual)  # not 0: hypothesis favours the ends


@st.composite
def layer_row(draw: st.DrawFn, index: int, earlier: list[str], blocks: list[str], hostile: bool) -> dict[str, Any]:
    kinds = st.sampled_from(sorted(KINDS)) if not blocks else st.one_of(st.sampled_from(sorted(KINDS)), st.sampled_from(blocks))
    kind = draw(sometimes(hostile, kinds, st.sampled_from(["nosuch", "Conv", "", "input"])))
    row: dict[str, Any] = {"name": draw(sometimes(hostile, st.just(f"l{index}"), names))}
    row["type"] = kind
    if kind in KINDS:
        for k in keys(KINDS[kind]):
            if k.required or draw(st.integers(0, 3)) == 2:
                row[k.key] = draw(value_for(k.value.schema(), hostile))
        if KINDS[kind].arity == 0 or draw(st.integers(0, 5)) == 3:
            sources = st.sampled_from([*earlier, "input"] if not hostile else [*earlier, "input", "nosuch"])
            many = KINDS[kind].arity == 0 or hostile
            row["inputs"] = draw(st.lists(sources, min_size=2 if KINDS[kind].arity == 0 else 1, max_size=3 if many else 1))
    elif kind in blocks:
        row["f"] = draw(sometimes(hostile, st.integers(1, SMALL), wrong))
    if hostile:
        for key in ("split", "gpu", "output", "stirde"):
            if draw(st.integers(0, 15)) == 7:
                row[key] = draw(st.one_of(st.booleans(), st.integers(0, 2), wrong))
    return row


@st.composite
def spec_doc(draw: st.DrawFn) -> dict[str, Any]:
    hostile = draw(st.booleans())
    doc: dict[str, Any] = {"name": draw(sometimes(hostile, st.sampled_from(["net", "AlexNet-ish", "a b"]), names, one_in=2))}
    if draw(st.booleans()):
        doc["description"] = draw(sometimes(hostile, st.just("a network"), names, one_in=2))
    image = st.tuples(st.integers(1, 4), st.integers(1, 40), st.integers(1, 40)).map(list)
    shape = st.integers(0, 4).flatmap(lambda r: st.tuples(st.integers(1, 64)).map(list) if r == 2 else image)
    doc["input"] = draw(sometimes(hostile, shape, wrong, one_in=8))
    if draw(st.integers(0, 3)) == 2:
        doc["gpus"] = draw(sometimes(hostile, st.integers(1, 2), wrong_count))
    blocks: list[str] = []
    if draw(st.integers(0, 3)) == 2:
        inner = [draw(layer_row(i, [], [], hostile)) for i in range(draw(st.integers(1, 3)))]
        arithmetic = sometimes(hostile, st.sampled_from(["$f", "$f * 2", "$f // 2 + 1", "($f + 1) * 2"]), st.sampled_from(["$g", "$f -", "$f // 0"]))
        inner[0] = {"name": "c", "type": "conv", "filters": draw(arithmetic), "kernel": 1}
        doc["blocks"] = {"blk": {"args": {"f": draw(sometimes(hostile, st.integers(1, 8), st.none()))}, "layers": inner}}
        blocks = ["blk"]
    rows: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 7))):
        rows.append(draw(layer_row(i, [r["name"] for r in rows if isinstance(r.get("name"), str)], blocks, hostile)))
    doc["layers"] = rows
    if draw(st.integers(0, 3)) == 2:
        named = [r["name"] for r in rows if isinstance(r.get("name"), str)]
        doc["claims"] = {"source": draw(sometimes(hostile, st.just("a paper"), names)), "layers": {draw(st.sampled_from([*named, "nosuch"])): {
            "output": draw(st.lists(st.integers(1, 40), min_size=1, max_size=3)), "params": draw(st.integers(0, 10**5))}},
            "totals": {"params": {"about": draw(st.integers(0, 10**5)), "tolerance": 0.05}}}
    if hostile and draw(st.integers(0, 15)) == 7:
        doc[draw(st.sampled_from(["nmae", "Layers", "input2"]))] = 1
    return {k: doc[k] for k in [*TOP_KEYS, *doc] if k in doc}


def scalar(value: Any) -> str:
    """A value as a one-line YAML flow scalar; a plain word where YAML reads it back as the same string."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return ".nan" if value != value else (".inf" if value > 0 else "-.inf") if abs(value) == float("inf") else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", value) and value.lower() not in ("true", "false", "null", "yes", "no", "on", "off", "y", "n")
        return value if plain else json.dumps(value)  # JSON's escapes are YAML's
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    return "{" + ", ".join(f"{scalar(str(k))}: {scalar(v)}" for k, v in value.items()) + "}"


def to_yaml(doc: dict[str, Any]) -> str:
    """The spec as people write it: one line per top-level key, one flow mapping per layer row."""
    lines = []
    for key, value in doc.items():
        if key == "layers" and isinstance(value, list):
            lines += ["layers:", *(f"  - {scalar(row)}" for row in value)]
        elif key == "blocks" and isinstance(value, dict):
            lines.append("blocks:")
            for name, body in value.items():
                lines += [f"  {name}:", f"    args: {scalar(body['args'])}", "    layers:", *(f"      - {scalar(r)}" for r in body["layers"])]
        else:
            lines.append(f"{key}: {scalar(value)}")
    return "\n".join(lines) + "\n"


@st.composite
def spec_text(draw: st.DrawFn) -> str:
    """A spec's YAML text; one time in six damaged: cut short, a stray character, a tab, a line dropped."""
    text = to_yaml(draw(spec_doc()))
    damage = draw(st.integers(0, 15))
    at = draw(st.integers(0, max(len(text) - 1, 0)))
    if damage == 7:
        return text[:at]
    if damage == 8:
        return text[:at] + draw(st.sampled_from(["\x00", "\x07", "\t", ":", "- ", "&a", "*a", "!!python/object:os.system", "{", "\ufeff"])) + text[at:]
    return text


FORMATS = ["table", "json", "csv", "markdown"]


def chance(draw: st.DrawFn, one_in: int) -> bool:
    return bool(draw(st.integers(0, one_in - 1)) == one_in // 2)  # not 0 or the top: hypothesis favours the ends


def pick(draw: st.DrawFn, usual: list[str], odd: list[str], one_in: int = 6) -> str:
    """One of `usual`, or one time in `one_in` one of `odd`: a value the option refuses."""
    return str(draw(st.sampled_from(odd if chance(draw, one_in) else usual)))


@st.composite
def command_line(draw: st.DrawFn, spec: str, out_dir: str) -> list[str]:
    """A command line of archcalc from its own options; `spec` is the file just written."""
    target = pick(draw, [spec], ["lenet", "", "nosuch", out_dir, "/dev/null"], one_in=10)
    command = pick(draw, ["show"] * 6 + ["compare"] * 2 + ["diagram"] * 2 + ["kinds", "schema"], ["bogus", "--help", "show --help"], one_in=20)
    options: list[str] = []
    if command == "show":
        options = [target]
        if draw(st.booleans()):
            options += ["--format", pick(draw, FORMATS, ["yaml", ""])]
        if chance(draw, 4):
            options += ["--input", pick(draw, ["32", "3x32x32", "16x20", "64"], ["0", "abc", "", "3x", "1x2x3x4", "400x1"])]
        if chance(draw, 4):
            options += ["--valid-inputs", *(["--range", pick(draw, ["1:100", "20:40"], ["5:1", "x", "0:3"])] if draw(st.booleans()) else [])]
        for flag, usual, odd in (("--batch", ["1", "8"], ["0", "-2", "x"]), ("--dtype", ["float16", "bfloat16", "float64"], ["int4", "nosuch"])):
            if chance(draw, 4):
                options += [flag, pick(draw, usual, odd)]
        options += [f for f in ("--strict", "--memory") if chance(draw, 4)] + (["--bogus"] if chance(draw, 20) else [])
    elif command == "compare":
        options = [target, pick(draw, [spec, "lenet", "alexnet"], ["nosuch"]), *(["--format", pick(draw, FORMATS, ["xml"])] if draw(st.booleans()) else [])]
        options += [f for f in ("--strict",) if chance(draw, 4)] + (["--input"] if chance(draw, 20) else [])
    elif command == "diagram":
        name = pick(draw, ["net.dot"], ["net.jpg", "lenet.dot", "sub/net.dot", "", "n" * 300 + ".dot"])
        options = [*([target] if not chance(draw, 8) else []), "--out", f"{out_dir}/{name}"]
        if draw(st.booleans()):
            options += ["--direction", pick(draw, ["LR", "TB"], ["up"])]
    elif command == "kinds" and draw(st.booleans()):
        options = ["--format", pick(draw, ["json", "table"], ["csv"])]
    return [*command.split(), *options]
