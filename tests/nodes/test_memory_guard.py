"""Sizes from user input that cannot fit in memory fail the node with a clear error instead of
letting the allocation take the whole process down."""
import psutil
import pytest
import torch

from nodes.image import EmptyImage, ImagePadForOutpaint
from nodes.latent import EmptyLatentImage, RepeatLatentBatch
from nodes.mask import SolidMask
from nodes.resize import common_upscale

GIB = 2 ** 30


def test_the_sizes_below_exceed_this_machine():
    # every case below asks for at least 256 GiB
    assert psutil.virtual_memory().available < 256 * GIB


def test_empty_latent_too_large_for_memory_is_refused_with_the_node_name():
    # 4096 x 4 x 2048 x 2048 float32 = 256 GiB
    with pytest.raises(MemoryError, match=r"EmptyLatentImage: a 4096x4x2048x2048 tensor needs 256\.0 GiB"):
        EmptyLatentImage().generate(16384, 16384, 4096)


def test_empty_image_and_solid_mask_too_large_are_refused():
    with pytest.raises(MemoryError, match="EmptyImage"):
        EmptyImage().generate(16384, 16384, 4096, 0)
    with pytest.raises(MemoryError, match="SolidMask"):
        SolidMask().solid(1.0, 16384 * 64, 16384 * 64)


def test_pad_repeat_and_upscale_refuse_sizes_beyond_memory():
    image = torch.zeros((1, 8, 8, 3)).expand(4096, 8, 8, 3)
    with pytest.raises(MemoryError, match="ImagePadForOutpaint"):
        ImagePadForOutpaint().expand_image(image, 16384, 16384, 16384, 16384, 0)
    wide = torch.zeros(1, 4, 1, 1).expand(1, 4, 2 ** 14, 2 ** 15)  # a view: no memory behind it
    with pytest.raises(MemoryError, match="RepeatLatentBatch"):
        RepeatLatentBatch().repeat({"samples": wide}, 64)
    with pytest.raises(MemoryError, match="upscale"):
        common_upscale(torch.zeros(1, 4, 8, 8).expand(4096, 4, 8, 8), 16384, 16384, "nearest-exact", "disabled")


def test_sizes_that_fit_still_work():
    out = EmptyLatentImage().generate(64, 64, 2)[0]["samples"]
    assert out.shape == (2, 4, 8, 8) and not out.any()
    assert RepeatLatentBatch().repeat({"samples": out}, 3)[0]["samples"].shape == (6, 4, 8, 8)
