"""Receptive fields through squeeze-and-excitation gates and global pools (issue 19: EfficientNet-B0 read
`229 /224` after the first gate, `62301300397285 /12089663946752` later, then blank).

A C×1×1 gate scales each map by one figure: the product keeps the field and jump of the map it scales.
A global pool whose map spans the image, and the gate's branch computed from it alone, see the whole
input: the table says `whole input` and the JSON `{"whole_input": true}` instead of a figure.
tests/test_kind_proofs.py checks the same against gradients of the built torch modules."""

from __future__ import annotations

from archcalc.analysis import Analysis, analyse
from archcalc.analysis.graph import build_graph
from archcalc.kinds.terms.fields import ReceptiveField
from archcalc.outputs.serialize import layer_json
from archcalc.specfile import load_spec, parse_spec
from archcalc.text import field_text


def square(size: int, jump: int, start: int) -> ReceptiveField:
    return ReceptiveField((size, size), (jump, jump), (start, start))


def fields(a: Analysis) -> dict[str, ReceptiveField | None]:
    return {r.name: r.receptive_field for r in a.rows}


def test_efficientnet_b0_by_hand() -> None:
    # specs/efficientnet_b0.yaml, 224×224, by hand (size += (k − 1)·jump, jump *= s, start −= p·jump):
    #   stem 3×3/2 p1:            3, jump 2, start −1
    #   stage1.0.dw 3×3/1 p1:     3 + 2·2 = 7, jump 2, start −3; the SE gate scales it: still 7 /2
    #   stage2.0.dw 3×3/2 p1:     7 + 2·2 = 11, jump 4, start −5
    #   head 1×1 on 7×7:          851, jump 32, start −425 (the walk through every stage)
    a = analyse(build_graph(load_spec("efficientnet_b0")))
    f = fields(a)
    assert f["stage1.0.dw_act"] == f["stage1.0.se_scale"] == f["stage1.0.project"] == square(7, 2, -3)
    assert f["stage2.0.dw"] == f["stage2.0.se_scale"] == square(11, 4, -5)
    assert f["stage5.0.dw"] == f["stage5.0.se_scale"] == square(211, 16, -105)
    assert f["head"] == square(851, 32, -425)
    gate = [n for n in f if n.split(".")[-1] in ("se_pool", "se_reduce", "se_expand")] + ["pool", "dropout", "classifier"]
    assert len(gate) == 16 * 3 + 3 and all(f[n] is not None and f[n].whole for n in gate)  # type: ignore[union-attr]
    assert all(r is not None and not r.whole for n, r in f.items() if n not in gate)
    by = {r.name: r for r in a.rows}
    assert field_text(by["stage1.0.se_scale"].receptive_field) == "7 /2"
    assert field_text(by["stage1.0.se_pool"].receptive_field) == "whole input"
    assert layer_json(by["stage1.0.se_pool"])["receptive_field"] == {"whole_input": True}
    assert layer_json(by["stage1.0.se_scale"])["receptive_field"] == {"size": [7, 7], "jump": [2, 2], "start": [-3, -3]}


MOBILENET_V3 = """name: mobilenet_v3_block
input: [3, 224, 224]
layers:
  - {name: stem, type: conv, filters: 16, kernel: 3, stride: 2, padding: 1, activation: hardswish}
  - {name: block1.dw, type: conv, filters: 16, kernel: 3, stride: 2, padding: 1, groups: 16, activation: relu}
  - {name: block1.se_pool, type: globalavgpool}
  - {name: block1.se_reduce, type: conv, filters: 8, kernel: 1, activation: relu}
  - {name: block1.se_expand, type: conv, filters: 16, kernel: 1, activation: hardsigmoid}
  - {name: block1.se_scale, type: multiply, inputs: [block1.se_expand, block1.dw]}
  - {name: block1.project, type: conv, filters: 16, kernel: 1}
  - {name: block2.expand, type: conv, filters: 72, kernel: 1, activation: relu}
  - {name: block2.dw, type: conv, filters: 72, kernel: 3, stride: 2, padding: 1, groups: 72, activation: relu}
"""


def test_mobilenet_v3_block_by_hand() -> None:
    # MobileNetV3-Small's first block (Howard et al. 2019, table 2: 3×3/2 depthwise with SE), written by hand.
    # stem 3×3/2 p1: 3 /2, start −1; block1.dw 3×3/2 p1: 3 + 2·2 = 7, jump 4, start −3; the gate keeps it;
    # block2.dw 3×3/2 p1: 7 + 2·4 = 15, jump 8, start −7. (Before the fix: 233 /224 and 1129 /224.)
    f = fields(analyse(build_graph(parse_spec(MOBILENET_V3))))
    assert f["block1.dw"] == f["block1.se_scale"] == f["block1.project"] == square(7, 4, -3)
    assert f["block2.dw"] == square(15, 8, -7)
    assert all(f[n] is not None and f[n].whole for n in ("block1.se_pool", "block1.se_reduce", "block1.se_expand"))  # type: ignore[union-attr]


def test_a_pool_whose_map_does_not_span_the_image_keeps_its_figures() -> None:
    # 8×8, conv 3×3/4 (no padding): 2×2 map, fields rows 0..2 and 4..6: row 7 is never read.
    # The global pool spans 3 + 1·4 = 7 rows from 0: not the whole image, so the figures stay.
    layers = """  - {name: c, type: conv, filters: 2, kernel: 3, stride: 4}
  - {name: g, type: globalavgpool}
"""
    f = fields(analyse(build_graph(parse_spec(f"name: n\ninput: [1, 8, 8]\nlayers:\n{layers}"))))
    assert f["g"] == square(7, 8, 0)


def test_field_figures_have_thousands_separators() -> None:
    assert field_text(ReceptiveField((1129, 1129), (224, 224), (0, 0))) == "1,129 /224"
    assert field_text(ReceptiveField((25317, 3), (25088, 1), (0, 0))) == "25,317×3 /25,088×1"
    assert field_text(ReceptiveField((195, 195), (32, 32), (-64, -64))) == "195 /32"
