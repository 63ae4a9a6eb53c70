"""KSampler / KSamplerAdvanced behaviour: determinism, denoise, advanced steps, inpainting, interrupt."""
import pytest
import torch

from engine.diffusion.sampling.ksampler import ksampler_sigmas, prepare_noise, sample

from .helpers import FakeHandle, analytic_denoiser, empty_cond

SCALE = 0.18215


def _run(handle=None, seed=5, sampler="euler_ancestral", latent=None, **kw):
    handle = handle or FakeHandle()
    latent = torch.zeros(1, 4, 8, 8) if latent is None else latent
    noise = prepare_noise(latent, seed)
    args = dict(steps=6, cfg=1.0, sampler_name=sampler, scheduler="karras", positive=empty_cond(),
                negative=empty_cond(), latent_image=latent, seed=seed)
    args.update(kw)
    return sample(handle, noise, **args)


def test_same_seed_bit_identical_different_seed_differs():
    for sampler in ("euler_ancestral", "dpmpp_2m_sde", "euler"):
        a, b, c = _run(sampler=sampler), _run(sampler=sampler), _run(sampler=sampler, seed=6)
        assert torch.equal(a, b), sampler
        assert not torch.allclose(a, c), sampler


def test_img2img_denoise_zero_returns_input_latent():
    latent = torch.randn(1, 4, 8, 8)
    out = _run(latent=latent, denoise=0.0)
    assert torch.equal(out, latent)


def test_img2img_partial_denoise_starts_at_truncated_sigma():
    handle = FakeHandle(denoise_fn=analytic_denoiser())
    latent = torch.full((1, 4, 8, 8), 0.5)
    _run(handle, latent=latent, sampler="euler", denoise=0.5, scheduler="normal", steps=10)
    expected = ksampler_sigmas(handle.model_sampling, "normal", "euler", 10, 0.5)
    assert float(handle.calls[0]["sigma"][0]) == pytest.approx(float(expected[0]), rel=1e-6)
    assert len(handle.calls) == 10


def test_advanced_two_stage_equals_single_run_for_euler():
    handle = FakeHandle(denoise_fn=analytic_denoiser())
    latent = torch.zeros(1, 4, 8, 8)
    full = _run(handle, latent=latent, sampler="euler", steps=10)
    first = _run(handle, latent=latent, sampler="euler", steps=10, last_step=4, force_full_denoise=False)
    second = _run(handle, latent=first, sampler="euler", steps=10, start_step=4, disable_noise=True)
    torch.testing.assert_close(second, full, rtol=0, atol=1e-5)
    # leftover noise really is left: the intermediate is far from the clean result
    assert (first - full).abs().max() > 1.0


def test_advanced_force_full_denoise_sets_last_sigma_zero_and_start_beyond_end_returns_latent():
    handle = FakeHandle(denoise_fn=analytic_denoiser())
    _run(handle, sampler="euler", steps=10, last_step=4, force_full_denoise=True)
    sig = [float(c["sigma"][0]) for c in handle.calls]
    assert len(sig) == 4  # sigmas[:5] with the last forced to 0 -> 4 evaluations
    latent = torch.randn(1, 4, 8, 8)
    assert torch.equal(_run(latent=latent, steps=10, start_step=10), latent)


def test_inpaint_mask_keeps_unmasked_latent_on_renoised_original_every_step():
    seen = []
    base = analytic_denoiser()

    def record(x, sigma):
        seen.append((x.clone(), sigma.clone()))
        return base(x, sigma)
    handle = FakeHandle(denoise_fn=record)
    latent = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(1))
    mask = torch.zeros(1, 8, 8)
    mask[:, :, :4] = 1.0  # regenerate the left half
    noise = prepare_noise(latent, 9)
    out = _run(handle, latent=latent, sampler="dpmpp_2m", seed=9, noise_mask=mask, steps=8)
    keep = slice(4, 8)
    for x, sigma in seen:
        expected = latent * SCALE + noise * sigma.reshape(-1, 1, 1, 1)
        torch.testing.assert_close(x[..., keep], expected[..., keep], rtol=0, atol=1e-6)
    torch.testing.assert_close(out[..., keep], latent[..., keep], rtol=0, atol=1e-5)
    assert not torch.allclose(out[..., :4], latent[..., :4])


