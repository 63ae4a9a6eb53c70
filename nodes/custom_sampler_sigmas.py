"""Custom sampling helpers that make SIGMAS and SAMPLER values: scheduler nodes, sigma list
operations and sampler nodes with options (ComfyUI's comfy_extras/nodes_custom_sampler.py)."""
from __future__ import annotations

import torch

from ._common import NodeInputError
from .sampling import sampler_names, scheduler_names

CAT = "sampling/custom_sampling"
SIGMA_MAX_DEFAULT = 14.614642
SIGMA_MIN_DEFAULT = 0.0291675


def _float(default: float, lo: float = 0.0, hi: float = 5000.0, step: float = 0.01) -> tuple:
    return ("FLOAT", {"default": default, "min": lo, "max": hi, "step": step, "round": False})


def _steps(default: int = 20, hi: int = 10000) -> tuple:
    return ("INT", {"default": default, "min": 1, "max": hi})


def check_sigmas(node_name: str, sigmas) -> torch.Tensor:
    """A SIGMAS input must be a 1-D tensor; the error names the node and the input."""
    if not torch.is_tensor(sigmas) or sigmas.ndim != 1:
        got = tuple(sigmas.shape) if torch.is_tensor(sigmas) else type(sigmas).__name__
        raise NodeInputError(f"{node_name}: input 'sigmas' must be a 1-D float tensor (SIGMAS), got {got}")
    return sigmas


def model_sampling_of(node_name: str, model):
    ms = getattr(model, "model_sampling", None)
    if ms is None:
        raise NodeInputError(f"{node_name}: input 'model' is not a MODEL (no model_sampling)")
    return ms


class _SigmasNode:
    RETURN_TYPES = ("SIGMAS",)
    FUNCTION = "get_sigmas"
    CATEGORY = CAT + "/schedulers"


class BasicScheduler(_SigmasNode):
    DESCRIPTION = 'Sigmas of a named scheduler for the model; denoise < 1 keeps the tail of a longer schedule.'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",), "scheduler": (scheduler_names(),), "steps": _steps(),
                             "denoise": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01})}}

    def get_sigmas(self, model, scheduler: str, steps: int, denoise: float):
        from engine.diffusion.sampling.schedules import calculate_sigmas
        ms = model_sampling_of("BasicScheduler", model)
        total = steps
        if denoise < 1.0:
            if denoise <= 0.0:
                return (torch.FloatTensor([]),)
            total = int(steps / denoise)
        try:
            sigmas = calculate_sigmas(ms, scheduler, total).cpu()
        except ValueError as exc:
            raise NodeInputError(f"BasicScheduler: {exc}") from exc
        return (sigmas[-(steps + 1):],)


class KarrasScheduler(_SigmasNode):
    DESCRIPTION = 'Karras et al. (2022) sigmas: evenly spaced in sigma^(1/rho) from sigma_max to sigma_min, then 0.'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"steps": _steps(), "sigma_max": _float(SIGMA_MAX_DEFAULT),
                             "sigma_min": _float(SIGMA_MIN_DEFAULT), "rho": _float(7.0, hi=100.0)}}

    def get_sigmas(self, steps: int, sigma_max: float, sigma_min: float, rho: float):
        from engine.diffusion.sampling.schedules import get_sigmas_karras
        return (get_sigmas_karras(steps, sigma_min, sigma_max, rho),)


class ExponentialScheduler(_SigmasNode):
    DESCRIPTION = 'Sigmas evenly spaced in log sigma from sigma_max to sigma_min, then 0.'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"steps": _steps(), "sigma_max": _float(SIGMA_MAX_DEFAULT),
                             "sigma_min": _float(SIGMA_MIN_DEFAULT)}}

    def get_sigmas(self, steps: int, sigma_max: float, sigma_min: float):
        from engine.diffusion.sampling.schedules import get_sigmas_exponential
        if sigma_min <= 0 or sigma_max <= 0:
            raise NodeInputError("ExponentialScheduler: sigma_min and sigma_max must be > 0 (log spacing)")
        return (get_sigmas_exponential(steps, sigma_min, sigma_max),)


