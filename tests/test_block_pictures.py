"""Issue 23 §4: the network's idea survives folding and layout (skips, the U, seams, the paper's table, --fuse)."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc import diagram
from archcalc.analysis import Analysis, analyse
from archcalc.analysis.blockfacts import block_facts, rows_of_table
from archcalc.analysis.fold import FoldedBlock, fold
from archcalc.analysis.fuse import Fused, fuse
from archcalc.analysis.graph import Graph, build_graph
from archcalc.cli.app import main
from archcalc.diagram.blocktext import runs_of, table_lines
from archcalc.diagram.folded import papers, pieces, to_folded_digraph, u_of
from archcalc.diagram.parts import Piece, cut
from archcalc.diagram.scene import Line, Text
from archcalc.diagram.skip_arcs import ARC, levels, pairs
from archcalc.diagram.ushape import UPlan
from archcalc.diagram.volume_layout import fitted
from archcalc.diagram.volumes import stages
from archcalc.kinds.terms.figures import total
from archcalc.specfile import load_spec

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH")


@cache
def net(name: str) -> tuple[Graph, Analysis]:
    graph = build_graph(load_spec(name))
    return graph, analyse(graph)


def folded(name: str, depth: int) -> tuple[Analysis, tuple[FoldedBlock | object, ...]]:
    graph, a = net(name)
    return a, fold(a, graph.instances, depth)


# --- the paper's table, from the layers ---------------------------------------------------------------------------


def test_mobilenet_v2_blocks_say_table_2_t_c_n_s() -> None:
    # Sandler et al. (2018), table 2: bottleneck rows (t, c, n, s) after the first 3×3 convolution
    table_2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    a, nodes = folded("mobilenet_v2", 0)
    said = papers(nodes)  # type: ignore[arg-type]
    rows = [said[f"b{k}"][1][1] for k in range(1, 18)]
    firsts = [r for r in rows if not re.search(r" · [2-9] of ", r)]
    assert firsts == [f"t {t}, c {c}, n {n}, s {s}" + (f" · 1 of {n}" if n > 1 else "") for t, c, n, s in table_2]
    assert said["b3"][1] == ["MBConv6, 3×3", "t 6, c 24, n 2, s 2 · 2 of 2", "skip: identity"]
    # the volumes figure writes them under the block's volume (its skip is the arc)
    b2 = next(x for x in stages(a, nodes) if x.name == "b2")  # type: ignore[arg-type]
    assert b2.note == ("bottleneck · 8 layers", "MBConv6, 3×3, stride 2", "t 6, c 24, n 2, s 2 · 1 of 2", "5.14 k params")


def test_efficientnet_b0_blocks_say_table_1() -> None:
    # Tan & Le (2019), table 1: MBConv1 3×3; MBConv6 3×3, 5×5, 3×3, 5×5, 5×5, 3×3; strides 1 2 2 2 1 2 1; every block with SE
    a, nodes = folded("efficientnet_b0", 0)
    said = papers(nodes)  # type: ignore[arg-type]
    firsts = {k: said[f"stage{k}.0"][1][0] for k in range(1, 8)}
    assert firsts == {1: "MBConv1, 3×3, SE", 2: "MBConv6, 3×3, stride 2, SE", 3: "MBConv6, 5×5, stride 2, SE",
                      4: "MBConv6, 3×3, stride 2, SE", 5: "MBConv6, 5×5, SE", 6: "MBConv6, 5×5, stride 2, SE", 7: "MBConv6, 3×3, SE"}


def test_resnet18_stages_say_table_1() -> None:
    # He et al. (2016), table 1, 18-layer column: conv3_x is [3×3, 128; 3×3, 128] × 2, its first block halving the size
    a, nodes = folded("resnet18", 0)
    said = papers(nodes)  # type: ignore[arg-type]
    assert said["layer1"][1] == ["[3×3, 64; 3×3, 64] × 2", "skip: identity (× 2)"]
    assert said["layer2"][1] == ["[3×3, 128; 3×3, 128] × 2, stride 2", "skip: projection, identity (× 2)"]
    a, nodes = folded("resnet18", 1)
    assert papers(nodes)["layer2.0"][1] == ["[3×3, 128; 3×3, 128], stride 2", "skip: projection"]  # type: ignore[arg-type]


def test_runs_count_blocks_giving_the_same_channels() -> None:
    a, nodes = folded("mobilenet_v2", 0)
    facts = [block_facts(x.rows, x.input_shapes, x.output) if isinstance(x, FoldedBlock) else None for x in nodes]
    ns = rows_of_table(facts)
    assert [n for n in ns if n] == [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 1]
    assert [p for p, _ in runs_of(facts, ns) if p][:6] == [1, 1, 2, 1, 2, 3]
    f = facts[3]
    assert f is not None and table_lines(f, 1, 1, 1)[0] == "MBConv1, 3×3"  # b1: no expansion


# --- the skip is drawn --------------------------------------------------------------------------------------------


def test_folded_resnet_shows_its_skips_as_loops() -> None:
    a, nodes = folded("resnet18", 0)
    source = to_folded_digraph(a, nodes).source  # type: ignore[arg-type]
    loops = re.findall(r"(n0_\d+_layer\d) -> \1 \[label=\" \+ \"[^]]*headport=se[^]]*tailport=ne", source)
    assert loops == ["n0_4_layer1", "n0_5_layer2", "n0_6_layer3", "n0_7_layer4"]
    assert "a loop beside a block: its skip connection" in source


def test_depth_that_folds_nothing_says_so(tmp_path: object) -> None:
    result = CliRunner().invoke(main, ["diagram", "convnext_tiny", "--depth", "1", "--out", f"{tmp_path}/c.dot"])
    assert result.exit_code == 0
    assert ("note: --depth 1 folds nothing: the spec's blocks use no other block, so every layer is drawn "
            "(--depth 0 folds its 18 blocks there)") in result.stderr
    assert diagram.depth_note(net("resnet18")[0], 1) is None and "uses no blocks" in str(diagram.depth_note(net("lenet")[0], 0))


def test_volumes_draw_skips_as_nested_arcs() -> None:
    a, nodes = folded("resnet18", 0)
    s = stages(a, nodes)  # type: ignore[arg-type]
    assert pairs(s) == [(2, 3), (3, 4), (4, 5), (5, 6)]  # each stage over itself, from the volume before it (maxpool: 2)
    _, unet = net("unet")
    s = stages(unet)
    named = [(s[i].name, s[j].name) for i, j in pairs(s)]
    copies = [(f"down{k}.conv2", f"crop{k}") for k in (4, 3, 2, 1)]
    assert [p for p in named if p[1].startswith("crop")] == copies  # figure 1's copy and crop
    depth = levels(pairs(s))
    across = {name: depth[p] for name, p in zip(named, pairs(s)) if name in copies}
    assert across[copies[-1]] > across[copies[-2]] > across[copies[-3]] > across[copies[0]]  # the outer over the inner
    scene = diagram.to_volumes(unet)
    assert sum(isinstance(i, Line) and i.stroke == ARC for i in scene.items) == 24 * len(pairs(s))
    assert any(isinstance(t, Text) and t.text.startswith("arcs above the volumes") for t in scene.items)
    # wrapped for a slide, a copy whose ends lie in different rows is a note over its target, not a line across the rows
    graph, unet_a = net("unet")
    rows = fitted(unet_a, stages(unet_a, fold(unet_a, graph.instances, 0)), 16 / 9)
    notes = sorted(t.text for t in rows.texts if "from down" in t.text)
    assert notes == ["from down1", "from down2", "from down3"]  # down4's copy stays in the first row; a copy, not a '+'


def test_an_input_read_for_its_size_only_draws_no_arc() -> None:
    # DeepLabV3's `out` upsamples the logits to the input's H×W (inputs: [classifier.4, input]): the image is not
    # added to the logits, so no arc runs from it (upsample, crop and adaptive pooling say which input gives a size)
    graph, deeplab = net("deeplabv3_resnet50")
    s = stages(deeplab, fold(deeplab, graph.instances, 0))
    out = next(i for i, st in enumerate(s) if st.name == "out")
    assert s[out].skips == () and not s[out].sums


def test_a_note_from_the_row_before_leaves_the_skips_mark_clear() -> None:
    # ViT-B/16's slide: each later row opens with '+ from encoder_layer_N' over its first block, whose own skip arc to
    # the next block is marked '+' a little to the right: the note ends at the block, on its left, off that mark
    from archcalc.diagram.volume_slide import slide_fitted

    graph, vit = net("vit_b_16")
    scene = slide_fitted(vit, stages(vit, fold(vit, graph.instances, 0)), 16 / 9)
    notes = [t for t in scene.texts if t.text.startswith("+ from ")]
    marks = [t for t in scene.texts if t.text == "+"]
    assert len(notes) == 2 and marks

    def overlap(a: Text, b: Text) -> bool:
        (l1, r1, t1, b1), (l2, r2, t2, b2) = a.box, b.box
        return l1 < r2 and l2 < r1 and t1 < b2 and t2 < b1

    assert not [(n.text, m.at) for n in notes for m in marks if overlap(n, m)]


# --- seams --------------------------------------------------------------------------------------------------------


def test_parts_are_cut_at_seams_never_in_the_stem() -> None:
    a, nodes = folded("resnet18", 1)
    ps = pieces(nodes)  # type: ignore[arg-type]
    for k in range(2, 7):
        runs = cut(ps, k)
        firsts = [ps[r.start].name for r in runs[1:]]
        assert all(ps[r.start].block is not None or ps[r.start - 1].shrinks for r in runs[1:]), firsts
        assert runs[0].stop >= 5, firsts  # input conv1 bn1 relu maxpool stay together
    # a chain without blocks is cut after a layer that shrinks the map
    plain = [Piece(n, None, n.startswith("pool")) for n in ("input", "c1", "c2", "pool1", "c3", "c4", "pool2", "fc")]
    assert [r.start for r in cut(plain, 3)] == [0, 4, 7]


# --- the U --------------------------------------------------------------------------------------------------------


def plain_positions(source: str) -> dict[str, tuple[float, float]]:
    out = subprocess.run(["dot", "-Tplain"], input=source.encode(), capture_output=True, check=True).stdout.decode()
    return {m[1]: (float(m[2]), float(m[3])) for m in re.finditer(r"^node (\S+) (\S+) (\S+)", out, re.MULTILINE)}


def assert_u(plan: UPlan, at: dict[str, tuple[float, float]], direction: str) -> None:
    """`at`: each layer's (x, y), y up. Top to bottom: the encoder on the left going down, the decoder on the right
    coming up, the foot lowest. Left to right, the same turned a quarter: the encoder along the top going right, the
    decoder below it coming back, the foot furthest right."""
    across = {n: x if direction == "TB" else -y for n, (x, y) in at.items()}  # encoder side first
    down = {n: -y if direction == "TB" else x for n, (x, y) in at.items()}  # the deeper the further
    assert max(across[n] for n in plan.down) < min(across[n] for n in plan.up)  # encoder and decoder side by side
    for side in (plan.down, plan.up):  # each level down is further down, on both sides
        for p in side:
            for q in side:
                if plan.level[p] < plan.level[q]:
                    assert down[p] < down[q], (p, q)
    assert min(down[n] for n in plan.foot) > max(down[n] for n in (*plan.down, *plan.up))  # the bottleneck at the turn
    assert {"crop1", "crop4"} <= set(plan.up) and {"pool4"} <= set(plan.foot) | set(plan.down)


@needs_dot
@pytest.mark.parametrize(("depth", "direction"), [(None, "TB"), (0, "TB"), (0, "LR"),
                                                  pytest.param(None, "LR", marks=pytest.mark.slow)])
def test_unet_is_drawn_as_a_u(depth: int | None, direction: str) -> None:
    graph, a = net("unet")
    dot = diagram.picture(graph, a, "graph", depth, direction, None)
    assert not isinstance(dot, str)
    at = plain_positions(dot.source)  # dot's own layout: x to the right, y up
    shown = a.rows if depth is None else fold(a, graph.instances, depth)
    plan = u_of(a, tuple(shown))
    assert plan is not None and plan.foot[-1] in ("bottom", "bottom.conv2")
    ids = {x.name: i for x, i in zip(shown, (k for k in at if k.startswith("n0_") and k != "n0_input"))}
    ids["input"] = "n0_input"
    assert_u(plan, {name: at[i] for name, i in ids.items()}, direction)


@needs_dot
def test_unet_slide_is_its_paper_figure_a_row_per_level(tmp_path: Path) -> None:
    """On a slide (--fit 16:9) each level of the U is one row, as figure 1 of the paper draws it: positions read off
    the SVG (each node's <title> and its outline's first point; y grows downwards there)."""
    out = tmp_path / "u.svg"
    assert CliRunner().invoke(main, ["diagram", "unet", "--depth", "0", "--fit", "16:9", "--out", str(out)]).exit_code == 0
    svg = out.read_text()
    graph, a = net("unet")
    shown = fold(a, graph.instances, 0)
    plan = u_of(a, tuple(shown))
    assert plan is not None
    at = {}
    for i, x in enumerate(("input", *(s.name for s in shown))):
        node = "n0_input" if i == 0 else f"n0_{i - 1}_{x}"
        m = re.search(rf"<title>{node}</title>\s*<(?:path|polygon)[^>]*(?:d|points)=\"([^\"]*)\"", svg)
        assert m is not None, node
        numbers = [float(v) for v in re.findall(r"-?[0-9.]+", m[1])]
        xs, ys = numbers[::2], numbers[1::2]  # its outline: the centre of its box
        at[x] = ((min(xs) + max(xs)) / 2, -(min(ys) + max(ys)) / 2)
    assert_u(plan, at, "TB")
    for k in range(1, 5):  # a level's encoder and decoder nodes in one row: the copy runs straight across
        level = [n for n in (*plan.down, *plan.up) if plan.level[n] == k - 1 and n != "input"]
        assert len({round(at[n][1]) for n in level}) == 1, level
        assert round(at[f"down{k}"][1]) == round(at[f"dec{k}"][1]) > at[f"down{k + 1}" if k < 4 else "bottom"][1]


def test_a_chain_and_deeplab_are_no_u() -> None:
    for name in ("vgg16", "deeplabv3_resnet50", "resnet18"):
        _, a = net(name)
        assert u_of(a, a.rows) is None, name


# --- --fuse -------------------------------------------------------------------------------------------------------


def test_fuse_keeps_every_layer_and_its_figures() -> None:
    _, a = net("mobilenet_v2")
    nodes = fuse(a.rows)
    fused = [x for x in nodes if isinstance(x, Fused)]
    # 52 convolutions, each with its batch norm (35 with a ReLU6 too); the classifier has none after it
    assert len(a.rows) == 152 and len(nodes) == 152 - 52 - 35 and len(fused) == 52
    drawn = [r for x in nodes for r in (x.rows if isinstance(x, Fused) else (x,))]
    assert [r.name for r in drawn] == [r.name for r in a.rows]
    assert total(r.figures for r in drawn) == total(r.figures for r in a.rows)
    b3 = next(x for x in nodes if x.name == "b3.add")
    assert b3.inputs == ("b3.project", "b2.project")  # the sum reads the fused nodes, by their first layer's name
    source = to_folded_digraph(a, nodes, "TB", 1, False).source
    assert "conv 3×3/2, 32, pad 1 + batch norm + relu6" in source and "label=\" " not in source
    # the key names the kinds of the boxes drawn: every batch norm and ReLU6 of MobileNetV2 is inside a fused box
    swatches = re.findall(r'border="1">([^<]+)</td>', source)
    assert swatches == ["input", "convolution", "pooling", "dense (fully connected)", "dropout", "merge"]


def test_fuse_on_a_split_network_is_refused() -> None:
    result = CliRunner().invoke(main, ["diagram", "alexnet", "--fuse", "--out", "a.dot"])
    assert result.exit_code == 2 and "--fuse: AlexNet is split across 2 GPUs" in result.stderr


@pytest.mark.slow  # 4 s of dot
@needs_dot
def test_fused_mobilenet_v2_is_a_third_as_tall() -> None:
    from archcalc.diagram.render import layout_inches

    graph, a = net("mobilenet_v2")
    heights = []
    for fused in (False, True):
        dot = diagram.picture(graph, a, "graph", None, "TB", None, fused=fused)
        assert not isinstance(dot, str)
        heights.append(layout_inches(dot)[1] * 96)  # px at 96 per inch
    # measured (dot -Tplain): 157.36 in and 59.43 in, 15,107 and 5,705 px (with the 0.3 in pad: the SVG's 11,373 and 4,322 pt): 38 %
    assert heights[0] > 15_000 and heights[1] < 0.4 * heights[0], heights
