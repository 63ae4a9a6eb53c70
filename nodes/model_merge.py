"""Model merging and saving nodes (ComfyUI's advanced/model_merging).

Merges are weight patches on a clone of the first handle, never writes to a module, so the loaded
models keep their original weights bit-exactly and the merge is computed when the merged model runs:

* ModelMergeSimple / ModelMergeBlocks / CLIPMergeSimple: W1 + (1 - ratio) * (W2 - W1)
  (ComfyUI's ``add_patches(model2 weights, 1 - ratio, ratio)``: ratio = how much of model1 stays);
* ModelMergeSubtract / CLIPMergeSubtract: W1 - multiplier * W2; ModelMergeAdd / CLIPMergeAdd: W1 + W2.

W2 is the second model's weight with its own patches (a LoRA on model2 is merged in too), read
when the merged weight is computed. Keys whose shapes differ are left unmerged with a warning.

CheckpointSave writes a single-file checkpoint in the LDM key layout our loader and ComfyUI read
(``model.diffusion_model.``, ``first_stage_model.``, ``cond_stage_model.`` / ``conditioner.embedders.N.``
with OpenCLIP names for the ViT-H/bigG encoders), with the patched (merged, LoRA'd) weights.
"""
from __future__ import annotations

import json
import logging
import os

import torch

from ._common import NodeInputError, cli_arg, require_context

log = logging.getLogger(__name__)

CATEGORY = "advanced/model_merging"
RATIO = {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01}
MULTIPLIER = {"default": 1.0, "min": -10.0, "max": 10.0, "step": 0.01}
CLIP_SKIPPED_SUFFIXES = (".position_ids", ".logit_scale")


# ----------------------------------------------------------------------------- merge patches
class OtherWeight:
    """One weight of another handle's module, with that handle's patches (as they were when the
    merge node ran) applied in fp32."""

    def __init__(self, patcher, key: str) -> None:
        self.module = patcher.module
        self.key = key
        self.patches = patcher.patches.get(key, ())

    def original(self) -> torch.Tensor:
        from engine.diffusion.patching import original_tensor
        return original_tensor(self.module, self.key)

    def value(self, device) -> torch.Tensor:
        from engine.diffusion.patching import apply_patches
        return apply_patches(self.original().to(device=device, dtype=torch.float32, copy=True), self.patches,
                             self.key)


class TowardsPatch:
    """delta = W_other - W: at strength s the weight becomes (1 - s) * W + s * W_other."""

    def __init__(self, other: OtherWeight) -> None:
        self.other = other

    def delta(self, weight: torch.Tensor) -> torch.Tensor:
        return self.other.value(weight.device) - weight


class AddPatch:
    """delta = W_other: at strength s the weight becomes W + s * W_other."""

    def __init__(self, other: OtherWeight) -> None:
        self.other = other

    def delta(self, weight: torch.Tensor) -> torch.Tensor:
        return self.other.value(weight.device)


def _merge_pairs(dst_patcher, src_patcher, node: str, skip_suffixes: tuple = ()) -> list[tuple[str, OtherWeight]]:
    """(key, the source's weight) for every key both modules have with the same shape."""
    from engine.diffusion.patching import original_tensor
    mine = dst_patcher.weight_keys()
    pairs, mismatched = [], []
    for key in sorted(src_patcher.weight_keys()):
        if key not in mine or key.endswith(skip_suffixes):
            continue
        if original_tensor(dst_patcher.module, key).shape != original_tensor(src_patcher.module, key).shape:
            mismatched.append(key)
            continue
        pairs.append((key, OtherWeight(src_patcher, key)))
    if mismatched:
        log.warning("%s: %d weights differ in shape and are not merged: %s", node, len(mismatched),
                    ", ".join(mismatched[:8]))
    return pairs


def _check(value, attr: str, node: str, what: str):
    if value is None or not hasattr(value, attr):
        raise NodeInputError(f"{node}: input {what} is not a {'MODEL' if attr == 'patcher' else 'CLIP'} "
                             f"(got {type(value).__name__})")
    return value


