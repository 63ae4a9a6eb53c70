"""VAE encode/decode nodes (plain, tiled and the inpainting encoder)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._common import NodeInputError


def crop_to_multiple_of_8(pixels: torch.Tensor) -> torch.Tensor:
    """Centre-crop an IMAGE [B,H,W,C] down to H, W multiples of 8 (the VAE's downscale)."""
    h = (pixels.shape[1] // 8) * 8
    w = (pixels.shape[2] // 8) * 8
    if pixels.shape[1] != h or pixels.shape[2] != w:
        y0 = (pixels.shape[1] % 8) // 2
        x0 = (pixels.shape[2] % 8) // 2
        pixels = pixels[:, y0:y0 + h, x0:x0 + w, :]
    return pixels


def _check_image(node: str, pixels: torch.Tensor) -> None:
    if pixels.ndim != 4:
        raise NodeInputError(f"{node}: pixels must be an IMAGE [B,H,W,C], got shape {tuple(pixels.shape)}")
    if pixels.shape[1] < 8 or pixels.shape[2] < 8:
        raise NodeInputError(f"{node}: image {pixels.shape[2]}x{pixels.shape[1]} is smaller than 8x8")


class VAEDecode:
    CATEGORY = "latent"
    RETURN_TYPES = ("IMAGE",)
    OUTPUT_TOOLTIPS = ("The decoded image.",)
    FUNCTION = "decode"
    DESCRIPTION = "Decodes latent images back into pixel space images."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "samples": ("LATENT", {"tooltip": "The latent to be decoded."}),
            "vae": ("VAE", {"tooltip": "The VAE model used for decoding the latent."}),
        }}

    def decode(self, vae, samples: dict):
        return (vae.decode(samples["samples"]),)


class VAEDecodeTiled:
    CATEGORY = "_for_testing"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "decode"
    DESCRIPTION = "Decode a latent in overlapping tiles to save memory."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "samples": ("LATENT",), "vae": ("VAE",),
            "tile_size": ("INT", {"default": 512, "min": 64, "max": 4096, "step": 32}),
            "overlap": ("INT", {"default": 64, "min": 0, "max": 4096, "step": 32}),
            "temporal_size": ("INT", {"default": 64, "min": 8, "max": 4096, "step": 4,
                                      "tooltip": "Only used for video VAEs: frames to decode at a time."}),
            "temporal_overlap": ("INT", {"default": 8, "min": 4, "max": 4096, "step": 4,
                                         "tooltip": "Only used for video VAEs: frames to overlap."}),
        }}

    def decode(self, vae, samples: dict, tile_size: int, overlap: int = 64,
               temporal_size: int = 64, temporal_overlap: int = 8):
        if tile_size < overlap * 4:
            overlap = tile_size // 4
        # VAEHandle.decode_tiled takes tile and overlap in image pixels.
        return (vae.decode_tiled(samples["samples"], tile_size, overlap),)


class VAEEncode:
    CATEGORY = "latent"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "encode"
    DESCRIPTION = "Encode an image into a latent (H and W are centre-cropped to multiples of 8)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"pixels": ("IMAGE",), "vae": ("VAE",)}}

    def encode(self, vae, pixels: torch.Tensor):
        _check_image("VAEEncode", pixels)
        pixels = crop_to_multiple_of_8(pixels)
        return ({"samples": vae.encode(pixels[:, :, :, :3])},)


