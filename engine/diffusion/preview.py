"""Sampler previews: latent -> RGB with a family's linear factors (ComfyUI's Latent2RGB previewer),
the byte conversion every previewer shares, and the choice of previewer for a --preview-method."""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from PIL import Image

PREVIEW_METHODS = ("auto", "latent2rgb", "taesd")   # "none" (or anything else): no previews

Previewer = Callable[[torch.Tensor], Image.Image]   # model-space x0 [B,C,h,w] -> preview of the first image


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


def rgb_to_preview_image(rgb: torch.Tensor) -> Image.Image:
    """[h,w,3] RGB in -1..1 -> ((rgb + 1) / 2) clamped to 0..1, x255 truncated to bytes, as a PIL RGB image."""
    data = ((rgb.float() + 1.0) / 2.0).clamp(0, 1).mul(0xFF).to(device="cpu", dtype=torch.uint8)
    return Image.fromarray(data.numpy())


def latent_to_rgb_preview(latent_model_space: torch.Tensor, family) -> Image.Image:
    """Latent2RGB preview of the first image (h x w, the latent's size)."""
    return rgb_to_preview_image(latent_to_rgb(latent_model_space.detach().float(), family))


def make_previewer(method: str, family, taesd=None, paths=None, device_manager=None) -> Previewer | None:
    """The previewer for a --preview-method: None for "none"; "auto" and "latent2rgb" use the family's
    factors (as ComfyUI); "taesd" asks ``taesd`` (a TAESDPreviewers) and falls back to latent2rgb
    when it has no decoder for the family."""
    method = str(getattr(method, "value", method))   # ComfyUI's LatentPreviewMethod enum as well as its value
    if method not in PREVIEW_METHODS or family is None:
        return None
    if method == "taesd" and taesd is not None and paths is not None:
        previewer = taesd.get(family, paths, device_manager)
        if previewer is not None:
            return previewer
    return lambda x0: latent_to_rgb_preview(x0, family)