def merge_models(model1, model2, node: str, strength_for, patch_cls) -> object:
    """A clone of model1 with one patch per shared UNet weight; strength_for(key) -> strength."""
    _check(model1, "patcher", node, "model1")
    _check(model2, "patcher", node, "model2")
    m = model1.clone()
    groups: dict[float, dict] = {}
    for key, other in _merge_pairs(m.patcher, model2.patcher, node):
        groups.setdefault(float(strength_for(key)), {})[key] = patch_cls(other)
    for strength, patches in groups.items():
        m.add_patches(patches, strength)
    return m


def merge_clips(clip1, clip2, node: str, strength: float, patch_cls) -> object:
    _check(clip1, "patchers", node, "clip1")
    _check(clip2, "patchers", node, "clip2")
    c = clip1.clone()
    patches = {}
    for name, src in clip2.patchers.items():
        dst = c.patchers.get(name)
        if dst is None:
            log.warning("%s: clip2's %s encoder has no counterpart in clip1; not merged", node, name)
            continue
        for key, other in _merge_pairs(dst, src, node, CLIP_SKIPPED_SUFFIXES):
            patches[f"{name}.{key}"] = patch_cls(other)
    c.add_patches(patches, strength)
    return c


class ModelMergeSimple:
    DESCRIPTION = "Merges two diffusion models: ratio of model1 plus (1 - ratio) of model2, weight by weight."
    CATEGORY = CATEGORY
    RETURN_TYPES = ("MODEL",)
    FUNCTION = "merge"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model1": ("MODEL",), "model2": ("MODEL",), "ratio": ("FLOAT", dict(RATIO))}}

    def merge(self, model1, model2, ratio: float):
        return (merge_models(model1, model2, "ModelMergeSimple", lambda k: 1.0 - ratio, TowardsPatch),)


class ModelMergeBlocks:
    DESCRIPTION = "Merges two diffusion models with separate ratios for the input, middle and output blocks."
    CATEGORY = CATEGORY
    RETURN_TYPES = ("MODEL",)
    FUNCTION = "merge"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model1": ("MODEL",), "model2": ("MODEL",), "input": ("FLOAT", dict(RATIO)),
                             "middle": ("FLOAT", dict(RATIO)), "out": ("FLOAT", dict(RATIO))}}

    def merge(self, model1, model2, input: float, middle: float, out: float):
        return (block_merge(model1, model2, {"input": input, "middle": middle, "out": out}, "ModelMergeBlocks"),)


def block_merge(model1, model2, ratios: dict[str, float], node: str):
    """Ratio per UNet key: the last of ``ratios`` (in order) whose name starts the key, else the first one's
    (ModelMergeBlocks: "out" covers output_blocks.* and out.*; time_embed.* takes the "input" ratio)."""
    default = next(iter(ratios.values()))

    def strength(key: str) -> float:
        ratio = default
        for prefix, value in ratios.items():
            if key.startswith(prefix):
                ratio = value
        return 1.0 - ratio
    return merge_models(model1, model2, node, strength, TowardsPatch)


class ModelMergeSubtract:
    DESCRIPTION = "Subtracts multiplier times model2's weights from model1's (e.g. to extract a difference)."
    CATEGORY = CATEGORY
    RETURN_TYPES = ("MODEL",)
    FUNCTION = "merge"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model1": ("MODEL",), "model2": ("MODEL",), "multiplier": ("FLOAT", dict(MULTIPLIER))}}

    def merge(self, model1, model2, multiplier: float):
        return (merge_models(model1, model2, "ModelMergeSubtract", lambda k: -multiplier, AddPatch),)


