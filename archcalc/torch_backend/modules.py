"""Layer modules that torch does not have: the AlexNet paper's LRN, LeNet-1998's scaled tanh,
subsampling, RBF output units and connection-table convolution, the merges of a graph; and the
helpers the kinds' builders share (a fused activation, a flatten before a dense layer)."""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention
from torch import nn

Table = tuple[tuple[int, ...], ...]  # per filter, the input maps it reads


class PaperLRN(nn.Module):
    """Local response normalisation as the AlexNet paper writes it (section 3.3):
    b_i = a_i / (k + α·Σ_j a_j²)^β, j over the `size` maps centred on i, within each of `groups`
    groups of maps (the paper's towers normalised over their own GPU's maps only).
    torch's LocalResponseNorm divides α by the window size, so it is given α·size."""

    def __init__(self, size: int, alpha: float, beta: float, k: float, groups: int = 1) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k, self.groups = size, alpha, beta, k, groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, ...) -> (N, C, ...)
        n, c = x.shape[:2]
        # (N·G, C/G, H·W): one map group per row, so torch's 3-D path runs for any input
        # (it also has float16 and bfloat16 kernels on the CPU, which the 4-D path lacks)
        grouped = x.reshape(n * self.groups, c // self.groups, -1)
        out = F.local_response_norm(grouped, self.size, self.alpha * self.size, self.beta, self.k)
        return out.view(x.shape)

    def extra_repr(self) -> str:
        groups = f", groups={self.groups}" if self.groups != 1 else ""
        return f"{self.size}, alpha={self.alpha:g} (paper), beta={self.beta:g}, k={self.k:g}{groups}"


class ScaledTanh(nn.Module):
    """LeCun et al. (1998), appendix A: f(a) = A·tanh(S·a), A = 1.7159, S = 2/3."""

    A = 1.7159
    S = 2 / 3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.A * torch.tanh(self.S * x)


class Subsampling(nn.Module):
    """LeNet-1998's S2/S4 (section II.B): the sum of each window × a coefficient + a bias, one of
    each per map. The sum is average pooling × the window's area, which torch counts as 0 FLOPs."""

    def __init__(self, channels: int, kernel: tuple[int, int], stride: tuple[int, int]) -> None:
        super().__init__()
        self.kernel, self.stride = kernel, stride
        bound = 1 / math.sqrt(kernel[0] * kernel[1])  # as nn.Conv2d initialises a fan-in of kh·kw
        self.weight = nn.Parameter(torch.empty(channels).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(channels).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, H, W) -> (N, C, H', W')
        area = self.kernel[0] * self.kernel[1]
        window_sum = F.avg_pool2d(x, self.kernel, self.stride) * area
        return window_sum * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)

    def extra_repr(self) -> str:
        return f"{self.weight.numel()}, kernel={self.kernel}, stride={self.stride}"


class RBFUnits(nn.Module):
    """LeNet-1998's output (section II.B): y_i = Σ_j (x_j − w_ij)², one fixed parameter vector per
    unit (requires_grad False: the paper chose them by hand, as ±1 bitmaps).
    Computed as ‖x‖² − 2·x·w_i + ‖w_i‖²: one matrix product, as the calculator counts it."""

    def __init__(self, features: int, units: int) -> None:
        super().__init__()
        codes = torch.randint(0, 2, (units, features)).float() * 2 - 1
        self.weight = nn.Parameter(codes, requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, features) -> (N, units)
        return (x * x).sum(1, keepdim=True) - 2 * F.linear(x, self.weight) + (self.weight * self.weight).sum(1)

    def extra_repr(self) -> str:
        return f"in_features={self.weight.shape[1]}, units={self.weight.shape[0]}, fixed"


class TableConv2d(nn.Module):
    """A convolution whose filter f reads only the input maps of row f of a connections table
    (LeNet-1998's C3, table I). Filters that read the same number of maps run as one grouped
    convolution over the maps they read, so torch holds and multiplies only the connected weights."""

    def __init__(self, in_maps: int, table: Table, kernel: tuple[int, int], stride: tuple[int, int],
                 padding: tuple[int, int], dilation: tuple[int, int], bias: bool) -> None:
        super().__init__()
        self.in_maps, self.stride, self.padding, self.dilation = in_maps, stride, padding, dilation
        fan_ins = sorted({len(row) for row in table})
        order: list[int] = []
        self.weights = nn.ParameterList()
        for i, fan_in in enumerate(fan_ins):
            filters = [f for f, row in enumerate(table) if len(row) == fan_in]
            order += filters
            self.register_buffer(f"maps{i}", torch.tensor([m for f in filters for m in table[f]]))
            conv = nn.Conv2d(fan_in * len(filters), len(filters), kernel, groups=len(filters), bias=False)
            self.weights.append(conv.weight)  # nn.Conv2d's usual initialisation, fan-in = fan_in·kh·kw
        self.register_buffer("order", torch.tensor([order.index(f) for f in range(len(table))]))
        bounds = torch.tensor([1 / math.sqrt(len(row) * kernel[0] * kernel[1]) for row in table])  # as nn.Conv2d, per filter
        self.bias = nn.Parameter((torch.rand(len(table)) * 2 - 1) * bounds) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, H, W) -> (N, filters, H', W')
        outs = [
            F.conv2d(x.index_select(1, self.get_buffer(f"maps{i}")), w, None, self.stride, self.padding, self.dilation, w.shape[0])
            for i, w in enumerate(self.weights)
        ]
        y = torch.cat(outs, 1).index_select(1, self.get_buffer("order"))
        return y if self.bias is None else y + self.bias.view(1, -1, 1, 1)

    def extra_repr(self) -> str:
        return f"{self.in_maps}, {self.get_buffer('order').numel()}, table of {sum(int(w.shape[0] * w.shape[1]) for w in self.weights)} connections"


class Add(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Concat(nn.Module):
    """Concatenation along channels; with gpus G, per GPU: each input's i-th C/G maps together."""

    def __init__(self, gpus: int = 1) -> None:
        super().__init__()
        self.gpus = gpus

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        if self.gpus == 1:
            return torch.cat(xs, 1)
        shares = [x.chunk(self.gpus, 1) for x in xs]
        return torch.cat([s[g] for g in range(self.gpus) for s in shares], 1)

    def extra_repr(self) -> str:
        return f"gpus={self.gpus}" if self.gpus != 1 else ""


def fused(parts: list[tuple[str, nn.Module]], activation: str | None) -> nn.Module:
    """A layer's module, with its fused activation after it (run in place: nothing else reads the layer's own output)."""
    if activation is not None:
        from archcalc.kinds import activation_kind

        parts = [*parts, (activation, activation_kind(activation).module(fused=True))]
    return parts[0][1] if len(parts) == 1 else nn.Sequential(OrderedDict(parts))


def flattened(x: tuple[int, ...]) -> list[tuple[str, nn.Module]]:
    """An nn.Flatten first, for an input with more than one axis."""
    return [("flatten", nn.Flatten())] if len(x) > 1 else []
