"""SaveLatent / LoadLatent: .latent files (safetensors with the prompt in the metadata)."""
from __future__ import annotations

import json
import os

import torch

from ._common import NodeInputError, cli_arg
from .image_io import _dirs, file_sha256, resolve_image_path
from .save_path import get_save_path

# Files without this marker were saved before the scale factor was taken out of LATENTs.
FORMAT_MARKER = "latent_format_version_0"
LEGACY_SCALE = 0.18215


def list_input_latents(node) -> list[str]:
    try:
        input_dir = _dirs(node)["input"]
    except RuntimeError:
        return []
    if not os.path.isdir(input_dir):
        return []
    return sorted(f for f in os.listdir(input_dir)
                  if f.endswith(".latent") and os.path.isfile(os.path.join(input_dir, f)))


class SaveLatent:
    CATEGORY = "_for_testing"
    RETURN_TYPES = ()
    FUNCTION = "save"
    OUTPUT_NODE = True
    DESCRIPTION = "Save a LATENT as a .latent (safetensors) file in the output folder."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"samples": ("LATENT",),
                             "filename_prefix": ("STRING", {"default": "latents/ComfyUI"})},
                "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    def save(self, samples: dict, filename_prefix: str = "ComfyUI", prompt=None, extra_pnginfo=None):
        from safetensors.torch import save_file
        try:
            target = get_save_path(filename_prefix, _dirs(self)["output"])
        except ValueError as exc:
            raise NodeInputError(f"SaveLatent: {exc}") from exc
        metadata = None
        if not cli_arg(self, "disable_metadata", False):
            metadata = {"prompt": json.dumps(prompt) if prompt is not None else ""}
            for key, value in (extra_pnginfo or {}).items():
                metadata[key] = json.dumps(value)
        file = f"{target.filename}_{target.counter:05}_.latent"
        tensors = {"latent_tensor": samples["samples"].detach().cpu().contiguous(),
                   FORMAT_MARKER: torch.tensor([])}
        save_file(tensors, os.path.join(target.folder, file), metadata=metadata)
        return {"ui": {"latents": [{"filename": file, "subfolder": target.subfolder, "type": "output"}]}}


class LoadLatent:
    CATEGORY = "_for_testing"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "load"
    DESCRIPTION = "Load a .latent file from the input folder."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"latent": (list_input_latents(cls),)}}

    def load(self, latent: str):
        from safetensors.torch import load_file
        path = resolve_image_path(self, latent)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"LoadLatent: latent file '{latent}' not found ({path})")
        try:
            data = load_file(path, device="cpu")
        except Exception as exc:  # safetensors raises its own error types for damaged files
            raise NodeInputError(f"LoadLatent: cannot read latent file '{latent}': {exc}") from exc
        if "latent_tensor" not in data:
            raise NodeInputError(f"LoadLatent: '{latent}' has no 'latent_tensor' (keys: {sorted(data)})")
        multiplier = 1.0 if FORMAT_MARKER in data else 1.0 / LEGACY_SCALE
        return ({"samples": data["latent_tensor"].float() * multiplier},)

    @classmethod
    def IS_CHANGED(cls, latent: str):
        return file_sha256(resolve_image_path(cls, latent))

    @classmethod
    def VALIDATE_INPUTS(cls, latent: str):
        try:
            path = resolve_image_path(cls, latent)
        except (NodeInputError, RuntimeError) as exc:
            return f"Invalid latent file: {latent} ({exc})"
        return True if os.path.isfile(path) else f"Invalid latent file: {latent}"


NODE_CLASS_MAPPINGS = {"SaveLatent": SaveLatent, "LoadLatent": LoadLatent}
NODE_DISPLAY_NAME_MAPPINGS = {}
