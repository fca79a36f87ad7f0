"""`--fit` lays its candidates out in one run of dot, not one run each, and chooses as measuring each alone does.

What makes it cheap is held here to what it replaces: one dot process for the 16 candidates (not 16, nor 2),
each graph given twice laid out once, the candidates built with a slide's words made once (candidates.py)
and each text quoted once (quoted.py) -- the same DOT source as to_folded_digraph with graphviz's own quoting.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Callable
from typing import Any

import graphviz
import pytest

from archcalc.analysis import analyse
from archcalc.analysis.fold import fold
from archcalc.analysis.fuse import fuse
from archcalc.analysis.graph import build_graph
from archcalc.diagram import quoted
from archcalc.diagram.candidates import candidate_builder
from archcalc.diagram.fit import MAX_PARTS, _miss, choose_layout
from archcalc.diagram.folded import to_folded_digraph
from archcalc.specfile import bundled_names, load_spec

render = importlib.import_module("archcalc.diagram.render")  # the package's `render` is a function of that name
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH")
CANDIDATES = [(d, k) for k in range(1, MAX_PARTS + 1) for d in ("TB", "LR")]


def counted_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The graphs each run of dot is given, as the runs happen."""
    runs: list[int] = []
    run_dot = render.run_dot

    def counted(program: str, fmt: str, source: bytes, seconds: float = 10.0) -> Any:
        runs.append(source.count(b"digraph"))
        return run_dot(program, fmt, source, seconds)

    monkeypatch.setattr(render, "run_dot", counted)
    return runs


def alone(build: Callable[[str, int], graphviz.Digraph], ratio: float, largest: bool) -> tuple[str, int]:
    """The choice as it was first made: each candidate laid out by a dot of its own, the best score, fewer stages
    (then TB) on a tie."""
    def score(size: tuple[float, float]) -> float:
        return -min(ratio / size[0], 1 / size[1]) if largest else abs(_miss(size, ratio))

    scores = {(d, k): score(render.layout_inches(build(d, k))) for d, k in CANDIDATES}
    return min(scores, key=lambda c: (round(scores[c], 9), CANDIDATES.index(c)))


@needs_dot
def test_one_run_of_dot_lays_out_each_graph_once(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = counted_runs(monkeypatch)
    chain = graphviz.Digraph()
    chain.edge("conv", "relu")
    wide = graphviz.Digraph(graph_attr={"rankdir": "LR"})
    wide.edge("conv", "relu")
    sizes = render.layouts_inches([chain, wide, chain.copy(), wide], 10.0)
    assert runs == [2]  # two graphs given twice: two laid out, by one dot process
    assert sizes[0] == sizes[2] and sizes[1] == sizes[3] and sizes[0][1] > sizes[0][0] and sizes[1][0] > sizes[1][1]


@pytest.mark.parametrize("slide", [True, False])
def test_candidates_are_to_folded_digraph_with_graphviz_quoting(monkeypatch: pytest.MonkeyPatch, slide: bool) -> None:
    graph = build_graph(load_spec("resnet18"))
    a = analyse(graph)
    shown = a.rows if slide else fold(a, graph.instances, 0)
    build = candidate_builder(a, shown, slide)
    made = [build(d, k).source for d, k in CANDIDATES]
    monkeypatch.setattr(quoted, "Digraph", graphviz.Digraph)  # graphviz's own quoting, the words made again each time
    assert made == [to_folded_digraph(a, shown, d, k, slide=slide).source for d, k in CANDIDATES]
    assert len(set(made)) == 16 and any("cluster_stage8" in s for s in made)  # 16 layouts, up to 8 parts


@pytest.mark.slow  # sixteen runs of dot, 2 s of CPU; test_hostile_round2's --fit tests hold one run by default
@needs_dot
def test_one_run_of_dot_chooses_what_sixteen_do(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = build_graph(load_spec("resnet18"))
    a = analyse(graph)
    shown = fold(a, graph.instances, 0)  # 11 nodes and the input: 16 candidates, 1 to 8 stages each way

    def build(direction: str, parts: int) -> Any:
        return to_folded_digraph(a, shown, direction, parts)

    runs = counted_runs(monkeypatch)
    chosen = choose_layout(build, 16 / 9, len(shown) + 1)
    assert runs == [16]  # all sixteen by one dot process (fewer than ONE_RUN_NODES nodes)
    assert chosen == alone(build, 16 / 9, largest=False)


@pytest.mark.slow  # each bundled spec's 16 layouts, each by a dot of its own: about 20 s of CPU in all
@needs_dot
@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_spec_gets_the_layout_measuring_each_alone_gives(name: str) -> None:
    graph = build_graph(load_spec(name))
    a = analyse(graph)
    if a.gpus > 1:
        pytest.skip("split across GPUs: its towers are laid out by towers.py")
    for shown, slide, edge_shapes in ((a.rows, True, True),  # `diagram NAME --fit 16:9`: slide mode, the largest text
                                      (fold(a, graph.instances, 0), True, True),  # with --depth 0
                                      (fuse(a.rows), False, False)):  # with --fuse: the nearest ratio
        build = candidate_builder(a, shown, slide, edge_shapes)
        assert choose_layout(build, 16 / 9, len(shown) + 1, largest=slide) == alone(build, 16 / 9, slide), (name, slide)


@pytest.mark.slow  # three layouts of AlexNet's towers, each by a dot of its own
@needs_dot
def test_a_split_networks_towers_are_chosen_as_measuring_each_alone_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from archcalc.diagram.towers import MAX_PARTS as TOWER_PARTS
    from archcalc.diagram.towers import towers, towers_fitted

    a = analyse(build_graph(load_spec("alexnet")))  # split across 2 GPUs: its towers, cut into 1 to 3 parts
    runs = counted_runs(monkeypatch)
    chosen = towers_fitted(a, 16 / 9).source
    assert runs == [TOWER_PARTS]  # one dot process for the three
    misses = [abs(_miss(render.layout_inches(towers(a, k)), 16 / 9)) for k in range(1, TOWER_PARTS + 1)]
    assert chosen == towers(a, 1 + min(range(TOWER_PARTS), key=lambda i: (round(misses[i], 9), i))).source