class PolyexponentialScheduler(_SigmasNode):
    DESCRIPTION = 'Sigmas on a polynomial (power rho) ramp in log sigma; rho 1 is the exponential schedule.'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"steps": _steps(), "sigma_max": _float(SIGMA_MAX_DEFAULT),
                             "sigma_min": _float(SIGMA_MIN_DEFAULT), "rho": _float(1.0, hi=100.0)}}

    def get_sigmas(self, steps: int, sigma_max: float, sigma_min: float, rho: float):
        from engine.diffusion.sampling.custom import get_sigmas_polyexponential
        if sigma_min <= 0 or sigma_max <= 0:
            raise NodeInputError("PolyexponentialScheduler: sigma_min and sigma_max must be > 0 (log spacing)")
        return (get_sigmas_polyexponential(steps, sigma_min, sigma_max, rho),)


class SDTurboScheduler(_SigmasNode):
    DESCRIPTION = 'SD-Turbo sigmas: timesteps 999, 899, ... (steps of them, starting later for denoise < 1), then 0.'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",), "steps": _steps(1, 10),
                             "denoise": ("FLOAT", {"default": 1.0, "min": 0, "max": 1.0, "step": 0.01})}}

    def get_sigmas(self, model, steps: int, denoise: float):
        from engine.diffusion.sampling.custom import sd_turbo_sigmas
        return (sd_turbo_sigmas(model_sampling_of("SDTurboScheduler", model), steps, denoise),)


class BetaSamplingScheduler(_SigmasNode):
    DESCRIPTION = "Sigmas at Beta(alpha, beta) quantiles of the model's timesteps (arXiv:2407.12173)."
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",), "steps": _steps(), "alpha": _float(0.6, hi=50.0),
                             "beta": _float(0.6, hi=50.0)}}

    def get_sigmas(self, model, steps: int, alpha: float, beta: float):
        from engine.diffusion.sampling.schedules import beta_scheduler
        return (beta_scheduler(model_sampling_of("BetaSamplingScheduler", model), steps, alpha=alpha, beta=beta),)


class VPScheduler(_SigmasNode):
    DESCRIPTION = 'Sigmas of the continuous variance-preserving SDE (beta_d, beta_min, eps_s).'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"steps": _steps(), "beta_d": _float(19.9), "beta_min": _float(0.1),
                             "eps_s": _float(0.001, hi=1.0, step=0.0001)}}

    def get_sigmas(self, steps: int, beta_d: float, beta_min: float, eps_s: float):
        from engine.diffusion.sampling.custom import get_sigmas_vp
        return (get_sigmas_vp(steps, beta_d, beta_min, eps_s),)


class SplitSigmas:
    DESCRIPTION = 'Splits a sigma list at a step: high_sigmas up to and including it, low_sigmas from it on.'
    CATEGORY = CAT + "/sigmas"
    RETURN_TYPES = ("SIGMAS", "SIGMAS")
    RETURN_NAMES = ("high_sigmas", "low_sigmas")
    FUNCTION = "get_sigmas"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"sigmas": ("SIGMAS",), "step": ("INT", {"default": 0, "min": 0, "max": 10000})}}

    def get_sigmas(self, sigmas, step: int):
        sigmas = check_sigmas("SplitSigmas", sigmas)
        return (sigmas[:step + 1], sigmas[step:])


class SplitSigmasDenoise:
    DESCRIPTION = 'Splits a sigma list so low_sigmas holds the last round(steps * denoise) steps.'
    CATEGORY = CAT + "/sigmas"
    RETURN_TYPES = ("SIGMAS", "SIGMAS")
    RETURN_NAMES = ("high_sigmas", "low_sigmas")
    FUNCTION = "get_sigmas"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"sigmas": ("SIGMAS",),
                             "denoise": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01})}}

    def get_sigmas(self, sigmas, denoise: float):
        sigmas = check_sigmas("SplitSigmasDenoise", sigmas)
        steps = max(sigmas.shape[-1] - 1, 0)
        total = round(steps * denoise)
        # ComfyUI slices with -(total): at denoise 0 the high part is empty, as there
        return (sigmas[:-total], sigmas[-(total + 1):])


