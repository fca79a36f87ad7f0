"""`archcalc schema`: the JSON Schema made from the registry accepts every bundled spec and rejects the
bad inputs it can express (checked with jsonschema, as an editor's YAML language server would)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from archcalc.cli.app import main
from archcalc.outputs.schema import spec_schema
from archcalc.specfile import bundled_dir, bundled_names

sys.path.insert(0, str(Path(__file__).parent))
from test_spec_errors import CASES  # noqa: E402 - the bad-input cases of the CLI tests

VALIDATOR = jsonschema.Draft202012Validator(spec_schema())

# what a schema cannot know: sizes through the network, names that exist, GPUs, YAML tags that fail to load
NOT_EXPRESSIBLE = {
    "kernel 40 on 32", "kernel 5 on 4 after pooling", "dilated reach 7 on 6", "pool padding over half the kernel",
    "groups 2 of 3 channels", "groups 3 of 8 filters", "7 maps on 2 GPUs", "5 units on 2 GPUs", "gpu 2 of 2",
    "duplicate name", "inputs names no layer", "a cycle", "a longer cycle", "reads itself", "add of two shapes",
    "conv on a vector", "claim for no layer", "python/object/apply", "python/tuple", "python/name",
}


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(spec_schema())


def test_schema_command_prints_it() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == spec_schema()


# by default six specs that between them write blocks with arguments, claims, gpus, a connection table, crops, tokens
# and windows (0.2 s of CPU); the sweep over every bundled spec (0.9 s) runs under -m slow
SCHEMA_BY_DEFAULT = ("alexnet", "lenet5-1998", "squeezenet", "unet", "vit_b_16", "swin_t")


@pytest.mark.parametrize("name", [n if n in SCHEMA_BY_DEFAULT else pytest.param(n, marks=pytest.mark.slow) for n in bundled_names()])
def test_every_bundled_spec_validates(name: str) -> None:
    doc = yaml.safe_load((bundled_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
    errors = [e.message for e in VALIDATOR.iter_errors(doc)]
    assert errors == []


@pytest.mark.parametrize("case", [c for c in CASES if c[0] not in NOT_EXPRESSIBLE], ids=lambda c: c[0])
def test_the_schema_rejects_what_archcalc_rejects(case: tuple[Any, ...]) -> None:
    doc = yaml.safe_load(case[1])
    assert not VALIDATOR.is_valid(doc), f"the schema accepts {case[0]!r}, which archcalc rejects"


def test_every_case_is_sorted() -> None:
    assert {c[0] for c in CASES} >= NOT_EXPRESSIBLE


def test_block_arguments_may_be_expressions() -> None:
    doc = yaml.safe_load("""
name: b
input: [3, 8, 8]
blocks:
  unit:
    args: {width: null}
    layers:
      - {name: c, type: conv, filters: $width * 2, kernel: 3}
layers:
  - {name: u, type: unit, width: 4}
""")
    assert VALIDATOR.is_valid(doc)
    doc["blocks"]["unit"]["layers"][0]["strides"] = 2  # an unknown key inside a block is still an error
    assert not VALIDATOR.is_valid(doc)


def _with_blocks(layer: str) -> dict[str, Any]:
    return yaml.safe_load("name: t\ninput: [3, 32, 32]\nblocks:\n  b:\n    layers:\n      - {name: r, type: relu}\n"
                          f"layers:\n  - {layer}\n  - {{name: u, type: b}}\n")


def test_a_spec_with_blocks_is_still_offered_the_kinds() -> None:
    """Issue 25: the enum of kinds applied only without blocks; with them it is offered beside a block's name."""
    types = spec_schema()["else"]["properties"]["layers"]["items"]["properties"]["type"]["anyOf"]
    assert types[0]["enum"] == list(spec_schema()["then"]["properties"]["layers"]["items"]["properties"]["type"]["enum"])
    assert VALIDATOR.is_valid(_with_blocks("{name: p, type: maxpool, kernel: 2}"))
    assert not VALIDATOR.is_valid(_with_blocks("{name: p, type: maxpool, kernel: 2, strides: 2}"))  # a kind's keys, exactly
    assert not VALIDATOR.is_valid(_with_blocks("{name: p, type: max pool, kernel: 2}"))  # no kind, no block name


def test_every_key_says_what_it_takes_and_its_default() -> None:
    rules = {r["if"]["properties"]["type"]["const"]: r["then"] for r in spec_schema()["$defs"]["layer"]["allOf"]}
    conv = rules["conv"]["properties"]
    assert conv["type"]["description"] == "2-D convolution; groups, dilation, 'same' padding, or a connections table"
    assert conv["stride"]["default"] == [1, 1] and conv["stride"]["description"].startswith("conv · stride: ")
    assert conv["filters"]["description"] == "conv · filters: int ≥ 1" and "default" not in conv["filters"]  # required
    for kind, then in rules.items():
        for key, prop in then["properties"].items():
            if key not in ("name", "inputs", "split", "gpu") and not (key == "output" and "description" not in prop):
                assert "description" in prop, (kind, key)


def test_upsample_takes_a_scale_or_a_size_in_the_schema_too() -> None:
    up = "name: t\ninput: [3, 8, 8]\nlayers:\n  - {{name: u, type: upsample{}}}\n"
    assert VALIDATOR.is_valid(yaml.safe_load(up.format(", scale: 2"))) and VALIDATOR.is_valid(yaml.safe_load(up.format(", size: [16, 16]")))
    assert not VALIDATOR.is_valid(yaml.safe_load(up.format(", scale: 2, size: [16, 16]")))
    assert not VALIDATOR.is_valid(yaml.safe_load(up.format("")))
