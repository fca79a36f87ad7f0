"""The analysis: findings (non-integer sizes, nearest exact inputs), claims, --strict, graphs, GPU splits."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner

from archcalc import analyse, build_graph, load_spec
from archcalc.analysis import Analysis, nearest_exact
from archcalc.cli.app import main
from archcalc.errors import SpecError
from archcalc.specfile import parse_spec


def analysis(name: str, shape: tuple[int, ...] | None = None) -> Analysis:
    return analyse(build_graph(load_spec(name)), shape)


def inline(text: str, shape: tuple[int, ...] | None = None) -> Analysis:
    return analyse(build_graph(parse_spec(text, "net.yaml")), shape)


# --- AlexNet at 224: the paper's stated input ---------------------------------------------------


def test_alexnet_224_findings() -> None:
    a = analysis("alexnet", (3, 224, 224))
    sizes = [f for f in a.findings if f.kind == "non_integer_size"]
    # conv1 (224 − 11)/4 + 1 = 54.25 → 54; pool1 (54 − 3)/2 + 1 = 26.5 → 26; conv2 keeps 26;
    # pool2 (26 − 3)/2 + 1 = 12.5 → 12; conv3-5 keep 12; pool5 (12 − 3)/2 + 1 = 5.5 → 5
    assert [f.layer for f in sizes] == ["conv1", "pool1", "pool2", "pool5"]
    conv1 = sizes[0].message
    assert "(224 − 11 + 2·0)/4 + 1 = 54.25" in conv1
    assert "54" in conv1.split("54.25", 1)[1]  # what frameworks do: floor to 54
    # nearest inputs where every layer divides: conv1's output must be 7 mod 8 (55 → 27 → 13 → 6 all
    # exact), and n = 4·(out − 1) + 11: out 47 → 195, out 55 → 227
    assert "195 and 227" in conv1
    assert "(54 − 3 + 2·0)/2 + 1 = 26.5" in sizes[1].message
    assert "(12 − 3 + 2·0)/2 + 1 = 5.5" in sizes[3].message


def test_alexnet_224_rows_are_floored() -> None:
    rows = {r.name: r for r in analysis("alexnet", (3, 224, 224)).rows}
    assert [rows[n].output for n in ("conv1", "pool1", "conv2", "pool2", "pool5")] == [
        (96, 54, 54), (96, 26, 26), (256, 26, 26), (256, 12, 12), (256, 5, 5)]  # computation continues floored
    assert rows["fc6"].params == 256 * 5 * 5 * 4096 + 4096


def test_nearest_exact_sizes() -> None:
    graph = build_graph(load_spec("alexnet"))
    assert nearest_exact(graph, (3, 224, 224), "H") == (195, 227)
    assert nearest_exact(graph, (3, 224, 224), "W") == (195, 227)
    # above 227 the next exact size is 4·(63 − 1) + 11 = 259 (63 ≡ 7 mod 8)
    assert nearest_exact(graph, (3, 227, 227), "H") == (195, 259)


def test_alexnet_claims_as_built() -> None:
    a = analysis("alexnet")
    verdicts = {c.subject: c.confirmed for c in a.claims}
    # the paper's 224×224×3 input cannot give 55×55 (conv1 would be 54.25), and 55·55·96 = 290,400, not 253,440
    assert not verdicts.pop("input")
    assert not verdicts.pop("conv1 activations")
    assert verdicts and all(verdicts.values()), [s for s, ok in verdicts.items() if not ok]
    # every stated figure is checked: input, 8 outputs, 8 activation counts, 2 totals
    assert len(a.claims) == 19
    conv1 = next(c for c in a.claims if c.subject == "conv1 activations")
    assert (conv1.stated, conv1.computed) == (253_440, 290_400)  # numbers; the text says "253,440"
    assert (conv1.stated_text, conv1.computed_text) == ("253,440", "290,400")
    assert [(f.layer, f.kind) for f in a.findings] == [(None, "claim_contradicted"), ("conv1", "claim_contradicted")]
    assert "224" in a.findings[0].message and "227" in a.findings[0].message
    assert "253,440" in a.findings[1].message and "290,400" in a.findings[1].message


def test_alexnet_totals_claims_within_their_tolerance() -> None:
    totals = {c.subject: c for c in analysis("alexnet").claims if c.layer is None and c.subject != "input"}
    # "60 million parameters": 60,965,224 is +1.6%; "650,000 neurons": 659,272 is +1.4% (both within 5%)
    assert totals["total params"].confirmed and totals["total params"].computed == 60_965_224
    assert totals["total neurons"].confirmed and totals["total neurons"].computed == 659_272


def test_input_claim_verdict_does_not_depend_on_override() -> None:
    # the paper's 224 input is contradicted by its own 55×55 whatever --input the user asks for:
    # at --input 224 conv1 gives 54.25, so the stated input is no more consistent than at 227
    a = analysis("alexnet", (3, 224, 224))
    claim = next(c for c in a.claims if c.subject == "input")
    assert not claim.confirmed, claim


def test_lenet_has_no_findings() -> None:
    a = analysis("lenet")
    assert a.findings == () and a.claims == ()


# --- --strict --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["show", "alexnet"], 0),  # findings are reported, not fatal
        (["show", "alexnet", "--strict"], 1),
        (["show", "alexnet", "--input", "224", "--strict", "--format", "json"], 1),
        (["show", "lenet", "--strict"], 0),
        (["show", "lenet", "--input", "29", "--strict"], 1),  # (29 − 5 + 4)/1 + 1 = 29; pool1 (29 − 2)/2 + 1 = 14.5
        (["compare", "lenet", "alexnet", "--strict"], 1),
        (["compare", "lenet", "lenet", "--strict"], 0),
        (["compare", "lenet", "alexnet"], 0),
    ],
)
def test_strict_exit_status(args: list[str], code: int) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code, result.output
    assert result.stdout  # the report is printed either way
    # on stderr, only why --strict failed (one line: a script that sends stdout elsewhere still learns it)
    assert result.stderr == "" if code == 0 else result.stderr.startswith("archcalc: --strict=warnings fails: ")
    assert len(result.stderr.splitlines()) == code


def test_findings_in_json_at_224() -> None:
    result = CliRunner().invoke(main, ["show", "alexnet", "--input", "224", "--format", "json"])
    doc = json.loads(result.stdout)
    assert doc["input"] == [3, 224, 224]
    kinds = [(f["layer"], f["kind"]) for f in doc["findings"]]
    assert kinds[:4] == [("conv1", "non_integer_size"), ("pool1", "non_integer_size"), ("pool2", "non_integer_size"), ("pool5", "non_integer_size")]
    assert all(isinstance(f["message"], str) and f["message"] for f in doc["findings"])


def test_input_override_forms() -> None:
    # '224', '224x224' and '3x224x224' are the same input for AlexNet
    outs = [CliRunner().invoke(main, ["show", "alexnet", "--input", t, "--format", "json"]).stdout for t in ("224", "224x224", "3x224x224")]
    assert outs[0] == outs[1] == outs[2]
    # HxW keeps the channels: a rectangular input
    doc = json.loads(CliRunner().invoke(main, ["show", "alexnet", "--input", "227x259", "--format", "json"]).stdout)
    assert doc["input"] == [3, 227, 259] and doc["layers"][0]["output"] == [96, 55, 63]  # (259 − 11)/4 + 1 = 63


# --- one axis, ceil pools ------------------------------------------------------------------------


def test_finding_on_one_axis_only() -> None:
    # W: (32 − 3)/2 + 1 = 15.5 does not divide; H: (31 − 3)/2 + 1 = 15 does
    a = inline("name: t\ninput: [3, 31, 32]\nlayers:\n  - {name: p, type: maxpool, kernel: 3, stride: 2}\n")
    [f] = a.findings
    assert f.layer == "p" and "(32 − 3 + 2·0)/2 + 1 = 15.5" in f.message and "31 −" not in f.message
    assert a.rows[0].output == (3, 15, 15)


def test_ceil_pool_finding_says_ceil() -> None:
    # (112 − 3)/2 + 1 = 55.5: Caffe's ceil makes it 56
    a = inline("name: t\ninput: [64, 112, 112]\nlayers:\n  - {name: p, type: maxpool, kernel: 3, stride: 2, rounding: ceil}\n")
    assert a.rows[0].output == (64, 56, 56)
    assert a.findings and "55.5" in a.findings[0].message and "ceil" in a.findings[0].message


def test_override_of_other_rank_is_an_error() -> None:
    graph = build_graph(load_spec("alexnet"))
    with pytest.raises(SpecError):
        analyse(graph, (4096,))


# --- graphs -------------------------------------------------------------------------------------

RESIDUAL = """\
name: residual
input: [16, 8, 8]
layers:
  - {name: a, type: conv, filters: 16, kernel: 3, padding: 1, activation: relu}
  - {name: b, type: conv, filters: 16, kernel: 3, padding: 1}
  - {name: sum, type: add, inputs: [b, input]}
  - {name: side, type: conv, filters: 8, kernel: 1, inputs: [input]}
  - {name: cat, type: concat, inputs: [sum, side]}
  - {name: gap, type: globalavgpool}
  - {name: fc, type: dense, units: 10}
