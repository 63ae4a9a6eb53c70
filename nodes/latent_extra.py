"""Latent arithmetic and batch nodes: add, subtract, multiply, interpolate, concat, cut, batch, seed
behaviour, and rebatching of latent and image lists."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.diffusion.sampling.conditioning import repeat_to_batch

from ._common import MAX_RESOLUTION, NodeInputError
from .resize import common_upscale


def _samples(node_name: str, input_name: str, latent) -> torch.Tensor:
    if not isinstance(latent, dict) or not isinstance(latent.get("samples"), torch.Tensor):
        raise NodeInputError(f"{node_name}: input '{input_name}' must be a LATENT dict with a 'samples' tensor, "
                             f"got {type(latent).__name__}")
    return latent["samples"]


def reshape_latent_to(target_shape, latent: torch.Tensor, repeat_batch: bool = True,
                      node_name: str = "Latent") -> torch.Tensor:
    """Resize `latent` (bilinear, centre crop) to target_shape's spatial size; repeat its batch if asked."""
    if latent.shape[1:] != tuple(target_shape[1:]):
        if latent.ndim != 4 or latent.shape[1] != target_shape[1]:
            raise NodeInputError(f"{node_name}: latents of shapes {tuple(target_shape)} and {tuple(latent.shape)} "
                                 "cannot be combined (different channels or dimensions)")
        latent = common_upscale(latent, target_shape[-1], target_shape[-2], "bilinear", "center")
    return repeat_to_batch(latent, target_shape[0]) if repeat_batch else latent


class LatentAdd:
    CATEGORY = "latent/advanced"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "op"
    DESCRIPTION = "samples1 + samples2 (samples2 resized and repeated to samples1)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"samples1": ("LATENT",), "samples2": ("LATENT",)}}

    def op(self, samples1: dict, samples2: dict):
        s1 = _samples("LatentAdd", "samples1", samples1)
        s2 = reshape_latent_to(s1.shape, _samples("LatentAdd", "samples2", samples2), node_name="LatentAdd")
        out = samples1.copy()
        out["samples"] = s1 + s2
        return (out,)


class LatentSubtract:
    CATEGORY = "latent/advanced"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "op"
    DESCRIPTION = "samples1 - samples2 (samples2 resized and repeated to samples1)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"samples1": ("LATENT",), "samples2": ("LATENT",)}}

    def op(self, samples1: dict, samples2: dict):
        s1 = _samples("LatentSubtract", "samples1", samples1)
        s2 = reshape_latent_to(s1.shape, _samples("LatentSubtract", "samples2", samples2),
                               node_name="LatentSubtract")
        out = samples1.copy()
        out["samples"] = s1 - s2
        return (out,)


class LatentMultiply:
    CATEGORY = "latent/advanced"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "op"
    DESCRIPTION = "samples * multiplier."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"samples": ("LATENT",),
                             "multiplier": ("FLOAT", {"default": 1.0, "min": -10.0, "max": 10.0, "step": 0.01})}}

    def op(self, samples: dict, multiplier: float):
        s = _samples("LatentMultiply", "samples", samples)
        out = samples.copy()
        out["samples"] = s * multiplier
        return (out,)


def interpolate_latents(s1: torch.Tensor, s2: torch.Tensor, ratio: float) -> torch.Tensor:
    """Mix the per-pixel channel directions by `ratio` (1 = s1) and give the result the mixed length.

    Directions: each pixel's channel vector divided by its norm (0/0 -> 0); the mixed direction is
    renormalised and scaled by m1 * ratio + m2 * (1 - ratio).
    """
    m1 = torch.linalg.vector_norm(s1, dim=1, keepdim=True)
    m2 = torch.linalg.vector_norm(s2, dim=1, keepdim=True)
    u1 = torch.nan_to_num(s1 / m1)
    u2 = torch.nan_to_num(s2 / m2)
    t = u1 * ratio + u2 * (1.0 - ratio)
    ut = torch.nan_to_num(t / torch.linalg.vector_norm(t, dim=1, keepdim=True))
    return ut * (m1 * ratio + m2 * (1.0 - ratio))


class LatentInterpolate:
    CATEGORY = "latent/advanced"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "op"
    DESCRIPTION = "Interpolate direction and length of each latent pixel; ratio 1 gives samples1."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"samples1": ("LATENT",), "samples2": ("LATENT",),
                             "ratio": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01})}}

    def op(self, samples1: dict, samples2: dict, ratio: float):
        s1 = _samples("LatentInterpolate", "samples1", samples1)
        s2 = reshape_latent_to(s1.shape, _samples("LatentInterpolate", "samples2", samples2),
                               node_name="LatentInterpolate")
        out = samples1.copy()
        out["samples"] = interpolate_latents(s1, s2, ratio)
        return (out,)


