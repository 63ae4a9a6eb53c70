"""KSampler on the real ModelHandle of tiny random checkpoints: the handle contract end to end
(eps SD1 with CFG, v-prediction SD2, SDXL's "y" vector, 9-channel inpaint "c_concat")."""
import pytest
import torch

from tests.tinymodels import tiny_models  # noqa: F401  (pytest fixture)

checkpoint = pytest.importorskip("engine.diffusion.checkpoint")
device_mod = pytest.importorskip("engine.diffusion.device")

from engine.diffusion.sampling.ksampler import prepare_noise, sample  # noqa: E402


@pytest.mark.parametrize("family", ["sd1", "sd2_v", "sdxl", "sd1_inpaint"])
def test_sampling_real_tiny_checkpoint(tiny_models, family):  # noqa: F811
    dm = device_mod.DeviceManager(cpu=True)
    model, clip, _ = checkpoint.load_checkpoint(tiny_models.checkpoint(family), dm, output_vae=False)
    pos, neg = clip.encode("a cat"), clip.encode("")
    latent = torch.zeros(1, 4, 8, 8)
    calls = []
    real_apply = model.apply_model

    def counting_apply(*args, **kw):
        calls.append(args[0].shape[0])
        return real_apply(*args, **kw)
    model.apply_model = counting_apply
    mask = torch.ones(1, 64, 64) if family == "sd1_inpaint" else None
    out = sample(model, prepare_noise(latent, 1), 3, 6.0, "dpmpp_2m", "karras", pos, neg, latent, seed=1,
                 noise_mask=mask)
    again = sample(model, prepare_noise(latent, 1), 3, 6.0, "dpmpp_2m", "karras", pos, neg, latent, seed=1,
                   noise_mask=mask)
    assert out.shape == latent.shape and torch.isfinite(out).all()
    assert torch.equal(out, again)
    assert calls == [2] * 6  # cond + uncond batched in one forward per step
