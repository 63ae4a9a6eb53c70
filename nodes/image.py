"""Pixel-space image nodes: scaling, inversion, batching, padding, cropping, solid images."""
from __future__ import annotations

import math

import torch

from ._common import MAX_RESOLUTION, ensure_allocatable
from .resize import CROP_METHODS, IMAGE_UPSCALE_METHODS, common_upscale


class ImageScale:
    CATEGORY = "image/upscaling"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "upscale"
    DESCRIPTION = "Resize images to width x height (0 for one side keeps the aspect ratio)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "image": ("IMAGE",),
            "upscale_method": (list(IMAGE_UPSCALE_METHODS),),
            "width": ("INT", {"default": 512, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
            "height": ("INT", {"default": 512, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
            "crop": (list(CROP_METHODS),),
        }}

    def upscale(self, image: torch.Tensor, upscale_method: str, width: int, height: int, crop: str):
        if width == 0 and height == 0:
            return (image,)
        samples = image.movedim(-1, 1)
        if width == 0:
            width = max(1, round(samples.shape[3] * height / samples.shape[2]))
        elif height == 0:
            height = max(1, round(samples.shape[2] * width / samples.shape[3]))
        return (common_upscale(samples, width, height, upscale_method, crop).movedim(1, -1),)


class ImageScaleBy:
    CATEGORY = "image/upscaling"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "upscale"
    DESCRIPTION = "Resize images by a factor."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "image": ("IMAGE",),
            "upscale_method": (list(IMAGE_UPSCALE_METHODS),),
            "scale_by": ("FLOAT", {"default": 1.0, "min": 0.01, "max": 8.0, "step": 0.01}),
        }}

    def upscale(self, image: torch.Tensor, upscale_method: str, scale_by: float):
        samples = image.movedim(-1, 1)
        width = round(samples.shape[3] * scale_by)
        height = round(samples.shape[2] * scale_by)
        return (common_upscale(samples, width, height, upscale_method, "disabled").movedim(1, -1),)


class ImageScaleToTotalPixels:
    CATEGORY = "image/upscaling"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "upscale"
    DESCRIPTION = "Resize images to about `megapixels` million pixels, keeping the aspect ratio."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "image": ("IMAGE",),
            "upscale_method": (list(IMAGE_UPSCALE_METHODS),),
            "megapixels": ("FLOAT", {"default": 1.0, "min": 0.01, "max": 16.0, "step": 0.01}),
            "resolution_steps": ("INT", {"default": 1, "min": 1, "max": 256}),
        }}

    def upscale(self, image: torch.Tensor, upscale_method: str, megapixels: float, resolution_steps: int = 1):
        samples = image.movedim(-1, 1)
        scale_by = math.sqrt(megapixels * 1024 * 1024 / (samples.shape[3] * samples.shape[2]))
        width = max(resolution_steps, round(samples.shape[3] * scale_by / resolution_steps) * resolution_steps)
        height = max(resolution_steps, round(samples.shape[2] * scale_by / resolution_steps) * resolution_steps)
        return (common_upscale(samples, int(width), int(height), upscale_method, "disabled").movedim(1, -1),)


class ImageInvert:
    CATEGORY = "image"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "invert"
    DESCRIPTION = "1 - image."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE",)}}

    def invert(self, image: torch.Tensor):
        return (1.0 - image,)


class ImageBatch:
    CATEGORY = "image"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "batch"
    DEPRECATED = True
    DESCRIPTION = "Concatenate two image batches; image2 is resized (bilinear, centre crop) to image1's size."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image1": ("IMAGE",), "image2": ("IMAGE",)}}

    def batch(self, image1: torch.Tensor, image2: torch.Tensor):
        if image1.shape[-1] != image2.shape[-1]:
            channels = max(image1.shape[-1], image2.shape[-1])
            image1 = _pad_channels(image1, channels)
            image2 = _pad_channels(image2, channels)
        if image1.shape[1:] != image2.shape[1:]:
            image2 = common_upscale(image2.movedim(-1, 1), image1.shape[2], image1.shape[1],
                                    "bilinear", "center").movedim(1, -1)
        return (torch.cat((image1, image2), dim=0),)


def _pad_channels(image: torch.Tensor, channels: int) -> torch.Tensor:
    if image.shape[-1] >= channels:
        return image
    pad = torch.ones(image.shape[:-1] + (channels - image.shape[-1],), dtype=image.dtype)
    return torch.cat((image, pad), dim=-1)


