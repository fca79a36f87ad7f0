"""Rows alike answered once (issue 24 §3): a spec's rows with the same keys share one Layer, whose pure rules (size,
figures, counts, kept for backward, a layer's JSON parts) are remembered per layer and input; none of it may change a
figure. The bundled specs' and generated chains' JSON were compared byte for byte with the commit before (benchmarks/
README.md); these check the cases a cache could get wrong."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from archcalc.cli.app import main
from archcalc.errors import SpecError
from archcalc.outputs.jsonwrite import Each, fixed, pieces
from archcalc.specfile import parse_spec
from archcalc.specfile.samekeys import same_keys
from archcalc.specfile.yamlmap import load


def show_json(tmp_path, text: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    spec = tmp_path / "net.yaml"
    spec.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["show", str(spec), "--format", "json"], prog_name="archcalc")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_rows_alike_share_a_layer_and_values_of_other_types_do_not() -> None:
    spec = parse_spec("name: n\ninput: [4, 8, 8]\nlayers:\n  - {name: a, type: conv, filters: 4, kernel: 1}\n"
                      "  - {name: b, type: conv, filters: 4, kernel: 1}\n  - {name: c, type: conv, filters: 4, kernel: [1, 1]}\n")
    a, b, c = (ls.layer for ls in spec.layers)
    assert a is b and a is not c and a == c  # one Layer for rows alike; c wrote its kernel otherwise
    # true == 1 in Python, but 'bias: 1' is refused after 'bias: true' was read, as it is alone
    rows = "  - {name: a, type: conv, filters: 4, kernel: 1, bias: true}\n  - {name: b, type: conv, filters: 4, kernel: 1, bias: 1}\n"
    with pytest.raises(SpecError, match="'bias' must be true or false, not 1"):
        parse_spec("name: n\ninput: [4, 8, 8]\nlayers:\n" + rows, "net.yaml")
    assert same_keys("conv", {"kernel": [3, 3]}, {"kernel"}) != same_keys("conv", {"kernel": [3, 3.0]}, {"kernel"})
    assert same_keys("conv", {"kernel": {"a": 1}}, {"kernel"}) is None  # not remembered: built each time


def test_one_layer_on_a_channels_last_map_and_on_the_plain_map_of_its_numbers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # ln0, ln1 and ln2 share one Layer and read [8, 8, 8]; ln1's is ChannelsLast, equal to the plain tuple: a cache keyed
    # on the numbers alone would give ln1 ln0's C×H×W output (and ln2 ln1's H×W×C)
    doc = show_json(tmp_path, "name: n\ninput: [8, 8, 8]\nlayers:\n  - {name: ln0, type: layernorm}\n"
                              "  - {name: p1, type: permute, to: channels_last}\n  - {name: ln1, type: layernorm}\n"
                              "  - {name: p2, type: permute, to: channels_first}\n  - {name: ln2, type: layernorm}\n")
    assert [x["layout"] for x in doc["layers"]] == ["C×H×W", "H×W×C", "H×W×C", "C×H×W", "C×H×W"]


def test_fast_rows_read_as_pyyaml_reads_them() -> None:
    # names starting with a letter no implicit tag starts with are str without asking the resolver; the rest are asked
    names = ["conv1", "bn_2", "relu", "yes", "No", "on", "OFF", "null", "Null", "true", "y", "n", "norm5", "fc", "x.y", "_a", "$b"]
    text = "name: n\ninput: [3, 8, 8]\nlayers:\n" + "".join(f"  - {{name: {n}, type: relu, kernel: [3, 2], x: {i}}}\n" for i, n in enumerate(names))
    fast, slow = load(text)["layers"], yaml.safe_load(text)["layers"]
    assert [list(r.items()) for r in fast] == [list(r.items()) for r in slow]
    def types(v: object) -> object:
        return [type(x) for x in v] if isinstance(v, list) else type(v)

    assert [[types(v) for v in r.values()] for r in fast] == [[types(v) for v in r.values()] for r in slow]  # True, not 'yes'
    assert [r["name"] for r in fast][3:7] == [True, False, True, False]
    assert [r.line for r in fast] == list(range(4, 4 + len(names)))
    assert [r["kernel"].item_lines for r in fast[:2]] == [[4, 4], [5, 5]]  # each row's list its own, with its line


def test_a_fixed_each_fixes_what_also_adds() -> None:
    # orjson writes 1e-05 as 0.00001 and NaN as null; json (archcalc's text) 1e-05 and NaN
    items = [{"a": [1e-5, 2.0]}, {"a": [0.5]}]
    each = Each(items, lambda x: fixed(dict(x)), fixed=True)
    each.also(lambda d: d.update(tiny=1e-7, nan=float("nan")))
    made = b"".join(pieces({"layers": each})).decode()
    assert made == json.dumps({"layers": [{**x, "tiny": 1e-7, "nan": float("nan")} for x in items]}, indent=2, ensure_ascii=False)


def test_a_run_of_rows_keeps_every_line() -> None:
    # rows on consecutive lines stand in as one null item of the list, their other lines blank: the list, its items'
    # lines and a message's line are as PyYAML's own
    text = ("name: n\ninput: [3, 8, 8]\nlayers:\n  - {name: a, type: relu}\n  - {name: b, type: relu}\n  # a comment\n"
            "  - {name: c, type: relu}\n  - name: d\n    type: relu\n  - {name: e, type: relu}\n  - {name: f, type: relu, strides: 2}\n")
    layers = load(text)["layers"]
    assert layers == yaml.safe_load(text)["layers"] and layers.item_lines == [4, 5, 7, 8, 10, 11]
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "net.yaml")
    assert str(caught.value.where).startswith("net.yaml:11: layer 'f'") and "unknown key 'strides'" in caught.value.problem


def test_a_chain_answers_each_rule_a_few_times_whatever_its_length(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A chain repeating conv, batch norm, relu on one shape: after its first rows every row meets rows alike, so each
    kind's size and figures rules are answered no more often in 300 rows than in 30 (the shape walk gives equal outputs
    one object, analysis/alike.py; without that each conv's output was a new tuple and no row met another)."""
    from archcalc.analysis import analyse
    from archcalc.analysis.graph import build_graph
    from archcalc.kinds.conv import Conv

    calls = {"sizing": 0, "figures": 0}
    def counting(rule: str):  # type: ignore[no-untyped-def]
        own = getattr(Conv, rule)

        def counted(self, *args):  # type: ignore[no-untyped-def]
            calls[rule] += 1
            return own(self, *args)
        return counted

    for rule in calls:
        monkeypatch.setattr(Conv, rule, counting(rule))
    answered = []
    for n in (30, 300):
        calls.update(sizing=0, figures=0)
        rows = "".join(f"  - {{name: c{i}, type: conv, filters: 8, kernel: 3, padding: 1}}\n  - {{name: b{i}, type: batchnorm}}\n"
                       f"  - {{name: r{i}, type: relu}}\n" for i in range(n // 3))
        analyse(build_graph(parse_spec(f"name: chain\ninput: [8, 16, 16]\nlayers:\n{rows}", "chain.yaml")))
        answered.append(dict(calls))
    assert answered[0] == answered[1] and answered[1]["sizing"] <= 2, answered  # the first conv's input is the network's
