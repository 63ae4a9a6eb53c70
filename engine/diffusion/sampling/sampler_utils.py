"""Steps shared by the samplers: the Karras ODE derivative, the ancestral split, churn, the
uncond capture that the CFG++ samplers need, and the half-logSNR conversions.

Every sampler has the k-diffusion signature
    sample_x(model, x, sigmas, extra_args=None, callback=None, disable=None, **options) -> x
where model(x, sigma[B], **extra_args) -> denoised (an x0 estimate) and callback receives
{"x", "i", "sigma", "sigma_hat", "denoised"} once per step; an exception raised by the callback
aborts sampling (that is how interrupt works).
"""
from __future__ import annotations

from typing import Callable

import torch

from .noise import default_noise_sampler


def append_dims(v: torch.Tensor, ndim: int) -> torch.Tensor:
    """[B] -> [B, 1, ..., 1] with ndim dims (a 0-dim tensor is returned as is)."""
    v = torch.as_tensor(v)
    if v.ndim == 0:
        return v
    return v.reshape(v.shape + (1,) * (ndim - v.ndim))


def to_d(x: torch.Tensor, sigma, denoised: torch.Tensor) -> torch.Tensor:
    """Denoiser output -> Karras ODE derivative dx/dsigma."""
    return (x - denoised) / append_dims(sigma, x.ndim)


def get_ancestral_step(sigma_from, sigma_to, eta: float = 1.0):
    """Split a step into a deterministic move to sigma_down and fresh noise of std sigma_up."""
    if not eta:
        return sigma_to, 0.0
    sigma_up = min(sigma_to, eta * (sigma_to ** 2 * (sigma_from ** 2 - sigma_to ** 2) / sigma_from ** 2) ** 0.5)
    sigma_down = (sigma_to ** 2 - sigma_up ** 2) ** 0.5
    return sigma_down, sigma_up


def churn(x: torch.Tensor, sigma, n_sigmas: int, s_churn: float, s_tmin: float, s_tmax: float, s_noise: float,
          generator: torch.Generator | None = None):
    """Karras Algorithm 2 "churn": raise sigma by gamma and add matching noise. Returns (x, sigma_hat)."""
    if s_churn <= 0 or not (s_tmin <= sigma <= s_tmax):
        return x, sigma
    gamma = min(s_churn / (n_sigmas - 1), 2 ** 0.5 - 1)
    sigma_hat = sigma * (gamma + 1)
    if gamma > 0:
        eps = torch.randn(x.shape, dtype=x.dtype, device=x.device, generator=generator) * s_noise
        x = x + eps * (sigma_hat ** 2 - sigma ** 2) ** 0.5
    return x, sigma_hat


def noise_sampler_for(x: torch.Tensor, extra_args: dict, noise_sampler=None):
    return default_noise_sampler(x, seed=extra_args.get("seed")) if noise_sampler is None else noise_sampler


def step_callback(callback, x, i, sigma, denoised, sigma_hat=None) -> None:
    if callback is not None:
        callback({"x": x, "i": i, "sigma": sigma, "sigma_hat": sigma if sigma_hat is None else sigma_hat,
                  "denoised": denoised})


def model_sampling_of(model):
    """The ModelSamplingDiscrete behind a denoiser, for the few samplers that need percent_to_sigma."""
    ms = getattr(model, "model_sampling", None)
    if ms is None:
        from .model_sampling import ModelSamplingDiscrete
        ms = ModelSamplingDiscrete("eps")
    return ms


def half_log_snr(sigma: torch.Tensor) -> torch.Tensor:
    """lambda = log(alpha/sigma) = -log(sigma) for the variance-exploding sigma used here."""
    return sigma.log().neg()


def sigma_from_half_log_snr(lam: torch.Tensor) -> torch.Tensor:
    return lam.neg().exp()


class UncondCapture:
    """Registers a post-CFG hook so a CFG++ sampler can read the uncond prediction of each call.

    The denoiser (CFGDenoiser) calls every function in model_options["sampler_post_cfg_function"]
    with args holding "denoised" and "uncond_denoised"; the hook also turns off the cfg == 1
    shortcut so the uncond is always evaluated. A bare denoiser that never calls the hook has no
    guidance, so there the uncond prediction equals the denoised one.
    """

    def __init__(self, extra_args: dict) -> None:
        self.value: torch.Tensor | None = None
        options = dict(extra_args.get("model_options", {}))
        options["sampler_post_cfg_function"] = list(options.get("sampler_post_cfg_function", [])) + [self._hook]
        options["disable_cfg1_optimization"] = True
        self.extra_args = {**extra_args, "model_options": options}

    def _hook(self, args: dict) -> torch.Tensor:
        self.value = args["uncond_denoised"]
        return args["denoised"]

    def __call__(self, model: Callable, x: torch.Tensor, sigma: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Evaluate the model: (denoised, uncond_denoised)."""
        self.value = None
        denoised = model(x, sigma, **self.extra_args)
        return denoised, (denoised if self.value is None else self.value)
