"""Noise schedules: sigma lists from a step count, each ending in 0 (sampling.md §4).

Two kinds of function: `get_sigmas_*(n, sigma_min, sigma_max)` from the end points only, and
`*_scheduler(model_sampling, n)` that read the model's sigma table. `calculate_sigmas` picks one
by its ComfyUI combo name.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy
import torch

SCHEDULER_NAMES: list[str] = ["simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta",
                              "normal", "linear_quadratic", "kl_optimal"]


def append_zero(x: torch.Tensor) -> torch.Tensor:
    return torch.cat([x, x.new_zeros([1])])


def get_sigmas_karras(n: int, sigma_min: float, sigma_max: float, rho: float = 7.0) -> torch.Tensor:
    """Karras et al. (2022) eq. 5: linear in sigma^(1/rho)."""
    ramp = torch.linspace(0, 1, n)
    min_inv_rho = sigma_min ** (1 / rho)
    max_inv_rho = sigma_max ** (1 / rho)
    return append_zero((max_inv_rho + ramp * (min_inv_rho - max_inv_rho)) ** rho)


def get_sigmas_exponential(n: int, sigma_min: float, sigma_max: float) -> torch.Tensor:
    """Linear in log sigma."""
    return append_zero(torch.linspace(math.log(sigma_max), math.log(sigma_min), n).exp())


def get_sigmas_kl_optimal(n: int, sigma_min: float, sigma_max: float) -> torch.Tensor:
    """Linear in arctan(sigma) (AYS paper, arXiv:2404.14507); n == 1 divides by zero as ComfyUI does."""
    idx = torch.arange(n, dtype=torch.float32).div_(n - 1)
    sigmas = idx.new_zeros(n + 1)
    sigmas[:-1] = (idx * math.atan(sigma_min) + (1 - idx) * math.atan(sigma_max)).tan_()
    return sigmas


def simple_scheduler(ms, n: int) -> torch.Tensor:
    """Evenly strided entries of the sigma table, counted from the top."""
    stride = len(ms.sigmas) / n
    sigs = [float(ms.sigmas[-(1 + int(k * stride))]) for k in range(n)]
    return torch.FloatTensor(sigs + [0.0])


def ddim_uniform_scheduler(ms, n: int) -> torch.Tensor:
    """Table entries 1, 1+s, 1+2s, ... (s = 1000 // n) reversed, as DDIM's uniform discretisation."""
    x = 1
    if math.isclose(float(ms.sigmas[x]), 0, abs_tol=0.00001):
        n += 1
        sigs: list[float] = []
    else:
        sigs = [0.0]
    stride = max(len(ms.sigmas) // n, 1)
    while x < len(ms.sigmas):
        sigs.append(float(ms.sigmas[x]))
        x += stride
    return torch.FloatTensor(sigs[::-1])


def normal_scheduler(ms, n: int, sgm: bool = False) -> torch.Tensor:
    """Timesteps evenly spaced from timestep(sigma_max) to timestep(sigma_min), mapped through sigma(t)."""
    start, end = ms.timestep(ms.sigma_max), ms.timestep(ms.sigma_min)
    zero_tail = True
    if sgm:
        timesteps = torch.linspace(start, end, n + 1)[:-1]
    else:
        if math.isclose(float(ms.sigma(end)), 0, abs_tol=0.00001):
            n += 1
            zero_tail = False
        timesteps = torch.linspace(start, end, n)
    sigs = [float(ms.sigma(t)) for t in timesteps]
    if zero_tail:
        sigs.append(0.0)
    return torch.FloatTensor(sigs)


def sgm_uniform_scheduler(ms, n: int) -> torch.Tensor:
    return normal_scheduler(ms, n, sgm=True)


def beta_scheduler(ms, n: int, alpha: float = 0.6, beta: float = 0.6) -> torch.Tensor:
    """Timesteps at Beta(alpha, beta) quantiles (arXiv:2407.12173); repeated timesteps skipped."""
    import scipy.stats  # scipy is only needed by this scheduler and lms

    total = len(ms.sigmas) - 1
    ts = 1 - numpy.linspace(0, 1, n, endpoint=False)
    ts = numpy.rint(scipy.stats.beta.ppf(ts, alpha, beta) * total)
    sigs, last = [], -1
    for t in ts:
        if t != last:
            sigs.append(float(ms.sigmas[int(t)]))
        last = t
    return torch.FloatTensor(sigs + [0.0])


def linear_quadratic_scheduler(ms, n: int, threshold_noise: float = 0.025, linear_steps: int | None = None) -> torch.Tensor:
    """Mochi's schedule: linear to threshold_noise for half the steps, then quadratic to 1."""
    if n == 1:
        sched = [0.0, 1.0]
    else:
        if linear_steps is None:
            linear_steps = n // 2
        lin = [i * threshold_noise / linear_steps for i in range(linear_steps)]
        diff = linear_steps - threshold_noise * n
        q_steps = n - linear_steps
        q_coef = diff / (linear_steps * q_steps ** 2)
        l_coef = threshold_noise / linear_steps - 2 * diff / (q_steps ** 2)
        const = q_coef * (linear_steps ** 2)
        quad = [q_coef * (i ** 2) + l_coef * i + const for i in range(linear_steps, n)]
        sched = lin + quad + [1.0]
    return torch.FloatTensor([1.0 - s for s in sched]) * ms.sigma_max.cpu()


def _from_ends(fn: Callable) -> Callable:
    def handler(ms, n: int) -> torch.Tensor:
        return fn(n, float(ms.sigma_min), float(ms.sigma_max))
    return handler


SCHEDULERS: dict[str, Callable] = {
    "simple": simple_scheduler,
    "sgm_uniform": sgm_uniform_scheduler,
    "karras": _from_ends(get_sigmas_karras),
    "exponential": _from_ends(get_sigmas_exponential),
    "ddim_uniform": ddim_uniform_scheduler,
    "beta": beta_scheduler,
    "normal": normal_scheduler,
    "linear_quadratic": linear_quadratic_scheduler,
    "kl_optimal": _from_ends(get_sigmas_kl_optimal),
}


def calculate_sigmas(model_sampling, scheduler: str, steps: int) -> torch.Tensor:
    """The raw schedule (float32, trailing 0) for a scheduler combo name."""
    fn = SCHEDULERS.get(scheduler)
    if fn is None:
        raise ValueError(f"unknown scheduler {scheduler!r}; expected one of {SCHEDULER_NAMES}")
    if steps < 1:
        raise ValueError(f"scheduler {scheduler!r}: steps must be >= 1, got {steps}")
    return fn(model_sampling, steps)
