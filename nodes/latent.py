"""Latent creation, scaling, compositing and batch nodes."""
from __future__ import annotations

import math

import torch

from ._common import MAX_RESOLUTION, ensure_allocatable
from .resize import CROP_METHODS, LATENT_UPSCALE_METHODS, common_upscale


class EmptyLatentImage:
    DESCRIPTION = "Create a new batch of empty latent images to be denoised via sampling."
    CATEGORY = "latent"
    RETURN_TYPES = ("LATENT",)
    OUTPUT_TOOLTIPS = ("The empty latent image batch.",)
    FUNCTION = "generate"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "width": ("INT", {"default": 512, "min": 16, "max": MAX_RESOLUTION, "step": 8,
                              "tooltip": "The width of the latent images in pixels."}),
            "height": ("INT", {"default": 512, "min": 16, "max": MAX_RESOLUTION, "step": 8,
                               "tooltip": "The height of the latent images in pixels."}),
            "batch_size": ("INT", {"default": 1, "min": 1, "max": 4096,
                                   "tooltip": "The number of latent images in the batch."}),
        }}

    def generate(self, width: int, height: int, batch_size: int = 1):
        shape = [batch_size, 4, height // 8, width // 8]
        ensure_allocatable(shape, "EmptyLatentImage")
        return ({"samples": torch.zeros(shape)},)


class LatentUpscale:
    CATEGORY = "latent"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "upscale"
    DESCRIPTION = "Resize latents to a pixel size (0 for one side keeps the aspect ratio)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "samples": ("LATENT",),
            "upscale_method": (list(LATENT_UPSCALE_METHODS),),
            "width": ("INT", {"default": 512, "min": 0, "max": MAX_RESOLUTION, "step": 8}),
            "height": ("INT", {"default": 512, "min": 0, "max": MAX_RESOLUTION, "step": 8}),
            "crop": (list(CROP_METHODS),),
        }}

    def upscale(self, samples: dict, upscale_method: str, width: int, height: int, crop: str):
        if width == 0 and height == 0:
            return (samples,)
        src = samples["samples"]
        if width == 0:
            height = max(64, height)
            width = max(64, round(src.shape[-1] * height / src.shape[-2]))
        elif height == 0:
            width = max(64, width)
            height = max(64, round(src.shape[-2] * width / src.shape[-1]))
        else:
            width, height = max(64, width), max(64, height)
        out = samples.copy()
        out["samples"] = common_upscale(src, width // 8, height // 8, upscale_method, crop)
        return (out,)


class LatentUpscaleBy:
    CATEGORY = "latent"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "upscale"
    DESCRIPTION = "Resize latents by a factor."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "samples": ("LATENT",),
            "upscale_method": (list(LATENT_UPSCALE_METHODS),),
            "scale_by": ("FLOAT", {"default": 1.5, "min": 0.01, "max": 8.0, "step": 0.01}),
        }}

    def upscale(self, samples: dict, upscale_method: str, scale_by: float):
        src = samples["samples"]
        width = round(src.shape[-1] * scale_by)
        height = round(src.shape[-2] * scale_by)
        out = samples.copy()
        out["samples"] = common_upscale(src, width, height, upscale_method, "disabled")
        return (out,)


class LatentComposite:
    CATEGORY = "latent"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "composite"
    DESCRIPTION = "Paste samples_from into samples_to at (x, y) pixels, optionally feathering the seam."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "samples_to": ("LATENT",),
            "samples_from": ("LATENT",),
            "x": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 8}),
            "y": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 8}),
            "feather": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 8}),
        }}

    def composite(self, samples_to: dict, samples_from: dict, x: int, y: int, feather: int = 0):
        x, y, feather = x // 8, y // 8, feather // 8
        out = samples_to.copy()
        dst = samples_to["samples"].clone()
        H, W = dst.shape[2], dst.shape[3]
        src = samples_from["samples"][:, :, :max(H - y, 0), :max(W - x, 0)]
        h, w = src.shape[2], src.shape[3]
        region = dst[:, :, y:y + h, x:x + w]
        if feather == 0:
            dst[:, :, y:y + h, x:x + w] = src
        else:
            mask = torch.ones_like(src)
            for t in range(feather):
                rate = (t + 1) / feather
                if y != 0:
                    mask[:, :, t:t + 1, :] *= rate
                if y + h < H:
                    mask[:, :, h - 1 - t:h - t, :] *= rate
                if x != 0:
                    mask[:, :, :, t:t + 1] *= rate
                if x + w < W:
                    mask[:, :, :, w - 1 - t:w - t] *= rate
            dst[:, :, y:y + h, x:x + w] = src * mask + region * (1.0 - mask)
        out["samples"] = dst
        return (out,)


