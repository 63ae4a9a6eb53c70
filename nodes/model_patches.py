"""Model patch nodes: CFG rescaling, FreeU, model-sampling overrides, Deep Shrink and Perp-Neg.

Every node clones the MODEL handle and changes only the clone: a sampler hook in its
``model_options`` (ComfyUI's ModelPatcher convention, read by engine/diffusion/sampling/denoiser.py),
a UNet block patch (``model_options["transformer_options"]["patches"]``, called by
engine/diffusion/models/unet.py) or its ``model_sampling`` object (the sigma table and the
parameterisation the denoiser uses). The shared UNet module is never touched.

SelfAttentionGuidance is not provided: it needs the middle block's self-attention probabilities,
which our attention layers (fused scaled-dot-product attention) do not expose.
"""
from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable

import torch

from ._common import NodeInputError

log = logging.getLogger(__name__)

SCALE = {"min": 0.0, "max": 10.0, "step": 0.01}


def _clone(model, node: str):
    if model is None or not hasattr(model, "clone"):
        raise NodeInputError(f"{node}: model input is not a MODEL (got {type(model).__name__})")
    return model.clone()


def _model_channels(model, node: str) -> int:
    cfg = getattr(getattr(model, "unet", None), "config", None)
    channels = getattr(cfg, "model_channels", None)
    if channels is None:
        raise NodeInputError(f"{node}: the model has no UNet config with model_channels")
    return int(channels)


# ----------------------------------------------------------------------------- RescaleCFG
def rescale_cfg(args: dict, multiplier: float) -> torch.Tensor:
    """RescaleCFG's sampler_cfg_function: CFG done on v-prediction outputs, its std rescaled to the
    conditional one's and mixed back by ``multiplier``; returns the predicted noise x - denoised."""
    cond, uncond, scale = args["cond"], args["uncond"], args["cond_scale"]
    x_orig = args["input"]
    sigma = args["sigma"].reshape((-1,) + (1,) * (cond.ndim - 1))
    s2 = sigma * sigma + 1.0
    x = x_orig / s2
    v_cond = (x - (x_orig - cond)) * s2 ** 0.5 / sigma
    v_uncond = (x - (x_orig - uncond)) * s2 ** 0.5 / sigma
    v_cfg = v_uncond + scale * (v_cond - v_uncond)
    dims = tuple(range(1, cond.ndim))
    rescaled = v_cfg * (torch.std(v_cond, dim=dims, keepdim=True) / torch.std(v_cfg, dim=dims, keepdim=True))
    v_final = multiplier * rescaled + (1.0 - multiplier) * v_cfg
    return x_orig - (x - v_final * sigma / s2 ** 0.5)


class RescaleCFG:
    DESCRIPTION = ("Rescales the classifier-free guidance result toward the conditional prediction's standard "
                   "deviation (less over-saturation at high CFG).")
    CATEGORY = "advanced/model"
    RETURN_TYPES = ("MODEL",)
    FUNCTION = "patch"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",),
                             "multiplier": ("FLOAT", {"default": 0.7, "min": 0.0, "max": 1.0, "step": 0.01})}}

    def patch(self, model, multiplier: float):
        m = _clone(model, "RescaleCFG")
        mult = float(multiplier)
        m.set_model_sampler_cfg_function(lambda args: rescale_cfg(args, mult))
        return (m,)


# ----------------------------------------------------------------------------- FreeU
def fourier_filter(x: torch.Tensor, threshold: int, scale: float) -> torch.Tensor:
    """Scale the centred low-frequency square (2*threshold wide) of x's 2-D spectrum by ``scale``."""
    freq = torch.fft.fftshift(torch.fft.fftn(x.float(), dim=(-2, -1)), dim=(-2, -1))
    h, w = freq.shape[-2:]
    cy, cx = h // 2, w // 2
    mask = torch.ones(freq.shape, device=x.device)
    mask[..., cy - threshold:cy + threshold, cx - threshold:cx + threshold] = scale
    freq = torch.fft.ifftshift(freq * mask, dim=(-2, -1))
    return torch.fft.ifftn(freq, dim=(-2, -1)).real.to(x.dtype)


