"""Custom sampling (ComfyUI's SamplerCustom / SamplerCustomAdvanced): an explicit sigma list, a
sampler object, a noise object and a guider, on top of KSampler's core (`ksampler.sample_sigmas`).

The values that flow between the custom-sampling nodes:
    SAMPLER  `Sampler`: a sampler function by KSampler name plus keyword options (eta, s_noise ...)
    SIGMAS   a 1-D float tensor (descending, usually ending in 0)
    NOISE    `RandomNoise` / `EmptyNoise`: `.seed` and `generate_noise(latent_dict)`
    GUIDER   `CFGGuider` / `BasicGuider` / `DualCFGGuider`: `.model`, `.conds`, `.cfg`
Extra schedules the scheduler nodes need (polyexponential, VP, SD-Turbo) live here too.
"""
from __future__ import annotations

import inspect
import math
from typing import Callable

import torch

from .conditioning import (add_same_area_partners, add_sigma_range, convert_conditioning, encode_model_inputs,
                           prepare_conditioning, resolve_areas_and_masks, share_control_with_uncond)
from .denoiser import CFGDenoiser
from .ksampler import Callback, sample_sigmas
from .noise import prepare_noise
from .samplers import SamplerSpec, get_sampler
from .schedules import append_zero

__all__ = ["Sampler", "RandomNoise", "EmptyNoise", "CFGGuider", "BasicGuider", "DualCFGGuider", "DualCFGDenoiser",
           "sample_with_sigmas", "sample_custom", "get_sigmas_polyexponential", "get_sigmas_vp",
           "get_sigmas_laplace", "sd_turbo_sigmas", "er_sde_noise_scaler",
           "extend_intermediate_sigmas", "add_noise"]


class Sampler:
    """SAMPLER: a sampler function (by KSampler name) and the keyword options it is called with."""

    def __init__(self, name: str, options: dict | None = None) -> None:
        self.spec: SamplerSpec = get_sampler(name)  # ValueError naming the unknown sampler
        self.name = name
        self.options = dict(options or {})
        params = inspect.signature(self.spec.function).parameters
        unknown = [k for k in self.options if k not in params]
        if unknown:
            raise ValueError(f"sampler {name!r} takes no option(s) {unknown}")

    def __repr__(self) -> str:
        return f"Sampler({self.name!r}, {self.options!r})"


class EmptyNoise:
    """NOISE of DisableNoise: zeros (seed 0, which is also what the ancestral samplers then get)."""

    seed = 0

    def generate_noise(self, latent: dict) -> torch.Tensor:
        samples = latent["samples"]
        return torch.zeros(samples.shape, dtype=samples.dtype, layout=samples.layout, device="cpu")


class RandomNoise:
    """NOISE of RandomNoise: KSampler's seeded noise (prepare_noise, batch_index aware)."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def generate_noise(self, latent: dict) -> torch.Tensor:
        return prepare_noise(latent["samples"], self.seed, latent.get("batch_index"))


class CFGGuider:
    """GUIDER: classifier-free guidance over a positive and a negative CONDITIONING list."""

    def __init__(self, model) -> None:
        self.model = model
        self.conds: dict[str, list] = {}
        self.cfg = 1.0

    @property
    def model_patcher(self):
        """ComfyUI's name for the guided model (custom nodes read guider.model_patcher)."""
        return self.model

    def set_conds(self, positive: list, negative: list) -> None:
        self.conds = {"positive": positive, "negative": negative}

    def _require_conds(self, *names: str) -> None:
        missing = [n for n in names if self.conds.get(n) is None]
        if missing:
            raise ValueError(f"{type(self).__name__}: no {', '.join(missing)} conditioning; call set_conds first")

    def set_cfg(self, cfg: float) -> None:
        self.cfg = float(cfg)

    def build_denoiser(self, latent: torch.Tensor, mask: torch.Tensor | None, device) -> Callable:
        """D(x, sigma) for a model-space latent (the `build_denoiser` of ksampler.sample_sigmas)."""
        self._require_conds("positive")
        pos, neg = prepare_conditioning(self.model, self.conds["positive"], self.conds.get("negative") or [],
                                        latent.shape, device, latent, mask)
        return CFGDenoiser(self.model, pos, neg, self.cfg)

    def sample(self, noise: torch.Tensor, latent_image: torch.Tensor, sampler: Sampler, sigmas: torch.Tensor,
               denoise_mask: torch.Tensor | None = None, callback: Callback | None = None,
               seed: int | None = None) -> torch.Tensor:
        """ComfyUI's guider.sample: the sampled unscaled latent."""
        return sample_with_sigmas(self.model, noise, sigmas, sampler, self, latent_image, denoise_mask,
                                  callback, seed)[0]