class ModelMergeAdd:
    DESCRIPTION = "Adds model2's weights to model1's (e.g. to apply an extracted difference)."
    CATEGORY = CATEGORY
    RETURN_TYPES = ("MODEL",)
    FUNCTION = "merge"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model1": ("MODEL",), "model2": ("MODEL",)}}

    def merge(self, model1, model2):
        return (merge_models(model1, model2, "ModelMergeAdd", lambda k: 1.0, AddPatch),)


class CLIPMergeSimple:
    DESCRIPTION = "Merges two text encoders: ratio of clip1 plus (1 - ratio) of clip2."
    CATEGORY = CATEGORY
    RETURN_TYPES = ("CLIP",)
    FUNCTION = "merge"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"clip1": ("CLIP",), "clip2": ("CLIP",), "ratio": ("FLOAT", dict(RATIO))}}

    def merge(self, clip1, clip2, ratio: float):
        return (merge_clips(clip1, clip2, "CLIPMergeSimple", 1.0 - ratio, TowardsPatch),)


class CLIPMergeSubtract:
    DESCRIPTION = "Subtracts multiplier times clip2's weights from clip1's."
    CATEGORY = CATEGORY
    RETURN_TYPES = ("CLIP",)
    FUNCTION = "merge"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"clip1": ("CLIP",), "clip2": ("CLIP",), "multiplier": ("FLOAT", dict(MULTIPLIER))}}

    def merge(self, clip1, clip2, multiplier: float):
        return (merge_clips(clip1, clip2, "CLIPMergeSubtract", -multiplier, AddPatch),)


class CLIPMergeAdd:
    DESCRIPTION = "Adds clip2's weights to clip1's."
    CATEGORY = CATEGORY
    RETURN_TYPES = ("CLIP",)
    FUNCTION = "merge"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"clip1": ("CLIP",), "clip2": ("CLIP",)}}

    def merge(self, clip1, clip2):
        return (merge_clips(clip1, clip2, "CLIPMergeAdd", 1.0, AddPatch),)


# ----------------------------------------------------------------------------- state dicts for saving
def _cpu(t: torch.Tensor) -> torch.Tensor:
    return t.detach().to("cpu", copy=True).contiguous()


def unet_state_dict(model) -> dict[str, torch.Tensor]:
    """The UNet's weights with the handle's patches applied (LDM names, no prefix)."""
    with model.patcher.use() as module:
        return {k: _cpu(v) for k, v in module.state_dict().items()}


def vae_state_dict(vae) -> dict[str, torch.Tensor]:
    return {k: _cpu(v) for k, v in vae.vae.state_dict().items()}


def clip_encoder_state_dicts(clip) -> dict[str, dict[str, torch.Tensor]]:
    """{"clip_l"|"clip_g"|"clip_h": transformers-named weights with the handle's patches applied}."""
    out = {}
    for name, patcher in clip.patchers.items():
        with patcher.use() as module:
            out[name] = {k: _cpu(v) for k, v in module.state_dict().items()
                         if not k.endswith(CLIP_SKIPPED_SUFFIXES)}
    return out


_OPEN_CLIP_LAYER = {
    "layer_norm1": "ln_1", "layer_norm2": "ln_2", "mlp.fc1": "mlp.c_fc", "mlp.fc2": "mlp.c_proj",
    "self_attn.out_proj": "attn.out_proj",
}
_OPEN_CLIP_TOP = {
    "text_model.embeddings.token_embedding.weight": "token_embedding.weight",
    "text_model.embeddings.position_embedding.weight": "positional_embedding",
    "text_model.final_layer_norm.weight": "ln_final.weight",
    "text_model.final_layer_norm.bias": "ln_final.bias",
}


