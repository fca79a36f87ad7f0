"""What a volume says on a slide and what its key says once (archcalc/diagram/volume_key.py), on stages written
here as volumes.stages writes them for the bundled specs (names and notes copied from `archcalc diagram SPEC
--style volumes --depth 0`: ViT-B/16, Swin-T, DeepLabV3, EfficientNet-B0, U-Net)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from archcalc.cli.app import main
from archcalc.diagram.volume_key import for_slide, shared_prefix
from archcalc.diagram.volume_words import wrap_at
from archcalc.diagram.volumes import Stage


def stage(name: str, note: tuple[str, ...] = (), folded: tuple[str, ...] = ()) -> Stage:
    return Stage(name, "block" if note else "conv", ((8, 7, 7),), True, None, None, None, False, folded=folded, note=note)


def test_the_prefix_most_names_share_is_left_off_where_what_is_left_reads() -> None:
    vit = [stage("input"), stage("conv_proj"), *(stage(f"encoder.layers.encoder_layer_{k}") for k in range(12)), stage("heads.head")]
    assert shared_prefix(vit) == "encoder.layers."
    swin = [stage("input"), *(stage(f"features.{k}.0") for k in range(6))]
    assert shared_prefix(swin) == ""  # '1.0' alone would not say what it is
    deeplab = [stage("input"), *(stage(f"backbone.layer{k}.0") for k in range(1, 5)), stage("classifier.0")]
    assert shared_prefix(deeplab) == "backbone."
    assert shared_prefix([stage("input"), stage("a.b"), stage("c")]) == ""  # one of three: not most
    said, key = for_slide(vit)
    assert [s.label for s in said][2:4] == ["encoder_layer_0", "encoder_layer_1"] and said[2].name == "encoder.layers.encoder_layer_0"
    assert key == ["'encoder.layers.' left off names"]


def test_a_block_says_its_paper_row_and_what_every_block_has_is_said_once() -> None:
    first = stage("stage2.0", ("mbconv · 12 layers", "MBConv6, 3×3, stride 2, SE", "t 6, c 24, n 2, s 2 · 1 of 2", "6.00 k params"))
    second = stage("stage2.1", ("mbconv_res · 14 layers", "MBConv6, 3×3, SE", "t 6, c 24, n 2, s 2 · 2 of 2", "10.71 k params"))
    said, key = for_slide([stage("input"), first, second])
    assert [s.note for s in said[1:]] == [("MBConv6, 3×3/2", "t 6, c 24, n 2, s 2"), ("MBConv6, 3×3", "t 6, c 24, n 2, s 2")]
    assert key == ["every block: SE"]
    swin = stage("features.1.0", ("swin_block · 11 layers", "112.35 k params"))  # no paper row: its kind
    assert for_slide([stage("input"), swin])[0][1].note == ("swin_block",)


def test_bracketed_layers_are_cut_between_layers_and_long_folded_lists_counted() -> None:
    unet = stage("down1", ("double · 2 layers", "[3×3, 64; 3×3, 64]", "37.57 k params"))
    stem = stage("stem", folded=("batch norm", "relu6"))
    token = stage("class_token", folded=("position embedding", "dropout"))
    said, _ = for_slide([stage("input"), unet, stem, token])
    (note,) = said[1].note
    assert [p.replace("\u00a0", " ") for p in wrap_at(note, 10, 60)] == ["[3×3, 64;", "3×3, 64]"]  # 60 px: about 9 characters
    assert said[2].folded == ("batch norm", "relu6") and said[3].folded == ("2 layers",)


def test_the_vit_slide_writes_its_key_and_short_names(tmp_path: Path) -> None:
    out = tmp_path / "vit.svg"
    result = CliRunner().invoke(main, ["diagram", "vit_b_16", "--style", "volumes", "--depth", "0", "--fit", "16:9", "--out", str(out)])
    assert result.exit_code == 0, result.output
    svg = out.read_text(encoding="utf-8")
    assert ">'encoder.layers.' left off names</text>" in svg
    assert ">encoder_layer_11<" in svg and "encoder.layers.encoder_layer_11" not in svg
