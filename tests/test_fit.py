"""`--fit`, `--width`, `--height`: pictures laid out in numbered stages and scaled for a slide.

The rendered tests need Graphviz's dot and skip where it is absent.
"""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc import diagram
from archcalc.analysis import analyse
from archcalc.analysis.fold import fold
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.diagram.fit import Frame, parse_frame
from archcalc.diagram.folded import stage_parts, to_folded_digraph
from archcalc.errors import ArchcalcError
from archcalc.specfile import load_spec

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    return width, height


def test_frames() -> None:
    assert parse_frame(None, None, None) is None
    assert parse_frame("16:9", None, None) == Frame(16 / 9, 20.0, 11.25, 96)  # 1920 × 1080 px at 96 px per inch
    assert parse_frame("4:3", "1024px", None) == Frame(4 / 3, 1024 / 96, 768 / 96, 96)
    assert parse_frame(None, "13.33in", "7.5in") == Frame(13.33 / 7.5, 13.33, 7.5, 150)
    frame = parse_frame(None, "1280", None)
    assert frame is not None and frame.ratio is None and frame.box_px == pytest.approx((1280, 128_000))  # a width alone leaves the height free
    for args, message in [(("16x9", None, None), "--fit '16x9' is not a ratio"), (("16:0", None, None), "is not a ratio"),
                          ((None, "wide", None), "--width 'wide' is not a length"), ((None, None, "0"), "--height '0' is not a length")]:
        with pytest.raises(ArchcalcError, match=re.escape(message)):
            parse_frame(*args)


def test_stage_parts_keep_the_order_and_cover_every_node() -> None:
    assert stage_parts(12, 3) == [range(0, 4), range(4, 8), range(8, 12)]
    assert stage_parts(11, 3) == [range(0, 4), range(4, 8), range(8, 11)]
    assert stage_parts(2, 5) == [range(0, 1), range(1, 2)]


def test_stages_are_numbered_and_joined_by_connectors() -> None:
    graph = build_graph(load_spec("resnet18"))
    a = analyse(graph)
    source = to_folded_digraph(a, fold(a, graph.instances, 0), "TB", 3).source
    # 12 nodes (the input and 11) in 3 stages of 4: input conv1 bn1 relu | maxpool layer1 layer2 layer3 | layer4 avgpool fc prob
    assert re.findall(r"subgraph (cluster_stage\d)", source) == ["cluster_stage1", "cluster_stage2", "cluster_stage3"]
    assert "stage 2 of 3" in source
    assert "▼ to stage 2: maxpool" in source and "▼ from stage 1: relu" in source
    assert "▼ to stage 3: layer4" in source and "▼ from stage 2: layer3" in source
    assert not re.search(r"\sn0_2_relu -> n0_3_maxpool", source)  # no edge across the picture


@pytest.mark.slow  # 5 s of dot; the other --fit tests run by default
@needs_dot
def test_resnet18_slide_is_16_9_with_readable_text(tmp_path: Path) -> None:
    png, svg = tmp_path / "r18.png", tmp_path / "r18.svg"
    for out in (png, svg):
        result = CliRunner().invoke(main, ["diagram", "resnet18", "--depth", "0", "--fit", "16:9", "--out", str(out)])
        assert result.exit_code == 0, result.output
    width, height = png_size(png)
    assert (width == 1920 and height <= 1080) or (height == 1080 and width <= 1920)  # fits the full-HD slide
    # slide mode takes the layout that draws its text largest, not the one nearest 16:9: ResNet-18's three columns
    # are 1535 × 1080 (measured here), at least as wide as 4:3
    assert 4 / 3 <= width / height <= 16 / 9
    # the smallest text when the picture fills the slide (slide mode: tests/test_slides.py)
    from svg_geometry import smallest_text_px

    assert smallest_text_px(svg.read_text()) >= 20


@needs_dot
def test_a_split_network_is_only_scaled(tmp_path: Path) -> None:
    out = tmp_path / "a.png"
    assert CliRunner().invoke(main, ["diagram", "alexnet", "--width", "800px", "--out", str(out)]).exit_code == 0
    assert png_size(out)[0] == 800
    dot = diagram.picture(build_graph(load_spec("alexnet")), analyse(build_graph(load_spec("alexnet"))), "graph", None, "TB",
                          parse_frame(None, "800px", None))
    assert not isinstance(dot, str) and "cluster_n0_gpu1" in dot.source and "cluster_stage" not in dot.source


def test_fit_for_several_specs_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["diagram", "lenet", "alexnet", "--fit", "16:9", "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "--fit draws one network" in result.stderr


def test_fit_without_graphviz_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    result = CliRunner().invoke(main, ["diagram", "resnet18", "--depth", "0", "--fit", "16:9", "--out", str(tmp_path / "r.dot")])
    assert result.exit_code == 2 and "--fit needs it to measure the layouts it chooses among" in result.stderr
    assert "leave out --fit" in result.stderr and list(tmp_path.iterdir()) == []
