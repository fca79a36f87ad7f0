"""`accept:` findings the author accepts, with a reason: kept out of the findings and of --strict, shown under --all
and in JSON; an entry that names no layer (a typo would silence nothing) is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.errors import SpecError
from archcalc.specfile import parse_spec

# conv1: (224 − 7 + 2·2)/2 + 1 = 111.5, floored (a non_integer_size finding, by hand); `side` is read by nothing (unread_layer)
NET = """name: floors accepted
input: [3, 224, 224]
blocks:
  pair:
    layers:
      - {name: a, type: conv, filters: 4, kernel: 2, stride: 2}
      - {name: b, type: relu}
layers:
  - {name: conv1, type: conv, filters: 8, kernel: 7, stride: 2, padding: 2}
  - {name: p1, type: pair}
  - {name: side, type: relu, inputs: conv1}
  - {name: fc, type: dense, units: 10, inputs: p1}
"""


def findings(accept: str) -> tuple[list[tuple[str | None, str]], list[tuple[str | None, str, str]]]:
    a = analyse(build_graph(parse_spec(NET + "accept:\n" + accept)))
    return [(f.layer, f.kind) for f in a.findings], [(x.finding.layer, x.finding.kind, x.reason) for x in a.accepted]


def test_per_layer_and_kind() -> None:
    base = analyse(build_graph(parse_spec(NET)))
    assert sorted((f.layer or "", f.kind) for f in base.findings) == [
        ("conv1", "non_integer_size"), ("p1.a", "non_integer_size"), ("side", "unread_layer")]  # p1.a: (111 − 2)/2 + 1 = 55.5
    kept, accepted = findings('  - {finding: non_integer_size, layer: conv1, reason: "floored as torchvision does"}\n')
    assert kept == [("p1.a", "non_integer_size"), ("side", "unread_layer")]
    assert accepted == [("conv1", "non_integer_size", "floored as torchvision does")]
    kept, accepted = findings('  - {finding: unread_layer, layer: conv1, reason: "the wrong kind for this layer"}\n')
    assert len(kept) == 3 and accepted == []


def test_a_block_instance_a_pattern_or_every_layer() -> None:
    assert findings("  - {finding: non_integer_size, layer: p1, reason: r}\n")[0] == [("conv1", "non_integer_size"), ("side", "unread_layer")]
    assert findings("  - {finding: non_integer_size, layer: '*1*', reason: r}\n")[0] == [("side", "unread_layer")]
    assert findings("  - {finding: non_integer_size, reason: r}\n")[0] == [("side", "unread_layer")]


@pytest.mark.parametrize(("entry", "message"), [
    ("{finding: non_integer_size, layer: conv2, reason: r}", "<spec>:14: the accepted finding names 'conv2', which is no layer or block instance"),
    ("{finding: non_integer_size, layer: 'x*', reason: r}", "<spec>:14: the accepted finding's pattern 'x*' matches no layer"),
    ("{finding: non_integer, reason: r}", "<spec>:14: no finding is of the kind 'non_integer'"),
    ("{finding: unread_layer, layer: side}", "<spec>:14: an accepted finding needs a 'reason': printable text of 1 to 500 characters"),
    ("{finding: unread_layer, reasons: r}", "<spec>:14: unknown key 'reasons' in an accepted finding"),
])
def test_refused_entries(entry: str, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        findings(f"  - {entry}\n")
    assert raised.value.message == message


def test_show_hides_them_strict_ignores_them_all_shows_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(NET.replace("inputs: conv1}", "inputs: conv1, output: true}")
                    + "accept:\n  - {finding: non_integer_size, reason: \"floored as torchvision does\"}\n")
    runner = CliRunner()
    shown = runner.invoke(main, ["show", str(path), "--strict"])
    assert shown.exit_code == 0  # every finding left is accepted
    assert "no findings but those the spec accepts" in shown.output and "2 accepted findings not shown (--all shows them" in shown.output
    every = " ".join(runner.invoke(main, ["show", str(path), "--all"]).output.replace("│", " ").split())
    assert "2 accepted findings" in every and "accepted: floored as torchvision does (" in every and "111.5 is not a whole number" in every
    doc = json.loads(runner.invoke(main, ["show", str(path), "--format", "json"]).output)
    assert doc["findings"] == [] and [f["layer"] for f in doc["accepted_findings"]] == ["conv1", "p1.a"]
    assert doc["accepted_findings"][0]["reason"] == "floored as torchvision does" and doc["accepted_findings"][0]["accepted_at"]["line"] == 14
