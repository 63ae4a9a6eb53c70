"""UpscaleModelLoader / ImageUpscaleWithModel with a tiny random ESRGAN (RRDBNet) built at test time."""
import os

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from nodes.upscale import tile_positions, tiled_scale


def tiny_esrgan_state_dict(scale=2, seed=0):
    from spandrel.architectures.ESRGAN import ESRGAN
    torch.manual_seed(seed)
    net = ESRGAN(in_nc=3, out_nc=3, num_filters=8, num_blocks=1, scale=scale)
    return {k: v.contiguous() for k, v in net.state_dict().items()}


@pytest.fixture
def esrgan_file(ctx):
    folder = ctx.paths.folder("upscale_models")[0]
    os.makedirs(folder, exist_ok=True)
    sd = tiny_esrgan_state_dict()
    save_file(sd, os.path.join(folder, "tiny_x2.safetensors"))
    # "module." prefixed pickles (from DataParallel training) load too
    torch.save({"params_ema": {"module." + k: v for k, v in sd.items()}}, os.path.join(folder, "tiny_x2.pth"))
    return sd


def test_loader_lists_and_loads_with_spandrel(registry, make, esrgan_file):
    names = registry.get("UpscaleModelLoader").INPUT_TYPES()["required"]["model_name"][0]
    assert names == ["tiny_x2.pth", "tiny_x2.safetensors"]
    for name in names:
        (model,) = make("UpscaleModelLoader").load_model(name)
        assert model.scale == 2
        assert all(torch.equal(model.model.state_dict()[k], v) for k, v in esrgan_file.items())


def test_upscale_output_size_and_values(make, esrgan_file):
    (model,) = make("UpscaleModelLoader").load_model("tiny_x2.safetensors")
    image = torch.rand(2, 24, 20, 3, generator=torch.Generator().manual_seed(1))
    (out,) = make("ImageUpscaleWithModel").upscale(model, image)
    assert out.shape == (2, 48, 40, 3)
    with torch.no_grad():
        direct = model(image.movedim(-1, 1)).clamp(0, 1).movedim(1, -1)
    assert torch.allclose(out, direct, atol=1e-6)
    assert out.min() >= 0 and out.max() <= 1


def test_tiled_scale_blends_tiles_exactly_for_a_pointwise_model():
    image = torch.rand(1, 3, 50, 37, generator=torch.Generator().manual_seed(2))
    up = lambda t: F.interpolate(t, scale_factor=2, mode="nearest")  # noqa: E731
    tiled = tiled_scale(image, up, 2, tile=16, overlap=4)
    assert torch.allclose(tiled, up(image), atol=1e-6)
    assert tile_positions(50, 16, 4) == [0, 12, 24, 34]
    assert tile_positions(10, 16, 4) == [0]


def test_not_an_upscale_model_is_a_clear_error(make, ctx):
    folder = ctx.paths.folder("upscale_models")[0]
    os.makedirs(folder, exist_ok=True)
    save_file({"foo.weight": torch.zeros(2, 2)}, os.path.join(folder, "bad.safetensors"))
    with pytest.raises(ValueError, match=r"UpscaleModelLoader: cannot load upscale model 'bad\.safetensors'"):
        make("UpscaleModelLoader").load_model("bad.safetensors")
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        make("UpscaleModelLoader").load_model("missing.pth")
