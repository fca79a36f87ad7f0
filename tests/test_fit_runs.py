"""`--fit` lays its candidates out in one run of dot, not one run each, and chooses as measuring each alone does."""

from __future__ import annotations

import importlib
import shutil
from typing import Any

import pytest

from archcalc.analysis import analyse
from archcalc.analysis.fold import fold
from archcalc.analysis.graph import build_graph
from archcalc.diagram.fit import _miss, choose_layout
from archcalc.diagram.folded import to_folded_digraph
from archcalc.specfile import load_spec

render = importlib.import_module("archcalc.diagram.render")  # the package's `render` is a function of that name


@pytest.mark.slow  # sixteen runs of dot, 2 s of CPU; test_hostile_round2's --fit tests hold the two runs by default
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH")
def test_two_runs_of_dot_choose_what_sixteen_do(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = build_graph(load_spec("resnet18"))
    a = analyse(graph)
    shown = fold(a, graph.instances, 0)  # 11 nodes and the input: 16 candidates, 1 to 8 stages each way

    def build(direction: str, parts: int) -> Any:
        return to_folded_digraph(a, shown, direction, parts)

    runs: list[int] = []
    run_dot = render.run_dot

    def counted(program: str, fmt: str, source: bytes, seconds: float = 10.0) -> Any:
        runs.append(source.count(b"digraph"))
        return run_dot(program, fmt, source, seconds)

    monkeypatch.setattr(render, "run_dot", counted)
    chosen = choose_layout(build, 16 / 9, len(shown) + 1)
    assert runs == [16]  # all sixteen by one dot process (fewer than ONE_RUN_NODES nodes)
    # each candidate laid out by a dot of its own, as before: the same choice (the nearest ratio, fewer stages on a tie)
    each = {(d, k): abs(_miss(render.layout_inches(build(d, k)), 16 / 9)) for k in range(1, 9) for d in ("TB", "LR")}
    assert chosen == min(each, key=lambda c: (round(each[c], 9), c[1]))
