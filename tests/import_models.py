"""Hand-written models in the styles people write, for tests/test_import.py. torchvision does not import here, so these
are written as torchvision writes its models; each is a callable that `archcalc import tests/import_models.py:NAME` calls."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812


def alexnet_like() -> nn.Sequential:
    """An nn.Sequential stack, as torchvision's AlexNet and VGG write their features and classifier."""
    return nn.Sequential(
        nn.Conv2d(3, 8, 5, stride=2, padding=2), nn.ReLU(inplace=True), nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0),
        nn.MaxPool2d(3, 2, ceil_mode=True), nn.Conv2d(8, 16, 3, padding=1, groups=2), nn.ReLU(),
        nn.AdaptiveAvgPool2d((2, 2)), nn.Flatten(), nn.Dropout(0.5), nn.Linear(64, 10), nn.Softmax(dim=1))


class Inception(nn.Module):
    """Branches joined by torch.cat, as GoogLeNet's Inception module."""

    def __init__(self, cin: int) -> None:
        super().__init__()
        self.b1 = nn.Conv2d(cin, 4, 1)
        self.b2 = nn.Sequential(nn.Conv2d(cin, 4, 1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1))
        self.b3 = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(cin, 2, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(torch.cat([self.b1(x), self.b2(x), self.b3(x)], 1))


class Functional(nn.Module):
    """LeNet's way: F.relu, F.max_pool2d, torch.sigmoid, x.view(x.size(0), -1), F.dropout; a ModuleList run in a loop."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.inc = nn.ModuleList([Inception(16), Inception(12)])
        self.fc = nn.Linear(12 * 2 * 2, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(torch.sigmoid(self.conv2(x)), kernel_size=2, stride=2)
        for m in self.inc:
            x = m(x)
        x = F.avg_pool2d(x, 2)
        x = x.view(x.size(0), -1)
        return F.dropout(self.fc(x), p=0.2, training=self.training)


class SqueezeExcitation(nn.Module):
    """torchvision.ops.SqueezeExcitation: pool, two 1×1 convolutions, a gate multiplied into the input."""

    def __init__(self, c: int, r: int = 4) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(c, c // r, 1)
        self.fc2 = nn.Conv2d(c // r, c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.fc2(F.relu(self.fc1(self.avgpool(x))))
        return x * torch.sigmoid(s)


class SENet(nn.Module):
    """Depthwise convolutions with squeeze-and-excitation (MobileNetV3, EfficientNet), x.mean((2, 3), keepdim=True)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        self.blocks = nn.Sequential(*[nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1, groups=16), nn.BatchNorm2d(16), nn.SiLU(),
                                                    SqueezeExcitation(16)) for _ in range(3)])
        self.head = nn.Linear(16, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.stem(x))
        x = x.mean((2, 3), keepdim=True)
        return self.head(torch.flatten(x, 1))


class EncoderBlock(nn.Module):
    """torchvision.models.vision_transformer.EncoderBlock: pre-norm attention and MLP, each with its residual sum."""

    def __init__(self, d: int, heads: int, mlp: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, eps=1e-6)
        self.self_attention = nn.MultiheadAttention(d, heads, batch_first=True)
        self.dropout = nn.Dropout(0.0)
        self.ln_2 = nn.LayerNorm(d, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(d, mlp), nn.GELU(), nn.Dropout(0.0), nn.Linear(mlp, d), nn.Dropout(0.0))

    def forward(self, input: torch.Tensor) -> torch.Tensor:  # noqa: A002 (torchvision's name)
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x)
        x = x + input
        y = self.mlp(self.ln_2(x))
        return x + y


