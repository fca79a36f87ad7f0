"""LeNet-5 as published in 1998, built in torch by `archcalc run`, held against the paper.

Source for every figure unless a comment says otherwise: LeCun, Bottou, Bengio & Haffner,
"Gradient-based learning applied to document recognition", Proc. IEEE 86(11), 1998 —
section II.B (the layers, their trainable parameters, table I), appendix A (the squashing
function). FLOPs follow torch's FlopCounterMode (2 per multiply-accumulate of a weight, 0 for
subsampling and activations); the paper gives none, so they are worked by hand beside each row.

The C3 kernel is measured, not read from the module's internal layout: for an input the size of
the kernel the output is 1×1, so the Jacobian of the output with respect to the input is the
equivalent full 16×6×5×5 kernel, and the output at a zero input is the bias.
"""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention
from click.testing import CliRunner
from torch import nn

from archcalc import torch_backend as tb
from archcalc.analysis import Analysis, analyse
from archcalc.analysis.graph import Graph, build_graph
from archcalc.cli.app import main
from archcalc.specfile import load_spec

# (layer, output shape, trainable params, frozen params, FLOPs at batch 1)
PAPER = [
    ("C1", (6, 28, 28), 156, 0, 235_200),  # (1·5·5 + 1)·6 = 156; 2 · 6·25 weights · 28·28 positions
    ("S2", (6, 14, 14), 12, 0, 0),  # a coefficient and a bias per map: 2·6
    ("C3", (16, 10, 10), 1_516, 0, 300_000),  # 60 connected maps · 25 + 16 biases; 2 · 1,500 · 10·10
    ("S4", (16, 5, 5), 32, 0, 0),  # 2·16
    ("C5", (120, 1, 1), 48_120, 0, 96_000),  # (16·25 + 1)·120 = 48,120 "trainable connections"; 2 · 48,000 · 1
    ("F6", (84,), 10_164, 0, 20_160),  # (120 + 1)·84; 2 · 10,080
    ("output", (10,), 0, 840, 1_680),  # 10 fixed vectors of 84 (not trained); 2 · 840 as one matrix product
]
TRAINABLE_TOTAL = 60_000  # "60,000 trainable parameters" (the paper's LeNet-5 total)

# Table I: the S2 maps each C3 map reads
TABLE_I = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5), (0, 1, 2, 3, 4, 5),
)
CONNECTED = torch.tensor([[m in row for m in range(6)] for row in TABLE_I])  # (16, 6): filter f reads map m


@pytest.fixture(scope="module")
def lenet() -> tuple[Graph, Analysis]:
    graph = build_graph(load_spec("lenet5-1998"))
    return graph, analyse(graph)


