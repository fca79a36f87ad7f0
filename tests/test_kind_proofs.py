"""Every kind's receptive-field rule proven against torch, generically over the registry (archcalc.kinds.KINDS):
a wrong `field` rule in any kind, today's or one added later, is a red test here.

For each example of each kind (its `examples`), small networks around it (tests/proof_nets.py) go through
archcalc's pipeline and its own torch builder (archcalc.torch_backend.build_module), in float64. Which input
pixels influence an output unit is measured by propagation, not by chance: the input with one whole row (or
column) set to NaN, one sample per row and per column, and the units whose value turns NaN (over any of their
maps) are the ones that read that row (column). NaN is never cancelled (0·NaN is NaN, a max pool, ReLU, clamp
and every activation here pass it on), so no weight or input can hide a dependency, and a max pool's every
input counts, not only the largest (a gradient reaches only the largest). What archcalc states, per axis, for
every unit of every layer of the network:

- no row (column) outside the unit's field is read;
- where the field lies inside the image along an axis, the unit reads its first and its last row (column)
  exactly (the extent; with dilation the field has holes between them), and neighbouring units' fields
  start `jump` apart;
- a field said to be the whole input: the unit reads every row and column of the image, first to last;
- a field said to be a bound (`exact` false): no unit reads further than its size; the first unit stays in its field.

At a squeeze-and-excitation product the gate is held fixed (its value from a clean pass): archcalc states the
field of the map the gate scales (archcalc/kinds/terms/fields.py); the gate's branch itself is checked as the whole input.
The default run takes one image per example; `-m slow` every image of tests/proof_nets.IMAGES."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import torch
from proof_nets import IMAGES, QUICK_IMAGES, Example, Row, analysed, examples, networks

from archcalc import torch_backend as tb
from archcalc.analysis import propagate
from archcalc.analysis.graph import Graph
from archcalc.analysis.receptive import field_walk
from archcalc.kinds.terms.fields import Field

EXAMPLES = examples()


Reads = dict[str, torch.Tensor]  # layer -> (rows + cols, gh, gw): which input rows, then columns, each unit reads


def _broadcast(args: tuple[torch.Tensor, ...]) -> list[int]:
    """The positions of a multiply's C×1×1 inputs that it broadcasts over larger maps (gates)."""
    size = max(a.shape[-1] * a.shape[-2] if a.dim() == 4 else 1 for a in args)
    return [k for k, a in enumerate(args) if a.dim() == 4 and a.shape[-1] * a.shape[-2] == 1 < size]


def hold_gates(module: torch.nn.Module, graph: Graph, paths: dict[str, str], clean: dict[str, tuple[torch.Tensor, ...]]) -> list[Any]:
    """On the clean pass record each multiply's gates; on the probe pass use the recorded ones (held fixed)."""
    handles = []
    for node in graph.nodes:
        if node.layer.kind == "multiply":
            def hook(mod: torch.nn.Module, args: tuple[torch.Tensor, ...], name: str = node.name) -> tuple[torch.Tensor, ...]:
                if name not in clean:
                    clean[name] = args
                    return args
                return tuple(clean[name][k] if k in _broadcast(args) else a for k, a in enumerate(args))

            handles.append(module.get_submodule(paths[node.name]).register_forward_pre_hook(hook))
    return handles


def reads(rows: list[Row], image: tuple[int, int]) -> tuple[dict[str, Field], Reads]:
    """archcalc's field of every layer, and in torch which input rows and columns each unit of each layer reads."""
    built = analysed(rows, image)
    assert built is not None
    graph, a = built
    fields = field_walk(propagate(graph, graph.input))
    paths = tb.module_paths(n.name for n in graph.nodes)
    torch.manual_seed(0)
    module = tb.build_module(graph, a).double().eval()
    outputs: dict[str, torch.Tensor] = {}
    clean: dict[str, tuple[torch.Tensor, ...]] = {}
    handles = [module.get_submodule(paths[r.name]).register_forward_hook(
        lambda m, i, o, name=r.name: outputs.__setitem__(name, o)) for r in a.rows if r.name in fields]
    handles += hold_gates(module, graph, paths, clean)
    h, w = image
    x = torch.randn(1, *a.input, dtype=torch.float64)
    with torch.no_grad():
        module(x)
        assert not any(o.isnan().any() for o in outputs.values()), "the clean pass already has NaN"
        probe = x.repeat(h + w, 1, 1, 1)
        for r in range(h):
            probe[r, :, r, :] = math.nan
        for c in range(w):
            probe[h + c, :, :, c] = math.nan
        module(probe)
    for handle in handles:
        handle.remove()
    shapes = {r.name: r.output for r in a.rows}
    return fields, {name: as_maps(out, shapes[name], fields[name].grid).isnan().any(1) for name, out in outputs.items()}


