"""SamplerCustom / SamplerCustomAdvanced with their NOISE and GUIDER nodes (ComfyUI's
comfy_extras/nodes_custom_sampler.py); the SIGMAS and SAMPLER nodes are in custom_sampler_sigmas.py."""
from __future__ import annotations

import torch

from ._common import SEED_MAX, NodeInputError
from .custom_sampler_sigmas import CAT, check_sigmas
from .sampling import fix_empty_latent_channels, make_step_callback

CFG_INPUT = ("FLOAT", {"default": 8.0, "min": 0.0, "max": 100.0, "step": 0.1, "round": 0.01})
SEED_INPUT = ("INT", {"default": 0, "min": 0, "max": SEED_MAX, "control_after_generate": True})


def _check_inputs(node_name: str, latent, sampler, sigmas) -> torch.Tensor:
    from engine.diffusion.sampling.custom import Sampler
    if not isinstance(latent, dict) or "samples" not in latent:
        raise NodeInputError(f"{node_name}: input 'latent_image' must be a LATENT dict with 'samples'")
    if not isinstance(sampler, Sampler):
        raise NodeInputError(f"{node_name}: input 'sampler' must be a SAMPLER (from KSamplerSelect or a "
                             f"Sampler* node), got {type(sampler).__name__}")
    return check_sigmas(node_name, sigmas)


def _outputs(latent: dict, samples: torch.Tensor, denoised: torch.Tensor) -> tuple[dict, dict]:
    out = latent.copy()
    out["samples"] = samples
    out_denoised = latent.copy()
    out_denoised["samples"] = denoised
    return out, out_denoised


class SamplerCustom:
    CATEGORY = CAT
    RETURN_TYPES = ("LATENT", "LATENT")
    RETURN_NAMES = ("output", "denoised_output")
    FUNCTION = "sample"
    DESCRIPTION = "Samples with a SAMPLER along SIGMAS under classifier-free guidance; also outputs the last x0."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "model": ("MODEL",),
            "add_noise": ("BOOLEAN", {"default": True}),
            "noise_seed": SEED_INPUT,
            "cfg": CFG_INPUT,
            "positive": ("CONDITIONING",),
            "negative": ("CONDITIONING",),
            "sampler": ("SAMPLER",),
            "sigmas": ("SIGMAS",),
            "latent_image": ("LATENT",),
        }}

    def sample(self, model, add_noise: bool, noise_seed: int, cfg: float, positive: list, negative: list,
               sampler, sigmas, latent_image: dict):
        from engine.diffusion.sampling.custom import EmptyNoise, RandomNoise, sample_custom
        if model is None:
            raise NodeInputError("SamplerCustom: input 'model' is None")
        sigmas = _check_inputs("SamplerCustom", latent_image, sampler, sigmas)
        latent = latent_image.copy()
        latent["samples"] = fix_empty_latent_channels(model, latent["samples"])
        noise = (RandomNoise(noise_seed) if add_noise else EmptyNoise()).generate_noise(latent)
        samples, denoised = sample_custom(model, noise, cfg, sampler, sigmas, positive, negative, latent["samples"],
                                          noise_mask=latent.get("noise_mask"),
                                          callback=make_step_callback(self, model), seed=noise_seed)
        return _outputs(latent, samples, denoised)


class SamplerCustomAdvanced:
    CATEGORY = CAT
    RETURN_TYPES = ("LATENT", "LATENT")
    RETURN_NAMES = ("output", "denoised_output")
    FUNCTION = "sample"
    DESCRIPTION = "Samples with separate NOISE, GUIDER, SAMPLER and SIGMAS inputs; also outputs the last x0."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"noise": ("NOISE",), "guider": ("GUIDER",), "sampler": ("SAMPLER",),
                             "sigmas": ("SIGMAS",), "latent_image": ("LATENT",)}}

    def sample(self, noise, guider, sampler, sigmas, latent_image: dict):
        from engine.diffusion.sampling.custom import sample_with_sigmas
        if not callable(getattr(noise, "generate_noise", None)) or not hasattr(noise, "seed"):
            raise NodeInputError(f"SamplerCustomAdvanced: input 'noise' must be a NOISE (RandomNoise or "
                                 f"DisableNoise), got {type(noise).__name__}")
        if not hasattr(guider, "build_denoiser") or getattr(guider, "model", None) is None:
            raise NodeInputError(f"SamplerCustomAdvanced: input 'guider' must be a GUIDER (BasicGuider, CFGGuider "
                                 f"or DualCFGGuider), got {type(guider).__name__}")
        sigmas = _check_inputs("SamplerCustomAdvanced", latent_image, sampler, sigmas)
        model = guider.model
        latent = latent_image.copy()
        latent["samples"] = fix_empty_latent_channels(model, latent["samples"])
        samples, denoised = sample_with_sigmas(model, noise.generate_noise(latent), sigmas, sampler, guider,
                                               latent["samples"], noise_mask=latent.get("noise_mask"),
                                               callback=make_step_callback(self, model), seed=noise.seed)
        return _outputs(latent, samples, denoised)


