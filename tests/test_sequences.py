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


@pytest.mark.parametrize(("channels", "chunks"), [(5, 2), (5, 4), (7, 3), (8, 3), (3, 3)])
def test_chunk_follows_torchs_uneven_sizes(channels: int, chunks: int) -> None:
    """x.chunk(2, dim=1) of 5 channels gives 3 and 2; of 5 in 4 chunks, 2, 2 and 1 (three chunks, not four)."""
    torch_sizes = [t.shape[1] for t in torch.empty(1, channels, 2, 2).chunk(chunks, dim=1)]
    ours = [_analyse(f"  - {{name: a, type: chunk, chunks: {chunks}, index: {i}}}\n", f"[{channels}, 2, 2]").rows[0].output[0]
            for i in range(len(torch_sizes))]
    assert ours == torch_sizes
    with pytest.raises(SpecError, match=f"index {len(torch_sizes)} is past the last of {len(torch_sizes)} chunks"):
        _analyse(f"  - {{name: a, type: chunk, chunks: {chunks}, index: {len(torch_sizes)}}}\n", f"[{channels}, 2, 2]")


def test_a_plain_string_names_a_block_instance_as_a_list_does() -> None:
    spec = """name: t
input: [4, 8, 8]
blocks:
  pair:
    layers:
      - {name: a, type: conv, filters: 4, kernel: 3, padding: 1}
      - {name: b, type: relu}
layers:
  - {name: x, type: pair}
  - {name: y, type: pair}
  - {name: sum, type: add, inputs: [y, x]}
  - {name: again, type: relu, inputs: x}
"""
    a = analyse(build_graph(parse_spec(spec)))
    assert a.rows[-1].inputs == ("x.b",)


@pytest.mark.parametrize(("layers", "hint"), [
    ("  - {name: u, type: upsample, scale: 2, inputs: [input, input]}\n", "with a scale or a size it reads one input"),
    ("  - {name: c, type: crop, size: 4, inputs: [input, input]}\n", "with a size it reads one input"),
    ("  - {name: u, type: upsample, inputs: [input]}\n", "without a scale or a size it reads two inputs"),
    ("  - {name: p, type: pixel_shuffle, factor: 3}\n", "a factor whose square divides 8"),
    ("  - {name: s, type: channel_shuffle, groups: 3}\n", "a number of groups that divides 8"),
    ("  - {name: g, type: groupnorm, groups: 3}\n", "a number of groups that divides the channels"),
    ("  - {name: t, type: tokens}\n  - {name: u, type: upsample, scale: 2}\n", "upsample works on maps"),
    ("  - {name: c, type: crop, size: 20}\n", "are the inputs the other way round?"),
])
def test_each_kind_gives_its_own_hint(layers: str, hint: str) -> None:
    with pytest.raises(SpecError) as caught:
        _analyse(layers)
    assert hint in (caught.value.hint or "") and "kernel, stride and padding" not in (caught.value.hint or "")
