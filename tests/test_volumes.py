"""`archcalc diagram --style volumes`: the paper-style figure, its stages, its layout and its files.

Tests that convert to PNG/PDF need librsvg's rsvg-convert and skip where it is absent.
"""

from __future__ import annotations

import itertools
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archcalc import diagram
from archcalc.analysis import Analysis, analyse
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.diagram.scene import Group, Line, Polygon
from archcalc.diagram.volumes import stages
from archcalc.specfile import load_spec

SVG = "{http://www.w3.org/2000/svg}"
needs_rsvg = pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="rsvg-convert is not on the PATH (apt-get install librsvg2-bin)")


def net(name: str) -> Analysis:
    return analyse(build_graph(load_spec(name)))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["diagram", *args])


def test_alexnet_stages_are_the_papers_volumes_per_gpu() -> None:
    s = stages(net("alexnet"))
    assert [x.name for x in s] == ["input", "conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5", "fc6", "fc7", "fc8"]
    # figure 2 of the paper, per GPU: 55×55×48, 27×27×128, 13×13×192, 13×13×192, 13×13×128, 2048, 2048; then 1000 on one GPU
    per_gpu = {x.name: [diagram.volumes.shape_text(shape) for shape in x.shapes if shape] for x in s if not x.whole}
    assert per_gpu["conv1"] == ["55×55×48"] * 2 and per_gpu["conv2"] == ["27×27×128"] * 2
    assert per_gpu["conv3"] == per_gpu["conv4"] == ["13×13×192"] * 2 and per_gpu["conv5"] == ["13×13×128"] * 2
    assert per_gpu["fc6"] == per_gpu["fc7"] == ["2048"] * 2
    assert [(x.name, x.shapes, x.gpu) for x in s if x.whole] == [("input", ((3, 227, 227),), None), ("fc8", ((1000,),), 0)]
    # the windows: conv1 11×11 stride 4, the pools 3×3 stride 2 (overlapping pooling, section 3.4), conv2 5×5, conv3-5 3×3
    # and their zero padding (the paper's conv2 keeps 27×27 with 5×5 windows: pad 2; conv3-5 keep 13×13: pad 1)
    assert [x.window_text for x in s] == ["", "11×11/4", "3×3/2", "5×5, pad 2", "3×3/2", "3×3, pad 1", "3×3, pad 1", "3×3, pad 1",
                                          "3×3/2", "", "", ""]
    # the layers that read the other GPU (the paper: conv3, the dense layers); LRN, dropout and softmax are folded
    assert [x.name for x in s if x.crosses] == ["conv3", "fc6", "fc7", "fc8"]
    assert {x.name: x.folded for x in s if x.folded} == {"conv1": ("LRN",), "conv2": ("LRN",), "fc6": ("dropout",),
                                                        "fc7": ("dropout",), "fc8": ("softmax",)}


def test_alexnet_figure_two_streams_and_crossings() -> None:
    scene = diagram.to_volumes(net("alexnet"))
    texts = [t.text for t in scene.texts]
    assert texts.count("55×55×48") == 2 and texts.count("11×11/4") == 2 and texts.count("1000") == 1
    assert "GPU 0" in texts and "GPU 1" in texts
    by_text = {t.text: t for t in scene.texts}
    assert by_text["GPU 0"].at[0] == by_text["GPU 1"].at[0] and by_text["GPU 0"].anchor == by_text["GPU 1"].anchor == "start"
    assert by_text["GPU 0"].at[1] < by_text["GPU 1"].at[1]  # GPU 0's stream above GPU 1's
    # crossing lines: a kernel pyramid (4 lines) from the other GPU into each half of conv3 (2 × 4), a fan of
    # 2 lines into each half of fc6 and fc7 (2 × 2 each), and GPU 1's fc7 into fc8 on GPU 0 (2): 18
    dashed = [i for i in scene.items if isinstance(i, Line) and i.dashed]
    assert len(dashed) == 18 and all(i.stroke == "#d62728" for i in dashed)


