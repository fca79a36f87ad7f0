"""Output in a real terminal: a pseudo-terminal of 80, 120 and 200 columns, as a user's window is.

In a terminal each table fits its width (columns by priority, the arithmetic under its row, a line naming
the columns left out; archcalc.report.fit), prose wraps between words, and no figure is ever cut; with
--wide, the tables' natural width, so that no cell is cut (`…`) or wrapped, whatever the window: the
terminal then wraps or scrolls whole lines. A pipe cannot show this (rich sees no terminal there); a pty can.
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.cli.app import main

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def in_terminal(columns: int, *args: str) -> str:
    """stdout and stderr of `python -m archcalc ARGS` in a pty of `columns` columns, colour codes removed."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable, "-m", "archcalc", *args], stdin=follower, stdout=follower, stderr=follower, env=env, cwd=ROOT)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the follower side closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    return ANSI.sub("", b"".join(chunks).decode("utf-8")).replace("\r\n", "\n")


def test_the_pty_reports_its_width() -> None:
    """The premise: rich in the child sees a terminal of the width set (else the tests below prove nothing)."""
    code = "from rich.console import Console; c = Console(); print(c.is_terminal, c.width)"
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.run([sys.executable, "-c", code], stdin=follower, stdout=follower, stderr=follower, env=env, timeout=60)
    os.close(follower)
    out = os.read(leader, 1024).decode()
    os.close(leader)
    assert proc.returncode == 0 and out.split() == ["True", "80"]


# 80 columns by default; 120 (the same rule, a fresh interpreter in a pty each) with -m slow
@pytest.mark.parametrize("columns", [80, pytest.param(120, marks=pytest.mark.slow)])
def test_show_wide_in_a_narrow_terminal_cuts_and_wraps_nothing(columns: int) -> None:
    out = in_terminal(columns, "show", "lenet", "--wide")
    assert "…" not in out
    lines = out.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("layer"))
    assert "hyper-parameters" in header and "activations" in header
    # every layer's row is one line, from its name to its last figure (hand arithmetic in tests/test_report.py)
    for name, hyper, last in (("conv1", "5×5/1, 6, pad 2", "4,704"), ("conv2", "5×5/1, 16", "1,600"),
                              ("fc1", "120, flattens 16×5×5", "120"), ("fc3", "10", "10")):
        row = next(line for line in lines if line.split()[:1] == [name])
        assert hyper in row and row.rstrip().endswith(last), row
    total = next(line for line in lines if line.split()[:1] == ["total"])
    assert total.split()[-1] == "8,094" and "833,040" in total  # LeNet-5's FLOPs, 2 per MAC of 416,520
    flops = next(line for line in lines if line.startswith("FLOPs as"))
    assert flops.rstrip().endswith("activations count 0")


@pytest.mark.parametrize("columns", [80, pytest.param(120, marks=pytest.mark.slow)])
def test_compare_wide_in_a_narrow_terminal_cuts_and_wraps_nothing(columns: int) -> None:
    out = in_terminal(columns, "compare", "lenet", "alexnet", "--wide")
    assert "…" not in out
    lines = out.splitlines()
    first = next(line for line in lines if line.split()[:1] == ["1"])
    assert "conv + sigmoid 5×5/1, 6, pad 2 → 6×28×28" in first and "conv + relu 11×11/4, 96 → 96×55×55  (+ lrn)" in first
    macs = next(line for line in lines if line.split()[:1] == ["MACs"])
    assert macs.split() == ["MACs", "416,520", "724,406,816", "×1,739"]  # 724,406,816 / 416,520 = 1,739.2


FIGURE = re.compile(r"\d[\d,.]*\d|\d")  # a figure as archcalc writes it: 60,965,224 or 1.45 or 7


def piped(*args: str) -> str:
    """The same command's output into a pipe: every table at its natural width (the golden files' form). In process:
    click's runner is no terminal either, and gives the pipe's bytes (a fresh interpreter cost 0.2 s of CPU)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("COLUMNS", "FORCE_COLOR"):
            patch.delenv(name, raising=False)
        return CliRunner().invoke(main, list(args), prog_name="archcalc").stdout


def fits(columns: int, out: str, whole: str) -> None:
    """No line past the terminal's width, and every figure on the screen is one of the piped output's, whole (a
    figure cut across two lines, 210,83 / 0,400, is not); the line naming the columns left out counts the width."""
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns, max(lines, key=len)
    known = set(FIGURE.findall(whole)) | {str(columns)}
    cut = {f for line in lines if "left out to fit" not in line for f in FIGURE.findall(line)} - known
    assert not cut, cut


def test_show_fits_an_80_column_terminal() -> None:
    """AlexNet in 80 columns: each layer one line (and its arithmetic one more), params and FLOPs beside the name."""
    out = in_terminal(80, "show", "alexnet")
    fits(80, out, piped("show", "alexnet"))
    lines = out.splitlines()
    conv1 = lines.index(next(line for line in lines if line.split()[:1] == ["conv1"]))
    # AlexNet's conv1: 96·(3·11·11 + 1) = 34,944 params; 2 · 34,848 · 55² = 210,830,400 FLOPs (tests/test_report.py)
    assert "34,944" in lines[conv1] and "210,830,400" in lines[conv1]
    assert lines[conv1 + 1].strip() == "(227 − 11 + 2·0)/4 + 1 = 55 (H and W)"
    assert any("columns left out to fit 80 columns" in line for line in lines)
    assert "--wide" in out
    # the GPU table keeps both GPUs' outputs and params (each figure for every GPU before the next figure), not GPU 0's
    # every column: conv1's 48×55×55 and 17,472 params on each GPU (96 filters split in two: 48·(3·11·11 + 1) = 17,472)
    head = next(line for line in lines if line.split()[:2] == ["layer", "runs"])
    assert head.split() == ["layer", "runs", "on", "GPU", "0", "output", "GPU", "0", "params", "GPU", "1", "output", "GPU", "1", "params"]
    split = next(line for line in lines[lines.index(head):] if line.split()[:1] == ["conv1"])
    assert split.split() == ["conv1", "split", "48×55×55", "17,472", "48×55×55", "17,472"]


@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("args", [("show", "alexnet"), ("compare", "lenet", "alexnet"), ("kinds",),
                                  ("run", "lenet", "--device", "cpu", "--min-time", "0.05")], ids=" ".join)
def test_every_table_command_fits_the_terminal(columns: int, args: tuple[str, ...]) -> None:
    out = in_terminal(columns, *args)
    whole = piped(*args)
    lines = [line for line in out.splitlines() if "━" not in line]  # run's progress bar (stderr, redrawn in place) aside
    out = "\n".join(lines)
    if args[0] == "run":  # the timings differ from run to run: the lines without one show the pipe's figures, whole
        out = "\n".join(line for line in lines if not TIMING.search(line))
        whole = "\n".join(line for line in whole.splitlines() if not TIMING.search(line))
    fits(columns, out, whole)


TIMING = re.compile(r"\d\s*(?:ms|µs|ns|s)\b|/s\b|%")
