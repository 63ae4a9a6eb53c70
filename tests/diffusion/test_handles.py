"""ModelHandle extra conditioning and model call; VAEHandle encode/decode, cropping, tiling."""
from __future__ import annotations

import dataclasses

import pytest
import torch

from engine.diffusion.checkpoint import load_checkpoint, load_vae
from engine.diffusion.device import DeviceManager
from engine.diffusion.families import get_family
from engine.diffusion.handles import BLANK_INPAINT_LATENT, ModelHandle, VAEHandle, fourier_embedding
from engine.diffusion.models.unet import timestep_embedding
from engine.diffusion.models.vae import VAEConfig
from tests.tinymodels import tiny_models  # noqa: F401

torch.set_num_threads(2)


@pytest.fixture(scope="module")
def dm() -> DeviceManager:
    return DeviceManager(cpu=True, force_fp32=True)


@pytest.fixture(scope="module")
def tiny_vae(tiny_models, dm) -> VAEHandle:
    return load_vae(tiny_models.vae("ldm"), dm)


def _fake_model(family_name: str, adm: int | None = None, in_channels: int = 4) -> ModelHandle:
    fam = get_family(family_name)
    cfg = dataclasses.replace(fam.unet_config, adm_in_channels=adm or fam.unet_config.adm_in_channels,
                              in_channels=in_channels)
    fam = dataclasses.replace(fam, unet_config=cfg)
    return ModelHandle(torch.nn.Linear(1, 1), fam, DeviceManager(cpu=True, force_fp32=True))


def test_fourier_embedding_matches_the_unet_timestep_embedding():
    vals = [1024.0, 768.0, 0.0, 32.0]
    want = timestep_embedding(torch.tensor(vals), 256).flatten()
    assert torch.allclose(fourier_embedding(vals), want, atol=1e-6)
    assert fourier_embedding([0.0])[:128].eq(1).all() and fourier_embedding([0.0])[128:].eq(0).all()


def test_sdxl_adm_vector_layout_and_latent_size_defaults():
    m = _fake_model("sdxl")                       # real sizes: pooled 1280 -> 2816
    pooled = torch.randn(1, 1280)
    out = m.extra_conds({"pooled_output": pooled}, batch=2, device="cpu", latent_shape=(2, 4, 96, 128))
    y = out["y"]
    assert y.shape == (2, 2816) and "c_concat" not in out
    assert torch.equal(y[0, :1280], pooled[0]) and torch.equal(y[0], y[1])
    # height, width, crop_h, crop_w, target_height, target_width; size = latent * 8
    assert torch.allclose(y[0, 1280:], fourier_embedding([768, 1024, 0, 0, 768, 1024]))
    # explicit values from CLIPTextEncodeSDXL win
    cond = {"pooled_output": pooled, "width": 2048, "height": 1536, "crop_w": 8, "crop_h": 16,
            "target_width": 1024, "target_height": 512}
    y = m.extra_conds(cond, 1, "cpu", latent_shape=(1, 4, 64, 64))["y"]
    assert torch.allclose(y[0, 1280:], fourier_embedding([1536, 2048, 16, 8, 512, 1024]))
    # latent size also read from the cond dict ("noise" as ComfyUI passes it); model default 768 otherwise
    y = m.extra_conds({"pooled_output": pooled, "noise": torch.zeros(1, 4, 32, 40)}, 1, "cpu")["y"]
    assert torch.allclose(y[0, 1280:], fourier_embedding([256, 320, 0, 0, 256, 320]))
    y = m.extra_conds({"pooled_output": pooled}, 1, "cpu")["y"]
    assert torch.allclose(y[0, 1280:], fourier_embedding([768] * 2 + [0, 0] + [768] * 2))


def test_refiner_adm_uses_aesthetic_score():
    m = _fake_model("sdxl_refiner")
    pooled = torch.randn(1, 1280)
    pos = m.extra_conds({"pooled_output": pooled}, 1, "cpu", latent_shape=(1, 4, 128, 128))["y"]
    assert pos.shape == (1, 2560)
    assert torch.allclose(pos[0, 1280:], fourier_embedding([1024, 1024, 0, 0, 6.0]))
    neg = m.extra_conds({"pooled_output": pooled, "prompt_type": "negative"}, 1, "cpu",
                        latent_shape=(1, 4, 128, 128))["y"]
    assert torch.allclose(neg[0, 1280:], fourier_embedding([1024, 1024, 0, 0, 2.5]))
    s = m.extra_conds({"pooled_output": pooled, "aesthetic_score": 9.0}, 1, "cpu", latent_shape=(1, 4, 8, 8))["y"]
    assert torch.allclose(s[0, 1280:], fourier_embedding([64, 64, 0, 0, 9.0]))


