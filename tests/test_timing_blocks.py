"""`archcalc run`'s timing: blocks of passes until the median is known (torch_backend.blocks), on a made-up clock."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from archcalc.torch_backend.blocks import MIN_BLOCKS, median_interval, settled, timed_blocks


def test_the_median_interval_is_the_order_statistics_of_the_tables() -> None:
    # 95% distribution-free intervals of the median (Conover, Practical Nonparametric Statistics, the sign test's
    # ranks): none below 6 values (2 × ½⁵ = 0.0625 > 0.05); n = 6: the extremes (2 × ½⁶ = 0.031);
    # n = 10: ranks 2 and 9; n = 20: ranks 6 and 15.
    assert median_interval([1.0, 2, 3, 4, 5]) is None
    assert median_interval([6.0, 1, 5, 2, 4, 3]) == (1, 6)
    assert median_interval([float(i) for i in range(1, 11)]) == (2, 9)
    assert median_interval([float(i) for i in range(1, 21)]) == (6, 15)
    # past 1,000 values the normal approximation: (2,000 − 1.96 × √2000) ÷ 2 = 956.2 → rank 956 and 2,001 − 956 = 1,045
    assert median_interval([float(i) for i in range(1, 2001)]) == (956, 1045)


def test_settled_is_the_interval_within_five_per_cent() -> None:
    assert settled([100.0, 101, 99, 100, 102, 98])  # the extremes within ±2% of the median 100
    assert not settled([100.0, 101, 99, 100, 102, 90])  # 90 is 10% under the median 100
    assert not settled([100.0] * 5)  # too few for a 95% interval


def timed(pass_s: Callable[[int], float], min_time_s: float, warm: bool = False) -> tuple[int, list[float]]:
    """timed_blocks on a clock that moves only when a pass runs: pass i takes pass_s(i) seconds."""
    now, passes = [0.0], [0]

    def forward() -> None:
        now[0] += pass_s(passes[0])
        passes[0] += 1

    return timed_blocks(forward, lambda: None, min_time_s, warm=warm, clock=lambda: now[0])


def test_steady_passes_stop_at_the_least_time() -> None:
    number, times = timed(lambda i: 0.125, 1.0)
    assert number == 1 and times == [0.125] * 8  # 1.0 s of 0.125 s passes (exact in binary); the sizing pass not counted


def test_a_warm_module_counts_the_sizing_pass() -> None:
    number, times = timed(lambda i: 0.13 if i == 0 else 0.125, 1.0, warm=True)  # the first pass, 0.13 s, is timed too
    assert number == 1 and times == pytest.approx([0.13] + [0.125] * 7)  # 1.005 s; 0.13 within 5% of the median 0.125


def test_short_passes_are_timed_in_blocks_of_ten_milliseconds() -> None:
    # 2⁻¹⁰ s passes: ⌈0.01 × 1024⌉ = 11 to a block of 11/1024 s; ⌈0.5 ÷ (11/1024)⌉ = 47 blocks reach 0.5 s
    number, times = timed(lambda i: 2**-10, 0.5)
    assert number == 11 and len(times) == 47 and times[0] == 11 / 1024


def test_scattered_passes_run_on_to_twice_the_least_time() -> None:
    # 0.125 s and 0.25 s alternating: the median's interval spans both however many blocks, so the timing runs past
    # the least time (0.5 s after 3 blocks, 4 blocks at 0.75 s) until 2 × 0.5 s: 6 blocks, 1.125 s
    number, times = timed(lambda i: 0.125 if i % 2 else 0.25, 0.5)
    assert number == 1 and len(times) == 6 and sum(times) == 1.125


def test_a_pass_slower_than_the_limit_still_gives_the_least_blocks() -> None:
    number, times = timed(lambda i: 2.0, 0.5)
    assert number == 1 and len(times) == MIN_BLOCKS == 4


@pytest.mark.slow  # a new interpreter importing torch: about 3 s of CPU
def test_run_imports_neither_setuptools_nor_dynamo(tmp_path: Path) -> None:
    """torch.utils.benchmark's Timer imported setuptools (about 0.13 s of CPU, through torch.utils.cpp_extension)."""
    code = ("import sys; from archcalc.cli.app import main\ntry: main(['run', 'lenet', '--device', 'cpu', '--min-time', '0.01'])\n"
            "except SystemExit as exc: assert exc.code == 0, exc.code\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'setuptools' or m.startswith(('torch.utils.benchmark', 'torch._dynamo'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "[]"
