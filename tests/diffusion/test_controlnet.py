"""ControlNet: diffusers parity, LDM and diffusers file formats, hint handling, strength, range, chaining."""
import warnings

import pytest
import torch
from safetensors.torch import save_file

from engine.diffusion.controlnet import (ControlNet, ControlNetError, broadcast_to_batch, load_controlnet,
                                         upscale_center)
from engine.diffusion.models.controlnet import ControlNetConfig, ControlNetModel, controlnet_config_from_state_dict
from engine.diffusion.models.unet import UNetConfig
from engine.diffusion.sampling.model_sampling import ModelSamplingDiscrete
from tests.diffusion.test_unet import (TINY_SD1, TINY_SDXL, TINY_SDXL_POOLED, ldm_original_config, randomize_,
                                       sdxl_y, tiny_unet)

CN_SD1 = ControlNetConfig(unet=TINY_SD1, hint_block_channels=(8, 8, 16, 16))
CN_SDXL = ControlNetConfig(unet=TINY_SDXL, hint_block_channels=(8, 8, 16, 16))
# SD1-like with the real head rule (8 heads), so loading needs no head hint
CN_SD1_8HEADS = ControlNetConfig(unet=UNetConfig(model_channels=32, channel_mult=(1, 2), num_res_blocks=1,
                                                 transformer_depth=(1, 1), context_dim=24, num_heads=8),
                                 hint_block_channels=(8, 8, 16, 16))


def tiny_controlnet_model(cfg: ControlNetConfig = CN_SD1, seed: int = 0) -> ControlNetModel:
    torch.manual_seed(seed)
    return randomize_(ControlNetModel(cfg), seed).eval()


def ldm_file_dict(model: ControlNetModel) -> dict:
    return {"control_model." + k: v.clone() for k, v in model.state_dict().items()}


def diffusers_controlnet(model: ControlNetModel):
    """diffusers' ControlNetModel with our weights converted by diffusers' own single-file code."""
    from diffusers import ControlNetModel as DiffusersControlNet
    from diffusers.loaders.single_file_utils import convert_controlnet_checkpoint, create_unet_diffusers_config_from_ldm

    u = model.config.unet
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ucfg = create_unet_diffusers_config_from_ldm(ldm_original_config(u), {}, image_size=64)
    if u.adm_in_channels is not None:
        ucfg.update(addition_embed_type="text_time", addition_time_embed_dim=256, class_embed_type=None)
    keys = ("in_channels", "down_block_types", "block_out_channels", "layers_per_block", "cross_attention_dim",
            "attention_head_dim", "use_linear_projection", "class_embed_type", "addition_embed_type",
            "addition_time_embed_dim", "projection_class_embeddings_input_dim", "transformer_layers_per_block")
    config = {k: ucfg[k] for k in keys}
    config["conditioning_channels"] = model.config.hint_channels
    config["conditioning_embedding_out_channels"] = list(model.config.hint_block_channels)
    ldm = ldm_file_dict(model)
    converted = convert_controlnet_checkpoint(ldm, config)
    if u.adm_in_channels is not None:
        # diffusers' ControlNet conversion skips SDXL's label_emb; its own UNet table names it
        from diffusers.loaders.single_file_utils import DIFFUSERS_TO_LDM_MAPPING
        for new, old in DIFFUSERS_TO_LDM_MAPPING["controlnet"]["addition_embed_type"].items():
            converted[new] = ldm["control_model." + old]
    ref = DiffusersControlNet(**config)
    ref.load_state_dict(converted, strict=True)
    return ref.eval(), converted


def _inputs(cfg: ControlNetConfig, batch: int = 2, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 4, 8, 8, generator=gen)
    hint = torch.rand(batch, 3, 64, 64, generator=gen)
    t = torch.tensor([30, 640][:batch])
    ctx = torch.randn(batch, 5, cfg.unet.context_dim, generator=gen)
    return x, hint, t, ctx