def test_sdxl_without_pooled_output_is_a_clear_error():
    with pytest.raises(ValueError, match="pooled_output"):
        _fake_model("sdxl").extra_conds({}, 1, "cpu", latent_shape=(1, 4, 8, 8))


def test_sd1_has_no_extra_conds():
    assert _fake_model("sd1").extra_conds({"pooled_output": torch.zeros(1, 768)}, 1, "cpu", (1, 4, 8, 8)) == {}


def test_inpaint_concat_defaults_and_mask():
    m = _fake_model("sd1", in_channels=9)
    c = m.extra_conds({}, 2, "cpu", latent_shape=(2, 4, 6, 5))["c_concat"]
    assert c.shape == (2, 5, 6, 5)
    assert c[:, 0].eq(1).all()
    for ch, v in enumerate(BLANK_INPAINT_LATENT):
        assert torch.allclose(c[:, 1 + ch], torch.full((2, 6, 5), v))
    latent = torch.randn(1, 4, 6, 5)
    mask = torch.zeros(1, 1, 6, 5)
    mask[..., 2:, :] = 0.8
    c = m.extra_conds({"denoise_mask": mask, "latent_image": latent}, 2, "cpu", latent_shape=(2, 4, 6, 5))["c_concat"]
    assert torch.equal(c[:, 0:1], mask.round().expand(2, 1, 6, 5))
    assert torch.equal(c[:, 1:], latent.expand(2, 4, 6, 5))
    # concat_latent_image is an unscaled LATENT: scaled by the family factor
    c = m.extra_conds({"concat_mask": mask, "concat_latent_image": latent}, 1, "cpu", (1, 4, 6, 5))["c_concat"]
    assert torch.allclose(c[:, 1:], latent * 0.18215)
    # called as the sampler does: no latent_shape, width/height (latent * 8) in the cond dict
    c = m.extra_conds({"width": 40, "height": 48, "latent_image": None, "denoise_mask": None}, 1, "cpu")
    assert c["c_concat"].shape == (1, 5, 6, 5)


def test_inpaint_model_runs_with_concat(tiny_models, dm):
    model, _, _ = load_checkpoint(tiny_models.checkpoint("sd1_inpaint"), dm, output_clip=False, output_vae=False)
    x = torch.randn(1, 4, 8, 8)
    extra = model.extra_conds({}, 1, "cpu", latent_shape=x.shape)
    ctx = torch.randn(1, 77, 32)
    out = model.apply_model(x, torch.tensor([100]), ctx, concat=extra["c_concat"])
    assert out.shape == (1, 4, 8, 8) and out.dtype == torch.float32
    with pytest.raises(ValueError, match="9 input channels"):
        model.apply_model(x, torch.tensor([100]), ctx)


def test_sdxl_tiny_model_runs_with_its_adm(tiny_models, dm):
    model, clip, _ = load_checkpoint(tiny_models.checkpoint("sdxl"), dm)
    cond, meta = clip.encode("a cat")[0]
    y = model.extra_conds(meta, 1, "cpu", latent_shape=(1, 4, 8, 8))["y"]
    assert y.shape == (1, 48 + 6 * 256)
    out = model.apply_model(torch.randn(1, 4, 8, 8), torch.tensor([10]), cond, y=y)
    assert torch.isfinite(out).all()


def test_clone_shares_module_and_sampling(tiny_models, dm):
    model, _, _ = load_checkpoint(tiny_models.checkpoint("sd2_v"), dm, output_clip=False, output_vae=False)
    c = model.clone()
    assert c.unet is model.unet and c.family is model.family
    assert c.model_sampling.prediction == "v"


# ------------------------------------------------------------------ VAE
def test_vae_decode_and_encode_shapes_and_ranges(tiny_vae):
    vae = tiny_vae
    img = vae.decode(torch.randn(2, 4, 5, 7) * 3)
    assert img.shape == (2, 40, 56, 3) and img.dtype == torch.float32
    assert img.min() >= 0 and img.max() <= 1
    # encode crops H and W down to multiples of 8, centred like ComfyUI
    pic = torch.rand(1, 37, 45, 3)
    lat = vae.encode(pic)
    assert lat.shape == (1, 4, 4, 5)
    assert torch.allclose(lat, vae.encode(pic[:, 2:34, 2:42]), atol=1e-6)
    # alpha channel is ignored
    assert torch.allclose(vae.encode(torch.cat([pic, torch.ones(1, 37, 45, 1)], -1)), lat, atol=1e-6)


