"""``import comfy.sd`` (minimal): checkpoint/VAE loading through the engine's loaders and the handle types."""
from __future__ import annotations

from typing import Any

from engine.diffusion.clip_handle import ClipHandle as CLIP
from engine.diffusion.handles import VAEHandle as VAE

from .. import state as _state

__all__ = ["CLIP", "VAE", "load_checkpoint_guess_config", "load_lora_for_models"]


def load_checkpoint_guess_config(ckpt_path: str, output_vae: bool = True, output_clip: bool = True,
                                 output_clipvision: bool = False, embedding_directory: Any = None,
                                 output_model: bool = True, **_kwargs: Any) -> tuple:
    """(MODEL, CLIP, VAE, None) from a checkpoint file, as CheckpointLoaderSimple builds them."""
    from engine.diffusion.checkpoint import load_checkpoint
    if isinstance(embedding_directory, str):
        embedding_directory = [embedding_directory]
    model, clip, vae = load_checkpoint(ckpt_path, _state.get().device_manager, embedding_dirs=embedding_directory or (),
                                       output_vae=output_vae, output_clip=output_clip)
    return (model if output_model else None), clip, vae, None


def load_lora_for_models(model: Any, clip: Any, lora: dict, strength_model: float, strength_clip: float) -> tuple:
    """(MODEL, CLIP) clones carrying the LoRA state dict ``lora`` (a handle with strength 0 is passed through)."""
    from nodes.lora import apply_lora
    new_model, new_clip, _unmatched = apply_lora(model, clip, lora, strength_model, strength_clip, name="LoRA")
    return new_model, new_clip