class _SkipFilter:
    """fourier_filter on the skip's device, falling back to the CPU where torch.fft is missing."""

    def __init__(self) -> None:
        self.cpu_for: set = set()

    def __call__(self, skip: torch.Tensor, scale: float) -> torch.Tensor:
        if skip.device not in self.cpu_for:
            try:
                return fourier_filter(skip, 1, scale)
            except (RuntimeError, TypeError) as e:
                log.warning("FreeU: torch.fft is not supported on %s, filtering on the CPU: %s", skip.device, e)
                self.cpu_for.add(skip.device)
        return fourier_filter(skip.cpu(), 1, scale).to(skip.device)


def _scale_first_half(h: torch.Tensor, factor) -> torch.Tensor:
    half = h.shape[1] // 2
    return torch.cat([h[:, :half] * factor, h[:, half:]], dim=1)


def freeu_patch(model_channels: int, b1: float, b2: float, s1: float, s2: float, v2: bool) -> Callable:
    """The output_block_patch of FreeU (v2=False) / FreeU_V2: on blocks whose input has 4x / 2x the
    model channels, the first half of the backbone channels is scaled by b (V2: by 1 + (b - 1) * the
    min-max-normalised channel mean) and the skip's low frequencies by s."""
    scales = {model_channels * 4: (b1, s1), model_channels * 2: (b2, s2)}
    skip_filter = _SkipFilter()

    def patch(h: torch.Tensor, skip: torch.Tensor, transformer_options: dict):
        scale = scales.get(int(h.shape[1]))
        if scale is None:
            return h, skip
        b, s = scale
        if v2:
            mean = h.mean(1, keepdim=True)
            flat = mean.reshape(mean.shape[0], -1)
            lo = flat.min(dim=-1).values.reshape(-1, 1, 1, 1)
            hi = flat.max(dim=-1).values.reshape(-1, 1, 1, 1)
            h = _scale_first_half(h, (b - 1.0) * ((mean - lo) / (hi - lo)) + 1.0)
        else:
            h = _scale_first_half(h, b)
        return h, skip_filter(skip, s)

    return patch


class FreeU:
    DESCRIPTION = ("FreeU: scales the UNet's backbone features and damps the low frequencies of its skip "
                   "connections on the decoder side.")
    CATEGORY = "model_patches/unet"
    RETURN_TYPES = ("MODEL",)
    FUNCTION = "patch"
    DEFAULTS = (1.1, 1.2, 0.9, 0.2)
    V2 = False

    @classmethod
    def INPUT_TYPES(cls):
        b1, b2, s1, s2 = cls.DEFAULTS
        return {"required": {"model": ("MODEL",),
                             "b1": ("FLOAT", {"default": b1, **SCALE}),
                             "b2": ("FLOAT", {"default": b2, **SCALE}),
                             "s1": ("FLOAT", {"default": s1, **SCALE}),
                             "s2": ("FLOAT", {"default": s2, **SCALE})}}

    def patch(self, model, b1: float, b2: float, s1: float, s2: float):
        name = type(self).__name__
        m = _clone(model, name)
        m.set_model_output_block_patch(freeu_patch(_model_channels(model, name), float(b1), float(b2),
                                                   float(s1), float(s2), self.V2))
        return (m,)


class FreeU_V2(FreeU):
    DESCRIPTION = "FreeU v2: like FreeU, with the backbone scaling weighted by the normalised mean of the features."
    DEFAULTS = (1.3, 1.4, 0.9, 0.2)
    V2 = True


