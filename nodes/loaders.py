"""Model loaders: checkpoints, VAE, text encoders, diffusion models, and CLIP skip."""
from __future__ import annotations

import logging

from ._common import NodeInputError, full_path, list_files, node_context

log = logging.getLogger(__name__)

CLIP_LOADER_TYPES = ["stable_diffusion", "stable_cascade", "sd3", "stable_audio", "mochi", "ltxv", "pixart",
                     "cosmos", "lumina2", "wan", "hidream", "chroma", "ace", "omnigen2", "qwen_image",
                     "hunyuan_image", "flux2", "ovis"]
DUAL_CLIP_TYPES = ["sdxl", "sd3", "flux", "hunyuan_video", "hidream"]
UNET_WEIGHT_DTYPES = ["default", "fp8_e4m3fn", "fp8_e4m3fn_fast", "fp8_e5m2"]
# Families this engine implements; the other combo entries exist so foreign workflows validate.
SUPPORTED_CLIP_TYPES = {"stable_diffusion": "stable_diffusion"}
SUPPORTED_DUAL_CLIP_TYPES = {"sdxl": "sdxl"}


def device_manager_of(node, node_name: str):
    ctx = node_context(node)
    dm = getattr(ctx, "device", None) if ctx is not None else None
    if dm is None:
        raise RuntimeError(f"{node_name}: no DeviceManager in the NodeContext (main.py builds one)")
    return dm


def embedding_dirs(node) -> list[str]:
    ctx = node_context(node)
    paths = getattr(ctx, "paths", None) if ctx is not None else None
    if paths is None:
        return []
    try:
        return list(paths.folder("embeddings"))
    except KeyError:
        return []


def load_checkpoint_file(node, node_name: str, ckpt_name: str):
    from engine.diffusion.checkpoint import load_checkpoint
    path = full_path(node, node_name, "checkpoints", ckpt_name)
    model, clip, vae = load_checkpoint(path, device_manager_of(node, node_name),
                                       embedding_dirs=embedding_dirs(node))
    return model, clip, vae


class CheckpointLoaderSimple:
    CATEGORY = "loaders"
    RETURN_TYPES = ("MODEL", "CLIP", "VAE")
    OUTPUT_TOOLTIPS = ("The model used for denoising latents.",
                       "The CLIP model used for encoding text prompts.",
                       "The VAE model used for encoding and decoding images to and from latent space.")
    FUNCTION = "load_checkpoint"
    DESCRIPTION = "Loads a diffusion model checkpoint, diffusion models are used to denoise latents."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"ckpt_name": (list_files(cls, "checkpoints"),
                                           {"tooltip": "The name of the checkpoint (model) to load."})}}

    def load_checkpoint(self, ckpt_name: str):
        return load_checkpoint_file(self, "CheckpointLoaderSimple", ckpt_name)


class CheckpointLoader:
    CATEGORY = "advanced/loaders"
    RETURN_TYPES = ("MODEL", "CLIP", "VAE")
    FUNCTION = "load_checkpoint"
    DEPRECATED = True
    DESCRIPTION = ("Legacy loader taking a yaml config. The architecture is detected from the checkpoint's "
                   "weights, so the config is accepted and ignored.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"config_name": (list_files(cls, "configs"),),
                             "ckpt_name": (list_files(cls, "checkpoints"),)}}

    def load_checkpoint(self, config_name: str, ckpt_name: str):
        log.info("CheckpointLoader: config '%s' ignored; the architecture of '%s' is detected from its weights",
                 config_name, ckpt_name)
        return load_checkpoint_file(self, "CheckpointLoader", ckpt_name)


class PixelSpaceVAE:
    """VAELoader's "pixel_space" entry: the 'latent' is the image itself, scaled to -1..1 (BCHW)."""

    family = None
    latent_channels = 3

    def encode(self, image):
        return image[..., :3].movedim(-1, 1).float() * 2.0 - 1.0

    def decode(self, latent):
        return ((latent.float() + 1.0) / 2.0).clamp(0.0, 1.0).movedim(1, -1)

    def encode_tiled(self, image, tile: int = 512, overlap: int = 64):
        return self.encode(image)

    def decode_tiled(self, latent, tile: int = 512, overlap: int = 64):
        return self.decode(latent)


class VAELoader:
    CATEGORY = "loaders"
    RETURN_TYPES = ("VAE",)
    FUNCTION = "load_vae"
    DESCRIPTION = ("Load a standalone VAE (LDM or diffusers key layout); taesd/taesdxl are the tiny TAESD "
                   "autoencoders from models/vae_approx; pixel_space passes pixels through.")

    @classmethod
    def INPUT_TYPES(cls):
        from engine.diffusion.taesd import taesd_vae_names
        taesd = taesd_vae_names(list_files(cls, "vae_approx"))
        return {"required": {"vae_name": (list_files(cls, "vae") + taesd + ["pixel_space"],)}}

    def load_vae(self, vae_name: str):
        from engine.diffusion.checkpoint import load_vae
        from engine.diffusion.taesd import TAESD_VAES, TAESDError, load_taesd_vae, taesd_vae_files
        if vae_name == "pixel_space":
            return (PixelSpaceVAE(),)
        if vae_name in TAESD_VAES:
            try:
                encoder, decoder = taesd_vae_files(vae_name, list_files(self, "vae_approx"))
            except TAESDError as exc:
                raise NodeInputError(f"VAELoader: {exc}") from exc
            return (load_taesd_vae(vae_name, full_path(self, "VAELoader", "vae_approx", encoder),
                                   full_path(self, "VAELoader", "vae_approx", decoder),
                                   device_manager_of(self, "VAELoader")),)
        path = full_path(self, "VAELoader", "vae", vae_name)
        return (load_vae(path, device_manager_of(self, "VAELoader")),)