class BasicGuider(CFGGuider):
    """GUIDER of BasicGuider: the positive conditioning alone (cfg 1, no uncond pass)."""

    def set_conds(self, positive: list, negative: list | None = None) -> None:
        self.conds = {"positive": positive}


def _prepare_lists(model, named: list[tuple[str, list, str, bool]], latent: torch.Tensor, mask,
                   device) -> list[list[dict]]:
    """Like prepare_conditioning, for any number of lists: (name, CONDITIONING, prompt_type, forced) each;
    forced sets prompt_type on every entry (ComfyUI's DualCFG marks cond2 so), else it is only the default."""
    h, w = latent.shape[-2], latent.shape[-1]
    out = []
    for name, cond, prompt_type, forced in named:
        c = convert_conditioning(cond, name)
        if forced:
            c = [{**e, "prompt_type": prompt_type} for e in c]
        c = resolve_areas_and_masks(c, h, w, device)
        c = add_sigma_range(c, model.model_sampling)
        out.append(encode_model_inputs(model, c, latent.shape, device, prompt_type, latent, mask))
    for a in out:
        for b in out:
            if a is not b:
                add_same_area_partners(a, b)
    return out


class DualCFGDenoiser(CFGDenoiser):
    """Two guidance scales: cond1 against cond2 (cfg_conds), cond2 against negative (cfg_cond2_negative).

    regular: cfg(cond2, negative, cfg2) + (cond1 - cond2) * cfg1
    nested:  negative + cfg2 * (cfg(cond1, cond2, cfg1) - negative)
    """

    def __init__(self, model, positive: list[dict], middle: list[dict], negative: list[dict], cfg1: float,
                 cfg2: float, nested: bool) -> None:
        super().__init__(model, positive, negative, cfg1)
        self.middle = middle
        self.cfg1, self.cfg2, self.nested = float(cfg1), float(cfg2), nested

    def _guide(self, x, sigma, cond_pred, uncond_pred, scale: float, options: dict, cond, uncond) -> torch.Tensor:
        """One CFG combination with the model's sampler_cfg_function / post-CFG hooks, as ComfyUI's cfg_function."""
        cfg_fn = options.get("sampler_cfg_function")
        if cfg_fn is not None:
            result = x - cfg_fn({"cond": x - cond_pred, "uncond": x - uncond_pred, "cond_scale": scale,
                                 "timestep": sigma, "input": x, "sigma": sigma, "cond_denoised": cond_pred,
                                 "uncond_denoised": uncond_pred})
        else:
            result = uncond_pred + (cond_pred - uncond_pred) * scale
        for fn in options.get("sampler_post_cfg_function", []):
            result = fn({"denoised": result, "cond": cond, "uncond": uncond, "cond_scale": scale,
                         "model": self.model, "uncond_denoised": uncond_pred, "cond_denoised": cond_pred,
                         "sigma": sigma, "model_options": options, "input": x})
        return result

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor, model_options: dict | None = None, seed=None,
                 **unused) -> torch.Tensor:
        options = {**self.model_options, **(model_options or {})}
        options["sampler_post_cfg_function"] = list(self.model_options.get("sampler_post_cfg_function", [])) + \
            list((model_options or {}).get("sampler_post_cfg_function", []))
        negative, middle = self.negative, self.middle
        if not self.nested and not options.get("disable_cfg1_optimization", False) and math.isclose(self.cfg2, 1.0):
            negative = None
            if math.isclose(self.cfg1, 1.0):
                middle = None
        # ComfyUI's order (negative, middle, positive): cond_or_uncond indexes seen by model wrappers match
        preds = self.calc_cond_batch([negative, middle, self.positive], x, sigma, options)
        neg_p, mid_p, pos_p = (torch.zeros_like(x) if p is None else p for p in preds)
        if self.nested:
            text = self._guide(x, sigma, pos_p, mid_p, self.cfg1, options, self.positive, middle)
            return neg_p + self.cfg2 * (text - neg_p)
        return self._guide(x, sigma, mid_p, neg_p, self.cfg2, options, middle, negative) + (pos_p - mid_p) * self.cfg1


