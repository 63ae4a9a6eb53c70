"""MASK nodes."""
import numpy as np
import pytest
import scipy.ndimage
import torch


def test_solid_and_invert(make):
    (m,) = make("SolidMask").solid(0.25, 5, 3)
    assert m.shape == (1, 3, 5) and torch.all(m == 0.25)
    (inv,) = make("InvertMask").invert(m)
    assert torch.all(inv == 0.75)


def test_mask_image_round_trip(make):
    m = torch.rand(2, 4, 5)
    (image,) = make("MaskToImage").mask_to_image(m)
    assert image.shape == (2, 4, 5, 3)
    (back,) = make("ImageToMask").image_to_mask(image, "green")
    assert torch.equal(back, m)
    with pytest.raises(ValueError, match="alpha"):
        make("ImageToMask").image_to_mask(image, "alpha")


@pytest.mark.parametrize("expand", [2, -1, 3])
@pytest.mark.parametrize("tapered", [True, False])
def test_grow_mask_matches_scipy_grey_morphology(make, expand, tapered):
    rng = np.random.default_rng(0)
    m = (rng.random((12, 10)) > 0.7).astype(np.float32) * rng.random((12, 10)).astype(np.float32)
    c = 0 if tapered else 1
    kernel = np.array([[c, 1, c], [1, 1, 1], [c, 1, c]])
    ref = m.copy()
    for _ in range(abs(expand)):
        op = scipy.ndimage.grey_dilation if expand > 0 else scipy.ndimage.grey_erosion
        ref = op(ref, footprint=kernel)
    (out,) = make("GrowMask").expand_mask(torch.from_numpy(m), expand, tapered)
    assert out.shape == (1, 12, 10)
    np.testing.assert_array_equal(out[0].numpy(), ref)


def test_feather_mask_left_and_top_ramps(make):
    (out,) = make("FeatherMask").feather(torch.ones(1, 6, 6), 3, 2, 0, 0)
    assert out[0, 5, :3].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert out[0, :2, 5].tolist() == pytest.approx([0.5, 1.0])
    assert out[0, 0, 0].item() == pytest.approx(1 / 6)