class TinyViT(nn.Module):
    """torchvision's VisionTransformer, small: patches (torchvision's _process_input: x.shape, torch._assert, reshape,
    permute; or timm's flatten(2).transpose(1, 2)), class token, position embedding, encoder blocks, x[:, 0]."""

    def __init__(self, d: int = 32, layers: int = 2, timm: bool = False) -> None:
        super().__init__()
        self.timm = timm
        self.conv_proj = nn.Conv2d(3, d, 8, 8)
        self.class_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embedding = nn.Parameter(torch.zeros(1, 17, d))
        self.layers = nn.Sequential(*[EncoderBlock(d, 4, 2 * d) for _ in range(layers)])
        self.ln = nn.LayerNorm(d, eps=1e-6)
        self.head = nn.Linear(d, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.timm:
            x = self.conv_proj(x).flatten(2).transpose(1, 2)
        else:
            n, c, h, w = x.shape
            torch._assert(h == 32, "Wrong image height!")
            x = self.conv_proj(x)
            x = x.reshape(n, x.shape[1], (h // 8) * (w // 8)).permute(0, 2, 1)
        n = x.shape[0]
        x = torch.cat([self.class_token.expand(n, -1, -1), x], dim=1)
        x = x + self.pos_embedding
        x = self.ln(self.layers(x))
        return self.head(x[:, 0])


def unsupported() -> nn.Sequential:
    """Two modules without a kind: an instance norm, and a convolution that pads by reflection."""
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.InstanceNorm2d(4), nn.Conv2d(4, 4, 3, padding_mode="reflect", padding=1),
                         nn.Flatten(), nn.Linear(4 * 6 * 6, 3))


class Dynamic(nn.Module):
    """Control flow on a tensor's value: torch.fx cannot trace it."""

    def __init__(self) -> None:
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            return self.c(x)
        return x


class Shared(nn.Module):
    """One convolution run twice: its weights are counted once in the model, twice in a spec of two layers."""

    def __init__(self) -> None:
        super().__init__()
        self.c = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c(F.relu(self.c(x)))


def built(weights: Any = "imagenet", width: int = 8) -> nn.Sequential:
    """A builder as torchvision's: `weights` must come as None (nothing downloaded); `width` from --kwargs."""
    if weights is not None:
        raise RuntimeError("a download was asked for")
    return nn.Sequential(nn.Conv2d(3, width, 3), nn.ReLU())


@torch.fx.wrap
def _patch_merging_pad(x: torch.Tensor) -> torch.Tensor:
    """torchvision.models.swin_transformer's, which it keeps whole under torch.fx (torch.fx.wrap)."""
    from archcalc.torch_backend.windows import patch_merging_pad

    return patch_merging_pad(x)


class Permute(nn.Module):
    """torchvision.ops.misc.Permute."""

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.permute(x, self.dims)


class LayerNorm2d(nn.LayerNorm):
    """torchvision.models.convnext.LayerNorm2d."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth (the identity at inference)."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class CNBlock(nn.Module):
    """torchvision.models.convnext.CNBlock: a layer scale parameter multiplied in, stochastic depth, the residual sum."""

    def __init__(self, dim: int, p: float) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(dim, dim, 7, padding=3, groups=dim), Permute([0, 2, 3, 1]), nn.LayerNorm(dim, eps=1e-6),
                                   nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim), Permute([0, 3, 1, 2]))
        self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * 1e-6)
        self.stochastic_depth = StochasticDepth(p, "row")

    def forward(self, input: torch.Tensor) -> torch.Tensor:  # noqa: A002 (torchvision's name)
        result = self.layer_scale * self.block(input)
        result = self.stochastic_depth(result)
        result += input
        return result


class PatchMerging(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(4 * dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.reduction(self.norm(_patch_merging_pad(x)))


class Modern(nn.Module):
    """ConvNeXt's stem and blocks (LayerNorm2d, Permute, layer scale, StochasticDepth), Swin's window attention and patch
    merging on a channels-last map, ShuffleNetV2's chunk and channel shuffle, a segmentation head upsampled to the input's
    size (F.interpolate(size=x.shape[-2:])), and x.mean([2, 3])."""

    def __init__(self) -> None:
        super().__init__()
        from archcalc.torch_backend.windows import ShiftedWindowAttention  # torchvision's, as archcalc builds it

        self.stem = nn.Sequential(nn.Conv2d(3, 16, 2, 2), LayerNorm2d(16, eps=1e-6))
        self.stage = nn.Sequential(CNBlock(16, 0.0), CNBlock(16, 0.1))
        self.to_last = Permute([0, 2, 3, 1])
        self.norm = nn.LayerNorm(16)
        self.attn = ShiftedWindowAttention(16, [4, 4], [2, 2], 2)
        self.merge = PatchMerging(16)
        self.to_first = Permute([0, 3, 1, 2])
        self.head = nn.Conv2d(32, 4, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        size = x.shape[-2:]
        y = self.stage(self.stem(x))
        y = self.to_first(self.merge(self.attn(self.norm(self.to_last(y)))))
        a, b = y.chunk(2, dim=1)
        y = torch.cat((a, F.relu(b)), dim=1)
        n, c, h, w = y.size()
        y = y.view(n, 2, c // 2, h, w)
        y = torch.transpose(y, 1, 2).contiguous()
        y = y.view(n, -1, h, w)
        seg = F.interpolate(self.head(y), size=size, mode="bilinear", align_corners=False)
        return seg, y.mean([2, 3])


class WithAux(nn.Module):
    """GoogLeNet's way: an auxiliary head that only training runs; in eval its 4·10 + 10 = 50 parameters are not the network's."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.aux = nn.Linear(4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.training:
            return self.aux(x.mean((2, 3)))
        return x


class Older(nn.Module):
    """Older habits: nn.Hardtanh(0, 6) for ReLU6, x.relu_(), x.add_(y), a forward with a default argument."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.clip = nn.Hardtanh(0.0, 6.0)

    def forward(self, x: torch.Tensor, scale: float | None = None) -> torch.Tensor:
        y = self.clip(self.conv(x)).relu_()
        if scale is not None:
            y = y * scale
        return y.add_(F.hardtanh(y, 0.0, 6.0))


class ShapeFlow(nn.Module):
    """Control flow on a shape (pad an odd side): torch.fx cannot trace it, torch.export can, at the input given."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % 2:
            x = x[..., :-1, :-1]
        y = self.pool(F.relu(self.bn(self.conv(x))))
        y = y + F.max_pool2d(y, 3, 1, 1)
        y = torch.flatten(F.adaptive_avg_pool2d(y, 1), 1)
        return self.fc(self.norm(y)).sigmoid()


class DenseLayer(nn.Module):
    """torchvision's _DenseLayer: the earlier outputs joined, then batch norm, ReLU, 1×1 and 3×3 convolutions."""

    def __init__(self, cin: int, growth: int) -> None:
        super().__init__()
        self.norm1, self.relu1 = nn.BatchNorm2d(cin), nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(cin, 4 * growth, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(4 * growth), nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False)

    def forward(self, input: torch.Tensor | list[torch.Tensor]) -> torch.Tensor:  # noqa: A002 (torchvision's name)
        prev = [input] if isinstance(input, torch.Tensor) else input
        bottleneck = self.conv1(self.relu1(self.norm1(torch.cat(prev, 1))))
        return self.conv2(self.relu2(self.norm2(bottleneck)))


class DenseBlock(nn.ModuleDict):
    """torchvision's _DenseBlock: each layer reads every output before it."""

    def __init__(self, layers: int, cin: int, growth: int) -> None:
        super().__init__()
        for i in range(layers):
            self.add_module(f"denselayer{i + 1}", DenseLayer(cin + i * growth, growth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for _, layer in self.items():
            features.append(layer(features))
        return torch.cat(features, 1)


class InvertedResidual(nn.Module):
    """torchvision's MobileNetV2 block: expand, depthwise, project; the residual sum where the shape stays."""

    def __init__(self, cin: int, cout: int, stride: int, t: int) -> None:
        super().__init__()
        hidden = cin * t
        self.use_res_connect = stride == 1 and cin == cout
        self.conv = nn.Sequential(nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
                                  nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
                                  nn.ReLU6(inplace=True), nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class DenseAndInverted(nn.Module):
    """A dense block (torch.cat of every earlier output, of one input at first) and MobileNetV2's inverted residuals."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), DenseBlock(3, 8, 4), InvertedResidual(20, 16, 2, 6),
                                      InvertedResidual(16, 16, 1, 6), InvertedResidual(16, 24, 2, 6), InvertedResidual(24, 24, 1, 6))
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(24, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.features(x), inplace=True)
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        return self.classifier(torch.flatten(x, 1))
