"""`archcalc run`'s quick weights (torch_backend.quickinit): torch's own draw for the first rows, repeated down the rest."""

from __future__ import annotations

import math

import torch
from torch import nn

from archcalc.torch_backend.quickinit import BLOCK, QuickInit


def test_a_large_weight_repeats_rows_drawn_from_torchs_distribution() -> None:
    with QuickInit():
        layer = nn.Linear(1000, 200)  # 200,000 values > BLOCK (65,536)
    w = layer.weight.detach()
    rows = BLOCK // 1000  # 65 rows drawn, each an output unit's 1,000 weights
    assert torch.equal(w[rows:2 * rows], w[:rows]) and torch.equal(w[195:], w[:5])  # 200 = 3 × 65 + 5
    assert not torch.equal(w[1], w[0])
    # nn.Linear's weights: U(−1/√in, 1/√in) (its reset_parameters: kaiming_uniform_ with a = √5); a uniform's sd = bound/√3
    bound = 1 / math.sqrt(1000)
    assert w.abs().max() <= bound and abs(w[:rows].std().item() / (bound / math.sqrt(3)) - 1) < 0.02


def test_small_weights_and_other_draws_are_torchs_own() -> None:
    torch.manual_seed(0)
    usual = nn.Linear(100, 100).weight.detach()  # 10,000 values: at most BLOCK
    torch.manual_seed(0)
    with QuickInit():
        quick = nn.Linear(100, 100).weight.detach()
    assert torch.equal(quick, usual)
    torch.manual_seed(0)
    fan_out = nn.init.kaiming_uniform_(torch.empty(300, 300), mode="fan_out")
    torch.manual_seed(0)
    with QuickInit():
        assert torch.equal(nn.init.kaiming_uniform_(torch.empty(300, 300), mode="fan_out"), fan_out)  # 90,000 values, not fan-in
