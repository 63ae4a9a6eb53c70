"""Custom sampling nodes (SamplerCustom, SamplerCustomAdvanced and helpers) against KSampler and the
scheduler functions, on the tiny random SD1 checkpoint (64x64 images, 2-4 steps)."""
from __future__ import annotations

import math

import pytest
import torch

from engine.diffusion.sampling import custom
from engine.diffusion.sampling.ksampler import ksampler_sigmas
from engine.diffusion.sampling.schedules import calculate_sigmas, get_sigmas_exponential, get_sigmas_karras
from engine.graph.context import NodeScope, activate
from engine.graph.errors import Interrupted
from nodes._common import SEED_MAX, NodeInputError
from tests.sampling.helpers import FakeHandle, empty_cond
from tests.tinymodels import tiny_models  # noqa: F401  (pytest fixture)

SEED = 123456


@pytest.fixture(scope="module")
def sd1(tiny_models):  # noqa: F811
    from engine.diffusion.checkpoint import load_checkpoint
    from engine.diffusion.device import DeviceManager
    model, clip, _ = load_checkpoint(tiny_models.checkpoint("sd1"), DeviceManager(cpu=True), output_vae=False)
    return model, clip.encode("a lighthouse at sunset"), clip.encode("blurry")


def empty_latent(batch: int = 1) -> dict:
    return {"samples": torch.zeros(batch, 4, 8, 8)}  # a 64x64 image


def ksampler(make, model, pos, neg, sampler_name, scheduler="normal", steps=3, cfg=6.0, latent=None, denoise=1.0):
    return make("KSampler").sample(model, SEED, steps, cfg, sampler_name, scheduler, pos, neg,
                                   latent or empty_latent(), denoise)[0]["samples"]


def custom_sampler(make, model, pos, neg, sampler, sigmas, cfg=6.0, latent=None, add_noise=True, seed=SEED):
    return make("SamplerCustom").sample(model, add_noise, seed, cfg, pos, neg, sampler, sigmas,
                                        latent or empty_latent())


def sigmas_of(make, model, scheduler="normal", steps=3, denoise=1.0):
    return make("BasicScheduler").get_sigmas(model, scheduler, steps, denoise)[0]


# ---- equality with KSampler ------------------------------------------------------------------------

@pytest.mark.parametrize("sampler_name", ["euler", "euler_ancestral", "dpmpp_2m_sde"])
def test_sampler_custom_equals_ksampler_bit_exactly(make, sd1, sampler_name):
    model, pos, neg = sd1
    expected = ksampler(make, model, pos, neg, sampler_name)
    (sampler,) = make("KSamplerSelect").get_sampler(sampler_name)
    out, denoised = custom_sampler(make, model, pos, neg, sampler, sigmas_of(make, model))
    assert torch.equal(out["samples"], expected)
    assert denoised["samples"].shape == expected.shape and torch.isfinite(denoised["samples"]).all()


def test_sampler_custom_img2img_with_denoise_equals_ksampler(make, sd1):
    model, pos, neg = sd1
    start = {"samples": torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(3))}
    expected = ksampler(make, model, pos, neg, "euler_ancestral", "karras", steps=2, latent=start, denoise=0.6)
    (sampler,) = make("KSamplerSelect").get_sampler("euler_ancestral")
    sigmas = sigmas_of(make, model, "karras", steps=2, denoise=0.6)
    out, _ = custom_sampler(make, model, pos, neg, sampler, sigmas, latent=start)
    assert torch.equal(out["samples"], expected)


def test_sampler_custom_advanced_random_noise_cfg_guider_equals_ksampler(make, sd1):
    model, pos, neg = sd1
    expected = ksampler(make, model, pos, neg, "euler_ancestral")
    (noise,) = make("RandomNoise").get_noise(SEED)
    (guider,) = make("CFGGuider").get_guider(model, pos, neg, 6.0)
    (sampler,) = make("KSamplerSelect").get_sampler("euler_ancestral")
    out, _ = make("SamplerCustomAdvanced").sample(noise, guider, sampler, sigmas_of(make, model), empty_latent())
    assert torch.equal(out["samples"], expected)


