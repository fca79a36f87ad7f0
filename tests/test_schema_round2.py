"""The schema knows the spec keys of blocks' conditions, included blocks and accepted findings: `when`, `include`, `accept`."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml

from archcalc.outputs.schema import spec_schema

VALIDATOR = jsonschema.Draft202012Validator(spec_schema())
SPEC = """name: n
input: [3, 32, 32]
include: [lib/blocks.yaml]
blocks:
  b:
    args: {stride: 1}
    layers:
      - {name: c, type: conv, filters: 8, kernel: 3, stride: $stride}
      - {name: p, type: conv, filters: 8, kernel: 1, inputs: input, when: stride != 1}
      - {name: s, type: add, inputs: [c, p]}
layers:
  - {name: x, type: b, stride: 2}
  - {name: y, type: bottleneck}
accept:
  - {finding: non_integer_size, layer: x.c, reason: floored as torchvision does}
"""


def errors(doc: Any) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(doc)]


def test_when_include_and_accept_validate() -> None:
    assert errors(yaml.safe_load(SPEC)) == []  # `bottleneck`: a block of the included file


@pytest.mark.parametrize(("old", "new"), [
    ("finding: non_integer_size", "finding: non_integer"),  # no such kind
    (", reason: floored as torchvision does", ""),  # a reason is required
    ("include: [lib/blocks.yaml]", "include: {a: 1}"),
    ("  - {name: y, type: bottleneck}", "  - {name: y, type: relu, when: true}"),  # `when` only inside a block
])
def test_what_archcalc_refuses_the_schema_refuses(old: str, new: str) -> None:
    assert old in SPEC and errors(yaml.safe_load(SPEC.replace(old, new)))
