"""Findings graded (issue 23): a note when a size that does not divide leaves only padding (or nothing) unread, a
warning when real input is never read, an error when a stated claim is contradicted; the rows left unread are worked
out from the window's numbers (archcalc.kinds.terms.unread), checked by hand and against torch's gradients."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.cli.app import main
from archcalc.kinds.terms.sizes import window
from archcalc.kinds.terms.unread import Unread

SLOW = pytest.mark.slow


def cli(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, (args, result.output)
    return result.output


# --- the rows left unread, by hand -------------------------------------------------------------------------------

HAND = [
    # ResNet-18 conv1: (224 − 7 + 2·3)/2 + 1 = 112.5 → 112; padded 230, windows start 0 … 222 and reach row 228;
    # row 229 is unread, and it is the last row of bottom padding (real rows 3 … 226)
    ((224, 7, 2, (3, 3)), Unread("padding", padding=1)),
    # the 1×1 stride-2 projection: (56 − 1)/2 + 1 = 28.5 → 28; windows read rows 0, 2, …, 54; row 55 is unread, but a
    # 57th row would add a window at 56, never one at 55: the stride skips it as it skips every odd row
    ((56, 1, 2, (0, 0)), Unread("between", between=1)),
    # AlexNet at 224: (224 − 11)/4 + 1 = 54.25 → 54; windows start 0 … 212 and reach row 222; row 223 is a real pixel
    # row that a 227-row input's window at 216 would read
    ((224, 11, 4, (0, 0)), Unread("real", real=1)),
    # AlexNet's pool1 at 224: (54 − 3)/2 + 1 = 26.5 → 26; windows reach row 52; row 53 is real
    ((54, 3, 2, (0, 0)), Unread("real", real=1)),
    # GoogLeNet's pool1, ceil mode: (112 − 3)/2 + 1 = 55.5 → 56; the 56th window starts at 110 and hangs past row 111
    ((112, 3, 2, (0, 0), 1, "ceil"), Unread("ceil")),
    # (12 − 3 + 2·1)/4 + 1 = 3.75 → 3: padded 14, windows at 0, 4, 8 reach row 10; row 11 lies between windows (a 4th
    # window would start at 12), row 12 is real and the 4th window would read it, row 13 is padding
    ((12, 3, 4, (1, 1)), Unread("real", real=1, padding=1, between=1)),
    # dilation 2: (10 − 2·(3 − 1) − 1)/2 + 1 = 3.5 → 3; every tap is on an even row, so row 9 is read at no size
    ((10, 3, 2, (0, 0), 2), Unread("between", between=1)),
]


@pytest.mark.parametrize(("args", "expected"), HAND, ids=[str(a) for a, _ in HAND])
def test_rows_left_unread_by_hand(args: tuple, expected: Unread) -> None:  # type: ignore[type-arg]
    assert window("H", *args).left_unread() == expected


# --- against torch: the real rows a longer input's windows read that this input's do not -------------------------

def lost_by_torch(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool, past: int = 0) -> int:
    """Rows of the real input from row `past` on that are read (a gradient that is not zero) with many more rows after
    them, and not without them."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    def read(n: int) -> torch.Tensor:
        x = torch.ones(1, 1, n, requires_grad=True)
        if ceil:
            y = F.avg_pool1d(x, kernel, stride, pad, ceil_mode=True)
        else:
            y = F.conv1d(x, torch.ones(1, 1, kernel), stride=stride, padding=pad, dilation=dilation)
        y.sum().backward()
        assert x.grad is not None
        return x.grad[0, 0, :size] != 0

    longer = size + stride * (dilation * kernel + 2)
    return int((read(longer) & ~read(size))[past:].sum())