def hf_to_open_clip(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """transformers CLIP text weights -> OpenCLIP names (q/k/v joined into in_proj, projection as x @ P)."""
    out: dict[str, torch.Tensor] = {}
    layers = sorted({int(k.split(".")[3]) for k in sd if k.startswith("text_model.encoder.layers.")})
    for n in layers:
        src, dst = f"text_model.encoder.layers.{n}.", f"transformer.resblocks.{n}."
        for kind in ("weight", "bias"):
            out[f"{dst}attn.in_proj_{kind}"] = torch.cat(
                [sd.pop(f"{src}self_attn.{p}_proj.{kind}") for p in ("q", "k", "v")]).contiguous()
            for hf, oc in _OPEN_CLIP_LAYER.items():
                out[f"{dst}{oc}.{kind}"] = sd.pop(f"{src}{hf}.{kind}")
    for hf, oc in _OPEN_CLIP_TOP.items():
        out[oc] = sd.pop(hf)
    if "text_projection.weight" in sd:
        out["text_projection"] = sd.pop("text_projection.weight").t().contiguous()
    if sd:
        raise ValueError(f"text encoder weights with no OpenCLIP name: {sorted(sd)[:5]}")
    return out


# encoder -> (checkpoint prefix, layout) per CLIP kind (checkpoints.md §1)
CHECKPOINT_CLIP_LAYOUT = {
    "sd1": {"clip_l": ("cond_stage_model.transformer.", "hf")},
    "sd2": {"clip_h": ("cond_stage_model.model.", "open_clip")},
    "sdxl": {"clip_l": ("conditioner.embedders.0.transformer.", "hf"),
             "clip_g": ("conditioner.embedders.1.model.", "open_clip")},
    "sdxl_refiner": {"clip_g": ("conditioner.embedders.0.model.", "open_clip")},
}


def checkpoint_state_dict(model, clip=None, vae=None) -> dict[str, torch.Tensor]:
    """A single-file LDM checkpoint's tensors for the handles (patched weights)."""
    sd = {"model.diffusion_model." + k: v for k, v in unet_state_dict(model).items()}
    family = getattr(model, "family", None)
    if family is not None and family.prediction == "v":
        sd["v_pred"] = torch.tensor([])
    if getattr(model, "zsnr", False):
        sd["ztsnr"] = torch.tensor([])
    if clip is not None:
        layout = CHECKPOINT_CLIP_LAYOUT.get(clip.kind)
        if layout is None:
            raise ValueError(f"no checkpoint layout for CLIP kind {clip.kind!r}")
        for name, enc_sd in clip_encoder_state_dicts(clip).items():
            prefix, kind = layout[name]
            if kind == "open_clip":
                enc_sd = hf_to_open_clip(enc_sd)
            sd.update({prefix + k: v for k, v in enc_sd.items()})
    if vae is not None:
        sd.update({"first_stage_model." + k: v for k, v in vae_state_dict(vae).items()})
    return sd


# ----------------------------------------------------------------------------- save nodes
def _metadata(node, prompt, extra_pnginfo) -> dict | None:
    if cli_arg(node, "disable_metadata", False):
        return None
    meta = {"prompt": json.dumps(prompt) if prompt is not None else ""}
    for key, value in (extra_pnginfo or {}).items():
        meta[key] = json.dumps(value)
    return meta


def _target(node, node_name: str, filename_prefix: str) -> tuple[str, str, str]:
    """(file path, file name, subfolder) of the next <prefix>_NNNNN_.safetensors in the output folder."""
    from .save_path import get_save_path
    ctx = require_context(node, node_name)
    try:
        target = get_save_path(filename_prefix, ctx.paths.output_dir)
    except ValueError as exc:
        raise NodeInputError(f"{node_name}: {exc}") from exc
    name = f"{target.filename}_{target.counter:05}_.safetensors"
    return os.path.join(target.folder, name), name, target.subfolder


def save_tensors(path: str, tensors: dict[str, torch.Tensor], metadata: dict | None) -> None:
    from safetensors.torch import save_file
    tmp = path + ".tmp"
    save_file(tensors, tmp, metadata=metadata)
    os.replace(tmp, path)


class CheckpointSave:
    DESCRIPTION = ("Saves the model, CLIP and VAE (with their merges and LoRAs applied) as one checkpoint in "
                   "output/checkpoints.")
    CATEGORY = CATEGORY
    RETURN_TYPES = ()
    FUNCTION = "save"
    OUTPUT_NODE = True

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",), "clip": ("CLIP",), "vae": ("VAE",),
                             "filename_prefix": ("STRING", {"default": "checkpoints/ComfyUI"})},
                "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    def save(self, model, clip, vae, filename_prefix: str, prompt=None, extra_pnginfo=None):
        _check(model, "patcher", "CheckpointSave", "model")
        path, _, _ = _target(self, "CheckpointSave", filename_prefix)
        save_tensors(path, checkpoint_state_dict(model, clip, vae), _metadata(self, prompt, extra_pnginfo))
        return {}


