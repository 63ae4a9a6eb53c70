"""Seed -> noise exactly as ComfyUI makes it (noise.json)."""
import pytest
import torch

from engine.diffusion.sampling.ksampler import ksampler_sigmas
from engine.diffusion.sampling.model_sampling import ModelSamplingDiscrete
from engine.diffusion.sampling.noise import default_noise_sampler, prepare_noise

from .helpers import f32, golden

G = golden("noise.json")


@pytest.mark.parametrize("case", G["single"], ids=lambda c: str(c["seed"]))
def test_single_seed_noise_bit_exact(case):
    latent = torch.zeros(case["shape"])
    noise = prepare_noise(latent, int(case["seed"]))
    assert noise.dtype == torch.float32 and noise.device.type == "cpu"
    assert torch.equal(noise.flatten(), f32(case["values"]))


def test_only_low_32_bits_of_seed_matter():
    z = torch.zeros(1, 4, 8, 8)
    assert torch.equal(prepare_noise(z, 2 ** 32 + 7), prepare_noise(z, 7))
    assert torch.equal(prepare_noise(z, 2 ** 32), prepare_noise(z, 0))
    assert torch.equal(prepare_noise(z, 2 ** 64 - 1), prepare_noise(z, 2 ** 32 - 1))
    assert torch.equal(prepare_noise(z, 2 ** 63 - 1), prepare_noise(z, 2 ** 32 - 1))


def test_large_latent_draw_order():
    n = prepare_noise(torch.zeros(1, 4, 64, 64), 0).flatten()
    assert torch.equal(n[:16], f32(G["seed0_shape_1x4x64x64_first16"]))
    assert torch.equal(n[-4:], f32(G["seed0_shape_1x4x64x64_last4"]))


def test_batch_and_batch_index():
    b = G["batch"]
    full = prepare_noise(torch.zeros(b["shape"]), b["seed"])
    assert torch.equal(full.flatten(), f32(b["values"]))
    bi = G["batch_index"]
    picked = prepare_noise(torch.zeros(bi["latent_shape"]), bi["seed"], bi["batch_index"])
    assert torch.equal(picked.flatten(), f32(bi["values"]))
    assert torch.equal(picked[0], full[bi["row0_equals_batch_row"]])
    rep = G["batch_index_repeat_check"]
    six = prepare_noise(torch.zeros(6, 4, 8, 8), rep["seed"])
    got = prepare_noise(torch.zeros(3, 4, 8, 8), rep["seed"], rep["batch_index"])
    assert torch.equal(got, six[rep["rows_equal_full_draw_rows"]])


def test_start_latents_txt2img_and_img2img():
    ms = ModelSamplingDiscrete("eps")
    for case in G["txt2img_start_latent"]:
        sigmas = ksampler_sigmas(ms, case["scheduler"], "euler", case["steps"], case["denoise"])
        assert ms.is_max_denoise(sigmas[0])
        noise = prepare_noise(torch.zeros(1, 4, 8, 8), case["seed"])
        start = ms.noise_scaling(sigmas[0], noise, torch.zeros_like(noise), True)
        factor = f32([case["factor_sqrt_1_plus_sigma0_sq"]])
        assert torch.equal(start.flatten(), f32(case["values"]))
        assert torch.equal(start.flatten(), noise.flatten() * factor)
    c = G["img2img_start_latent"]
    sigmas = ksampler_sigmas(ms, c["scheduler"], "euler", c["steps"], c["denoise"])
    assert not ms.is_max_denoise(sigmas[0])
    assert sigmas[0].item() == f32([c["sigma0"]]).item()
    latent = torch.full((1, 4, 8, 8), c["input_LATENT_value"]) * 0.18215
    start = ms.noise_scaling(sigmas[0], prepare_noise(latent, c["seed"]), latent, False)
    assert torch.equal(start.flatten(), f32(c["values"]))


def test_ancestral_noise_uses_seed_plus_one_on_cpu():
    c = G["ancestral_noise_seed7_cpu"]
    ns = default_noise_sampler(torch.zeros(1, 4, 8, 8), seed=7)
    assert torch.equal(ns(None, None).flatten(), f32(c["draw1"]))
    assert torch.equal(ns(None, None).flatten()[:8], f32(c["draw2_first8"]))


def test_ancestral_noise_seed_max_overflows_with_clear_error():
    with pytest.raises(ValueError, match="18446744073709551615"):
        default_noise_sampler(torch.zeros(1, 4, 8, 8), seed=2 ** 64 - 1)