def test_sampler_nodes_with_default_options_equal_ksampler_select(make, sd1):
    model, pos, neg = sd1
    sigmas = sigmas_of(make, model, steps=2)
    pairs = [(make("SamplerEulerAncestral").get_sampler(1.0, 1.0)[0], "euler_ancestral"),
             (make("SamplerDPMPP_2M_SDE").get_sampler("midpoint", 1.0, 1.0, "cpu")[0], "dpmpp_2m_sde"),
             (make("SamplerLMS").get_sampler(4)[0], "lms")]
    for node_sampler, name in pairs:
        a, _ = custom_sampler(make, model, pos, neg, node_sampler, sigmas)
        b, _ = custom_sampler(make, model, pos, neg, make("KSamplerSelect").get_sampler(name)[0], sigmas)
        assert torch.equal(a["samples"], b["samples"]), name
    # eta and s_noise reach the sampler: less ancestral noise changes the result
    a, _ = custom_sampler(make, model, pos, neg, make("SamplerEulerAncestral").get_sampler(0.5, 1.0)[0], sigmas)
    b, _ = custom_sampler(make, model, pos, neg, make("KSamplerSelect").get_sampler("euler_ancestral")[0], sigmas)
    assert not torch.allclose(a["samples"], b["samples"])


# ---- two-stage sampling, denoised output -----------------------------------------------------------

def test_split_sigmas_two_stage_equals_single_run_and_ksampler_advanced(make, sd1):
    model, pos, neg = sd1
    steps, split = 4, 2
    sigmas = sigmas_of(make, model, "karras", steps)
    (sampler,) = make("KSamplerSelect").get_sampler("euler")
    (guider,) = make("CFGGuider").get_guider(model, pos, neg, 6.0)
    high, low = make("SplitSigmas").get_sigmas(sigmas, split)
    adv = make("SamplerCustomAdvanced")
    first, _ = adv.sample(make("RandomNoise").get_noise(SEED)[0], guider, sampler, high, empty_latent())
    second, _ = adv.sample(make("DisableNoise").get_noise()[0], guider, sampler, low, first)
    single, _ = adv.sample(make("RandomNoise").get_noise(SEED)[0], guider, sampler, sigmas, empty_latent())
    # only the LATENT's unscale/rescale between the stages separates them
    torch.testing.assert_close(second["samples"], single["samples"], rtol=1e-5, atol=1e-5)

    ka = make("KSamplerAdvanced")
    k1 = ka.sample(model, "enable", SEED, steps, 6.0, "euler", "karras", pos, neg, empty_latent(), 0, split,
                   "enable")[0]
    k2 = ka.sample(model, "disable", SEED, steps, 6.0, "euler", "karras", pos, neg, k1, split, 10000,
                   "disable")[0]
    assert torch.equal(first["samples"], k1["samples"])
    assert torch.equal(second["samples"], k2["samples"])


def test_denoised_output_is_the_last_x0_prediction(make, sd1):
    model, pos, neg = sd1
    sigmas = sigmas_of(make, model, steps=3)
    (sampler,) = make("KSamplerSelect").get_sampler("euler")
    x0s = []
    latent = empty_latent()["samples"]
    noise = custom.RandomNoise(SEED).generate_noise({"samples": latent})
    samples, denoised = custom.sample_custom(model, noise, 6.0, sampler, sigmas, pos, neg, latent,
                                             callback=lambda i, x0, x, n: x0s.append(x0.clone()), seed=SEED)
    assert len(x0s) == 3
    assert torch.equal(denoised, x0s[-1] / model.family.scale_factor)
    out, den = custom_sampler(make, model, pos, neg, sampler, sigmas)
    assert torch.equal(den["samples"], denoised) and torch.equal(out["samples"], samples)
    # euler's last step (to sigma 0) lands on its x0 prediction
    torch.testing.assert_close(out["samples"], den["samples"], rtol=1e-5, atol=1e-5)