class FlipSigmas:
    DESCRIPTION = 'Reverses a sigma list (a leading 0 becomes 0.0001), e.g. for unsampling.'
    CATEGORY = CAT + "/sigmas"
    RETURN_TYPES = ("SIGMAS",)
    FUNCTION = "get_sigmas"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"sigmas": ("SIGMAS",)}}

    def get_sigmas(self, sigmas):
        sigmas = check_sigmas("FlipSigmas", sigmas)
        if len(sigmas) == 0:
            return (sigmas,)
        sigmas = sigmas.flip(0)  # a copy: the input stays untouched
        if sigmas[0] == 0:
            sigmas[0] = 0.0001
        return (sigmas,)


# ---- SAMPLER nodes ---------------------------------------------------------------------------------

def make_sampler(node_name: str, name: str, options: dict | None = None):
    from engine.diffusion.sampling.custom import Sampler
    try:
        return (Sampler(name, options),)
    except ValueError as exc:
        raise NodeInputError(f"{node_name}: {exc}") from exc


class _SamplerNode:
    RETURN_TYPES = ("SAMPLER",)
    FUNCTION = "get_sampler"
    CATEGORY = CAT + "/samplers"


def _noise_opts(eta_max: float = 100.0, s_noise_max: float = 100.0) -> dict:
    return {"eta": _float(1.0, hi=eta_max), "s_noise": _float(1.0, hi=s_noise_max)}


class KSamplerSelect(_SamplerNode):
    DESCRIPTION = 'A SAMPLER by KSampler name, with its default options.'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"sampler_name": (sampler_names(),)}}

    def get_sampler(self, sampler_name: str):
        return make_sampler("KSamplerSelect", sampler_name)


class SamplerEulerAncestral(_SamplerNode):
    DESCRIPTION = 'Euler ancestral SAMPLER with its eta and s_noise options.'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": _noise_opts()}

    def get_sampler(self, eta: float, s_noise: float):
        return make_sampler("SamplerEulerAncestral", "euler_ancestral", {"eta": eta, "s_noise": s_noise})


class SamplerEulerAncestralCFGPP(_SamplerNode):
    DESCRIPTION = 'Euler ancestral CFG++ SAMPLER with its eta and s_noise options.'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": _noise_opts(eta_max=1.0, s_noise_max=10.0)}

    def get_sampler(self, eta: float, s_noise: float):
        return make_sampler("SamplerEulerAncestralCFGPP", "euler_ancestral_cfg_pp", {"eta": eta, "s_noise": s_noise})


class SamplerDPMPP_2S_Ancestral(_SamplerNode):
    DESCRIPTION = 'DPM++ 2S ancestral SAMPLER with its eta and s_noise options.'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": _noise_opts()}

    def get_sampler(self, eta: float, s_noise: float):
        return make_sampler("SamplerDPMPP_2S_Ancestral", "dpmpp_2s_ancestral", {"eta": eta, "s_noise": s_noise})


class SamplerDPMPP_SDE(_SamplerNode):
    DESCRIPTION = 'DPM++ SDE SAMPLER (eta, s_noise, r; Brownian-tree noise on the GPU or CPU).'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {**_noise_opts(), "r": _float(0.5, hi=100.0), "noise_device": (["gpu", "cpu"],)}}

    def get_sampler(self, eta: float, s_noise: float, r: float, noise_device: str):
        name = "dpmpp_sde" if noise_device == "cpu" else "dpmpp_sde_gpu"
        return make_sampler("SamplerDPMPP_SDE", name, {"eta": eta, "s_noise": s_noise, "r": r})


class SamplerDPMPP_2M_SDE(_SamplerNode):
    DESCRIPTION = 'DPM++ 2M SDE SAMPLER (midpoint or heun solver, eta, s_noise, noise device).'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"solver_type": (["midpoint", "heun"],), **_noise_opts(),
                             "noise_device": (["gpu", "cpu"],)}}

    def get_sampler(self, solver_type: str, eta: float, s_noise: float, noise_device: str):
        name = "dpmpp_2m_sde" if noise_device == "cpu" else "dpmpp_2m_sde_gpu"
        return make_sampler("SamplerDPMPP_2M_SDE", name, {"eta": eta, "s_noise": s_noise, "solver_type": solver_type})


