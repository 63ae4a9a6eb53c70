"""LoRA nodes: patches are added to clones of the handles (applied on use, never baked in)."""
from __future__ import annotations

import logging
import os

from ._common import NodeInputError, full_path, list_files

log = logging.getLogger(__name__)

STRENGTH = {"default": 1.0, "min": -100.0, "max": 100.0, "step": 0.01}


def _model_keys(model) -> list[str]:
    keys = getattr(model, "patch_keys", None)
    if callable(keys):
        return list(keys())
    return list(model.unet.state_dict().keys())


def _num_res_blocks(model) -> int:
    cfg = getattr(model.unet, "config", None)
    return int(getattr(cfg, "num_res_blocks", 2))


def split_lora(lora_sd: dict, model, clip, name: str) -> tuple[dict, dict, list[str]]:
    """(model patches, clip patches, LoRA keys that match nothing) for the given handles."""
    from engine.diffusion.lora import clip_key_map, convert_lora, unet_key_map

    unet_map = unet_key_map(_model_keys(model), _num_res_blocks(model)) if model is not None else {}
    clip_map = clip_key_map(clip.patch_keys()) if clip is not None else {}
    return convert_lora(lora_sd, unet_map, clip_map, name=name)


def apply_lora(model, clip, lora_sd: dict, strength_model: float, strength_clip: float, name: str):
    """Clones of model/clip carrying the LoRA's patches (a handle with strength 0 is passed through);
    returns (model, clip, unmatched LoRA keys)."""
    model_p, clip_p, unmatched = split_lora(lora_sd, model, clip, name)
    new_model, new_clip = model, clip
    if model is not None and strength_model != 0:
        new_model = model.clone()
        missed = new_model.add_patches(model_p, strength_model)
        if missed:
            log.warning("%s: %d model patch keys matched no weight: %s", name, len(missed), ", ".join(missed[:10]))
    if clip is not None and strength_clip != 0:
        new_clip = clip.clone()
        missed = new_clip.add_patches(clip_p, strength_clip)
        if missed:
            log.warning("%s: %d clip patch keys matched no weight: %s", name, len(missed), ", ".join(missed[:10]))
    if not model_p and not clip_p:
        log.warning("%s: no LoRA key matched this model", name)
    return new_model, new_clip, unmatched


class _LoraFileCache:
    """Keeps the last LoRA file read by one node instance (re-read when the file changes)."""

    def __init__(self) -> None:
        self._key = None
        self._sd = None

    def get(self, path: str) -> dict:
        from engine.diffusion.safe_load import load_state_dict
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size)
        if key != self._key:
            self._sd = load_state_dict(path)
            self._key = key
        return self._sd


class LoraLoader:
    CATEGORY = "loaders"
    RETURN_TYPES = ("MODEL", "CLIP")
    OUTPUT_TOOLTIPS = ("The modified diffusion model.", "The modified CLIP model.")
    FUNCTION = "load_lora"
    DESCRIPTION = ("LoRAs are used to modify diffusion and CLIP models, altering the way in which latents are "
                   "denoised such as applying styles. Multiple LoRA nodes can be linked together.")

    def __init__(self) -> None:
        self._cache = _LoraFileCache()

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "model": ("MODEL", {"tooltip": "The diffusion model the LoRA will be applied to."}),
            "clip": ("CLIP", {"tooltip": "The CLIP model the LoRA will be applied to."}),
            "lora_name": (list_files(cls, "loras"), {"tooltip": "The name of the LoRA."}),
            "strength_model": ("FLOAT", {**STRENGTH, "tooltip": "How strongly to modify the diffusion model. "
                                                                "This value can be negative."}),
            "strength_clip": ("FLOAT", {**STRENGTH, "tooltip": "How strongly to modify the CLIP model. "
                                                               "This value can be negative."}),
        }}

    def _read(self, node_name: str, lora_name: str) -> dict:
        path = full_path(self, node_name, "loras", lora_name)
        try:
            return self._cache.get(path)
        except (OSError, ValueError, RuntimeError) as exc:
            raise NodeInputError(f"{node_name}: cannot read LoRA file '{lora_name}': {exc}") from exc

    def load_lora(self, model, clip, lora_name: str, strength_model: float, strength_clip: float):
        if strength_model == 0 and strength_clip == 0:
            return (model, clip)
        lora_sd = self._read("LoraLoader", lora_name)
        new_model, new_clip, _ = apply_lora(model, clip, lora_sd, strength_model, strength_clip,
                                            f"LoraLoader '{lora_name}'")
        return (new_model, new_clip)


class LoraLoaderModelOnly(LoraLoader):
    RETURN_TYPES = ("MODEL",)
    OUTPUT_TOOLTIPS = ("The modified diffusion model.",)
    FUNCTION = "load_lora_model_only"
    DESCRIPTION = "Apply a LoRA to the diffusion model only."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "model": ("MODEL",),
            "lora_name": (list_files(cls, "loras"),),
            "strength_model": ("FLOAT", dict(STRENGTH)),
        }}

    def load_lora_model_only(self, model, lora_name: str, strength_model: float):
        if strength_model == 0:
            return (model,)
        lora_sd = self._read("LoraLoaderModelOnly", lora_name)
        new_model, _, _ = apply_lora(model, None, lora_sd, strength_model, 0.0,
                                     f"LoraLoaderModelOnly '{lora_name}'")
        return (new_model,)


NODE_CLASS_MAPPINGS = {"LoraLoader": LoraLoader, "LoraLoaderModelOnly": LoraLoaderModelOnly}
NODE_DISPLAY_NAME_MAPPINGS = {"LoraLoader": "Load LoRA", "LoraLoaderModelOnly": "LoraLoaderModelOnly"}
