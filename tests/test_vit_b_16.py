"""ViT-B/16 (specs/vit_b_16.yaml) against torchvision's VisionTransformer written out in tests/vit_torch.py:
parameters, FLOPs (FlopCounterMode, gradients on, attention on the math path) and every module's output shape.
The figures are torchvision's own vit_b_16 (86,567,656 parameters; 35,127,656,448 FLOPs at 224)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from on_meta import on_meta
from vit_torch import VisionTransformer, measure, unmatched_shapes, vit_b_16

from archcalc import torch_backend as tb
from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.specfile import load_spec, parse_spec


def test_vit_b_16_against_torchvision() -> None:
    graph = build_graph(load_spec("vit_b_16"))
    a = analyse(graph)
    params, flops, shapes = measure(on_meta(vit_b_16), torch.empty(1, 3, 224, 224, device="meta"))
    assert params == a.totals.params == 86_567_656
    assert flops == a.totals.flops == 35_127_656_448
    differ, unnamed = unmatched_shapes(shapes, a)
    assert len(shapes) == 7 + 12 * 11 and differ == {}  # every module that ran (out_proj is called inside, not as a module)
    assert unnamed == {f"encoder.layers.encoder_layer_{i}.mlp.1" for i in range(12)}  # GELU: fused into mlp.0, the same shape
    assert [c.confirmed for c in a.claims] == [True] * len(a.claims) and a.findings == ()
    checked = tb.verify(graph, a, device="meta")  # archcalc run's module: the math path too
    assert checked.ok and checked.attention_math


def test_the_arithmetic_of_tokens_is_shown() -> None:
    a = analyse(build_graph(load_spec("vit_b_16")))
    rows = {r.name: r for r in a.rows}
    assert rows["tokens"].terms[0].text() == "(224/16)² = 196 tokens"
    assert rows["class_token"].terms[0].text() == "196 + 1 class token = 197"
    assert rows["tokens"].output == (196, 768) and rows["class"].output == (768,)
    assert rows["encoder.layers.encoder_layer_0.self_attention"].receptive_field.size == (224, 224)  # global: the whole image


def test_another_input_size_needs_the_embedding_interpolated() -> None:
    result = CliRunner().invoke(main, ["show", "vit_b_16", "--input", "3x384x384"])
    assert result.exit_code == 2
    assert "197 learned positions do not match the 577 tokens" in result.output and "interpolate" in result.output


TINY = """
name: tiny-vit
input: [3, 32, 32]
layers:
  - {name: patch, type: conv, filters: 64, kernel: 8, stride: 8}
  - {name: tokens, type: tokens}
  - {name: cls, type: class_token}
  - {name: pos, type: pos_embedding, length: 17}
  - {name: ln, type: layernorm}
  - {name: attn, type: self_attention, heads: 4}
  - {name: add, type: add, inputs: [attn, pos]}
  - {name: mlp, type: linear, units: 128, activation: gelu}
  - {name: out, type: linear, units: 64}
  - {name: class, type: select_token}
  - {name: head, type: linear, units: 10}
"""


def test_run_verifies_attention_on_the_math_path_and_says_so(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY, encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(spec), "--device", "cpu", "--min-time", "0.01"])
    assert result.exit_code == 0, result.output
    assert "✓ every layer's output shape, parameters and FLOPs agree with torch" in result.output
    assert "attention verified on the math path (sdpa_kernel(SDPBackend.MATH), gradients on)" in result.output
    # attention at 17 tokens of 64 in 4 heads: 8·17·64² + 4·17²·64 = 557,056 + 73,984 = 631,040 FLOPs (hand arithmetic)
    assert "631,040 ✓" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("size", [32, 384])
def test_vit_at_other_sizes(size: int) -> None:
    """A ViT learned at another size: the spec with its embedding's length, and torchvision's module at that size."""
    text = (Path(__file__).resolve().parent.parent / "specs" / "vit_b_16.yaml").read_text(encoding="utf-8")
    n = (size // 16) ** 2 + 1
    spec = parse_spec(text.replace("length: 197", f"length: {n}").replace("input: [3, 224, 224]", f"input: [3, {size}, {size}]")
                      .split("claims:")[0])
    a = analyse(build_graph(spec))
    params, flops, shapes = measure(on_meta(VisionTransformer, size, 16, 12, 12, 768, 3072), torch.empty(1, 3, size, size, device="meta"))
    assert (params, flops) == (a.totals.params, a.totals.flops) and unmatched_shapes(shapes, a)[0] == {}


def test_an_image_size_the_patch_does_not_divide_is_a_finding() -> None:
    """225 with 16×16 patches: (225 − 16)/16 + 1 = 14.0625 → 14, the last row and column unread; still 197 tokens."""
    a = analyse(build_graph(load_spec("vit_b_16")), (3, 225, 225))
    (finding,) = a.findings
    assert finding.layer == "conv_proj" and finding.kind == "non_integer_size"
    assert finding.term is not None and finding.term.value() == "14.0625" and finding.nearest == (224, None)
    assert {r.name: r for r in a.rows}["tokens"].terms[0].text() == "(⌊225/16⌋)² = 196 tokens"
