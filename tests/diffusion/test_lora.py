"""LoRA: key formats, alpha scaling, patch-on-use with bit-exact restore, stacking, reporting."""
from __future__ import annotations

import logging

import pytest
import torch
from safetensors.torch import load_file

from engine.diffusion.checkpoint import load_checkpoint
from engine.diffusion.device import DeviceManager
from engine.diffusion.lora import LoraPatch, clip_key_map, convert_lora, unet_key_map, unet_ldm_to_diffusers
from engine.diffusion.models.unet import UNetModel
from engine.diffusion.patching import Patcher, restore
from tests.tinymodels import tiny_models  # noqa: F401

torch.set_num_threads(2)

TARGET = "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"


@pytest.fixture(scope="module")
def sd1(tiny_models):
    dm = DeviceManager(cpu=True, force_fp32=True)
    return load_checkpoint(tiny_models.checkpoint("sd1"), dm)


def _maps(model, clip):
    return (unet_key_map(model.patch_keys(), model.unet.config.num_res_blocks),
            clip_key_map(clip.patch_keys()) if clip is not None else {})


def _inputs(seed=0, ctx_dim=32):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(2, 4, 8, 8, generator=g), torch.tensor([5, 900]),
            torch.randn(2, 77, ctx_dim, generator=g))


