"""LoadImage / LoadImageMask / SaveImage / PreviewImage on real files in temporary folders."""
import hashlib
import json
import os
import re

import numpy as np
import pytest
import torch
from PIL import Image


def rgba(h=6, w=4):
    arr = np.zeros((h, w, 4), dtype=np.uint8)
    arr[..., 0] = 200
    arr[..., 1] = np.arange(w, dtype=np.uint8)[None, :] * 10
    arr[..., 3] = 255
    arr[0, 0, 3] = 0
    arr[1, 1, 3] = 51
    return arr


# ------------------------------------------------------------------ LoadImage
def test_load_image_alpha_becomes_inverted_mask(make, ctx):
    Image.fromarray(rgba()).save(os.path.join(ctx.paths.input_dir, "a.png"))
    image, mask = make("LoadImage").load_image("a.png")
    assert image.shape == (1, 6, 4, 3) and mask.shape == (1, 6, 4)
    assert image[0, 0, 0, 0].item() == pytest.approx(200 / 255)
    assert mask[0, 0, 0].item() == 1.0
    assert mask[0, 1, 1].item() == pytest.approx(1 - 51 / 255)
    assert mask[0, 2, 2].item() == 0.0


def test_load_image_without_alpha_gives_64x64_zero_mask(make, ctx):
    Image.new("RGB", (10, 12), (0, 255, 0)).save(os.path.join(ctx.paths.input_dir, "b.jpg"), quality=100)
    image, mask = make("LoadImage").load_image("b.jpg")
    assert image.shape == (1, 12, 10, 3)
    assert mask.shape == (1, 64, 64) and torch.count_nonzero(mask) == 0


def test_load_image_applies_exif_orientation(make, ctx):
    arr = np.zeros((4, 8, 3), dtype=np.uint8)
    arr[0, 0] = [255, 0, 0]  # red top-left in the stored pixels
    im = Image.fromarray(arr)
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise for display
    im.save(os.path.join(ctx.paths.input_dir, "rot.png"), exif=exif)
    image, _ = make("LoadImage").load_image("rot.png")
    assert image.shape == (1, 8, 4, 3)
    assert image[0, 0, 3, 0].item() == 1.0  # top-left went to top-right


def test_load_image_stacks_frames_of_animated_file(make, ctx):
    frames = [Image.new("RGB", (8, 8), (v, v, v)) for v in (0, 120, 250)]
    frames[0].save(os.path.join(ctx.paths.input_dir, "anim.gif"), save_all=True, append_images=frames[1:])
    image, mask = make("LoadImage").load_image("anim.gif")
    assert image.shape[0] == 3 and mask.shape[0] == 3
    means = image.mean(dim=(1, 2, 3))
    assert means[0] < means[1] < means[2]


def test_load_image_is_changed_is_sha256_and_changes_with_content(make, ctx, registry):
    path = os.path.join(ctx.paths.input_dir, "c.png")
    Image.new("RGB", (4, 4)).save(path)
    cls = registry.get("LoadImage")
    first = cls.IS_CHANGED("c.png")
    assert first == hashlib.sha256(open(path, "rb").read()).hexdigest()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(path)
    assert cls.IS_CHANGED("c.png") != first


def test_validate_inputs_and_combo_refresh(registry, ctx):
    cls = registry.get("LoadImage")
    assert cls.INPUT_TYPES()["required"]["image"][0] == []
    assert "missing.png" in cls.VALIDATE_INPUTS("missing.png")
    Image.new("RGB", (4, 4)).save(os.path.join(ctx.paths.input_dir, "new.png"))
    open(os.path.join(ctx.paths.input_dir, "notes.txt"), "w").write("x")
    assert cls.INPUT_TYPES()["required"]["image"][0] == ["new.png"]
    assert cls.VALIDATE_INPUTS("new.png") is True
    assert cls.VALIDATE_INPUTS("../escape.png") is not True


def test_missing_file_error_names_node_and_file(make):
    with pytest.raises(FileNotFoundError, match=r"LoadImage.*'nothere\.png'"):
        make("LoadImage").load_image("nothere.png")