@pytest.mark.parametrize("name", ["alexnet", "lenet", "vgg16", "lenet5-1998"])
def test_no_text_overlaps_and_all_is_on_the_canvas(name: str) -> None:
    scene = diagram.to_volumes(net(name))
    boxes = [t.box for t in scene.texts]
    for (a, b) in itertools.combinations(boxes, 2):
        assert a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2], (a, b)
    for left, right, top, bottom in boxes:
        assert left >= 0 and right <= scene.width and top >= 0 and bottom <= scene.height
    points = [p for i in scene.drawn if isinstance(i, Polygon) for p in i.points]
    assert all(0 <= x <= scene.width and 0 <= y <= scene.height for x, y in points)


def test_each_layers_volume_is_a_group_with_its_node_id() -> None:
    """The report page links a volume to its layer's row by the group's id (picture.node_id: network, row, name, GPU)."""
    scene = diagram.to_volumes(net("alexnet"))
    groups = [i for i in scene.items if isinstance(i, Group)]
    assert [g.id for g in groups[:4]] == ["n0_0_conv1_g0", "n0_0_conv1_g1", "n0_2_pool1_g0", "n0_2_pool1_g1"]
    assert len(groups) == 21 and groups[-1].id == "n0_14_fc8" and all(len(g.items) == 3 for g in groups)  # three faces each
    root = ET.fromstring(diagram.to_svg(scene))
    drawn = root.findall(f"{SVG}g[@class='node']")
    assert [g.get("id") for g in drawn] == [g.id for g in groups]
    assert drawn[0].findtext(f"{SVG}title") == "conv1, GPU 0: 55×55×48" and len(drawn[0].findall(f"{SVG}polygon")) == 3


def test_legend_states_the_scale() -> None:
    texts = [t.text for t in diagram.to_volumes(net("lenet")).texts]
    assert any("log scale" in t and "√C" in t for t in texts)


def test_a_graph_with_merges_is_refused_naming_where_it_branches(tmp_path: Path) -> None:
    result = run("resnet18", "--style", "volumes", "--out", str(tmp_path / "r.svg"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    # layer1's sums read the layer before them and a skip (drawn as arcs); layer2's projection is a second path
    assert ("--style volumes draws a chain of layers, and ResNet-18 branches at layer 'layer2.0.downsample.0', "
            "which reads 'layer1.1.relu', not the layer before it, 'layer2.0.bn2'") in result.stderr
    assert "--depth 0" in result.stderr and list(tmp_path.iterdir()) == []


def test_spec_text_is_escaped(tmp_path: Path) -> None:
    spec = tmp_path / "evil.yaml"
    spec.write_text('name: "<svg onload=x> & </text>"\ndescription: "a]]><b>"\ninput: [1, 8, 8]\n'
                    'layers:\n  - {name: "c<1>&", type: conv, filters: 2, kernel: 3}\n', encoding="utf-8")
    out = tmp_path / "evil.svg"
    assert run(str(spec), "--style", "volumes", "--out", str(out)).exit_code == 0
    root = ET.parse(out).getroot()  # well-formed
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<svg onload=x> & </text>" in texts and "c<1>&" in texts and "a]]><b>" in texts
    assert not any(e.tag.endswith("}b") for e in root.iter())


def test_one_network_only_and_no_dot(tmp_path: Path) -> None:
    result = run("lenet", "alexnet", "--style", "volumes", "--out", str(tmp_path / "x.svg"))
    assert result.exit_code == 2 and "--style volumes draws one network" in result.stderr
    result = run("lenet", "--style", "volumes", "--out", str(tmp_path / "x.dot"))
    assert result.exit_code == 2 and "has no DOT source" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_svg_is_deterministic() -> None:
    a = net("alexnet")
    assert diagram.to_svg(diagram.to_volumes(a)) == diagram.to_svg(diagram.to_volumes(net("alexnet")))


@needs_rsvg
@pytest.mark.parametrize(("suffix", "magic"), [("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF")])
def test_png_and_pdf_through_rsvg(suffix: str, magic: bytes, tmp_path: Path) -> None:
    out = tmp_path / f"alexnet.{suffix}"
    assert run("alexnet", "--style", "volumes", "--out", str(out)).exit_code == 0
    assert out.read_bytes().startswith(magic) and [p.name for p in tmp_path.iterdir()] == [out.name]


