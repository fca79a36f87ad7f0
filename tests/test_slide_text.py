"""Slide mode's smallest text, for every bundled spec: at least 20 px when the picture fills 1920 × 1080.

Measured off the SVG as tests/test_slides.py does (tests/svg_geometry.py: a text's font size × its group's
scale × the scale that fits the viewBox into the frame), on `archcalc diagram SPEC --depth 0 --fit 16:9` (the
Graphviz style, every spec: a network unfolded is too long for one slide) and on the volumes figure at
--fit 16:9 of every bundled spec at --depth 0 (volume_slide.py, its words volume_key.py), and on U-Net unfolded
in both directions. The cheapest run by default; the rest, which run dot's layouts or lay out long chains at every
text size, under -m slow. Measured when written (Graphviz 2.43, DejaVu Sans): graph 20.6 px (AlexNet) to 37.7
(LeNet-5); volumes 20.7 (DeepLabV3, ConvNeXt-T) to 27.8 (LeNet-5); U-Net unfolded 21.1 (TB), 20.5 (LR).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from svg_geometry import smallest_text_px

from archcalc.cli.app import main
from archcalc.specfile import bundled_names

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH")
CHEAP_GRAPHS = ("lenet", "unet")  # one and two runs of dot (a U chooses between two layouts)
CHEAP_VOLUMES = ("lenet", "alexnet", "vgg16", "vit_b_16")  # pure Python: no dot
VOLUMES = tuple(sorted(bundled_names()))  # every one: a slide's folded blocks say their paper row, the rest is keyed


def slide(tmp_path: Path, *args: str) -> float:
    out = tmp_path / "slide.svg"
    result = CliRunner().invoke(main, ["diagram", *args, "--fit", "16:9", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return smallest_text_px(out.read_text(encoding="utf-8"))


def test_every_bundled_spec_is_covered() -> None:
    assert len(bundled_names()) == 14 and set(CHEAP_GRAPHS) | set(VOLUMES) <= set(bundled_names())


@needs_dot
@pytest.mark.parametrize("spec", [s if s in CHEAP_GRAPHS else pytest.param(s, marks=pytest.mark.slow) for s in sorted(bundled_names())])
def test_graph_slide_text_is_20_px(spec: str, tmp_path: Path) -> None:
    px = slide(tmp_path, spec, "--depth", "0")
    assert px >= 20, (spec, px)


@pytest.mark.parametrize("spec", [s if s in CHEAP_VOLUMES else pytest.param(s, marks=pytest.mark.slow) for s in VOLUMES])
def test_volumes_slide_text_is_20_px(spec: str, tmp_path: Path) -> None:
    px = slide(tmp_path, spec, "--depth", "0", "--style", "volumes")
    assert px >= 20, (spec, px)


@needs_dot
@pytest.mark.slow  # U-Net unfolded: 35 nodes as its paper's rows
@pytest.mark.parametrize("direction", ["TB", "LR"])  # LR: its levels are columns, a caption and '+ ReLU' on one line
def test_unet_unfolded_slide_text_is_20_px(tmp_path: Path, direction: str) -> None:
    assert slide(tmp_path, "unet", "--direction", direction) >= 20


UNFOLDED = ("googlenet", "mobilenet_v2", "resnet18", "squeezenet", "unet", "vit_b_16")  # with blocks: what --depth 0 folds


@needs_dot
@pytest.mark.parametrize("spec", [s if s == "unet" else pytest.param(s, marks=pytest.mark.slow) for s in UNFOLDED])
def test_a_slide_drawn_layer_by_layer_says_when_its_text_is_small(spec: str, tmp_path: Path) -> None:
    """Without --depth, a network of blocks on a slide: the note (diagram.slide_note, by its count of layers) comes
    exactly where the text falls under 20 px (measured: U-Net 21 px, no note; SqueezeNet 16, ViT-B/16 7, a note)."""
    out = tmp_path / "slide.svg"
    result = CliRunner().invoke(main, ["diagram", spec, "--fit", "16:9", "--out", str(out)])
    assert result.exit_code == 0, result.output
    px = smallest_text_px(out.read_text(encoding="utf-8"))
    noted = "come out small on a slide (under 20 px at 1920×1080): --depth 0 draws each block as one node" in result.output
    assert noted == (px < 20), (spec, px, result.output)
