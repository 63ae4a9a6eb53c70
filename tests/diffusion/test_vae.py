"""VAE: real parameter count, LDM key names, parity with diffusers' AutoencoderKL on a tiny config."""
import warnings

import pytest
import torch

from engine.diffusion import families as F
from engine.diffusion.models.vae import AutoencoderKL, VAEConfig
from tests.diffusion.test_unet import randomize_

TINY_VAE = VAEConfig(ch=32, ch_mult=(1, 2), num_res_blocks=1, z_channels=4, embed_dim=4)


def tiny_vae(seed: int = 0, cfg: VAEConfig = TINY_VAE) -> AutoencoderKL:
    torch.manual_seed(seed)
    return randomize_(AutoencoderKL(cfg), seed).eval()


def diffusers_vae_from_ours(model: AutoencoderKL):
    from diffusers import AutoencoderKL as DiffusersVAE
    from diffusers.loaders.single_file_utils import convert_ldm_vae_checkpoint, create_vae_diffusers_config_from_ldm

    cfg = model.config
    ckpt = {"first_stage_model." + k: v for k, v in model.state_dict().items()}
    original = {"model": {"params": {"first_stage_config": {"params": {"ddconfig": {
        "in_channels": cfg.in_channels, "out_ch": cfg.out_ch, "ch": cfg.ch, "ch_mult": list(cfg.ch_mult),
        "z_channels": cfg.z_channels, "num_res_blocks": cfg.num_res_blocks}}}}}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = create_vae_diffusers_config_from_ldm(original, ckpt, image_size=64)
    ref = DiffusersVAE(**config)
    ref.load_state_dict(convert_ldm_vae_checkpoint(ckpt, config), strict=True)
    return ref.eval()


def test_full_size_parameter_count():
    with torch.device("meta"):
        model = AutoencoderKL(F.get_family("sd1").vae_config)
    assert sum(p.numel() for p in model.parameters()) == 83_653_863


def test_full_size_key_names_are_ldm_names():
    with torch.device("meta"):
        sd = AutoencoderKL(VAEConfig()).state_dict()
    for k in ("encoder.conv_in.weight", "encoder.down.0.block.1.conv2.weight", "encoder.down.1.block.0.nin_shortcut.weight",
              "encoder.down.2.downsample.conv.weight", "encoder.mid.attn_1.q.weight", "encoder.norm_out.weight",
              "quant_conv.weight", "post_quant_conv.weight", "decoder.up.3.block.2.conv1.weight",
              "decoder.up.1.upsample.conv.weight", "decoder.mid.block_2.norm2.bias", "decoder.conv_out.weight"):
        assert k in sd, k
    assert sd["encoder.mid.attn_1.proj_out.weight"].shape == (512, 512, 1, 1)   # 1x1 conv attention
    assert "encoder.down.3.downsample.conv.weight" not in sd
    assert "decoder.up.0.upsample.conv.weight" not in sd
    assert sd["decoder.conv_in.weight"].shape == (512, 4, 3, 3)


def test_checkpoint_layout_loads_strictly_and_rejects_missing_keys():
    model = tiny_vae(1)
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    AutoencoderKL(TINY_VAE).load_state_dict(sd, strict=True)
    del sd["decoder.mid.attn_1.k.bias"]
    with pytest.raises(RuntimeError, match="decoder.mid.attn_1.k.bias"):
        AutoencoderKL(TINY_VAE).load_state_dict(sd, strict=True)


def test_parity_with_diffusers_encode_mean_and_decode():
    model = tiny_vae(7)
    ref = diffusers_vae_from_ours(model)
    gen = torch.Generator().manual_seed(3)
    image = torch.rand(2, 3, 32, 24, generator=gen) * 2 - 1
    latent = torch.randn(2, 4, 16, 12, generator=gen)
    with torch.no_grad():
        mean = model.encode(image)
        ref_mean = ref.encode(image).latent_dist.mean
        dec = model.decode(latent)
        ref_dec = ref.decode(latent).sample
    assert mean.shape == (2, 4, 16, 12) and dec.shape == (2, 3, 32, 24)
    assert mean.abs().mean() > 0.05 and dec.abs().mean() > 0.05
    torch.testing.assert_close(mean, ref_mean, rtol=0, atol=1e-4)
    torch.testing.assert_close(dec, ref_dec, rtol=0, atol=1e-4)


def test_encode_is_deterministic_mean_not_a_sample():
    model = tiny_vae(2)
    image = torch.rand(1, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        a, b = model.encode(image), model.encode(image)
    assert torch.equal(a, b)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_low_precision_decode_close_to_fp32(dtype):
    model = tiny_vae(4)
    z = torch.randn(1, 4, 8, 8)
    with torch.no_grad():
        ref = model.decode(z)
        low = model.to(dtype).decode(z)
    assert low.dtype == torch.float32
    assert (low - ref).norm() / ref.norm() < 0.03