def test_empty_sigmas_return_the_input_and_no_noise_keeps_latent_dict_keys(make, sd1):
    model, pos, neg = sd1
    start = {"samples": torch.ones(1, 4, 8, 8), "batch_index": [0]}
    (sampler,) = make("KSamplerSelect").get_sampler("euler")
    empty = sigmas_of(make, model, denoise=0.0)
    assert empty.numel() == 0
    out, den = custom_sampler(make, model, pos, neg, sampler, empty, latent=start)
    assert torch.equal(out["samples"], start["samples"]) and torch.equal(den["samples"], start["samples"])
    assert out["batch_index"] == [0]


# ---- guiders ---------------------------------------------------------------------------------------

def test_basic_guider_equals_cfg_guider_at_cfg_1(make, sd1):
    model, pos, neg = sd1
    sigmas = sigmas_of(make, model, steps=2)
    (sampler,) = make("KSamplerSelect").get_sampler("euler")
    noise = make("RandomNoise").get_noise(SEED)[0]
    adv = make("SamplerCustomAdvanced")
    a, _ = adv.sample(noise, make("BasicGuider").get_guider(model, pos)[0], sampler, sigmas, empty_latent())
    b, _ = adv.sample(noise, make("CFGGuider").get_guider(model, pos, neg, 1.0)[0], sampler, sigmas, empty_latent())
    assert torch.equal(a["samples"], b["samples"])


def _denoisers(guider, x):
    return guider.build_denoiser(torch.zeros_like(x), None, x.device)


@pytest.mark.parametrize("style", ["regular", "nested"])
def test_dual_cfg_guider_combines_three_predictions(make, style):
    model = FakeHandle(cond_shift=0.5)
    c1, c2, n = empty_cond(1.0), empty_cond(-0.6), empty_cond(0.2)
    x = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(0)) * 3
    sigma = torch.tensor([2.5])
    (dual,) = make("DualCFGGuider").get_guider(model, c1, c2, n, 3.0, 2.0, style)

    def single(cond):
        g = custom.BasicGuider(model)
        g.set_conds(cond)
        return _denoisers(g, x)(x, sigma)
    p1, p2, pn = single(c1), single(c2), single(n)
    got = _denoisers(dual, x)(x, sigma)
    if style == "regular":
        want = pn + (p2 - pn) * 2.0 + (p1 - p2) * 3.0
    else:
        want = pn + 2.0 * ((p2 + (p1 - p2) * 3.0) - pn)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(p1, p2) and not torch.allclose(p2, pn)


def test_dual_cfg_guider_skips_the_negative_at_cfg2_1(make):
    model = FakeHandle(cond_shift=0.5)
    (dual,) = make("DualCFGGuider").get_guider(model, empty_cond(1.0), empty_cond(-0.6), empty_cond(0.2), 3.0, 1.0,
                                               "regular")
    x = torch.ones(1, 4, 8, 8)
    model.calls.clear()
    _denoisers(dual, x)(x, torch.tensor([1.0]))
    assert sum(c["batch"] for c in model.calls) == 2  # cond1 and cond2 only


def test_dual_cfg_guider_runs_with_the_sampler(make, sd1):
    model, pos, neg = sd1
    (dual,) = make("DualCFGGuider").get_guider(model, pos, pos, neg, 6.0, 6.0, "regular")
    (cfg,) = make("CFGGuider").get_guider(model, pos, neg, 6.0)
    sigmas = sigmas_of(make, model, steps=2)
    (sampler,) = make("KSamplerSelect").get_sampler("euler")
    noise = make("RandomNoise").get_noise(SEED)[0]
    a, _ = make("SamplerCustomAdvanced").sample(noise, dual, sampler, sigmas, empty_latent())
    b, _ = make("SamplerCustomAdvanced").sample(noise, cfg, sampler, sigmas, empty_latent())
    # cond1 == cond2: the dual guidance reduces to plain CFG of cond2 against the negative
    torch.testing.assert_close(a["samples"], b["samples"], rtol=1e-4, atol=1e-4)


