"""The roofline chart: `diagram --style roofline` and the report page's roofline view."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.analysis import hardware
from archcalc.analysis.roofline import roofline
from archcalc.cli.app import main
from archcalc.cli.common import load
from archcalc.diagram.roofline_chart import CATEGORY_COLOURS, points

SVG = "{http://www.w3.org/2000/svg}"


def invoke(*args: str, code: int = 0) -> tuple[str, str]:
    result = CliRunner(env={"NO_COLOR": "1", "TERM": "dumb"}).invoke(main, list(args), prog_name="archcalc")
    assert result.exit_code == code, result.output
    return result.stdout, result.stderr


def test_each_layer_with_flops_is_a_labelled_point_coloured_by_kind(tmp_path: Path) -> None:
    out = tmp_path / "roofline.svg"
    _, err = invoke("diagram", "alexnet", "--style", "roofline", "--hardware", "h100-sxm", "--batch", "256", "--dtype", "bfloat16",
                    "--out", str(out))
    assert f"wrote {out}" in err
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0] == "AlexNet on NVIDIA H100 SXM 80GB, batch 256, bfloat16: least time 641 µs, 55% memory-bound"
    labels = {"conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"}  # the layers with FLOPs
    assert labels <= set(texts)
    dots = [c for c in root.iter(f"{SVG}circle") if c.get("r") == "9" and c.get("stroke-width") == "3"]
    assert len(dots) == len(labels)
    assert sum(c.get("fill") == CATEGORY_COLOURS["dense"] for c in dots) == 3
    assert any("6 layers with no FLOPs" in (t or "") for t in texts)  # norm1, pool1, norm2, pool2, pool5, prob (dropout moves nothing)


def test_a_predicted_point_sits_on_its_roof() -> None:
    """Predicted: FLOP/s = FLOPs ÷ least time = min(peak, intensity × bandwidth)."""
    _, a = load("alexnet", None)
    h100 = hardware.load("h100-sxm")
    r = roofline(a, h100, 1, "bfloat16")
    for p in points(r, {row.name: row.category for row in a.rows}):
        roof = min(h100.peak("matrix", "bfloat16"), p.intensity * h100.bandwidth)
        assert p.flops_per_s == pytest.approx(roof, rel=1e-2)  # positions rounded to 0.001 of a decade


def test_roofline_needs_hardware_and_one_spec(tmp_path: Path) -> None:
    _, err = invoke("diagram", "alexnet", "--style", "roofline", "--out", str(tmp_path / "r.svg"), code=2)
    assert "--style roofline needs --hardware" in err
    _, err = invoke("diagram", "alexnet", "lenet", "--style", "roofline", "--hardware", "l4", "--out", str(tmp_path / "r.svg"), code=2)
    assert "--style roofline draws one network" in err


@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="needs librsvg's rsvg-convert")
def test_png(tmp_path: Path) -> None:
    out = tmp_path / "roofline.png"
    invoke("diagram", "resnet18", "--style", "roofline", "--hardware", "h100-sxm", "--out", str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_report_page_has_the_chart(tmp_path: Path) -> None:
    out = tmp_path / "alexnet.html"
    invoke("report", "alexnet", "--hardware", "h100-sxm", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert 'data-view="roofline" data-title="roofline on h100-sxm"' in page
    assert "AlexNet on NVIDIA H100 SXM 80GB, batch 1, float32" in page
