"""Discrete (DDPM-trained) model sampling: the sigma table, sigma <-> timestep, eps / v parameterisation.

Numbers follow ../shared/reference/sampling.md §2: scaled-linear betas computed in float64, the
sigma table stored as float32, the UNet receives the integer timestep whose log-sigma is nearest.
"""
from __future__ import annotations

import math

import torch

PREDICTIONS = ("eps", "v")


def _append_dims(v: torch.Tensor, ndim: int) -> torch.Tensor:
    return v.reshape(v.shape[:1] + (1,) * (ndim - 1))


def linear_betas(timesteps: int = 1000, linear_start: float = 0.00085, linear_end: float = 0.012) -> torch.Tensor:
    """SD's "linear" schedule: linear in sqrt(beta), float64."""
    return torch.linspace(linear_start ** 0.5, linear_end ** 0.5, timesteps, dtype=torch.float64) ** 2


class ModelSamplingDiscrete:
    """The SD1/SD2/SDXL discrete schedule plus the eps or v-prediction denoiser formulas."""

    sigma_data = 1.0

    def __init__(self, prediction: str = "eps", timesteps: int = 1000, linear_start: float = 0.00085,
                 linear_end: float = 0.012, zsnr: bool = False) -> None:
        if prediction not in PREDICTIONS:
            raise ValueError(f"ModelSamplingDiscrete: prediction must be one of {PREDICTIONS}, got {prediction!r}")
        self.prediction = prediction
        betas = linear_betas(timesteps, linear_start, linear_end)
        alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
        if zsnr:
            alphas_cumprod = _rescale_zero_terminal_snr(alphas_cumprod)
        sigmas = ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5
        self.sigmas = sigmas.float()
        self.log_sigmas = sigmas.log().float()

    @property
    def sigma_min(self) -> torch.Tensor:
        return self.sigmas[0]

    @property
    def sigma_max(self) -> torch.Tensor:
        return self.sigmas[-1]

    def timestep(self, sigma: torch.Tensor) -> torch.Tensor:
        """Index of the table entry whose log-sigma is nearest (int64, same shape as sigma)."""
        sigma = torch.as_tensor(sigma)
        dists = sigma.log().to(self.log_sigmas.device) - self.log_sigmas[:, None]
        return dists.abs().argmin(dim=0).view(sigma.shape).to(sigma.device)

    def sigma(self, timestep: torch.Tensor) -> torch.Tensor:
        """exp of the log-sigma table linearly interpolated at fractional timestep."""
        timestep = torch.as_tensor(timestep)
        t = torch.clamp(timestep.float().to(self.log_sigmas.device), min=0, max=len(self.sigmas) - 1)
        low, high = t.floor().long(), t.ceil().long()
        w = t.frac()
        log_sigma = (1 - w) * self.log_sigmas[low] + w * self.log_sigmas[high]
        return log_sigma.exp().to(timestep.device)

    def percent_to_sigma(self, percent: float) -> float:
        if percent <= 0.0:
            return 999999999.9
        if percent >= 1.0:
            return 0.0
        return self.sigma(torch.tensor((1.0 - percent) * 999.0)).item()

    def calculate_input(self, sigma: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        sigma = _append_dims(sigma, x.ndim)
        return x / (sigma ** 2 + self.sigma_data ** 2) ** 0.5

    def calculate_denoised(self, sigma: torch.Tensor, model_output: torch.Tensor, model_input: torch.Tensor) -> torch.Tensor:
        sigma = _append_dims(sigma, model_output.ndim)
        if self.prediction == "eps":
            return model_input - model_output * sigma
        sd = self.sigma_data
        return model_input * sd ** 2 / (sigma ** 2 + sd ** 2) - model_output * sigma * sd / (sigma ** 2 + sd ** 2) ** 0.5

    def noise_scaling(self, sigma, noise: torch.Tensor, latent_image: torch.Tensor, max_denoise: bool = False) -> torch.Tensor:
        """Starting point: noise * sqrt(1 + sigma^2) at max denoise, else noise * sigma, plus the latent."""
        sigma = torch.as_tensor(sigma, device=noise.device)
        sigma = sigma.reshape(sigma.shape[:1] + (1,) * (noise.ndim - 1)) if sigma.ndim else sigma
        if max_denoise:
            # ComfyUI's factor is the float64 sqrt rounded once to float32 (golden noise.json,
            # simple scheduler: 14.648813, not the float32-computed 14.648814).
            noise = noise * torch.sqrt(1.0 + sigma.double() ** 2.0).to(noise.dtype)
        else:
            noise = noise * sigma.to(noise.dtype)
        return noise + latent_image

    def inverse_noise_scaling(self, sigma, latent: torch.Tensor) -> torch.Tensor:
        return latent

    def is_max_denoise(self, sigma0) -> bool:
        max_sigma, s = float(self.sigma_max), float(sigma0)
        return math.isclose(max_sigma, s, rel_tol=1e-05) or s > max_sigma


def _rescale_zero_terminal_snr(alphas_cumprod: torch.Tensor) -> torch.Tensor:
    """Lin et al. 2023: shift/scale sqrt(alpha_bar) so the last is 0, then keep it just above 0."""
    a = alphas_cumprod.sqrt()
    a0, at = a[0].clone(), a[-1].clone()
    a = (a - at) * a0 / (a0 - at)
    out = a ** 2
    out[-1] = 4.8973451890853435e-08
    return out
