"""archcalc.outputs.jsonwrite: orjson's text is the text archcalc wrote before it, byte for byte (the hand-written
encoder it replaces, kept as tests/jsontext_reference.py, and json.dumps(indent=2, ensure_ascii=False)), and a
document's layers are made and written one by one, not all at once."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsontext_reference import Shared as OldShared
from jsontext_reference import SharedMap as OldSharedMap
from jsontext_reference import dumps as old_dumps

from archcalc.analysis.memory import memory
from archcalc.cli.common import load
from archcalc.kinds.terms.layouts import ChannelsLast
from archcalc.outputs import jsonwrite, serialize
from archcalc.outputs.jsonwrite import Each, Shared, SharedMap, dumps, pieces


def test_every_bundled_spec_is_written_as_before() -> None:
    """show --format json's document of each bundled spec (memory included), streamed, against the old encoder."""
    for name in ("alexnet", "googlenet", "swin_t", "unet", "lenet5-1998"):  # towers, branches, ChannelsLast claims, crops, RBF
        _, a = load(name, None)
        mem = ("float32", memory(a.rows, 1, 4))
        assert dumps(serialize.to_json(a, (), mem, stream=True)) == old_dumps(_as_old(serialize.to_json(a, (), mem))), name


def test_the_cases_orjson_writes_otherwise() -> None:
    """Each written as json writes it: orjson alone writes 1e-05 as 0.00001, NaN as null, and refuses 2**64 and int keys."""
    doc = {"small": [1e-05, 2.5e-07, -9.99e-05, 1e-10], "odd": [math.nan, math.inf, -math.inf], "big": [2**64, -(2**63) - 1, 2**63],
           3: "an int key", None: 0, 1.5: True, "fine": [0.0, -0.0, 0.0001, 1e16, 1 / 3]}
    assert dumps(doc) == json.dumps(doc, indent=2, ensure_ascii=False) == old_dumps(doc)
    assert dumps({"surrogate": "a\ud800b"}) == '{\n  "surrogate": "a\\ud800b"\n}'  # no UTF-8 holds it: escaped
    assert dumps({"c": ChannelsLast((7, 7, 96))}) == old_dumps({"c": ChannelsLast((7, 7, 96))}) == '{\n  "c": [7, 7, 96]\n}'


def _as_old(value: Any) -> Any:
    """The same document with the old module's Shared types."""
    if type(value) is Shared:
        return OldShared(_as_old(v) for v in value)
    if type(value) is SharedMap:
        return OldSharedMap({k: _as_old(v) for k, v in value.items()})
    if type(value) is dict:
        return {k: _as_old(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return [_as_old(v) for v in value]
    return value


scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
                            st.dictionaries(st.text(max_size=5), inner, max_size=4), st.lists(inner, max_size=3).map(Shared),
                            st.dictionaries(st.text(max_size=5), inner, max_size=3).map(SharedMap),
                            st.lists(st.integers(0, 9), max_size=3).map(lambda v: ChannelsLast(tuple(v)))),
    max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_any_document_is_written_as_before(doc: Any) -> None:
    try:
        expected = old_dumps(_as_old(doc)).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: written with \u escapes (archcalc.cli.terminal did it for the whole text)
        return
    assert b"".join(pieces(doc)) == expected
    assert b"".join(pieces({"layers": Each([doc, doc], lambda d: {"x": d})})) == old_dumps({"layers": [{"x": _as_old(doc)}] * 2}).encode()


def test_layers_are_made_as_they_are_written(monkeypatch: Any) -> None:
    """The first piece goes out before the last layer is made: no more than a piece of text (and a batch of layers) is held at once."""
    monkeypatch.setattr(jsonwrite, "CHUNK", 64)
    monkeypatch.setattr(jsonwrite, "BATCH", 4)
    made: list[int] = []
    doc = {"name": "n", "layers": Each(range(100), lambda i: made.append(i) or {"i": i}), "totals": {"n": 100}}
    out = pieces(doc)
    first = [next(out) for _ in range(3)]
    assert len(made) < 10, made
    text = b"".join(first + list(out)).decode()
    assert text == json.dumps({"name": "n", "layers": [{"i": i} for i in range(100)], "totals": {"n": 100}}, indent=2)
    assert made == list(range(100))


def test_layers_in_batches_read_as_one_list() -> None:
    """Layers are encoded BATCH at a time: around each batch's edge, as deep in the document as they sit, the text is
    json.dumps's (hand-made items: one with a nested list, one too small for orjson's float text, one empty)."""
    def item(i: int) -> dict[str, Any]:
        return {"i": i, "nested": {"shape": [i, 2]}, "small": 1e-05 * (i % 2), "empty": {} if i % 3 else []}

    for n in (1, jsonwrite.BATCH - 1, jsonwrite.BATCH, jsonwrite.BATCH + 1, 2 * jsonwrite.BATCH + 3):
        doc = {"outer": {"layers": Each(range(n), item)}, "after": [1]}
        assert dumps(doc) == json.dumps({"outer": {"layers": [item(i) for i in range(n)]}, "after": [1]}, indent=2, ensure_ascii=False), n
        assert dumps(Each(range(n), item)) == json.dumps([item(i) for i in range(n)], indent=2, ensure_ascii=False), n  # at the top
