"""training.peaks, which memory() uses for `show`'s training figures, gives each optimiser's peak as step(...).peak does:
one walk of the step for all four optimisers, its moments not kept."""

from __future__ import annotations

import pytest

from archcalc.analysis import analyse
from archcalc.analysis.graph import build_graph
from archcalc.analysis.memory import OPTIMISER_STATES
from archcalc.analysis.training import peaks, step
from archcalc.specfile import load_spec


@pytest.mark.parametrize("name", ["alexnet", "googlenet", "unet", "lenet5-1998"])  # towers, branches, crops, frozen layers
def test_one_walk_gives_each_optimisers_peak(name: str) -> None:
    rows = analyse(build_graph(load_spec(name))).rows
    for batch, itemsize in ((1, 4), (16, 2)):
        walked = peaks(rows, batch, itemsize, OPTIMISER_STATES)
        for optimiser, copies in OPTIMISER_STATES.items():
            each = step(rows, batch, itemsize, optimiser, copies)
            figures, peak = walked[optimiser]
            assert peak == each.peak, (name, optimiser, batch)
            assert (figures.param_bytes, figures.optimiser_bytes, figures.input_bytes, figures.activation_bytes) == \
                (each.param_bytes, each.optimiser_bytes, each.input_bytes, each.activation_bytes)