class DualCFGGuider(CFGGuider):
    """GUIDER of DualCFGGuider: cond1, cond2 (evaluated as a negative prompt type) and negative."""

    def __init__(self, model) -> None:
        super().__init__(model)
        self.cfg1 = self.cfg2 = 1.0
        self.nested = False

    def set_conds(self, positive: list, middle: list, negative: list) -> None:  # type: ignore[override]
        self.conds = {"positive": positive, "middle": middle, "negative": negative}

    def set_cfg(self, cfg1: float, cfg2: float = 1.0, nested: bool = False) -> None:  # type: ignore[override]
        self.cfg1, self.cfg2, self.nested = float(cfg1), float(cfg2), bool(nested)
        self.cfg = self.cfg1

    def build_denoiser(self, latent: torch.Tensor, mask: torch.Tensor | None, device) -> Callable:
        self._require_conds("positive", "middle", "negative")
        pos, mid, neg = _prepare_lists(self.model, [("cond1", self.conds["positive"], "positive", False),
                                                    ("cond2", self.conds["middle"], "negative", True),
                                                    ("negative", self.conds["negative"], "negative", False)],
                                       latent, mask, device)
        share_control_with_uncond(pos, neg)
        return DualCFGDenoiser(self.model, pos, mid, neg, self.cfg1, self.cfg2, self.nested)


def _check_sigmas(sigmas) -> torch.Tensor:
    if not torch.is_tensor(sigmas):
        raise TypeError(f"sigmas must be a 1-D float tensor (SIGMAS), got {type(sigmas).__name__}")
    if sigmas.ndim != 1:
        raise ValueError(f"sigmas must be a 1-D tensor (SIGMAS), got shape {tuple(sigmas.shape)}")
    return sigmas.to(torch.float32)