# ----------------------------------------------------------------------------- model sampling
def rescale_zero_terminal_snr_sigmas(sigmas: torch.Tensor) -> torch.Tensor:
    """Zero-terminal-SNR version of a sigma table (Lin et al. 2023), on the table itself as
    ComfyUI's ModelSamplingDiscrete node does it (the last alpha-bar kept at 4.8973451890853435e-08)."""
    alphas_cumprod = 1.0 / (sigmas * sigmas + 1.0)
    a = alphas_cumprod.sqrt()
    a0, at = a[0].clone(), a[-1].clone()
    a = (a - at) * (a0 / (a0 - at))
    bar = a ** 2
    bar[-1] = 4.8973451890853435e-08
    return ((1.0 - bar) / bar) ** 0.5


def _sampling_base():
    from engine.diffusion.sampling.model_sampling import ModelSamplingDiscrete
    return ModelSamplingDiscrete


def discrete_sampling(sampling: str, zsnr: bool = False):
    """The model_sampling object of the ModelSamplingDiscrete node: SD's 1000-step table (LCM: the
    50 steps the distilled model was trained on) with eps / v / LCM / x0 / img_to_img outputs."""
    base = _sampling_base()

    class DiscreteSampling(base):
        LCM_SKIP = 20  # 1000 // 50 original timesteps

        def __init__(self) -> None:
            super().__init__(prediction="v" if sampling == "v_prediction" else "eps")
            self.prediction = {"eps": "eps", "v_prediction": "v"}.get(sampling, sampling)
            if sampling == "lcm":
                n = len(self.sigmas)
                kept = torch.stack([self.sigmas[n - 1 - k * self.LCM_SKIP] for k in range(n // self.LCM_SKIP)])
                self.set_sigmas(kept.flip(0))
            if zsnr:
                self.set_sigmas(rescale_zero_terminal_snr_sigmas(self.sigmas))

        def set_sigmas(self, sigmas: torch.Tensor) -> None:
            self.sigmas = sigmas.float()
            self.log_sigmas = sigmas.log().float()

        if sampling == "lcm":
            def timestep(self, sigma: torch.Tensor) -> torch.Tensor:
                sigma = torch.as_tensor(sigma)
                dists = sigma.log().to(self.log_sigmas.device) - self.log_sigmas[:, None]
                idx = dists.abs().argmin(dim=0).view(sigma.shape)
                return (idx * self.LCM_SKIP + (self.LCM_SKIP - 1)).to(sigma.device)

            def sigma(self, timestep: torch.Tensor) -> torch.Tensor:
                timestep = torch.as_tensor(timestep)
                t = (timestep.float().to(self.log_sigmas.device) - (self.LCM_SKIP - 1)) / self.LCM_SKIP
                t = t.clamp(min=0, max=len(self.sigmas) - 1)
                low, high, w = t.floor().long(), t.ceil().long(), t.frac()
                return ((1 - w) * self.log_sigmas[low] + w * self.log_sigmas[high]).exp().to(timestep.device)

        def calculate_input(self, sigma: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
            if self.prediction == "img_to_img":
                return x
            return super().calculate_input(sigma, x)

        def calculate_denoised(self, sigma, model_output, model_input):
            if self.prediction in ("x0", "img_to_img"):
                return model_output
            if self.prediction == "lcm":
                shape = (-1,) + (1,) * (model_output.ndim - 1)
                t = self.timestep(sigma).reshape(shape).to(model_output.device)
                s = sigma.reshape(shape)
                x0 = model_input - model_output * s
                sigma_data, st = 0.5, t * 10.0   # LCM's timestep scaling
                c_skip = sigma_data ** 2 / (st ** 2 + sigma_data ** 2)
                c_out = st / (st ** 2 + sigma_data ** 2) ** 0.5
                return c_out * x0 + c_skip * model_input
            return super().calculate_denoised(sigma, model_output, model_input)

    return DiscreteSampling()


def continuous_edm_sampling(sampling: str, sigma_min: float, sigma_max: float):
    """The model_sampling object of ModelSamplingContinuousEDM: 1000 log-spaced sigmas between
    sigma_min and sigma_max, timestep = log(sigma) / 4, eps / v / EDM (sigma_data 0.5) outputs."""
    base = _sampling_base()

    class ContinuousEDMSampling(base):
        def __init__(self) -> None:
            super().__init__(prediction="v" if sampling == "v_prediction" else "eps")
            self.prediction = {"eps": "eps", "v_prediction": "v", "edm": "edm"}[sampling]
            self.sigma_data = 0.5 if sampling == "edm" else 1.0
            sigmas = torch.linspace(math.log(sigma_min), math.log(sigma_max), 1000).exp()
            self.sigmas = sigmas
            self.log_sigmas = sigmas.log()

        def timestep(self, sigma: torch.Tensor) -> torch.Tensor:
            return 0.25 * torch.as_tensor(sigma).log()

        def sigma(self, timestep: torch.Tensor) -> torch.Tensor:
            return (torch.as_tensor(timestep) / 0.25).exp()

        def percent_to_sigma(self, percent: float) -> float:
            if percent <= 0.0:
                return 999999999.9
            if percent >= 1.0:
                return 0.0
            lo = math.log(float(self.sigma_min))
            return math.exp((math.log(float(self.sigma_max)) - lo) * (1.0 - percent) + lo)

        def calculate_denoised(self, sigma, model_output, model_input):
            if self.prediction != "edm":
                return super().calculate_denoised(sigma, model_output, model_input)
            s = sigma.reshape((-1,) + (1,) * (model_output.ndim - 1))
            sd = self.sigma_data
            return model_input * sd ** 2 / (s ** 2 + sd ** 2) + model_output * s * sd / (s ** 2 + sd ** 2) ** 0.5

    return ContinuousEDMSampling()


class ModelSamplingDiscrete:
    DESCRIPTION = ("Overrides the model's parameterisation (eps, v-prediction, LCM, x0, img_to_img) and "
                   "optionally uses zero-terminal-SNR sigmas.")
    CATEGORY = "advanced/model"
    RETURN_TYPES = ("MODEL",)
    FUNCTION = "patch"
    SAMPLING = ["eps", "v_prediction", "lcm", "x0", "img_to_img"]

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",),
                             "sampling": (list(cls.SAMPLING),),
                             "zsnr": ("BOOLEAN", {"default": False})}}

    def patch(self, model, sampling: str, zsnr: bool):
        if sampling not in self.SAMPLING:
            raise NodeInputError(f"ModelSamplingDiscrete: sampling must be one of {self.SAMPLING}, got {sampling!r}")
        m = _clone(model, "ModelSamplingDiscrete")
        m.model_sampling = discrete_sampling(sampling, bool(zsnr))
        return (m,)


class ModelSamplingContinuousEDM:
    DESCRIPTION = ("Samples the model with continuous EDM-style sigmas between sigma_min and sigma_max (eps, "
                   "v-prediction or EDM outputs).")
    CATEGORY = "advanced/model"
    RETURN_TYPES = ("MODEL",)
    FUNCTION = "patch"
    SAMPLING = ["v_prediction", "edm", "edm_playground_v2.5", "eps", "cosmos_rflow"]
    SUPPORTED = ("v_prediction", "edm", "eps")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "model": ("MODEL",),
            "sampling": (list(cls.SAMPLING),),
            "sigma_max": ("FLOAT", {"default": 120.0, "min": 0.0, "max": 1000.0, "step": 0.001, "round": False}),
            "sigma_min": ("FLOAT", {"default": 0.002, "min": 0.0, "max": 1000.0, "step": 0.001, "round": False}),
        }}

    def patch(self, model, sampling: str, sigma_max: float, sigma_min: float):
        if sampling not in self.SUPPORTED:
            raise NodeInputError(
                f"ModelSamplingContinuousEDM: sampling {sampling!r} is not supported for SD1.x/SD2.x/SDXL models "
                f"(its latent format or flow parameterisation is not implemented); use one of {list(self.SUPPORTED)}")
        if not 0.0 < float(sigma_min) < float(sigma_max):
            raise NodeInputError(f"ModelSamplingContinuousEDM: need 0 < sigma_min < sigma_max, got sigma_min="
                                 f"{sigma_min}, sigma_max={sigma_max}")
        m = _clone(model, "ModelSamplingContinuousEDM")
        m.model_sampling = continuous_edm_sampling(sampling, float(sigma_min), float(sigma_max))
        return (m,)


