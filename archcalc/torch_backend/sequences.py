"""Torch modules of the sequence kinds (archcalc.kinds.tokens, permute, attention), as torchvision's ViT,
Swin and ConvNeXt write the same steps, and of an upsampling to another tensor's size (its segmentation heads)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812


class ToTokens(nn.Module):
    """(n, C, H, W) → (n, H·W, C), as ViT's _process_input: reshape then permute; (n, H, W, C) → (n, H·W, C)."""

    def __init__(self, channels_last: bool) -> None:
        super().__init__()
        self.channels_last = channels_last

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.channels_last:
            return x.flatten(1, 2)
        n, c = x.shape[:2]
        return x.reshape(n, c, -1).permute(0, 2, 1)


class ClassToken(nn.Module):
    """A learned token put before the sequence (ViT: zeros at first, expanded over the batch, concatenated)."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.class_token = nn.Parameter(torch.zeros(1, 1, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)


class PosEmbedding(nn.Module):
    """A learned N×D tensor added to the sequence (ViT's Encoder: normal, std 0.02)."""

    def __init__(self, length: int, width: int) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.empty(1, length, width).normal_(std=0.02))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pos_embedding


class SelectToken(nn.Module):
    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, self.index]

    def extra_repr(self) -> str:
        return f"index={self.index}"


class Permute(nn.Module):
    """torchvision.ops.misc.Permute."""

    def __init__(self, dims: tuple[int, ...]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.permute(x, self.dims)

    def extra_repr(self) -> str:
        return f"dims={list(self.dims)}"


class SelfAttention(nn.MultiheadAttention):
    """nn.MultiheadAttention called as ViT calls it: attention(x, x, x, need_weights=False), its output only."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        out, _ = super().forward(x, x, x, need_weights=False)
        return out


class InterpolateLike(nn.Module):
    """F.interpolate(x, size=other.shape[-2:], mode=..., align_corners=...): torchvision's segmentation heads."""

    def __init__(self, mode: str, align_corners: bool | None) -> None:
        super().__init__()
        self.mode, self.align_corners = mode, align_corners

    def forward(self, x: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=other.shape[-2:], mode=self.mode, align_corners=self.align_corners)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"


class AdaptiveAvgPoolLike(nn.Module):
    """F.adaptive_avg_pool2d(x, other.shape[-2:])."""

    def forward(self, x: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
        h, w = other.shape[-2:]
        return F.adaptive_avg_pool2d(x, (h, w))
