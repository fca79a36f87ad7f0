"""DeepLabV3-ResNet50 (specs/deeplabv3_resnet50.yaml) against torchvision's deeplabv3_resnet50 written out in
tests/deeplab_torch.py (no auxiliary head): parameters, FLOPs (FlopCounterMode) and every module's output shape,
at 224 and at sizes the spec was not written for, since every upsampling goes to another tensor's size.
torchvision's figures at 224: 39,638,869 parameters, 62,621,097,984 FLOPs, output 21×224×224."""

from __future__ import annotations

import pytest
import torch
from deeplab_torch import deeplabv3_resnet50
from on_meta import on_meta
from vit_torch import measure, unmatched_shapes

from archcalc import torch_backend as tb
from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.specfile import load_spec, parse_spec


def _against_torchvision(h: int, w: int) -> tuple[int, int, tuple[int, ...]]:
    graph = build_graph(load_spec("deeplabv3_resnet50"))
    a = analyse(graph, (3, h, w))
    params, flops, shapes = measure(on_meta(deeplabv3_resnet50), torch.empty(1, 3, h, w, device="meta"))
    differ, unnamed = unmatched_shapes(shapes, a)
    assert (params, flops) == (a.totals.params, a.totals.flops) and differ == {} and unnamed == set()
    assert len(shapes) > 170  # every module that ran, compared by its name
    return params, flops, a.rows[-1].output


@pytest.mark.slow  # a whole network against its torchvision-style module: half a second of CPU (the default run keeps
# ViT-B/16's, and the classics' in tests/test_classics.py)
def test_deeplabv3_against_torchvision_at_224() -> None:
    assert _against_torchvision(224, 224) == (39_638_869, 62_621_097_984, (21, 224, 224))
    graph = build_graph(load_spec("deeplabv3_resnet50"))
    a = analyse(graph)
    assert all(c.confirmed for c in a.claims)
    assert tb.verify(graph, a, device="meta").ok  # archcalc run's module: the upsampling reads the input's size


def test_the_output_follows_the_input() -> None:
    """At 225×257 the backbone ends at 29×33 (the strides floor) and the logits go back to 225×257."""
    a = analyse(build_graph(load_spec("deeplabv3_resnet50")), (3, 225, 257))
    rows = {r.name: r for r in a.rows}
    assert rows["backbone.layer4.2.relu"].output == (2048, 29, 33) and a.rows[-1].output == (21, 225, 257)
    assert rows["classifier.0.convs.4.interpolate"].output == (256, 29, 33)


@pytest.mark.slow
@pytest.mark.parametrize(("h", "w"), [(225, 257), (320, 320), (97, 150)])
def test_deeplabv3_against_torchvision_at_other_sizes(h: int, w: int) -> None:
    assert _against_torchvision(h, w)[2] == (21, h, w)


LIKE = """name: like
input: [4, 20, 18]
layers:
  - {name: down, type: conv, filters: 6, kernel: 3, stride: 3}
  - {name: pool, type: adaptiveavgpool, inputs: [input, down]}
  - {name: add, type: concat, inputs: [pool, down]}
  - {name: up, type: upsample, mode: bilinear, inputs: [add, input]}
"""


def test_sizes_taken_from_another_input() -> None:
    """adaptiveavgpool and upsample without a size read it from their second input, as torch's F calls do."""
    graph = build_graph(parse_spec(LIKE))
    a = analyse(graph)
    # (20 − 3)/3 + 1 = 6.67 → 6 and (18 − 3)/3 + 1 = 6: the pool follows the conv, the upsampling the input
    assert [r.output for r in a.rows] == [(6, 6, 6), (4, 6, 6), (10, 6, 6), (10, 20, 18)]
    assert [r.layer.hyper() for r in a.rows[1:4:2]] == ["→ its second input's size", "to its second input's size, bilinear"]
    assert tb.verify(graph, a, device="meta").ok
