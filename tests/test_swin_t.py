"""Swin-T (specs/swin_t.yaml) against torchvision's swin_t written out in tests/swin_torch.py: parameters,
FLOPs (FlopCounterMode) and every module's output shape, at 224 (torchvision's figures: 28,288,354
parameters, 8,981,133,312 FLOPs) and at sizes whose maps the window does not divide (torchvision pads)."""

from __future__ import annotations

import pytest
import torch
from on_meta import on_meta
from swin_torch import swin_t
from vit_torch import measure, unmatched_shapes

from archcalc import torch_backend as tb
from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.specfile import load_spec
from archcalc.text import finding_message


def _against_torchvision(size: int) -> tuple[int, int]:
    a = analyse(build_graph(load_spec("swin_t")), (3, size, size))
    params, flops, shapes = measure(on_meta(swin_t), torch.empty(1, 3, size, size, device="meta"))
    differ, unnamed = unmatched_shapes(shapes, a)
    assert (params, flops) == (a.totals.params, a.totals.flops) and differ == {}
    assert len(shapes) > 150 and unnamed == {f"features.{s}.{b}.mlp.1" for s, n in ((1, 2), (3, 2), (5, 6), (7, 2)) for b in range(n)}  # GELU
    return params, flops


@pytest.mark.slow  # a whole network against its torchvision-style module: half a second of CPU (the default run keeps
# ViT-B/16's, and the classics' in tests/test_classics.py)
def test_swin_t_against_torchvision() -> None:
    assert _against_torchvision(224) == (28_288_354, 8_981_133_312)
    graph = build_graph(load_spec("swin_t"))
    a = analyse(graph)
    assert all(c.confirmed for c in a.claims) and a.findings == ()
    rows = {r.name: r for r in a.rows}
    attn = rows["features.1.1.attn"]
    # 3 heads, C = 96: q, k, v and projection 4·96² + 4·96, the table (2·7 − 1)²·3 = 507 (hand arithmetic)
    assert attn.params == 4 * 96 * 96 + 4 * 96 + 507 and attn.layer.hyper() == "3 heads, 7×7, shift 3"
    first = rows["features.1.0.attn"].receptive_field
    assert first is not None and first.size == (28, 28)  # the first block: a 7×7 window of 4×4 patches
    # shifted: the roll brings the far side of the map into the border windows, and the mask weighs it e^−100, not 0:
    # a bound over the whole 56×56 map of 4×4 patches, 28 + 55·4 = 248 (torch's dependence, tests/test_kind_proofs.py)
    assert attn.receptive_field is not None and attn.receptive_field.size == (248, 248) and not attn.receptive_field.exact
    assert rows["features.2.merge"].output == (28, 28, 384) and rows["features.2.reduction"].output == (28, 28, 192)
    assert tb.verify(graph, a, device="meta").ok


def test_a_window_that_does_not_divide_the_map_is_a_finding() -> None:
    a = analyse(build_graph(load_spec("swin_t")), (3, 256, 256))
    message = finding_message(next(f for f in a.findings if f.layer == "features.1.0.attn"))
    assert "64/7 = 9.143… is not a whole number" in message
    assert "pads the map by 6 rows and columns of zeros to 70 (10 windows of 7)" in message and "224 and 448" in message


@pytest.mark.slow
@pytest.mark.parametrize("size", [256, 160, 97])
def test_swin_t_against_torchvision_at_other_sizes(size: int) -> None:
    _against_torchvision(size)
