"""A stated FLOPs or MACs total is matched against every FLOPs tool's convention, and the match is named.

The tools' figures for LeNet are derived by hand and checked against the tools in tests/test_counts.py:
torch 833,040 FLOPs; fvcore 416,520; ptflops 435,646; ptflops-aten 423,038; thop 418,096; torchinfo 423,038; macs 416,520."""

from __future__ import annotations

from archcalc import analyse, build_graph, load_spec
from archcalc.analysis import Analysis
from archcalc.outputs.serialize import claim_json
from archcalc.specfile import parse_spec


def lenet_claiming(totals: str) -> Analysis:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "specs" / "lenet.yaml").read_text(encoding="utf-8")
    text = text.split("\nclaims:")[0] + f"\nclaims:\n  source: a test\n  totals:\n{totals}\n"
    return analyse(build_graph(parse_spec(text)))


def total_claim(a: Analysis, figure: str):  # type: ignore[no-untyped-def]
    return next(c for c in a.claims if c.subject == f"total {figure}")


def test_an_exact_figure_matches_the_one_tool_that_prints_it() -> None:
    c = total_claim(lenet_claiming("    flops: 418096"), "flops")
    assert not c.confirmed  # torch's FLOPs are 833,040
    assert c.matches == ("thop",)
    assert c.detail == "+414,944 from the stated figure; stated 418.10 k: matches `thop` (418.10 k, exactly)"
    assert claim_json(c)["matches"] == ["thop"]


def test_a_rounded_figure_matches_every_tool_within_its_tolerance_nearest_first() -> None:
    c = total_claim(lenet_claiming("    macs: {about: 420000, tolerance: 0.01}"), "macs")
    # within 1% (4,200): thop off by 1,904; ptflops-aten and torchinfo 3,038; macs and fvcore 3,480 (macs first of equals);
    # ptflops (15,646) and torch (413,040) are not
    assert c.matches == ("thop", "ptflops-aten", "torchinfo", "macs", "fvcore")
    assert c.detail.endswith("stated 420.00 k: matches `thop` (418.10 k, -0.5%), also `ptflops-aten`, `torchinfo`, `macs`, `fvcore`")


def test_a_figure_no_tool_prints_names_the_nearest() -> None:
    c = total_claim(lenet_claiming("    flops: {about: 600000, tolerance: 0.05}"), "flops")
    assert c.matches == ()
    assert c.detail.endswith("matches none: the nearest is `ptflops` (435.65 k, -27.4%)")


def test_the_bundled_papers_claims_name_their_convention() -> None:
    """ResNet-18 (He et al. 2016, table 1: 1.8×10⁹ FLOPs, multiply-adds); MobileNetV2 (Sandler et al. 2018: 300M
    multiply-adds); EfficientNet-B0 (Tan & Le 2019: 0.39B FLOPs): each within its tolerance of `macs`."""
    for name in ("resnet18", "mobilenet_v2", "efficientnet_b0"):
        c = total_claim(analyse(build_graph(load_spec(name))), "macs")
        assert c.confirmed and "macs" in c.matches and "torch" not in c.matches, name