def cases() -> list[tuple[int, int, int, int, int, bool]]:
    found = []
    for kernel in (1, 2, 3, 5, 7):
        for stride in (1, 2, 3, 4):
            for dilation in (1, 2):
                for pad in range(0, kernel // 2 + 1):
                    for size in range(dilation * (kernel - 1) + 1, 20):
                        found.append((size, kernel, stride, pad, dilation, False))
                        if dilation == 1:
                            found.append((size, kernel, stride, pad, 1, True))
    return found


@SLOW
def test_real_rows_left_unread_are_torchs() -> None:
    checked = 0
    for size, kernel, stride, pad, dilation, ceil in cases():
        t = window("H", size, kernel, stride, (pad, pad), dilation, "ceil" if ceil else "floor")
        u = t.left_unread()
        # past the last window's reach (rows inside it that dilation skips are unread at whole sizes too: not the floor's)
        past = max(0, (t.out - 1) * stride + t.reach - pad)
        assert u.real == lost_by_torch(size, kernel, stride, pad, dilation, ceil, past), (size, kernel, stride, pad, dilation, ceil)
        if not t.divides and t.rounding == "floor":  # every row past the last window's reach is accounted for
            assert u.real + u.padding + u.between == t.span % t.stride
        checked += 1
    assert checked > 1500


@SLOW
def test_one_case_against_torch() -> None:
    # AlexNet's conv1 at 224 (one real row lost) and ResNet-18's conv1 (none: only padding)
    assert lost_by_torch(224, 11, 4, 0, 1, False) == 1 == window("H", 224, 11, 4, (0, 0)).left_unread().real
    assert lost_by_torch(224, 7, 2, 3, 1, False) == 0 == window("H", 224, 7, 2, (3, 3)).left_unread().real


# --- the grades, in JSON and in words -----------------------------------------------------------------------------

def test_grades_in_json() -> None:
    resnet = json.loads(cli("show", "resnet18", "--format", "json"))["findings"]
    assert [(f["layer"], f["severity"], f["cause"]) for f in resnet] == [
        ("conv1", "note", "padding"), ("maxpool", "note", "padding"), ("layer2.0.conv1", "note", "padding"),
        ("layer2.0.downsample.0", "note", "between"), ("layer3.0.conv1", "note", "padding"),
        ("layer3.0.downsample.0", "note", "between"), ("layer4.0.conv1", "note", "padding"),
        ("layer4.0.downsample.0", "note", "between")]
    assert resnet[0]["unread"] == {"real": 0, "padding": 1, "between": 0}
    assert "A note: only padding is left unread." in resnet[0]["message"]
    alexnet = json.loads(cli("show", "alexnet", "--input", "224", "--format", "json", code=0))["findings"]
    sizes = [f for f in alexnet if f["kind"] == "non_integer_size"]
    assert [(f["layer"], f["severity"], f["unread"]["real"]) for f in sizes] == [
        ("conv1", "warning", 1), ("pool1", "warning", 1), ("pool2", "warning", 1), ("pool5", "warning", 1)]
    assert "A warning: 1 row and column of real input is never read." in sizes[0]["message"]
    claims = [f for f in alexnet if f["kind"] == "claim_contradicted"]
    assert len(claims) == 13 and {f["severity"] for f in claims} == {"error"}
    assert claims[0]["message"].endswith("An error: it contradicts what the spec states")


def test_notes_alike_are_one_line_in_the_table() -> None:
    out = " ".join(re.sub(r"[│╭╮╰╯─]", " ", cli("show", "resnet18")).split())
    assert "8 notes (below)" in out and "⚠" not in out
    assert ("1. [note] 5 layers floor a .5 size; only padding is left unread: conv1, maxpool, layer2.0.conv1, layer3.0.conv1, "
            "layer4.0.conv1 (nearest input sizes for which every layer divides exactly: 193 and 225)") in out
    assert "2. [note] 3 layers floor a .5 size; no input is lost to the floor" in out
    googlenet = " ".join(cli("show", "googlenet", "--format", "markdown").split())  # ceil-mode pools: (112 − 3)/2 + 1 = 55.5 → 56, …
    assert "layers round a .5 size up; ceil rounding reads every row: pool1, pool2, pool3, pool4" in googlenet


@pytest.mark.parametrize(("args", "code"), [
    (["show", "resnet18", "--strict"], 0),  # notes only
    (["show", "--strict", "resnet18"], 0),  # --strict before the spec is not read as a level
    (["show", "resnet18", "--strict=notes"], 1),
    (["show", "--strict", "notes", "resnet18"], 1),
    (["show", "lenet", "--input", "29", "--strict"], 1),  # pool1 (29 − 2)/2 + 1 = 14.5: row 28 is real, a warning
    (["show", "lenet", "--input", "29", "--strict=errors"], 0),
    (["show", "alexnet", "--strict=errors"], 1),  # the stated 224 input: an error
    (["compare", "resnet18", "lenet", "--strict"], 0),
    (["compare", "resnet18", "lenet", "--strict=notes"], 1),
])
def test_strict_levels(args: list[str], code: int) -> None:
    cli(*args, "--format", "json", code=code)


def test_findings_off_leaves_a_clean_slide(tmp_path: Path) -> None:
    table = cli("show", "resnet18", "--findings", "off")
    assert "note" not in table and "finding" not in table and "only padding" not in table
    assert cli("show", "resnet18", "--findings", "off", "--strict=notes", "--format", "json", code=1)  # --strict still sees them
    on, off = tmp_path / "on.dot", tmp_path / "off.dot"
    cli("diagram", "alexnet", "--input", "224", "--out", str(on))
    cli("diagram", "alexnet", "--input", "224", "--findings", "off", "--out", str(off))
    marks = ("not whole", "✗ paper, whole layer", "penwidth=3", "orange frame", "red frame")
    assert all(m in on.read_text() for m in marks) and not any(m in off.read_text() for m in marks)
    page = tmp_path / "r.html"
    cli("report", "lenet", "--input", "29", "--findings", "off", "--out", str(page))  # pool1 (29 − 2)/2 + 1 = 14.5: a warning
    facts = json.loads(re.search(r'<script type="application/json" id="facts">(.*?)</script>', page.read_text(), re.S)[1])  # type: ignore[index]
    assert facts["networks"][0]["findings"] == [] and facts["networks"][0]["text"]["findings"] is None


def test_strict_says_why_on_stderr_when_it_fails() -> None:
    """A script that sends stdout elsewhere still learns why --strict exited 1 (counts: AlexNet at 224, as above)."""
    failed = CliRunner().invoke(main, ["show", "alexnet", "--input", "224", "--strict"])
    assert failed.exit_code == 1 and "archcalc: --strict=warnings fails: AlexNet: 13 errors, 4 warnings" in failed.stderr
    passed = CliRunner().invoke(main, ["show", "resnet18", "--strict"])  # notes only
    assert passed.exit_code == 0 and "--strict" not in passed.stderr


@pytest.mark.parametrize(("value", "hint"), [("vaild", "did you mean 'valid'?"), ("full", "valid is no padding (0)")])
def test_a_padding_word_archcalc_does_not_know_gets_the_two_it_does(value: str, hint: str, tmp_path: Path) -> None:
    spec = tmp_path / "p.yaml"
    spec.write_text(f"name: p\ninput: [3, 8, 8]\nlayers:\n  - {{name: c, type: conv, filters: 4, kernel: 3, padding: {value}}}\n")
    done = CliRunner().invoke(main, ["show", str(spec)])
    assert done.exit_code == 2 and f"'padding' must be a whole number, [h, w], same or valid, not '{value}'" in done.stderr
    assert hint in done.stderr and "Traceback" not in done.stderr
