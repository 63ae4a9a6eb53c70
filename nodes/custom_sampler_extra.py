"""More of ComfyUI's custom sampling nodes: LaplaceScheduler, SetFirstSigma, ManualSigmas,
SamplingPercentToSigma, ExtendIntermediateSigmas, AddNoise and the SEEDS-2 / ER-SDE / SA-Solver samplers."""
from __future__ import annotations

import re

import torch

from ._common import NodeInputError
from .custom_sampler_sigmas import CAT, SIGMA_MAX_DEFAULT, SIGMA_MIN_DEFAULT, _float, _steps, check_sigmas, \
    make_sampler, model_sampling_of

_NUMBER = re.compile(r"[-+]?\d*\.?\d+")


class LaplaceScheduler:
    CATEGORY = CAT + "/schedulers"
    RETURN_TYPES = ("SIGMAS",)
    FUNCTION = "get_sigmas"
    DESCRIPTION = ("Laplace schedule (Tiankai et al. 2024) clamped to [sigma_min, sigma_max]; like ComfyUI's it "
                   "has no trailing 0.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"steps": _steps(), "sigma_max": _float(SIGMA_MAX_DEFAULT),
                             "sigma_min": _float(SIGMA_MIN_DEFAULT), "mu": _float(0.0, -10.0, 10.0, 0.1),
                             "beta": _float(0.5, 0.0, 10.0, 0.1)}}

    def get_sigmas(self, steps: int, sigma_max: float, sigma_min: float, mu: float, beta: float):
        from engine.diffusion.sampling.custom import get_sigmas_laplace
        return (get_sigmas_laplace(steps, sigma_min, sigma_max, mu, beta),)


class SetFirstSigma:
    CATEGORY = CAT + "/sigmas"
    RETURN_TYPES = ("SIGMAS",)
    FUNCTION = "set_first_sigma"
    DESCRIPTION = "Replaces the first sigma of a list (a copy) with the given value."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"sigmas": ("SIGMAS",), "sigma": _float(136.0, 0.0, 20000.0, 0.001)}}

    def set_first_sigma(self, sigmas, sigma: float):
        sigmas = check_sigmas("SetFirstSigma", sigmas)
        if sigmas.numel() == 0:
            raise NodeInputError("SetFirstSigma: input 'sigmas' is empty")
        sigmas = sigmas.clone()
        sigmas[0] = sigma
        return (sigmas,)


class ManualSigmas:
    CATEGORY = CAT + "/sigmas"
    RETURN_TYPES = ("SIGMAS",)
    FUNCTION = "get_sigmas"
    DESCRIPTION = "Sigmas typed as a list of numbers, e.g. '14.6, 3, 1, 0'."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"sigmas": ("STRING", {"default": "1, 0.5", "multiline": False})}}

    def get_sigmas(self, sigmas: str):
        return (torch.FloatTensor([float(v) for v in _NUMBER.findall(str(sigmas))]),)


class SamplingPercentToSigma:
    CATEGORY = CAT + "/sigmas"
    RETURN_TYPES = ("FLOAT",)
    RETURN_NAMES = ("sigma_value",)
    FUNCTION = "get_sigma"
    DESCRIPTION = ("The model's sigma at a sampling percentage (0 = start, 1 = end); return_actual_sigma gives "
                   "sigma_max / sigma_min at the ends instead of the interval-check values.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "model": ("MODEL",),
            "sampling_percent": ("FLOAT", {"default": 0.0, "min": 0.0, "max": 1.0, "step": 0.0001}),
            "return_actual_sigma": ("BOOLEAN", {"default": False, "tooltip": "Return the actual sigma value instead "
                                                "of the value used for interval checks.\nThis only affects "
                                                "results at 0.0 and 1.0."}),
        }}

    def get_sigma(self, model, sampling_percent: float, return_actual_sigma: bool):
        ms = model_sampling_of("SamplingPercentToSigma", model)
        value = ms.percent_to_sigma(sampling_percent)
        if return_actual_sigma:
            if sampling_percent == 0.0:
                value = float(ms.sigma_max)
            elif sampling_percent == 1.0:
                value = float(ms.sigma_min)
        return (float(value),)


class ExtendIntermediateSigmas:
    CATEGORY = CAT + "/sigmas"
    RETURN_TYPES = ("SIGMAS",)
    FUNCTION = "extend"
    DESCRIPTION = ("Adds steps - 1 sigmas inside each interval whose upper sigma lies between end_at_sigma and "
                   "start_at_sigma (-1: no upper bound), with linear, cosine or sine spacing.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "sigmas": ("SIGMAS",), "steps": ("INT", {"default": 2, "min": 1, "max": 100}),
            "start_at_sigma": _float(-1.0, -1.0, 20000.0), "end_at_sigma": _float(12.0, 0.0, 20000.0),
            "spacing": (["linear", "cosine", "sine"],),
        }}

    def extend(self, sigmas, steps: int, start_at_sigma: float, end_at_sigma: float, spacing: str):
        from engine.diffusion.sampling.custom import extend_intermediate_sigmas
        sigmas = check_sigmas("ExtendIntermediateSigmas", sigmas)
        try:
            return (extend_intermediate_sigmas(sigmas, steps, start_at_sigma, end_at_sigma, spacing),)
        except ValueError as exc:
            raise NodeInputError(f"ExtendIntermediateSigmas: {exc}") from exc


