"""archcalc.specfile.yamlmap: the one-line layer rows it reads itself give exactly what PyYAML's safe loader gives
(values, types, and the line of every mapping, key and item), and whatever it is not sure of goes to PyYAML."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.outputs.jsontext import dumps
from archcalc.specfile.yamlbase import Map, Row, Seq
from archcalc.specfile.yamlmap import _compose, load


def pyyaml(text: str) -> Any:
    """The same document with every row left to PyYAML."""
    builder, node = _compose(text, {})
    return None if node is None else builder.value(node)


def same(a: Any, b: Any, path: str = "") -> None:
    assert (Map if type(a) is Row else type(a)) is type(b) and a == b, (path, a, b)  # a Row: a Map written on one line
    if isinstance(a, Map):
        assert (a.line, a.key_lines) == (b.line, b.key_lines), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    if isinstance(a, Seq):
        assert a.item_lines == b.item_lines, path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")


SCALARS = ["3", "03", "0", "-3", "+3", "1_000", "0x10", "1.5", "1.0e-4", "1e-4", ".5", "yes", "No", "on", "OFF", "true", "null", "~",
           "conv", "conv1.relu", "$f * 2", "$in // 2 + 1", "y", "n", "2001-12-14", ".inf", "1:30", "a b", "-x", "-", "x-", "é", "1.", ""]
value = st.one_of(st.sampled_from(SCALARS), st.lists(st.sampled_from(SCALARS), max_size=3).map(lambda v: "[" + ", ".join(v) + "]"))
key = st.sampled_from(["name", "type", "filters", "kernel", "stride", "padding", "true", "on", "3", "a_b", "x-y"])
row = st.lists(st.tuples(key, value), min_size=0, max_size=5).map(lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}")
ending = st.sampled_from(["", "  ", "  # a comment", " #x"])


ROWS = (st.lists(st.tuples(row, ending), min_size=1, max_size=6), st.sampled_from(["  - ", "- ", "    - "]))


@settings(max_examples=30, deadline=None)  # a quick look by default; the hunt below (-m slow) tries 3,000
@given(*ROWS)
def test_rows_read_as_pyyaml_reads_them(rows: list[tuple[str, str]], dash: str) -> None:
    rows_read_as_pyyaml_reads_them(rows, dash)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(*ROWS)
def test_rows_read_as_pyyaml_reads_them_long_hunt(rows: list[tuple[str, str]], dash: str) -> None:
    rows_read_as_pyyaml_reads_them(rows, dash)


def rows_read_as_pyyaml_reads_them(rows: list[tuple[str, str]], dash: str) -> None:
    text = "name: n\ninput: [3, 8, 8]\nlayers:\n" + "".join(f"{dash}{r}{e}\n" for r, e in rows)
    try:
        expected = pyyaml(text)
    except yaml.YAMLError as exc:
        with pytest.raises(yaml.YAMLError) as raised:
            load(text)
        assert str(raised.value) == str(exc)  # the same message, from PyYAML itself
        return
    same(load(text), expected)


@pytest.mark.parametrize("text", [
    "description: |\n  - {a: 1}\n  text\nlayers:\n  - {name: a, type: relu}\n",  # a row-like line inside a block scalar
    "layers:\n  - {name: a, type: relu}\n  - {name: a, type: relu}\n",
    "a: &x {k: 1}\nlayers:\n  - *x\n  - {name: b, type: relu}\n",
    "layers: [\n  {name: a, type: relu}]\n",
    "layers:\n  - {name: a, name: b}\n",  # a key twice: PyYAML's path gives archcalc's message
    "x: '- {a: 1}'\nlayers:\n  - {name: a, type: relu}\n",
])
def test_anything_else_is_pyyamls(text: str) -> None:
    try:
        expected = pyyaml(text)
    except yaml.YAMLError as exc:
        with pytest.raises(yaml.YAMLError, match="appears twice"):
            load(text)
        assert "appears twice" in str(exc)
        return
    same(load(text), expected)


def test_dumps_is_json_dumps() -> None:
    doc = {"a": [1, 2, [3, [4, []]]], "b": {"c": None, "d": True, "e": False, "f": 1.5e-05, "g": "é\"\\\n\x01"}, "h": {}, 3: "int key"}
    assert dumps(doc) == json.dumps(doc, indent=2, ensure_ascii=False)
