"""The forward pass timed in blocks of passes, and when to stop: once the median is known.

torch.utils.benchmark's Timer did this before; its import pulls in torch.utils.cpp_extension and with it setuptools
(about 0.12 s of CPU, a tenth of `import torch`), for a loop of a few lines. What it did is kept: the clock is
`time.perf_counter` read after a CUDA synchronisation, the garbage collector is off inside a block (as `timeit` has
it), and a block holds enough passes that reading the clock costs under 1e-4 of it.

Its stopping rule is not kept: `adaptive_autorange` waited for the blocks' spread (IQR ÷ median) to fall under 10%,
a property of the machine, not of the sample: on a busy machine it does not fall however long one waits, and the
timing ran to its limit (5 × --min-time) for a median no better known. Here the timing stops once the median itself
is known: its 95% confidence interval, from the order statistics (distribution-free: no assumption about the shape
of the times), within ±PRECISION of it. More blocks narrow that interval on a busy machine too, so the limit
(MAX_FACTOR × --min-time) is reached only where the passes scatter widely.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence

BLOCK_S = 0.01  # a block runs at least this long: the clock's own microsecond is then under 1e-4 of it
MIN_BLOCKS = 4  # timed blocks at least, so that a median and a spread mean something
PRECISION = 0.05  # stop once the median's 95% interval lies within ±5% of it
MAX_FACTOR = 2.0  # ... or at MAX_FACTOR × the least time, however wide the interval still is

Tick = Callable[[int, float], None]  # (passes in the block, seconds it took)


def median_interval(times: Sequence[float], confidence: float = 0.95) -> tuple[float, float] | None:
    """The distribution-free interval of the median: order statistics x(k) and x(n + 1 − k), k the largest rank with
    P(Binomial(n, ½) < k) ≤ (1 − confidence) ÷ 2 (the chance that fewer than k of n draws fall below the median).
    None for fewer than 6 values at 95%: even the least and the greatest do not bracket the median that surely."""
    n, tail = len(times), (1 - confidence) / 2
    if n > 1000:  # 0.5**n underflows past 1,074: the normal approximation, exact enough by then
        k = math.floor((n - statistics.NormalDist().inv_cdf(1 - tail) * math.sqrt(n)) / 2)
    else:
        below, pmf, k = 0.0, 0.5**n, 0  # P(Binomial(n, ½) < k + 1) and P(= k), growing with k
        while k < n // 2 and below + pmf <= tail:
            below, pmf, k = below + pmf, pmf * (n - k) / (k + 1), k + 1
    if k == 0:
        return None
    ordered = sorted(times)
    return ordered[k - 1], ordered[n - k]


def settled(times: Sequence[float], precision: float = PRECISION) -> bool:
    """Whether the median's 95% interval lies within ±precision of the median."""
    interval = median_interval(times)
    if interval is None:
        return False
    median = statistics.median(times)
    return interval[0] >= median * (1 - precision) and interval[1] <= median * (1 + precision)


def timed_blocks(forward: Callable[[], object], sync: Callable[[], None], min_time_s: float, tick: Tick | None = None,
                 warm: bool = False, max_factor: float = MAX_FACTOR,
                 clock: Callable[[], float] = time.perf_counter) -> tuple[int, list[float]]:
    """(passes per block, each block's seconds): one pass sizes the blocks, then blocks for at least `min_time_s` and
    MIN_BLOCKS, and on until the median settles or `max_factor` × `min_time_s`. The sizing pass is a warm-up, not
    counted, unless the module is `warm` already (it has just run the same kernels) and one pass makes a block."""
    one = _block(forward, sync, 1, clock)
    number = max(1, math.ceil(BLOCK_S / one)) if one > 0 else 1
    times: list[float] = []
    while True:
        times.append(one if warm and number == 1 and not times else _block(forward, sync, number, clock))
        if tick:
            tick(number, times[-1])
        spent = sum(times)
        if len(times) >= MIN_BLOCKS and spent >= min_time_s and (spent >= max_factor * min_time_s or settled(times)):
            return number, times


def _block(forward: Callable[[], object], sync: Callable[[], None], number: int, clock: Callable[[], float]) -> float:
    collecting = gc.isenabled()
    gc.disable()
    try:
        sync()
        start = clock()
        for _ in range(number):
            forward()
        sync()
        return clock() - start
    finally:
        if collecting:
            gc.enable()
