"""KSampler / KSamplerAdvanced semantics on top of the samplers (sampling.md §3, §5, §7).

`sample` takes an unscaled LATENT batch and returns one; noise comes from `prepare_noise` (the
caller draws it so batch_index handling stays with the node), ancestral/SDE samplers derive
their extra noise from `seed`.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

from .conditioning import prepare_conditioning
from .denoiser import CFGDenoiser, InpaintDenoiser
from .noise import prepare_noise
from .samplers import SAMPLER_NAMES, SamplerSpec, get_sampler
from .schedules import SCHEDULER_NAMES, calculate_sigmas

__all__ = ["prepare_noise", "sample", "sample_sigmas", "ksampler_sigmas", "SAMPLER_NAMES", "SCHEDULER_NAMES", "prepare_mask"]

Callback = Callable[[int, torch.Tensor, torch.Tensor, int], None]


def ksampler_sigmas(model_sampling, scheduler: str, sampler_name: str, steps: int, denoise: float = 1.0) -> torch.Tensor:
    """The sigma list KSampler samples with: denoise truncation and the discard-penultimate rule."""
    spec = get_sampler(sampler_name)
    if steps < 1:
        raise ValueError(f"KSampler: steps must be >= 1, got {steps}")

    def schedule(n: int) -> torch.Tensor:
        if spec.discard_penultimate_sigma:
            s = calculate_sigmas(model_sampling, scheduler, n + 1)
            return torch.cat([s[:-2], s[-1:]])
        return calculate_sigmas(model_sampling, scheduler, n)

    if denoise is None or denoise > 0.9999:
        return schedule(steps)
    if denoise <= 0.0:
        return torch.FloatTensor([])
    return schedule(int(steps / denoise))[-(steps + 1):]


def advanced_sigmas(sigmas: torch.Tensor, start_step: int | None, last_step: int | None,
                    force_full_denoise: bool) -> torch.Tensor | None:
    """KSamplerAdvanced's start/end steps; None means "nothing to sample, return the latent"."""
    if last_step is not None and last_step < len(sigmas) - 1:
        sigmas = sigmas[:last_step + 1].clone()
        if force_full_denoise:
            sigmas[-1] = 0
    if start_step is not None:
        if start_step < len(sigmas) - 1:
            sigmas = sigmas[start_step:]
        else:
            return None
    return sigmas


def prepare_mask(noise_mask: torch.Tensor, shape, device) -> torch.Tensor:
    """LATENT noise_mask ([B,H,W], [H,W] or [B,1,H,W]) -> [B,C,h,w] at the latent size (bilinear)."""
    m = noise_mask.to(torch.float32)
    if m.ndim == 2:
        m = m.unsqueeze(0)
    if m.ndim == 3:
        m = m.unsqueeze(1)
    m = m.reshape((-1, 1, m.shape[-2], m.shape[-1]))
    m = F.interpolate(m, size=(shape[2], shape[3]), mode="bilinear")
    m = torch.cat([m] * shape[1], dim=1)
    if m.shape[0] < shape[0]:
        m = m.repeat(math.ceil(shape[0] / m.shape[0]), 1, 1, 1)[:shape[0]]
    return m.to(device)


def _device_of(model, fallback: torch.device) -> torch.device:
    dm = getattr(model, "device_manager", None)
    return getattr(dm, "compute_device", None) or fallback