def sample_with_sigmas(model, noise: torch.Tensor, sigmas: torch.Tensor, sampler: Sampler, guider: CFGGuider,
                       latent_image: torch.Tensor, noise_mask: torch.Tensor | None = None,
                       callback: Callback | None = None, seed: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample an unscaled latent along `sigmas` with `sampler` guided by `guider`.

    Returns (latent, denoised_latent): the sampler's result and the last x0 prediction reported to the
    step callback, both unscaled; without any step (fewer than 2 sigmas) the second is the first.
    callback(step, x0, x, total_steps) runs each step in model space; raising in it aborts.
    """
    if not isinstance(sampler, Sampler):
        raise TypeError(f"sampler must be a SAMPLER (Sampler object), got {type(sampler).__name__}")
    if not hasattr(guider, "build_denoiser"):
        raise TypeError(f"guider must be a GUIDER (CFGGuider object), got {type(guider).__name__}")
    sigmas = _check_sigmas(sigmas)
    last: dict[str, torch.Tensor] = {}

    def record(step: int, x0: torch.Tensor, x: torch.Tensor, total: int) -> None:
        last["x0"] = x0
        if callback is not None:
            callback(step, x0, x, total)

    samples = sample_sigmas(model, noise, sigmas, sampler.spec, guider.build_denoiser, latent_image,
                            noise_mask=noise_mask, callback=record, seed=seed, sampler_options=sampler.options)
    if "x0" not in last:
        return samples, samples
    denoised = (last["x0"].float() / float(model.family.scale_factor)).to(samples.device)
    return samples, denoised


def sample_custom(model, noise: torch.Tensor, cfg: float, sampler: Sampler, sigmas: torch.Tensor, positive: list,
                  negative: list, latent_image: torch.Tensor, noise_mask: torch.Tensor | None = None,
                  callback: Callback | None = None, seed: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """SamplerCustom: CFG guidance of positive against negative at `cfg`; see sample_with_sigmas."""
    guider = CFGGuider(model)
    guider.set_conds(positive, negative)
    guider.set_cfg(cfg)
    return sample_with_sigmas(model, noise, sigmas, sampler, guider, latent_image, noise_mask, callback, seed)


def get_sigmas_polyexponential(n: int, sigma_min: float, sigma_max: float, rho: float = 1.0) -> torch.Tensor:
    """Polynomial in log sigma (k-diffusion): rho = 1 is the exponential schedule."""
    ramp = torch.linspace(1, 0, n) ** rho
    return append_zero(torch.exp(ramp * (math.log(sigma_max) - math.log(sigma_min)) + math.log(sigma_min)))


def get_sigmas_vp(n: int, beta_d: float = 19.9, beta_min: float = 0.1, eps_s: float = 1e-3) -> torch.Tensor:
    """Continuous VP SDE schedule (Song et al. 2021): sigma(t) = sqrt(exp(beta_d t^2 / 2 + beta_min t) - 1)."""
    t = torch.linspace(1, eps_s, n)
    return append_zero(torch.sqrt(torch.special.expm1(beta_d * t ** 2 / 2 + beta_min * t)))


def get_sigmas_laplace(n: int, sigma_min: float, sigma_max: float, mu: float = 0.0, beta: float = 0.5) -> torch.Tensor:
    """Laplace schedule (Tiankai et al. 2024): log sigma at Laplace(mu, beta) quantiles of linspace(0, 1, n),
    clamped to [sigma_min, sigma_max]. As ComfyUI's, it has no trailing 0 (sampling stops at sigma_min)."""
    x = torch.linspace(0, 1, n)
    lmb = mu - beta * torch.sign(0.5 - x) * torch.log(1 - 2 * torch.abs(0.5 - x) + 1e-5)
    return torch.clamp(torch.exp(lmb), min=sigma_min, max=sigma_max)


def er_sde_noise_scaler(solver_type: str, eta: float) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """SamplerER_SDE's noise scaler psi(x) = x^(1-eta) * phi(x)^eta: "ER-SDE" (phi = x (e^(x^0.3) + 10)),
    "Reverse-time SDE" (phi = x^2) or "ODE" (psi = x); None is the sampler's own default."""
    if solver_type == "ER-SDE":
        return lambda x: x * ((x ** 0.3).exp() + 10.0) ** eta
    if solver_type == "Reverse-time SDE":
        return lambda x: x ** (eta + 1)
    if solver_type == "ODE":
        return lambda x: x
    raise ValueError(f"unknown ER-SDE solver_type {solver_type!r}; expected 'ER-SDE', 'Reverse-time SDE' or 'ODE'")


def extend_intermediate_sigmas(sigmas: torch.Tensor, steps: int, start_at_sigma: float, end_at_sigma: float,
                               spacing: str) -> torch.Tensor:
    """Insert steps - 1 points between consecutive sigmas whose upper one lies in [end_at_sigma, start_at_sigma]
    (start < 0: no upper bound), spaced "linear", "cosine" (sin(x pi/2)) or "sine" (1 - cos(x pi/2))."""
    shapes = {"linear": lambda x: x, "cosine": lambda x: torch.sin(x * math.pi / 2),
              "sine": lambda x: 1 - torch.cos(x * math.pi / 2)}
    if spacing not in shapes:
        raise ValueError(f"unknown spacing {spacing!r}; expected one of {list(shapes)}")
    upper = float("inf") if start_at_sigma < 0 else start_at_sigma
    fractions = shapes[spacing](torch.linspace(0, 1, steps + 1, device=sigmas.device)[1:-1])
    out: list[float] = []
    for k in range(len(sigmas) - 1):
        hi, lo = sigmas[k], sigmas[k + 1]
        out.append(float(hi))
        if end_at_sigma <= hi <= upper:
            out.extend((fractions * (lo - hi) + hi).tolist())
    if len(sigmas) > 0:
        out.append(float(sigmas[-1]))
    return torch.FloatTensor(out)


def add_noise(model, noise: torch.Tensor, sigmas: torch.Tensor, latent_image: torch.Tensor) -> torch.Tensor:
    """AddNoise: the unscaled latent noised to |sigmas[0] - sigmas[-1]| (sigmas[0] for a single sigma)."""
    if len(sigmas) == 0:
        return latent_image
    scale = torch.abs(sigmas[0] - sigmas[-1]) if len(sigmas) > 1 else sigmas[0]
    factor = float(model.family.scale_factor)
    latent = latent_image * factor if torch.count_nonzero(latent_image) > 0 else latent_image
    noisy = model.model_sampling.noise_scaling(scale, noise.to(latent.dtype), latent) / factor
    return torch.nan_to_num(noisy, nan=0.0, posinf=0.0, neginf=0.0)


def sd_turbo_sigmas(model_sampling, steps: int, denoise: float = 1.0) -> torch.Tensor:
    """SD-Turbo: timesteps 999, 899, ..., 99 from 10 - int(10 * denoise) on, `steps` of them, then 0."""
    start = 10 - int(10 * denoise)
    timesteps = torch.flip(torch.arange(1, 11) * 100 - 1, (0,))[start:start + steps]
    sigmas = model_sampling.sigma(timesteps)
    return torch.cat([sigmas, sigmas.new_zeros([1])])