class AddNoise:
    CATEGORY = CAT + "/noise"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "add_noise"
    DESCRIPTION = "Adds NOISE to a latent at the level of the sigma range (|first - last| sigma)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",), "noise": ("NOISE",), "sigmas": ("SIGMAS",),
                             "latent_image": ("LATENT",)}}

    def add_noise(self, model, noise, sigmas, latent_image: dict):
        from engine.diffusion.sampling.custom import add_noise
        model_sampling_of("AddNoise", model)
        sigmas = check_sigmas("AddNoise", sigmas)
        if not isinstance(latent_image, dict) or "samples" not in latent_image:
            raise NodeInputError("AddNoise: input 'latent_image' must be a LATENT dict with 'samples'")
        if not callable(getattr(noise, "generate_noise", None)):
            raise NodeInputError(f"AddNoise: input 'noise' must be a NOISE, got {type(noise).__name__}")
        if len(sigmas) == 0:
            return (latent_image,)
        out = latent_image.copy()
        out["samples"] = add_noise(model, noise.generate_noise(latent_image), sigmas, latent_image["samples"])
        return (out,)


class SamplerSEEDS2:
    CATEGORY = CAT + "/samplers"
    RETURN_TYPES = ("SAMPLER",)
    FUNCTION = "get_sampler"
    DESCRIPTION = ("SEEDS-2 SAMPLER. Defaults: seeds_2; solver_type phi_2, r 1.0, eta 0.0: exp_heun_2_x0; "
                   "phi_2, r 1.0, eta 1.0, s_noise 1.0: exp_heun_2_x0_sde.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "solver_type": (["phi_1", "phi_2"],),
            "eta": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 100.0, "step": 0.01, "round": False,
                              "tooltip": "Stochastic strength"}),
            "s_noise": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 100.0, "step": 0.01, "round": False,
                                  "tooltip": "SDE noise multiplier"}),
            "r": ("FLOAT", {"default": 0.5, "min": 0.01, "max": 1.0, "step": 0.01, "round": False,
                            "tooltip": "Relative step size for the intermediate stage (c2 node)"}),
        }}

    def get_sampler(self, solver_type: str, eta: float, s_noise: float, r: float):
        return make_sampler("SamplerSEEDS2", "seeds_2", {"eta": eta, "s_noise": s_noise, "r": r,
                                                         "solver_type": solver_type})


class SamplerER_SDE:
    CATEGORY = CAT + "/samplers"
    RETURN_TYPES = ("SAMPLER",)
    FUNCTION = "get_sampler"
    DESCRIPTION = "ER-SDE SAMPLER with the ER-SDE, reverse-time SDE or ODE noise scaler."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "solver_type": (["ER-SDE", "Reverse-time SDE", "ODE"],),
            "max_stage": ("INT", {"default": 3, "min": 1, "max": 3}),
            "eta": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 10.0, "step": 0.01, "round": False,
                              "tooltip": "Stochastic strength of SDEs.\nWhen eta=0, they reduce to deterministic "
                                         "ODE.\nLarge eta may cause invalid outputs. If this occurs, try decreasing "
                                         "this value."}),
            "s_noise": _float(1.0, hi=100.0),
        }}

    def get_sampler(self, solver_type: str, max_stage: int, eta: float, s_noise: float):
        from engine.diffusion.sampling.custom import er_sde_noise_scaler
        if solver_type == "ODE" or eta == 0:
            solver_type, s_noise = "ODE", 0.0
        try:
            scaler = er_sde_noise_scaler(solver_type, eta)
        except ValueError as exc:
            raise NodeInputError(f"SamplerER_SDE: {exc}") from exc
        return make_sampler("SamplerER_SDE", "er_sde", {"s_noise": s_noise, "noise_scaler": scaler,
                                                        "max_stage": max_stage})


class SamplerSASolver:
    CATEGORY = CAT + "/samplers"
    RETURN_TYPES = ("SAMPLER",)
    FUNCTION = "get_sampler"
    DESCRIPTION = "SA-Solver SAMPLER: SDE noise (eta) only between sde_start_percent and sde_end_percent."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "model": ("MODEL",),
            "eta": _float(1.0, hi=10.0),
            "sde_start_percent": ("FLOAT", {"default": 0.2, "min": 0.0, "max": 1.0, "step": 0.001}),
            "sde_end_percent": ("FLOAT", {"default": 0.8, "min": 0.0, "max": 1.0, "step": 0.001}),
            "s_noise": _float(1.0, hi=100.0),
            "predictor_order": ("INT", {"default": 3, "min": 1, "max": 6}),
            "corrector_order": ("INT", {"default": 4, "min": 0, "max": 6}),
            "use_pece": ("BOOLEAN", {"default": False}),
            "simple_order_2": ("BOOLEAN", {"default": False}),
        }}

    def get_sampler(self, model, eta: float, sde_start_percent: float, sde_end_percent: float, s_noise: float,
                    predictor_order: int, corrector_order: int, use_pece: bool, simple_order_2: bool):
        from engine.diffusion.sampling.samplers_exponential import _tau_interval
        if simple_order_2:
            raise NodeInputError("SamplerSASolver: simple_order_2 is not supported by this engine's SA-Solver")
        ms = model_sampling_of("SamplerSASolver", model)
        tau = _tau_interval(ms.percent_to_sigma(sde_start_percent), ms.percent_to_sigma(sde_end_percent), eta)
        return make_sampler("SamplerSASolver", "sa_solver", {
            "tau_func": tau, "s_noise": s_noise, "predictor_order": predictor_order,
            "corrector_order": corrector_order, "use_pece": use_pece})


NODE_CLASS_MAPPINGS = {
    "LaplaceScheduler": LaplaceScheduler, "SetFirstSigma": SetFirstSigma, "ManualSigmas": ManualSigmas,
    "SamplingPercentToSigma": SamplingPercentToSigma, "ExtendIntermediateSigmas": ExtendIntermediateSigmas,
    "AddNoise": AddNoise, "SamplerSEEDS2": SamplerSEEDS2, "SamplerER_SDE": SamplerER_SDE,
    "SamplerSASolver": SamplerSASolver,
}