class LatentBlend:
    CATEGORY = "_for_testing"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "blend"
    DESCRIPTION = "samples1 * blend_factor + samples2 * (1 - blend_factor); samples2 is resized to samples1 first."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "samples1": ("LATENT",),
            "samples2": ("LATENT",),
            "blend_factor": ("FLOAT", {"default": 0.5, "min": 0, "max": 1, "step": 0.01}),
        }}

    def blend(self, samples1: dict, samples2: dict, blend_factor: float, blend_mode: str = "normal"):
        s1 = samples1["samples"]
        s2 = samples2["samples"]
        if s1.shape != s2.shape:
            s2 = common_upscale(s2, s1.shape[3], s1.shape[2], "bicubic", "center")
        out = samples1.copy()
        out["samples"] = s1 * blend_factor + s2 * (1.0 - blend_factor)
        return (out,)


def _masks_for_batch(masks: torch.Tensor, batch: int) -> torch.Tensor:
    if masks.shape[0] < batch:
        masks = masks.repeat(math.ceil(batch / masks.shape[0]), 1, 1, 1)[:batch]
    return masks


class LatentFromBatch:
    CATEGORY = "latent/batch"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "frombatch"
    DESCRIPTION = "Take a slice of a latent batch; batch_index keeps the noise of the original positions."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "samples": ("LATENT",),
            "batch_index": ("INT", {"default": 0, "min": 0, "max": 63}),
            "length": ("INT", {"default": 1, "min": 1, "max": 64}),
        }}

    def frombatch(self, samples: dict, batch_index: int, length: int):
        src = samples["samples"]
        batch_index = min(src.shape[0] - 1, batch_index)
        length = min(src.shape[0] - batch_index, length)
        out = samples.copy()
        out["samples"] = src[batch_index:batch_index + length].clone()
        if "noise_mask" in samples:
            masks = samples["noise_mask"]
            if masks.shape[0] == 1:
                out["noise_mask"] = masks.clone()
            else:
                masks = _masks_for_batch(masks, src.shape[0])
                out["noise_mask"] = masks[batch_index:batch_index + length].clone()
        if "batch_index" in samples:
            out["batch_index"] = list(samples["batch_index"][batch_index:batch_index + length])
        else:
            out["batch_index"] = list(range(batch_index, batch_index + length))
        return (out,)


class RepeatLatentBatch:
    CATEGORY = "latent/batch"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "repeat"
    DESCRIPTION = "Repeat a latent batch; batch_index is extended so each copy gets its own noise."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "samples": ("LATENT",),
            "amount": ("INT", {"default": 1, "min": 1, "max": 64}),
        }}

    def repeat(self, samples: dict, amount: int):
        src = samples["samples"]
        out = samples.copy()
        ensure_allocatable((amount,) + tuple(src.shape), "RepeatLatentBatch")
        out["samples"] = src.repeat((amount, 1, 1, 1))
        if "noise_mask" in samples and samples["noise_mask"].shape[0] > 1:
            masks = _masks_for_batch(samples["noise_mask"], src.shape[0])
            out["noise_mask"] = masks.repeat((amount, 1, 1, 1))
        if "batch_index" in samples:
            idx = list(samples["batch_index"])
            offset = max(idx) - min(idx) + 1
            out["batch_index"] = idx + [i + k * offset for k in range(1, amount) for i in idx]
        return (out,)


class SetLatentNoiseMask:
    CATEGORY = "latent/inpaint"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "set_mask"
    DESCRIPTION = "Attach a mask so sampling only changes the masked area (1 = regenerate)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"samples": ("LATENT",), "mask": ("MASK",)}}

    def set_mask(self, samples: dict, mask: torch.Tensor):
        out = samples.copy()
        out["noise_mask"] = mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1]))
        return (out,)


NODE_CLASS_MAPPINGS = {
    "EmptyLatentImage": EmptyLatentImage,
    "LatentUpscale": LatentUpscale,
    "LatentUpscaleBy": LatentUpscaleBy,
    "LatentComposite": LatentComposite,
    "LatentBlend": LatentBlend,
    "LatentFromBatch": LatentFromBatch,
    "RepeatLatentBatch": RepeatLatentBatch,
    "SetLatentNoiseMask": SetLatentNoiseMask,
}

NODE_DISPLAY_NAME_MAPPINGS = {
    "EmptyLatentImage": "Empty Latent Image",
    "LatentUpscale": "Upscale Latent",
    "LatentUpscaleBy": "Upscale Latent By",
    "LatentComposite": "Latent Composite",
    "LatentBlend": "Latent Blend",
    "LatentFromBatch": "Latent From Batch",
    "RepeatLatentBatch": "Repeat Latent Batch",
    "SetLatentNoiseMask": "Set Latent Noise Mask",
}