def test_vae_matches_its_module_math(tiny_vae):
    vae = tiny_vae
    z = torch.randn(1, 4, 4, 4)
    with torch.no_grad():
        want = ((vae.vae.decode(z) + 1) / 2).clamp(0, 1).movedim(1, -1)
    assert torch.allclose(vae.decode(z), want, atol=1e-6)
    pic = torch.rand(1, 32, 32, 3)
    with torch.no_grad():
        want = vae.vae.encode(pic.movedim(-1, 1) * 2 - 1)
    assert torch.allclose(vae.encode(pic), want, atol=1e-6)


def test_vae_rejects_bad_inputs(tiny_vae):
    vae = tiny_vae
    with pytest.raises(ValueError, match="latent"):
        vae.decode(torch.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError, match="smaller than 8"):
        vae.encode(torch.zeros(1, 4, 4, 3))


class _PointwiseVAE(torch.nn.Module):
    """A VAE whose pixels depend only on their own latent: tiling must be exact."""

    def __init__(self):
        super().__init__()
        self.config = VAEConfig(ch=32, ch_mult=(1, 1, 1, 1), embed_dim=4)
        self.mix = torch.nn.Conv2d(4, 3, 1)
        self.unmix = torch.nn.Conv2d(3, 4, 1)

    def decode(self, z):
        return torch.nn.functional.interpolate(self.mix(z), scale_factor=8, mode="nearest")

    def encode(self, x):
        return self.unmix(torch.nn.functional.avg_pool2d(x, 8))


def test_tiled_decode_and_encode_blend_exactly_for_a_local_model():
    vae = VAEHandle(_PointwiseVAE(), DeviceManager(cpu=True, force_fp32=True))
    z = torch.randn(2, 4, 21, 13)
    full = vae.decode(z)
    tiled = vae.decode_tiled(z, tile=64, overlap=16)
    assert tiled.shape == full.shape == (2, 168, 104, 3)
    assert torch.allclose(tiled, full, atol=1e-5)
    pic = torch.rand(1, 168, 104, 3)
    assert torch.allclose(vae.encode_tiled(pic, tile=64, overlap=16), vae.encode(pic), atol=1e-5)


def test_tiled_decode_with_one_tile_equals_decode(tiny_vae):
    vae = tiny_vae
    z = torch.randn(1, 4, 6, 6)
    assert torch.allclose(vae.decode_tiled(z, tile=64, overlap=8), vae.decode(z), atol=1e-6)
    # real tiles on a real (non-local) VAE: right size, finite, close to the full decode in the mean
    z = torch.randn(1, 4, 10, 8)
    t = vae.decode_tiled(z, tile=48, overlap=16)
    assert t.shape == (1, 80, 64, 3) and torch.isfinite(t).all()


def test_vae_batch_is_split_by_memory(tiny_vae, monkeypatch):
    vae = tiny_vae
    z = torch.randn(3, 4, 4, 4)
    whole = vae.decode(z)
    calls = []
    real = vae.vae.decode
    monkeypatch.setattr(vae.vae, "decode", lambda x: calls.append(x.shape[0]) or real(x))
    monkeypatch.setattr(vae, "_free_bytes", lambda: 1)  # pretend memory is tight: one image per pass
    split = vae.decode(z)
    assert calls == [1, 1, 1]
    assert torch.allclose(split, whole, atol=1e-5)


def test_outputs_are_ordinary_tensors_downstream_code_may_edit(tiny_models, dm):
    """No inference-mode tensors leak out: nodes and samplers update results in place."""
    model, _, vae = load_checkpoint(tiny_models.checkpoint("sd1"), dm, output_clip=False)
    out = model.apply_model(torch.randn(1, 4, 8, 8), torch.tensor([1]), torch.randn(1, 77, 32))
    out += 1.0
    img = vae.decode(torch.randn(1, 4, 4, 4))
    img[:, 0] = 0.0
    lat = vae.encode(torch.rand(1, 32, 32, 3))
    lat.mul_(2)
    assert not (out.is_inference() or img.is_inference() or lat.is_inference())
