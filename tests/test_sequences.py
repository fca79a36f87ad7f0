"""The sequence and channels-last kinds (tokens, class_token, pos_embedding, select_token, permute, linear,
self_attention): shapes with their layout, arithmetic, figures by hand, refusals with each kind's own hint."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.errors import SpecError
from archcalc.kinds.terms.layouts import ChannelsLast, layout
from archcalc.specfile import parse_spec
from archcalc.torch_backend import verify


def _analyse(layers: str, shape: str = "[8, 14, 14]"):  # type: ignore[no-untyped-def]
    return analyse(build_graph(parse_spec(f"name: t\ninput: {shape}\nlayers:\n{layers}")))


LAST = """  - {name: to_last, type: permute}
  - {name: norm, type: layernorm, eps: 1.0e-6}
  - {name: fc, type: linear, units: 32, activation: gelu}
  - {name: back, type: permute, to: channels_first}
  - {name: tokens, type: tokens}
"""


def test_channels_last_is_carried_and_said() -> None:
    a = _analyse(LAST)
    rows = {r.name: r for r in a.rows}
    assert isinstance(rows["fc"].output, ChannelsLast) and rows["fc"].output == (14, 14, 32)  # layer norm kept the layout
    assert [layout(r.output) for r in a.rows] == ["H×W×C", "H×W×C", "H×W×C", "C×H×W", "N×D"]
    # linear over the last axis: 196 positions × 8·32 weights; params 8·32 + 32; layer norm 2·8 (hand arithmetic)
    assert (rows["fc"].params, rows["fc"].macs, rows["norm"].params) == (288, 196 * 256, 16)
    assert rows["tokens"].terms[0].text() == "14² = 196 tokens" and rows["tokens"].output == (196, 32)
    assert verify(build_graph(parse_spec(f"name: t\ninput: [8, 14, 14]\nlayers:\n{LAST}")), a, device="meta").ok


def test_json_says_each_layout() -> None:
    result = CliRunner().invoke(main, ["show", "-", "--format", "json"], input=f"name: t\ninput: [8, 14, 14]\nlayers:\n{LAST}")
    assert result.exit_code == 0, result.output
    layers = json.loads(result.stdout)["layers"]
    assert [(layer["output"], layer["layout"]) for layer in layers][:2] == [([14, 14, 8], "H×W×C"), ([14, 14, 8], "H×W×C")]
    assert layers[-1]["layout"] == "N×D"


@pytest.mark.parametrize(("layers", "message", "hint"), [
    ("  - {name: fc, type: linear, units: 4}\n", "a C×H×W map's last axis is its width 14", "permute the map to channels-last"),
    ("  - {name: p, type: permute}\n  - {name: c, type: conv, filters: 4, kernel: 3}\n", "got an H×W×C (channels-last) map 14×14×8",
     "permute a channels-last map back"),
    ("  - {name: t, type: tokens}\n  - {name: a, type: self_attention, heads: 3}\n", "its width 8 does not divide into 3 heads",
     "a number of heads that divides 8"),
    ("  - {name: a, type: self_attention, heads: 2}\n", "needs a sequence of tokens (N×D), got C×H×W", "with `tokens` first"),
    ("  - {name: t, type: tokens}\n  - {name: s, type: select_token, index: 196}\n", "index 196 is past the last of its 196 tokens",
     "an index from 0 to 195"),
    ("  - {name: t, type: tokens}\n  - {name: p, type: pos_embedding, length: 197}\n", "197 learned positions do not match the 196 tokens",
     "set length: 196"),
])
def test_refusals_say_what_to_change(layers: str, message: str, hint: str) -> None:
    with pytest.raises(SpecError) as caught:
        _analyse(layers)
    assert message in str(caught.value) and hint in (caught.value.hint or "")


def test_attention_figures_by_hand() -> None:
    a = _analyse("  - {name: t, type: tokens}\n  - {name: a, type: self_attention, heads: 2, bias: false}\n")
    att = a.rows[1]
    # 4·D² weights (no biases); MACs 4·N·D² + 2·N²·D with N = 196, D = 8
    assert (att.params, att.macs, att.flops) == (256, 4 * 196 * 64 + 2 * 196 * 196 * 8, 2 * att.macs)
    assert att.receptive_field is not None and att.receptive_field.size == (14, 14)  # global attention: the whole input
    module = torch.nn.MultiheadAttention(8, 2, bias=False)
    assert sum(p.numel() for p in module.parameters()) == att.params  # torch's own count
