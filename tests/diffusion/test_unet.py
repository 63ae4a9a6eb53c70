"""UNet: real parameter counts, strict checkpoint-layout loading, parity with diffusers on tiny configs."""
import warnings

import pytest
import torch

from engine.diffusion import families as F
from engine.diffusion.models.unet import UNetConfig, UNetModel, timestep_embedding

# Tiny analogues of the real families: same structure (conv vs linear projections, heads vs head
# channels, label_emb, transformer depth > 1 and a level without attention), few channels.
TINY_SD1 = UNetConfig(model_channels=32, channel_mult=(1, 2), num_res_blocks=2, transformer_depth=(1, 0),
                      transformer_depth_middle=1, context_dim=24, num_heads=4)
TINY_SD2 = UNetConfig(model_channels=32, channel_mult=(1, 2), num_res_blocks=1, transformer_depth=(1, 1),
                      transformer_depth_middle=1, context_dim=40, num_head_channels=16,
                      use_linear_in_transformer=True)
TINY_SDXL_POOLED = 16
TINY_SDXL = UNetConfig(model_channels=32, channel_mult=(1, 2), num_res_blocks=2, transformer_depth=(0, 2),
                       transformer_depth_middle=2, context_dim=48, num_head_channels=16,
                       use_linear_in_transformer=True, adm_in_channels=TINY_SDXL_POOLED + 6 * 256)
TINY = {"sd1": TINY_SD1, "sd2": TINY_SD2, "sdxl": TINY_SDXL}


def randomize_(module: torch.nn.Module, seed: int) -> torch.nn.Module:
    """Deterministic random weights; 1-D params (norms, biases) perturbed so every one matters."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in sorted(module.named_parameters()):
            if p.ndim == 1:
                p.add_(torch.randn(p.shape, generator=gen) * 0.1)
            else:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / fan_in ** 0.5)
    return module


def tiny_unet(name: str, seed: int = 0) -> UNetModel:
    torch.manual_seed(seed)
    return randomize_(UNetModel(TINY[name]), seed).eval()


def _ldm_depth(cfg: UNetConfig):
    """LDM yamls give one int when every attention level has the same depth (SD1/SD2), else a list."""
    used = {d for d in cfg.transformer_depth if d > 0}
    return used.pop() if len(used) == 1 and cfg.transformer_depth_middle in used else list(cfg.transformer_depth)


def ldm_original_config(cfg: UNetConfig) -> dict:
    """The LDM yaml (as a dict) that describes `cfg`, for diffusers' config derivation."""
    params = {
        "in_channels": cfg.in_channels, "out_channels": cfg.out_channels,
        "model_channels": cfg.model_channels, "channel_mult": list(cfg.channel_mult),
        "num_res_blocks": cfg.num_res_blocks,
        "attention_resolutions": [2 ** i for i, d in enumerate(cfg.transformer_depth) if d > 0],
        "transformer_depth": _ldm_depth(cfg), "context_dim": cfg.context_dim,
        "use_linear_in_transformer": cfg.use_linear_in_transformer,
    }
    if cfg.num_head_channels != -1:
        params["num_head_channels"] = cfg.num_head_channels
    else:
        params["num_heads"] = cfg.num_heads
    if cfg.adm_in_channels is not None:
        params["num_classes"] = "sequential"
        params["adm_in_channels"] = cfg.adm_in_channels
    return {"model": {"params": {
        "unet_config": {"params": params},
        "first_stage_config": {"params": {"ddconfig": {"ch_mult": [1, 2, 4, 4]}}},
    }}}


