"""Reading a long spec cheaply (issue 24 §3): a row written as one before it but for its name takes what that one's keys
were read as (rows.Rest, Map.alike), and a LayerSpec (read once, by build_graph) is made without the frozen __init__.
None of it may change what is read or said: these check the cases a shortcut could get wrong."""

from __future__ import annotations

import pytest

from archcalc.analysis.graph import build_graph
from archcalc.errors import SpecError
from archcalc.specfile import parse_spec
from archcalc.specfile.yamlmap import load

HEAD = "name: n\ninput: [4, 8, 8]\ngpus: 2\nlayers:\n"


def test_rows_alike_share_what_was_read_and_keep_their_own_names_and_lines() -> None:
    rows = ("  - {name: a, type: conv, filters: 4, kernel: 1, gpu: 1}\n\n  - {name: b, type: conv, filters: 4, kernel: 1, gpu: 1}\n"
            "  - {name: c, type: conv, filters: 4, kernel: 1, gpu: 1, inputs: [a]}\n")
    raw = load(HEAD + rows)["layers"]
    assert raw[0].alike is raw[1].alike and raw[2].alike is not raw[0].alike  # the text after the name, read once
    a, b, c = parse_spec(HEAD + rows, "net.yaml").layers
    assert a.layer is b.layer is c.layer and (a.gpu, b.gpu, c.gpu) == (1, 1, 1)
    assert [(x.name, x.where.line, x.inputs) for x in (a, b, c)] == [("a", 5, None), ("b", 7, None), ("c", 8, ("a",))]
    graph = build_graph(parse_spec(HEAD + rows, "net.yaml"))
    assert [(n.name, n.inputs) for n in graph.nodes] == [("a", ("input",)), ("b", ("a",)), ("c", ("a",))]


@pytest.mark.parametrize(("second", "message"), [
    ("{name: input, type: conv, filters: 4, kernel: 1}",
     "net.yaml:6: layer #2: 'name' must be a non-empty text other than 'input', not 'input'"),
    ("{name: a, type: conv, filters: 4, kernel: 1}", "net.yaml:6: layer 'a': duplicate layer name"),
    ("{name: 3, type: conv, filters: 4, kernel: 1}", "net.yaml:6: layer #2: 'name' must be a non-empty text other than 'input', not 3"),
])
def test_a_row_alike_an_earlier_one_still_has_its_name_checked(second: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(HEAD + "  - {name: a, type: conv, filters: 4, kernel: 1}\n  - " + second + "\n", "net.yaml")
    assert caught.value.message == message


def test_a_row_alike_a_refused_one_is_never_reached_and_a_bad_gpu_is_refused_on_its_first_row() -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(HEAD + "  - {name: a, type: relu}\n  - {name: b, type: relu, gpu: 2}\n  - {name: c, type: relu, gpu: 2}\n", "net.yaml")
    assert caught.value.message == "net.yaml:6: layer 'b': gpu 2 does not exist: the spec has gpus: 2"


def test_a_layer_reading_one_written_after_it_is_put_after_it() -> None:
    spec = parse_spec(HEAD + "  - {name: a, type: relu, inputs: [b]}\n  - {name: b, type: relu, inputs: [input]}\n", "net.yaml")
    assert [n.name for n in build_graph(spec).nodes] == ["b", "a"]
