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


def fused(parts: list[tuple[str, nn.Module]], activation: tuple[str, nn.Module] | None) -> nn.Module:
    """A layer's module, with its fused activation after it, named and built by the kind
    (archcalc.kinds.base.fused_activation: in place, nothing else reads the layer's own output)."""
    if activation is not None:
        parts = [*parts, activation]
    return parts[0][1] if len(parts) == 1 else nn.Sequential(OrderedDict(parts))


def flattened(x: tuple[int, ...]) -> list[tuple[str, nn.Module]]:
    """An nn.Flatten first, for an input with more than one axis."""
    return [("flatten", nn.Flatten())] if len(x) > 1 else []


class Multiply(nn.Module):
    """Element-wise product; a C×1×1 input is broadcast over the other's H×W (squeeze-and-excitation)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class Chunk(nn.Module):
    """The index-th of `chunks` equal channel slices: x.chunk(chunks, dim=1)[index] (ShuffleNetV2)."""

    def __init__(self, chunks: int, index: int) -> None:
        super().__init__()
        self.chunks, self.index = chunks, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.chunk(self.chunks, dim=1)[self.index]

    def extra_repr(self) -> str:
        return f"chunks={self.chunks}, index={self.index}"


class LayerNorm2d(nn.LayerNorm):
    """nn.LayerNorm over the channels at each position of an (N, C, H, W) tensor (torchvision's LayerNorm2d)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, H, W) -> (N, H, W, C) -> normalised -> (N, C, H, W)
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class LayerScale(nn.Module):
    """A learned factor per channel (ConvNeXt, CaiT), starting at `init`."""

    def __init__(self, channels: int, init: float, spatial: bool) -> None:
        super().__init__()
        shape = (channels, 1, 1) if spatial else (channels,)
        self.weight = nn.Parameter(torch.full(shape, init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight


class StochasticDepth(nn.Module):
    """Drops the whole input (mode 'batch') or each sample's (mode 'row') with probability `rate` in training,
    scaling what is kept by 1/(1 − rate), as torchvision.ops.StochasticDepth; the identity at inference."""

    def __init__(self, rate: float, mode: str) -> None:
        super().__init__()
        self.rate, self.mode = rate, mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0:
            return x
        shape = (x.shape[0],) + (1,) * (x.dim() - 1) if self.mode == "row" else (1,) * x.dim()
        keep = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(1 - self.rate)
        return x * keep / (1 - self.rate)

    def extra_repr(self) -> str:
        return f"p={self.rate}, mode={self.mode}"


class LayerNormShare(nn.Module):
    """GPU g's part of a LayerNorm2d split across G GPUs: it normalises the whole input over every channel
    (as the whole layer does), keeps its own C/G channels, and holds only their weights and biases."""

    def __init__(self, whole: nn.LayerNorm, g: int, G: int) -> None:
        super().__init__()
        c = whole.normalized_shape[0] // G
        self.eps, self.first, self.count = whole.eps, g * c, c
        self.weight = nn.Parameter(whole.weight.detach()[g * c:(g + 1) * c].clone()) if whole.weight is not None else None
        self.bias = nn.Parameter(whole.bias.detach()[g * c:(g + 1) * c].clone()) if whole.bias is not None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, H, W) whole -> (N, C/G, H, W), its share
        y = F.layer_norm(x.permute(0, 2, 3, 1), x.shape[1:2], eps=self.eps).narrow(3, self.first, self.count)
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y.permute(0, 3, 1, 2)


class CenterCrop(nn.Module):
    """The centre of x cut to `size`, or to the H×W of a second input, as torchvision's center_crop cuts it
    (the top and left margins rounded: int(round((H − h)/2)))."""

    def __init__(self, size: tuple[int, int] | None) -> None:
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        h, w = self.size if self.size is not None else reference.shape[-2:]  # type: ignore[union-attr]
        if torch.onnx.is_in_onnx_export():  # traced, the sizes are tensors: constants in the ONNX file (fvcore's trace still fails here)
            h, w = int(h), int(w)
            x_h, x_w = int(x.shape[-2]), int(x.shape[-1])
        else:
            x_h, x_w = x.shape[-2], x.shape[-1]
        top, left = int(round((x_h - h) / 2.0)), int(round((x_w - w) / 2.0))
        return x[..., top:top + h, left:left + w]
