"""InpaintModelConditioning: inputs for 9-channel inpainting models (masked image latent + mask)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ._common import NodeInputError
from .conditioning import with_values


class InpaintModelConditioning:
    CATEGORY = "conditioning/inpaint"
    RETURN_TYPES = ("CONDITIONING", "CONDITIONING", "LATENT")
    RETURN_NAMES = ("positive", "negative", "latent")
    FUNCTION = "encode"
    DESCRIPTION = ("Conditioning for inpainting models: the image with the masked area set to grey is encoded "
                   "as concat_latent_image, the mask as concat_mask; the latent is the original image "
                   "(with noise_mask = mask when enabled).")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "positive": ("CONDITIONING",),
            "negative": ("CONDITIONING",),
            "vae": ("VAE",),
            "pixels": ("IMAGE",),
            "mask": ("MASK",),
            "noise_mask": ("BOOLEAN", {"default": True, "tooltip": "Add a noise mask to the latent so sampling "
                                       "will only happen within the mask. Might improve results or completely "
                                       "break things depending on the model."}),
        }}

    def encode(self, positive: list, negative: list, vae, pixels: torch.Tensor, mask: torch.Tensor,
               noise_mask: bool = True):
        if pixels.ndim != 4 or pixels.shape[1] < 8 or pixels.shape[2] < 8:
            raise NodeInputError(f"InpaintModelConditioning: pixels must be an IMAGE of at least 8x8, "
                                 f"got {tuple(pixels.shape)}")
        H, W = pixels.shape[1], pixels.shape[2]
        h, w = (H // 8) * 8, (W // 8) * 8
        mask = F.interpolate(mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).float(),
                             size=(H, W), mode="bilinear")
        pixels = pixels[..., :3]
        if H != h or W != w:
            y0, x0 = (H % 8) // 2, (W % 8) // 2
            pixels = pixels[:, y0:y0 + h, x0:x0 + w, :]
            mask = mask[:, :, y0:y0 + h, x0:x0 + w]
        keep = (1.0 - mask.round()).squeeze(1).unsqueeze(-1)
        if keep.shape[0] not in (1, pixels.shape[0]):
            raise NodeInputError(f"InpaintModelConditioning: mask batch {keep.shape[0]} does not match the image "
                                 f"batch {pixels.shape[0]}")
        concat_latent = vae.encode((pixels - 0.5) * keep + 0.5)
        latent = {"samples": vae.encode(pixels)}
        if noise_mask:
            latent["noise_mask"] = mask
        values = {"concat_latent_image": concat_latent, "concat_mask": mask}
        return (with_values(positive, values), with_values(negative, values), latent)


NODE_CLASS_MAPPINGS = {"InpaintModelConditioning": InpaintModelConditioning}
NODE_DISPLAY_NAME_MAPPINGS = {}
