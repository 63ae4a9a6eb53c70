"""MASK nodes: solid, invert, image<->mask conversion, grow/shrink and feathering."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ._common import MAX_RESOLUTION, ensure_allocatable

IMAGE_CHANNELS = ["red", "green", "blue", "alpha"]


def as_batch(mask: torch.Tensor) -> torch.Tensor:
    """MASK [H,W] or [B,H,W] (or [B,1,H,W]) -> [B,H,W]."""
    return mask.reshape((-1, mask.shape[-2], mask.shape[-1]))


class SolidMask:
    CATEGORY = "mask"
    RETURN_TYPES = ("MASK",)
    FUNCTION = "solid"
    DESCRIPTION = "A mask filled with one value."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "value": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01}),
            "width": ("INT", {"default": 512, "min": 1, "max": MAX_RESOLUTION, "step": 1}),
            "height": ("INT", {"default": 512, "min": 1, "max": MAX_RESOLUTION, "step": 1}),
        }}

    def solid(self, value: float, width: int, height: int):
        ensure_allocatable((1, height, width), "SolidMask")
        return (torch.full((1, height, width), value, dtype=torch.float32),)


class InvertMask:
    CATEGORY = "mask"
    RETURN_TYPES = ("MASK",)
    FUNCTION = "invert"
    DESCRIPTION = "1 - mask."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"mask": ("MASK",)}}

    def invert(self, mask: torch.Tensor):
        return (1.0 - mask,)


class MaskToImage:
    CATEGORY = "mask"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "mask_to_image"
    DESCRIPTION = "Grey RGB image from a mask."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"mask": ("MASK",)}}

    def mask_to_image(self, mask: torch.Tensor):
        out = mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).movedim(1, -1).expand(-1, -1, -1, 3)
        return (out,)


class ImageToMask:
    CATEGORY = "mask"
    RETURN_TYPES = ("MASK",)
    FUNCTION = "image_to_mask"
    DESCRIPTION = "Take one channel of an image as a mask."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE",), "channel": (list(IMAGE_CHANNELS),)}}

    def image_to_mask(self, image: torch.Tensor, channel: str):
        index = IMAGE_CHANNELS.index(channel)
        if index >= image.shape[-1]:
            raise ValueError(f"ImageToMask: image has {image.shape[-1]} channels, no '{channel}' channel")
        return (image[:, :, :, index],)


def _morph(mask: torch.Tensor, expand: int, tapered_corners: bool) -> torch.Tensor:
    """Grey dilation (expand > 0) or erosion (< 0) by a 3x3 cross/box, |expand| times.

    Edge pixels are replicated, which for a 3x3 footprint equals scipy.ndimage's 'reflect' mode.
    """
    offsets = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
               if not (tapered_corners and dy != 0 and dx != 0)]
    out = as_batch(mask).float()
    h, w = out.shape[-2:]
    reduce = torch.amax if expand > 0 else torch.amin
    for _ in range(abs(expand)):
        padded = F.pad(out.unsqueeze(1), (1, 1, 1, 1), mode="replicate").squeeze(1)
        shifted = torch.stack([padded[:, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy, dx in offsets])
        out = reduce(shifted, dim=0)
    return out


class GrowMask:
    CATEGORY = "mask"
    RETURN_TYPES = ("MASK",)
    FUNCTION = "expand_mask"
    DESCRIPTION = "Grow (positive) or shrink (negative) a mask by whole pixels."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "mask": ("MASK",),
            "expand": ("INT", {"default": 0, "min": -MAX_RESOLUTION, "max": MAX_RESOLUTION, "step": 1}),
            "tapered_corners": ("BOOLEAN", {"default": True}),
        }}

    def expand_mask(self, mask: torch.Tensor, expand: int, tapered_corners: bool):
        if expand == 0:
            return (as_batch(mask).clone(),)
        return (_morph(mask, expand, tapered_corners),)


class FeatherMask:
    CATEGORY = "mask"
    RETURN_TYPES = ("MASK",)
    FUNCTION = "feather"
    DESCRIPTION = "Fade a mask linearly towards its edges."

    @classmethod
    def INPUT_TYPES(cls):
        side = {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 1}
        return {"required": {
            "mask": ("MASK",),
            "left": ("INT", dict(side)),
            "top": ("INT", dict(side)),
            "right": ("INT", dict(side)),
            "bottom": ("INT", dict(side)),
        }}

    def feather(self, mask: torch.Tensor, left: int, top: int, right: int, bottom: int):
        out = as_batch(mask).clone().float()
        h, w = out.shape[-2:]
        left, right = min(left, w), min(right, w)
        top, bottom = min(top, h), min(bottom, h)
        for k in range(left):
            out[:, :, k] *= (k + 1.0) / left
        for k in range(right):
            # ComfyUI indexes the right edge as -k, so k = 0 scales column 0; kept for identical output.
            out[:, :, -k] *= (k + 1.0) / right
        for k in range(top):
            out[:, k, :] *= (k + 1.0) / top
        for k in range(bottom):
            out[:, -k, :] *= (k + 1.0) / bottom
        return (out,)


NODE_CLASS_MAPPINGS = {
    "SolidMask": SolidMask,
    "InvertMask": InvertMask,
    "MaskToImage": MaskToImage,
    "ImageToMask": ImageToMask,
    "GrowMask": GrowMask,
    "FeatherMask": FeatherMask,
}

NODE_DISPLAY_NAME_MAPPINGS = {
    "MaskToImage": "Convert Mask to Image",
    "ImageToMask": "Convert Image to Mask",
}
