"""More SIGMAS helpers of ComfyUI's custom sampling: LaplaceScheduler, SetFirstSigma, ManualSigmas and
SamplingPercentToSigma."""
from __future__ import annotations

import re

import torch

from ._common import NodeInputError
from .custom_sampler_sigmas import CAT, SIGMA_MAX_DEFAULT, SIGMA_MIN_DEFAULT, _float, _steps, check_sigmas, \
    model_sampling_of

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


NODE_CLASS_MAPPINGS = {
    "LaplaceScheduler": LaplaceScheduler, "SetFirstSigma": SetFirstSigma, "ManualSigmas": ManualSigmas,
    "SamplingPercentToSigma": SamplingPercentToSigma,
}