# ---- sigma nodes -----------------------------------------------------------------------------------

def test_split_and_flip_sigmas_values(make):
    s = torch.tensor([14.6, 7.0, 3.0, 1.0, 0.0])
    high, low = make("SplitSigmas").get_sigmas(s, 1)
    assert high.tolist() == pytest.approx([14.6, 7.0]) and low.tolist() == pytest.approx([7.0, 3.0, 1.0, 0.0])
    high, low = make("SplitSigmasDenoise").get_sigmas(s, 0.5)
    assert high.tolist() == pytest.approx([14.6, 7.0, 3.0]) and low.tolist() == pytest.approx([3.0, 1.0, 0.0])
    high, low = make("SplitSigmasDenoise").get_sigmas(s, 0.0)  # ComfyUI: an empty high part at denoise 0
    assert high.numel() == 0 and low.tolist() == [0.0]
    (flipped,) = make("FlipSigmas").get_sigmas(s)
    assert flipped.tolist() == pytest.approx([0.0001, 1.0, 3.0, 7.0, 14.6])
    assert s[-1] == 0.0  # input untouched
    assert make("FlipSigmas").get_sigmas(torch.FloatTensor([]))[0].numel() == 0
    with pytest.raises(NodeInputError, match="SplitSigmas.*sigmas"):
        make("SplitSigmas").get_sigmas([1.0, 0.0], 1)


def test_scheduler_nodes_equal_the_schedule_functions(make, sd1):
    model = sd1[0]
    (k,) = make("KarrasScheduler").get_sigmas(5, 14.614642, 0.0291675, 7.0)
    assert torch.equal(k, get_sigmas_karras(5, 0.0291675, 14.614642, 7.0))
    torch.testing.assert_close(k, calculate_sigmas(model.model_sampling, "karras", 5), rtol=2e-5, atol=1e-6)
    (e,) = make("ExponentialScheduler").get_sigmas(5, 14.614642, 0.0291675)
    assert torch.equal(e, get_sigmas_exponential(5, 0.0291675, 14.614642))
    (p,) = make("PolyexponentialScheduler").get_sigmas(5, 14.614642, 0.0291675, 1.0)
    torch.testing.assert_close(p, e, rtol=1e-5, atol=1e-6)  # rho 1 is exponential
    (p2,) = make("PolyexponentialScheduler").get_sigmas(5, 14.614642, 0.0291675, 2.0)
    lo, hi = math.log(0.0291675), math.log(14.614642)
    want = [math.exp(r * (hi - lo) + lo) for r in (1.0, 0.5625, 0.25, 0.0625, 0.0)] + [0.0]  # ramp (1 - k/4)^2
    assert p2.tolist() == pytest.approx(want, rel=1e-5)
    for scheduler in ("normal", "karras", "simple"):
        for denoise in (1.0, 0.5):
            got = sigmas_of(make, model, scheduler, 4, denoise)
            assert torch.equal(got, ksampler_sigmas(model.model_sampling, scheduler, "euler", 4, denoise))
    (beta,) = make("BetaSamplingScheduler").get_sigmas(model, 10, 0.6, 0.6)
    assert torch.equal(beta, calculate_sigmas(model.model_sampling, "beta", 10))
    (vp,) = make("VPScheduler").get_sigmas(3, 19.9, 0.1, 0.001)
    t = torch.tensor([1.0, 0.5005, 0.001], dtype=torch.float64)
    want = torch.sqrt(torch.exp(19.9 * t ** 2 / 2 + 0.1 * t) - 1)  # float64: expm1 keeps the small end exact
    torch.testing.assert_close(vp[:-1].double(), want, rtol=1e-5, atol=1e-8)
    assert vp[-1] == 0
    (turbo,) = make("SDTurboScheduler").get_sigmas(model, 1, 1.0)
    assert turbo.tolist() == pytest.approx([14.614641, 0.0], rel=1e-5)
    (turbo,) = make("SDTurboScheduler").get_sigmas(model, 2, 0.5)  # timesteps 499, 399
    want = [float(model.model_sampling.sigmas[499]), float(model.model_sampling.sigmas[399]), 0.0]
    assert turbo.tolist() == pytest.approx(want, rel=1e-6)


