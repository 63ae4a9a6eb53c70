"""The denoiser the samplers call: D(x, sigma) with classifier-free guidance.

The model handle gives the raw UNet output for c_in * x at the integer timestep; the
parameterisation (eps or v) is applied here through ModelSamplingDiscrete, so samplers only see
an x0 estimate. Cond and uncond entries are evaluated in as few batched forwards as their shapes
allow; with cfg == 1 the uncond is not evaluated at all (sampling.md §6).

model_options (ComfyUI's convention, read from the handle's optional `model_options` and from
extra_args) may hold:
  "model_function_wrapper": fn(apply_model, {"input", "timestep" (sigma), "c", "cond_or_uncond"}) -> denoised
  "sampler_cfg_function":   fn({"cond", "uncond", "cond_scale", "timestep", "input", "cond_denoised",
                                "uncond_denoised", "model", "model_options", "denoiser" (this object:
                                calc_cond_batch for extra conds, e.g. PerpNeg)}) -> predicted noise (x - denoised)
  "sampler_post_cfg_function": [fn({"denoised", "uncond_denoised", "cond_denoised", "sigma", "input", ...}) -> denoised]
  "disable_cfg1_optimization": bool
  "transformer_options": dict handed to the UNet (a copy per forward, plus "sigmas" and "cond_or_uncond")
                         when non-empty; its "patches" are the UNet's block patches (models/unet.py)
"""
from __future__ import annotations

import math

import torch

from .model_sampling import ModelSamplingDiscrete

__all__ = ["ModelSamplingDiscrete", "CFGDenoiser", "InpaintDenoiser", "area_weight"]

COND, UNCOND = 0, 1