class EmptyImage:
    CATEGORY = "image"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "generate"
    DESCRIPTION = "A batch of solid-colour RGB images (color as 0xRRGGBB)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "width": ("INT", {"default": 512, "min": 1, "max": MAX_RESOLUTION, "step": 1}),
            "height": ("INT", {"default": 512, "min": 1, "max": MAX_RESOLUTION, "step": 1}),
            "batch_size": ("INT", {"default": 1, "min": 1, "max": 4096}),
            "color": ("INT", {"default": 0, "min": 0, "max": 0xFFFFFF, "step": 1, "display": "color"}),
        }}

    def generate(self, width: int, height: int, batch_size: int = 1, color: int = 0):
        rgb = [((color >> shift) & 0xFF) / 0xFF for shift in (16, 8, 0)]
        ensure_allocatable([batch_size, height, width, 3 * 2], "EmptyImage")  # planes, then their concatenation
        planes = [torch.full([batch_size, height, width, 1], v) for v in rgb]
        return (torch.cat(planes, dim=-1),)


def outpaint_feather_mask(h: int, w: int, top: int, bottom: int, left: int, right: int,
                          feathering: int) -> torch.Tensor:
    """Mask values over the original image area: quadratic ramp near the padded edges."""
    t = torch.zeros((h, w))
    if feathering > 0 and feathering * 2 < h and feathering * 2 < w:
        i = torch.arange(h).reshape(-1, 1).expand(h, w).float()
        j = torch.arange(w).reshape(1, -1).expand(h, w).float()
        far_h = torch.full((h, w), float(h))
        far_w = torch.full((h, w), float(w))
        d = torch.minimum(torch.minimum(i if top != 0 else far_h, (h - i) if bottom != 0 else far_h),
                          torch.minimum(j if left != 0 else far_w, (w - j) if right != 0 else far_w))
        v = (feathering - d) / feathering
        t = torch.where(d < feathering, v * v, torch.zeros_like(v))
    return t


class ImagePadForOutpaint:
    CATEGORY = "image"
    RETURN_TYPES = ("IMAGE", "MASK")
    FUNCTION = "expand_image"
    DESCRIPTION = "Pad an image with grey for outpainting; the mask is 1 in the new area and feathered inside."

    @classmethod
    def INPUT_TYPES(cls):
        side = {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 8}
        return {"required": {
            "image": ("IMAGE",),
            "left": ("INT", dict(side)),
            "top": ("INT", dict(side)),
            "right": ("INT", dict(side)),
            "bottom": ("INT", dict(side)),
            "feathering": ("INT", {"default": 40, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
        }}

    def expand_image(self, image: torch.Tensor, left: int, top: int, right: int, bottom: int, feathering: int):
        b, h, w, c = image.shape
        ensure_allocatable((b, h + top + bottom, w + left + right, c + 1), "ImagePadForOutpaint")
        new_image = torch.full((b, h + top + bottom, w + left + right, c), 0.5, dtype=image.dtype)
        new_image[:, top:top + h, left:left + w, :] = image
        mask = torch.ones((h + top + bottom, w + left + right))
        mask[top:top + h, left:left + w] = outpaint_feather_mask(h, w, top, bottom, left, right, feathering)
        return (new_image, mask.unsqueeze(0))


class ImageCrop:
    CATEGORY = "image/transform"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "crop"
    DESCRIPTION = "Crop a width x height region starting at (x, y)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "image": ("IMAGE",),
            "width": ("INT", {"default": 512, "min": 1, "max": MAX_RESOLUTION, "step": 1}),
            "height": ("INT", {"default": 512, "min": 1, "max": MAX_RESOLUTION, "step": 1}),
            "x": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
            "y": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
        }}

    def crop(self, image: torch.Tensor, width: int, height: int, x: int, y: int):
        x = min(x, image.shape[2] - 1)
        y = min(y, image.shape[1] - 1)
        return (image[:, y:y + height, x:x + width, :],)


NODE_CLASS_MAPPINGS = {
    "ImageScale": ImageScale,
    "ImageScaleBy": ImageScaleBy,
    "ImageScaleToTotalPixels": ImageScaleToTotalPixels,
    "ImageInvert": ImageInvert,
    "ImageBatch": ImageBatch,
    "EmptyImage": EmptyImage,
    "ImagePadForOutpaint": ImagePadForOutpaint,
    "ImageCrop": ImageCrop,
}

NODE_DISPLAY_NAME_MAPPINGS = {
    "ImageScale": "Upscale Image",
    "ImageScaleBy": "Upscale Image By",
    "ImageScaleToTotalPixels": "Scale Image to Total Pixels",
    "ImageInvert": "Invert Image",
    "ImageBatch": "Batch Images",
    "EmptyImage": "EmptyImage",
    "ImagePadForOutpaint": "Pad Image for Outpainting",
    "ImageCrop": "Image Crop",
}