def test_extra_sigma_nodes(make, sd1):
    model = sd1[0]
    (lap,) = make("LaplaceScheduler").get_sigmas(5, 14.614642, 0.0291675, 0.0, 0.5)
    assert len(lap) == 5 and lap[-1] > 0  # ComfyUI's Laplace list has no trailing 0
    x = torch.linspace(0, 1, 5).double()
    lmb = -0.5 * torch.sign(0.5 - x) * torch.log(1 - 2 * (0.5 - x).abs() + 1e-5)
    torch.testing.assert_close(lap.double(), lmb.exp().clamp(0.0291675, 14.614642), rtol=1e-5, atol=1e-7)
    assert lap[2] == pytest.approx(math.exp(0.5 * math.log(1 + 1e-5)), rel=1e-5)  # x = 0.5: log(1 + eps) / 2
    s = torch.tensor([14.6, 3.0, 0.0])
    (first,) = make("SetFirstSigma").set_first_sigma(s, 136.0)
    assert first.tolist() == pytest.approx([136.0, 3.0, 0.0]) and s[0] == pytest.approx(14.6)
    (manual,) = make("ManualSigmas").get_sigmas("14.6, 3,1 .5 ,0")
    assert manual.tolist() == pytest.approx([14.6, 3.0, 1.0, 0.5, 0.0])
    pts = make("SamplingPercentToSigma")
    assert pts.get_sigma(model, 0.5, False)[0] == pytest.approx(1.61558, rel=1e-4)  # sampling.md §2
    assert pts.get_sigma(model, 0.0, False)[0] == pytest.approx(999999999.9)
    assert pts.get_sigma(model, 0.0, True)[0] == pytest.approx(14.614641, rel=1e-6)
    assert pts.get_sigma(model, 1.0, True)[0] == pytest.approx(0.0291672, rel=1e-5)


def test_more_sampler_nodes_at_defaults_equal_ksampler_select(make, sd1):
    model, pos, neg = sd1
    sigmas = sigmas_of(make, model, "karras", steps=3)
    pairs = [(make("SamplerSEEDS2").get_sampler("phi_1", 1.0, 1.0, 0.5)[0], "seeds_2"),
             (make("SamplerER_SDE").get_sampler("ER-SDE", 3, 1.0, 1.0)[0], "er_sde"),
             (make("SamplerSASolver").get_sampler(model, 1.0, 0.2, 0.8, 1.0, 3, 4, False, False)[0], "sa_solver"),
             (make("SamplerSASolver").get_sampler(model, 1.0, 0.2, 0.8, 1.0, 3, 4, True, False)[0], "sa_solver_pece")]
    for node_sampler, name in pairs:
        a, _ = custom_sampler(make, model, pos, neg, node_sampler, sigmas)
        b, _ = custom_sampler(make, model, pos, neg, make("KSamplerSelect").get_sampler(name)[0], sigmas)
        torch.testing.assert_close(a["samples"], b["samples"], rtol=1e-6, atol=1e-5, msg=name)
    ode, _ = custom_sampler(make, model, pos, neg, make("SamplerER_SDE").get_sampler("ODE", 3, 1.0, 1.0)[0], sigmas)
    ode_eta0, _ = custom_sampler(make, model, pos, neg, make("SamplerER_SDE").get_sampler("ER-SDE", 3, 0.0, 1.0)[0],
                                 sigmas)
    assert torch.equal(ode["samples"], ode_eta0["samples"])  # eta 0 is the ODE solver
    assert not torch.allclose(ode["samples"], b["samples"])
    with pytest.raises(NodeInputError, match="SamplerSASolver.*simple_order_2"):
        make("SamplerSASolver").get_sampler(model, 1.0, 0.2, 0.8, 1.0, 3, 4, False, True)


