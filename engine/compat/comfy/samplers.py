"""``import comfy.samplers``: the sampler and scheduler name lists (KSampler.SAMPLERS / SCHEDULERS)."""
from __future__ import annotations

from typing import Any

from engine.diffusion.sampling.ksampler import SAMPLER_NAMES, SCHEDULER_NAMES

KSAMPLER_NAMES = [n for n in SAMPLER_NAMES if n not in ("ddim", "uni_pc", "uni_pc_bh2")]


class KSampler:
    SAMPLERS = list(SAMPLER_NAMES)
    SCHEDULERS = list(SCHEDULER_NAMES)


def calculate_sigmas(model_sampling: Any, scheduler_name: str, steps: int) -> Any:
    from engine.diffusion.sampling.schedules import calculate_sigmas as calc
    return calc(model_sampling, scheduler_name, steps)
