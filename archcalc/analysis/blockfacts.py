"""What a paper's table says about a block, read off its layers (pure): the facts a folded node carries.

Nothing here knows a network by name. From a block's rows and what it reads:

- its skips: each `add` whose two inputs are a long path and a short one (or the block's own input):
  the short path is the shortcut, identity where it holds no layer, a projection where it does;
- its squeeze-and-excitation: a `multiply` one of whose inputs is a 1×1 map (the excitation);
- its main convolutions (neither on a shortcut nor in an excitation), each as kernel, channels, depthwise;
- the expansion t (the widest main convolution's channels ÷ the channels read) of a block with a
  depthwise convolution, as MobileNetV2's table 2 and MnasNet's MBConv name it;
- its stride (the side read ÷ the side given) and its output channels c;
- its branches: the most inputs a concatenation inside it joins.

`rows_of_table` adds MobileNetV2's n: how many blocks in a row of the picture give the same c.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archcalc.analysis import Row
from archcalc.kinds.terms.values import Shape


@dataclass(frozen=True)
class ConvFact:
    kernel: tuple[int, int]
    channels: int
    depthwise: bool


@dataclass(frozen=True)
class BlockFacts:
    reads: int  # channels read (the first input's)
    c: int  # channels given (0: not a map)
    stride: int  # side read ÷ side given (1: the same size or larger)
    convs: tuple[ConvFact, ...]  # the main path's, in order
    skips: tuple[str, ...]  # per residual sum: 'identity' or 'projection'
    se: bool
    branches: int = 0  # the most inputs a concatenation inside joins (GoogLeNet's towers: 4); 0 for none

    @property
    def inverted(self) -> bool:
        """An inverted residual (MBConv): a depthwise convolution, then a 1×1 one that projects."""
        return len(self.convs) >= 2 and self.convs[-2].depthwise and self.convs[-1].kernel == (1, 1) and not self.convs[-1].depthwise

    @property
    def expansion(self) -> int | None:
        """t: the widest main convolution ÷ the channels read, for a block with a depthwise convolution."""
        if not self.inverted or self.reads <= 0:
            return None
        widest = max(f.channels for f in self.convs)
        return widest // self.reads if widest % self.reads == 0 else None

    @property
    def kernel(self) -> tuple[int, int] | None:
        """The depthwise kernel of an inverted residual; else the largest main kernel."""
        pick = [f for f in self.convs if f.depthwise] or list(self.convs)
        return max((f.kernel for f in pick), key=lambda k: k[0] * k[1]) if pick else None


def _ancestors(name: str, rows: dict[str, Row], memo: dict[str, frozenset[str]]) -> frozenset[str]:
    """`name` and every layer of the block it is computed from (the block's own rows only)."""
    if name not in rows:
        return frozenset()
    if name not in memo:
        found = {name}
        stack = [name]
        while stack:  # iterative: a block may hold hundreds of layers
            for source in rows[stack.pop()].inputs:
                if source in rows and source not in found:
                    found.add(source)
                    stack.append(source)
        memo[name] = frozenset(found)
    return memo[name]


def _side(shape: Shape) -> int | None:
    if len(shape) != 3:
        return None
    return shape[0] if getattr(shape, "channels_last", False) else shape[1]


def _channels(shape: Shape) -> int:
    """A map's channels (0 for what is no map: tokens, a vector)."""
    if len(shape) != 3:
        return 0
    return shape[2] if getattr(shape, "channels_last", False) else shape[0]


def block_facts(rows: Sequence[Row], input_shapes: Sequence[Shape], output: Shape) -> BlockFacts:
    """The facts of a block of `rows` that reads `input_shapes` and gives `output`."""
    inside = {r.name: r for r in rows}
    memo: dict[str, frozenset[str]] = {}
    aside: set[str] = set()  # layers on a shortcut or in an excitation
    skips: list[str] = []
    se = False
    for r in rows:
        if len(r.inputs) != 2 or r.kind not in ("add", "multiply"):
            continue
        a, b = (_ancestors(i, inside, memo) for i in r.inputs)
        only_a, only_b = a - b, b - a
        if r.kind == "add" and r.input_shapes[0] == r.input_shapes[1]:
            short = min(only_a, only_b, key=len)
            skips.append("projection" if short else "identity")
            aside |= short
        elif r.kind == "multiply":
            gate = [part for part, s in zip((only_a, only_b), r.input_shapes) if len(s) == 3 and s[1:] == (1, 1)]
            if gate:
                se = True
                aside |= gate[0]
    convs = tuple(ConvFact(_kernel(r), _channels(r.output), _depthwise(r)) for r in rows if r.kind == "conv" and r.name not in aside)
    first = input_shapes[0] if input_shapes else output
    side_in, side_out = _side(first), _side(output)
    stride = side_in // side_out if side_in and side_out and side_out < side_in else 1
    branches = max((len(r.inputs) for r in rows if r.kind == "concat"), default=0)
    return BlockFacts(_channels(first), _channels(output), stride, convs, tuple(skips), se, branches)


def _kernel(r: Row) -> tuple[int, int]:
    k = getattr(r.layer, "kernel", (1, 1))
    return (int(k[0]), int(k[1])) if isinstance(k, tuple) and len(k) == 2 else (1, 1)


def _depthwise(r: Row) -> bool:
    groups = getattr(r.layer, "groups", 1)
    return isinstance(groups, int) and groups > 1 and groups == _channels(r.input_shapes[0])


def rows_of_table(facts: Sequence[BlockFacts | None]) -> list[int]:
    """MobileNetV2's n for each block: the length of the run of consecutive blocks giving the same c that
    it belongs to (0 for a node that is no block). Table 2 repeats a row n times; its first has the stride."""
    out = [0] * len(facts)
    i = 0
    while i < len(facts):
        f = facts[i]
        if f is None:
            i += 1
            continue
        j = i
        while j + 1 < len(facts) and (g := facts[j + 1]) is not None and g.c == f.c and g.stride == 1:
            j += 1
        for k in range(i, j + 1):
            out[k] = j - i + 1
        i = j + 1
    return out
