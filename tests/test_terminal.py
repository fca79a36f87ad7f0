"""Output in a real terminal: a pseudo-terminal of 80 and 120 columns, as a user's window is.

rich sizes its tables to the terminal it writes to; archcalc asks for the tables' natural width
instead, so that no cell is cut (`…`) or wrapped, whatever the window: the terminal then wraps or
scrolls whole lines. A pipe cannot show this (rich sees no terminal there); a pty can.
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


@pytest.mark.parametrize("columns", [80, 120])
def test_show_in_a_narrow_terminal_cuts_and_wraps_nothing(columns: int) -> None:
    out = in_terminal(columns, "show", "lenet")
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


@pytest.mark.parametrize("columns", [80, 120])
def test_compare_in_a_narrow_terminal_cuts_and_wraps_nothing(columns: int) -> None:
    out = in_terminal(columns, "compare", "lenet", "alexnet")
    assert "…" not in out
    lines = out.splitlines()
    first = next(line for line in lines if line.split()[:1] == ["1"])
    assert "conv + sigmoid 5×5/1, 6, pad 2 → 6×28×28" in first and "conv + relu 11×11/4, 96 → 96×55×55  (+ lrn)" in first
    macs = next(line for line in lines if line.split()[:1] == ["MACs"])
    assert macs.split() == ["MACs", "416,520", "724,406,816", "×1,739"]  # 724,406,816 / 416,520 = 1,739.2