# ----------------------------------------------------------------------------- Deep Shrink
class PatchModelAddDownscale:
    DESCRIPTION = ("Kohya Deep Shrink: downscales the features after one input block during the first steps "
                   "and upscales them back on the output side.")
    CATEGORY = "model_patches/unet"
    RETURN_TYPES = ("MODEL",)
    FUNCTION = "patch"
    UPSCALE_METHODS = ["bicubic", "nearest-exact", "bilinear", "area", "bislerp"]

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "model": ("MODEL",),
            "block_number": ("INT", {"default": 3, "min": 1, "max": 32, "step": 1}),
            "downscale_factor": ("FLOAT", {"default": 2.0, "min": 0.1, "max": 9.0, "step": 0.001}),
            "start_percent": ("FLOAT", {"default": 0.0, "min": 0.0, "max": 1.0, "step": 0.001}),
            "end_percent": ("FLOAT", {"default": 0.35, "min": 0.0, "max": 1.0, "step": 0.001}),
            "downscale_after_skip": ("BOOLEAN", {"default": True}),
            "downscale_method": (list(cls.UPSCALE_METHODS),),
            "upscale_method": (list(cls.UPSCALE_METHODS),),
        }}

    def patch(self, model, block_number: int, downscale_factor: float, start_percent: float, end_percent: float,
              downscale_after_skip: bool, downscale_method: str, upscale_method: str):
        from .resize import common_upscale

        for name, method in (("downscale_method", downscale_method), ("upscale_method", upscale_method)):
            if method not in self.UPSCALE_METHODS:
                raise NodeInputError(f"PatchModelAddDownscale: {name} must be one of {self.UPSCALE_METHODS}, "
                                     f"got {method!r}")
        ms = model.model_sampling
        sigma_start = float(ms.percent_to_sigma(start_percent))
        sigma_end = float(ms.percent_to_sigma(end_percent))
        factor = float(downscale_factor)

        def input_block_patch(h: torch.Tensor, transformer_options: dict) -> torch.Tensor:
            if transformer_options["block"][1] == block_number:
                sigma = float(transformer_options["sigmas"][0])
                if sigma_end <= sigma <= sigma_start:
                    h = common_upscale(h, round(h.shape[-1] / factor), round(h.shape[-2] / factor),
                                       downscale_method, "disabled")
            return h

        def output_block_patch(h: torch.Tensor, skip: torch.Tensor, transformer_options: dict):
            if h.shape[2] != skip.shape[2]:
                h = common_upscale(h, skip.shape[-1], skip.shape[-2], upscale_method, "disabled")
            return h, skip

        m = _clone(model, "PatchModelAddDownscale")
        if downscale_after_skip:
            m.set_model_input_block_patch_after_skip(input_block_patch)
        else:
            m.set_model_input_block_patch(input_block_patch)
        m.set_model_output_block_patch(output_block_patch)
        return (m,)