"""


def test_residual_graph() -> None:
    a = inline(RESIDUAL)
    rows = {r.name: r for r in a.rows}
    assert rows["sum"].output == (16, 8, 8) and rows["sum"].inputs == ("b", "input")
    assert rows["cat"].output == (24, 8, 8)  # 16 + 8 maps
    assert rows["side"].params == 16 * 8 + 8  # a 1×1 conv: 16 maps → 8, plus biases
    assert rows["fc"].params == 24 * 10 + 10
    assert a.totals.params == 2 * (16 * 16 * 9 + 16) + 136 + 250


def test_layers_may_be_written_before_their_inputs() -> None:
    # 'late' reads 'early', written after it: the graph orders them, each after what it reads
    text = ("name: t\ninput: [3, 8, 8]\nlayers:\n  - {name: late, type: relu, inputs: [early]}\n"
            "  - {name: early, type: conv, filters: 4, kernel: 3, inputs: [input]}\n")
    assert [r.name for r in inline(text).rows] == ["early", "late"]


def test_analysis_is_frozen() -> None:
    a = analysis("lenet")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.rows[0].params = 0  # type: ignore[misc]


# --- GPU splits beyond AlexNet --------------------------------------------------------------------

SPLIT3 = """\
name: three
input: [3, 16, 16]
gpus: 3
layers:
  - {name: c1, type: conv, filters: 6, kernel: 3}
  - {name: c2, type: conv, filters: 6, kernel: 3, groups: 3}
  - {name: c3, type: conv, filters: 6, kernel: 3}
  - {name: fc, type: dense, units: 12, split: false, gpu: 1}
  - {name: out, type: relu}
