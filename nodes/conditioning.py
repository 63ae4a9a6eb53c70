"""Text encoding and CONDITIONING manipulation nodes."""
from __future__ import annotations

import logging

import torch

from ._common import MAX_RESOLUTION, NodeInputError

log = logging.getLogger(__name__)


def _require_clip(node: str, clip) -> None:
    if clip is None:
        raise NodeInputError(f"{node}: clip input is None; the checkpoint loaded upstream has no text encoder")


def with_values(conditioning: list, values: dict) -> list:
    """A copy of a CONDITIONING list with `values` set in every entry's dict."""
    out = []
    for cond, opts in conditioning:
        d = dict(opts)
        d.update(values)
        out.append([cond, d])
    return out


class CLIPTextEncode:
    CATEGORY = "conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    OUTPUT_TOOLTIPS = ("A conditioning containing the embedded text used to guide the diffusion model.",)
    FUNCTION = "encode"
    DESCRIPTION = ("Encodes a text prompt using a CLIP model into an embedding that can be used to guide "
                   "the diffusion model towards generating specific images.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "text": ("STRING", {"multiline": True, "dynamicPrompts": True,
                                "tooltip": "The text to be encoded."}),
            "clip": ("CLIP", {"tooltip": "The CLIP model used for encoding the text."}),
        }}

    def encode(self, clip, text: str):
        _require_clip("CLIPTextEncode", clip)
        return (clip.encode(text),)


def _pad_sdxl_tokens(clip, tokens: dict) -> dict:
    """Make the g and l chunk lists the same length by appending empty-prompt chunks."""
    if len(tokens["l"]) != len(tokens["g"]):
        empty = clip.tokenize("")
        while len(tokens["l"]) < len(tokens["g"]):
            tokens["l"] = tokens["l"] + empty["l"]
        while len(tokens["l"]) > len(tokens["g"]):
            tokens["g"] = tokens["g"] + empty["g"]
    return tokens


class CLIPTextEncodeSDXL:
    CATEGORY = "advanced/conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "encode"
    DESCRIPTION = "SDXL text encoding with separate CLIP-G and CLIP-L prompts and the size conditioning."

    @classmethod
    def INPUT_TYPES(cls):
        size = {"default": 1024, "min": 0, "max": MAX_RESOLUTION}
        crop = {"default": 0, "min": 0, "max": MAX_RESOLUTION}
        return {"required": {
            "clip": ("CLIP",),
            "width": ("INT", dict(size)),
            "height": ("INT", dict(size)),
            "crop_w": ("INT", dict(crop)),
            "crop_h": ("INT", dict(crop)),
            "target_width": ("INT", dict(size)),
            "target_height": ("INT", dict(size)),
            "text_g": ("STRING", {"multiline": True, "dynamicPrompts": True}),
            "text_l": ("STRING", {"multiline": True, "dynamicPrompts": True}),
        }}

    def encode(self, clip, width: int, height: int, crop_w: int, crop_h: int,
               target_width: int, target_height: int, text_g: str, text_l: str):
        _require_clip("CLIPTextEncodeSDXL", clip)
        tokens = clip.tokenize(text_g)
        if "g" not in tokens or "l" not in tokens:
            raise NodeInputError("CLIPTextEncodeSDXL: the CLIP input is not an SDXL (CLIP-L + CLIP-G) text encoder")
        tokens = dict(tokens)
        tokens["l"] = clip.tokenize(text_l)["l"]
        tokens = _pad_sdxl_tokens(clip, tokens)
        cond, pooled = clip.encode_from_tokens(tokens, return_pooled=True)
        return ([[cond, {"pooled_output": pooled, "width": width, "height": height,
                         "crop_w": crop_w, "crop_h": crop_h,
                         "target_width": target_width, "target_height": target_height}]],)