def diffusers_unet_from_ours(model: UNetModel):
    """Convert our state dict (checkpoint layout) with diffusers' own single-file code."""
    from diffusers import UNet2DConditionModel
    from diffusers.loaders.single_file_utils import (convert_ldm_unet_checkpoint,
                                                     create_unet_diffusers_config_from_ldm)

    ckpt = {"model.diffusion_model." + k: v for k, v in model.state_dict().items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = create_unet_diffusers_config_from_ldm(ldm_original_config(model.config), ckpt, image_size=64)
    if model.config.adm_in_channels is not None:  # diffusers keys SDXL on context 2048/1280 only
        config.update(addition_embed_type="text_time", addition_time_embed_dim=256, class_embed_type=None)
    depth = config["transformer_layers_per_block"]
    assert model.config.transformer_depth_middle == (depth if isinstance(depth, int) else depth[-1])
    converted = convert_ldm_unet_checkpoint(ckpt, config)
    ref = UNet2DConditionModel(**config)
    ref.load_state_dict(converted, strict=True)
    return ref.eval()


def sdxl_y(text_embeds: torch.Tensor, time_ids: torch.Tensor) -> torch.Tensor:
    """SDXL ADM vector: pooled text, then 256 sinusoidal features per size/crop number."""
    b = text_embeds.shape[0]
    return torch.cat([text_embeds, timestep_embedding(time_ids.flatten(), 256).reshape(b, -1)], dim=1)


@pytest.mark.parametrize("name, expected", [
    ("sd1", 859_520_964), ("sd2", 865_910_724), ("sdxl", 2_567_463_684)])
def test_full_size_parameter_count(name, expected):
    with torch.device("meta"):
        model = UNetModel(F.get_family(name).unet_config)
    assert sum(p.numel() for p in model.parameters()) == expected


def test_full_size_sd15_key_names_are_ldm_names():
    with torch.device("meta"):
        keys = set(UNetModel(F.SD1_UNET).state_dict())
    for k in ("input_blocks.0.0.weight", "time_embed.0.weight", "time_embed.2.bias",
              "input_blocks.1.1.proj_in.weight", "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight",
              "input_blocks.1.1.transformer_blocks.0.ff.net.0.proj.weight",
              "input_blocks.1.1.transformer_blocks.0.ff.net.2.weight",
              "input_blocks.3.0.op.weight", "input_blocks.4.0.skip_connection.weight",
              "middle_block.1.transformer_blocks.0.norm3.weight", "middle_block.2.out_layers.3.weight",
              "output_blocks.2.1.conv.weight", "output_blocks.5.2.conv.weight",
              "output_blocks.11.1.transformer_blocks.0.norm1.bias", "out.0.weight", "out.2.weight"):
        assert k in keys, k
    assert len(keys) == 686
    assert not any(k.startswith("label_emb") for k in keys)


def test_sdxl_has_label_emb_and_deep_transformers():
    with torch.device("meta"):
        sd = UNetModel(F.SDXL_UNET).state_dict()
    assert sd["label_emb.0.0.weight"].shape == (1280, 2816)
    assert "middle_block.1.transformer_blocks.9.attn1.to_q.weight" in sd
    assert "input_blocks.7.1.transformer_blocks.9.ff.net.2.bias" in sd
    assert sd["input_blocks.4.1.proj_in.weight"].shape == (640, 640)   # linear projection
    assert "input_blocks.1.1.norm.weight" not in sd                   # first level has no attention


def test_inpaint_unet_has_nine_input_channels():
    with torch.device("meta"):
        sd = UNetModel(F.get_family("sd1_inpaint").unet_config).state_dict()
    assert sd["input_blocks.0.0.weight"].shape == (320, 9, 3, 3)


def test_checkpoint_layout_loads_strictly():
    model = tiny_unet("sdxl", seed=1)
    ckpt = {"model.diffusion_model." + k: v.clone() for k, v in model.state_dict().items()}
    fresh = UNetModel(TINY_SDXL)
    prefix = "model.diffusion_model."
    fresh.load_state_dict({k[len(prefix):]: v for k, v in ckpt.items()}, strict=True)
    x = torch.randn(1, 4, 8, 8)
    y = torch.randn(1, TINY_SDXL.adm_in_channels)
    ctx = torch.randn(1, 5, 48)
    with torch.no_grad():
        assert torch.equal(fresh(x, torch.tensor([3]), ctx, y), model(x, torch.tensor([3]), ctx, y))


@pytest.mark.parametrize("name", ["sd1", "sd2", "sdxl"])
def test_parity_with_diffusers(name):
    model = tiny_unet(name, seed=11)
    ref = diffusers_unet_from_ours(model)
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(2, 4, 16, 16, generator=gen)
    t = torch.tensor([10, 777])
    ctx = torch.randn(2, 7, model.config.context_dim, generator=gen)
    kwargs, y = {}, None
    if name == "sdxl":
        text_embeds = torch.randn(2, TINY_SDXL_POOLED, generator=gen)
        time_ids = torch.tensor([[1024.0, 1024, 0, 0, 1024, 1024], [768, 1344, 16, 32, 896, 1152]])
        kwargs["added_cond_kwargs"] = {"text_embeds": text_embeds, "time_ids": time_ids}
        y = sdxl_y(text_embeds, time_ids)
    with torch.no_grad():
        ours = model(x, t, ctx, y=y)
        theirs = ref(x, t, encoder_hidden_states=ctx, **kwargs).sample
    assert ours.shape == x.shape
    assert ours.abs().mean() > 0.1            # a real signal, not zeros
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-4)