def test_extend_intermediate_sigmas_and_add_noise(make, sd1):
    model = sd1[0]
    s = torch.tensor([10.0, 5.0, 0.0])
    ext = make("ExtendIntermediateSigmas")
    assert ext.extend(s, 2, -1.0, 4.0, "linear")[0].tolist() == pytest.approx([10, 7.5, 5, 2.5, 0])
    assert ext.extend(s, 2, -1.0, 6.0, "linear")[0].tolist() == pytest.approx([10, 7.5, 5, 0])
    assert ext.extend(s, 2, 8.0, 0.0, "linear")[0].tolist() == pytest.approx([10, 5, 2.5, 0])
    c = math.sin(math.pi / 6)  # steps 3, cosine: fractions sin(pi/6), sin(pi/3)
    assert ext.extend(s, 3, -1.0, 6.0, "cosine")[0].tolist() == pytest.approx(
        [10, 10 - 5 * c, 10 - 5 * math.sin(math.pi / 3), 5, 0], rel=1e-6)
    noise = make("RandomNoise").get_noise(7)[0]
    latent = {"samples": torch.zeros(1, 4, 8, 8)}
    (out,) = make("AddNoise").add_noise(model, noise, torch.tensor([3.0, 1.0]), latent)
    want = noise.generate_noise(latent) * 2.0 / 0.18215
    torch.testing.assert_close(out["samples"], want, rtol=1e-6, atol=1e-6)
    start = {"samples": torch.full((1, 4, 8, 8), 0.5)}
    (out,) = make("AddNoise").add_noise(model, noise, torch.tensor([3.0]), start)
    torch.testing.assert_close(out["samples"], (start["samples"] * 0.18215 + noise.generate_noise(start) * 3.0)
                               / 0.18215, rtol=1e-6, atol=1e-6)
    assert make("AddNoise").add_noise(model, noise, torch.FloatTensor([]), start)[0] is start


# ---- progress, interrupt, errors -------------------------------------------------------------------

def test_progress_every_step_and_interrupt(make, sd1):
    model, pos, neg = sd1
    (sampler,) = make("KSamplerSelect").get_sampler("euler")
    sigmas = sigmas_of(make, model, steps=3)
    seen = []
    scope = NodeScope(None, "p", "7", "SamplerCustom", on_progress=lambda v, m, p: seen.append((v, m)))
    with activate(scope):
        custom_sampler(make, model, pos, neg, sampler, sigmas)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    stop = NodeScope(None, "p", "7", "SamplerCustom", is_interrupted=lambda: True)
    with activate(stop), pytest.raises(Interrupted):
        custom_sampler(make, model, pos, neg, sampler, sigmas)


def test_bad_inputs_name_the_node_and_input(make, sd1):
    model, pos, neg = sd1
    (sampler,) = make("KSamplerSelect").get_sampler("euler")
    with pytest.raises(NodeInputError, match="SamplerCustom.*sigmas"):
        custom_sampler(make, model, pos, neg, sampler, [1.0, 0.0])
    with pytest.raises(NodeInputError, match="SamplerCustom.*sampler"):
        custom_sampler(make, model, pos, neg, "euler", torch.tensor([1.0, 0.0]))
    with pytest.raises(NodeInputError, match="SamplerCustomAdvanced.*guider"):
        make("SamplerCustomAdvanced").sample(custom.EmptyNoise(), object(), sampler, torch.tensor([1.0, 0.0]),
                                             empty_latent())
    with pytest.raises(NodeInputError, match="KSamplerSelect.*nope"):
        make("KSamplerSelect").get_sampler("nope")
    with pytest.raises(NodeInputError, match="SamplerDPMAdaptative.*eta"):
        make("SamplerDPMAdaptative").get_sampler(3, 0.05, 0.0078, 0.05, 0.0, 1.0, 0.0, 0.81, 0.5, 1.0)
    with pytest.raises(ValueError, match="euler.*eta"):
        custom.Sampler("euler", {"eta": 1.0})
    with pytest.raises(ValueError, match="CFGGuider.*positive.*set_conds"):
        custom.CFGGuider(model).sample(torch.zeros(1, 4, 8, 8), torch.zeros(1, 4, 8, 8), sampler,
                                       torch.tensor([1.0, 0.0]))


