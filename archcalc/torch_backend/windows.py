"""Swin's window attention and patch merging, as torchvision writes them (models/swin_transformer.py, v1)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812


def patch_merging_pad(x: torch.Tensor) -> torch.Tensor:
    """torchvision's _patch_merging_pad: ... H W C -> ... H/2 W/2 4C."""
    h, w, _ = x.shape[-3:]
    x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
    x0 = x[..., 0::2, 0::2, :]  # ... H/2 W/2 C
    x1 = x[..., 1::2, 0::2, :]
    x2 = x[..., 0::2, 1::2, :]
    x3 = x[..., 1::2, 1::2, :]
    return torch.cat([x0, x1, x2, x3], -1)


class MergePatches(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return patch_merging_pad(x)


def shift_mask(pad_h: int, pad_w: int, window: list[int], shift: list[int], num_windows: int, like: torch.Tensor) -> torch.Tensor:
    """The mask that keeps apart, inside a shifted window, what the roll brought together (-100 between regions)."""
    attn_mask = like.new_zeros((pad_h, pad_w))
    h_slices = ((0, -window[0]), (-window[0], -shift[0]), (-shift[0], None))
    w_slices = ((0, -window[1]), (-window[1], -shift[1]), (-shift[1], None))
    count = 0
    for h in h_slices:
        for w in w_slices:
            attn_mask[h[0]: h[1], w[0]: w[1]] = count
            count += 1
    attn_mask = attn_mask.view(pad_h // window[0], window[0], pad_w // window[1], window[1])
    attn_mask = attn_mask.permute(0, 2, 1, 3).reshape(num_windows, window[0] * window[1])
    attn_mask = attn_mask.unsqueeze(1) - attn_mask.unsqueeze(2)
    return attn_mask.masked_fill(attn_mask != 0, -100.0).masked_fill(attn_mask == 0, 0.0)


class ShiftedWindowAttention(nn.Module):
    """torchvision's ShiftedWindowAttention and shifted_window_attention (inference: no dropout)."""

    def __init__(self, dim: int, window_size: list[int], shift_size: list[int], num_heads: int, qkv_bias: bool = True,
                 proj_bias: bool = True) -> None:
        super().__init__()
        self.window_size, self.shift_size, self.num_heads = window_size, shift_size, num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * window_size[0] - 1) * (2 * window_size[1] - 1), num_heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        coords = torch.stack(torch.meshgrid(torch.arange(window_size[0]), torch.arange(window_size[1]), indexing="ij"))
        coords_flatten = torch.flatten(coords, 1)  # 2, Wh*Ww
        relative = (coords_flatten[:, :, None] - coords_flatten[:, None, :]).permute(1, 2, 0).contiguous()  # Wh*Ww, Wh*Ww, 2
        relative[:, :, 0] += window_size[0] - 1
        relative[:, :, 1] += window_size[1] - 1
        relative[:, :, 0] *= 2 * window_size[1] - 1
        self.register_buffer("relative_position_index", relative.sum(-1).flatten())

    def relative_position_bias(self) -> torch.Tensor:
        n = self.window_size[0] * self.window_size[1]
        bias = self.relative_position_bias_table[self.get_buffer("relative_position_index")].view(n, n, -1)
        return bias.permute(2, 0, 1).contiguous().unsqueeze(0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, c = x.shape
        window, heads = self.window_size, self.num_heads
        pad_r, pad_b = (window[1] - w % window[1]) % window[1], (window[0] - h % window[0]) % window[0]
        x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
        _, pad_h, pad_w, _ = x.shape
        shift = [0 if window[0] >= pad_h else self.shift_size[0], 0 if window[1] >= pad_w else self.shift_size[1]]
        if sum(shift) > 0:  # cyclic shift
            x = torch.roll(x, shifts=(-shift[0], -shift[1]), dims=(1, 2))
        num_windows = (pad_h // window[0]) * (pad_w // window[1])
        x = x.view(b, pad_h // window[0], window[0], pad_w // window[1], window[1], c)
        x = x.permute(0, 1, 3, 2, 4, 5).reshape(b * num_windows, window[0] * window[1], c)  # B*nW, Ws*Ws, C
        qkv = self.qkv(x).reshape(x.size(0), x.size(1), 3, heads, c // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * (c // heads) ** -0.5).matmul(k.transpose(-2, -1)) + self.relative_position_bias()
        if sum(shift) > 0:
            mask = shift_mask(pad_h, pad_w, window, shift, num_windows, x)
            attn = attn.view(x.size(0) // num_windows, num_windows, heads, x.size(1), x.size(1)) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, heads, x.size(1), x.size(1))
        x = F.softmax(attn, dim=-1).matmul(v).transpose(1, 2).reshape(x.size(0), x.size(1), c)
        x = self.proj(x)
        x = x.view(b, pad_h // window[0], pad_w // window[1], window[0], window[1], c)  # reverse windows
        x = x.permute(0, 1, 3, 2, 4, 5).reshape(b, pad_h, pad_w, c)
        if sum(shift) > 0:  # reverse cyclic shift
            x = torch.roll(x, shifts=(shift[0], shift[1]), dims=(1, 2))
        return x[:, :h, :w, :].contiguous()

    def extra_repr(self) -> str:
        return f"window={self.window_size}, shift={self.shift_size}, heads={self.num_heads}"
