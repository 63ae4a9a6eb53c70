"""LatentRotate/Flip/Crop, SaveLatent/LoadLatent, ImageScaleToTotalPixels."""
import json
import os
import shutil

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file


def lat(b=1, h=8, w=6):
    return {"samples": torch.arange(b * 4 * h * w, dtype=torch.float32).reshape(b, 4, h, w)}


def test_latent_rotate_clockwise(make):
    src = lat()
    (out,) = make("LatentRotate").rotate(src, "90 degrees")
    s, o = src["samples"], out["samples"]
    assert o.shape == (1, 4, 6, 8)
    assert o[0, 0, 0, -1] == s[0, 0, 0, 0]  # top-left goes to top-right
    (same,) = make("LatentRotate").rotate(src, "none")
    assert torch.equal(same["samples"], s)


def test_latent_flip(make):
    src = lat()
    (v,) = make("LatentFlip").flip(src, "x-axis: vertically")
    (h,) = make("LatentFlip").flip(src, "y-axis: horizontally")
    assert torch.equal(v["samples"], src["samples"].flip(2))
    assert torch.equal(h["samples"], src["samples"].flip(3))


def test_latent_crop_clamps_origin(make):
    src = lat(h=16, w=16)
    (out,) = make("LatentCrop").crop(src, 64, 32, 16, 8)
    assert torch.equal(out["samples"], src["samples"][:, :, 1:5, 2:10])
    (out,) = make("LatentCrop").crop(src, 64, 64, 1000, 1000)
    assert out["samples"].shape[-2:] == (8, 8)


def test_save_and_load_latent_round_trip(make, ctx):
    src = lat(b=2)
    prompt = {"1": {"class_type": "SaveLatent", "inputs": {}}}
    res = make("SaveLatent").save(src, "latents/test", prompt=prompt, extra_pnginfo={"workflow": {"a": 1}})
    entry = res["ui"]["latents"][0]
    assert entry == {"filename": "test_00001_.latent", "subfolder": "latents", "type": "output"}
    path = os.path.join(ctx.paths.output_dir, "latents", "test_00001_.latent")
    with safe_open(path, "pt") as f:
        meta = f.metadata()
    assert json.loads(meta["prompt"]) == prompt and json.loads(meta["workflow"]) == {"a": 1}
    shutil.copy(path, os.path.join(ctx.paths.input_dir, "x.latent"))
    (loaded,) = make("LoadLatent").load("x.latent")
    assert torch.equal(loaded["samples"], src["samples"])


def test_legacy_latent_is_unscaled_and_bad_files_are_named(make, registry, ctx):
    save_file({"latent_tensor": torch.ones(1, 4, 2, 2)}, os.path.join(ctx.paths.input_dir, "old.latent"))
    (loaded,) = make("LoadLatent").load("old.latent")
    assert torch.allclose(loaded["samples"], torch.full((1, 4, 2, 2), 1 / 0.18215))
    assert registry.get("LoadLatent").INPUT_TYPES()["required"]["latent"][0] == ["old.latent"]
    open(os.path.join(ctx.paths.input_dir, "bad.latent"), "wb").write(b"garbage")
    with pytest.raises(ValueError, match=r"LoadLatent: cannot read latent file 'bad\.latent'"):
        make("LoadLatent").load("bad.latent")
    assert "nope.latent" in registry.get("LoadLatent").VALIDATE_INPUTS("nope.latent")


def test_image_scale_to_total_pixels(make):
    image = torch.rand(1, 100, 200, 3)
    (out,) = make("ImageScaleToTotalPixels").upscale(image, "bilinear", 0.02, 8)
    # sqrt(0.02*2^20 / 20000) = 1.0240 -> 102.4 x 204.8 -> steps of 8: 104 x 208
    assert out.shape == (1, 104, 208, 3)


def test_image_composite_masked(make):
    dest = torch.zeros(2, 8, 8, 3)
    src = torch.ones(1, 4, 4, 3)
    (out,) = make("ImageCompositeMasked").composite(dest, src, 6, 2, False)
    assert out.shape == (2, 8, 8, 3)
    assert torch.all(out[:, 2:6, 6:8] == 1) and out.sum() == 2 * 4 * 2 * 3  # clipped at the right edge
    mask = torch.zeros(4, 4)
    mask[:, :2] = 0.5
    (out,) = make("ImageCompositeMasked").composite(dest, src, 0, 0, False, mask)
    assert torch.all(out[:, :4, :2] == 0.5) and torch.all(out[:, :4, 2:4] == 0)
    (out,) = make("ImageCompositeMasked").composite(dest, src, 0, 0, True)
    assert torch.all(out == 1)
    assert torch.count_nonzero(dest) == 0