"""


def test_three_gpus() -> None:
    a = inline(SPLIT3)
    rows = {r.name: r for r in a.rows}
    # c1: 6×14×14, 2 maps per GPU; c2 grouped by 3 reads its own; c3 reads all: each GPU lacks 2/3 of 6×12×12 = 576
    assert [s.received for s in rows["c2"].gpus] == [0, 0, 0]
    assert [s.received for s in rows["c3"].gpus] == [576, 576, 576]
    # fc whole on GPU 1: it receives the other GPUs' 2/3 of c3's 6×10×10 = 600 values
    assert [s.received for s in rows["fc"].gpus] == [0, 400, 0]
    assert [s.params for s in rows["fc"].gpus] == [0, 600 * 12 + 12, 0]
    assert rows["out"].placement == 1  # an activation after a layer on one GPU stays there
    for figure in ("params", "macs", "flops", "activations"):
        assert sum(getattr(g, figure) for g in a.gpu_totals) == getattr(a.totals, figure)


# --- cost grows linearly with the number of layers ------------------------------------------------


def _chain(n: int) -> object:
    """A spec of n relu layers in a chain, built without YAML so that only the graph is measured."""
    one = parse_spec("name: t\ninput: [3, 8, 8]\nlayers:\n  - {name: r0, type: relu}\n", "net.yaml")
    return dataclasses.replace(one, layers=tuple(dataclasses.replace(one.layers[0], name=f"r{i}") for i in range(n)))


class _CountedName(str):
    """A layer name that counts how often it is compared: a lookup in a list compares once per
    element, one in a set or dict about once."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        _CountedName.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_build_graph_is_linear() -> None:
    # Performance is measured in benchmarks/, not timed here: this counts the work instead. Building a
    # chain of n layers must compare names O(n) times; a name looked up in a list per layer is O(n²)
    # (it was: 12 s for 20,000 layers, benchmarks/README.md).
    def comparisons(n: int) -> int:
        one = _chain(1)
        spec = dataclasses.replace(one, layers=tuple(dataclasses.replace(one.layers[0], name=_CountedName(f"r{i}")) for i in range(n)))
        _CountedName.comparisons = 0
        graph = build_graph(spec)  # type: ignore[arg-type]
        assert len(graph.nodes) == n
        return _CountedName.comparisons

    small, large = comparisons(1_000), comparisons(8_000)
    assert large <= 8 * small + 1_000, f"1,000 layers: {small:,} name comparisons; 8,000 layers: {large:,}"