def fresh_module(lenet: tuple[Graph, Analysis], seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return tb.build_module(*lenet)


def c3_conv(module: nn.Module) -> nn.Module:
    found = [m for m in module.get_submodule("C3").modules() if isinstance(m, tb.TableConv2d)]
    assert len(found) == 1, "C3 is built as one TableConv2d"
    return found[0]


def equivalent_kernel(conv: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """The full (16, 6, 5, 5) kernel and the (16,) bias that the module computes with (see the docstring):
    y_f = b_f + Σ_{m,u,v} K[f, m, u, v] · x[m, u, v] for a 6×5×5 input (cross-correlation, no padding)."""
    probe = torch.zeros(1, 6, 5, 5)
    with torch.no_grad():
        bias = conv(probe)[0, :, 0, 0]
    kernel = torch.autograd.functional.jacobian(lambda x: conv(x)[0, :, 0, 0], probe)  # (16, 1, 6, 5, 5)
    return kernel[:, 0].detach(), bias


def penalty_loss(module: nn.Module, seed: int) -> torch.Tensor:
    """The paper's maximum-likelihood criterion (section III.C, eq. 8): the mean RBF output of the
    correct class, on random images and labels."""
    g = torch.Generator().manual_seed(seed)
    x, labels = torch.randn(8, 1, 32, 32, generator=g), torch.randint(0, 10, (8, 1), generator=g)
    return module(x).gather(1, labels).mean()


# --- archcalc run, through the command line ---------------------------------------------------


def test_archcalc_run_passes_every_check_with_the_papers_figures() -> None:
    fast = ["run", "lenet5-1998", "--device", "cpu", "--min-time", "0.01"]
    doc = CliRunner().invoke(main, [*fast, "--format", "json"])
    assert doc.exit_code == 0, doc.output
    result = json.loads(doc.stdout)
    assert result["checks"] == {"shapes": True, "params": True, "flops": True} and result["mismatches"] == []
    table = CliRunner().invoke(main, fast)
    assert table.exit_code == 0, table.output
    rows = {line.split()[0]: line.split() for line in table.stdout.splitlines() if line.split()[:1] in ([r[0]] for r in PAPER)}
    for name, shape, trainable, frozen, flops in PAPER:  # every figure of the table, each ✓ (torch agrees)
        params = [f"{trainable:,}", "✓"] + (["+", f"{frozen:,}", "fixed", "✓"] if frozen else [])
        assert rows[name][2:] == ["×".join(map(str, shape)), "✓", *params, f"{flops:,}", "✓"], rows[name]
    assert "✓ every layer's output shape, parameters and FLOPs agree with torch" in table.stdout


def test_the_built_module_has_the_papers_figures_layer_by_layer(lenet: tuple[Graph, Analysis]) -> None:
    graph, a = lenet
    v = tb.verify(graph, a, "cpu", torch.float32, fresh_module(lenet))
    measured = [(c.name, c.torch_shape, c.torch_params, c.torch_frozen_params, c.torch_flops) for c in v.layers]
    calculated = [(r.name, r.output, r.params, r.frozen_params, r.flops) for r in a.rows]
    assert measured == PAPER and calculated == PAPER


def test_sixty_thousand_trainable_parameters_and_the_fixed_rbf_codes(lenet: tuple[Graph, Analysis]) -> None:
    module = fresh_module(lenet)
    assert sum(p.numel() for p in module.parameters() if p.requires_grad) == TRAINABLE_TOTAL
    assert sum(p.numel() for p in module.parameters() if not p.requires_grad) == 840  # 10 codes × 84
    assert lenet[1].totals.params == TRAINABLE_TOTAL and lenet[1].totals.frozen_params == 840


# --- C3: the masked-out weights neither count nor train ---------------------------------------


def test_the_spec_states_table_i() -> None:
    c3 = next(node for node in build_graph(load_spec("lenet5-1998")).nodes if node.name == "C3")
    assert c3.layer.connections_table == TABLE_I  # type: ignore[attr-defined]


def test_c3_holds_exactly_the_connected_weights(lenet: tuple[Graph, Analysis]) -> None:
    conv = c3_conv(fresh_module(lenet))
    # 60 connected (filter, map) pairs in table I (6·3 + 9·4 + 1·6) · 25 weights + 16 biases = 1,516
    assert int(CONNECTED.sum()) == 60
    assert sum(p.numel() for p in conv.parameters() if p.requires_grad) == 1_516
    assert sum(p.numel() for p in conv.parameters() if not p.requires_grad) == 0
    kernel, bias = equivalent_kernel(conv)
    assert kernel.shape == (16, 6, 5, 5)
    assert torch.equal(kernel[~CONNECTED], torch.zeros(96 - 60, 5, 5))  # exactly zero: the module never reads those maps
    assert bool(kernel[CONNECTED].ne(0).all())  # every connected weight is live (random initialisation)
    # the connected entries are the module's own weights, each once: 1,500 values
    weights = torch.cat([p.detach().flatten() for p in conv.parameters() if p.dim() == 4])
    assert torch.equal(kernel[CONNECTED].flatten().sort().values, weights.sort().values)
    assert torch.equal(bias, conv.bias.detach())


def test_c3_equals_a_full_conv_with_the_equivalent_kernel(lenet: tuple[Graph, Analysis]) -> None:
    conv = c3_conv(fresh_module(lenet))
    kernel, bias = equivalent_kernel(conv)
    x = torch.randn(4, 6, 14, 14, generator=torch.Generator().manual_seed(1))  # S2's output shape, batch 4
    with torch.no_grad():
        ours = conv(x)
    full = F.conv2d(x, kernel, bias)
    assert ours.shape == full.shape == (4, 16, 10, 10)
    assert torch.allclose(ours, full, rtol=1e-5, atol=1e-5)  # float32: a different summation order


@pytest.mark.parametrize("optimiser", [
    lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9),
    lambda params: torch.optim.Adam(params, lr=1e-3),
], ids=["sgd", "adam"])
def test_an_optimiser_step_keeps_the_unconnected_weights_zero(lenet: tuple[Graph, Analysis], optimiser: object) -> None:
    module = fresh_module(lenet)
    conv = c3_conv(module)
    before, _ = equivalent_kernel(conv)
    opt = optimiser(list(module.parameters()))  # type: ignore[operator]  # every parameter, the frozen ones too
    opt.zero_grad()
    penalty_loss(module, seed=2).backward()
    opt.step()
    after, _ = equivalent_kernel(conv)
    assert sum(p.numel() for p in conv.parameters()) == 1_516  # still no room for the unconnected weights
    assert torch.equal(after[~CONNECTED], torch.zeros(36, 5, 5))  # exactly zero after the step
    assert bool(after[CONNECTED].ne(before[CONNECTED]).all())  # while all 1,500 connected weights moved


# --- the RBF output ---------------------------------------------------------------------------


def test_rbf_is_the_squared_euclidean_distance(lenet: tuple[Graph, Analysis]) -> None:
    rbf = fresh_module(lenet).get_submodule("output")
    assert isinstance(rbf, tb.RBFUnits)
    codes = rbf.weight.detach()  # (10, 84)
    with torch.no_grad():
        # by hand: at x = 0 each unit gives Σ_j w_ij² = 84 ones; at x = code k, unit k gives 0 and unit i
        # gives 4 per position where the codes differ ((±1 ∓ 1)² = 4), i.e. 4 × their Hamming distance
        assert torch.equal(rbf(torch.zeros(1, 84)), torch.full((1, 10), 84.0))
        for k in range(10):
            hamming = (codes != codes[k]).sum(1).float()
            assert torch.equal(rbf(codes[k : k + 1]), 4 * hamming.unsqueeze(0))
        x = torch.randn(5, 84, generator=torch.Generator().manual_seed(3))
        by_definition = ((x.double()[:, None, :] - codes.double()[None, :, :]) ** 2).sum(-1)  # y_i = Σ_j (x_j − w_ij)²
        assert torch.allclose(rbf(x).double(), by_definition, rtol=1e-5, atol=1e-4)
    small = tb.RBFUnits(3, 2)
    with torch.no_grad():
        small.weight.copy_(torch.tensor([[1.0, 1.0, 1.0], [-1.0, 1.0, -1.0]]))
        # x = (1, 2, 0): (0² + 1² + 1², 2² + 1² + 1²) = (2, 6)
        assert torch.equal(small(torch.tensor([[1.0, 2.0, 0.0]])), torch.tensor([[2.0, 6.0]]))


def test_rbf_vectors_are_fixed_plus_minus_one_codes(lenet: tuple[Graph, Analysis]) -> None:
    # RBFUnits documents its vectors as ±1 (the paper's 7×12 bitmaps, 7·12 = 84 = F6's units), fixed
    rbf = fresh_module(lenet).get_submodule("output")
    w = rbf.weight
    assert isinstance(w, nn.Parameter) and w.shape == (10, 7 * 12) and not w.requires_grad
    assert torch.equal(w.abs(), torch.ones(10, 84))


@pytest.mark.parametrize("optimiser", [torch.optim.SGD, torch.optim.Adam], ids=["sgd", "adam"])
def test_rbf_vectors_do_not_train(lenet: tuple[Graph, Analysis], optimiser: type[torch.optim.Optimizer]) -> None:
    module = fresh_module(lenet)
    rbf = module.get_submodule("output")
    codes = rbf.weight.detach().clone()
    f6 = module.get_submodule("F6.linear").weight.detach().clone()
    opt = optimiser(module.parameters(), lr=0.01)
    penalty_loss(module, seed=4).backward()
    opt.step()
    assert rbf.weight.grad is None and torch.equal(rbf.weight, codes)
    assert not torch.equal(module.get_submodule("F6.linear").weight, f6)  # the step did train the layer below


# --- subsampling and the squashing function ---------------------------------------------------


def test_subsampling_is_coefficient_times_window_sum_plus_bias(lenet: tuple[Graph, Analysis]) -> None:
    s2 = fresh_module(lenet).get_submodule("S2")
    sub = next(m for m in s2.modules() if isinstance(m, tb.Subsampling))
    assert sub.weight.shape == sub.bias.shape == (6,)  # one coefficient and one bias per map
    coefficient = torch.tensor([0.5, -2.0, 1.0, 0.25, 3.0, -0.75])
    bias = torch.tensor([1.0, 0.25, -1.0, 0.0, 2.0, 0.5])
    with torch.no_grad():
        sub.weight.copy_(coefficient)
        sub.bias.copy_(bias)
    x = torch.arange(6 * 4 * 4, dtype=torch.float32).view(1, 6, 4, 4)  # map m holds 16m … 16m + 15, row-major
    with torch.no_grad():
        a = sub(x)
        squashed = s2(x)
    assert a.shape == (1, 6, 2, 2)
    # by hand: map 0 top-left window 0 + 1 + 4 + 5 = 10 → 0.5·10 + 1 = 6;
    # map 1 bottom-right 26 + 27 + 30 + 31 = 114 → −2·114 + 0.25 = −227.75;
    # map 4 top-right 66 + 67 + 70 + 71 = 274 → 3·274 + 2 = 824
    assert a[0, 0, 0, 0].item() == 6.0 and a[0, 1, 1, 1].item() == -227.75 and a[0, 4, 0, 1].item() == 824.0
    expected = torch.empty(1, 6, 2, 2)
    for m in range(6):
        for i in range(2):
            for j in range(2):
                window = x[0, m, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
                expected[0, m, i, j] = coefficient[m] * window.sum() + bias[m]
    assert torch.equal(a, expected)  # dyadic coefficients, integer sums: exact in float32
    assert torch.allclose(squashed, 1.7159 * torch.tanh(2 / 3 * expected))  # S2 squashes its subsampled sum


def test_the_squashing_function_is_appendix_a() -> None:
    a = torch.linspace(-6, 6, 1201, dtype=torch.float64)
    f = tb.ScaledTanh()
    assert torch.allclose(f(a), 1.7159 * torch.tanh(2 / 3 * a), rtol=1e-12, atol=0)  # f(a) = A·tanh(S·a)
    # appendix A: A and S are chosen so that f(1) = 1 and f(−1) = −1 (to 3·10⁻⁶: 1.7159·tanh(2/3) = 0.9999973)
    assert math.isclose(f(torch.tensor(1.0, dtype=torch.float64)).item(), 1.0, abs_tol=1e-5)
    assert math.isclose(f(torch.tensor(-1.0, dtype=torch.float64)).item(), -1.0, abs_tol=1e-5)
    # … and |f''| is largest near ±1: at a = atanh(1/√3)/S = 0.988 (the second derivative by autograd)
    grid = torch.linspace(0, 3, 3001, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(f(grid).sum(), grid, create_graph=True)
    (curvature,) = torch.autograd.grad(slope.sum(), grid)
    peak = grid[curvature.abs().argmax()].item()
    assert math.isclose(peak, math.atanh(1 / math.sqrt(3)) * 1.5, abs_tol=1e-3) and abs(peak - 1) < 0.02
    # the amplitude A bounds the output
    assert f(torch.tensor(50.0, dtype=torch.float64)).item() == pytest.approx(1.7159, abs=1e-12)
