"""CONDITIONING list -> resolved entries for the denoiser (sampling.md §6).

Each `[context, options]` pair becomes a dict holding the context under "cross_attn" plus the
options (area, strength, mask, mask_strength, start/end percent, control, pooled_output ...).
Before sampling: percentage areas become latent pixels, masks are resized to the latent, percent
ranges become sigma bounds, the model's extra inputs (SDXL "y", inpaint "c_concat") are encoded,
and every area entry gets a same-area partner in the other list.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def convert_conditioning(conditioning: list, what: str) -> list[dict]:
    """[[tensor, dict], ...] -> [{"cross_attn": tensor, **dict}, ...]; errors name the input."""
    if not isinstance(conditioning, (list, tuple)):
        raise TypeError(f"{what}: CONDITIONING must be a list of [tensor, dict] pairs, got {type(conditioning).__name__}")
    out = []
    for k, item in enumerate(conditioning):
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and torch.is_tensor(item[0]) and isinstance(item[1], dict)):
            raise TypeError(f"{what}[{k}]: expected [tensor, dict], got {type(item).__name__}")
        ctx = item[0]
        if ctx.ndim == 2:
            ctx = ctx.unsqueeze(0)
        out.append({**item[1], "cross_attn": ctx})
    return out


def _mask_bounds(mask: torch.Tensor) -> tuple[int, int, int, int] | None:
    bounds = torch.max(torch.abs(mask), dim=0).values
    if not bool(torch.any(bounds != 0)):
        return None
    ys, xs = torch.where(bounds != 0)
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()), int(xs.min()), int(xs.max())
    return max(8, y1 - y0 + 1), max(8, x1 - x0 + 1), y0, x0


def resolve_areas_and_masks(conds: list[dict], h: int, w: int, device) -> list[dict]:
    """Percentage areas -> (h, w, y, x) latent pixels; masks resized (bilinear) to h x w."""
    out = []
    for c in conds:
        c = dict(c)
        area = c.get("area")
        if area is not None and area[0] == "percentage":
            c["area"] = (max(1, round(area[1] * h)), max(1, round(area[2] * w)), round(area[3] * h), round(area[4] * w))
        if "mask" in c and c["mask"] is not None:
            mask = c["mask"].to(device=device, dtype=torch.float32)
            if mask.ndim == 2:
                mask = mask.unsqueeze(0)
            if mask.shape[1] != h or mask.shape[2] != w:
                mask = F.interpolate(mask.unsqueeze(1), size=(h, w), mode="bilinear", align_corners=False).squeeze(1)
            if c.get("set_area_to_bounds", False):
                bounds = _mask_bounds(mask)
                c["area"] = (8, 8, 0, 0) if bounds is None else bounds
            c["mask"] = mask
        out.append(c)
    return out


def add_sigma_range(conds: list[dict], model_sampling) -> list[dict]:
    """start_percent / end_percent -> sigma bounds (an entry is skipped outside them)."""
    out = []
    for c in conds:
        c = dict(c)
        if "start_percent" in c:
            c["sigma_start"] = model_sampling.percent_to_sigma(float(c["start_percent"]))
        if "end_percent" in c:
            c["sigma_end"] = model_sampling.percent_to_sigma(float(c["end_percent"]))
        out.append(c)
    return out


def repeat_to_batch(t: torch.Tensor, batch: int) -> torch.Tensor:
    """Repeat (or cut) along dim 0 to the latent batch size, as ComfyUI does for every model input."""
    if t.shape[0] > batch:
        return t[:batch]
    if t.shape[0] < batch:
        return t.repeat(math.ceil(batch / t.shape[0]), *([1] * (t.ndim - 1)))[:batch]
    return t


def encode_model_inputs(model, conds: list[dict], x_shape, device, prompt_type: str, latent_image=None,
                        denoise_mask=None) -> list[dict]:
    """Attach the model's extra inputs (SDXL "y", inpaint "c_concat") from model.extra_conds."""
    extra_fn = getattr(model, "extra_conds", None)
    out = []
    for c in conds:
        c = dict(c)
        params = {k: v for k, v in c.items() if k not in ("model_inputs",)}
        params.setdefault("width", x_shape[-1] * 8)
        params.setdefault("height", x_shape[-2] * 8)
        params.setdefault("prompt_type", prompt_type)
        params["latent_image"] = latent_image
        params["denoise_mask"] = denoise_mask
        extra = extra_fn(params, x_shape[0], device) if extra_fn is not None else {}
        context = c["cross_attn"]
        if context.shape[0] != x_shape[0]:  # one prompt for a latent batch: repeat it (ComfyUI repeat_to_batch_size)
            reps = -(-x_shape[0] // context.shape[0])
            context = context.repeat(reps, *([1] * (context.ndim - 1)))[:x_shape[0]]
        inputs = {"context": context.to(device)}
        if extra.get("y") is not None:
            inputs["y"] = extra["y"].to(device)
        if extra.get("c_concat") is not None:
            inputs["concat"] = extra["c_concat"].to(device)
        c["model_inputs"] = inputs
        out.append(c)
    return out


def add_same_area_partners(target: list[dict], source: list[dict]) -> None:
    """For each area entry of source, give target a copy restricted to that area, built from
    target's smallest entry that encloses it (ComfyUI create_cond_with_same_area_if_none)."""
    for c in list(source):
        area = c.get("area")
        if area is None:
            continue
        smallest = None
        for t in target:
            a = t.get("area")
            if a is not None:
                inside = area[2] >= a[2] and area[3] >= a[3] and a[0] + a[2] >= area[0] + area[2] \
                    and a[1] + a[3] >= area[1] + area[3]
                if inside and (smallest is None or smallest.get("area") is None
                               or smallest["area"][0] * smallest["area"][1] > a[0] * a[1]):
                    smallest = t
            elif smallest is None:
                smallest = t
        if smallest is None or smallest.get("area") == area:
            continue
        copy = dict(c)
        copy["model_inputs"] = dict(smallest["model_inputs"])
        copy["cross_attn"] = smallest["cross_attn"]
        target.append(copy)


def share_control_with_uncond(positive: list[dict], negative: list[dict]) -> None:
    """Old-style ControlNet apply (control_apply_to_uncond): the negative's full-size entries get the
    positive's control objects too, unless some negative entry already has its own control."""
    cnets = [c["control"] for c in positive
             if c.get("control_apply_to_uncond", False) and c.get("area") is None and c.get("control") is not None]
    if not cnets or any(c.get("area") is None and c.get("control") is not None for c in negative):
        return
    others = [(k, c) for k, c in enumerate(negative) if c.get("area") is None and c.get("control") is None]
    if not others:
        return
    for j, control in enumerate(cnets):
        k, entry = others[j % len(others)]
        if negative[k].get("control") is not None:  # already filled by an earlier cnet: add a copy
            negative.append({**entry, "control": control})
        else:
            negative[k] = {**entry, "control": control}


def prepare_conditioning(model, positive: list, negative: list, x_shape, device, latent_image=None,
                         denoise_mask=None) -> tuple[list[dict], list[dict]]:
    """Both CONDITIONING lists resolved for sampling a latent of shape x_shape."""
    h, w = x_shape[-2], x_shape[-1]
    lists = []
    for name, cond in (("positive", positive), ("negative", negative)):
        c = convert_conditioning(cond, name)
        c = resolve_areas_and_masks(c, h, w, device)
        c = add_sigma_range(c, model.model_sampling)
        c = encode_model_inputs(model, c, x_shape, device, name, latent_image, denoise_mask)
        lists.append(c)
    pos, neg = lists
    add_same_area_partners(neg, pos)
    add_same_area_partners(pos, neg)
    share_control_with_uncond(pos, neg)
    return pos, neg
