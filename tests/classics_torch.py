"""The bundled classics written by hand in torch, to hold archcalc's figures against.

Each model is plain nn.Module code written from the papers, not from the specs. Every spec layer
is one module whose dotted path (`model.named_modules()`) is the spec layer's name
(`layer2.0.downsample.0`, `inception_3a.3x3_reduce`), so forward hooks and FlopCounterMode's
per-module counts line up with archcalc's rows by name. A conv or dense layer with a fused
activation is a small nn.Sequential (conv, then ReLU) under that one name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


class Add(nn.Module):
    """The residual sum, as a module so that a hook sees it."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return reduce(torch.add, xs)


class Concat(nn.Module):
    """Concatenation along channels, as a module so that a hook sees it."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=1)


def conv_relu(c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int = 0) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, padding), nn.ReLU())


def dense(n_in: int, n_out: int, relu: bool) -> nn.Sequential:
    """A fully connected layer on a flattened input, as archcalc's dense layer reads it."""
    layers: list[nn.Module] = [nn.Flatten(), nn.Linear(n_in, n_out)]
    return nn.Sequential(*layers, nn.ReLU()) if relu else nn.Sequential(*layers)


class Chain(nn.Module):
    """A network whose top-level modules run one after another, in the order they were added."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for module in self.children():
            x = module(x)
        return x


# --- VGG-16 (Simonyan & Zisserman 2015, table 1, configuration D) ------------------------------


class VGG16(Chain):
    def __init__(self) -> None:
        super().__init__()
        stages = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]  # (width, 3×3 convolutions)
        c = 3
        for s, (width, convs) in enumerate(stages, start=1):
            for i in range(1, convs + 1):
                self.add_module(f"conv{s}_{i}", conv_relu(c, width, 3, padding=1))
                c = width
            self.add_module(f"pool{s}", nn.MaxPool2d(2, 2))
        self.fc6 = dense(512 * 7 * 7, 4096, relu=True)
        self.drop6 = nn.Dropout(0.5)
        self.fc7 = dense(4096, 4096, relu=True)
        self.drop7 = nn.Dropout(0.5)
        self.fc8 = dense(4096, 1000, relu=False)
        self.prob = nn.Softmax(dim=1)


# --- ResNet-18 (He et al. 2016, table 1; torchvision's layer names) ----------------------------


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample: nn.Module | None = None
        if stride != 1 or c_in != c_out:  # option B: project the shortcut
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
        self.add = Add()
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        shortcut = x if self.downsample is None else self.downsample(x)
        out: torch.Tensor = self.relu(self.add(residual, shortcut))
        return out


class ResNet18(Chain):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(64, 64, 1), BasicBlock(64, 64, 1))
        self.layer2 = nn.Sequential(BasicBlock(64, 128, 2), BasicBlock(128, 128, 1))
        self.layer3 = nn.Sequential(BasicBlock(128, 256, 2), BasicBlock(256, 256, 1))
        self.layer4 = nn.Sequential(BasicBlock(256, 512, 2), BasicBlock(512, 512, 1))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = dense(512, 1000, relu=False)
        self.prob = nn.Softmax(dim=1)


# --- GoogLeNet (Szegedy et al. 2015, table 1 and figure 3; no auxiliary classifiers) -----------


class Inception(nn.Module):
    def __init__(self, c_in: int, n1x1: int, n3x3_reduce: int, n3x3: int, n5x5_reduce: int, n5x5: int, pool_proj: int) -> None:
        super().__init__()
        self.add_module("1x1", conv_relu(c_in, n1x1, 1))
        self.add_module("3x3_reduce", conv_relu(c_in, n3x3_reduce, 1))
        self.add_module("3x3", conv_relu(n3x3_reduce, n3x3, 3, padding=1))
        self.add_module("5x5_reduce", conv_relu(c_in, n5x5_reduce, 1))
        self.add_module("5x5", conv_relu(n5x5_reduce, n5x5, 5, padding=2))
        self.pool = nn.MaxPool2d(3, 1, 1)
        self.pool_proj = conv_relu(c_in, pool_proj, 1)
        self.concat = Concat()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = dict(self.named_children())
        out: torch.Tensor = self.concat(
            m["1x1"](x), m["3x3"](m["3x3_reduce"](x)), m["5x5"](m["5x5_reduce"](x)), self.pool_proj(self.pool(x)),
        )
        return out


class GoogLeNet(Chain):
    def __init__(self) -> None:
        super().__init__()
        # 7×7/2 with TensorFlow's "same" padding at 224: 2 rows and columns before, 3 after
        self.conv1 = nn.Sequential(nn.ZeroPad2d((2, 3, 2, 3)), nn.Conv2d(3, 64, 7, 2), nn.ReLU())
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.norm1 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)  # Caffe's constants (torch's alpha convention)
        self.conv2_reduce = conv_relu(64, 64, 1)
        self.conv2 = conv_relu(64, 192, 3, padding=1)
        self.norm2 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.inception_3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception_3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.pool3 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.inception_4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception_4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception_4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception_4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception_4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.pool4 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.inception_5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception_5b = Inception(832, 384, 192, 384, 48, 128, 128)
        self.pool5 = nn.AvgPool2d(7, 1)
        self.drop = nn.Dropout(0.4)
        self.fc = dense(1024, 1000, relu=False)
        self.prob = nn.Softmax(dim=1)


# --- SqueezeNet 1.0 (Iandola et al. 2016, table 1) ---------------------------------------------


class Fire(nn.Module):
    def __init__(self, c_in: int, s1x1: int, e1x1: int, e3x3: int) -> None:
        super().__init__()
        self.squeeze1x1 = conv_relu(c_in, s1x1, 1)
        self.expand1x1 = conv_relu(s1x1, e1x1, 1)
        self.expand3x3 = conv_relu(s1x1, e3x3, 3, padding=1)
        self.concat = Concat()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeezed = self.squeeze1x1(x)
        out: torch.Tensor = self.concat(self.expand1x1(squeezed), self.expand3x3(squeezed))
        return out


class SqueezeNet(Chain):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = conv_relu(3, 96, 7, stride=2)
        self.maxpool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.fire2 = Fire(96, 16, 64, 64)
        self.fire3 = Fire(128, 16, 64, 64)
        self.fire4 = Fire(128, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.fire5 = Fire(256, 32, 128, 128)
        self.fire6 = Fire(256, 48, 192, 192)
        self.fire7 = Fire(384, 48, 192, 192)
        self.fire8 = Fire(384, 64, 256, 256)
        self.maxpool8 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.fire9 = Fire(512, 64, 256, 256)
        self.drop9 = nn.Dropout(0.5)
        self.conv10 = conv_relu(512, 1000, 1)
        self.avgpool10 = nn.AvgPool2d(13, 1)
        self.prob = nn.Softmax(dim=1)


# --- measuring ---------------------------------------------------------------------------------


def build(cls: type[nn.Module]) -> nn.Module:
    """The model on the meta device: without torch's random initialisation, which takes seconds for VGG's 138M
    weights, and run there (shapes and FlopCounterMode's FLOPs without arithmetic). No value changes a shape, a
    parameter count or a FLOP count."""
    with torch.device("meta"):
        return cls()


@dataclass(frozen=True)
class Measured:
    """What torch says about each named module after one forward pass of a batch of 1."""

    total_params: int
    shapes: dict[str, tuple[int, ...]]  # output shape without the batch
    params: dict[str, int]
    flops: dict[str, int]  # FlopCounterMode's count for the module and what it contains


def measure(model: nn.Module, names: list[str], input_shape: tuple[int, ...]) -> Measured:
    """One forward pass with hooks on the named modules (a missing name is a KeyError)."""
    modules = dict(model.named_modules())
    shapes: dict[str, tuple[int, ...]] = {}

    def hook(name: str) -> Callable[[nn.Module, object, torch.Tensor], None]:
        def record(module: nn.Module, args: object, output: torch.Tensor) -> None:
            shapes[name] = tuple(output.shape[1:])
        return record

    handles = [modules[name].register_forward_hook(hook(name)) for name in names]
    model.eval()
    torch.manual_seed(0)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.randn(1, *input_shape, device=next(model.parameters()).device))
    for handle in handles:
        handle.remove()
    counts = counter.get_flop_counts()
    root = type(model).__name__
    return Measured(
        total_params=sum(p.numel() for p in model.parameters()),
        shapes=shapes,
        params={name: sum(p.numel() for p in modules[name].parameters()) for name in names},
        flops={name: sum(counts.get(f"{root}.{name}", {}).values()) for name in names},
    )
