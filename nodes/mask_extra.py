"""More MASK nodes: crop, threshold, composite operations, colour-to-mask, preview, and LatentCompositeMasked."""
from __future__ import annotations

import torch

from ._common import MAX_RESOLUTION, NodeInputError
from .image_composite import composite
from .image_io import PreviewImage
from .mask import as_batch

MASK_COMPOSITE_OPS = ["multiply", "add", "subtract", "and", "or", "xor"]


def _check_mask(node_name: str, input_name: str, mask) -> torch.Tensor:
    if not isinstance(mask, torch.Tensor) or mask.ndim < 2:
        shape = tuple(mask.shape) if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise NodeInputError(f"{node_name}: input '{input_name}' must be a MASK [B,H,W] or [H,W], got {shape}")
    return as_batch(mask)


class CropMask:
    CATEGORY = "mask"
    RETURN_TYPES = ("MASK",)
    FUNCTION = "crop"
    DESCRIPTION = "Crop a width x height region starting at (x, y)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "mask": ("MASK",),
            "x": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
            "y": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
            "width": ("INT", {"default": 512, "min": 1, "max": MAX_RESOLUTION, "step": 1}),
            "height": ("INT", {"default": 512, "min": 1, "max": MAX_RESOLUTION, "step": 1}),
        }}

    def crop(self, mask: torch.Tensor, x: int, y: int, width: int, height: int):
        mask = _check_mask("CropMask", "mask", mask)
        return (mask[:, y:y + height, x:x + width],)


class ThresholdMask:
    CATEGORY = "mask"
    RETURN_TYPES = ("MASK",)
    FUNCTION = "image_to_mask"
    DESCRIPTION = "1 where mask > value, else 0."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"mask": ("MASK",),
                             "value": ("FLOAT", {"default": 0.5, "min": 0.0, "max": 1.0, "step": 0.01})}}

    def image_to_mask(self, mask: torch.Tensor, value: float):
        _check_mask("ThresholdMask", "mask", mask)
        return ((mask > value).float(),)


def mask_composite(destination: torch.Tensor, source: torch.Tensor, x: int, y: int, operation: str) -> torch.Tensor:
    """Combine `source` into a copy of `destination` at (x, y); the result is clamped to 0..1.

    and/or/xor work on the rounded masks (value >= 0.5 counts as set).
    """
    out = destination.clone()
    h = max(0, min(y + source.shape[-2], destination.shape[-2]) - y)
    w = max(0, min(x + source.shape[-1], destination.shape[-1]) - x)
    src = source[:, :h, :w]
    dst = destination[:, y:y + h, x:x + w]
    if src.shape[0] != dst.shape[0] and src.shape[0] != 1 and dst.shape[0] != 1:
        raise NodeInputError(f"MaskComposite: destination batch {destination.shape[0]} and source batch "
                             f"{source.shape[0]} do not match")
    if operation == "multiply":
        region = dst * src
    elif operation == "add":
        region = dst + src
    elif operation == "subtract":
        region = dst - src
    elif operation in ("and", "or", "xor"):
        a, b = dst.round().bool(), src.round().bool()
        fn = {"and": torch.logical_and, "or": torch.logical_or, "xor": torch.logical_xor}[operation]
        region = fn(a, b).float()
    else:
        raise NodeInputError(f"MaskComposite: unknown operation '{operation}' (expected one of {MASK_COMPOSITE_OPS})")
    if region.shape[0] != out.shape[0]:
        out = out.expand(region.shape[0], -1, -1).clone()
    out[:, y:y + h, x:x + w] = region
    return torch.clamp(out, 0.0, 1.0)


class MaskComposite:
    CATEGORY = "mask"
    RETURN_TYPES = ("MASK",)
    FUNCTION = "combine"
    DESCRIPTION = "Combine source into destination at (x, y) with an arithmetic or logical operation."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "destination": ("MASK",),
            "source": ("MASK",),
            "x": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
            "y": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
            "operation": (list(MASK_COMPOSITE_OPS),),
        }}

    def combine(self, destination: torch.Tensor, source: torch.Tensor, x: int, y: int, operation: str):
        destination = _check_mask("MaskComposite", "destination", destination)
        source = _check_mask("MaskComposite", "source", source)
        return (mask_composite(destination, source, x, y, operation),)


class ImageColorToMask:
    CATEGORY = "mask"
    RETURN_TYPES = ("MASK",)
    FUNCTION = "image_to_mask"
    DESCRIPTION = "Mask of the pixels whose 8-bit colour equals `color` (0xRRGGBB)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE",),
                             "color": ("INT", {"default": 0, "min": 0, "max": 0xFFFFFF, "step": 1,
                                               "display": "color"})}}

    def image_to_mask(self, image: torch.Tensor, color: int):
        if not isinstance(image, torch.Tensor) or image.ndim != 4 or image.shape[-1] < 3:
            raise NodeInputError("ImageColorToMask: input 'image' must be an RGB IMAGE [B,H,W,3]")
        t = (torch.clamp(image, 0, 1.0) * 255.0).round().to(torch.int)
        packed = (t[..., 0] << 16) + (t[..., 1] << 8) + t[..., 2]
        # ComfyUI writes 255 (not 1) for a match; kept for identical output.
        return (torch.where(packed == color, 255, 0).float(),)


class MaskPreview(PreviewImage):
    CATEGORY = "mask"
    FUNCTION = "execute"
    DESCRIPTION = "Preview a mask as a grey image (saved to the temp folder)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"mask": ("MASK",)},
                "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    def execute(self, mask: torch.Tensor, filename_prefix: str = "ComfyUI", prompt=None, extra_pnginfo=None):
        mask = _check_mask("MaskPreview", "mask", mask)
        preview = mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).movedim(1, -1).expand(-1, -1, -1, 3)
        return self.save_images(preview, filename_prefix, prompt, extra_pnginfo)


class LatentCompositeMasked:
    CATEGORY = "latent"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "composite"
    DESCRIPTION = "Paste source latent onto destination at (x, y) pixels (multiples of 8), through an optional mask."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "destination": ("LATENT",),
            "source": ("LATENT",),
            "x": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 8}),
            "y": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 8}),
            "resize_source": ("BOOLEAN", {"default": False}),
        }, "optional": {"mask": ("MASK",)}}

    def composite(self, destination: dict, source: dict, x: int, y: int, resize_source: bool,
                  mask: torch.Tensor | None = None):
        for name, latent in (("destination", destination), ("source", source)):
            if not isinstance(latent, dict) or not isinstance(latent.get("samples"), torch.Tensor):
                raise NodeInputError(f"LatentCompositeMasked: input '{name}' must be a LATENT dict with 'samples'")
        if destination["samples"].shape[1] != source["samples"].shape[1]:
            raise NodeInputError(f"LatentCompositeMasked: destination has {destination['samples'].shape[1]} "
                                 f"channels but source has {source['samples'].shape[1]}")
        if x < 0 or y < 0:
            raise NodeInputError(f"LatentCompositeMasked: x and y must be >= 0, got ({x}, {y})")
        out = destination.copy()
        out["samples"] = composite(destination["samples"], source["samples"], x // 8, y // 8, mask, resize_source)
        return (out,)


NODE_CLASS_MAPPINGS = {
    "CropMask": CropMask,
    "ThresholdMask": ThresholdMask,
    "MaskComposite": MaskComposite,
    "ImageColorToMask": ImageColorToMask,
    "MaskPreview": MaskPreview,
    "LatentCompositeMasked": LatentCompositeMasked,
}

NODE_DISPLAY_NAME_MAPPINGS = {}