def as_maps(out: torch.Tensor, shape: tuple[int, ...], grid: tuple[int, int]) -> torch.Tensor:
    """(probes, values, gh, gw): a channels-last map permuted back, a sequence's tokens laid on their grid (a class token
    in front, which reads nothing of the image until attention, left out)."""
    if getattr(shape, "channels_last", False):
        out = out.permute(0, 3, 1, 2)
    elif len(shape) == 2 and grid != (1, 1):
        out = out[:, shape[0] - grid[0] * grid[1]:].transpose(1, 2)
    return out.reshape(out.shape[0], -1, *grid)


def span(f: Field, i: int, axis: int) -> tuple[int, int]:
    """The first and last input pixel of unit i's field along one axis (a fractional field rounded outwards)."""
    first = f.field.start[axis] + i * f.field.jump[axis]
    return math.floor(first), math.ceil(first + f.field.size[axis]) - 1


def _whole_number(v: Any) -> bool:
    return isinstance(v, int) or (isinstance(v, Fraction) and v.denominator == 1)


def check_layer(name: str, f: Field, read: torch.Tensor, image: tuple[int, int]) -> None:
    """Every unit of one layer against its field, per axis (`read`: (H + W, gh, gw) booleans), all units at once."""
    check_axis(name, f, read[:image[0]].numpy(), 0)
    check_axis(name, f, read[image[0]:].numpy(), 1)


def check_axis(name: str, f: Field, lines: np.ndarray, axis: int) -> None:
    """`lines`: (rows or columns of the image, gh, gw): which of them each unit reads."""
    n = lines.shape[0]
    reads_any = lines.any(0)  # (gh, gw)
    first = lines.argmax(0)
    last = n - 1 - lines[::-1].argmax(0)
    index = np.indices(f.grid)[axis]  # each unit's index along this axis
    spans = np.array([span(f, i, axis) for i in range(f.grid[axis])]).reshape(-1, 2)
    lo, hi = spans[index, 0], spans[index, 1]

    def fail(bad: np.ndarray, what: str) -> str:
        i, j = (int(v) for v in np.argwhere(bad)[0])
        got = f"{first[i, j]}..{last[i, j]}" if reads_any[i, j] else "nothing"
        return (f"layer '{name}' unit {(i, j)} {'HW'[axis]}: archcalc says {f.field}; torch: it reads "
                f"{'rows' if axis == 0 else 'columns'} {got}, {what} {lo[i, j]}..{hi[i, j]}")

    if f.field.whole:
        bad = lines.sum(0) != n
        assert not bad.any(), fail(bad, f"not the whole input of {n}, its field said")
    elif not f.field.exact:  # bounds: no unit wider than the size; the first unit inside its field
        bad = reads_any & (last - first >= f.field.size[axis])
        assert not bad.any(), fail(bad, f"wider than its bound {f.field.size[axis]}, field")
        bad = reads_any & (index == 0) & ((first < lo) | (last > hi))
        assert not bad.any(), fail(bad, "outside the first unit's field")
    else:
        bad = reads_any & ((first < lo) | (last > hi))
        assert not bad.any(), fail(bad, "outside its field")
        if all(_whole_number(v) for v in (*f.field.start, *f.field.jump, *f.field.size)):
            inside = (lo >= 0) & (hi < n)
            bad = inside & (~reads_any | (first != lo) | (last != hi))
            assert not bad.any(), fail(bad, "not its field")
            check_jump(name, f, axis, first, reads_any & inside)


def check_jump(name: str, f: Field, axis: int, first: np.ndarray, inside: np.ndarray) -> None:
    """Each unit and the next along the axis, both inside the image there, start `jump` apart."""
    a, b = (slice(None, -1), slice(1, None))
    pair = (inside[a] & inside[b]) if axis == 0 else (inside[:, a] & inside[:, b])
    step = (first[b] - first[a]) if axis == 0 else (first[:, b] - first[:, a])
    bad = pair & (step != f.field.jump[axis])
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        nxt = (i + 1, j) if axis == 0 else (i, j + 1)
        raise AssertionError(f"layer '{name}': units {(i, j)} and {nxt} start {step[i, j]} apart along {'HW'[axis]}, "
                             f"archcalc's jump is {f.field.jump[axis]}")


def prove_fields(ex: Example, images: tuple[tuple[int, int], ...]) -> int:
    """Every network around the example, on each image: the number checked."""
    checked = 0
    for image in images:
        for template, rows in networks(ex, image):
            fields, read = reads(rows, image)
            for name, units in read.items():
                check_layer(f"{template}: {name}", fields[name], units, image)
            checked += 1
    return checked


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_field_rule_against_torch(ex: Example) -> None:
    image = QUICK_IMAGES[ex.index % len(QUICK_IMAGES)]
    assert prove_fields(ex, (image,)) >= 2, f"{ex.id}: fewer than two networks fit a {image} input: give the kind examples that do"


@pytest.mark.slow
@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_field_rule_against_torch_every_image(ex: Example) -> None:
    assert prove_fields(ex, IMAGES) >= len(IMAGES)


def test_every_kind_has_examples() -> None:
    """A kind with no example would be proven on nothing (archcalc.kinds.missing_rules asks for `examples` too)."""
    from archcalc.kinds import KINDS

    assert {e.kind for e in EXAMPLES} == set(KINDS)