class LatentConcat:
    CATEGORY = "latent/advanced"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "op"
    DESCRIPTION = "Join two latents along x, y or t; a leading '-' puts samples2 first."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"samples1": ("LATENT",), "samples2": ("LATENT",),
                             "dim": (["x", "-x", "y", "-y", "t", "-t"],)}}

    def op(self, samples1: dict, samples2: dict, dim: str):
        s1 = _samples("LatentConcat", "samples1", samples1)
        s2 = repeat_to_batch(_samples("LatentConcat", "samples2", samples2), s1.shape[0])
        axis = {"x": -1, "y": -2, "t": -3}.get(dim.lstrip("-"))
        if axis is None:
            raise NodeInputError(f"LatentConcat: unknown dim '{dim}'")
        parts = (s2, s1) if dim.startswith("-") else (s1, s2)
        try:
            joined = torch.cat(parts, dim=axis)
        except RuntimeError as exc:
            raise NodeInputError(f"LatentConcat: cannot join {tuple(s1.shape)} and {tuple(s2.shape)} along "
                                 f"'{dim}': {exc}") from exc
        out = samples1.copy()
        out["samples"] = joined
        return (out,)


class LatentCut:
    CATEGORY = "latent/advanced"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "op"
    DESCRIPTION = "Keep `amount` latent pixels (or frames) from `index` along x, y or t (negative index counts from the end)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "samples": ("LATENT",),
            "dim": (["x", "y", "t"],),
            "index": ("INT", {"default": 0, "min": -MAX_RESOLUTION, "max": MAX_RESOLUTION, "step": 1}),
            "amount": ("INT", {"default": 1, "min": 1, "max": MAX_RESOLUTION, "step": 1}),
        }}

    def op(self, samples: dict, dim: str, index: int, amount: int):
        s = _samples("LatentCut", "samples", samples)
        offset = {"x": 1, "y": 2, "t": 3}.get(dim)
        if offset is None:
            raise NodeInputError(f"LatentCut: unknown dim '{dim}'")
        axis = s.ndim - offset
        if axis < 2:
            raise NodeInputError(f"LatentCut: a {s.ndim}-D latent has no '{dim}' dimension")
        size = s.shape[axis]
        if index >= 0:
            index = min(index, size - 1)
            amount = min(size - index, amount)
        else:
            index = max(index, -size)
            amount = min(-index, amount)
        out = samples.copy()
        out["samples"] = torch.narrow(s, axis, index, amount)
        return (out,)


class LatentBatch:
    CATEGORY = "latent/batch"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "batch"
    DEPRECATED = True
    DESCRIPTION = "Concatenate two latent batches (samples2 resized to samples1); batch_index lists are joined."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"samples1": ("LATENT",), "samples2": ("LATENT",)}}

    def batch(self, samples1: dict, samples2: dict):
        s1 = _samples("LatentBatch", "samples1", samples1)
        s2 = reshape_latent_to(s1.shape, _samples("LatentBatch", "samples2", samples2), repeat_batch=False,
                               node_name="LatentBatch")
        out = samples1.copy()
        out["samples"] = torch.cat((s1, s2), dim=0)
        out["batch_index"] = (list(samples1.get("batch_index", range(s1.shape[0])))
                              + list(samples2.get("batch_index", range(s2.shape[0]))))
        return (out,)


class LatentBatchSeedBehavior:
    CATEGORY = "latent/advanced"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "op"
    DESCRIPTION = "fixed: every item gets the first item's noise; random: each item gets its own."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"samples": ("LATENT",),
                             "seed_behavior": (["random", "fixed"], {"default": "fixed"})}}

    def op(self, samples: dict, seed_behavior: str):
        s = _samples("LatentBatchSeedBehavior", "samples", samples)
        out = samples.copy()
        if seed_behavior == "random":
            out.pop("batch_index", None)
        elif seed_behavior == "fixed":
            first = list(out.get("batch_index", [0]))[0]
            out["batch_index"] = [first] * s.shape[0]
        else:
            raise NodeInputError(f"LatentBatchSeedBehavior: unknown seed_behavior '{seed_behavior}'")
        return (out,)


# ------------------------------------------------------------------ rebatching (list in, list out)
def _first(value):
    return value[0] if isinstance(value, list) else value