def test_odd_latent_size_upsamples_to_skip_size():
    model = tiny_unet("sd1")
    x = torch.randn(1, 4, 9, 13)
    with torch.no_grad():
        out = model(x, torch.tensor([500]), torch.randn(1, 3, 24))
    assert out.shape == x.shape


def test_zero_control_residuals_equal_plain_forward_and_lists_not_mutated():
    model = tiny_unet("sd1", seed=3)
    x = torch.randn(2, 4, 8, 8)
    t = torch.tensor([1, 900])
    ctx = torch.randn(2, 3, 24)
    with torch.no_grad():
        hs_shapes = _skip_shapes(model, x, t, ctx)
        # "input" is consumed from its end as input blocks run, so it lists the last block first
        control = {"input": [torch.zeros(s) for s in reversed(hs_shapes)], "middle": [torch.zeros(hs_shapes[-1])],
                   "output": [torch.zeros(s) for s in hs_shapes]}
        plain = model(x, t, ctx)
        with_zero = model(x, t, ctx, control=control)
    assert torch.equal(plain, with_zero)
    assert len(control["output"]) == len(hs_shapes) and len(control["middle"]) == 1


def test_control_residuals_are_added_where_comfyui_adds_them():
    """middle after the middle block; output[i] to the skip of input block i (consumed from the end)."""
    model = tiny_unet("sd1", seed=4)
    x = torch.randn(1, 4, 8, 8)
    t = torch.tensor([250])
    ctx = torch.randn(1, 3, 24)
    with torch.no_grad():
        shapes = _skip_shapes(model, x, t, ctx)
        # a residual on the first skip (input block 0) reaches only the last output block
        first = torch.randn(shapes[0])
        out = [first] + [None] * (len(shapes) - 1)
        got = model(x, t, ctx, control={"output": out})
        manual = _manual_forward(model, x, t, ctx, skip_add={0: first})
        torch.testing.assert_close(got, manual, rtol=0, atol=1e-5)
        mid = torch.randn(shapes[-1])
        got = model(x, t, ctx, control={"middle": [mid]})
        manual = _manual_forward(model, x, t, ctx, mid_add=mid)
        torch.testing.assert_close(got, manual, rtol=0, atol=1e-5)
        assert not torch.allclose(got, model(x, t, ctx))


def test_control_residual_of_wrong_shape_is_a_clear_error():
    model = tiny_unet("sd1")
    with pytest.raises(ValueError, match="ControlNet residual"):
        model(torch.randn(1, 4, 8, 8), torch.tensor([1]), torch.randn(1, 3, 24),
              control={"middle": [torch.zeros(1, 7, 4, 4)]})


def test_missing_y_for_sdxl_is_a_clear_error():
    model = tiny_unet("sdxl")
    with pytest.raises(ValueError, match="adm_in_channels"):
        model(torch.randn(1, 4, 8, 8), torch.tensor([1]), torch.randn(1, 3, 48))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_low_precision_forward_close_to_fp32(dtype):
    model = tiny_unet("sd2", seed=2)
    x = torch.randn(2, 4, 8, 8)
    t = torch.tensor([20, 600])
    ctx = torch.randn(2, 5, 40)
    with torch.no_grad():
        ref = model(x, t, ctx)
        low = model.to(dtype)(x, t, ctx)
    assert low.dtype == torch.float32                # returned in the input's dtype
    assert model.input_blocks[0][0].weight.dtype == dtype
    rel = (low - ref).norm() / ref.norm()
    assert rel < 0.03, rel