# ----------------------------------------------------------------------------- Perp-Neg
def perp_neg(pos_pred: torch.Tensor, neg_pred: torch.Tensor, empty_pred: torch.Tensor, neg_scale: float,
             cond_scale: float) -> torch.Tensor:
    """Perp-Neg guidance: the negative's direction minus its projection on the positive's (both
    relative to the empty prompt, projection over the whole batch) is pushed away from."""
    pos = pos_pred - empty_pred
    neg = neg_pred - empty_pred
    perp = neg - (torch.mul(neg, pos).sum() / torch.norm(pos) ** 2) * pos
    return empty_pred + cond_scale * (pos - perp * neg_scale)


class _EmptyCondCache:
    """The PerpNeg node's empty conditioning, prepared for the latent shape being sampled."""

    def __init__(self, conditioning: list) -> None:
        self.conditioning = conditioning
        self._key = None
        self._entries = None

    def entries(self, model, x: torch.Tensor) -> list[dict]:
        from engine.diffusion.sampling.conditioning import (add_sigma_range, convert_conditioning,
                                                            encode_model_inputs, resolve_areas_and_masks)
        key = (id(model), tuple(x.shape), x.device)
        if key != self._key:
            c = convert_conditioning(self.conditioning, "empty_conditioning")
            c = [{**e, "prompt_type": "negative"} for e in c]
            c = resolve_areas_and_masks(c, x.shape[-2], x.shape[-1], x.device)
            c = add_sigma_range(c, model.model_sampling)
            self._entries = encode_model_inputs(model, c, x.shape, x.device, "negative")
            self._key = key
        return self._entries


