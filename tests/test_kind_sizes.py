"""Every kind's size rule proven against torch, generically over the registry: a wrong `sizing` in any kind,
today's or one added later, is a red test here.

Each example of each kind (its `examples`) takes inputs of generated shapes: odd, tiny (1×1 up) and
non-square H×W. Where archcalc accepts a shape, the module its own builder makes gives exactly the output
shape archcalc states, never an empty one. A merge kind takes the input and a 1×1 convolution of it (one
shape), or a 3×3 unpadded one (smaller, for a crop). Where archcalc refuses a shape, torch may still run
(it is stricter on purpose: torchvision's center crop pads a map smaller than its size, torch broadcasts an
add of 4×3×3 and 4×1×1): that direction is proven for the window kinds, where it must hold, by
tests/test_properties.py (test_a_layer_archcalc_rejects_is_one_torch_cannot_run). The default run takes a
grid of 12 shapes per example; `-m slow` every H, W from 1 to 13."""

from __future__ import annotations

import math

import pytest
import torch
from proof_nets import CHANNELS, Example, Row, analysed, conv, examples

from archcalc import torch_backend as tb

EXAMPLES = examples()
QUICK_SHAPES = [(1, 1), (1, 2), (2, 1), (2, 3), (3, 3), (3, 5), (4, 7), (5, 4), (7, 7), (8, 5), (9, 12), (13, 6)]
EVERY_SHAPE = [(h, w) for h in range(1, 14) for w in range(1, 14)]


def with_inputs(ex: Example) -> list[tuple[list[Row], list[str]]]:
    """The layers before the kind and its inputs: the network input alone, or the input and a branch of it."""
    if ex.arity == 1:
        return [([], ["input"])]
    return [([conv("b", ["input"], kernel=1, padding=0, activation=None)], ["input", "b"]),
            ([conv("b", ["input"], padding=0, activation=None)], ["input", "b"])]


def prove_sizes(ex: Example, shapes: list[tuple[int, int]]) -> tuple[int, int]:
    """(accepted, refused) shapes, each checked against torch."""
    accepted = refused = 0
    for image in shapes:
        for before, inputs in with_inputs(ex):
            rows = [*before, *ex.rows("x", inputs)]
            built = analysed(rows, image)
            if built is None:
                refused += 1
                continue
            graph, a = built
            torch.manual_seed(0)
            module = tb.build_module(graph, a).double().eval()
            with torch.no_grad():
                out = module(torch.randn(1, *a.input, dtype=torch.float64))
            stated = a.rows[-1].output
            assert tuple(out.shape[1:]) == stated, f"{ex.id} on {CHANNELS}×{image[0]}×{image[1]}: archcalc says {stated}, torch gives {tuple(out.shape[1:])}"
            assert math.prod(stated) > 0
            accepted += 1
    return accepted, refused


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_size_rule_against_torch(ex: Example) -> None:
    accepted, refused = prove_sizes(ex, QUICK_SHAPES)
    assert accepted >= 3 and accepted + refused == len(QUICK_SHAPES) * len(with_inputs(ex)), f"{ex.id}: archcalc takes {accepted} of the shapes tried: give the kind examples that fit small inputs"


@pytest.mark.slow
@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_size_rule_against_torch_every_shape(ex: Example) -> None:
    prove_sizes(ex, EVERY_SHAPE)