UNREAD = """name: heads
input: [3, 8, 8]
layers:
  - {name: trunk, type: conv, filters: 4, kernel: 3}
  - {name: side, type: conv, filters: 2, kernel: 1, inputs: [trunk]}
  - {name: side_fc, type: dense, units: 5, inputs: [side]}
  - {name: pool, type: globalavgpool, inputs: [trunk]}
  - {name: fc, type: dense, units: 10}
"""


def test_a_layer_nothing_reads_is_a_finding_with_what_it_adds() -> None:
    a = analyse(build_graph(parse_spec(UNREAD)))
    [f] = [f for f in a.findings if f.kind == "unread_layer"]
    # side: 2·4 + 2 = 10 params, 2·(8·6·6) = 576 FLOPs; side_fc: 72·5 + 5 = 365 params, 2·360 = 720 FLOPs
    assert (f.layer, f.branch, f.figures.params, f.figures.flops) == ("side_fc", ("side_fc", "side"), 375, 1_296)  # type: ignore[union-attr]
    assert f.message == ("side_fc: nothing reads its output, and it is not the network's last layer (fc): it adds 375 parameters "
                         "and 1,296 FLOPs to the totals with the layer only it reads; if it is one of the network's outputs, "
                         "mark it output: true. A warning: what it computes counts in the totals but is never used")


def test_a_marked_output_is_no_finding() -> None:
    marked = UNREAD.replace("{name: side_fc, type: dense, units: 5, inputs: [side]}", "{name: side_fc, type: dense, units: 5, inputs: [side], output: true}")
    assert not [f for f in analyse(build_graph(parse_spec(marked))).findings if f.kind == "unread_layer"]
    with pytest.raises(SpecError, match="'output' must be true or false"):
        parse_spec(UNREAD.replace("units: 5, inputs: [side]", "units: 5, inputs: [side], output: 3"))


@pytest.mark.parametrize(("name", "size"), [("alexnet", 224), ("resnet18", 224), ("mobilenet_v2", 255), ("lenet", 31)])
def test_a_mirrored_network_searches_one_axis_for_both(name: str, size: int) -> None:
    """size_findings takes W's nearest sizes from H's for a square input through alike H and W rules (half the search):
    the two searches, run both, agree (here on four networks; 88 spec-and-size pairs when written)."""
    from archcalc.analysis.findings import _mirrored
    from archcalc.analysis.shapes import propagate

    graph = build_graph(load_spec(name))
    shape = (graph.input[0], size, size)
    assert _mirrored(shape, propagate(graph, shape))
    assert nearest_exact(graph, shape, "H") == nearest_exact(graph, shape, "W")