class VAEEncodeTiled:
    CATEGORY = "_for_testing"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "encode"
    DESCRIPTION = "Encode an image in overlapping tiles to save memory."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "pixels": ("IMAGE",), "vae": ("VAE",),
            "tile_size": ("INT", {"default": 512, "min": 64, "max": 4096, "step": 64}),
            "overlap": ("INT", {"default": 64, "min": 0, "max": 4096, "step": 32}),
            "temporal_size": ("INT", {"default": 64, "min": 8, "max": 4096, "step": 4,
                                      "tooltip": "Only used for video VAEs: frames to encode at a time."}),
            "temporal_overlap": ("INT", {"default": 8, "min": 4, "max": 4096, "step": 4,
                                         "tooltip": "Only used for video VAEs: frames to overlap."}),
        }}

    def encode(self, vae, pixels: torch.Tensor, tile_size: int, overlap: int = 64,
               temporal_size: int = 64, temporal_overlap: int = 8):
        _check_image("VAEEncodeTiled", pixels)
        if tile_size < overlap * 4:
            overlap = tile_size // 4
        pixels = crop_to_multiple_of_8(pixels)
        # VAEHandle.encode_tiled takes tile and overlap in image pixels.
        return ({"samples": vae.encode_tiled(pixels[:, :, :, :3], tile_size, overlap)},)


def grow_mask_box(mask: torch.Tensor, grow: int) -> torch.Tensor:
    """Round a [B,1,H,W] mask and dilate it with a grow x grow box kernel."""
    if grow == 0:
        return mask
    kernel = torch.ones((1, 1, grow, grow), dtype=mask.dtype)
    padding = math.ceil((grow - 1) / 2)
    return torch.clamp(F.conv2d(mask.round(), kernel, padding=padding), 0, 1)


class VAEEncodeForInpaint:
    CATEGORY = "latent/inpaint"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "encode"
    DESCRIPTION = ("Encode an image for inpainting: masked pixels are set to grey before encoding and "
                   "the grown mask becomes the latent's noise_mask.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "pixels": ("IMAGE",), "vae": ("VAE",), "mask": ("MASK",),
            "grow_mask_by": ("INT", {"default": 6, "min": 0, "max": 64, "step": 1}),
        }}

    def encode(self, vae, pixels: torch.Tensor, mask: torch.Tensor, grow_mask_by: int = 6):
        _check_image("VAEEncodeForInpaint", pixels)
        if mask.ndim not in (2, 3):
            raise NodeInputError(f"VAEEncodeForInpaint: mask must be [B,H,W] or [H,W], got {tuple(mask.shape)}")
        mask_batch = mask.shape[0] if mask.ndim == 3 else 1
        if mask_batch not in (1, pixels.shape[0]):
            raise NodeInputError(f"VAEEncodeForInpaint: mask batch {mask_batch} does not match the image batch "
                                 f"{pixels.shape[0]} (give one mask, or one per image)")
        H, W = pixels.shape[1], pixels.shape[2]
        h, w = (H // 8) * 8, (W // 8) * 8
        # A mask of another size is stretched to the image, as ComfyUI does.
        mask = F.interpolate(mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).float(),
                             size=(H, W), mode="bilinear")
        pixels = pixels.clone()
        if H != h or W != w:
            y0, x0 = (H % 8) // 2, (W % 8) // 2
            pixels = pixels[:, y0:y0 + h, x0:x0 + w, :]
            mask = mask[:, :, y0:y0 + h, x0:x0 + w]
        grown = grow_mask_box(mask, grow_mask_by)
        keep = (1.0 - mask.round()).squeeze(1)
        pixels = pixels[:, :, :, :3]
        pixels = (pixels - 0.5) * keep.unsqueeze(-1) + 0.5
        latent = vae.encode(pixels)
        return ({"samples": latent, "noise_mask": grown[:, :, :h, :w].round()},)


NODE_CLASS_MAPPINGS = {
    "VAEDecode": VAEDecode,
    "VAEEncode": VAEEncode,
    "VAEDecodeTiled": VAEDecodeTiled,
    "VAEEncodeTiled": VAEEncodeTiled,
    "VAEEncodeForInpaint": VAEEncodeForInpaint,
}

NODE_DISPLAY_NAME_MAPPINGS = {
    "VAEDecode": "VAE Decode",
    "VAEEncode": "VAE Encode",
    "VAEDecodeTiled": "VAE Decode (Tiled)",
    "VAEEncodeTiled": "VAE Encode (Tiled)",
    "VAEEncodeForInpaint": "VAE Encode (for Inpainting)",
}
