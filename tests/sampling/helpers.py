"""Small fakes and golden-file access for the sampling tests."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np
import torch

from engine.diffusion.sampling.model_sampling import ModelSamplingDiscrete

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "..", "shared",
                      "reference", "golden")


def golden(name: str) -> dict:
    with open(os.path.join(GOLDEN, name)) as f:
        return json.load(f)


def f32(values, shape=None) -> torch.Tensor:
    arr = np.array([np.nan if v is None else v for v in values], dtype=np.float32)
    t = torch.from_numpy(arr)
    return t.reshape(shape) if shape is not None else t


@dataclass(frozen=True)
class FakeFamily:
    name: str = "sd1"
    prediction: str = "eps"
    scale_factor: float = 0.18215
    latent_channels: int = 4
    latent_rgb_factors: list = field(default_factory=lambda: [[0.3512, 0.2297, 0.3227], [0.325, 0.4974, 0.235],
                                                              [-0.2829, 0.1762, 0.2721], [-0.212, -0.2616, -0.7177]])
    latent_rgb_bias: list | None = None
    clip_skip_default: int = -1


def analytic_denoiser(mu: float = 0.5, s: float = 0.7):
    """Exact D(x, sigma) for data x0 ~ N(mu, s^2 I), evaluated in float32."""
    def D(x, sigma, **_):
        sg = sigma.reshape(-1, *([1] * (x.ndim - 1)))
        return (s * s * x + sg * sg * mu) / (s * s + sg * sg)
    return D


class FakeHandle:
    """ModelHandle stand-in.

    Default: an eps network whose output is the exact eps of the analytic model at the table sigma
    of the integer timestep it receives, shifted by `cond_shift * context.mean()` so conds differ.
    With denoise_fn set, the model_function_wrapper bypasses the UNet and returns denoise_fn(x, sigma)
    (that is how the golden values were produced: D evaluated at the exact sigma).
    """

    def __init__(self, prediction: str = "eps", denoise_fn=None, mu: float = 0.5, s: float = 0.7,
                 cond_shift: float = 0.0) -> None:
        self.family = FakeFamily(prediction=prediction)
        self.model_sampling = ModelSamplingDiscrete(prediction)
        self.calls: list[dict] = []
        self.mu, self.s, self.cond_shift = mu, s, cond_shift
        self.model_options: dict = {}
        if denoise_fn is not None:
            def wrapper(apply_model, args):
                self.calls.append({"batch": args["input"].shape[0], "sigma": args["timestep"].clone(), "c": args["c"]})
                return denoise_fn(args["input"], args["timestep"])
            self.model_options["model_function_wrapper"] = wrapper

    def apply_model(self, x, timestep, context, y=None, control=None, concat=None):
        self.calls.append({"batch": x.shape[0], "timestep": timestep.clone(), "context": context, "y": y,
                           "control": control})
        sigma = self.model_sampling.sigmas[timestep.long()].reshape(-1, 1, 1, 1)
        x_noisy = x * (sigma ** 2 + 1) ** 0.5
        mu = self.mu + self.cond_shift * context.mean(dim=(1, 2)).reshape(-1, 1, 1, 1)
        d = (self.s ** 2 * x_noisy + sigma ** 2 * mu) / (self.s ** 2 + sigma ** 2)
        eps = (x_noisy - d) / sigma
        if self.family.prediction == "eps":
            return eps
        alpha = 1 / (sigma ** 2 + 1) ** 0.5
        return alpha * eps - sigma * alpha * d  # v = alpha*eps - sigma_vp*x0 with sigma_vp = sigma*alpha

    def extra_conds(self, cond_dict, batch, device):
        return {}


def empty_cond(value: float = 0.0, tokens: int = 77, dim: int = 8, **opts) -> list:
    return [[torch.full((1, tokens, dim), float(value)), dict(opts)]]