@pytest.mark.parametrize("cfg", [CN_SD1, CN_SDXL], ids=["sd1", "sdxl"])
def test_parity_with_diffusers_controlnet(cfg):
    model = tiny_controlnet_model(cfg, seed=5)
    ref, _ = diffusers_controlnet(model)
    x, hint, t, ctx = _inputs(cfg)
    kwargs, y = {}, None
    if cfg.unet.adm_in_channels is not None:
        text_embeds = torch.randn(2, TINY_SDXL_POOLED)
        time_ids = torch.tensor([[512.0, 512, 0, 0, 512, 512], [640, 384, 8, 0, 640, 384]])
        kwargs["added_cond_kwargs"] = {"text_embeds": text_embeds, "time_ids": time_ids}
        y = sdxl_y(text_embeds, time_ids)
    with torch.no_grad():
        ours = model(x, hint, t, ctx, y)
        down, mid = ref(x, t, encoder_hidden_states=ctx, controlnet_cond=hint, return_dict=False, **kwargs)
    assert len(ours["output"]) == len(down) == len(model.input_blocks)
    for a, b in zip(ours["output"], down):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-4)
    torch.testing.assert_close(ours["middle"][0], mid, rtol=0, atol=1e-4)
    assert ours["middle"][0].abs().mean() > 0.01


@pytest.mark.parametrize("cfg", [CN_SD1, CN_SDXL], ids=["sd1", "sdxl"])
def test_diffusers_format_file_loads_to_the_same_ldm_weights(cfg, tmp_path):
    model = tiny_controlnet_model(cfg, seed=6)
    _, diffusers_sd = diffusers_controlnet(model)
    path = tmp_path / "cn_diffusers.safetensors"
    save_file({k: v.contiguous() for k, v in diffusers_sd.items()}, str(path))
    cn = load_controlnet(str(path), heads_from=cfg.unet)
    assert cn.config == cfg
    ours = model.state_dict()
    loaded = cn.model.state_dict()
    assert set(loaded) == set(ours)
    assert all(torch.equal(loaded[k], ours[k]) for k in ours)


def test_ldm_file_loads_strictly_with_the_family_head_rule(tmp_path):
    model = tiny_controlnet_model(CN_SD1_8HEADS, seed=7)
    path = tmp_path / "control_sd15_tiny.safetensors"
    save_file(ldm_file_dict(model), str(path))
    cn = load_controlnet(str(path))
    assert cn.config == CN_SD1_8HEADS
    x, hint, t, ctx = _inputs(CN_SD1_8HEADS)
    with torch.no_grad():
        a, b = cn.model(x, hint, t, ctx), model(x, hint, t, ctx)
    assert all(torch.equal(p, q) for p, q in zip(a["output"], b["output"]))


def test_bare_ldm_names_without_prefix_load():
    model = tiny_controlnet_model(CN_SD1, seed=1)
    cn = load_controlnet(model.state_dict(), heads_from=TINY_SD1)
    assert cn.config.unet.transformer_depth == (1, 0)


def test_config_detection_reads_depths_levels_and_hint_block():
    cfg = controlnet_config_from_state_dict(ControlNetModel(CN_SDXL).state_dict(), heads_from=TINY_SDXL)
    assert cfg == CN_SDXL


def test_unknown_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "not_a_controlnet.safetensors"
    save_file({"foo.weight": torch.zeros(2), "bar.bias": torch.zeros(1)}, str(path))
    with pytest.raises(ControlNetError, match="not_a_controlnet.safetensors.*unknown"):
        load_controlnet(str(path))


def test_control_lora_is_refused_clearly():
    with pytest.raises(ControlNetError, match="control-lora"):
        load_controlnet({"lora_controlnet": torch.zeros(1), "input_blocks.0.0.up": torch.zeros(1)})


def test_missing_weights_are_listed():
    sd = ldm_file_dict(tiny_controlnet_model(CN_SD1))
    del sd["control_model.zero_convs.3.0.bias"]
    with pytest.raises(ControlNetError, match=r"missing \['zero_convs.3.0.bias'\]"):
        load_controlnet(sd, heads_from=TINY_SD1)


def test_upscale_center_crops_to_aspect_then_nearest_exact():
    img = torch.arange(2 * 3 * 6 * 10, dtype=torch.float32).reshape(2, 3, 6, 10)
    out = upscale_center(img, 4, 4)            # 10:6 -> 1:1 : crop x by round((10 - 6) / 2) = 2
    expected = torch.nn.functional.interpolate(img[..., :, 2:8], size=(4, 4), mode="nearest-exact")
    assert torch.equal(out, expected)
    tall = upscale_center(img, 20, 6)          # 10:6 -> 20:6 wider: crop y
    y = round((6 - 6 * ((10 / 6) / (20 / 6))) / 2)
    assert torch.equal(tall, torch.nn.functional.interpolate(img[..., y:6 - y, :], size=(6, 20),
                                                              mode="nearest-exact"))


