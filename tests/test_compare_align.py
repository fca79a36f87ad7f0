"""How `compare` and the side-by-side diagram line networks up: stages aligned by kind, in order,
each network against the first (archcalc.analysis.compare), stable when networks are added.

The two cases of issue 11: a spec with one more conv than LeNet before a single dense layer (its conv
used to land after LeNet's fc2), and `compare lenet lenet5-1998 alexnet`, which used to pair LeNet
and AlexNet differently from `compare lenet alexnet`.
"""

from __future__ import annotations

import itertools
import shutil
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.analysis import Analysis, analyse
from archcalc.analysis.compare import Comparison, compare
from archcalc.analysis.graph import build_graph
from archcalc.cli.app import main
from archcalc.specfile import bundled_names, load_spec, parse_spec

# LeNet's own C1–S4, then a C5 conv of 120 maps and one dense classifier: LeNet-5 (1998) without F6
MY_NET = """name: My net
input: [1, 32, 32]
layers:
  - {name: c1, type: conv, filters: 6, kernel: 5, activation: relu}
  - {name: s2, type: maxpool, kernel: 2}
  - {name: c3, type: conv, filters: 16, kernel: 5, activation: relu}
  - {name: s4, type: maxpool, kernel: 2}
  - {name: c5, type: conv, filters: 120, kernel: 5, activation: relu}
  - {name: out, type: dense, units: 10}
"""


@cache
def bundled(name: str) -> Analysis:
    return analyse(build_graph(load_spec(name)))


def my_net() -> Analysis:
    return analyse(build_graph(parse_spec(MY_NET, "my.yaml")))


def names(c: Comparison, columns: tuple[int, ...] | None = None) -> list[tuple[str | None, ...]]:
    """The lines as layer names, restricted to some networks (lines where they all have nothing are dropped)."""
    keep = columns if columns is not None else tuple(range(len(c.networks)))
    lines = [tuple(None if line[k] is None else line[k].row.name for k in keep) for line in c.stages]
    return [line for line in lines if any(cell is not None for cell in line)]


def test_a_conv_lands_before_the_other_networks_dense_layers() -> None:
    c = compare([bundled("lenet"), my_net()])
    assert names(c) == [("conv1", "c1"), ("pool1", "s2"), ("conv2", "c3"), ("pool2", "s4"), (None, "c5"),
                        ("fc1", None), ("fc2", None), ("fc3", "out")]  # out: 10 units beside LeNet's 10


def test_three_networks_pair_the_first_two_as_two_do() -> None:
    lenet, lenet1998, alexnet = bundled("lenet"), bundled("lenet5-1998"), bundled("alexnet")
    three = compare([lenet, lenet1998, alexnet])
    assert names(three, (0, 2)) == names(compare([lenet, alexnet]))
    assert names(three, (0, 1)) == names(compare([lenet, lenet1998]))
    assert names(compare([lenet, alexnet])) == [
        ("conv1", "conv1"), ("pool1", "pool1"), ("conv2", "conv2"), ("pool2", "pool2"), (None, "conv3"), (None, "conv4"),
        (None, "conv5"), (None, "pool5"), ("fc1", "fc6"), ("fc2", "fc7"), ("fc3", "fc8")]
    # LeNet-1998's C5 and AlexNet's conv3, both between LeNet's pool2 and fc1, share a line; F6 and the RBF
    # output sit beside LeNet's fc2 (84 units) and fc3 (10), whose shapes they have
    assert names(three)[4:] == [(None, "C5", "conv3"), (None, None, "conv4"), (None, None, "conv5"), (None, None, "pool5"),
                                ("fc1", None, "fc6"), ("fc2", "F6", "fc7"), ("fc3", "output", "fc8")]


SOME = ("lenet", "lenet5-1998", "alexnet", "vgg16", "resnet18", "squeezenet")


@pytest.mark.parametrize("first,second,third", list(itertools.permutations(SOME, 3)), ids="-".join)
def test_adding_a_network_never_changes_how_another_pairs_with_the_first(first: str, second: str, third: str) -> None:
    three = compare([bundled(first), bundled(second), bundled(third)])
    assert names(three, (0, 1)) == names(compare([bundled(first), bundled(second)]))
    assert names(three, (0, 2)) == names(compare([bundled(first), bundled(third)]))


@pytest.mark.parametrize("first,second", list(itertools.permutations(bundled_names(), 2)), ids="-".join)
def test_every_pair_of_bundled_specs_aligns_in_order_by_kind_maps_before_vectors(first: str, second: str) -> None:
    c = compare([bundled(first), bundled(second)])
    for k, a in enumerate(c.networks):  # every stage once, in its network's order
        order = [r.name for r in a.rows]
        shown = [line[k].row.name for line in c.stages if line[k] is not None]
        assert shown == sorted(shown, key=order.index) and len(shown) == len(set(shown))
    for line in c.stages:  # a line holds stages of one kind
        assert len({s.category for s in line if s is not None}) == 1
    # once a line holds a vector (after a flatten or a dense layer), no later line holds maps
    vector = [any(s is not None and len(s.row.output) == 1 for s in line) for line in c.stages]
    maps = [any(s is not None and len(s.row.output) == 3 for s in line) for line in c.stages]
    if any(vector):
        assert not any(maps[vector.index(True) + 1:])


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not on the PATH (apt-get install graphviz)")
@pytest.mark.dot
def test_the_side_by_side_diagram_uses_the_same_alignment(tmp_path: Path) -> None:
    from test_diagram import centre, svg_boxes  # a sibling module: tests/ is on the path, as for torch_layers

    spec = tmp_path / "my.yaml"
    spec.write_text(MY_NET, encoding="utf-8")
    svg = tmp_path / "side.svg"
    assert CliRunner().invoke(main, ["diagram", "lenet", str(spec), "--out", str(svg)]).exit_code == 0
    level = {title: centre(box)[1] for title, box in svg_boxes(svg).items()}
    assert level["n0_3_pool2"] == level["n1_3_s4"]
    assert level["n1_4_c5"] < level["n0_4_fc1"]  # my C5 conv above LeNet's first dense layer (y grows downwards)
    assert level["n0_6_fc3"] == level["n1_5_out"]
