"""Graphviz's dot under a bound: a layout whose cost grows with its long edges is made cheap, refused, or cut off.

dot lays a graph out by ranks, and an edge that crosses k ranks becomes a chain of k hidden nodes (2k
with edge labels, which take a rank of their own): a 40-layer block where every layer adds all earlier
ones is 20,000 hidden nodes, and dot spent 93 s on it; 3,000 layers that each also read an earlier one
took 19 GB. So, before dot runs:

- `hidden_nodes` counts them from the DOT text (ranks by longest path over its edges);
- past FAST_FROM, Graphviz's own limits keep the layout short: few network-simplex iterations
  (nslimit, nslimit1), one crossing-minimisation pass (mclimit, searchsize), straight edges;
- past MAX_HIDDEN_NODES, dot is not run at all: the message says what to do instead;
- and dot itself runs under a time and a memory cap (DOT_SECONDS, DOT_MEMORY), so that a layout
  nothing foresaw ends in a message too.
"""

from __future__ import annotations

import re
import resource
import subprocess
from collections import defaultdict

import graphviz

from archcalc.errors import ArchcalcError
from archcalc.limits import MAX_DRAWN_LAYERS

FAST_FROM = 5_000  # hidden nodes: every bundled network has fewer (googlenet, the most: about 1,000)
MAX_HIDDEN_NODES = 100_000  # past this, dot takes more than a few seconds even with its limits (390,000: 11 s, 1.3 GB)
DOT_SECONDS = 10.0  # one run of dot
DOT_MEMORY = 1 << 30  # bytes of address space dot may use
FAST_LAYOUT = {"nslimit": "0.01", "nslimit1": "0.01", "mclimit": "0.01", "searchsize": "1", "splines": "line"}
WHAT_TO_DO = "write --out NAME.dot and lay it out yourself, or fold blocks into single nodes with --depth 0"

_ID = r'(?:"(?:[^"\\]|\\.)*"|[\w.]+)'
_EDGE = re.compile(rf"^\s*({_ID})(?::\w+)?\s*->\s*({_ID})(?::\w+)?(.*)$", re.MULTILINE)


class LayoutTooLargeError(ArchcalcError):
    """A layout dot is not asked to make, or that it could not make within its bound."""


def check_drawn(count: int, style: str) -> None:
    """A picture of more than MAX_DRAWN_LAYERS nodes is refused before it is built (99,000 layers: 40 s, 800 MB)."""
    if count > MAX_DRAWN_LAYERS:
        other = "draw --style graph --out NAME.dot" if style == "volumes" else "write --out NAME.dot"
        raise LayoutTooLargeError(f"the picture would have {count:,} layers; archcalc draws at most {MAX_DRAWN_LAYERS:,}",
                                  f"fold blocks into single nodes with --depth 0 (or --depth N), or {other}; show lists every layer")


def hidden_nodes(source: str) -> int:
    """The nodes dot adds to route edges across ranks: ranks by the longest path over the edges, each edge
    crossing k of them adding k − 1 nodes (2k − 1 where the graph's edges carry labels). 0 for a graph with a cycle."""
    arrows = "\n".join(line for line in source.split("\n") if "->" in line)  # each edge is a line of its own
    found = list(_EDGE.finditer(arrows))  # one pass, over those lines alone (--fit's 16 layouts: 4 ms less)
    edges = [(m[1], m[2]) for m in found]
    labelled = any("label=" in m[3] for m in found)
    heads: dict[str, list[str]] = defaultdict(list)
    waiting: dict[str, int] = defaultdict(int)
    for tail, head in edges:
        heads[tail].append(head)
        waiting[head] += 1
    rank: dict[str, int] = {}
    ready = [n for n in {*heads, *waiting} if waiting[n] == 0]
    for n in ready:
        rank[n] = 0
    while ready:
        node = ready.pop()
        for head in heads[node]:
            rank[head] = max(rank.get(head, 0), rank[node] + 1)
            waiting[head] -= 1
            if waiting[head] == 0:
                ready.append(head)
    if any(waiting[n] for n in waiting):
        return 0
    factor = 2 if labelled else 1
    return sum(max(0, (rank[h] - rank[t]) * factor - 1) for t, h in edges)


def bounded(dot: graphviz.Digraph) -> graphviz.Digraph:
    """`dot` as it is, or with Graphviz's limits for a costly layout; LayoutTooLargeError past what dot can lay out in time."""
    hidden = hidden_nodes(dot.source)
    if hidden > MAX_HIDDEN_NODES:
        raise LayoutTooLargeError(f"the graph is too tangled for Graphviz to lay out in time: its edges cross {hidden:,} ranks "
                       f"(archcalc asks dot for at most {MAX_HIDDEN_NODES:,})", WHAT_TO_DO)
    if hidden < FAST_FROM:
        return dot
    fast = dot.copy()
    fast.graph_attr.update(FAST_LAYOUT)
    return fast


def run_dot(program: str, fmt: str, source: bytes, seconds: float = DOT_SECONDS) -> subprocess.CompletedProcess[bytes]:
    """dot -T`fmt` on `source`, killed after `seconds` (a LayoutTooLargeError with what to do) or past DOT_MEMORY
    (where an allocation fails, dot stops by a signal: render.dot_failed says it with the same advice)."""
    command = [program, f"-T{fmt}"]
    with capped(command) as proc:  # as subprocess.run: killed on the way out of a timeout or Ctrl-C
        try:
            out, err = proc.communicate(source, timeout=max(seconds, 0.1))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise LayoutTooLargeError(f"Graphviz's dot did not finish the layout within {seconds:.0f} s, so archcalc stopped it",
                                      WHAT_TO_DO) from None
        except BaseException:
            proc.kill()
            raise
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def capped(command: list[str]) -> subprocess.Popen[bytes]:
    """`command` started under DOT_MEMORY. Where the system caps another process (Linux's prlimit), the cap is set
    on dot as it starts, so that Python starts it without copying itself (a fork: about 3 ms of CPU, as much as
    dot's own start): dot reads its graph from stdin, which the caller writes only after the cap is set, so no layout
    runs uncapped. Elsewhere the cap is set in the child, before dot starts."""
    pipe = subprocess.PIPE
    if not hasattr(resource, "prlimit"):
        return subprocess.Popen(command, stdin=pipe, stdout=pipe, stderr=pipe, preexec_fn=_cap)
    proc = subprocess.Popen(command, stdin=pipe, stdout=pipe, stderr=pipe)
    try:
        resource.prlimit(proc.pid, resource.RLIMIT_AS, (DOT_MEMORY, DOT_MEMORY))
    except ProcessLookupError:  # it has ended already (its message says why)
        pass
    except OSError:  # not allowed here (a sandbox): that dot goes, and one capped in the child takes its place
        proc.kill()
        proc.wait()
        return subprocess.Popen(command, stdin=pipe, stdout=pipe, stderr=pipe, preexec_fn=_cap)
    return proc


def _cap() -> None:  # in the child, before dot starts
    resource.setrlimit(resource.RLIMIT_AS, (DOT_MEMORY, DOT_MEMORY))
