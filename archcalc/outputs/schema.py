"""A JSON Schema for spec files, made from the registry of kinds: what an editor needs to check and
complete a spec as it is typed (`# yaml-language-server: $schema=archcalc.outputs.schema.json`).

It says what can be said of one file without running it: the keys of each kind with their types and
bounds, required keys, blocks and their `$name` arguments (inside a block any value may be a `$`
expression), claims. What needs the network (shapes, names that exist, sizes that divide) is
`archcalc show`'s to say.
"""

from __future__ import annotations

from typing import Any

from archcalc.kinds import KINDS, keys
from archcalc.outputs.plainvalues import plain
from archcalc.specfile.accept import FINDING_KINDS
from archcalc.specfile.claims import CLAIM_FIGURES, TOTAL_FIGURES

SCHEMA_ID = "https://archcalc.invalid/spec.schema.json"  # an identifier, not a place to fetch
ONE_OF_KEYS = {"upsample": ("scale", "size")}  # kinds that take one of two keys, never both (the kind's own sizing says so too)
BLOCK_NAME = {"type": "string", "pattern": r"^[^\s$]+$", "description": "the name of a block of this spec (blocks:, or an included file's)"}
WHEN = {"type": ["string", "boolean"], "description": "the layer is there only where this condition on the block's arguments holds, "
        "e.g. \"stride != 1 or in != out\" (== != < <= > >=, and, or, not, + - * //); where absent, it stands for its first input"}
INCLUDE = {"oneOf": [{"type": "string", "minLength": 1}, {"type": "array", "items": {"type": "string", "minLength": 1}}],
           "description": "files of blocks (blocks:, include:, description:), relative to this file"}
ACCEPT = {"type": "array", "description": "findings accepted, each with its reason: kept out of the findings, shown under --all", "items": {
    "type": "object", "required": ["finding", "reason"], "additionalProperties": False, "properties": {
        "finding": {"enum": list(FINDING_KINDS), "description": "the finding's kind"},
        "layer": {"type": "string", "minLength": 1, "description": "a layer, a block instance, or a pattern (* ?); none: every layer"},
        "reason": {"type": "string", "minLength": 1, "description": "why the finding is fine: shown beside it"}}}}


def _shape() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "maxItems": 3, "not": {"minItems": 2, "maxItems": 2}}


def _stated() -> dict[str, Any]:
    return {"oneOf": [{"type": "integer", "minimum": 0},
                      {"type": "object", "required": ["about"], "additionalProperties": False,
                       "properties": {"about": {"type": "integer", "minimum": 0},
                                      "tolerance": {"type": "number", "minimum": 0, "exclusiveMaximum": 1}}}]}


def _common() -> dict[str, Any]:
    return {
        "name": {"type": "string", "minLength": 1, "not": {"const": "input"}},
        "type": {"type": "string"},
        "inputs": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]},
        "split": {"type": "boolean"},
        "gpu": {"type": "integer", "minimum": 0},
        "output": {"type": "boolean"},  # a kind's own `output` key (adaptiveavgpool's size) takes its place
    }


def _layer(in_block: bool) -> dict[str, Any]:
    """A layer row: each kind's keys, exactly; a type that is no kind is a block's use (its arguments are the block's)."""
    argument = {"type": "string", "pattern": r"\$"}
    rules = []
    for name, cls in KINDS.items():
        props = dict(_common())
        props["type"] = {"const": name, "description": cls.summary}
        if in_block:
            props["when"] = WHEN
        for k in keys(cls):
            schema = k.value.schema()
            props[k.key] = {**({"anyOf": [schema, argument]} if in_block else schema), **_told(cls.kind, k)}
        required = ["name", "type", *(k.key for k in keys(cls) if k.required)]
        if cls.arity == 0:  # a merge reads two or more inputs, named
            props["inputs"] = {"type": "array", "items": {"type": "string"}, "minItems": cls.fewest_inputs}
            required.append("inputs")
        then: dict[str, Any] = {"properties": props, "required": required, "additionalProperties": False}
        if name in ONE_OF_KEYS:  # one key or the other; or neither, and a second input gives the size
            keys_given = [{"required": [key]} for key in ONE_OF_KEYS[name]]
            then["oneOf"] = [*keys_given, {"not": {"anyOf": keys_given}, "required": ["inputs"]}]
        rules.append({"if": {"properties": {"type": {"const": name}}, "required": ["type"]}, "then": then})
    return {"type": "object", "required": ["name", "type"], "properties": {**_common(), **({"when": WHEN} if in_block else {})}, "allOf": rules}


def _told(kind: str, k: Any) -> dict[str, Any]:
    """What an editor shows on hover: the key's type and bounds, and its default (from the registry, as `archcalc kinds`)."""
    told: dict[str, Any] = {"description": f"{kind} · {k.key}: {k.value.name}" + ("" if k.required else f"; default {k.value.show(k.default)}")}
    if not k.required and k.default is not None:
        told["default"] = plain(k.default)
    return told


def _types() -> dict[str, Any]:
    """`type` in a spec with blocks: a kind (offered for completion, each with its summary) or a block's name."""
    return {"anyOf": [{"enum": list(KINDS), "description": "a layer kind (archcalc kinds)"}, BLOCK_NAME]}


def spec_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "archcalc spec",
        "type": "object",
        "required": ["name", "input", "layers"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "input": _shape(),
            "gpus": {"type": "integer", "minimum": 1},
            "include": INCLUDE,
            "accept": ACCEPT,
            "blocks": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["layers"], "additionalProperties": False,
                "properties": {"args": {"type": ["object", "null"]},
                               "layers": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/block_layer"}}}}},
            "layers": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/layer"}},
            "claims": {"type": "object", "additionalProperties": False, "properties": {
                "source": {"type": "string"},
                "input": _shape(),
                "layers": {"type": "object", "additionalProperties": {
                    "type": "object", "additionalProperties": False,
                    "properties": {"output": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "maxItems": 3}, **{k: _stated() for k in CLAIM_FIGURES[1:]}}}},
                "totals": {"type": "object", "additionalProperties": False, "properties": {k: _stated() for k in TOTAL_FIGURES}},
            }},
        },
        "$defs": {"layer": _layer(in_block=False), "block_layer": _layer(in_block=True)},
        # without blocks, every type is a kind; with blocks, a kind (still offered for completion) or a block's name
        "if": {"not": {"anyOf": [{"required": ["blocks"]}, {"required": ["include"]}]}},
        "then": {"properties": {"layers": {"items": {"properties": {"type": {"enum": list(KINDS)}}}}}},
        "else": {"properties": {"layers": {"items": {"properties": {"type": _types()}}},
                                "blocks": {"additionalProperties": {"properties": {"layers": {"items": {"properties": {"type": _types()}}}}}}}},
    }
