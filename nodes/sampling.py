"""KSampler and KSamplerAdvanced: seed -> noise -> sampler, with progress, previews and interrupt."""
from __future__ import annotations

from typing import Callable

import torch

from ._common import SEED_MAX, NodeInputError, check_interrupt, cli_arg, node_context, progress


def sampler_names() -> list[str]:
    from engine.diffusion.sampling.ksampler import SAMPLER_NAMES
    return list(SAMPLER_NAMES)


def scheduler_names() -> list[str]:
    from engine.diffusion.sampling.ksampler import SCHEDULER_NAMES
    return list(SCHEDULER_NAMES)


def make_step_callback(node, model) -> Callable:
    """Sampler callback: interrupt check, then progress (+ a preview when --preview-method asks) each step.

    "taesd" decodes x0 with models/vae_approx/<family's taesd decoder> (kept by the node between runs),
    falling back to latent2rgb with a one-time warning when that file is missing."""
    from engine.diffusion.preview import make_previewer
    from engine.diffusion.taesd import TAESDPreviewers

    method = cli_arg(node, "preview_method", "none")
    method = str(getattr(method, "value", method))
    family = getattr(model, "family", None)
    taesd = None
    ctx = node_context(node)
    if method == "taesd" and getattr(ctx, "paths", None) is not None:
        taesd = getattr(node, "_taesd_previewers", None)
        if taesd is None:
            taesd = TAESDPreviewers()
            setattr(node, "_taesd_previewers", taesd)   # keeps the decoder loaded for this node's next runs
    previewer = make_previewer(method, family, taesd, getattr(ctx, "paths", None), getattr(ctx, "device", None))

    def callback(step: int, x0, x, total_steps: int) -> None:
        check_interrupt()  # raising here aborts the sampler
        preview = previewer(x0) if previewer is not None and x0 is not None else None
        progress(step + 1, total_steps, preview)

    return callback


def fix_empty_latent_channels(model, latent: torch.Tensor) -> torch.Tensor:
    """An all-zero latent with the wrong channel count is repeated to the model's channels."""
    family = getattr(model, "family", None)
    channels = getattr(family, "latent_channels", None)
    if channels and latent.shape[1] != channels and torch.count_nonzero(latent) == 0:
        reps = -(-channels // latent.shape[1])
        latent = latent.repeat(1, reps, 1, 1)[:, :channels]
    return latent


def common_ksampler(node, model, seed: int, steps: int, cfg: float, sampler_name: str, scheduler: str,
                    positive: list, negative: list, latent: dict, denoise: float = 1.0,
                    disable_noise: bool = False, start_step: int | None = None, last_step: int | None = None,
                    force_full_denoise: bool = False) -> tuple[dict]:
    from engine.diffusion.sampling.ksampler import prepare_noise, sample

    node_name = type(node).__name__
    if model is None:
        raise NodeInputError(f"{node_name}: model input is None")
    if not isinstance(latent, dict) or "samples" not in latent:
        raise NodeInputError(f"{node_name}: latent_image must be a LATENT dict with 'samples'")
    latent_image = fix_empty_latent_channels(model, latent["samples"])
    if disable_noise:
        noise = torch.zeros(latent_image.size(), dtype=latent_image.dtype, device="cpu")
    else:
        noise = prepare_noise(latent_image, seed, latent.get("batch_index"))
    samples = sample(model, noise, steps, cfg, sampler_name, scheduler, positive, negative, latent_image,
                     denoise=denoise, disable_noise=disable_noise, start_step=start_step, last_step=last_step,
                     force_full_denoise=force_full_denoise, noise_mask=latent.get("noise_mask"),
                     callback=make_step_callback(node, model), seed=seed)
    out = latent.copy()
    out["samples"] = samples
    return (out,)


class KSampler:
    CATEGORY = "sampling"
    RETURN_TYPES = ("LATENT",)
    OUTPUT_TOOLTIPS = ("The denoised latent.",)
    FUNCTION = "sample"
    DESCRIPTION = ("Uses the provided model, positive and negative conditioning to denoise the latent image.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "model": ("MODEL", {"tooltip": "The model used for denoising the input latent."}),
            "seed": ("INT", {"default": 0, "min": 0, "max": SEED_MAX, "control_after_generate": True,
                             "tooltip": "The random seed used for creating the noise."}),
            "steps": ("INT", {"default": 20, "min": 1, "max": 10000,
                              "tooltip": "The number of steps used in the denoising process."}),
            "cfg": ("FLOAT", {"default": 8.0, "min": 0.0, "max": 100.0, "step": 0.1, "round": 0.01,
                              "tooltip": "The Classifier-Free Guidance scale balances creativity and adherence "
                                         "to the prompt. Higher values result in images more closely matching "
                                         "the prompt however too high values will negatively impact quality."}),
            "sampler_name": (sampler_names(), {"tooltip": "The algorithm used when sampling."}),
            "scheduler": (scheduler_names(), {"tooltip": "The scheduler controls how noise is gradually "
                                                         "removed to form the image."}),
            "positive": ("CONDITIONING", {"tooltip": "The conditioning describing the attributes you want "
                                                     "to include in the image."}),
            "negative": ("CONDITIONING", {"tooltip": "The conditioning describing the attributes you want "
                                                     "to exclude from the image."}),
            "latent_image": ("LATENT", {"tooltip": "The latent image to denoise."}),
            "denoise": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01,
                                  "tooltip": "The amount of denoising applied, lower values will maintain the "
                                             "structure of the initial image allowing for image to image sampling."}),
        }}

    def sample(self, model, seed: int, steps: int, cfg: float, sampler_name: str, scheduler: str,
               positive: list, negative: list, latent_image: dict, denoise: float = 1.0):
        return common_ksampler(self, model, seed, steps, cfg, sampler_name, scheduler, positive, negative,
                               latent_image, denoise=denoise)


