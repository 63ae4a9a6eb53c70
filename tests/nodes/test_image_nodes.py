"""Pixel-space image nodes on plain tensors."""
import pytest
import torch
import torch.nn.functional as F


def img(b=1, h=8, w=8, seed=0):
    return torch.rand(b, h, w, 3, generator=torch.Generator().manual_seed(seed))


def test_image_scale_zero_height_keeps_aspect(make):
    (out,) = make("ImageScale").upscale(img(h=10, w=20), "bilinear", 40, 0, "disabled")
    assert out.shape == (1, 20, 40, 3)


def test_image_scale_center_crop_matches_manual(make):
    src = img(h=8, w=16)
    (out,) = make("ImageScale").upscale(src, "nearest-exact", 4, 4, "center")
    manual = F.interpolate(src.movedim(-1, 1)[:, :, :, 4:12], size=(4, 4), mode="nearest-exact").movedim(1, -1)
    assert torch.equal(out, manual)


@pytest.mark.parametrize("method", ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"])
def test_image_scale_by_every_method(make, method):
    (out,) = make("ImageScaleBy").upscale(img(h=6, w=10), method, 1.5)
    assert out.shape == (1, 9, 15, 3)
    assert out.dtype == torch.float32


def test_lanczos_constant_image_stays_constant(make):
    src = torch.full((1, 8, 8, 3), 0.5)
    (out,) = make("ImageScale").upscale(src, "lanczos", 16, 16, "disabled")
    assert torch.allclose(out, torch.full_like(out, 127 / 255))


def test_image_invert(make):
    src = img()
    (out,) = make("ImageInvert").invert(src)
    assert torch.allclose(out, 1 - src)


def test_image_batch_resizes_second(make):
    (out,) = make("ImageBatch").batch(img(h=8, w=8), img(b=2, h=16, w=32))
    assert out.shape == (3, 8, 8, 3)


def test_empty_image_color(make):
    (out,) = make("EmptyImage").generate(4, 2, 2, 0xFF8000)
    assert out.shape == (2, 2, 4, 3)
    assert torch.allclose(out[0, 0, 0], torch.tensor([1.0, 128 / 255, 0.0]))


def test_pad_for_outpaint_grey_border_and_feathered_mask(make):
    src = torch.zeros(1, 40, 40, 3)
    (out, mask) = make("ImagePadForOutpaint").expand_image(src, 8, 0, 0, 16, 10)
    assert out.shape == (1, 56, 48, 3) and mask.shape == (1, 56, 48)
    assert torch.all(out[:, :, :8] == 0.5) and torch.all(out[:, 40:] == 0.5)
    assert torch.all(out[:, :40, 8:] == 0)
    assert torch.all(mask[:, :, :8] == 1) and torch.all(mask[:, 40:, :] == 1)
    # inside: distance to the padded left edge j=0 -> ((10-0)/10)^2 = 1; j=5 -> 0.25; j>=10 and far from bottom -> 0
    assert mask[0, 0, 8].item() == pytest.approx(1.0)
    assert mask[0, 0, 8 + 5].item() == pytest.approx(0.25)
    assert mask[0, 10, 8 + 20].item() == 0.0
    # bottom padded: row i=39 -> d = 40-39 = 1 -> (9/10)^2
    assert mask[0, 39, 8 + 20].item() == pytest.approx(0.81)


def test_image_crop_clamps_origin(make):
    src = img(h=10, w=10)
    (out,) = make("ImageCrop").crop(src, 4, 3, 2, 1)
    assert torch.equal(out, src[:, 1:4, 2:6])
    (out,) = make("ImageCrop").crop(src, 4, 4, 50, 50)
    assert out.shape == (1, 1, 1, 3)