def test_dpm_adaptive_sampler_node_runs(make, sd1):
    model, pos, neg = sd1
    (sampler,) = make("SamplerDPMAdaptative").get_sampler(3, 0.05, 0.0078, 0.05, 0.0, 1.0, 0.0, 0.81, 0.0, 1.0)
    out, den = custom_sampler(make, model, pos, neg, sampler, sigmas_of(make, model, steps=2), cfg=1.0)
    assert torch.isfinite(out["samples"]).all() and torch.isfinite(den["samples"]).all()


# ---- declarations ----------------------------------------------------------------------------------

def test_input_types_defaults_and_outputs_match_comfyui(registry):
    def req(name):
        return registry.get(name).INPUT_TYPES()["required"]
    sc = req("SamplerCustom")
    assert list(sc) == ["model", "add_noise", "noise_seed", "cfg", "positive", "negative", "sampler", "sigmas",
                        "latent_image"]
    assert sc["add_noise"] == ("BOOLEAN", {"default": True})
    assert sc["noise_seed"][1] == {"default": 0, "min": 0, "max": SEED_MAX, "control_after_generate": True}
    assert sc["cfg"][1] == {"default": 8.0, "min": 0.0, "max": 100.0, "step": 0.1, "round": 0.01}
    assert list(req("SamplerCustomAdvanced")) == ["noise", "guider", "sampler", "sigmas", "latent_image"]
    for name in ("SamplerCustom", "SamplerCustomAdvanced"):
        cls = registry.get(name)
        assert cls.RETURN_TYPES == ("LATENT", "LATENT") and cls.RETURN_NAMES == ("output", "denoised_output")
        assert cls.CATEGORY == "sampling/custom_sampling"
    bs = req("BasicScheduler")
    assert list(bs) == ["model", "scheduler", "steps", "denoise"]
    assert bs["steps"][1] == {"default": 20, "min": 1, "max": 10000}
    assert bs["scheduler"][0][:3] == ["simple", "sgm_uniform", "karras"]
    ks = req("KarrasScheduler")
    assert [ks[k][1]["default"] for k in ("steps", "sigma_max", "sigma_min", "rho")] == [20, 14.614642, 0.0291675, 7.0]
    assert ks["sigma_max"][1]["max"] == 5000.0 and ks["sigma_max"][1]["round"] is False
    assert req("PolyexponentialScheduler")["rho"][1]["default"] == 1.0
    assert req("SDTurboScheduler")["steps"][1] == {"default": 1, "min": 1, "max": 10}
    assert req("SplitSigmas")["step"][1] == {"default": 0, "min": 0, "max": 10000}
    assert registry.get("SplitSigmas").RETURN_NAMES == ("high_sigmas", "low_sigmas")
    assert req("KSamplerSelect")["sampler_name"][0][0] == "euler"
    assert list(req("SamplerDPMPP_2M_SDE")) == ["solver_type", "eta", "s_noise", "noise_device"]
    assert req("SamplerDPMPP_2M_SDE")["noise_device"][0] == ["gpu", "cpu"]
    assert req("SamplerEulerAncestralCFGPP")["eta"][1]["max"] == 1.0
    ada = req("SamplerDPMAdaptative")
    assert [ada[k][1]["default"] for k in ada] == [3, 0.05, 0.0078, 0.05, 0.0, 1.0, 0.0, 0.81, 0.0, 1.0]
    assert list(req("DualCFGGuider")) == ["model", "cond1", "cond2", "negative", "cfg_conds", "cfg_cond2_negative",
                                          "style"]
    assert list(req("CFGGuider")) == ["model", "positive", "negative", "cfg"]
    assert req("RandomNoise")["noise_seed"][1]["control_after_generate"] is True
    assert req("DisableNoise") == {}
    categories = {
        "sampling/custom_sampling/schedulers": ["BasicScheduler", "KarrasScheduler", "ExponentialScheduler",
                                                "PolyexponentialScheduler", "SDTurboScheduler", "BetaSamplingScheduler",
                                                "VPScheduler", "LaplaceScheduler"],
        "sampling/custom_sampling/sigmas": ["SplitSigmas", "SplitSigmasDenoise", "FlipSigmas", "SetFirstSigma",
                                            "ManualSigmas", "SamplingPercentToSigma", "ExtendIntermediateSigmas"],
        "sampling/custom_sampling/samplers": ["KSamplerSelect", "SamplerEulerAncestral", "SamplerEulerAncestralCFGPP",
                                              "SamplerDPMPP_2M_SDE", "SamplerDPMPP_SDE", "SamplerDPMPP_3M_SDE",
                                              "SamplerDPMPP_2S_Ancestral", "SamplerLMS", "SamplerDPMAdaptative",
                                              "SamplerSEEDS2", "SamplerER_SDE", "SamplerSASolver"],
        "sampling/custom_sampling/noise": ["RandomNoise", "DisableNoise", "AddNoise"],
        "sampling/custom_sampling/guiders": ["BasicGuider", "CFGGuider", "DualCFGGuider"],
    }
    for cat, names in categories.items():
        for name in names:
            assert registry.get(name).CATEGORY == cat, name
            info = registry.node_info(name)
            assert info["category"] == cat
    assert registry.display_name("SamplerEulerAncestralCFGPP") == "SamplerEulerAncestralCFG++"
    assert registry.node_info("SamplerCustom")["output_name"] == ["output", "denoised_output"]
    assert math.isclose(registry.get("SamplerLMS").INPUT_TYPES()["required"]["order"][1]["default"], 4)