def test_missing_rsvg_says_how_to_install_and_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    out = tmp_path / "alexnet.png"
    out.write_text("an earlier picture")
    result = run("alexnet", "--style", "volumes", "--out", str(out))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "'rsvg-convert' program is not on the PATH" in result.stderr and "apt-get install librsvg2-bin" in result.stderr
    assert out.read_text() == "an earlier picture" and [p.name for p in tmp_path.iterdir()] == ["alexnet.png"]


def test_fit_wraps_a_long_chain_into_numbered_rows() -> None:
    from archcalc.diagram.volume_layout import fitted, layout

    a = net("vgg16")
    s = stages(a)
    one, wrapped = layout(a, s), fitted(a, s, 16 / 9)
    texts = [t.text for t in wrapped.texts]
    assert "part 1" in texts and "part 2" in texts and "▶ part 2" in texts and "from part 1 ▶" in texts
    assert not any("stage" in t for t in texts)
    # nearer 16:9 than the single strip (VGG-16's 22 volumes make one row about 6:1)
    assert abs(wrapped.width / wrapped.height - 16 / 9) < abs(one.width / one.height - 16 / 9)
    boxes = [t.box for t in wrapped.texts]
    for (p, q) in itertools.combinations(boxes, 2):
        assert p[1] <= q[0] or q[1] <= p[0] or p[3] <= q[2] or q[3] <= p[2], (p, q)
    # the kernels: one per conv and pool but the first of each row after the first (each a conv here), whose window is
    # drawn in the row before
    kernels = [i for i in wrapped.items if isinstance(i, Polygon) and i.fill == "#fdd49e"]
    windows = [x for x in s if x.kernel is not None]
    rows = sum(t.startswith("part ") for t in texts)
    assert rows >= 2 and len(kernels) == len(windows) - (rows - 1)


def _crosses(segment: tuple[tuple[float, float], tuple[float, float]], box: tuple[float, float, float, float]) -> bool:
    """Whether a line segment meets a text box (left, right, top, bottom): Liang-Barsky clipping of the segment to it."""
    (x1, y1), (x2, y2) = segment
    lo, hi = 0.0, 1.0
    for p, q in ((x1 - x2, x1 - box[0]), (x2 - x1, box[1] - x1), (y1 - y2, y1 - box[2]), (y2 - y1, box[3] - y1)):
        if p == 0:
            if q < 0:
                return False  # parallel to this side, and outside it
        elif p < 0:
            lo = max(lo, q / p)
        else:
            hi = min(hi, q / p)
    return lo <= hi


def test_alexnet_labels_are_off_every_line() -> None:
    """The red lines between the GPUs ran through conv3's '3×3' and fc6's and fc7's '+ dropout': the top stream's
    labels are now above its volumes, and a window that crosses GPUs is labelled once, above the top stream."""
    scene = diagram.to_volumes(net("alexnet"))
    lines = [i for i in scene.drawn if isinstance(i, Line)]
    assert _crosses(((0, 0), (10, 10)), (4, 6, 4, 6)) and not _crosses(((0, 0), (10, 10)), (6, 9, 0, 3))  # the check itself
    assert lines and all(not _crosses((ln.start, ln.end), t.box) for ln in lines for t in scene.texts)
    assert [t.text for t in scene.texts].count("3×3, pad 1") == 1 + 2 * 2  # conv3's once; conv4's and conv5's per GPU
    assert [t.text for t in scene.texts].count("+ dropout") == 4


def test_a_1x1_map_is_a_bar_and_the_figure_is_as_wide_as_its_content() -> None:
    from archcalc.diagram.scene import text_width
    from archcalc.diagram.volume_layout import MARGIN, extent
    from archcalc.diagram.volume_words import SCALE_NOTE

    assert extent((512, 1, 1)) == extent((512,)) == (8.0, 6 + 10 * 9, 4.0)  # 1×1×512: a bar of 512 units
    scene = diagram.to_volumes(net("lenet"))
    # the scale note was one line 1,000 px wide, twice LeNet's drawing: now wrapped to the drawing's width
    assert scene.width < MARGIN * 2 + text_width(SCALE_NOTE, 10)
    assert all(t.box[1] <= scene.width - MARGIN + 0.01 for t in scene.texts)
    assert any(t.text.startswith("sides on a log scale") for t in scene.texts)