class CLIPTextEncodeSDXLRefiner:
    CATEGORY = "advanced/conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "encode"
    DESCRIPTION = "SDXL refiner text encoding with the aesthetic score and size conditioning."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "ascore": ("FLOAT", {"default": 6.0, "min": 0.0, "max": 1000.0, "step": 0.01}),
            "width": ("INT", {"default": 1024, "min": 64, "max": MAX_RESOLUTION}),
            "height": ("INT", {"default": 1024, "min": 64, "max": MAX_RESOLUTION}),
            "text": ("STRING", {"multiline": True, "dynamicPrompts": True}),
            "clip": ("CLIP",),
        }}

    def encode(self, clip, ascore: float, width: int, height: int, text: str):
        _require_clip("CLIPTextEncodeSDXLRefiner", clip)
        tokens = clip.tokenize(text)
        cond, pooled = clip.encode_from_tokens(tokens, return_pooled=True)
        return ([[cond, {"pooled_output": pooled, "aesthetic_score": ascore,
                         "width": width, "height": height}]],)


class ConditioningCombine:
    CATEGORY = "conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "combine"
    DESCRIPTION = "Both conditionings are evaluated and their predictions averaged."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"conditioning_1": ("CONDITIONING",), "conditioning_2": ("CONDITIONING",)}}

    def combine(self, conditioning_1: list, conditioning_2: list):
        return (conditioning_1 + conditioning_2,)


class ConditioningAverage:
    CATEGORY = "conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "addWeighted"
    DESCRIPTION = "to * strength + from * (1 - strength), token-wise (only the first entry of 'from' is used)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "conditioning_to": ("CONDITIONING",),
            "conditioning_from": ("CONDITIONING",),
            "conditioning_to_strength": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01}),
        }}

    def addWeighted(self, conditioning_to: list, conditioning_from: list, conditioning_to_strength: float):
        if len(conditioning_from) > 1:
            log.warning("ConditioningAverage: conditioning_from has %d entries; only the first is used",
                        len(conditioning_from))
        s = conditioning_to_strength
        cond_from = conditioning_from[0][0]
        pooled_from = conditioning_from[0][1].get("pooled_output", None)
        out = []
        for t1, opts in conditioning_to:
            pooled_to = opts.get("pooled_output", pooled_from)
            t0 = cond_from[:, :t1.shape[1]]
            if t0.shape[1] < t1.shape[1]:
                pad = torch.zeros((1, t1.shape[1] - t0.shape[1], t1.shape[2]), dtype=t0.dtype, device=t0.device)
                t0 = torch.cat([t0, pad], dim=1)
            mixed = t1 * s + t0 * (1.0 - s)
            d = dict(opts)
            if pooled_from is not None and pooled_to is not None:
                d["pooled_output"] = pooled_to * s + pooled_from * (1.0 - s)
            elif pooled_from is not None:
                d["pooled_output"] = pooled_from
            out.append([mixed, d])
        return (out,)


class ConditioningConcat:
    CATEGORY = "conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "concat"
    DESCRIPTION = "Append the tokens of conditioning_from to each entry of conditioning_to."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"conditioning_to": ("CONDITIONING",), "conditioning_from": ("CONDITIONING",)}}

    def concat(self, conditioning_to: list, conditioning_from: list):
        if len(conditioning_from) > 1:
            log.warning("ConditioningConcat: conditioning_from has %d entries; only the first is used",
                        len(conditioning_from))
        cond_from = conditioning_from[0][0]
        return ([[torch.cat((t1, cond_from), 1), dict(opts)] for t1, opts in conditioning_to],)


class ConditioningSetArea:
    CATEGORY = "conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "append"
    DESCRIPTION = "Restrict a conditioning to a rectangle (pixels, rounded down to latent units)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "conditioning": ("CONDITIONING",),
            "width": ("INT", {"default": 64, "min": 64, "max": MAX_RESOLUTION, "step": 8}),
            "height": ("INT", {"default": 64, "min": 64, "max": MAX_RESOLUTION, "step": 8}),
            "x": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 8}),
            "y": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 8}),
            "strength": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 10.0, "step": 0.01}),
        }}

    def append(self, conditioning: list, width: int, height: int, x: int, y: int, strength: float):
        return (with_values(conditioning, {"area": (height // 8, width // 8, y // 8, x // 8),
                                           "strength": strength, "set_area_to_bounds": False}),)


class ConditioningSetAreaPercentage:
    CATEGORY = "conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "append"
    DESCRIPTION = "Restrict a conditioning to a rectangle given as fractions of the image."

    @classmethod
    def INPUT_TYPES(cls):
        frac = {"min": 0, "max": 1.0, "step": 0.01}
        return {"required": {
            "conditioning": ("CONDITIONING",),
            "width": ("FLOAT", {"default": 1.0, **frac}),
            "height": ("FLOAT", {"default": 1.0, **frac}),
            "x": ("FLOAT", {"default": 0, **frac}),
            "y": ("FLOAT", {"default": 0, **frac}),
            "strength": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 10.0, "step": 0.01}),
        }}

    def append(self, conditioning: list, width: float, height: float, x: float, y: float, strength: float):
        return (with_values(conditioning, {"area": ("percentage", height, width, y, x),
                                           "strength": strength, "set_area_to_bounds": False}),)


