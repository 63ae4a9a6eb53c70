"""Every example workflow in web/examples runs end to end on the tiny random checkpoints."""
import json
import os

import numpy as np
import pytest
from PIL import Image

from .conftest import EXAMPLES, load_example, shrink

# example -> (number of images, width, height) after shrink()
EXPECTED = {
    "txt2img.json": (1, 64, 64),
    "img2img.json": (1, 64, 64),
    "inpaint.json": (1, 64, 64),
    "outpaint.json": (1, 96, 64),
    "hires_fix.json": (1, 96, 96),
    "sdxl_refiner.json": (1, 64, 64),
    "lora.json": (1, 64, 64),
    "controlnet.json": (1, 64, 64),
    "upscale.json": (1, 128, 128),
    "custom_sampler.json": (1, 64, 64),
}


def saved_images(ctx, result):
    files = []
    for ui in result.outputs.values():
        for entry in ui.get("images", []):
            files.append(os.path.join(ctx.paths.type_dir(entry["type"]), entry["subfolder"], entry["filename"]))
    return files


def test_every_example_is_listed_in_the_readme():
    names = sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".json"))
    assert sorted(EXPECTED) == names
    readme = open(os.path.join(EXAMPLES, "README.md"), encoding="utf-8").read()
    for name in names:
        assert f"`{name}`" in readme, f"{name} has no README entry"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_and_saves_images_of_the_right_size(run, engine, name):
    _, ctx = engine
    result, rec = run(shrink(load_example(name)))
    assert result.success, result.error
    files = saved_images(ctx, result)
    count, width, height = EXPECTED[name]
    assert len(files) == count
    for path in files:
        with Image.open(path) as im:
            assert im.size == (width, height)
            assert im.mode == "RGB"
    if name != "upscale.json":
        sampler_steps = [s for s in rec.steps if s[2] > 0]
        assert sampler_steps, "no progress reported"


def test_progress_each_step_with_preview(run):
    result, rec = run(shrink(load_example("txt2img.json"), steps=3))
    assert result.success, result.error
    ks = [(v, m) for node, v, m, _ in rec.steps if node == "3"]
    assert ks == [(1, 3), (2, 3), (3, 3)]
    previews = [p for node, _, _, p in rec.steps if node == "3"]
    assert all(p is not None and p.size[0] > 0 for p in previews)


def pixels(ctx, result):
    (path,) = saved_images(ctx, result)
    with Image.open(path) as im:
        return np.array(im), dict(im.text)


def test_same_seed_same_pixels_other_seed_different(run, engine):
    _, ctx = engine
    prompt = shrink(load_example("txt2img.json"))
    a, _ = run(prompt)
    b, _ = run(json.loads(json.dumps(prompt)))
    prompt["3"]["inputs"]["seed"] += 1
    c, _ = run(prompt)
    pa, pb, pc = pixels(ctx, a)[0], pixels(ctx, b)[0], pixels(ctx, c)[0]
    assert pa.tobytes() == pb.tobytes()
    assert pa.tobytes() != pc.tobytes()


def test_png_metadata_round_trips_prompt_and_workflow(run, engine):
    _, ctx = engine
    prompt = shrink(load_example("txt2img.json"))
    workflow = {"last_node_id": 9, "nodes": [{"id": 3, "type": "KSampler"}], "links": [], "version": 0.4}
    result, _ = run(prompt, {"extra_pnginfo": {"workflow": workflow}})
    assert result.success, result.error
    _, text = pixels(ctx, result)
    assert json.loads(text["prompt"]) == prompt
    assert json.loads(text["workflow"]) == workflow


@pytest.mark.parametrize("name", ["txt2img.json", "sdxl_refiner.json"])
def test_batch_of_two_with_one_prompt(run, engine, name):
    _, ctx = engine
    prompt = shrink(load_example(name))
    prompt["5"]["inputs"]["batch_size"] = 2
    result, _ = run(prompt)
    assert result.success, result.error
    files = saved_images(ctx, result)
    assert len(files) == 2
    images = [np.array(Image.open(f)) for f in files]
    assert images[0].shape == images[1].shape and images[0].tobytes() != images[1].tobytes()


def test_custom_sampler_example_gives_the_ksampler_picture(run, engine):
    _, ctx = engine
    custom, _ = run(shrink(load_example("custom_sampler.json")))
    plain = shrink(load_example("txt2img.json"))
    plain["3"]["inputs"].update(sampler_name="euler_ancestral", scheduler="karras")
    ks, _ = run(plain)
    assert custom.success and ks.success
    assert np.array_equal(pixels(ctx, custom)[0], pixels(ctx, ks)[0])
