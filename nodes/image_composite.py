"""ImageCompositeMasked: paste one image onto another through an optional mask."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.diffusion.sampling.conditioning import repeat_to_batch

from ._common import MAX_RESOLUTION


def composite(destination: torch.Tensor, source: torch.Tensor, x: int, y: int, mask: torch.Tensor | None,
              resize_source: bool = False) -> torch.Tensor:
    """Paste BCHW `source` into a copy of BCHW `destination` at (x, y) >= 0, weighted by `mask` (1 = source)."""
    out = destination.clone()
    if resize_source:
        source = F.interpolate(source, size=out.shape[2:], mode="bilinear")
    source = repeat_to_batch(source.to(out.device, out.dtype), out.shape[0])
    if mask is None:
        mask = torch.ones_like(source[:, :1])
    else:
        mask = F.interpolate(mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).to(out.device, out.dtype),
                             size=source.shape[2:], mode="bilinear")
        mask = repeat_to_batch(mask, source.shape[0])
    x = min(x, out.shape[3])
    y = min(y, out.shape[2])
    h = min(source.shape[2], out.shape[2] - y)
    w = min(source.shape[3], out.shape[3] - x)
    m = mask[:, :, :h, :w]
    region = out[:, :, y:y + h, x:x + w]
    out[:, :, y:y + h, x:x + w] = m * source[:, :, :h, :w] + (1.0 - m) * region
    return out


class ImageCompositeMasked:
    CATEGORY = "image"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "composite"
    DESCRIPTION = "Paste source onto destination at (x, y); the optional mask selects where the source shows."

    @classmethod
    def INPUT_TYPES(cls):
        pos = {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 1}
        return {"required": {"destination": ("IMAGE",), "source": ("IMAGE",), "x": ("INT", dict(pos)),
                             "y": ("INT", dict(pos)), "resize_source": ("BOOLEAN", {"default": False})},
                "optional": {"mask": ("MASK",)}}

    def composite(self, destination: torch.Tensor, source: torch.Tensor, x: int, y: int, resize_source: bool,
                  mask: torch.Tensor | None = None):
        channels = destination.shape[-1]
        if source.shape[-1] > channels:
            source = source[..., :channels]
        elif source.shape[-1] < channels:  # RGB onto RGBA: opaque
            pad = torch.ones(source.shape[:-1] + (channels - source.shape[-1],), dtype=source.dtype)
            source = torch.cat([source, pad], dim=-1)
        out = composite(destination.movedim(-1, 1), source.movedim(-1, 1), x, y, mask, resize_source)
        return (out.movedim(1, -1),)


NODE_CLASS_MAPPINGS = {"ImageCompositeMasked": ImageCompositeMasked}
NODE_DISPLAY_NAME_MAPPINGS = {}
