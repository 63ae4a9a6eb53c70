"""Sigma schedules, KSampler step/denoise handling and the sigma table against ComfyUI's numbers."""
import math

import pytest
import torch

from engine.diffusion.sampling.ksampler import ksampler_sigmas
from engine.diffusion.sampling.model_sampling import ModelSamplingDiscrete
from engine.diffusion.sampling.schedules import SCHEDULER_NAMES, calculate_sigmas

from .helpers import f32, golden

G = golden("schedulers.json")
MS = ModelSamplingDiscrete("eps")


def assert_close_f32(actual: torch.Tensor, expected: torch.Tensor, rtol=1e-6, atol=1e-7):
    assert actual.dtype == torch.float32
    assert actual.shape == expected.shape, (actual.tolist(), expected.tolist())
    torch.testing.assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=True)


def test_sigma_table_matches_golden_bit_exact():
    assert torch.equal(MS.sigmas, f32(G["sigmas_table"]))
    assert torch.equal(MS.log_sigmas, f32(G["log_sigmas_table"]))
    assert float(MS.sigma_min) == pytest.approx(G["sigma_min"], rel=1e-7)
    assert float(MS.sigma_max) == pytest.approx(G["sigma_max"], rel=1e-7)


def test_scheduler_names_are_comfyui_combo_order():
    assert SCHEDULER_NAMES == G["scheduler_names_in_order"]


@pytest.mark.parametrize("name", G["scheduler_names_in_order"])
def test_raw_schedules_match_golden(name):
    for steps, expected in G["schedules"][name].items():
        assert_close_f32(calculate_sigmas(MS, name, int(steps)), f32(expected))


def test_first_sigma_last_bit_per_scheduler():
    # ComfyUI's first sigma differs in the last float32 bit between schedulers; we reproduce each.
    for name, steps in (("karras", 10), ("normal", 10), ("simple", 10), ("kl_optimal", 10), ("exponential", 5)):
        assert calculate_sigmas(MS, name, steps)[0].item() == f32(G["schedules"][name][str(steps)])[0].item(), name


def test_kl_optimal_one_step_is_nan_like_comfyui():
    assert math.isnan(calculate_sigmas(MS, "kl_optimal", 1)[0].item())


@pytest.mark.parametrize("sampler", ["euler", "dpm_2"])
def test_ksampler_sigmas_with_denoise_truncation(sampler):
    for scheduler, cases in G["ksampler_sigmas"][sampler].items():
        for key, expected in cases.items():
            steps = int(key.split("_")[0][5:])
            denoise = float(key.split("_")[1][7:])
            got = ksampler_sigmas(MS, scheduler, sampler, steps, denoise)
            assert_close_f32(got, f32(expected)), (scheduler, key)


def test_ksampler_sigmas_extra_cases():
    ex = G["ksampler_sigmas_extra"]
    assert ksampler_sigmas(MS, "normal", "euler", 10, 0.0).numel() == 0
    assert_close_f32(ksampler_sigmas(MS, "normal", "euler", 10, 0.99995), f32(ex["normal_steps10_denoise0.99995_euler"]))
    assert_close_f32(ksampler_sigmas(MS, "normal", "euler", 10, 0.9999), f32(ex["normal_steps10_denoise0.9999_euler"]))
    assert_close_f32(ksampler_sigmas(MS, "normal", "euler", 1), f32(ex["normal_steps1_euler"]))
    assert_close_f32(ksampler_sigmas(MS, "normal", "dpm_2", 1), f32(ex["normal_steps1_dpm_2"]))


def test_timestep_of_sigma_and_back():
    for sigma, t in G["timestep_of_sigma"]:
        assert int(MS.timestep(torch.tensor(sigma, dtype=torch.float32))) == t, sigma
    assert torch.equal(MS.timestep(MS.sigmas), torch.arange(1000))
    for t, sigma in G["sigma_of_timestep"]:
        assert MS.sigma(torch.tensor(t)).item() == pytest.approx(sigma, rel=2e-7), t
    for p, sigma in G["percent_to_sigma"]:
        assert MS.percent_to_sigma(p) == pytest.approx(sigma, rel=2e-7), p


def test_unknown_scheduler_error_names_it():
    with pytest.raises(ValueError, match="bogus"):
        calculate_sigmas(MS, "bogus", 10)


def test_zero_terminal_snr_table_matches_families_golden():
    z = golden("families.json")["zsnr_sigmas"]
    ms = ModelSamplingDiscrete("v", zsnr=True)
    assert float(ms.sigma_min) == pytest.approx(z["sigma_min"], rel=1e-6)
    assert float(ms.sigma_max) == pytest.approx(z["sigma_max"], rel=1e-6)
    assert float(ms.sigmas[998]) == pytest.approx(z["sigma_998"], rel=1e-6)


def test_bad_prediction_is_refused_with_its_name():
    with pytest.raises(ValueError, match="x0pred"):
        ModelSamplingDiscrete("x0pred")
