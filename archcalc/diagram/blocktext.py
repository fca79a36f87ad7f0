"""A folded block in the words of its paper's table (pure): the lines a folded node carries.

From analysis.blockfacts, for any network:

- an inverted residual (a depthwise convolution, then a 1×1 projection), as MnasNet and EfficientNet
  name it and MobileNetV2's table 2 counts it: 'MBConv6, 5×5, stride 2, SE' and 't 6, c 40, n 2, s 2'
  (n: the run of blocks giving the same c; after the first of a run, '· 2 of 2');
- any other block, as ResNet's table 1 writes one: its main convolutions '[3×3, 128; 3×3, 128] × 2',
  the repeat being its residual units where they are alike, and ', stride 2'; a block of towers
  joined by a concatenation as '4 branches, concatenated: 1×1; 3×3; 5×5';
- its skips: 'skip: projection, identity' (what the self-loop on the node stands for).
"""

from __future__ import annotations

from collections.abc import Sequence

from archcalc.analysis.blockfacts import BlockFacts, ConvFact
from archcalc.text import square

MAX_CHARS = 48  # a convolution list past this is cut with '…'


def _conv(f: ConvFact) -> str:
    return f"{square(f.kernel)}{' dw' if f.depthwise else ''}, {f.channels}"


def _convs(f: BlockFacts) -> str:
    if f.branches > 1:  # towers side by side: what they filter with, not one sequence
        return f"{f.branches} branches, concatenated: {'; '.join(dict.fromkeys(square(c.kernel) for c in f.convs))}"
    units = max(len(f.skips), 1)
    said = [_conv(c) for c in f.convs]
    if units > 1 and len(said) % units == 0:
        size = len(said) // units
        parts = [said[k * size:(k + 1) * size] for k in range(units)]
        if all(p == parts[0] for p in parts):
            return f"[{'; '.join(parts[0])}] × {units}"
    text = f"[{'; '.join(said)}]"
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS - 2] + "…]"


def table_lines(f: BlockFacts, n: int, place: int, row_stride: int) -> list[str]:
    """The block's lines: `n` blocks in its run, it the `place`-th (1-based), the run's first stride `row_stride`."""
    lines = []
    stride = f", stride {f.stride}" if f.stride > 1 else ""
    if f.inverted and f.expansion is not None and f.kernel is not None:
        lines.append(f"MBConv{f.expansion}, {square(f.kernel)}{stride}{', SE' if f.se else ''}")
        lines.append(f"t {f.expansion}, c {f.c:,}, n {n}, s {row_stride}" + (f" · {place} of {n}" if n > 1 else ""))
    elif f.convs:
        lines.append(_convs(f) + stride + (", SE" if f.se else ""))
    if f.skips:
        lines.append(f"skip: {', '.join(dict.fromkeys(f.skips))}" + (f" (× {len(f.skips)})" if len(f.skips) > 1 else ""))
    return lines


def runs_of(facts: Sequence[BlockFacts | None], ns: Sequence[int]) -> list[tuple[int, int]]:
    """Per node: (its place in its run, the run's first stride); (0, 0) for a node that is no block."""
    out: list[tuple[int, int]] = []
    place, first = 0, 1
    for i, (f, n) in enumerate(zip(facts, ns)):
        if f is None:
            out.append((0, 0))
            continue
        fresh = i == 0 or facts[i - 1] is None or out[-1][0] >= ns[i - 1] or ns[i - 1] != n
        place, first = (1, f.stride) if fresh else (place + 1, first)
        out.append((place, first))
    return out
