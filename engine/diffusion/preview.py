"""Latent -> RGB preview with a family's linear factors (ComfyUI's Latent2RGB previewer)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from PIL import Image


def latent_to_rgb(latent_model_space: torch.Tensor, family) -> torch.Tensor:
    """First image of a model-space latent [B,C,h,w] -> [h,w,3] float RGB in about -1..1."""
    if latent_model_space.ndim != 4:
        raise ValueError(f"preview: expected a [B,C,h,w] latent, got shape {tuple(latent_model_space.shape)}")
    factors = torch.tensor(family.latent_rgb_factors, dtype=latent_model_space.dtype, device=latent_model_space.device)
    if factors.shape != (latent_model_space.shape[1], 3):
        raise ValueError(f"preview: family {getattr(family, 'name', '?')} has {tuple(factors.shape)} RGB factors for a "
                         f"{latent_model_space.shape[1]}-channel latent")
    bias = getattr(family, "latent_rgb_bias", None)
    bias_t = None if bias is None else torch.tensor(bias, dtype=factors.dtype, device=factors.device)
    return F.linear(latent_model_space[0].permute(1, 2, 0), factors.transpose(0, 1), bias=bias_t)


def latent_to_rgb_preview(latent_model_space: torch.Tensor, family) -> Image.Image:
    """((rgb + 1) / 2) clamped to 0..1, x255 truncated to bytes, as a PIL RGB image (h x w)."""
    rgb = latent_to_rgb(latent_model_space.detach().float(), family)
    data = ((rgb + 1.0) / 2.0).clamp(0, 1).mul(0xFF).to(device="cpu", dtype=torch.uint8)
    return Image.fromarray(data.numpy())