def _snapshot(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def test_kohya_keys_map_onto_every_target(sd1, tiny_models):
    model, clip, _ = sd1
    lora = load_file(tiny_models.lora("kohya", "sd1"))
    mp, cp, unmatched = convert_lora(lora, *_maps(model, clip))
    assert unmatched == []
    stems = {k.rsplit(".", 2)[0] for k in lora if k.endswith("lora_down.weight")}
    assert len(mp) + len(cp) == len(stems)
    # a diffusers-named kohya key lands on its LDM weight
    kohya = "lora_unet_" + unet_ldm_to_diffusers(TARGET, 1)[: -len(".weight")].replace(".", "_")
    assert kohya == "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k"
    assert isinstance(mp[TARGET], LoraPatch) and mp[TARGET].up is lora[kohya + ".lora_up.weight"]
    assert any(k.startswith("clip_l.") and "layers.0.self_attn.q_proj" in k for k in cp)


def test_lora_output_equals_manual_weight_update(sd1, tiny_models):
    model, clip, _ = sd1
    lora = load_file(tiny_models.lora("kohya", "sd1"))
    mp, _, _ = convert_lora(lora, *_maps(model, clip))
    strength = 0.7
    patched = model.clone()
    patched.add_patches(mp, strength)
    x, t, ctx = _inputs()
    got = patched.apply_model(x, t, ctx)

    # manual: W + strength * alpha / r * up @ down, for every patched weight, in a fresh UNet
    ref_sd = _snapshot(model.unet)
    for key, patch in mp.items():
        w = ref_sd[key]
        up, down = patch.up.float(), patch.down.float()
        r = down.shape[0]
        alpha = float(lora[_stem_of(lora, patch) + ".alpha"])
        ref_sd[key] = w + strength * (alpha / r) * (up.flatten(1) @ down.flatten(1)).reshape(w.shape)
    ref = UNetModel(model.unet.config)
    ref.load_state_dict(ref_sd)
    with torch.no_grad():
        want = ref(x, t.float(), ctx)
    assert torch.allclose(got, want, atol=1e-5)
    base = model.apply_model(x, t, ctx)
    assert not torch.allclose(got, base, atol=1e-4)  # the LoRA does change the output


def _stem_of(lora, patch):
    for k, v in lora.items():
        if v is patch.down:
            return k[: -len(".lora_down.weight")]
    raise KeyError("patch not from this file")


def test_on_off_restores_weights_bit_exactly(sd1, tiny_models):
    model, clip, _ = sd1
    before = _snapshot(model.unet)
    mp, _, _ = convert_lora(load_file(tiny_models.lora("kohya", "sd1")), *_maps(model, clip))
    lora_model = model.clone()
    lora_model.add_patches(mp, 1.0)
    assert lora_model.unet is model.unet  # clones share the module
    x, t, ctx = _inputs(1)
    base_out = model.apply_model(x, t, ctx)
    lora_out = lora_model.apply_model(x, t, ctx)
    assert not torch.allclose(lora_out, base_out, atol=1e-4)
    # after the call the shared module holds the original weights, bit for bit
    after = _snapshot(model.unet)
    assert all(torch.equal(after[k], before[k]) for k in before)
    assert torch.equal(model.apply_model(x, t, ctx), base_out)
    # during a call the patched weights are in; the second use reuses the cached patched tensors
    with lora_model.patcher.use() as m:
        first = m.get_parameter(TARGET).data
        assert not torch.equal(first, before[TARGET])
    with lora_model.patcher.use() as m:
        assert m.get_parameter(TARGET).data_ptr() == first.data_ptr()
    assert torch.equal(lora_model.apply_model(x, t, ctx), lora_out)
    # a device/dtype move hook (restore) drops the caches and leaves originals in place
    restore(model.unet)
    assert lora_model.patcher._cache == {}
    assert all(torch.equal(v, before[k]) for k, v in model.unet.state_dict().items())


def test_patch_never_touches_original_tensor_storage(sd1, tiny_models):
    model, clip, _ = sd1
    orig = model.unet.get_parameter(TARGET).data
    copy = orig.clone()
    mp, _, _ = convert_lora(load_file(tiny_models.lora("kohya", "sd1")), *_maps(model, clip))
    h = model.clone()
    h.add_patches(mp, 2.0)
    with h.patcher.use(keep=False) as m:
        assert m.get_parameter(TARGET).data_ptr() != orig.data_ptr()
    assert model.unet.get_parameter(TARGET).data_ptr() == orig.data_ptr() and torch.equal(orig, copy)


def test_several_loras_stack_and_strength_scales(sd1, tiny_models):
    model, clip, _ = sd1
    maps = _maps(model, clip)
    a, _, _ = convert_lora(load_file(tiny_models.lora("kohya", "sd1", seed=0)), *maps)
    b, _, _ = convert_lora(load_file(tiny_models.lora("peft", "sd1", seed=1)), *maps)
    w = model.unet.get_parameter(TARGET).detach().clone()
    h = model.clone()
    h.add_patches(a, 0.5)
    h.add_patches(b, -1.5)
    with h.patcher.use(keep=False) as m:
        got = m.get_parameter(TARGET).detach().clone()
    want = w + 0.5 * a[TARGET].delta(w) - 1.5 * b[TARGET].delta(w)
    assert torch.allclose(got, want, atol=1e-6)
    # peft files carry no alpha: factor 1; kohya alpha 2 over rank 4
    assert b[TARGET].scale == 1.0 and a[TARGET].scale == pytest.approx(0.5)
    zero = model.clone()
    zero.add_patches(a, 0.0)
    with zero.patcher.use(keep=False) as m:
        assert torch.equal(m.get_parameter(TARGET), w)


def test_unmatched_keys_are_returned_and_logged(sd1, tiny_models, caplog):
    model, clip, _ = sd1
    lora = dict(load_file(tiny_models.lora("kohya", "sd1")))
    lora["lora_unet_not_a_layer.lora_down.weight"] = torch.zeros(4, 8)
    lora["lora_unet_not_a_layer.lora_up.weight"] = torch.zeros(8, 4)
    lora["completely.unknown"] = torch.zeros(1)
    with caplog.at_level(logging.WARNING):
        mp, cp, unmatched = convert_lora(lora, *_maps(model, clip), name="my_lora.safetensors")
    assert unmatched == ["completely.unknown", "lora_unet_not_a_layer.lora_down.weight",
                         "lora_unet_not_a_layer.lora_up.weight"]
    assert "my_lora.safetensors" in caplog.text and "lora_unet_not_a_layer" in caplog.text
    # patch keys that name no weight are reported by the handle
    assert model.clone().add_patches({"no.such.weight": mp[TARGET]}, 1.0) == ["no.such.weight"]


def test_clip_lora_changes_encoding_and_restores(sd1, tiny_models):
    model, clip, _ = sd1
    _, cp, _ = convert_lora(load_file(tiny_models.lora("kohya", "sd1")), *_maps(model, clip))
    base = clip.encode("a photo of a cat")[0][0]
    c2 = clip.clone()
    assert c2.add_patches(cp, 1.0) == []
    patched = c2.encode("a photo of a cat")[0][0]
    assert not torch.allclose(base, patched, atol=1e-5)
    assert torch.equal(clip.encode("a photo of a cat")[0][0], base)


@pytest.mark.parametrize("fmt", ["kohya", "peft"])
def test_sdxl_formats_reach_both_text_encoders(tiny_models, fmt):
    dm = DeviceManager(cpu=True, force_fp32=True)
    model, clip, _ = load_checkpoint(tiny_models.checkpoint("sdxl"), dm)
    lora = load_file(tiny_models.lora(fmt, "sdxl"))
    mp, cp, unmatched = convert_lora(lora, *_maps(model, clip))
    assert unmatched == []
    assert {k.split(".")[0] for k in cp} == {"clip_l", "clip_g"}
    assert any(k.startswith("output_blocks.") for k in mp) and any(k.startswith("middle_block.") for k in mp)


def test_other_name_forms_map_to_the_same_weight(sd1):
    model, clip, _ = sd1
    umap, cmap = _maps(model, clip)
    d = "down_blocks.0.attentions.0.transformer_blocks.0.attn2"
    for form in (f"unet.{d}.to_k", f"{d}.to_k", f"unet.{d}.processor.to_k", "lora_unet_input_blocks_1_1_transformer_blocks_0_attn2_to_k",
                 "diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k"):
        assert umap[form] == TARGET, form
    assert umap["lora_unet_down_blocks_0_resnets_0_conv1"] == "input_blocks.1.0.in_layers.2.weight"
    assert umap["lora_unet_up_blocks_0_upsamplers_0_conv"] == "output_blocks.1.2.conv.weight"
    assert cmap["lora_te_text_model_encoder_layers_1_mlp_fc2"].endswith("encoder.layers.1.mlp.fc2.weight")
    assert cmap["text_encoder.text_model.encoder.layers.0.self_attn.out_proj"].startswith("clip_l.")


def test_locon_conv_and_tucker_mid(sd1):
    model, clip, _ = sd1
    key = "input_blocks.1.0.in_layers.2.weight"  # 3x3 conv
    w = model.unet.get_parameter(key).detach().clone()
    out_c, in_c, kh, kw = w.shape
    g = torch.Generator().manual_seed(3)
    down = torch.randn(2, in_c, kh, kw, generator=g)
    up = torch.randn(out_c, 2, 1, 1, generator=g)
    lora = {"lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight": down,
            "lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight": up,
            "lora_unet_down_blocks_0_resnets_0_conv1.alpha": torch.tensor(1.0)}
    mp, _, unmatched = convert_lora(lora, *_maps(model, clip))
    assert unmatched == []
    want = (up.flatten(1) @ down.flatten(1)).reshape(w.shape) * 0.5
    assert torch.allclose(mp[key].delta(w), want, atol=1e-6)
    # Tucker decomposition (lora_mid): down [r, in, 1, 1], mid [r, r, kh, kw]
    mid = torch.randn(2, 2, kh, kw, generator=g)
    d2 = torch.randn(2, in_c, 1, 1, generator=g)
    p = LoraPatch(up, d2, None, mid)
    ref = torch.einsum("or,rskl,si->oikl", up.flatten(1), mid, d2.flatten(1))
    assert torch.allclose(p.delta(w), ref, atol=1e-5)


def test_diff_patches_and_patcher_on_plain_module():
    lin = torch.nn.Linear(3, 2)
    orig_w, orig_b = lin.weight.detach().clone(), lin.bias.detach().clone()
    from engine.diffusion.patching import DiffPatch
    p = Patcher(lin)
    assert p.add_patches({"weight": DiffPatch(torch.ones(2, 3)), "bias": DiffPatch(torch.ones(2))}, 2.0) == []
    p.apply()
    assert torch.equal(lin.weight, orig_w + 2) and torch.equal(lin.bias, orig_b + 2)
    restore(lin)
    assert torch.equal(lin.weight, orig_w) and torch.equal(lin.bias, orig_b)


def test_a_patch_of_the_wrong_shape_names_the_weight():
    from engine.diffusion.patching import DiffPatch
    lin = torch.nn.Linear(3, 2)
    w0, b0 = lin.weight.detach().clone(), lin.bias.detach().clone()
    p = Patcher(lin)
    # the good bias patch comes first: it must not stay applied when the weight patch fails
    p.add_patches({"bias": DiffPatch(torch.ones(2)),
                   "weight": LoraPatch(torch.ones(5, 1), torch.ones(1, 3))}, 1.0)
    with pytest.raises(ValueError, match="'weight'.*does not fit"):
        p.apply()
    assert torch.equal(lin.weight, w0) and torch.equal(lin.bias, b0)  # nothing half-applied