def _latent_parts(latent: dict, offset: int) -> tuple[torch.Tensor, torch.Tensor, list]:
    """(samples, noise mask [B,1,8h,8w], batch indices) of one LATENT of the incoming list."""
    samples = _samples("RebatchLatents", "latents", latent)
    b, _, h, w = samples.shape[0], samples.shape[1], samples.shape[-2], samples.shape[-1]
    mask = latent.get("noise_mask")
    if mask is None:
        mask = torch.ones((b, 1, h * 8, w * 8), dtype=torch.float32)
    else:
        mask = mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).float()
        if mask.shape[-2:] != (h * 8, w * 8):
            mask = F.interpolate(mask, size=(h * 8, w * 8), mode="bilinear")
        if mask.shape[0] < b:
            mask = repeat_to_batch(mask, b)
    indices = list(latent["batch_index"]) if "batch_index" in latent else [offset + i for i in range(b)]
    return samples, mask, indices


class RebatchLatents:
    CATEGORY = "latent/batch"
    RETURN_TYPES = ("LATENT",)
    INPUT_IS_LIST = True
    OUTPUT_IS_LIST = (True,)
    FUNCTION = "rebatch"
    DESCRIPTION = ("Regroup a list of latent batches into batches of batch_size (a change of size starts a new "
                   "batch); noise masks and batch indices follow their latents.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"latents": ("LATENT",),
                             "batch_size": ("INT", {"default": 1, "min": 1, "max": 4096})}}

    def rebatch(self, latents: list, batch_size):
        batch_size = int(_first(batch_size))
        if batch_size < 1:
            raise NodeInputError(f"RebatchLatents: batch_size must be >= 1, got {batch_size}")
        if not isinstance(latents, list):
            latents = [latents]
        groups: list[tuple[torch.Tensor, torch.Tensor, list]] = []
        current = None
        seen = 0
        for latent in latents:
            part = _latent_parts(latent, seen)
            seen += len(part[2])
            if current is not None and current[0].shape[-2:] != part[0].shape[-2:]:
                groups.append(current)  # a new size: flush whatever is pending as one (short) batch
                current = None
            current = part if current is None else (torch.cat((current[0], part[0])),
                                                    torch.cat((current[1], part[1])), current[2] + part[2])
            while current is not None and current[0].shape[0] > batch_size:
                groups.append((current[0][:batch_size], current[1][:batch_size], current[2][:batch_size]))
                current = (current[0][batch_size:], current[1][batch_size:], current[2][batch_size:])
        if current is not None and current[0].shape[0] > 0:
            groups.append(current)
        out = []
        for samples, mask, indices in groups:
            item = {"samples": samples, "batch_index": indices}
            if mask.mean() != 1.0:
                item["noise_mask"] = mask
            out.append(item)
        return (out,)


class RebatchImages:
    CATEGORY = "image/batch"
    RETURN_TYPES = ("IMAGE",)
    INPUT_IS_LIST = True
    OUTPUT_IS_LIST = (True,)
    FUNCTION = "rebatch"
    DESCRIPTION = "Regroup a list of image batches into batches of batch_size images."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"images": ("IMAGE",),
                             "batch_size": ("INT", {"default": 1, "min": 1, "max": 4096})}}

    def rebatch(self, images: list, batch_size):
        batch_size = int(_first(batch_size))
        if batch_size < 1:
            raise NodeInputError(f"RebatchImages: batch_size must be >= 1, got {batch_size}")
        if not isinstance(images, list):
            images = [images]
        singles = [img[i:i + 1] for img in images for i in range(img.shape[0])]
        out = []
        for start in range(0, len(singles), batch_size):
            chunk = singles[start:start + batch_size]
            if len({tuple(t.shape[1:]) for t in chunk}) > 1:
                raise NodeInputError("RebatchImages: images of different sizes cannot share a batch: "
                                     + ", ".join(str(tuple(t.shape[1:])) for t in chunk))
            out.append(torch.cat(chunk, dim=0))
        return (out,)


NODE_CLASS_MAPPINGS = {
    "LatentAdd": LatentAdd,
    "LatentSubtract": LatentSubtract,
    "LatentMultiply": LatentMultiply,
    "LatentInterpolate": LatentInterpolate,
    "LatentConcat": LatentConcat,
    "LatentCut": LatentCut,
    "LatentBatch": LatentBatch,
    "LatentBatchSeedBehavior": LatentBatchSeedBehavior,
    "RebatchLatents": RebatchLatents,
    "RebatchImages": RebatchImages,
}

NODE_DISPLAY_NAME_MAPPINGS = {
    "RebatchLatents": "Rebatch Latents",
    "RebatchImages": "Rebatch Images",
}