class PerpNeg:
    DESCRIPTION = ("Perp-Neg guidance as a model patch: only the part of the negative prompt perpendicular to "
                   "the positive one pushes away (deprecated by PerpNegGuider).")
    CATEGORY = "_for_testing"
    RETURN_TYPES = ("MODEL",)
    FUNCTION = "patch"
    EXPERIMENTAL = True
    DEPRECATED = True

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",),
                             "empty_conditioning": ("CONDITIONING",),
                             "neg_scale": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 100.0, "step": 0.01})}}

    def patch(self, model, empty_conditioning: list, neg_scale: float):
        m = _clone(model, "PerpNeg")
        empty = _EmptyCondCache(empty_conditioning)
        scale = float(neg_scale)

        def cfg_function(args: dict) -> torch.Tensor:
            denoiser = args.get("denoiser")
            if denoiser is None:
                raise RuntimeError("PerpNeg: this sampler does not hand its denoiser to the CFG function "
                                   "(use KSampler/SamplerCustom with a CFGGuider, or PerpNegGuider)")
            x, sigma = args["input"], args["sigma"]
            (empty_pred,) = denoiser.calc_cond_batch([empty.entries(denoiser.model, x)], x, sigma,
                                                     args.get("model_options") or {})
            return x - perp_neg(args["cond_denoised"], args["uncond_denoised"], empty_pred, scale,
                                args["cond_scale"])

        m.set_model_sampler_cfg_function(cfg_function)
        return (m,)