class ModelSave:
    DESCRIPTION = ("Saves the diffusion model (with its merges and LoRAs applied) as a checkpoint file in the "
                   "output folder.")
    CATEGORY = CATEGORY
    RETURN_TYPES = ()
    FUNCTION = "save"
    OUTPUT_NODE = True

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",),
                             "filename_prefix": ("STRING", {"default": "diffusion_models/ComfyUI"})},
                "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    def save(self, model, filename_prefix: str, prompt=None, extra_pnginfo=None):
        _check(model, "patcher", "ModelSave", "model")
        path, _, _ = _target(self, "ModelSave", filename_prefix)
        save_tensors(path, checkpoint_state_dict(model), _metadata(self, prompt, extra_pnginfo))
        return {}


class VAESave:
    DESCRIPTION = "Saves the VAE's weights as a safetensors file in the output folder."
    CATEGORY = CATEGORY
    RETURN_TYPES = ()
    FUNCTION = "save"
    OUTPUT_NODE = True

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"vae": ("VAE",), "filename_prefix": ("STRING", {"default": "vae/ComfyUI_vae"})},
                "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    def save(self, vae, filename_prefix: str, prompt=None, extra_pnginfo=None):
        if vae is None or not hasattr(vae, "vae"):
            raise NodeInputError(f"VAESave: input vae is not a VAE with weights (got {type(vae).__name__})")
        path, _, _ = _target(self, "VAESave", filename_prefix)
        save_tensors(path, vae_state_dict(vae), _metadata(self, prompt, extra_pnginfo))
        return {}


class CLIPSave:
    DESCRIPTION = ("Saves each text encoder of the CLIP (with its patches applied) as a safetensors file in "
                   "the output folder.")
    CATEGORY = CATEGORY
    RETURN_TYPES = ()
    FUNCTION = "save"
    OUTPUT_NODE = True

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"clip": ("CLIP",), "filename_prefix": ("STRING", {"default": "clip/ComfyUI"})},
                "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    def save(self, clip, filename_prefix: str, prompt=None, extra_pnginfo=None):
        """One file per text encoder, <prefix>_<clip_l|clip_g|clip_h>_NNNNN_.safetensors, transformers names."""
        _check(clip, "patchers", "CLIPSave", "clip")
        meta = _metadata(self, prompt, extra_pnginfo)
        for name, sd in clip_encoder_state_dicts(clip).items():
            path, _, _ = _target(self, "CLIPSave", f"{filename_prefix}_{name}")
            save_tensors(path, sd, meta)
        return {}


NODE_CLASS_MAPPINGS = {
    "ModelMergeSimple": ModelMergeSimple,
    "ModelMergeBlocks": ModelMergeBlocks,
    "ModelMergeSubtract": ModelMergeSubtract,
    "ModelMergeAdd": ModelMergeAdd,
    "CLIPMergeSimple": CLIPMergeSimple,
    "CLIPMergeSubtract": CLIPMergeSubtract,
    "CLIPMergeAdd": CLIPMergeAdd,
    "CheckpointSave": CheckpointSave,
    "ModelSave": ModelSave,
    "VAESave": VAESave,
    "CLIPSave": CLIPSave,
}
NODE_DISPLAY_NAME_MAPPINGS = {"CheckpointSave": "Save Checkpoint"}
