"""Schedules against their formulas (ends, monotonic, length) and against diffusers' equivalents."""
import numpy as np
import pytest
import torch

from engine.diffusion.sampling.model_sampling import ModelSamplingDiscrete
from engine.diffusion.sampling.schedules import SCHEDULER_NAMES, calculate_sigmas

MS = ModelSamplingDiscrete("eps")
S_MIN, S_MAX = float(MS.sigma_min), float(MS.sigma_max)


@pytest.mark.parametrize("name", SCHEDULER_NAMES)
@pytest.mark.parametrize("steps", [3, 7, 25, 100])
def test_length_monotonic_and_zero_tail(name, steps):
    s = calculate_sigmas(MS, name, steps)
    assert s.dtype == torch.float32
    assert s[-1] == 0
    assert torch.all(s[:-1] > 0)
    assert torch.all(s[1:] <= s[:-1]), s  # non-increasing
    if name == "beta":
        assert len(s) <= steps + 1  # repeated integer timesteps are skipped
    elif name == "ddim_uniform":
        # stride 1000 // steps from index 1: one extra entry when steps does not divide 999 evenly (as ComfyUI)
        assert len(s) == len(range(1, 1000, 1000 // steps)) + 1
    else:
        assert len(s) == steps + 1


@pytest.mark.parametrize("name,first,last", [
    ("karras", S_MAX, S_MIN), ("exponential", S_MAX, S_MIN), ("normal", S_MAX, S_MIN), ("kl_optimal", S_MAX, S_MIN),
    ("simple", S_MAX, None), ("sgm_uniform", S_MAX, None), ("beta", S_MAX, None), ("linear_quadratic", S_MAX, None),
    ("ddim_uniform", None, float(MS.sigmas[1])),
])
def test_end_points(name, first, last):
    s = calculate_sigmas(MS, name, 12)
    if first is not None:
        assert float(s[0]) == pytest.approx(first, rel=1e-6)
    if last is not None:
        assert float(s[-2]) == pytest.approx(last, rel=1e-6)


def test_karras_formula_interior():
    n, rho = 9, 7.0
    s = calculate_sigmas(MS, "karras", n).double()
    k = torch.arange(n, dtype=torch.float64)
    expect = (S_MAX ** (1 / rho) + k / (n - 1) * (S_MIN ** (1 / rho) - S_MAX ** (1 / rho))) ** rho
    torch.testing.assert_close(s[:-1], expect, rtol=2e-6, atol=0)


def test_exponential_is_geometric():
    s = calculate_sigmas(MS, "exponential", 9).double()[:-1]
    ratios = s[1:] / s[:-1]
    torch.testing.assert_close(ratios, torch.full_like(ratios, float(ratios[0])), rtol=1e-5, atol=0)


def test_kl_optimal_is_linear_in_arctan():
    s = calculate_sigmas(MS, "kl_optimal", 9).double()[:-1]
    a = torch.atan(s)
    torch.testing.assert_close(a[1:] - a[:-1], torch.full((8,), float(a[1] - a[0]), dtype=torch.float64), rtol=1e-4, atol=0)


def test_simple_and_ddim_uniform_pick_table_entries():
    for name in ("simple", "ddim_uniform", "beta"):
        s = calculate_sigmas(MS, name, 13)[:-1]
        assert all(bool((MS.sigmas == v).any()) for v in s), name


def test_discard_penultimate_example_from_sampling_md():
    from engine.diffusion.sampling.ksampler import ksampler_sigmas
    s = ksampler_sigmas(MS, "normal", "dpm_2", 5)
    assert s.tolist() == pytest.approx([14.6146, 5.0924, 2.2797, 1.1629, 0.5712, 0], abs=1e-4)


diffusers = pytest.importorskip("diffusers")
# diffusers keeps the sigma table in float64, ours (like ComfyUI) in float32: up to 1.3e-5 relative.
RTOL = 3e-5
BETAS = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000)


@pytest.mark.parametrize("steps", [5, 10, 30])
def test_karras_matches_diffusers(steps):
    sched = diffusers.EulerDiscreteScheduler(**BETAS, use_karras_sigmas=True)
    sched.set_timesteps(steps)
    torch.testing.assert_close(calculate_sigmas(MS, "karras", steps), sched.sigmas.float(), rtol=RTOL, atol=1e-7)


@pytest.mark.parametrize("steps", [5, 10, 30])
def test_exponential_matches_diffusers(steps):
    sched = diffusers.EulerDiscreteScheduler(**BETAS, use_exponential_sigmas=True)
    sched.set_timesteps(steps)
    torch.testing.assert_close(calculate_sigmas(MS, "exponential", steps), sched.sigmas.float(), rtol=RTOL, atol=1e-7)


@pytest.mark.parametrize("steps", [5, 10, 30])
def test_normal_matches_diffusers_euler_linspace_spacing(steps):
    # diffusers' Euler "linspace" spacing: timesteps linspace(999, 0, n), sigma from the table at those
    # (fractional) timesteps, a trailing 0 -- ComfyUI's "normal". diffusers interpolates sigma linearly
    # between table entries where ComfyUI interpolates log sigma: 3.3e-5 relative at most (measured).
    sched = diffusers.EulerDiscreteScheduler(**BETAS, timestep_spacing="linspace")
    sched.set_timesteps(steps)
    ours = calculate_sigmas(MS, "normal", steps)
    torch.testing.assert_close(ours, sched.sigmas.float(), rtol=1e-4, atol=1e-7)
    t_ours = MS.timestep(ours[:-1]).double()
    assert np.allclose(t_ours.numpy(), sched.timesteps.double().numpy(), atol=0.5)