def test_broadcast_hint_batch_as_comfyui():
    h = torch.arange(3.0).reshape(3, 1, 1, 1)
    assert broadcast_to_batch(h[:1], 4, 2).shape[0] == 1
    assert broadcast_to_batch(h[:2], 4, 2).flatten().tolist() == [0, 1, 0, 1]
    assert broadcast_to_batch(h, 4, 2).flatten().tolist() == [0, 1, 0, 1]
    assert broadcast_to_batch(h, 6, 2).flatten().tolist() == [0, 1, 2, 0, 1, 2]
    assert broadcast_to_batch(h[:2], 6, 2).flatten().tolist() == [0, 1, 0, 0, 1, 0]


@pytest.fixture()
def ms():
    return ModelSamplingDiscrete("eps")


def _applied(model: ControlNetModel, hint, strength=1.0, start=0.0, end=1.0, previous=None):
    base = ControlNet(model, None, "tiny")
    return base.copy_with(previous, hint=hint, strength=strength, start_percent=start, end_percent=end)


def test_get_control_resizes_hint_scales_input_and_applies_strength(ms):
    model = tiny_controlnet_model(CN_SD1, seed=8)
    gen = torch.Generator().manual_seed(1)
    hint = torch.rand(1, 3, 50, 37, generator=gen)
    x = torch.randn(2, 4, 6, 5, generator=gen)
    ctx = torch.randn(2, 5, 24, generator=gen)
    sigma = torch.tensor([3.0, 3.0])
    t = ms.timestep(sigma)
    cn = _applied(model, hint, strength=0.5)
    got = cn.get_control(x, t, ctx, None, sigma, ms)
    with torch.no_grad():
        ref = model(x / (sigma[:, None, None, None] ** 2 + 1) ** 0.5, upscale_center(hint, 40, 48), t, ctx)
    assert len(got["output"]) == len(ref["output"]) and got["input"] == []
    for a, b in zip(got["output"] + got["middle"], ref["output"] + ref["middle"]):
        torch.testing.assert_close(a, b * 0.5, rtol=0, atol=1e-6)


def test_start_end_percent_gate_by_sigma(ms):
    model = tiny_controlnet_model(CN_SD1, seed=9)
    x, hint, _, ctx = _inputs(CN_SD1)
    cn = _applied(model, hint, start=0.2, end=0.6)
    lo, hi = ms.percent_to_sigma(0.6), ms.percent_to_sigma(0.2)
    for s, active in ((hi * 1.01, False), (hi * 0.99, True), (lo * 1.01, True), (lo * 0.99, False)):
        sigma = torch.tensor([s, s])
        out = cn.get_control(x, ms.timestep(sigma), ctx, None, sigma, ms)
        assert (out is not None) == active, s


def test_chained_controlnets_sum_residuals_and_inactive_one_passes_previous(ms):
    m1, m2 = tiny_controlnet_model(CN_SD1, seed=10), tiny_controlnet_model(CN_SD1, seed=11)
    x, hint, _, ctx = _inputs(CN_SD1)
    sigma = torch.tensor([5.0, 5.0])
    t = ms.timestep(sigma)
    first = _applied(m1, hint, strength=0.7)
    second = _applied(m2, hint.flip(-1), strength=1.3, previous=first)
    a = first.get_control(x, t, ctx, None, sigma, ms)
    b = _applied(m2, hint.flip(-1), strength=1.3).get_control(x, t, ctx, None, sigma, ms)
    both = second.get_control(x, t, ctx, None, sigma, ms)
    for key in ("output", "middle"):
        for s, p, q in zip(both[key], a[key], b[key]):
            torch.testing.assert_close(s, p + q, rtol=0, atol=1e-6)
    late = _applied(m2, hint, start=0.9, previous=first)       # not active at sigma 5
    only_first = late.get_control(x, t, ctx, None, sigma, ms)
    assert all(torch.equal(p, q) for p, q in zip(only_first["output"], a["output"]))
    assert [c.model for c in second.chain()] == [m1, m2]


def test_hint_batch_is_repeated_to_the_cond_batch(ms):
    model = tiny_controlnet_model(CN_SD1, seed=12)
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(4, 4, 8, 8, generator=gen)            # 2 conds x latent batch 2
    ctx = torch.randn(4, 5, 24, generator=gen)
    hint = torch.rand(2, 3, 64, 64, generator=gen)
    sigma = torch.full((4,), 2.0)
    t = ms.timestep(sigma)
    got = _applied(model, hint).get_control(x, t, ctx, None, sigma, ms, batched_number=2)
    with torch.no_grad():
        ref = model(ms.calculate_input(sigma, x), torch.cat([hint, hint]), t, ctx)
    torch.testing.assert_close(got["middle"][0], ref["middle"][0], rtol=0, atol=1e-6)