@functools.cache   # the classes are made once (their imports need torch), not on every get_guider call
def _perp_neg_guider_class():
    from engine.diffusion.sampling.custom import CFGGuider, _prepare_lists
    from engine.diffusion.sampling.conditioning import share_control_with_uncond
    from engine.diffusion.sampling.denoiser import CFGDenoiser

    class PerpNegDenoiser(CFGDenoiser):
        """Positive, negative and empty prompt in one batched pass, combined by perp_neg."""

        def __init__(self, model, positive, negative, empty, cfg: float, neg_scale: float) -> None:
            super().__init__(model, positive, negative, cfg)
            self.empty, self.neg_scale = empty, float(neg_scale)

        def __call__(self, x, sigma, model_options=None, seed=None, **unused):
            options = {**self.model_options, **(model_options or {})}
            post = list(self.model_options.get("sampler_post_cfg_function", [])) + \
                list((model_options or {}).get("sampler_post_cfg_function", []))
            negative, empty = self.negative, self.empty
            if not options.get("disable_cfg1_optimization", False) and math.isclose(self.neg_scale, 0.0):
                negative = None
                if math.isclose(self.cfg, 1.0):
                    empty = None
            preds = self.calc_cond_batch([self.positive, negative, empty], x, sigma, options)
            pos_p, neg_p, empty_p = (torch.zeros_like(x) if p is None else p for p in preds)
            result = perp_neg(pos_p, neg_p, empty_p, self.neg_scale, self.cfg)
            for fn in post:
                result = fn({"denoised": result, "cond": self.positive, "uncond": negative, "cond_scale": self.cfg,
                             "model": self.model, "uncond_denoised": neg_p, "cond_denoised": pos_p, "sigma": sigma,
                             "model_options": options, "input": x, "empty_cond": empty,
                             "empty_cond_denoised": empty_p})
            return result

    class PerpNegGuiderObject(CFGGuider):
        """GUIDER of PerpNegGuider (set_conds(positive, negative, empty), set_cfg(cfg, neg_scale))."""

        def __init__(self, model) -> None:
            super().__init__(model)
            self.neg_scale = 1.0

        def set_conds(self, positive: list, negative: list,  # type: ignore[override]
                      empty_negative_prompt: list) -> None:
            self.conds = {"positive": positive, "negative": negative, "empty_negative_prompt": empty_negative_prompt}

        def set_cfg(self, cfg: float, neg_scale: float = 1.0) -> None:  # type: ignore[override]
            self.cfg, self.neg_scale = float(cfg), float(neg_scale)

        def build_denoiser(self, latent, mask, device):
            self._require_conds("positive", "negative", "empty_negative_prompt")
            pos, neg, empty = _prepare_lists(
                self.model, [("positive", self.conds["positive"], "positive", False),
                             ("negative", self.conds["negative"], "negative", False),
                             ("empty_conditioning", self.conds["empty_negative_prompt"], "negative", True)],
                latent, mask, device)
            share_control_with_uncond(pos, neg)
            return PerpNegDenoiser(self.model, pos, neg, empty, self.cfg, self.neg_scale)

    return PerpNegGuiderObject


class PerpNegGuider:
    DESCRIPTION = ("A guider using Perp-Neg: positive, negative and empty prompts combined so the negative "
                   "does not cancel the positive.")
    CATEGORY = "_for_testing"
    RETURN_TYPES = ("GUIDER",)
    FUNCTION = "get_guider"
    EXPERIMENTAL = True

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "model": ("MODEL",),
            "positive": ("CONDITIONING",),
            "negative": ("CONDITIONING",),
            "empty_conditioning": ("CONDITIONING",),
            "cfg": ("FLOAT", {"default": 8.0, "min": 0.0, "max": 100.0, "step": 0.1, "round": 0.01}),
            "neg_scale": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 100.0, "step": 0.01}),
        }}

    def get_guider(self, model, positive: list, negative: list, empty_conditioning: list, cfg: float,
                   neg_scale: float):
        if model is None:
            raise NodeInputError("PerpNegGuider: model input is None")
        guider = _perp_neg_guider_class()(model)
        guider.set_conds(positive, negative, empty_conditioning)
        guider.set_cfg(cfg, neg_scale)
        return (guider,)


NODE_CLASS_MAPPINGS = {
    "RescaleCFG": RescaleCFG,
    "FreeU": FreeU,
    "FreeU_V2": FreeU_V2,
    "ModelSamplingDiscrete": ModelSamplingDiscrete,
    "ModelSamplingContinuousEDM": ModelSamplingContinuousEDM,
    "PatchModelAddDownscale": PatchModelAddDownscale,
    "PerpNeg": PerpNeg,
    "PerpNegGuider": PerpNegGuider,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "PatchModelAddDownscale": "PatchModelAddDownscale (Kohya Deep Shrink)",
    "PerpNeg": "Perp-Neg (DEPRECATED by PerpNegGuider)",
}