class CLIPLoader:
    CATEGORY = "advanced/loaders"
    RETURN_TYPES = ("CLIP",)
    FUNCTION = "load_clip"
    DESCRIPTION = "Load a standalone text encoder (stable_diffusion: CLIP-L for SD1.x, OpenCLIP-H for SD2.x)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"clip_name": (list_files(cls, "text_encoders"),),
                             "type": (list(CLIP_LOADER_TYPES),)},
                "optional": {"device": (["default", "cpu"], {"advanced": True})}}

    def load_clip(self, clip_name: str, type: str = "stable_diffusion", device: str = "default"):
        from engine.diffusion.checkpoint import load_clip
        if type not in SUPPORTED_CLIP_TYPES:
            raise NodeInputError(f"CLIPLoader: type '{type}' is not supported by this engine "
                                 f"(supported: {', '.join(SUPPORTED_CLIP_TYPES)})")
        path = full_path(self, "CLIPLoader", "text_encoders", clip_name)
        return (load_clip([path], SUPPORTED_CLIP_TYPES[type], device_manager_of(self, "CLIPLoader"),
                          embedding_dirs=embedding_dirs(self)),)


class DualCLIPLoader:
    CATEGORY = "advanced/loaders"
    RETURN_TYPES = ("CLIP",)
    FUNCTION = "load_clip"
    DESCRIPTION = "Load two text encoders as one CLIP; sdxl = CLIP-L + OpenCLIP-bigG."

    @classmethod
    def INPUT_TYPES(cls):
        files = list_files(cls, "text_encoders")
        return {"required": {"clip_name1": (files,), "clip_name2": (list(files),),
                             "type": (list(DUAL_CLIP_TYPES),)},
                "optional": {"device": (["default", "cpu"], {"advanced": True})}}

    def load_clip(self, clip_name1: str, clip_name2: str, type: str, device: str = "default"):
        from engine.diffusion.checkpoint import load_clip
        if type not in SUPPORTED_DUAL_CLIP_TYPES:
            raise NodeInputError(f"DualCLIPLoader: type '{type}' is not supported by this engine "
                                 f"(supported: {', '.join(SUPPORTED_DUAL_CLIP_TYPES)})")
        paths = [full_path(self, "DualCLIPLoader", "text_encoders", n) for n in (clip_name1, clip_name2)]
        return (load_clip(paths, SUPPORTED_DUAL_CLIP_TYPES[type], device_manager_of(self, "DualCLIPLoader"),
                          embedding_dirs=embedding_dirs(self)),)


class UNETLoader:
    CATEGORY = "advanced/loaders"
    RETURN_TYPES = ("MODEL",)
    FUNCTION = "load_unet"
    DESCRIPTION = "Load a bare diffusion model (UNet) file."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"unet_name": (list_files(cls, "diffusion_models"),),
                             "weight_dtype": (list(UNET_WEIGHT_DTYPES),)}}

    def load_unet(self, unet_name: str, weight_dtype: str = "default"):
        """weight_dtype fp8_*: weights stored in fp8 and cast per layer to the usual compute dtype
        ("fp8_e4m3fn_fast" is ComfyUI's fp8 matmul on cards that have it; here it stores e4m3fn
        weights like "fp8_e4m3fn")."""
        import torch

        from engine.diffusion.checkpoint import load_unet
        dtypes = {"default": None, "fp8_e4m3fn": torch.float8_e4m3fn, "fp8_e4m3fn_fast": torch.float8_e4m3fn,
                  "fp8_e5m2": torch.float8_e5m2}
        if weight_dtype not in dtypes:
            raise NodeInputError(f"UNETLoader: weight_dtype must be one of {UNET_WEIGHT_DTYPES}, "
                                 f"got {weight_dtype!r}")
        path = full_path(self, "UNETLoader", "diffusion_models", unet_name)
        return (load_unet(path, device_manager_of(self, "UNETLoader"), weight_dtype=dtypes[weight_dtype]),)


class CLIPSetLastLayer:
    CATEGORY = "conditioning"
    RETURN_TYPES = ("CLIP",)
    FUNCTION = "set_last_layer"
    DESCRIPTION = "Use the hidden state of an earlier text-encoder layer (-1 = last, -2 = 'clip skip 2')."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"clip": ("CLIP",),
                             "stop_at_clip_layer": ("INT", {"default": -1, "min": -24, "max": -1, "step": 1})}}

    def set_last_layer(self, clip, stop_at_clip_layer: int):
        if clip is None:
            raise NodeInputError("CLIPSetLastLayer: clip input is None")
        clip = clip.clone()
        clip.set_last_layer(stop_at_clip_layer)
        return (clip,)


NODE_CLASS_MAPPINGS = {
    "CheckpointLoaderSimple": CheckpointLoaderSimple,
    "CheckpointLoader": CheckpointLoader,
    "VAELoader": VAELoader,
    "CLIPLoader": CLIPLoader,
    "DualCLIPLoader": DualCLIPLoader,
    "UNETLoader": UNETLoader,
    "CLIPSetLastLayer": CLIPSetLastLayer,
}

NODE_DISPLAY_NAME_MAPPINGS = {
    "CheckpointLoaderSimple": "Load Checkpoint",
    "CheckpointLoader": "Load Checkpoint With Config (DEPRECATED)",
    "VAELoader": "Load VAE",
    "CLIPLoader": "Load CLIP",
    "DualCLIPLoader": "DualCLIPLoader",
    "UNETLoader": "Load Diffusion Model",
    "CLIPSetLastLayer": "CLIP Set Last Layer",
}