class SamplerDPMPP_3M_SDE(_SamplerNode):
    DESCRIPTION = 'DPM++ 3M SDE SAMPLER (eta, s_noise, noise device).'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {**_noise_opts(), "noise_device": (["gpu", "cpu"],)}}

    def get_sampler(self, eta: float, s_noise: float, noise_device: str):
        name = "dpmpp_3m_sde" if noise_device == "cpu" else "dpmpp_3m_sde_gpu"
        return make_sampler("SamplerDPMPP_3M_SDE", name, {"eta": eta, "s_noise": s_noise})


class SamplerLMS(_SamplerNode):
    DESCRIPTION = 'LMS SAMPLER of the given order.'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"order": ("INT", {"default": 4, "min": 1, "max": 100})}}

    def get_sampler(self, order: int):
        return make_sampler("SamplerLMS", "lms", {"order": order})


class SamplerDPMAdaptative(_SamplerNode):
    DESCRIPTION = 'Adaptive-step DPM-Solver SAMPLER with its tolerance and controller options.'
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "order": ("INT", {"default": 3, "min": 2, "max": 3}),
            "rtol": _float(0.05, hi=100.0), "atol": _float(0.0078, hi=100.0), "h_init": _float(0.05, hi=100.0),
            "pcoeff": _float(0.0, hi=100.0), "icoeff": _float(1.0, hi=100.0), "dcoeff": _float(0.0, hi=100.0),
            "accept_safety": _float(0.81, hi=100.0), "eta": _float(0.0, hi=100.0), "s_noise": _float(1.0, hi=100.0),
        }}

    def get_sampler(self, order: int, rtol: float, atol: float, h_init: float, pcoeff: float, icoeff: float,
                    dcoeff: float, accept_safety: float, eta: float, s_noise: float):
        if eta != 0.0:
            # the engine's dpm_adaptive is the deterministic solver; eta > 0 (ancestral steps) is not built
            raise NodeInputError(f"SamplerDPMAdaptative: eta {eta} is not supported (only eta 0, the default)")
        return make_sampler("SamplerDPMAdaptative", "dpm_adaptive", {
            "order": order, "rtol": rtol, "atol": atol, "h_init": h_init, "pcoeff": pcoeff, "icoeff": icoeff,
            "dcoeff": dcoeff, "accept_safety": accept_safety})


NODE_CLASS_MAPPINGS = {
    "BasicScheduler": BasicScheduler, "KarrasScheduler": KarrasScheduler, "ExponentialScheduler": ExponentialScheduler,
    "PolyexponentialScheduler": PolyexponentialScheduler, "SDTurboScheduler": SDTurboScheduler,
    "BetaSamplingScheduler": BetaSamplingScheduler, "VPScheduler": VPScheduler,
    "SplitSigmas": SplitSigmas, "SplitSigmasDenoise": SplitSigmasDenoise, "FlipSigmas": FlipSigmas,
    "KSamplerSelect": KSamplerSelect, "SamplerEulerAncestral": SamplerEulerAncestral,
    "SamplerEulerAncestralCFGPP": SamplerEulerAncestralCFGPP, "SamplerDPMPP_2S_Ancestral": SamplerDPMPP_2S_Ancestral,
    "SamplerDPMPP_SDE": SamplerDPMPP_SDE, "SamplerDPMPP_2M_SDE": SamplerDPMPP_2M_SDE,
    "SamplerDPMPP_3M_SDE": SamplerDPMPP_3M_SDE, "SamplerLMS": SamplerLMS, "SamplerDPMAdaptative": SamplerDPMAdaptative,
}
NODE_DISPLAY_NAME_MAPPINGS = {"SamplerEulerAncestralCFGPP": "SamplerEulerAncestralCFG++"}
