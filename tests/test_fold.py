"""`--depth N`: block instances folded into one node whose figures are its layers' added up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.analysis import Analysis, analyse
from archcalc.analysis.fold import FoldedBlock, fold
from archcalc.analysis.graph import Graph, build_graph
from archcalc.cli.app import main
from archcalc.diagram import to_folded_digraph, to_volumes
from archcalc.kinds.terms.figures import total
from archcalc.specfile import bundled_names, load_spec

# torchvision's resnet18: model.layer1 … layer4 hold 147,968 / 525,568 / 2,099,712 / 8,393,728 parameters,
# which with conv1 (9,408), bn1 (128) and fc (513,000) make its 11,689,512
TORCHVISION_STAGES = {"layer1": 147_968, "layer2": 525_568, "layer3": 2_099_712, "layer4": 8_393_728}


def resnet18() -> tuple[Graph, Analysis]:
    graph = build_graph(load_spec("resnet18"))
    return graph, analyse(graph)


def test_blocks_record_their_instances() -> None:
    graph, _ = resnet18()
    top = [(i.name, i.block, len(i.layers)) for i in graph.instances if i.depth == 0]
    # the spec: stage = two basic blocks of 7 layers; stage_down = basic_down (9 layers, with the projection) + basic
    assert top == [("layer1", "stage", 14), ("layer2", "stage_down", 16), ("layer3", "stage_down", 16), ("layer4", "stage_down", 16)]
    assert [i.name for i in graph.instances if i.depth == 1] == [f"layer{s}.{b}" for s in (1, 2, 3, 4) for b in (0, 1)]
    assert next(i for i in graph.instances if i.name == "layer2.0").layers[-1] == "layer2.0.relu"


def test_resnet18_at_depth_0_is_a_dozen_nodes_and_its_stages_are_torchvisions() -> None:
    graph, a = resnet18()
    nodes = fold(a, graph.instances, 0)
    assert [x.name for x in nodes] == ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc", "prob"]
    blocks = {x.name: x for x in nodes if isinstance(x, FoldedBlock)}
    assert {name: b.params for name, b in blocks.items()} == TORCHVISION_STAGES
    # table 1: conv3_x takes 56×56×64 and gives 28×28×128 (C, H, W here)
    assert (blocks["layer2"].input_shapes, blocks["layer2"].output, blocks["layer2"].inputs) == (((64, 56, 56),), (128, 28, 28), ("layer1",))
    assert len(fold(a, graph.instances, 1)) == 15  # its eight basic blocks


@pytest.mark.parametrize("name", [n for n in bundled_names() if build_graph(load_spec(n)).instances])
@pytest.mark.parametrize("depth", [0, 1, 2])
def test_folded_figures_add_up_to_their_layers(name: str, depth: int) -> None:
    graph = build_graph(load_spec(name))
    a = analyse(graph)
    nodes = fold(a, graph.instances, depth)
    for b in (x for x in nodes if isinstance(x, FoldedBlock)):
        layers = [r for r in a.rows if r.name in next(i for i in graph.instances if i.name == b.name).layers]
        assert b.rows == tuple(layers) and b.figures == total(r.figures for r in layers)
        assert b.params == sum(r.params for r in layers) and b.flops == sum(r.flops for r in layers)
    # every layer is drawn once, alone or inside one folded node, so the picture's figures are the network's
    drawn = [r for x in nodes for r in (x.rows if isinstance(x, FoldedBlock) else (x,))]
    assert sorted(r.name for r in drawn) == sorted(r.name for r in a.rows)
    assert total(x.figures for x in nodes) == total(r.figures for r in a.rows)
    names = {"input", *(x.name for x in nodes)}
    assert all(i in names for x in nodes for i in x.inputs)  # edges only between drawn nodes


def test_folded_node_label_in_the_dot() -> None:
    graph, a = resnet18()
    source = to_folded_digraph(a, fold(a, graph.instances, 0)).source
    label = re.search(r"n0_5_layer2 \[label=<(.*)>", source)[1]  # type: ignore[index]
    for part in ("<b>layer2</b>", "stage_down block · 16 layers", "56×56×64 → 28×28×128", "525,568 params", "822,083,584 FLOPs"):
        assert part in label
    assert "n0_4_layer1 -> n0_5_layer2" in source and "layer2_0_conv1" not in source  # no node of its own layers
    # its grey note says why: (56 − 3 + 2·1)/2 + 1 = 28.5 in conv1 and (56 − 1)/2 + 1 = 28.5 in the projection (hand arithmetic),
    # floors that lose no real input (padding, and a row the 1×1 stride-2 projection skips at every position): a note, no frame
    assert "note: layer2.0.conv1 and 1 more floor" in label and "note:" not in re.search(r"n0_4_layer1 \[label=<(.*)>", source)[1]  # type: ignore[index]
    assert "penwidth=3" not in re.search(r"n0_5_layer2 \[(.*)\]", source)[1]  # type: ignore[index]


def test_depth_makes_resnet18_a_chain_for_volumes(tmp_path: Path) -> None:
    graph, a = resnet18()
    texts = [t.text for t in to_volumes(a, fold(a, graph.instances, 0), True).texts]
    assert "layer4" in texts and "7×7×512" in texts and "stage_down · 16 layers" in texts
    out = tmp_path / "r.svg"
    result = CliRunner().invoke(main, ["diagram", "resnet18", "--depth", "0", "--style", "volumes", "--out", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("<?xml")


def test_depth_on_several_specs_or_below_zero(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["diagram", "lenet", "alexnet", "--depth", "0", "--out", str(tmp_path / "x.dot")])
    assert result.exit_code == 2 and "--depth draws one network" in result.stderr
    result = CliRunner().invoke(main, ["diagram", "alexnet", "--depth", "-1", "--out", str(tmp_path / "x.dot")])
    assert result.exit_code == 2 and "invalid value for '--depth'" in result.stderr
