"""Attention blocks of the LDM UNet (SpatialTransformer) with the checkpoint's module names.

All attention goes through torch.nn.functional.scaled_dot_product_attention.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int) -> torch.Tensor:
    """Multi-head attention of (B, Tq, H*D) queries on (B, Tk, H*D) keys/values -> (B, Tq, H*D)."""
    b, tq, inner = q.shape
    d = inner // heads
    q = q.view(b, tq, heads, d).transpose(1, 2)             # (B, H, Tq, D)
    k = k.view(b, k.shape[1], heads, d).transpose(1, 2)
    v = v.view(b, v.shape[1], heads, d).transpose(1, 2)
    out = F.scaled_dot_product_attention(q, k, v)             # (B, H, Tq, D)
    return out.transpose(1, 2).reshape(b, tq, inner)


class CrossAttention(nn.Module):
    """Self-attention (context=None) or cross-attention to a text context."""

    def __init__(self, query_dim: int, context_dim: int | None, heads: int, dim_head: int) -> None:
        super().__init__()
        inner = heads * dim_head
        context_dim = context_dim if context_dim is not None else query_dim
        self.heads = heads
        self.to_q = nn.Linear(query_dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, query_dim), nn.Dropout(0.0))

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        context = x if context is None else context
        out = attention(self.to_q(x), self.to_k(context), self.to_v(context), self.heads)
        return self.to_out[0](out)


class GEGLU(nn.Module):
    def __init__(self, dim_in: int, dim_out: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden, gate = self.proj(x).chunk(2, dim=-1)
        if torch.is_grad_enabled():
            return hidden * F.gelu(gate)
        out = F.gelu(gate)
        out *= hidden
        return out


class FeedForward(nn.Module):
    def __init__(self, dim: int, mult: int = 4) -> None:
        super().__init__()
        inner = dim * mult
        self.net = nn.Sequential(GEGLU(dim, inner), nn.Dropout(0.0), nn.Linear(inner, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net[2](self.net[0](x))


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim: int, heads: int, dim_head: int, context_dim: int | None) -> None:
        super().__init__()
        self.attn1 = CrossAttention(dim, None, heads, dim_head)
        self.ff = FeedForward(dim)
        self.attn2 = CrossAttention(dim, context_dim, heads, dim_head)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None) -> torch.Tensor:
        # residual adds in place on the fresh branch outputs (same sums, fewer large allocations)
        h = self.attn1(self.norm1(x))
        h += x
        x = self.attn2(self.norm2(h), context)
        x += h
        h = self.ff(self.norm3(x))
        h += x
        return h


class SpatialTransformer(nn.Module):
    """GroupNorm -> proj_in (1x1 conv or linear) -> transformer blocks on (B, HW, C) -> proj_out, residual."""

    def __init__(self, channels: int, heads: int, dim_head: int, depth: int, context_dim: int | None,
                 use_linear: bool, norm_groups: int = 32) -> None:
        super().__init__()
        inner = heads * dim_head
        self.use_linear = use_linear
        self.norm = nn.GroupNorm(norm_groups, channels, eps=1e-6)
        if use_linear:
            self.proj_in: nn.Module = nn.Linear(channels, inner)
            self.proj_out: nn.Module = nn.Linear(inner, channels)
        else:
            self.proj_in = nn.Conv2d(channels, inner, 1)
            self.proj_out = nn.Conv2d(inner, channels, 1)
        self.transformer_blocks = nn.ModuleList(
            [BasicTransformerBlock(inner, heads, dim_head, context_dim) for _ in range(depth)]
        )

    def forward(self, x: torch.Tensor, context: torch.Tensor | None) -> torch.Tensor:
        b, c, h, w = x.shape
        hid = self.norm(x)
        if not self.use_linear:
            hid = self.proj_in(hid)
        hid = hid.flatten(2).transpose(1, 2)                      # (B, HW, C)
        if self.use_linear:
            hid = self.proj_in(hid)
        for block in self.transformer_blocks:
            hid = block(hid, context)
        if self.use_linear:
            hid = self.proj_out(hid)
        hid = hid.transpose(1, 2).reshape(b, -1, h, w)   # a channels-last view
        if x.is_contiguous():       # NCHW activations (fp32 path): keep convs off mixed layouts
            hid = hid.contiguous()
        if not self.use_linear:
            hid = self.proj_out(hid)
        hid += x
        return hid
