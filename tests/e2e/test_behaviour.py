"""Behaviour across nodes on the tiny models: LoRA patch/unpatch, inpaint latents, bad inputs, interrupt."""
import json
import logging
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from engine.graph.cache import make_cache
from engine.graph.executor import Executor

from engine.diffusion.example_assets import EXAMPLE_INPAINT, LORA
from .conftest import load_example, shrink
from .test_examples import saved_images


def pixels_of(ctx, result) -> bytes:
    (path,) = saved_images(ctx, result)
    with Image.open(path) as im:
        return np.array(im).tobytes()


def node(registry, name):
    return registry.get(name)()


# ------------------------------------------------------------------ LoRA
def test_lora_on_off_restores_weights_exactly(run, engine):
    registry, ctx = engine
    model, clip, _ = node(registry, "CheckpointLoaderSimple").load_checkpoint("smoke-test-tiny.safetensors")
    unet_before = {k: v.detach().clone() for k, v in model.unet.state_dict().items()}
    clip_before = {n: {k: v.detach().clone() for k, v in enc.state_dict().items()} for n, enc in clip.modules.items()}

    with_lora = shrink(load_example("lora.json"))
    plain = json.loads(json.dumps(with_lora))  # the same graph with the LoraLoader bypassed
    del plain["10"]
    plain["6"]["inputs"]["clip"] = plain["7"]["inputs"]["clip"] = ["4", 1]
    plain["3"]["inputs"]["model"] = ["4", 0]
    base, _ = run(plain)
    lora_on, _ = run(with_lora)
    off = json.loads(json.dumps(with_lora))
    off["10"]["inputs"]["strength_model"] = off["10"]["inputs"]["strength_clip"] = 0.0
    lora_off, _ = run(off)
    base_again, _ = run(plain)
    assert all(r.success for r in (base, lora_on, lora_off, base_again))
    p_base, p_on, p_off, p_again = (pixels_of(ctx, r) for r in (base, lora_on, lora_off, base_again))
    assert p_on != p_base
    assert p_off == p_base and p_again == p_base

    # The cached loader output still holds the original tensors, bit for bit.
    model2, clip2, _ = node(registry, "CheckpointLoaderSimple").load_checkpoint("smoke-test-tiny.safetensors")
    for k, v in model2.unet.state_dict().items():
        assert torch.equal(v.cpu(), unet_before[k]), k
    for n, enc in clip2.modules.items():
        for k, v in enc.state_dict().items():
            assert torch.equal(v.cpu(), clip_before[n][k]), (n, k)


def test_lora_patches_only_the_clone_and_model_only_variant(engine):
    registry, _ = engine
    model, clip, _ = node(registry, "CheckpointLoaderSimple").load_checkpoint("smoke-test-tiny.safetensors")
    new_model, new_clip = node(registry, "LoraLoader").load_lora(model, clip, LORA, 0.5, 1.0)
    assert new_model is not model and new_clip is not clip
    assert len(new_model.patcher.active_keys()) > 0 and model.patcher.active_keys() == []
    same_model, same_clip = node(registry, "LoraLoader").load_lora(model, clip, LORA, 0.0, 0.0)
    assert same_model is model and same_clip is clip
    (only,) = node(registry, "LoraLoaderModelOnly").load_lora_model_only(model, LORA, 1.0)
    assert only is not model and len(only.patcher.active_keys()) > 0
    cond_plain = node(registry, "CLIPTextEncode").encode(clip, "a cat")[0][0][0]
    cond_lora = node(registry, "CLIPTextEncode").encode(new_clip, "a cat")[0][0][0]
    cond_again = node(registry, "CLIPTextEncode").encode(clip, "a cat")[0][0][0]
    assert not torch.equal(cond_plain, cond_lora)
    assert torch.equal(cond_plain, cond_again)


def test_peft_lora_and_unmatched_keys_are_reported(engine, caplog):
    from safetensors.torch import save_file

    from engine.diffusion.tiny import tiny_lora_state_dict
    registry, ctx = engine
    sd = tiny_lora_state_dict("sd1", seed=3, fmt="peft")
    sd["lora_unet_no_such_block.lora_down.weight"] = torch.zeros(4, 8)
    sd["lora_unet_no_such_block.lora_up.weight"] = torch.zeros(8, 4)
    save_file(sd, os.path.join(ctx.paths.folder("loras")[0], "peft-with-junk.safetensors"))
    model, clip, _ = node(registry, "CheckpointLoaderSimple").load_checkpoint("smoke-test-tiny.safetensors")
    with caplog.at_level(logging.WARNING):
        new_model, new_clip = node(registry, "LoraLoader").load_lora(model, clip, "peft-with-junk.safetensors", 1, 1)
    assert "lora_unet_no_such_block.lora_down.weight" in caplog.text
    cond_plain = node(registry, "CLIPTextEncode").encode(clip, "a cat")[0][0][0]
    cond_lora = node(registry, "CLIPTextEncode").encode(new_clip, "a cat")[0][0][0]
    assert not torch.equal(cond_plain, cond_lora)


