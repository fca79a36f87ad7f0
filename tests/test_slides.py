"""Pictures for a slide: whole (every SVG's drawn content inside its viewBox, for every style and sizing
option), legible (slide mode's smallest text at least 20 px when the picture fills 1920 × 1080), and a split
network's towers left to right, GPU 0 above GPU 1, as figure 2 of the AlexNet paper.

Text heights and boxes are read off the SVG (tests/svg_geometry.py: font size × the group's scale × the
scale that fits the viewBox into the 1920 × 1080 frame). Tests that run dot skip where it is absent.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from svg_geometry import drawn_box, smallest_text_px, viewbox

from archcalc.cli.app import main
from archcalc.diagram.slide import absorbed, wrapped
from archcalc.diagram.svgfit import fit_svg, fitted_size

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH")
SIZINGS = {"none": (), "fit": ("--fit", "16:9"), "width": ("--width", "800"), "height": ("--height", "600px"),
           "box": ("--width", "13.33in", "--height", "7.5in")}
STYLES = {"lenet": ("lenet",), "alexnet": ("alexnet",), "resnet18-folded": ("resnet18", "--depth", "0"),
          "volumes": ("alexnet", "--style", "volumes"), "roofline": ("lenet", "--style", "roofline", "--hardware", "h100-sxm")}


def draw(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "picture.svg"
    result = CliRunner().invoke(main, ["diagram", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text()


def texts(svg: str) -> str:
    return "\n".join(e.text or "" for e in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"))


def assert_whole(svg: str) -> None:
    """Everything drawn lies in the viewBox, and the width and height keep its shape (nothing cut, nothing stretched)."""
    root = ET.fromstring(svg)
    w, h = viewbox(root)
    left, top, right, bottom = drawn_box(svg)
    assert left >= -0.5 and top >= -0.5 and right <= w + 0.5 and bottom <= h + 0.5, ((left, top, right, bottom), (w, h))
    shown = [float(re.sub(r"[a-z]+$", "", root.get(side) or "0")) for side in ("width", "height")]
    assert shown[0] / shown[1] == pytest.approx(w / h, rel=0.01)


def test_fit_svg_sets_the_size_and_keeps_the_view() -> None:
    svg = '<svg width="1830pt" height="1080pt" viewBox="0.00 0.00 1372.37 810.00" xmlns="http://www.w3.org/2000/svg"><g/></svg>'
    fitted = fit_svg(svg, (1920, 1080))
    assert '<svg width="1830px" height="1080px" viewBox="0.00 0.00 1372.37 810.00"' in fitted  # 1372.37 × 1080/810 = 1829.8
    assert fitted_size((200, 100), (1920, 1080)) == (1920, 960)  # the width binds
    assert fitted_size((100, 200), (1920, 128_000)) == (1920, 3840)  # a width alone: the height is free


def test_caption_lines_and_what_is_written_under() -> None:
    assert wrapped("conv 5×5/1, 256, pad 2, groups 2") == ["conv 5×5, 256,", "pad 2, groups 2"]  # 14 and 15 characters
    assert wrapped("max pool 3×3/2") == ["max pool 3×3/2"]
    from archcalc.analysis import analyse
    from archcalc.analysis.graph import build_graph
    from archcalc.specfile import load_spec

    rows = analyse(build_graph(load_spec("alexnet"))).rows
    # AlexNet's ReLUs are fused in its convs (a row's activation); its LRNs, dropouts and softmax keep their input's shape
    assert absorbed(rows) == {"norm1": "conv1", "norm2": "conv2", "drop6": "fc6", "drop7": "fc7", "prob": "fc8"}


@pytest.mark.slow  # every style with every sizing: 25 drawings, about 15 s
@needs_dot
@pytest.mark.parametrize("sizing", SIZINGS)
@pytest.mark.parametrize("style", STYLES)
def test_every_svg_is_whole(style: str, sizing: str, tmp_path: Path) -> None:
    svg = draw(tmp_path, *STYLES[style], *SIZINGS[sizing])
    assert_whole(svg)
    if sizing == "fit":  # filling the 1920 × 1080 slide, one side exactly
        root = ET.fromstring(svg)
        width, height = (float((root.get(k) or "").removesuffix("px")) for k in ("width", "height"))
        assert (width == 1920 and height <= 1080) or (height == 1080 and width <= 1920), (width, height)


@pytest.mark.slow  # 2 s: --fit lays out a dozen candidates; AlexNet's towers check slide mode by default
@needs_dot
def test_resnet18_slide_text_is_20_px_at_1920_by_1080(tmp_path: Path) -> None:
    svg = draw(tmp_path, "resnet18", "--depth", "0", "--fit", "16:9")
    assert_whole(svg)  # the last column was cut off (tests/test_slides.py's slow test draws every style and sizing)
    assert smallest_text_px(svg) >= 20, smallest_text_px(svg)
    said = texts(svg)
    # slide mode: no legend prose, no FLOPs convention, no finding paragraphs; the key and the short marks
    for gone in ("FlopCounterMode", "edges carry", "(224 − 7 + 2·3)/2 + 1", "He et al."):
        assert gone not in said
    for kept in ("ResNet-18", "11.69 M parameters · 3.63 G FLOPs per image", "grey note: floored, no input lost", "note: 112.5 → 112"):  # notes: only padding unread
        assert kept in said
    # the same picture without --fit keeps its prose (a handout's; its DOT text, which needs no dot)
    handout = tmp_path / "handout.dot"
    assert CliRunner().invoke(main, ["diagram", "resnet18", "--depth", "0", "--out", str(handout)]).exit_code == 0
    assert "FlopCounterMode" in handout.read_text()


@needs_dot
def test_alexnet_towers_fill_a_16_9_slide_gpu_0_above_gpu_1(tmp_path: Path) -> None:
    svg = draw(tmp_path, "alexnet", "--fit", "16:9")
    root = ET.fromstring(svg)
    width, height = (float((root.get(k) or "").removesuffix("px")) for k in ("width", "height"))
    assert (width == 1920 and height > 1000) or (height == 1080 and width > 1850), (width, height)  # it was 578 × 1080: two columns of 25 nodes
    assert_whole(svg)
    assert smallest_text_px(svg) >= 20, smallest_text_px(svg)

    def top(node: str) -> float:  # the y of the first point of the node's outline (Graphviz's y grows downwards)
        m = re.search(rf"<title>{node}</title>\s*<(?:path|polygon)[^>]*(?:d=\"M|points=\")[-0-9.]+,([-0-9.]+)", svg)
        assert m is not None, node
        return float(m[1])

    def left(node: str) -> float:
        m = re.search(rf"<title>{node}</title>\s*<(?:path|polygon)[^>]*(?:d=\"M|points=\")([-0-9.]+),", svg)
        assert m is not None, node
        return float(m[1])

    # each part: GPU 0's row above GPU 1's; the towers run left to right, then wrap (conv4 starts the second part)
    assert top("n0_0_conv1_g0") < top("n0_0_conv1_g1") < top("n0_7_conv4_g0") < top("n0_7_conv4_g1")
    assert left("n0_0_conv1_g0") < left("n0_2_pool1_g0") < left("n0_3_conv2_g0")
    said = texts(svg)
    assert "▶ conv4" in said and "conv3 ▶" in said and "+ ReLU, LRN" in said
    # slide mode: the title, one totals line, the compact key; no description, legend prose or FLOPs convention
    for kept in ("AlexNet", "input 227×227×3 · 60.97 M parameters · 1.45 G FLOPs per image", "red dashes: maps copied between GPUs",
                 "✗ paper: activations 253,440"):  # the paper's 253,440 for conv1's 290,400 values: a short mark
        assert kept in said
    for gone in ("Krizhevsky", "FlopCounterMode", "one column per GPU", "96×55×55 = 290,400"):
        assert gone not in said


def test_volumes_slide_is_sized_and_keeps_the_title_and_totals(tmp_path: Path) -> None:
    """--fit sizes the volumes SVG (it only wrapped it) and drops the description and the legend; its labels are sized
    for the frame (volume_slide.py): LeNet's one row fills the slide's width."""
    svg = draw(tmp_path, "lenet", "--style", "volumes", "--fit", "16:9")
    root = ET.fromstring(svg)
    assert_whole(svg)
    assert root.get("width") == "1920px" and int((root.get("height") or "").removesuffix("px")) < 1080
    assert smallest_text_px(svg) >= 20, smallest_text_px(svg)
    said = texts(svg)
    assert "input 28×28×1 · 61.71 k parameters · 833.04 k FLOPs per image" in said
    assert "log scale" not in said and "padded by 2" not in said and "5×5, pad 2" in said