class RandomNoise:
    DESCRIPTION = "Seeded initial noise, the same as KSampler's for that seed."
    CATEGORY = CAT + "/noise"
    RETURN_TYPES = ("NOISE",)
    FUNCTION = "get_noise"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"noise_seed": SEED_INPUT}}

    def get_noise(self, noise_seed: int):
        from engine.diffusion.sampling.custom import RandomNoise as Noise
        return (Noise(noise_seed),)


class DisableNoise:
    DESCRIPTION = 'No initial noise (zeros), e.g. to continue a partly sampled latent.'
    CATEGORY = CAT + "/noise"
    RETURN_TYPES = ("NOISE",)
    FUNCTION = "get_noise"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {}}

    def get_noise(self):
        from engine.diffusion.sampling.custom import EmptyNoise
        return (EmptyNoise(),)


def _require_model(node_name: str, model):
    if getattr(model, "model_sampling", None) is None:
        raise NodeInputError(f"{node_name}: input 'model' is not a MODEL")
    return model


class BasicGuider:
    DESCRIPTION = 'Guides with one conditioning alone (no classifier-free guidance).'
    CATEGORY = CAT + "/guiders"
    RETURN_TYPES = ("GUIDER",)
    FUNCTION = "get_guider"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",), "conditioning": ("CONDITIONING",)}}

    def get_guider(self, model, conditioning: list):
        from engine.diffusion.sampling.custom import BasicGuider as Guider
        guider = Guider(_require_model("BasicGuider", model))
        guider.set_conds(conditioning)
        return (guider,)


class CFGGuider:
    DESCRIPTION = 'Classifier-free guidance of positive against negative at cfg.'
    CATEGORY = CAT + "/guiders"
    RETURN_TYPES = ("GUIDER",)
    FUNCTION = "get_guider"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",), "positive": ("CONDITIONING",), "negative": ("CONDITIONING",),
                             "cfg": CFG_INPUT}}

    def get_guider(self, model, positive: list, negative: list, cfg: float):
        from engine.diffusion.sampling.custom import CFGGuider as Guider
        guider = Guider(_require_model("CFGGuider", model))
        guider.set_conds(positive, negative)
        guider.set_cfg(cfg)
        return (guider,)


class DualCFGGuider:
    DESCRIPTION = ("Two guidance scales: cond1 against cond2 (cfg_conds) and cond2 against negative "
                   "(cfg_cond2_negative).")
    CATEGORY = CAT + "/guiders"
    RETURN_TYPES = ("GUIDER",)
    FUNCTION = "get_guider"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",), "cond1": ("CONDITIONING",), "cond2": ("CONDITIONING",),
                             "negative": ("CONDITIONING",), "cfg_conds": CFG_INPUT, "cfg_cond2_negative": CFG_INPUT,
                             "style": (["regular", "nested"],)}}

    def get_guider(self, model, cond1: list, cond2: list, negative: list, cfg_conds: float,
                   cfg_cond2_negative: float, style: str = "regular"):
        from engine.diffusion.sampling.custom import DualCFGGuider as Guider
        if style not in ("regular", "nested"):
            raise NodeInputError(f"DualCFGGuider: style must be 'regular' or 'nested', got {style!r}")
        guider = Guider(_require_model("DualCFGGuider", model))
        guider.set_conds(cond1, cond2, negative)
        guider.set_cfg(cfg_conds, cfg_cond2_negative, nested=style == "nested")
        return (guider,)


NODE_CLASS_MAPPINGS = {
    "SamplerCustom": SamplerCustom, "SamplerCustomAdvanced": SamplerCustomAdvanced,
    "RandomNoise": RandomNoise, "DisableNoise": DisableNoise,
    "BasicGuider": BasicGuider, "CFGGuider": CFGGuider, "DualCFGGuider": DualCFGGuider,
}