# ------------------------------------------------------------------ inpaint
def test_inpaint_leaves_unmasked_latents_at_the_original(engine):
    registry, _ = engine
    model, clip, vae = node(registry, "CheckpointLoaderSimple").load_checkpoint("smoke-test-tiny.safetensors")
    image, mask = node(registry, "LoadImage").load_image(EXAMPLE_INPAINT)
    assert mask.sum() == 16 * 16
    (latent,) = node(registry, "VAEEncodeForInpaint").encode(vae, image, mask, 6)
    (pos,) = node(registry, "CLIPTextEncode").encode(clip, "a boat")
    (neg,) = node(registry, "CLIPTextEncode").encode(clip, "")
    (out,) = node(registry, "KSampler").sample(model, 7, 3, 6.0, "euler", "normal", pos, neg, latent, 1.0)
    before, after = latent["samples"], out["samples"]
    m = F.interpolate(latent["noise_mask"], size=before.shape[-2:], mode="bilinear")
    keep = (m == 0).expand_as(before)
    change = (m == 1).expand_as(before)
    assert keep.sum() > 0 and change.sum() > 0
    assert torch.allclose(after[keep], before[keep], atol=1e-5, rtol=0)
    assert (after[change] - before[change]).abs().mean() > 1e-2


# ------------------------------------------------------------------ bad inputs
def _img2img_with(image_name: str) -> dict:
    prompt = shrink(load_example("img2img.json"))
    prompt["10"]["inputs"]["image"] = image_name
    return prompt


def test_missing_input_file_is_a_validation_error_naming_node_and_file(run):
    result, _ = run(_img2img_with("no-such-image.png"))
    assert not result.success
    assert "10" in result.node_errors
    text = json.dumps(result.node_errors["10"])
    assert "no-such-image.png" in text and "LoadImage" in text


def test_corrupt_png_is_a_node_error_naming_node_and_file(run, engine):
    _, ctx = engine
    open(os.path.join(ctx.paths.input_dir, "corrupt.png"), "wb").write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    result, rec = run(_img2img_with("corrupt.png"))
    assert not result.success and not result.interrupted
    err = result.error
    assert err["node_id"] == "10" and err["node_type"] == "LoadImage"
    assert "corrupt.png" in err["exception_message"]
    assert rec.errors and rec.errors[0]["node_id"] == "10"


def test_image_over_the_pixel_limit_is_a_node_error(run, engine):
    _, ctx = engine
    Image.new("RGB", (128, 96)).save(os.path.join(ctx.paths.input_dir, "large.png"))
    ctx.args.max_image_pixels = 64 * 64
    try:
        result, _ = run(_img2img_with("large.png"))
    finally:
        ctx.args.max_image_pixels = None
    assert not result.success
    assert result.error["node_type"] == "LoadImage"
    assert "large.png" in result.error["exception_message"]
    assert "4096" in result.error["exception_message"]


def test_mask_batch_not_matching_the_image_is_a_node_error(run, engine):
    _, ctx = engine
    frames = [Image.new("RGBA", (64, 64), (0, 0, 0, a)) for a in (0, 255)]
    frames[0].save(os.path.join(ctx.paths.input_dir, "two_masks.webp"), save_all=True, append_images=frames[1:],
                   lossless=True)
    prompt = shrink(load_example("inpaint.json"))
    prompt["20"] = {"class_type": "LoadImage", "inputs": {"image": "two_masks.webp"}}
    prompt["11"]["inputs"]["mask"] = ["20", 1]
    result, _ = run(prompt)
    assert not result.success
    assert result.error["node_id"] == "11" and result.error["node_type"] == "VAEEncodeForInpaint"
    assert "mask batch 2" in result.error["exception_message"]


# ------------------------------------------------------------------ interrupt
def test_interrupt_stops_the_sampler_between_steps(engine):
    registry, ctx = engine
    executor = Executor(registry, make_cache("none"), ctx)

    class StopAfterFirstStep:
        steps = []

        def progress(self, prompt_id, node_id, value, max, preview=None):  # noqa: A002
            self.steps.append((node_id, value))
            if node_id == "3" and value == 1:
                executor.interrupt()

    listener = StopAfterFirstStep()
    result = executor.execute(shrink(load_example("txt2img.json"), steps=6), "int", {}, None, listener)
    assert result.interrupted and not result.success
    assert [v for n, v in listener.steps if n == "3"] == [1]