def test_ui_workflow_widgets_convert_to_the_custom_sampling_inputs(registry):
    from engine.graph.workflow import ui_to_api
    wf = {"last_node_id": 3, "last_link_id": 1, "version": 0.4, "links": [[1, 2, 0, 1, 6, "SIGMAS"]], "nodes": [
        {"id": 1, "type": "SamplerCustom", "mode": 0, "inputs": [{"name": "sigmas", "type": "SIGMAS", "link": 1}],
         "outputs": [], "widgets_values": [False, 42, "randomize", 7.5]},
        {"id": 2, "type": "KarrasScheduler", "mode": 0, "inputs": [],
         "outputs": [{"name": "SIGMAS", "type": "SIGMAS", "links": [1]}], "widgets_values": [10, 14.6, 0.03, 7]},
        {"id": 3, "type": "SamplerDPMPP_2M_SDE", "mode": 0, "inputs": [], "outputs": [],
         "widgets_values": ["heun", 0.5, 1.0, "cpu"]},
    ]}
    api = ui_to_api(wf, registry)
    assert api["1"]["inputs"] == {"add_noise": False, "noise_seed": 42, "cfg": 7.5, "sigmas": ["2", 0]}
    assert api["2"]["inputs"] == {"steps": 10, "sigma_max": 14.6, "sigma_min": 0.03, "rho": 7}
    assert api["3"]["inputs"] == {"solver_type": "heun", "eta": 0.5, "s_noise": 1.0, "noise_device": "cpu"}