def test_fresh_controlnet_with_zero_convs_leaves_the_unet_unchanged(ms):
    """Zero-initialised output convs (as trained ControlNets start) -> zero residuals -> plain UNet."""
    unet = tiny_unet("sd1", seed=13)
    model = tiny_controlnet_model(CN_SD1, seed=13)
    with torch.no_grad():
        for conv in list(model.zero_convs) + [model.middle_block_out]:
            conv[0].weight.zero_()
            conv[0].bias.zero_()
    x, hint, _, ctx = _inputs(CN_SD1)
    sigma = torch.tensor([1.5, 1.5])
    t = ms.timestep(sigma)
    control = _applied(model, hint).get_control(x, t, ctx, None, sigma, ms)
    with torch.no_grad():
        assert torch.equal(unet(x, t, ctx, control=control), unet(x, t, ctx))
        # and a trained (random) ControlNet changes the prediction
        control = _applied(tiny_controlnet_model(CN_SD1, seed=14), hint).get_control(x, t, ctx, None, sigma, ms)
        assert not torch.allclose(unet(x, t, ctx, control=control), unet(x, t, ctx))


def test_sdxl_controlnet_residuals_fit_the_sdxl_unet(ms):
    unet = tiny_unet("sdxl", seed=15)
    model = tiny_controlnet_model(CN_SDXL, seed=15)
    x, hint, _, ctx = _inputs(CN_SDXL)
    y = torch.randn(2, TINY_SDXL.adm_in_channels)
    sigma = torch.tensor([0.8, 0.8])
    t = ms.timestep(sigma)
    control = _applied(model, hint).get_control(x, t, ctx, y, sigma, ms)
    with torch.no_grad():
        out = unet(ms.calculate_input(sigma, x), t, ctx, y=y, control=control)
    assert out.shape == x.shape and torch.isfinite(out).all()


def test_hint_must_be_channels_first_and_present(ms):
    model = tiny_controlnet_model(CN_SD1)
    base = ControlNet(model, None, "tiny.safetensors")
    with pytest.raises(ControlNetError, match=r"hint must be \(B, 3, H, W\)"):
        base.copy_with(None, hint=torch.rand(1, 64, 64, 3))
    x, _, _, ctx = _inputs(CN_SD1)
    sigma = torch.tensor([1.0, 1.0])
    with pytest.raises(ControlNetError, match="tiny.safetensors has no hint"):
        base.get_control(x, ms.timestep(sigma), ctx, None, sigma, ms)


def test_device_manager_dtype_and_float32_residuals(ms):
    from engine.diffusion.device import DeviceManager

    model = tiny_controlnet_model(CN_SD1, seed=16)
    sd = ldm_file_dict(model)
    x, hint, _, ctx = _inputs(CN_SD1)
    sigma = torch.tensor([2.0, 2.0])
    t = ms.timestep(sigma)
    full = load_controlnet(sd, DeviceManager(cpu=True, force_fp32=True), heads_from=TINY_SD1)
    low = load_controlnet(sd, DeviceManager(cpu=True, bf16_unet=True), heads_from=TINY_SD1)
    assert full.model.dtype == torch.float32 and low.model.dtype == torch.bfloat16
    a = full.copy_with(None, hint=hint).get_control(x, t, ctx, None, sigma, ms)
    b = low.copy_with(None, hint=hint).get_control(x, t, ctx, None, sigma, ms)
    for p, q in zip(a["output"] + a["middle"], b["output"] + b["middle"]):
        assert q.dtype == torch.float32
        assert (p - q).norm() / p.norm() < 0.03


def test_diffusers_keys_without_ldm_name_are_reported():
    from engine.diffusion.models.controlnet import diffusers_controlnet_to_ldm

    model = tiny_controlnet_model(CN_SD1, seed=17)
    _, diffusers_sd = diffusers_controlnet(model)
    diffusers_sd["up_blocks.0.resnets.0.conv1.weight"] = torch.zeros(1)
    with pytest.raises(ValueError, match="up_blocks.0.resnets.0.conv1.weight"):
        diffusers_controlnet_to_ldm(diffusers_sd)


def test_truncated_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "cut_controlnet.safetensors"
    save_file(ldm_file_dict(tiny_controlnet_model(CN_SD1)), str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut_controlnet.safetensors"):
        load_controlnet(str(path), heads_from=TINY_SD1)
