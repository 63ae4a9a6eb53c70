"""Latent rotate, flip and crop."""
from __future__ import annotations

import torch

from ._common import MAX_RESOLUTION

ROTATIONS = ["none", "90 degrees", "180 degrees", "270 degrees"]
FLIPS = ["x-axis: vertically", "y-axis: horizontally"]


class LatentRotate:
    CATEGORY = "latent/transform"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "rotate"
    DESCRIPTION = "Rotate latents clockwise by a multiple of 90 degrees."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"samples": ("LATENT",), "rotation": (list(ROTATIONS),)}}

    def rotate(self, samples: dict, rotation: str):
        k = ROTATIONS.index(rotation)
        out = samples.copy()
        out["samples"] = torch.rot90(samples["samples"], k=k, dims=[3, 2])
        return (out,)


class LatentFlip:
    CATEGORY = "latent/transform"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "flip"
    DESCRIPTION = "Mirror latents vertically (x-axis) or horizontally (y-axis)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"samples": ("LATENT",), "flip_method": (list(FLIPS),)}}

    def flip(self, samples: dict, flip_method: str):
        out = samples.copy()
        dim = 2 if flip_method.startswith("x") else 3
        out["samples"] = torch.flip(samples["samples"], dims=[dim])
        return (out,)


class LatentCrop:
    CATEGORY = "latent/transform"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "crop"
    DESCRIPTION = "Crop latents to a pixel rectangle (at least 64x64 px stays inside)."

    @classmethod
    def INPUT_TYPES(cls):
        size = {"default": 512, "min": 64, "max": MAX_RESOLUTION, "step": 8}
        pos = {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 8}
        return {"required": {"samples": ("LATENT",), "width": ("INT", dict(size)), "height": ("INT", dict(size)),
                             "x": ("INT", dict(pos)), "y": ("INT", dict(pos))}}

    def crop(self, samples: dict, width: int, height: int, x: int, y: int):
        src = samples["samples"]
        x = min(x // 8, src.shape[3] - 8)
        y = min(y // 8, src.shape[2] - 8)
        out = samples.copy()
        out["samples"] = src[:, :, y:y + height // 8, x:x + width // 8]
        return (out,)


NODE_CLASS_MAPPINGS = {"LatentRotate": LatentRotate, "LatentFlip": LatentFlip, "LatentCrop": LatentCrop}
NODE_DISPLAY_NAME_MAPPINGS = {"LatentRotate": "Rotate Latent", "LatentFlip": "Flip Latent",
                              "LatentCrop": "Crop Latent"}