# ------------------------------------------------------------------ ControlNet
def test_controlnet_changes_output_and_strength_zero_is_passthrough(run, engine):
    _, ctx = engine
    with_cn = shrink(load_example("controlnet.json"))
    plain = json.loads(json.dumps(with_cn))
    for nid in ("10", "11", "12"):
        del plain[nid]
    plain["3"]["inputs"]["positive"], plain["3"]["inputs"]["negative"] = ["6", 0], ["7", 0]
    zero = json.loads(json.dumps(with_cn))
    zero["12"]["inputs"]["strength"] = 0.0
    late = json.loads(json.dumps(with_cn))
    late["12"]["inputs"]["start_percent"] = late["12"]["inputs"]["end_percent"] = 1.0  # never active
    results = [run(p)[0] for p in (plain, with_cn, zero, late)]
    assert all(r.success for r in results), [r.error for r in results]
    p_plain, p_cn, p_zero, p_late = (pixels_of(ctx, r) for r in results)
    assert p_cn != p_plain
    assert p_zero == p_plain
    assert p_late == p_plain


# ------------------------------------------------------------------ inpainting models (9 channels)
@pytest.fixture(scope="module")
def inpaint_checkpoint(engine):
    from engine.diffusion.tiny import write_tiny_checkpoint
    _, ctx = engine
    name = "smoke-test-tiny-inpaint.safetensors"
    write_tiny_checkpoint(os.path.join(ctx.paths.folder("checkpoints")[0], name), family="sd1_inpaint", seed=4)
    return name


def test_inpaint_example_runs_on_an_inpainting_checkpoint(run, engine, inpaint_checkpoint):
    _, ctx = engine
    prompt = shrink(load_example("inpaint.json"))
    prompt["4"]["inputs"]["ckpt_name"] = inpaint_checkpoint
    result, _ = run(prompt)
    assert result.success, result.error
    (path,) = saved_images(ctx, result)
    assert Image.open(path).size == (64, 64)


def test_inpaint_model_conditioning_keeps_unmasked_latents(engine, inpaint_checkpoint):
    registry, _ = engine
    model, clip, vae = node(registry, "CheckpointLoaderSimple").load_checkpoint(inpaint_checkpoint)
    assert model.unet.config.in_channels == 9
    image, mask = node(registry, "LoadImage").load_image(EXAMPLE_INPAINT)
    (pos,) = node(registry, "CLIPTextEncode").encode(clip, "a boat")
    (neg,) = node(registry, "CLIPTextEncode").encode(clip, "")
    pos, neg, latent = node(registry, "InpaintModelConditioning").encode(pos, neg, vae, image, mask, True)
    (out,) = node(registry, "KSampler").sample(model, 3, 2, 5.0, "euler", "normal", pos, neg, latent, 1.0)
    before, after = latent["samples"], out["samples"]
    m = F.interpolate(latent["noise_mask"], size=before.shape[-2:], mode="bilinear")
    keep = (m == 0).expand_as(before)
    assert keep.sum() > 0
    assert torch.allclose(after[keep], before[keep], atol=1e-5, rtol=0)
    assert not torch.allclose(after, before)


# ------------------------------------------------------------------ cache and IS_CHANGED
def test_changed_input_file_reruns_load_image_with_the_classic_cache(engine):
    registry, ctx = engine
    path = os.path.join(ctx.paths.input_dir, "changing.png")
    Image.new("RGB", (32, 32), (10, 20, 30)).save(path)
    prompt = load_example("upscale.json")
    prompt["10"]["inputs"]["image"] = "changing.png"
    executor = Executor(registry, make_cache("classic"), ctx)
    first = executor.execute(prompt, "c1", {}, None, None)
    second = executor.execute(prompt, "c2", {}, None, None)
    Image.new("RGB", (32, 32), (200, 20, 30)).save(path)
    third = executor.execute(prompt, "c3", {}, None, None)
    assert first.success and second.success and third.success
    assert "10" in first.executed and "10" not in second.executed
    assert "10" in third.executed and "12" in third.executed
    assert "11" not in third.executed  # the upscale model loader stays cached


def test_stacked_loras_keep_separate_model_and_clip_strengths(engine):
    registry, _ = engine
    model, clip, _ = node(registry, "CheckpointLoaderSimple").load_checkpoint("smoke-test-tiny.safetensors")
    m1, c1 = node(registry, "LoraLoader").load_lora(model, clip, LORA, 0.5, 0.25)
    m2, c2 = node(registry, "LoraLoader").load_lora(m1, c1, LORA, 0.5, -1.0)
    key = m2.patcher.active_keys()[0]
    assert [s for s, _ in m1.patcher.patches[key]] == [0.5]
    assert [s for s, _ in m2.patcher.patches[key]] == [0.5, 0.5]
    clip_patcher = next(p for p in c2.patchers.values() if p.active_keys())
    ckey = clip_patcher.active_keys()[0]
    assert [s for s, _ in clip_patcher.patches[ckey]] == [0.25, -1.0]
    # two half-strength copies give the weights of one full-strength LoRA (fp32 patch math)
    (full,) = node(registry, "LoraLoaderModelOnly").load_lora_model_only(model, LORA, 1.0)
    orig = dict(model.unet.named_parameters())[key].detach()
    assert torch.allclose(m2.patcher.patched_weight(key, orig).float(),
                          full.patcher.patched_weight(key, orig).float(), atol=1e-2, rtol=1e-2)
    assert not torch.equal(m2.patcher.patched_weight(key, orig), orig)