def test_ddim_inpaint_uses_its_own_seed_plus_one_noise():
    seen = []
    handle = FakeHandle(denoise_fn=lambda x, s: (seen.append((x.clone(), s.clone())), analytic_denoiser()(x, s))[1])
    latent = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(2))
    mask = torch.zeros(1, 8, 8)
    mask[:, :4] = 1.0
    _run(handle, latent=latent, sampler="ddim", seed=11, noise_mask=mask, steps=4)
    ddim_noise = torch.randn((1, 4, 8, 8), generator=torch.Generator().manual_seed(12))
    x, sigma = seen[1]
    torch.testing.assert_close(x[:, :, 4:], (latent * SCALE + ddim_noise * sigma)[:, :, 4:], rtol=0, atol=1e-6)


class Stop(Exception):
    pass


@pytest.mark.parametrize("sampler", ["euler", "heun", "dpmpp_2m", "uni_pc", "dpmpp_sde"])
def test_interrupt_from_callback_stops_within_one_step(sampler):
    handle = FakeHandle(denoise_fn=analytic_denoiser())
    steps_seen = []

    def cb(step, x0, x, total):
        steps_seen.append(step)
        if step == 2:
            raise Stop()
    with pytest.raises(Stop):
        _run(handle, sampler=sampler, steps=20, callback=cb)
    assert steps_seen == [0, 1, 2]
    evals_per_step = 2 if sampler in ("heun", "dpmpp_sde") else 1
    assert len(handle.calls) <= 3 * evals_per_step + 1


def test_callback_reports_step_total_and_x0():
    handle = FakeHandle(denoise_fn=analytic_denoiser())
    got = []
    _run(handle, sampler="euler", steps=5, callback=lambda i, x0, x, total: got.append((i, total, x0.shape, x.shape)))
    assert [g[0] for g in got] == [0, 1, 2, 3, 4]
    assert all(g[1] == 5 and g[2] == (1, 4, 8, 8) for g in got)


def test_bad_names_raise_errors_naming_them():
    with pytest.raises(ValueError, match="nope_sampler"):
        _run(sampler="nope_sampler")
    with pytest.raises(ValueError, match="nope_sched"):
        _run(scheduler="nope_sched")
    with pytest.raises(TypeError, match="positive"):
        _run(positive=["not a pair"])


def test_v_prediction_handle_samples_the_same_distribution():
    # The eps and v fakes encode the same analytic model, but each evaluates it at the table sigma of
    # the rounded integer timestep, which the two parameterisations propagate differently: 2e-3.
    eps = _run(FakeHandle("eps"), sampler="dpmpp_2m", steps=12, latent=torch.zeros(1, 4, 16, 16))
    v = _run(FakeHandle("v"), sampler="dpmpp_2m", steps=12, latent=torch.zeros(1, 4, 16, 16))
    torch.testing.assert_close(v, eps, rtol=0, atol=2e-3)


@pytest.mark.parametrize("prediction", ["eps", "v"])
def test_parameterisations_recover_x0_at_exact_sigma(prediction):
    from engine.diffusion.sampling.model_sampling import ModelSamplingDiscrete
    ms = ModelSamplingDiscrete(prediction)
    x0, eps = torch.randn(3, 4, 4, 4, dtype=torch.float64), torch.randn(3, 4, 4, 4, dtype=torch.float64)
    sigma = torch.tensor([0.1, 1.0, 14.0], dtype=torch.float64)
    s = sigma.reshape(-1, 1, 1, 1)
    x = x0 + s * eps
    alpha = 1 / (s ** 2 + 1) ** 0.5
    out = eps if prediction == "eps" else alpha * eps - s * alpha * x0
    torch.testing.assert_close(ms.calculate_denoised(sigma, out, x), x0)
    torch.testing.assert_close(ms.calculate_input(sigma, x), x * alpha)


def test_batch_items_are_sampled_independently_and_get_batch_sized_inputs():
    handle = FakeHandle(cond_shift=0.5)
    latent = torch.zeros(2, 4, 8, 8)
    noise = prepare_noise(latent, 3)
    args = dict(steps=5, cfg=3.0, sampler_name="dpmpp_2m", scheduler="karras", positive=empty_cond(1.0),
                negative=empty_cond(-1.0), seed=3)
    both = sample(handle, noise, latent_image=latent, **args)
    assert all(c["context"].shape[0] == c["batch"] == 4 for c in handle.calls)  # 2 images x (cond, uncond)
    for k in range(2):
        alone = sample(FakeHandle(cond_shift=0.5), noise[k:k + 1], latent_image=latent[k:k + 1], **args)
        torch.testing.assert_close(both[k:k + 1], alone, rtol=0, atol=1e-6)
