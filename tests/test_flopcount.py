"""`archcalc run`'s counting: torch_backend.flopcount.Counter counts what torch's FlopCounterMode counts (the same
registry of formulas) without importing torch._dynamo, and the meta device's verification (torch_backend.counting)
gives the same figures as a pass on the CPU."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.specfile import bundled_names, load_spec
from archcalc.torch_backend.counting import verify_on_meta
from archcalc.torch_backend.flopcount import Counter
from archcalc.torch_backend.verification import verify


def _counts(counter: FlopCounterMode, device: str) -> dict[str, dict[str, int]]:
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10)).to(device)
    with torch.inference_mode(), counter:
        net(torch.ones(2, 3, 6, 6, device=device))
    return {module: {str(op): n for op, n in ops.items()} for module, ops in counter.get_flop_counts().items()}


def test_the_counter_counts_as_flopcountermode() -> None:
    # conv: 2 · 8 outputs · 36 positions · 27 taps · batch 2 = 31,104; linear: 2 · 288 · 10 · 2 = 11,520 (torch's formulas)
    expected = {"Global": {"aten.convolution": 31104, "aten.addmm": 11520},
                "Sequential": {"aten.convolution": 31104, "aten.addmm": 11520},
                "Sequential.0": {"aten.convolution": 31104}, "Sequential.3": {"aten.addmm": 11520}}
    assert _counts(Counter(), "cpu") == expected  # (on the meta device too: the slow test below)


@pytest.mark.slow  # a new interpreter and torch's import, and the stock mode's import of torch._dynamo: about 3 s
def test_counting_imports_no_dynamo() -> None:
    """The stock mode's first dispatch imports torch._dynamo (about 1 s of CPU); Counter's does not, and counts alike."""
    assert _counts(FlopCounterMode(display=False), "cpu") == _counts(Counter(), "cpu") == _counts(Counter(), "meta")
    code = ("import sys, torch\nfrom archcalc.torch_backend.flopcount import Counter\n"
            "with Counter(): torch.ones(2, 2) @ torch.ones(2, 2)\nprint('torch._dynamo' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


@pytest.mark.parametrize("name", ["lenet5-1998"])  # its RBF layer, connection table and scaled tanh
def test_meta_verifies_as_the_cpu_does(name: str) -> None:
    graph = build_graph(load_spec(name))
    a = analyse(graph)
    on_meta = verify_on_meta(graph, a, torch.float32)
    assert on_meta is not None and on_meta == verify(graph, a, "cpu", torch.float32) and on_meta.ok


@pytest.mark.slow  # about 25 s: every bundled spec built and run on the CPU
def test_meta_verifies_every_bundled_spec_as_the_cpu_does() -> None:
    for name in bundled_names():
        graph = build_graph(load_spec(name))
        a = analyse(graph)
        assert verify_on_meta(graph, a, torch.float32) == verify(graph, a, "cpu", torch.float32), name