def area_weight(entry: dict, x: torch.Tensor) -> tuple[tuple[int, int, int, int], torch.Tensor | None]:
    """(area, weight map) of one entry over its area crop: strength x (mask x mask_strength, or
    ones feathered linearly over min(8, size // 4) pixels on edges that are not latent borders).
    The weight map is None for a full-size entry of strength 1 (weight 1 everywhere)."""
    H, W = x.shape[2], x.shape[3]
    area = tuple(int(v) for v in entry.get("area") or (H, W, 0, 0))
    h, w, y, x0 = area
    crop_shape = (x.shape[0], x.shape[1], min(h, H - y), min(w, W - x0))
    strength = float(entry.get("strength", 1.0))
    mask = entry.get("mask")
    if mask is not None:
        if mask.shape[1] != H or mask.shape[2] != W:
            raise ValueError(f"conditioning mask of size {tuple(mask.shape[1:])} does not match the latent {H}x{W}")
        m = mask[:, y:y + h, x0:x0 + w] * float(entry.get("mask_strength", 1.0))
        m = m.unsqueeze(1).repeat(crop_shape[0] // m.shape[0], crop_shape[1], 1, 1)
        return area, m.to(x.dtype) * strength
    if entry.get("area") is None and strength == 1.0:
        return area, None
    mult = torch.ones(crop_shape, dtype=x.dtype, device=x.device) * strength
    if entry.get("area") is not None:
        for dim, (size, offset, full) in enumerate(((h, y, H), (w, x0, W))):
            rr = min(8, mult.shape[2 + dim] // 4)
            if offset != 0:
                for t in range(rr):
                    mult.narrow(2 + dim, t, 1).mul_((1.0 / rr) * (t + 1))
            if size + offset < full:
                for t in range(rr):
                    mult.narrow(2 + dim, size - 1 - t, 1).mul_((1.0 / rr) * (t + 1))
    return area, mult


def _active(entry: dict, sigma: float) -> bool:
    if "sigma_start" in entry and sigma > entry["sigma_start"]:
        return False
    if "sigma_end" in entry and sigma < entry["sigma_end"]:
        return False
    return True


def _can_batch(a: dict, b: dict, x_crop_a, x_crop_b) -> bool:
    if x_crop_a.shape != x_crop_b.shape or a.get("control") is not b.get("control"):
        return False
    ia, ib = a["model_inputs"], b["model_inputs"]
    if ia.keys() != ib.keys():
        return False
    for k in ia:
        sa, sb = ia[k].shape, ib[k].shape
        if k == "context":
            if sa[0] != sb[0] or sa[2] != sb[2]:
                return False
            if sa[1] != sb[1] and math.lcm(sa[1], sb[1]) // min(sa[1], sb[1]) > 4:
                return False
        elif sa != sb:
            return False
    return True


def _cat_inputs(inputs: list[dict]) -> dict:
    out = {}
    for k in inputs[0]:
        tensors = [i[k] for i in inputs]
        if k == "context":
            n = math.lcm(*[t.shape[1] for t in tensors])
            tensors = [t.repeat(1, n // t.shape[1], 1) if t.shape[1] < n else t for t in tensors]
        out[k] = torch.cat(tensors)
    return out


class CFGDenoiser:
    """D(x, sigma) for a model handle, positive/negative entries (from conditioning.py) and cfg."""

    def __init__(self, model, positive: list[dict], negative: list[dict], cfg: float,
                 model_options: dict | None = None) -> None:
        self.model = model
        self.model_sampling: ModelSamplingDiscrete = model.model_sampling
        self.positive, self.negative = positive, negative
        self.cfg = float(cfg)
        self.model_options = dict(getattr(model, "model_options", None) or {})
        self.model_options.update(model_options or {})
        self.forward_count = 0  # UNet forwards run (each may hold several cond/uncond entries)

    def apply_model(self, x: torch.Tensor, sigma: torch.Tensor, context=None, y=None, control=None, concat=None,
                    transformer_options: dict | None = None):
        """One UNet forward in sigma terms: scaled input, integer timestep, eps/v -> x0."""
        ms = self.model_sampling
        x_in = ms.calculate_input(sigma, x)
        t = ms.timestep(sigma)
        if transformer_options is None:
            out = self.model.apply_model(x_in, t, context, y=y, control=control, concat=concat)
        else:
            out = self.model.apply_model(x_in, t, context, y=y, control=control, concat=concat,
                                         transformer_options=transformer_options)
        return ms.calculate_denoised(sigma, out.float(), x)

    def calc_cond_batch(self, cond_lists: list, x: torch.Tensor, sigma: torch.Tensor, options: dict) -> list:
        """Weighted per-pixel average of every active entry's x0, one result per list (None for a
        skipped list). sum(w_j D_j) / (sum(w_j) + 1e-37) as ComfyUI; a list with one full-size
        entry of weight 1 takes its output as is (bit-identical, no accumulation buffers)."""
        s0 = float(sigma[0])
        to_run = []
        per_list = [0] * len(cond_lists)
        for idx, entries in enumerate(cond_lists):
            for e in entries or ():
                if _active(e, s0):
                    area, mult = area_weight(e, x)
                    h, w, y0, x0 = area
                    crop = x if (h, w, y0, x0) == (x.shape[2], x.shape[3], 0, 0) else x[:, :, y0:y0 + h, x0:x0 + w]
                    to_run.append((e, idx, area, mult, crop))
                    per_list[idx] += 1
        results: list = [None] * len(cond_lists)
        outs: dict[int, torch.Tensor] = {}
        counts: dict[int, torch.Tensor] = {}
        wrapper = options.get("model_function_wrapper")
        base_to = options.get("transformer_options") or None  # only patched models get one
        while to_run:
            first = to_run[0]
            batch = [r for r in to_run if _can_batch(first[0], r[0], first[4], r[4])]
            to_run = [r for r in to_run if not any(r is b for b in batch)]
            n = len(batch)
            x_in = batch[0][4] if n == 1 else torch.cat([b[4] for b in batch])
            sig = sigma if n == 1 else torch.cat([sigma] * n)
            c = _cat_inputs([b[0]["model_inputs"] for b in batch])
            control = first[0].get("control")
            if control is not None:
                ctrl = control.get_control(x_in, self.model_sampling.timestep(sig), c.get("context"), c.get("y"), sig,
                                           self.model_sampling, batched_number=n)
                if ctrl is not None:
                    c["control"] = ctrl
            cond_or_uncond = [b[1] for b in batch]
            if base_to is not None:  # ComfyUI: a per-forward copy with the batch's sigmas and cond kinds
                c["transformer_options"] = {**base_to, "cond_or_uncond": cond_or_uncond, "sigmas": sig}
            if wrapper is not None:
                out = wrapper(self.apply_model, {"input": x_in, "timestep": sig, "c": c, "cond_or_uncond": cond_or_uncond})
            else:
                out = self.apply_model(x_in, sig, **c)
            self.forward_count += 1
            for k, (e, idx, area, mult, _) in enumerate(batch):
                h, w, y0, x0 = area
                chunk = out[k * x.shape[0]:(k + 1) * x.shape[0]]
                if per_list[idx] == 1 and mult is None:
                    results[idx] = chunk
                    continue
                if idx not in outs:
                    outs[idx], counts[idx] = torch.zeros_like(x), torch.ones_like(x) * 1e-37
                if mult is None:
                    outs[idx][:, :, y0:y0 + h, x0:x0 + w] += chunk
                    counts[idx][:, :, y0:y0 + h, x0:x0 + w] += 1.0
                else:
                    outs[idx][:, :, y0:y0 + h, x0:x0 + w] += chunk * mult
                    counts[idx][:, :, y0:y0 + h, x0:x0 + w] += mult
        for idx in outs:
            results[idx] = outs[idx] / counts[idx]
        for idx, entries in enumerate(cond_lists):
            if entries is not None and results[idx] is None:
                results[idx] = torch.zeros_like(x)  # every entry skipped (timestep range): contributes 0
        return results

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor, model_options: dict | None = None, seed=None,
                 **unused) -> torch.Tensor:
        options = {**self.model_options, **(model_options or {})}
        post = list(self.model_options.get("sampler_post_cfg_function", [])) + \
            list((model_options or {}).get("sampler_post_cfg_function", []))
        skip_uncond = math.isclose(self.cfg, 1.0) and not options.get("disable_cfg1_optimization", False)
        uncond = None if skip_uncond else self.negative
        cond_pred, uncond_pred = self.calc_cond_batch([self.positive, uncond], x, sigma, options)
        cfg_fn = options.get("sampler_cfg_function")
        if uncond_pred is None and (cfg_fn is not None or post):
            uncond_pred = torch.zeros_like(x)  # what ComfyUI hands on for a skipped uncond
        if cfg_fn is not None:
            args = {"cond": x - cond_pred, "uncond": x - uncond_pred, "cond_scale": self.cfg, "timestep": sigma,
                    "input": x, "sigma": sigma, "cond_denoised": cond_pred, "uncond_denoised": uncond_pred,
                    "model": self.model, "model_options": options, "denoiser": self}
            result = x - cfg_fn(args)
        elif uncond_pred is None:
            result = cond_pred if self.cfg == 1.0 else cond_pred * self.cfg  # = 0 + (cond - 0) * cfg exactly
        else:
            result = uncond_pred + (cond_pred - uncond_pred) * self.cfg
        for fn in post:
            result = fn({"denoised": result, "cond": self.positive, "uncond": uncond, "cond_scale": self.cfg,
                         "model": self.model, "uncond_denoised": uncond_pred, "cond_denoised": cond_pred,
                         "sigma": sigma, "model_options": options, "input": x})
        return result


class InpaintDenoiser:
    """Keeps the unmasked latent on the re-noised original at every evaluation (sampling.md §7)."""

    def __init__(self, inner, latent_image: torch.Tensor, noise: torch.Tensor, denoise_mask: torch.Tensor | None):
        self.inner = inner
        self.model_sampling = inner.model_sampling
        self.latent_image, self.noise, self.denoise_mask = latent_image, noise, denoise_mask

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor, **kwargs) -> torch.Tensor:
        m = self.denoise_mask
        if m is None:
            return self.inner(x, sigma, **kwargs)
        keep = 1.0 - m
        s = sigma.reshape([sigma.shape[0]] + [1] * (self.noise.ndim - 1))
        x = x * m + self.model_sampling.noise_scaling(s, self.noise, self.latent_image) * keep
        out = self.inner(x, sigma, **kwargs)
        return out * m + self.latent_image * keep