class ConditioningSetAreaStrength:
    CATEGORY = "conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "append"
    DESCRIPTION = "Set the strength of a conditioning."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "conditioning": ("CONDITIONING",),
            "strength": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 10.0, "step": 0.01}),
        }}

    def append(self, conditioning: list, strength: float):
        return (with_values(conditioning, {"strength": strength}),)


class ConditioningSetMask:
    CATEGORY = "conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "append"
    DESCRIPTION = "Restrict a conditioning to a mask (optionally to the mask's bounding box)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "conditioning": ("CONDITIONING",),
            "mask": ("MASK",),
            "strength": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 10.0, "step": 0.01}),
            "set_cond_area": (["default", "mask bounds"],),
        }}

    def append(self, conditioning: list, mask: torch.Tensor, set_cond_area: str, strength: float):
        if mask.ndim < 3:
            mask = mask.unsqueeze(0)
        return (with_values(conditioning, {"mask": mask, "set_area_to_bounds": set_cond_area != "default",
                                           "mask_strength": strength}),)


class ConditioningSetTimestepRange:
    CATEGORY = "advanced/conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "set_range"
    DESCRIPTION = "Use a conditioning only between start and end (fractions of the sampling schedule)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "conditioning": ("CONDITIONING",),
            "start": ("FLOAT", {"default": 0.0, "min": 0.0, "max": 1.0, "step": 0.001}),
            "end": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.001}),
        }}

    def set_range(self, conditioning: list, start: float, end: float):
        return (with_values(conditioning, {"start_percent": start, "end_percent": end}),)


class ConditioningZeroOut:
    CATEGORY = "advanced/conditioning"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "zero_out"
    DESCRIPTION = "Zero the conditioning tensor and its pooled output."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"conditioning": ("CONDITIONING",)}}

    def zero_out(self, conditioning: list):
        out = []
        for cond, opts in conditioning:
            d = dict(opts)
            if d.get("pooled_output") is not None:
                d["pooled_output"] = torch.zeros_like(d["pooled_output"])
            out.append([torch.zeros_like(cond), d])
        return (out,)


NODE_CLASS_MAPPINGS = {
    "CLIPTextEncode": CLIPTextEncode,
    "CLIPTextEncodeSDXL": CLIPTextEncodeSDXL,
    "CLIPTextEncodeSDXLRefiner": CLIPTextEncodeSDXLRefiner,
    "ConditioningCombine": ConditioningCombine,
    "ConditioningAverage": ConditioningAverage,
    "ConditioningConcat": ConditioningConcat,
    "ConditioningSetArea": ConditioningSetArea,
    "ConditioningSetAreaPercentage": ConditioningSetAreaPercentage,
    "ConditioningSetAreaStrength": ConditioningSetAreaStrength,
    "ConditioningSetMask": ConditioningSetMask,
    "ConditioningSetTimestepRange": ConditioningSetTimestepRange,
    "ConditioningZeroOut": ConditioningZeroOut,
}

# ComfyUI's mapping key for ConditioningAverage has a trailing space, so it shows its class name.
NODE_DISPLAY_NAME_MAPPINGS = {
    "CLIPTextEncode": "CLIP Text Encode (Prompt)",
    "ConditioningCombine": "Conditioning (Combine)",
    "ConditioningConcat": "Conditioning (Concat)",
    "ConditioningSetArea": "Conditioning (Set Area)",
    "ConditioningSetAreaPercentage": "Conditioning (Set Area with Percentage)",
    "ConditioningSetMask": "Conditioning (Set Mask)",
}
