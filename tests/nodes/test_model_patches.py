"""Model patch and merge nodes: their numbers against independent computations, end to end on the tiny SD1."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch

from tests.tinymodels import tiny_models  # noqa: F401  (pytest fixture)

import nodes.model_patches as mp


@pytest.fixture(scope="module")
def sd1(tiny_models):  # noqa: F811
    from engine.diffusion.checkpoint import load_checkpoint
    from engine.diffusion.device import DeviceManager
    torch.set_num_threads(1)
    dm = DeviceManager(cpu=True, force_fp32=True)
    model, clip, vae = load_checkpoint(tiny_models.checkpoint("sd1"), dm)
    return model, clip, vae, clip.encode("a cat on a mat"), clip.encode("blurry")


def _run(model, pos, neg, cfg=5.0, steps=3, sampler="euler", scheduler="normal", size=16):
    from engine.diffusion.sampling.ksampler import sample
    latent = torch.zeros(1, 4, size, size)
    noise = torch.randn(latent.shape, generator=torch.Generator().manual_seed(3))
    return sample(model, noise, steps, cfg, sampler, scheduler, pos, neg, latent, seed=3)


# ----------------------------------------------------------------------------------- RescaleCFG
def test_rescale_cfg_against_a_float64_computation():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 4, 5, 6, generator=g)
    x0_c, x0_u = torch.randn(2, 4, 5, 6, generator=g), torch.randn(2, 4, 5, 6, generator=g)
    sigma = torch.tensor([3.5, 0.7])
    scale, mult = 6.0, 0.7
    (m,) = mp.RescaleCFG().patch(_FakeHandle(), mult)
    fn = m.model_options["sampler_cfg_function"]
    got = x - fn({"cond": x - x0_c, "uncond": x - x0_u, "cond_scale": scale, "sigma": sigma, "input": x,
                  "timestep": sigma, "cond_denoised": x0_c, "uncond_denoised": x0_u})
    for b in range(2):
        s = float(sigma[b])
        xs, c, u = (t[b].double().numpy() for t in (x, x0_c, x0_u))
        k = math.sqrt(s * s + 1)
        v_c = (xs / (s * s + 1) - c) * k / s          # v-prediction outputs of the two x0 estimates
        v_u = (xs / (s * s + 1) - u) * k / s
        v = v_u + scale * (v_c - v_u)
        v = mult * v * (v_c.std(ddof=1) / v.std(ddof=1)) + (1 - mult) * v
        want = xs / (s * s + 1) - v * s / k
        np.testing.assert_allclose(got[b].numpy(), want, rtol=1e-4, atol=1e-4)
    # multiplier 0 is plain CFG
    (m0,) = mp.RescaleCFG().patch(_FakeHandle(), 0.0)
    got0 = x - m0.model_options["sampler_cfg_function"](
        {"cond": x - x0_c, "uncond": x - x0_u, "cond_scale": scale, "sigma": sigma, "input": x})
    torch.testing.assert_close(got0, x0_u + scale * (x0_c - x0_u), rtol=1e-4, atol=1e-4)


class _FakeHandle:
    """Just enough of a ModelHandle for the option-only patches."""

    def __init__(self):
        from engine.diffusion.handles import copy_model_options
        self.model_options = {"transformer_options": {}}
        self._copy = copy_model_options

    def clone(self):
        other = _FakeHandle()
        other.model_options = self._copy(self.model_options)
        return other

    def set_model_sampler_cfg_function(self, fn, disable_cfg1_optimization=False):
        self.model_options["sampler_cfg_function"] = fn


# ----------------------------------------------------------------------------------- FreeU
def _np_fourier(x: np.ndarray, scale: float) -> np.ndarray:
    f = np.fft.fftshift(np.fft.fft2(x), axes=(-2, -1))
    h, w = x.shape[-2:]
    f[..., h // 2 - 1:h // 2 + 1, w // 2 - 1:w // 2 + 1] *= scale
    return np.real(np.fft.ifft2(np.fft.ifftshift(f, axes=(-2, -1))))


def test_fourier_filter_on_a_known_image():
    yy, xx = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    checker = np.where((yy + xx) % 2 == 0, 1.0, -1.0)           # energy only at the Nyquist corner
    img = torch.tensor(0.75 + checker, dtype=torch.float32)[None, None]
    out = mp.fourier_filter(img, 1, 0.0)                       # DC removed, the checkerboard untouched
    np.testing.assert_allclose(out[0, 0].numpy(), checker, atol=1e-6)
    out = mp.fourier_filter(img, 1, 0.5)
    np.testing.assert_allclose(out[0, 0].numpy(), 0.375 + checker, atol=1e-6)
    rnd = torch.randn(2, 3, 6, 10, generator=torch.Generator().manual_seed(1))
    np.testing.assert_allclose(mp.fourier_filter(rnd, 1, 0.3).numpy(), _np_fourier(rnd.double().numpy(), 0.3),
                               atol=1e-5)


@pytest.mark.parametrize("v2", [False, True])
def test_freeu_output_block_patch_numbers(v2):
    g = torch.Generator().manual_seed(2)
    patch = mp.freeu_patch(32, 1.5, 1.25, 0.5, 0.25, v2)
    for channels, b, s in ((128, 1.5, 0.5), (64, 1.25, 0.25)):
        h = torch.randn(2, channels, 6, 6, generator=g)
        skip = torch.randn(2, channels, 6, 6, generator=g)
        nh, nskip = patch(h.clone(), skip.clone(), {})
        hn = h.double().numpy()
        want = hn.copy()
        if v2:
            mean = hn.mean(axis=1, keepdims=True)
            lo = mean.reshape(2, -1).min(axis=1).reshape(2, 1, 1, 1)
            hi = mean.reshape(2, -1).max(axis=1).reshape(2, 1, 1, 1)
            want[:, :channels // 2] *= (b - 1) * (mean - lo) / (hi - lo) + 1
        else:
            want[:, :channels // 2] *= b
        np.testing.assert_allclose(nh.numpy(), want, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(nskip.numpy(), _np_fourier(skip.double().numpy(), s), atol=1e-5)
    h, skip = torch.randn(1, 96, 4, 4), torch.randn(1, 96, 4, 4)   # other widths pass through
    nh, nskip = patch(h, skip, {})
    assert nh is h and nskip is skip


# ----------------------------------------------------------------------------------- model sampling
def _np_discrete_sigmas() -> np.ndarray:
    betas = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=np.float64) ** 2
    ac = np.cumprod(1 - betas)
    return np.sqrt((1 - ac) / ac)


def test_model_sampling_discrete_tables():
    table = _np_discrete_sigmas()
    eps = mp.discrete_sampling("eps")
    np.testing.assert_allclose(eps.sigmas.numpy(), table, rtol=1e-6)
    lcm = mp.discrete_sampling("lcm")
    assert lcm.sigmas.shape == (50,)
    np.testing.assert_allclose(lcm.sigmas.numpy(), table[19::20], rtol=1e-6)
    assert lcm.timestep(torch.tensor([float(lcm.sigmas[0]), float(lcm.sigmas[-1])])).tolist() == [19, 999]
    z = mp.discrete_sampling("v_prediction", zsnr=True)
    a = np.sqrt(1 / (table.astype(np.float32).astype(np.float64) ** 2 + 1))
    a = (a - a[-1]) * a[0] / (a[0] - a[-1])
    bar = a ** 2
    bar[-1] = 4.8973451890853435e-08
    np.testing.assert_allclose(z.sigmas.numpy(), np.sqrt((1 - bar) / bar), rtol=1e-4)  # float32 1 - bar
    assert float(z.sigma_max) == pytest.approx(4518.98, rel=1e-4)


def test_model_sampling_parameterisations():
    g = torch.Generator().manual_seed(4)
    x, out = torch.randn(2, 4, 3, 3, generator=g), torch.randn(2, 4, 3, 3, generator=g)
    sigma = torch.tensor([2.0, 0.5])
    s = sigma.view(2, 1, 1, 1)
    v = mp.discrete_sampling("v_prediction")
    torch.testing.assert_close(v.calculate_denoised(sigma, out, x), x / (s ** 2 + 1) - out * s / (s ** 2 + 1).sqrt())
    torch.testing.assert_close(v.calculate_input(sigma, x), x / (s ** 2 + 1).sqrt())
    x0 = mp.discrete_sampling("x0")
    assert torch.equal(x0.calculate_denoised(sigma, out, x), out)
    i2i = mp.discrete_sampling("img_to_img")
    assert torch.equal(i2i.calculate_input(sigma, x), x)
    lcm = mp.discrete_sampling("lcm")
    t = lcm.timestep(sigma).double().view(2, 1, 1, 1) * 10.0
    c_skip, c_out = 0.25 / (t ** 2 + 0.25), t / (t ** 2 + 0.25).sqrt()
    want = c_out * (x.double() - out.double() * s.double()) + c_skip * x.double()
    torch.testing.assert_close(lcm.calculate_denoised(sigma, out, x).double(), want, rtol=1e-5, atol=1e-5)
    edm = mp.continuous_edm_sampling("edm", 0.002, 120.0)
    sd = 0.5
    torch.testing.assert_close(edm.calculate_denoised(sigma, out, x),
                               x * sd ** 2 / (s ** 2 + sd ** 2) + out * s * sd / (s ** 2 + sd ** 2).sqrt())
    torch.testing.assert_close(edm.calculate_input(sigma, x), x / (s ** 2 + sd ** 2).sqrt())
    torch.testing.assert_close(edm.timestep(sigma), 0.25 * sigma.log())
    assert float(edm.sigma_min) == pytest.approx(0.002) and float(edm.sigma_max) == pytest.approx(120.0, rel=1e-5)
    assert edm.percent_to_sigma(0.5) == pytest.approx(math.sqrt(0.002 * 120.0), rel=1e-6)
    assert edm.percent_to_sigma(0.0) > 1e8 and edm.percent_to_sigma(1.0) == 0.0


def test_model_sampling_discrete_v_changes_the_denoiser_as_the_formula_says(sd1):
    from engine.diffusion.sampling.conditioning import prepare_conditioning
    from engine.diffusion.sampling.denoiser import CFGDenoiser
    model, _, _, pos, neg = sd1
    (vm,) = mp.ModelSamplingDiscrete().patch(model, "v_prediction", False)
    assert model.model_sampling.prediction == "eps" and vm.model_sampling.prediction == "v"
    x = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(5)) * 3
    sigma = torch.tensor([2.5])
    p, n = prepare_conditioning(vm, pos, neg, x.shape, torch.device("cpu"), x)
    got = CFGDenoiser(vm, p, n, 1.0)(x, sigma)
    t = vm.model_sampling.timestep(sigma)
    raw = model.apply_model(x / math.sqrt(2.5 ** 2 + 1), t, p[0]["model_inputs"]["context"])
    torch.testing.assert_close(got, x / (2.5 ** 2 + 1) - raw * 2.5 / math.sqrt(2.5 ** 2 + 1), rtol=1e-5, atol=1e-5)
    eps_got = CFGDenoiser(model, p, n, 1.0)(x, sigma)
    torch.testing.assert_close(eps_got, x - raw * 2.5, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------------- Deep Shrink
def test_patch_model_add_downscale_shrinks_the_chosen_block(sd1):
    model, _, _, _, _ = sd1
    (m,) = mp.PatchModelAddDownscale().patch(model, 3, 2.0, 0.0, 0.35, True, "bicubic", "bicubic")
    seen = []
    m.set_model_input_block_patch_after_skip(lambda h, o: (seen.append((o["block"][1], tuple(h.shape[-2:]))), h)[1])
    sig_hi = torch.tensor([float(model.model_sampling.sigma_max)])   # start_percent 0: highest sigmas shrink
    sig_lo = torch.tensor([0.05])                                     # past end_percent: untouched
    unet, x = model.unet, torch.randn(1, 4, 16, 16, generator=torch.Generator().manual_seed(6))
    ctx, t = torch.randn(1, 77, 32), torch.tensor([500.0])
    opts = m.model_options["transformer_options"]
    with torch.no_grad():
        plain = unet(x, t, ctx)
        shrunk = unet(x, t, ctx, transformer_options={**opts, "sigmas": sig_hi})
        shapes = dict(seen)
        seen.clear()
        late = unet(x, t, ctx, transformer_options={**opts, "sigmas": sig_lo})
    assert shapes[2] == (8, 8) and shapes[3] == (4, 4)                # block 3 ran at 8x8, then shrunk by 2
    assert dict(seen)[3] == (8, 8)
    assert shrunk.shape == plain.shape and not torch.allclose(shrunk, plain, atol=1e-3)
    assert torch.equal(late, plain)


# ----------------------------------------------------------------------------------- Perp-Neg
def test_perp_neg_formula():
    g = torch.Generator().manual_seed(7)
    p, n, e = (torch.randn(2, 4, 3, 3, generator=g) for _ in range(3))
    pos, neg = (p - e).double().numpy(), (n - e).double().numpy()
    perp = neg - (neg * pos).sum() / (pos ** 2).sum() * pos
    assert abs((perp * pos).sum()) < 1e-9                               # perpendicular to the positive
    want = e.double().numpy() + 7.0 * (pos - 1.5 * perp)
    np.testing.assert_allclose(mp.perp_neg(p, n, e, 1.5, 7.0).numpy(), want, rtol=1e-5, atol=1e-5)


def test_perp_neg_node_and_guider_agree(sd1):
    from engine.diffusion.sampling.custom import RandomNoise, Sampler, sample_with_sigmas
    from engine.diffusion.sampling.ksampler import ksampler_sigmas
    model, clip, _, pos, neg = sd1
    empty = clip.encode("")
    (m,) = mp.PerpNeg().patch(model, empty, 1.5)
    legacy = _run(m, pos, neg, cfg=6.0)
    (guider,) = mp.PerpNegGuider().get_guider(model, pos, neg, empty, 6.0, 1.5)
    latent = torch.zeros(1, 4, 16, 16)
    noise = RandomNoise(0)
    noise_t = torch.randn(latent.shape, generator=torch.Generator().manual_seed(3))
    sigmas = ksampler_sigmas(model.model_sampling, "normal", "euler", 3)
    out, _ = sample_with_sigmas(model, noise_t, sigmas, Sampler("euler"), guider, latent, seed=3)
    assert noise.seed == 0
    torch.testing.assert_close(out, legacy, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(legacy, _run(model, pos, neg, cfg=6.0), atol=1e-3)


# ----------------------------------------------------------------------------------- end to end
def test_every_patch_runs_on_tiny_sd1_and_leaves_the_input_model_alone(sd1):
    model, clip, _, pos, neg = sd1
    before = _run(model, pos, neg)
    patched = {
        "RescaleCFG": mp.RescaleCFG().patch(model, 0.7)[0],
        "FreeU": mp.FreeU().patch(model, 1.1, 1.2, 0.9, 0.2)[0],
        "FreeU_V2": mp.FreeU_V2().patch(model, 1.3, 1.4, 0.9, 0.2)[0],
        "MSD v": mp.ModelSamplingDiscrete().patch(model, "v_prediction", False)[0],
        "MSD lcm": mp.ModelSamplingDiscrete().patch(model, "lcm", False)[0],
        "MSD eps zsnr": mp.ModelSamplingDiscrete().patch(model, "eps", True)[0],
        "EDM v": mp.ModelSamplingContinuousEDM().patch(model, "v_prediction", 120.0, 0.002)[0],
        "DeepShrink": mp.PatchModelAddDownscale().patch(model, 1, 2.0, 0.0, 0.35, False, "bislerp", "bicubic")[0],
        "PerpNeg": mp.PerpNeg().patch(model, clip.encode("x"), 1.0)[0],
    }
    for name, m in patched.items():
        assert m is not model
        out = _run(m, pos, neg)
        assert torch.isfinite(out).all(), name
        assert not torch.allclose(out, before, atol=1e-4), name
    assert torch.equal(_run(model, pos, neg), before)
    assert "sampler_cfg_function" not in model.model_options
    assert not model.model_options["transformer_options"].get("patches")
    assert model.model_sampling.prediction == "eps" and len(model.model_sampling.sigmas) == 1000


def test_patches_stack_on_clones_without_sharing():
    from engine.diffusion.handles import ModelHandle
    h = ModelHandle.__new__(ModelHandle)
    h.model_options = {"transformer_options": {}}
    h.set_model_output_block_patch(len)
    other = ModelHandle.__new__(ModelHandle)
    from engine.diffusion.handles import copy_model_options
    other.model_options = copy_model_options(h.model_options)
    other.set_model_output_block_patch(abs)
    assert h.model_options["transformer_options"]["patches"]["output_block_patch"] == [len]
    assert other.model_options["transformer_options"]["patches"]["output_block_patch"] == [len, abs]


def test_bad_inputs_name_the_node(sd1):
    model = sd1[0]
    with pytest.raises(ValueError, match="ModelSamplingContinuousEDM: sampling 'cosmos_rflow'"):
        mp.ModelSamplingContinuousEDM().patch(model, "cosmos_rflow", 120.0, 0.002)
    with pytest.raises(ValueError, match="ModelSamplingContinuousEDM: need 0 < sigma_min"):
        mp.ModelSamplingContinuousEDM().patch(model, "eps", 1.0, 0.0)
    with pytest.raises(ValueError, match="ModelSamplingDiscrete: sampling must be one of"):
        mp.ModelSamplingDiscrete().patch(model, "flow", False)
    with pytest.raises(ValueError, match="FreeU: model input is not a MODEL"):
        mp.FreeU().patch(None, 1.1, 1.2, 0.9, 0.2)


# ----------------------------------------------------------------------------------- ComfyUI's specs
COMFY_SPECS = {
    "RescaleCFG": ("advanced/model", {"multiplier": ("FLOAT", {"default": 0.7, "min": 0.0, "max": 1.0, "step": 0.01})}),
    "FreeU": ("model_patches/unet", {"b1": ("FLOAT", {"default": 1.1, "min": 0.0, "max": 10.0, "step": 0.01}),
                                     "s2": ("FLOAT", {"default": 0.2, "min": 0.0, "max": 10.0, "step": 0.01})}),
    "FreeU_V2": ("model_patches/unet", {"b1": ("FLOAT", {"default": 1.3, "min": 0.0, "max": 10.0, "step": 0.01}),
                                        "b2": ("FLOAT", {"default": 1.4, "min": 0.0, "max": 10.0, "step": 0.01})}),
    "ModelSamplingDiscrete": ("advanced/model", {"sampling": (["eps", "v_prediction", "lcm", "x0", "img_to_img"],),
                                                 "zsnr": ("BOOLEAN", {"default": False})}),
    "ModelSamplingContinuousEDM": ("advanced/model", {
        "sampling": (["v_prediction", "edm", "edm_playground_v2.5", "eps", "cosmos_rflow"],),
        "sigma_max": ("FLOAT", {"default": 120.0, "min": 0.0, "max": 1000.0, "step": 0.001, "round": False})}),
    "PatchModelAddDownscale": ("model_patches/unet", {
        "block_number": ("INT", {"default": 3, "min": 1, "max": 32, "step": 1}),
        "end_percent": ("FLOAT", {"default": 0.35, "min": 0.0, "max": 1.0, "step": 0.001}),
        "downscale_method": (["bicubic", "nearest-exact", "bilinear", "area", "bislerp"],)}),
    "PerpNeg": ("_for_testing", {"neg_scale": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 100.0, "step": 0.01})}),
    "PerpNegGuider": ("_for_testing", {
        "cfg": ("FLOAT", {"default": 8.0, "min": 0.0, "max": 100.0, "step": 0.1, "round": 0.01})}),
}


@pytest.mark.parametrize("name", sorted(COMFY_SPECS))
def test_input_types_match_comfyui(registry, name):
    category, inputs = COMFY_SPECS[name]
    cls = registry.get(name)
    assert cls is not None and cls.CATEGORY == category
    req = cls.INPUT_TYPES()["required"]
    for key, spec in inputs.items():
        assert tuple(req[key]) == spec, key
    assert list(req)[0] == "model"


def test_display_names(registry):
    assert registry.display_name("PatchModelAddDownscale") == "PatchModelAddDownscale (Kohya Deep Shrink)"
    assert registry.display_name("PerpNeg") == "Perp-Neg (DEPRECATED by PerpNegGuider)"


# =================================================================================== merges and saving
import nodes.model_merge as mm  # noqa: E402


@pytest.fixture(scope="module")
def two_sd1(tiny_models, tmp_path_factory):  # noqa: F811
    from engine.diffusion.checkpoint import load_checkpoint
    from engine.diffusion.device import DeviceManager
    from engine.diffusion.tiny import write_tiny_checkpoint
    other = write_tiny_checkpoint(str(tmp_path_factory.mktemp("other") / "other_sd1.safetensors"), "sd1", seed=7)
    dm = DeviceManager(cpu=True, force_fp32=True)
    a = load_checkpoint(tiny_models.checkpoint("sd1"), dm)
    b = load_checkpoint(other, dm)
    return dm, a, b


def _weights(module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _assert_weights(got: dict, want: dict, exact: bool = False):
    assert set(got) == set(want)
    for k in want:
        if exact:
            assert torch.equal(got[k], want[k]), k
        else:
            torch.testing.assert_close(got[k], want[k], rtol=1e-6, atol=1e-6, msg=k)


def test_model_merges_at_0_half_1_and_originals_come_back(two_sd1):
    _, (m1, _, _), (m2, _, _) = two_sd1
    w1, w2 = _weights(m1.unet), _weights(m2.unet)
    assert any(not torch.equal(w1[k], w2[k]) for k in w1)
    (same,) = mm.ModelMergeSimple().merge(m1, m2, 1.0)
    _assert_weights(mm.unet_state_dict(same), w1, exact=True)
    (other,) = mm.ModelMergeSimple().merge(m1, m2, 0.0)
    _assert_weights(mm.unet_state_dict(other), w2)
    (half,) = mm.ModelMergeSimple().merge(m1, m2, 0.5)
    _assert_weights(mm.unet_state_dict(half), {k: (w1[k] + w2[k]) / 2 for k in w1})
    (sub,) = mm.ModelMergeSubtract().merge(m1, m2, 0.5)
    _assert_weights(mm.unet_state_dict(sub), {k: w1[k] - 0.5 * w2[k] for k in w1})
    (add,) = mm.ModelMergeAdd().merge(m1, m2)
    _assert_weights(mm.unet_state_dict(add), {k: w1[k] + w2[k] for k in w1})
    # the merged model runs as model2 at ratio 0; the loaded modules still hold their own weights
    x, t, ctx = torch.randn(1, 4, 8, 8), torch.tensor([300]), torch.randn(1, 77, 32)
    torch.testing.assert_close(other.apply_model(x, t, ctx), m2.apply_model(x, t, ctx), rtol=1e-5, atol=1e-5)
    _assert_weights(_weights(m1.unet), w1, exact=True)
    _assert_weights(_weights(m2.unet), w2, exact=True)
    assert not m1.patcher.patches and not m2.patcher.patches


def test_model_merge_blocks_ratios_per_block(two_sd1):
    _, (m1, _, _), (m2, _, _) = two_sd1
    w1, w2 = _weights(m1.unet), _weights(m2.unet)
    (m,) = mm.ModelMergeBlocks().merge(m1, m2, input=0.0, middle=1.0, out=0.25)
    got = mm.unet_state_dict(m)
    for k in w1:
        ratio = 1.0 if k.startswith("middle") else 0.25 if k.startswith("out") else 0.0   # time_embed: input's
        torch.testing.assert_close(got[k], ratio * w1[k] + (1 - ratio) * w2[k], rtol=1e-6, atol=1e-6, msg=k)


def test_merge_takes_model2_with_its_lora(two_sd1, tiny_models):  # noqa: F811
    from engine.diffusion.safe_load import load_state_dict
    from nodes.lora import apply_lora
    _, (m1, _, _), (m2, _, _) = two_sd1
    lora_m2, _, _ = apply_lora(m2, None, load_state_dict(tiny_models.lora("kohya", "sd1")), 0.8, 0.0, "test")
    (m,) = mm.ModelMergeSimple().merge(m1, lora_m2, 0.0)
    want = mm.unet_state_dict(lora_m2)
    assert any(not torch.equal(want[k], v) for k, v in _weights(m2.unet).items())
    _assert_weights(mm.unet_state_dict(m), want)


def test_clip_merges(two_sd1):
    _, (_, c1, _), (_, c2, _) = two_sd1
    e1, e2 = mm.clip_encoder_state_dicts(c1)["clip_l"], mm.clip_encoder_state_dicts(c2)["clip_l"]
    (half,) = mm.CLIPMergeSimple().merge(c1, c2, 0.5)
    _assert_weights(mm.clip_encoder_state_dicts(half)["clip_l"], {k: (e1[k] + e2[k]) / 2 for k in e1})
    (sub,) = mm.CLIPMergeSubtract().merge(c1, c2, 2.0)
    _assert_weights(mm.clip_encoder_state_dicts(sub)["clip_l"], {k: e1[k] - 2.0 * e2[k] for k in e1})
    (add,) = mm.CLIPMergeAdd().merge(c1, c2)
    _assert_weights(mm.clip_encoder_state_dicts(add)["clip_l"], {k: e1[k] + e2[k] for k in e1})
    (other,) = mm.CLIPMergeSimple().merge(c1, c2, 0.0)
    torch.testing.assert_close(other.encode("a dog")[0][0], c2.encode("a dog")[0][0], rtol=1e-5, atol=1e-5)
    _assert_weights(mm.clip_encoder_state_dicts(c1)["clip_l"], e1, exact=True)


def test_checkpoint_save_loads_back_with_the_same_outputs(two_sd1, make, ctx):
    import glob
    from safetensors import safe_open
    from engine.diffusion.checkpoint import load_checkpoint
    from engine.diffusion.device import DeviceManager
    _, (m1, c1, v1), (m2, c2, _) = two_sd1
    (merged,) = mm.ModelMergeSimple().merge(m1, m2, 0.3)
    (clip,) = mm.CLIPMergeSimple().merge(c1, c2, 0.6)
    assert make("CheckpointSave").save(merged, clip, v1, "checkpoints/ComfyUI", prompt={"1": {}}) == {}
    files = glob.glob(os.path.join(ctx.paths.output_dir, "checkpoints", "*.safetensors"))
    assert [os.path.basename(f) for f in files] == ["ComfyUI_00001_.safetensors"]
    with safe_open(files[0], "pt") as f:
        keys = set(f.keys())
        assert f.metadata()["prompt"] == '{"1": {}}'
    assert any(k.startswith("model.diffusion_model.input_blocks.") for k in keys)
    assert any(k.startswith("cond_stage_model.transformer.text_model.encoder.layers.") for k in keys)
    assert any(k.startswith("first_stage_model.decoder.") for k in keys)
    m, c, v = load_checkpoint(files[0], DeviceManager(cpu=True, force_fp32=True))
    _assert_weights(_weights(m.unet), mm.unet_state_dict(merged), exact=True)
    x, t, cond = torch.randn(1, 4, 8, 8), torch.tensor([600]), clip.encode("a red fox")[0][0]
    assert torch.equal(c.encode("a red fox")[0][0], cond)
    assert torch.equal(m.apply_model(x, t, cond), merged.apply_model(x, t, cond))
    assert torch.equal(v.decode(x), v1.decode(x))
    make("CheckpointSave").save(merged, clip, v1, "checkpoints/ComfyUI")
    assert os.path.exists(os.path.join(ctx.paths.output_dir, "checkpoints", "ComfyUI_00002_.safetensors"))


@pytest.mark.parametrize("family", ["sdxl", "sd2_v"])
def test_checkpoint_layout_round_trips_openclip_encoders(tiny_models, family):  # noqa: F811
    from safetensors import safe_open
    from engine.diffusion.checkpoint import load_checkpoint
    from engine.diffusion.device import DeviceManager
    path = tiny_models.checkpoint(family)
    model, clip, vae = load_checkpoint(path, DeviceManager(cpu=True, force_fp32=True))
    saved = mm.checkpoint_state_dict(model, clip, vae)
    with safe_open(path, "pt") as f:
        original = {k: f.get_tensor(k) for k in f.keys()
                    if not k.endswith(("logit_scale", "position_ids")) and k != "alphas_cumprod"}
    if family == "sd2_v":
        assert "v_pred" in saved
        saved.pop("v_pred")
    assert set(saved) == set(original)
    for k, v in original.items():
        assert torch.equal(saved[k].to(v.dtype), v), k


def test_vae_and_clip_save_files_load(two_sd1, make, ctx):
    import glob
    from engine.diffusion.checkpoint import load_clip, load_vae
    dm, (_, c1, v1), _ = two_sd1
    make("VAESave").save(v1, "vae/ComfyUI_vae")
    (vae_file,) = glob.glob(os.path.join(ctx.paths.output_dir, "vae", "ComfyUI_vae_00001_.safetensors"))
    x = torch.randn(1, 4, 8, 8)
    assert torch.equal(load_vae(vae_file, dm).decode(x), v1.decode(x))
    make("CLIPSave").save(c1, "clip/ComfyUI")
    (clip_file,) = glob.glob(os.path.join(ctx.paths.output_dir, "clip", "ComfyUI_clip_l_00001_.safetensors"))
    loaded = load_clip([clip_file], "stable_diffusion", dm)
    assert torch.equal(loaded.encode("hello")[0][0], c1.encode("hello")[0][0])


def test_merge_nodes_name_bad_inputs(two_sd1):
    _, (m1, c1, _), _ = two_sd1
    with pytest.raises(ValueError, match="ModelMergeSimple: input model2 is not a MODEL"):
        mm.ModelMergeSimple().merge(m1, c1, 0.5)
    with pytest.raises(ValueError, match="CLIPMergeAdd: input clip2 is not a CLIP"):
        mm.CLIPMergeAdd().merge(c1, m1)


MERGE_SPECS = {
    "ModelMergeSimple": {"ratio": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01})},
    "ModelMergeBlocks": {"out": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01})},
    "ModelMergeSubtract": {"multiplier": ("FLOAT", {"default": 1.0, "min": -10.0, "max": 10.0, "step": 0.01})},
    "CLIPMergeSimple": {"ratio": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01})},
    "CheckpointSave": {"filename_prefix": ("STRING", {"default": "checkpoints/ComfyUI"})},
    "VAESave": {"filename_prefix": ("STRING", {"default": "vae/ComfyUI_vae"})},
    "CLIPSave": {"filename_prefix": ("STRING", {"default": "clip/ComfyUI"})},
}


@pytest.mark.parametrize("name", sorted(MERGE_SPECS))
def test_merge_input_types_match_comfyui(registry, name):
    cls = registry.get(name)
    assert cls.CATEGORY == "advanced/model_merging"
    req = cls.INPUT_TYPES()["required"]
    for key, spec in MERGE_SPECS[name].items():
        assert tuple(req[key]) == spec, key
    assert list(registry.get("ModelMergeBlocks").INPUT_TYPES()["required"]) == ["model1", "model2", "input",
                                                                                "middle", "out"]
    assert registry.display_name("CheckpointSave") == "Save Checkpoint"
    assert registry.get("CheckpointSave").OUTPUT_NODE is True


def test_a_workflow_with_patches_merges_and_checkpoint_save_runs(registry, ctx, tiny_models):  # noqa: F811
    import shutil
    from engine.graph.cache import make_cache
    from engine.diffusion.device import DeviceManager
    from engine.graph.executor import Executor
    ctx.device = DeviceManager(cpu=True, force_fp32=True)
    folder = ctx.paths.folder("checkpoints")[0]
    os.makedirs(folder, exist_ok=True)
    shutil.copy(tiny_models.checkpoint("sd1"), os.path.join(folder, "tiny.safetensors"))
    prompt = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny.safetensors"}},
        "2": {"class_type": "FreeU_V2", "inputs": {"model": ["1", 0], "b1": 1.3, "b2": 1.4, "s1": 0.9, "s2": 0.2}},
        "3": {"class_type": "RescaleCFG", "inputs": {"model": ["2", 0], "multiplier": 0.7}},
        "4": {"class_type": "ModelMergeBlocks", "inputs": {"model1": ["3", 0], "model2": ["1", 0], "input": 0.5,
                                                           "middle": 0.2, "out": 0.9}},
        "5": {"class_type": "PatchModelAddDownscale", "inputs": {
            "model": ["4", 0], "block_number": 3, "downscale_factor": 2.0, "start_percent": 0.0, "end_percent": 0.35,
            "downscale_after_skip": True, "downscale_method": "bicubic", "upscale_method": "bicubic"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "a house"}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": ""}},
        "8": {"class_type": "EmptyLatentImage", "inputs": {"width": 128, "height": 128, "batch_size": 1}},
        "9": {"class_type": "KSampler", "inputs": {
            "model": ["5", 0], "seed": 1, "steps": 2, "cfg": 6.0, "sampler_name": "euler", "scheduler": "normal",
            "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["8", 0], "denoise": 1.0}},
        "10": {"class_type": "SaveLatent", "inputs": {"samples": ["9", 0], "filename_prefix": "latents/t"}},
        "11": {"class_type": "CLIPMergeSimple", "inputs": {"clip1": ["1", 1], "clip2": ["1", 1], "ratio": 0.5}},
        "12": {"class_type": "CheckpointSave", "inputs": {"model": ["4", 0], "clip": ["11", 0], "vae": ["1", 2],
                                                          "filename_prefix": "checkpoints/ComfyUI"}},
    }
    result = Executor(registry, make_cache("none"), ctx).execute(prompt, "p", {}, None, None)
    assert result.success, result.error
    assert os.path.isfile(os.path.join(ctx.paths.output_dir, "checkpoints", "ComfyUI_00001_.safetensors"))
    assert os.path.isfile(os.path.join(ctx.paths.output_dir, "latents", "t_00001_.latent"))