def test_corrupt_png_error_names_node_and_file(make, ctx):
    good = os.path.join(ctx.paths.input_dir, "good.png")
    Image.fromarray(rgba(32, 32)).save(good)
    data = open(good, "rb").read()
    open(os.path.join(ctx.paths.input_dir, "trunc.png"), "wb").write(data[: len(data) // 2])
    open(os.path.join(ctx.paths.input_dir, "junk.png"), "wb").write(b"not a png at all")
    for name in ("trunc.png", "junk.png"):
        with pytest.raises(ValueError, match=rf"LoadImage: cannot decode image file '{re.escape(name)}'"):
            make("LoadImage").load_image(name)
    with pytest.raises(ValueError, match=r"LoadImageMask: cannot decode image file 'junk\.png'"):
        make("LoadImageMask").load_image("junk.png", "alpha")


def test_pixel_limit_from_args(make, ctx, args):
    Image.new("RGB", (20, 10)).save(os.path.join(ctx.paths.input_dir, "big.png"))
    args.max_image_pixels = 199
    with pytest.raises(ValueError, match=r"LoadImage: image file 'big\.png' has 20x10 = 200 pixels.*199"):
        make("LoadImage").load_image("big.png")
    args.max_image_pixels = 200
    image, _ = make("LoadImage").load_image("big.png")
    assert image.shape == (1, 10, 20, 3)


def test_load_image_mask_channels(make, ctx):
    Image.fromarray(rgba()).save(os.path.join(ctx.paths.input_dir, "m.png"))
    (alpha,) = make("LoadImageMask").load_image("m.png", "alpha")
    assert alpha.shape == (1, 6, 4) and alpha[0, 0, 0].item() == 1.0 and alpha[0, 3, 3].item() == 0.0
    (green,) = make("LoadImageMask").load_image("m.png", "green")
    assert green[0, 0, 2].item() == pytest.approx(20 / 255)
    Image.new("L", (5, 5), 128).save(os.path.join(ctx.paths.input_dir, "l.png"))
    (red,) = make("LoadImageMask").load_image("l.png", "red")
    assert red.shape == (1, 5, 5) and red[0, 0, 0].item() == pytest.approx(128 / 255)


# ------------------------------------------------------------------ SaveImage
def test_save_image_names_counter_and_metadata(make, ctx):
    images = torch.rand(2, 8, 6, 3, generator=torch.Generator().manual_seed(0))
    prompt = {"9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI"}}}
    extra = {"workflow": {"nodes": [], "version": 0.4}}
    res = make("SaveImage").save_images(images, "ComfyUI", prompt=prompt, extra_pnginfo=extra)
    assert res["ui"]["images"] == [
        {"filename": "ComfyUI_00001_.png", "subfolder": "", "type": "output"},
        {"filename": "ComfyUI_00002_.png", "subfolder": "", "type": "output"},
    ]
    with Image.open(os.path.join(ctx.paths.output_dir, "ComfyUI_00002_.png")) as im:
        assert im.mode == "RGB" and im.size == (6, 8)
        assert json.loads(im.text["prompt"]) == prompt
        assert json.loads(im.text["workflow"]) == extra["workflow"]
        px = np.array(im)
    expected = np.clip(255.0 * images[1].numpy(), 0, 255).astype(np.uint8)  # truncation, not rounding
    np.testing.assert_array_equal(px, expected)
    # counter continues after existing files, other prefixes are ignored
    open(os.path.join(ctx.paths.output_dir, "ComfyUI_00041_.png"), "wb").close()
    open(os.path.join(ctx.paths.output_dir, "Other_00099_.png"), "wb").close()
    res = make("SaveImage").save_images(images[:1], "ComfyUI")
    assert res["ui"]["images"][0]["filename"] == "ComfyUI_00042_.png"


def test_save_image_truncates_not_rounds(make, ctx):
    images = torch.full((1, 2, 2, 3), 0.999)  # 254.745 -> 254
    images[0, 0, 0] = torch.tensor([1.5, -0.2, 0.5])
    res = make("SaveImage").save_images(images, "t")
    px = np.array(Image.open(os.path.join(ctx.paths.output_dir, res["ui"]["images"][0]["filename"])))
    assert px[1, 1].tolist() == [254, 254, 254]
    assert px[0, 0].tolist() == [255, 0, 127]


def test_save_image_subfolder_and_tokens(make, ctx):
    images = torch.zeros(1, 16, 24, 3)
    res = make("SaveImage").save_images(images, "runs/%width%x%height%/%date:yyyy-MM-dd%/img")
    entry = res["ui"]["images"][0]
    assert re.fullmatch(r"runs/24x16/\d{4}-\d{2}-\d{2}", entry["subfolder"])
    assert entry["filename"] == "img_00001_.png"
    assert os.path.isfile(os.path.join(ctx.paths.output_dir, entry["subfolder"], entry["filename"]))


def test_save_image_node_title_token(make, ctx):
    prompt = {"3": {"class_type": "KSampler", "inputs": {"seed": 1234, "model": ["4", 0]}, "_meta": {"title": "KS"}}}
    res = make("SaveImage").save_images(torch.zeros(1, 8, 8, 3), "s_%KS.seed%", prompt=prompt)
    assert res["ui"]["images"][0]["filename"] == "s_1234_00001_.png"


@pytest.mark.parametrize("prefix", ["../evil", "a/../../evil", "/tmp/evil"])
def test_save_image_refuses_prefix_escaping_output(make, ctx, prefix):
    with pytest.raises(ValueError, match="SaveImage: .*outside the output folder"):
        make("SaveImage").save_images(torch.zeros(1, 8, 8, 3), prefix)
    assert not os.path.exists(os.path.join(os.path.dirname(ctx.paths.output_dir), "evil_00001_.png"))


def test_save_image_disable_metadata(make, ctx, args):
    args.disable_metadata = True
    res = make("SaveImage").save_images(torch.zeros(1, 8, 8, 3), "nm", prompt={"a": 1})
    with Image.open(os.path.join(ctx.paths.output_dir, res["ui"]["images"][0]["filename"])) as im:
        assert "prompt" not in im.text


def test_preview_image_goes_to_temp_with_random_prefix(make, ctx):
    res = make("PreviewImage").save_images(torch.zeros(1, 8, 8, 3), prompt={"x": 1})
    entry = res["ui"]["images"][0]
    assert entry["type"] == "temp" and entry["subfolder"] == ""
    assert re.fullmatch(r"ComfyUI_temp_[a-z]{5}_00001_\.png", entry["filename"])
    assert os.path.isfile(os.path.join(ctx.paths.temp_dir, entry["filename"]))


def test_save_image_rgba(make, ctx):
    res = make("SaveImage").save_images(torch.ones(1, 4, 4, 4) * 0.5, "rgba")
    with Image.open(os.path.join(ctx.paths.output_dir, res["ui"]["images"][0]["filename"])) as im:
        assert im.mode == "RGBA"


def test_save_image_batch_num_token(make, ctx):
    res = make("SaveImage").save_images(torch.zeros(2, 8, 8, 3), "b%batch_num%")
    assert [e["filename"] for e in res["ui"]["images"]] == ["b0_00001_.png", "b1_00002_.png"]