def test_timestep_embedding_is_cos_then_sin():
    emb = timestep_embedding(torch.tensor([0.0, 1.0]), 8)
    assert torch.equal(emb[0], torch.tensor([1.0, 1, 1, 1, 0, 0, 0, 0]))
    freqs = torch.exp(-torch.log(torch.tensor(10000.0)) * torch.arange(4) / 4)
    torch.testing.assert_close(emb[1], torch.cat([torch.cos(freqs), torch.sin(freqs)]))


def _skip_shapes(model, x, t, ctx):
    emb = model.time_embed(timestep_embedding(t, model.config.model_channels))
    h, shapes = x, []
    for block in model.input_blocks:
        h = block(h, emb, ctx)
        shapes.append(tuple(h.shape))
    return shapes


def _manual_forward(model, x, t, ctx, skip_add=None, mid_add=None):
    """Straight re-statement of the UNet with residuals added at named places."""
    skip_add = skip_add or {}
    emb = model.time_embed(timestep_embedding(t, model.config.model_channels))
    hs, h = [], x
    for i, block in enumerate(model.input_blocks):
        h = block(h, emb, ctx)
        hs.append(h + skip_add[i] if i in skip_add else h)
    h = model.middle_block(h, emb, ctx)
    if mid_add is not None:
        h = h + mid_add
    for block in model.output_blocks:
        h = torch.cat([h, hs.pop()], 1)
        h = block(h, emb, ctx, tuple(hs[-1].shape[-2:]) if hs else None)
    return model.out(h)



def test_forward_supports_autograd():
    """The in-place shortcuts are taken only without grad; with grad enabled backward works."""
    model = tiny_unet("sd1", seed=6)
    x = torch.randn(1, 4, 8, 8, requires_grad=True)
    ctx = torch.randn(1, 3, 24)
    out = model(x, torch.tensor([10]), ctx)
    out.square().mean().backward()
    with torch.no_grad():
        assert torch.equal(model(x, torch.tensor([10]), ctx), out)
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_cpu_low_precision_runs_channels_last_with_the_same_result():
    model = tiny_unet("sd2", seed=8)
    conv = model.input_blocks[1][0].in_layers[2].weight
    assert conv.is_contiguous()                               # fp32: NCHW
    x, t, ctx = torch.randn(2, 4, 8, 8), torch.tensor([5, 50]), torch.randn(2, 5, 40)
    with torch.no_grad():
        ref = model(x, t, ctx)
        model.use_channels_last = True
        model.sync_weight_format()
        assert model.input_blocks[1][0].in_layers[2].weight.is_contiguous(memory_format=torch.channels_last)
        forced = model(x, t, ctx)
        torch.testing.assert_close(forced, ref, rtol=0, atol=1e-5)
        assert forced.is_contiguous()
        model.use_channels_last = None
        model.to(torch.bfloat16)                              # cast -> weights follow automatically
        assert model.input_blocks[1][0].in_layers[2].weight.is_contiguous(memory_format=torch.channels_last)
        model.float()
        assert model.input_blocks[1][0].in_layers[2].weight.is_contiguous()


def test_fp32_activations_stay_nchw_through_every_conv():
    """A channels-last view leaking into fp32 convs makes oneDNN copy weights on every call."""
    model = tiny_unet("sd1", seed=9)
    seen = []
    hooks = [m.register_forward_hook(lambda mod, inp, out: seen.append(inp[0].is_contiguous()))
             for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        model(torch.randn(2, 4, 8, 8), torch.tensor([1, 2]), torch.randn(2, 3, 24))
    for h in hooks:
        h.remove()
    assert seen and all(seen)


def test_weights_assigned_without_to_are_laid_out_on_first_forward():
    """Loaders that assign bf16 tensors straight into a meta-built model still get channels-last convs."""
    src = {k: v.to(torch.bfloat16) for k, v in tiny_unet("sd1", seed=10).state_dict().items()}
    with torch.device("meta"):
        model = UNetModel(TINY_SD1)
    model.load_state_dict(src, strict=True, assign=True)
    conv = "input_blocks.1.0.in_layers.2"
    assert not model.get_submodule(conv).weight.is_contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        out = model(torch.randn(1, 4, 8, 8), torch.tensor([3]), torch.randn(1, 3, 24))
    assert model.get_submodule(conv).weight.is_contiguous(memory_format=torch.channels_last)
    assert out.dtype == torch.float32 and torch.isfinite(out).all()
