"""torchvision's VisionTransformer (torchvision/models/vision_transformer.py), written here line by line
(torchvision does not import beside the CPU torch build): vit_b_16 is VisionTransformer(image_size=224,
patch_size=16, num_layers=12, num_heads=12, hidden_dim=768, mlp_dim=3072)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any

import torch
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from archcalc.analysis import Analysis

LAYER_NORM = partial(nn.LayerNorm, eps=1e-6)  # torchvision's default norm_layer


class MLPBlock(nn.Sequential):  # torchvision.ops.MLP(in_dim, [mlp_dim, in_dim], activation_layer=nn.GELU, dropout=dropout)
    def __init__(self, in_dim: int, mlp_dim: int, dropout: float) -> None:
        super().__init__(nn.Linear(in_dim, mlp_dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(mlp_dim, in_dim), nn.Dropout(dropout))


class EncoderBlock(nn.Module):
    def __init__(self, num_heads: int, hidden_dim: int, mlp_dim: int, dropout: float, attention_dropout: float,
                 norm_layer: Callable[..., nn.Module] = LAYER_NORM) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads, dropout=attention_dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        torch._assert(input.dim() == 3, f"Expected (batch_size, seq_length, hidden_dim) got {input.shape}")
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x)
        x = x + input
        y = self.ln_2(x)
        y = self.mlp(y)
        return x + y


class Encoder(nn.Module):
    def __init__(self, seq_length: int, num_layers: int, num_heads: int, hidden_dim: int, mlp_dim: int, dropout: float,
                 attention_dropout: float, norm_layer: Callable[..., nn.Module] = LAYER_NORM) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.empty(1, seq_length, hidden_dim).normal_(std=0.02))  # from BERT
        self.dropout = nn.Dropout(dropout)
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        for i in range(num_layers):
            layers[f"encoder_layer_{i}"] = EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout, attention_dropout, norm_layer)
        self.layers = nn.Sequential(layers)
        self.ln = norm_layer(hidden_dim)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        input = input + self.pos_embedding
        out: torch.Tensor = self.ln(self.layers(self.dropout(input)))
        return out


class VisionTransformer(nn.Module):
    def __init__(self, image_size: int, patch_size: int, num_layers: int, num_heads: int, hidden_dim: int, mlp_dim: int,
                 dropout: float = 0.0, attention_dropout: float = 0.0, num_classes: int = 1000) -> None:
        super().__init__()
        self.image_size, self.patch_size, self.hidden_dim, self.mlp_dim = image_size, patch_size, hidden_dim, mlp_dim
        self.conv_proj = nn.Conv2d(in_channels=3, out_channels=hidden_dim, kernel_size=patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2
        self.class_token = nn.Parameter(torch.zeros(1, 1, hidden_dim))
        seq_length += 1
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout)
        self.seq_length = seq_length
        self.heads = nn.Sequential(OrderedDict([("head", nn.Linear(hidden_dim, num_classes))]))

    def _process_input(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        p = self.patch_size
        torch._assert(h == self.image_size, f"Wrong image height! Expected {self.image_size} but got {h}!")
        torch._assert(w == self.image_size, f"Wrong image width! Expected {self.image_size} but got {w}!")
        n_h = h // p
        n_w = w // p
        x = self.conv_proj(x)  # (n, c, h, w) -> (n, hidden_dim, n_h, n_w)
        x = x.reshape(n, self.hidden_dim, n_h * n_w)  # (n, hidden_dim, (n_h * n_w))
        x = x.permute(0, 2, 1)  # (n, (n_h * n_w), hidden_dim)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self._process_input(x)
        n = x.shape[0]
        batch_class_token = self.class_token.expand(n, -1, -1)
        x = torch.cat([batch_class_token, x], dim=1)
        x = self.encoder(x)
        x = x[:, 0]
        out: torch.Tensor = self.heads(x)
        return out


def vit_b_16(image_size: int = 224) -> VisionTransformer:
    return VisionTransformer(image_size=image_size, patch_size=16, num_layers=12, num_heads=12, hidden_dim=768, mlp_dim=3072)


def measure(model: nn.Module, x: torch.Tensor) -> tuple[int, int, dict[str, tuple[int, ...]]]:
    """Parameters, FLOPs (FlopCounterMode, gradients on, attention on the math path) and every module's output
    shape (one sample; a module that returns a tuple, nn.MultiheadAttention, its first element; a dict, its "out")."""
    shapes: dict[str, tuple[int, ...]] = {}

    def hook(name: str, module: nn.Module, args: Any, out: Any) -> None:
        out = out["out"] if isinstance(out, dict) else out[0] if isinstance(out, tuple) else out  # a segmentation model's dict
        shapes[name] = tuple(out.shape[1:])

    handles = [m.register_forward_hook(partial(hook, name)) for name, m in model.named_modules() if name]
    try:
        with torch.enable_grad(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
            model.train(False)(x)
    finally:
        for h in handles:
            h.remove()
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops(), shapes


def unmatched_shapes(shapes: dict[str, tuple[int, ...]], a: Analysis) -> tuple[dict[str, tuple[object, object]], set[str]]:
    """The reference's modules whose output differs from the spec's layer of the same name (a module that holds
    others, from its last layer: a block's name stands for its last layer), and the modules the spec does not name."""
    rows = {r.name: r.output for r in a.rows}
    differ, unnamed = {}, set()
    for name, shape in shapes.items():
        inside = [r for r in rows if r.startswith(name + ".")]
        ours = rows[name] if name in rows else rows[inside[-1]] if inside else None
        if ours is None:
            unnamed.add(name)
        elif tuple(ours) != shape:
            differ[name] = (shape, ours)
    return differ, unnamed