def sample(model, noise: torch.Tensor, steps: int, cfg: float, sampler_name: str, scheduler: str, positive: list,
           negative: list, latent_image: torch.Tensor, denoise: float = 1.0, disable_noise: bool = False,
           start_step: int | None = None, last_step: int | None = None, force_full_denoise: bool = False,
           noise_mask: torch.Tensor | None = None, callback: Callback | None = None,
           seed: int | None = None) -> torch.Tensor:
    """Run one KSampler: returns the unscaled latent. callback(step, x0, x, total_steps) runs each
    step (model space); an exception raised in it aborts sampling and propagates."""
    if sampler_name not in SAMPLER_NAMES:
        raise ValueError(f"KSampler: unknown sampler_name {sampler_name!r}; expected one of {SAMPLER_NAMES}")
    if scheduler not in SCHEDULER_NAMES:
        raise ValueError(f"KSampler: unknown scheduler {scheduler!r}; expected one of {SCHEDULER_NAMES}")
    if noise.shape != latent_image.shape:
        raise ValueError(f"KSampler: noise shape {tuple(noise.shape)} != latent shape {tuple(latent_image.shape)}")
    spec = get_sampler(sampler_name)
    sigmas = ksampler_sigmas(model.model_sampling, scheduler, sampler_name, steps, denoise)
    sigmas = advanced_sigmas(sigmas, start_step, last_step, force_full_denoise)
    if sigmas is None:
        return latent_image

    def build_denoiser(latent: torch.Tensor, mask: torch.Tensor | None, device: torch.device) -> CFGDenoiser:
        pos, neg = prepare_conditioning(model, positive, negative, latent.shape, device, latent, mask)
        return CFGDenoiser(model, pos, neg, cfg)

    return sample_sigmas(model, noise, sigmas, spec, build_denoiser, latent_image, disable_noise=disable_noise,
                         noise_mask=noise_mask, callback=callback, seed=seed)


def sample_sigmas(model, noise: torch.Tensor, sigmas: torch.Tensor, spec: SamplerSpec,
                  build_denoiser: Callable[[torch.Tensor, torch.Tensor | None, torch.device], Callable],
                  latent_image: torch.Tensor, disable_noise: bool = False, noise_mask: torch.Tensor | None = None,
                  callback: Callback | None = None, seed: int | None = None,
                  sampler_options: dict | None = None) -> torch.Tensor:
    """Sample an unscaled latent along an explicit sigma list (KSampler's core, shared with SamplerCustom).

    build_denoiser(latent_model_space, denoise_mask [B,C,h,w] or None, device) -> D(x, sigma, **extra_args)
    gives the guidance (CFG, dual CFG ...); sampler_options are extra keyword arguments of the sampler
    function (eta, s_noise ...). An empty sigma list returns latent_image unchanged.
    """
    if noise.shape != latent_image.shape:
        raise ValueError(f"sampling: noise shape {tuple(noise.shape)} != latent shape {tuple(latent_image.shape)}")
    if sigmas.ndim != 1:
        raise ValueError(f"sampling: sigmas must be a 1-D tensor, got shape {tuple(sigmas.shape)}")
    if sigmas.shape[-1] == 0:
        return latent_image
    ms = model.model_sampling
    device = _device_of(model, latent_image.device)
    sigmas = sigmas.to(device)
    scale = float(model.family.scale_factor)
    latent = latent_image.to(device=device, dtype=torch.float32)
    if torch.count_nonzero(latent) > 0:
        latent = latent * scale
    noise = torch.zeros_like(latent) if disable_noise else noise.to(device=device, dtype=torch.float32)
    mask = prepare_mask(noise_mask, latent.shape, device) if noise_mask is not None else None
    denoiser = build_denoiser(latent, mask, device)
    inpaint_noise = noise
    if spec.random_inpaint_noise:
        gen = torch.Generator(device="cpu").manual_seed(int(seed if seed is not None else 41) + 1)
        inpaint_noise = torch.randn(noise.shape, generator=gen, device="cpu").to(device=device, dtype=noise.dtype)
    model_k = InpaintDenoiser(denoiser, latent, inpaint_noise, mask)
    x = ms.noise_scaling(sigmas[0], noise, latent, ms.is_max_denoise(sigmas[0]))
    total = len(sigmas) - 1
    def k_callback(info: dict) -> None:
        callback(info["i"], info["denoised"], info["x"], total)
    extra_args = {"seed": seed, "model_options": {}}
    samples = spec.function(model_k, x, sigmas, extra_args=extra_args,
                            callback=None if callback is None else k_callback, disable=True,
                            **(sampler_options or {}))
    samples = ms.inverse_noise_scaling(sigmas[-1], samples)
    return (samples.float() / scale).to(latent_image.device)  # back where the LATENT lives (CPU normally)