class KSamplerAdvanced:
    CATEGORY = "sampling"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "sample"
    DESCRIPTION = "KSampler with control over adding noise and the step range (for multi-pass workflows)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "model": ("MODEL",),
            "add_noise": (["enable", "disable"],),
            "noise_seed": ("INT", {"default": 0, "min": 0, "max": SEED_MAX, "control_after_generate": True}),
            "steps": ("INT", {"default": 20, "min": 1, "max": 10000}),
            "cfg": ("FLOAT", {"default": 8.0, "min": 0.0, "max": 100.0, "step": 0.1, "round": 0.01}),
            "sampler_name": (sampler_names(),),
            "scheduler": (scheduler_names(),),
            "positive": ("CONDITIONING",),
            "negative": ("CONDITIONING",),
            "latent_image": ("LATENT",),
            "start_at_step": ("INT", {"default": 0, "min": 0, "max": 10000}),
            "end_at_step": ("INT", {"default": 10000, "min": 0, "max": 10000}),
            "return_with_leftover_noise": (["disable", "enable"],),
        }}

    def sample(self, model, add_noise: str, noise_seed: int, steps: int, cfg: float, sampler_name: str,
               scheduler: str, positive: list, negative: list, latent_image: dict, start_at_step: int,
               end_at_step: int, return_with_leftover_noise: str, denoise: float = 1.0):
        return common_ksampler(self, model, noise_seed, steps, cfg, sampler_name, scheduler, positive, negative,
                               latent_image, denoise=denoise, disable_noise=add_noise == "disable",
                               start_step=start_at_step, last_step=end_at_step,
                               force_full_denoise=return_with_leftover_noise != "enable")


NODE_CLASS_MAPPINGS = {"KSampler": KSampler, "KSamplerAdvanced": KSamplerAdvanced}
NODE_DISPLAY_NAME_MAPPINGS = {"KSampler": "KSampler", "KSamplerAdvanced": "KSampler (Advanced)"}
