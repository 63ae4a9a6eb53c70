"""Standalone loaders (UNETLoader, CLIPLoader, DualCLIPLoader, VAELoader, CheckpointLoader with config)
give the same pictures as the checkpoint they were split from; CLIPSetLastLayer changes them."""
import json
import os

import pytest
from safetensors.torch import load_file, save_file

from .conftest import load_example, shrink
from .test_behaviour import pixels_of

SPLITS = {
    "sd1": ("smoke-test-tiny.safetensors", {"clip": "cond_stage_model.transformer."}),
    "sdxl": ("smoke-test-tiny-sdxl.safetensors", {"clip_l": "conditioner.embedders.0.transformer.",
                                                  "clip_g": "conditioner.embedders.1.model."}),
}


def _part(sd: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}


@pytest.fixture(scope="module")
def split_files(engine):
    """Write the UNet, VAE and text encoders of the tiny checkpoints as separate files."""
    _, ctx = engine
    names = {}
    for family, (ckpt, clips) in SPLITS.items():
        sd = load_file(ctx.paths.full_path("checkpoints", ckpt))
        for key, folder, prefix in (("unet", "diffusion_models", "model.diffusion_model."),
                                    ("vae", "vae", "first_stage_model.")):
            name = f"{family}-{key}.safetensors"
            os.makedirs(ctx.paths.folder(folder)[0], exist_ok=True)
            save_file(_part(sd, prefix), os.path.join(ctx.paths.folder(folder)[0], name))
            names[(family, key)] = name
        for key, prefix in clips.items():
            name = f"{family}-{key}.safetensors"
            os.makedirs(ctx.paths.folder("text_encoders")[0], exist_ok=True)
            save_file(_part(sd, prefix), os.path.join(ctx.paths.folder("text_encoders")[0], name))
            names[(family, key)] = name
    return names


def _standalone(prompt: dict, unet: str, vae: str, clip_node: dict) -> dict:
    p = json.loads(json.dumps(prompt))
    del p["4"]
    p["40"] = {"class_type": "UNETLoader", "inputs": {"unet_name": unet, "weight_dtype": "default"}}
    p["41"] = clip_node
    p["42"] = {"class_type": "VAELoader", "inputs": {"vae_name": vae}}
    for node in p.values():
        for k, v in node["inputs"].items():
            if v == ["4", 0]:
                node["inputs"][k] = ["40", 0]
            elif v == ["4", 1]:
                node["inputs"][k] = ["41", 0]
            elif v == ["4", 2]:
                node["inputs"][k] = ["42", 0]
    return p


def test_sd1_unet_clip_vae_files_match_the_checkpoint(run, engine, split_files):
    _, ctx = engine
    prompt = shrink(load_example("txt2img.json"))
    clip = {"class_type": "CLIPLoader", "inputs": {"clip_name": split_files[("sd1", "clip")],
                                                   "type": "stable_diffusion"}}
    split = _standalone(prompt, split_files[("sd1", "unet")], split_files[("sd1", "vae")], clip)
    a, _ = run(prompt)
    b, _ = run(split)
    assert a.success and b.success, (a.error, b.error)
    assert pixels_of(ctx, a) == pixels_of(ctx, b)


def test_sdxl_dual_clip_matches_the_checkpoint(run, engine, split_files):
    _, ctx = engine
    prompt = shrink(load_example("sdxl_refiner.json"))
    # base only: decode the base sampler's output with the base VAE
    for nid in ("12", "15", "16", "11"):
        del prompt[nid]
    prompt["10"]["inputs"]["end_at_step"] = 10000
    prompt["10"]["inputs"]["return_with_leftover_noise"] = "disable"
    prompt["17"]["inputs"].update(samples=["10", 0], vae=["4", 2])
    clip = {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": split_files[("sdxl", "clip_l")],
                                                       "clip_name2": split_files[("sdxl", "clip_g")],
                                                       "type": "sdxl"}}
    split = _standalone(prompt, split_files[("sdxl", "unet")], split_files[("sdxl", "vae")], clip)
    a, _ = run(prompt)
    b, _ = run(split)
    assert a.success and b.success, (a.error, b.error)
    assert pixels_of(ctx, a) == pixels_of(ctx, b)


def test_checkpoint_loader_with_config_ignores_the_yaml(run, engine):
    registry, ctx = engine
    configs = ctx.paths.folder("configs")[0]
    os.makedirs(configs, exist_ok=True)
    with open(os.path.join(configs, "v1-inference.yaml"), "w") as f:
        f.write("model:\n  target: ldm.models.diffusion.ddpm.LatentDiffusion\n")
    assert registry.get("CheckpointLoader").INPUT_TYPES()["required"]["config_name"][0] == ["v1-inference.yaml"]
    prompt = shrink(load_example("txt2img.json"))
    legacy = json.loads(json.dumps(prompt))
    legacy["4"] = {"class_type": "CheckpointLoader", "inputs": {"config_name": "v1-inference.yaml",
                                                                "ckpt_name": "smoke-test-tiny.safetensors"}}
    a, _ = run(prompt)
    b, _ = run(legacy)
    assert a.success and b.success, (a.error, b.error)
    assert pixels_of(ctx, a) == pixels_of(ctx, b)


def test_clip_set_last_layer_changes_the_conditioning(engine):
    registry, _ = engine
    model, clip, _ = registry.get("CheckpointLoaderSimple")().load_checkpoint("smoke-test-tiny.safetensors")
    (skip2,) = registry.get("CLIPSetLastLayer")().set_last_layer(clip, -2)
    (last,) = registry.get("CLIPSetLastLayer")().set_last_layer(clip, -1)
    enc = registry.get("CLIPTextEncode")()
    base = enc.encode(clip, "a cat")[0][0][0]
    assert enc.encode(last, "a cat")[0][0][0].equal(base)
    assert not enc.encode(skip2, "a cat")[0][0][0].equal(base)
    assert clip.layer_idx is None  # the loader's handle is untouched
