"""The everyday ComfyUI core nodes of nodes/image_extra.py, mask_extra.py, latent_extra.py and utility.py.

Numbers are checked against independent computations written here (numpy or plain formulas) or
against known cases; INPUT_TYPES against ComfyUI's declarations; bad input against clear errors.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time

import numpy as np
import pytest
import torch
from PIL import Image

from nodes._common import NodeInputError


def const(value, h=4, w=5, c=3, b=1):
    return torch.full((b, h, w, c), float(value))


# ================================================================== ImageBlend
def _soft_light(a, b):
    d = ((16 * a - 12) * a + 4) * a if a <= 0.25 else math.sqrt(a)
    return a - (1 - 2 * b) * a * (1 - a) if b <= 0.5 else a + (2 * b - 1) * (d - a)


@pytest.mark.parametrize("a,b", [(0.2, 0.7), (0.8, 0.3), (0.1, 0.4)])
def test_image_blend_modes_on_constant_images(make, a, b):
    expected = {
        "normal": b,
        "multiply": a * b,
        "screen": 1 - (1 - a) * (1 - b),
        "overlay": 2 * a * b if a <= 0.5 else 1 - 2 * (1 - a) * (1 - b),
        "soft_light": _soft_light(a, b),
        "difference": a - b,
    }
    node = make("ImageBlend")
    for mode, value in expected.items():
        for factor in (1.0, 0.35):
            out = node.blend_images(const(a), const(b), factor, mode)[0]
            want = min(1.0, max(0.0, a * (1 - factor) + value * factor))
            assert out.shape == (1, 4, 5, 3)
            assert torch.allclose(out, torch.full_like(out, want), atol=1e-6), (mode, factor)


def test_image_blend_resizes_image2_to_image1(make):
    out = make("ImageBlend").blend_images(const(0.5, 8, 6), const(0.25, 3, 3), 1.0, "multiply")[0]
    assert out.shape == (1, 8, 6, 3)
    assert torch.allclose(out, torch.full_like(out, 0.125), atol=1e-5)


# ================================================================== ImageBlur / ImageSharpen
def _comfy_gaussian(radius: int, sigma: float) -> np.ndarray:
    """ComfyUI's kernel written independently: a grid over [-1, 1] (not pixels), exp(-d^2 / 2 sigma^2)."""
    k = 2 * radius + 1
    axis = np.linspace(-1.0, 1.0, k)
    g = np.exp(-(axis[:, None] ** 2 + axis[None, :] ** 2) / (2 * sigma * sigma))
    return g / g.sum()


@pytest.mark.parametrize("radius,sigma", [(1, 1.0), (2, 0.5), (3, 2.0)])
def test_blur_of_an_impulse_is_the_normalised_kernel(make, radius, sigma):
    size = 2 * radius + 5
    img = torch.zeros((1, size, size, 3))
    c = size // 2
    img[0, c, c, :] = 1.0
    out = make("ImageBlur").blur(img, radius, sigma)[0]
    kernel = _comfy_gaussian(radius, sigma)
    got = out[0, c - radius:c + radius + 1, c - radius:c + radius + 1, 0].numpy()
    np.testing.assert_allclose(got, kernel, atol=1e-6)
    assert out[0, :, :, 0].sum().item() == pytest.approx(1.0, abs=1e-5)
    assert torch.equal(out[..., 0], out[..., 2])


def test_blur_keeps_a_constant_image_at_the_edges(make):
    out = make("ImageBlur").blur(const(0.6, 6, 7), 2, 1.0)[0]
    assert torch.allclose(out, torch.full_like(out, 0.6), atol=1e-6)


def test_sharpen_kernel_and_constant_image(make):
    node = make("ImageSharpen")
    assert torch.allclose(node.sharpen(const(0.4, 6, 6), 2, 1.0, 1.0)[0], const(0.4, 6, 6), atol=1e-6)
    radius, sigma, alpha = 1, 1.0, 0.01
    g = _comfy_gaussian(radius, sigma) * -(alpha * 10)
    g[1, 1] = g[1, 1] - g.sum() + 1.0  # the kernel sums to 1
    img = torch.full((1, 7, 7, 3), 0.5)
    img[0, 3, 3, :] = 0.6
    out = node.sharpen(img, radius, sigma, alpha)[0]
    np.testing.assert_allclose(out[0, 2:5, 2:5, 1].numpy(), 0.5 + 0.1 * g, atol=1e-6)


# ================================================================== ImageQuantize
def test_bayer_matrix_is_the_classic_ordered_dither():
    from nodes.image_extra import bayer_matrix
    ranks = np.argsort(np.argsort(bayer_matrix(4).ravel())).reshape(4, 4)
    assert ranks.tolist() == [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]
    np.testing.assert_allclose(bayer_matrix(2), np.array([[-1.5, 0.5], [1.5, -0.5]]) / 4)


@pytest.mark.parametrize("dither", ["none", "floyd-steinberg", "bayer-2", "bayer-4", "bayer-8", "bayer-16"])
def test_quantize_limits_the_colours(make, dither):
    gen = torch.Generator().manual_seed(0)
    img = torch.rand((2, 12, 10, 3), generator=gen)
    out = make("ImageQuantize").quantize(img, 4, dither)[0]
    assert out.shape == img.shape
    for b in range(2):
        colours = {tuple(px) for px in (out[b] * 255).round().reshape(-1, 3).tolist()}
        assert 1 <= len(colours) <= 4


def test_quantize_keeps_an_image_that_already_has_few_colours(make):
    img = torch.zeros((1, 4, 4, 3))
    img[0, :2] = torch.tensor([1.0, 0.0, 0.0])
    img[0, 2:] = torch.tensor([0.0, 0.0, 1.0])
    out = make("ImageQuantize").quantize(img, 2, "none")[0]
    assert torch.equal(out, img)


# ================================================================== Morphology
def _point(size=9, p=(4, 4)):
    img = torch.zeros((1, size, size, 3))
    img[0, p[0], p[1], :] = 1.0
    return img


@pytest.mark.parametrize("k", [3, 5, 4])
def test_dilate_of_a_point_is_the_kernel_square(make, k):
    out = make("Morphology").process(_point(11, (5, 5)), "dilate", k)[0][0, :, :, 0]
    lo = 5 - k // 2  # a point grows by the square anchored at k // 2 (for even k one more pixel up/left)
    want = torch.zeros((11, 11))
    want[lo:lo + k, lo:lo + k] = 1.0
    assert torch.equal(out, want)


def test_morphology_operations_on_known_shapes(make):
    node = make("Morphology")
    square = torch.zeros((1, 9, 9, 1))
    square[0, 2:7, 2:7] = 1.0
    eroded = node.process(square, "erode", 3)[0]
    want = torch.zeros_like(square)
    want[0, 3:6, 3:6] = 1.0
    assert torch.equal(eroded, want)
    assert torch.equal(node.process(square, "open", 3)[0], square)            # a 5x5 square survives opening
    assert torch.equal(node.process(_point(), "open", 3)[0], torch.zeros_like(_point()))
    assert torch.equal(node.process(_point(), "top_hat", 3)[0], _point())     # what opening removed
    hole = 1.0 - _point()
    assert torch.equal(node.process(hole, "close", 3)[0], torch.ones_like(hole))
    assert torch.equal(node.process(hole, "bottom_hat", 3)[0], _point())      # what closing filled
    grad = node.process(square, "gradient", 3)[0][0, :, :, 0]
    ring = torch.zeros((9, 9))
    ring[1:8, 1:8] = 1.0
    ring[3:6, 3:6] = 0.0
    assert torch.equal(grad, ring)
    ones = torch.ones((1, 5, 5, 3))
    assert torch.equal(node.process(ones, "erode", 3)[0], ones)  # outside the image does not count


# ================================================================== Canny
def _square_with_soft_edge(size=32, lo=8, hi=23):
    img = torch.zeros((1, size, size, 3))
    img[0, lo:hi + 1, lo:hi + 1] = 0.5   # the edge ring sits half-way, so the gradient peaks on it
    img[0, lo + 1:hi, lo + 1:hi] = 1.0
    return img


def test_canny_on_a_square_gives_its_outline(make):
    out = make("Canny").detect_edge(_square_with_soft_edge(), 0.1, 0.3)[0]
    assert out.shape == (1, 32, 32, 3) and torch.equal(out[..., 0], out[..., 2])
    edges = out[0, :, :, 0]
    assert set(edges.unique().tolist()) <= {0.0, 1.0}
    ring = torch.zeros((32, 32), dtype=torch.bool)
    ring[8:24, 8:24] = True
    ring[9:23, 9:23] = False
    corners = torch.zeros((32, 32), dtype=torch.bool)
    for r in (8, 23):
        for c in (8, 23):
            corners[r - 1:r + 2, c - 1:c + 2] = True    # corners: the diagonal gradient rounds them
    assert not edges[~ring & ~corners].any()            # nothing off the outline
    assert edges[ring & ~corners].all()                 # every straight edge pixel found
    assert edges[corners].sum().item() == 4 * 3         # each corner cut by a diagonal of 3 pixels


def test_canny_hysteresis_drops_isolated_weak_edges():
    from nodes.image_extra import canny
    img = _square_with_soft_edge().movedim(-1, 1) * 0.25  # a faint square: every edge is weak
    magnitude, _ = canny(img, 0.01, 0.99)
    peak = magnitude.max().item()
    _, edges = canny(img, peak * 0.5, peak * 1.01)      # weak only, nothing strong to connect to
    assert not edges.any()
    _, edges = canny(img, peak * 0.5, peak * 0.99)      # the strongest pixels now seed the whole outline
    assert edges.sum().item() > 40


def test_canny_rejects_low_above_high(make):
    with pytest.raises(NodeInputError, match="Canny: low_threshold"):
        make("Canny").detect_edge(_square_with_soft_edge(), 0.8, 0.4)


# ================================================================== transforms
def test_rotate_and_flip_match_numpy(make):
    img = torch.arange(2 * 3 * 4 * 1, dtype=torch.float32).reshape(2, 3, 4, 1)
    arr = img.numpy()
    rot = make("ImageRotate")
    for name, k in (("none", 0), ("90 degrees", 1), ("180 degrees", 2), ("270 degrees", 3)):
        want = np.rot90(arr, -k, axes=(1, 2))  # ComfyUI turns clockwise
        assert np.array_equal(rot.rotate(img, name)[0].numpy(), want), name
    flip = make("ImageFlip")
    assert np.array_equal(flip.flip(img, "x-axis: vertically")[0].numpy(), arr[:, ::-1])
    assert np.array_equal(flip.flip(img, "y-axis: horizontally")[0].numpy(), arr[:, :, ::-1])


def test_stitch_pads_and_spaces(make):
    node = make("ImageStitch")
    a, b = const(0.2, 4, 3), const(0.7, 2, 5)
    assert node.stitch(a, "right", True, 0, "white")[0] is a  # no image2: unchanged
    out = node.stitch(a, "right", False, 2, "red", b)[0]
    assert out.shape == (1, 4, 3 + 2 + 5, 3)
    assert torch.allclose(out[0, :, :3], torch.full((4, 3, 3), 0.2))
    assert out[0, :, 3:5].tolist() == [[[1.0, 0.0, 0.0]] * 2] * 4
    assert torch.allclose(out[0, 1:3, 5:], torch.full((2, 5, 3), 0.7))   # centred: one pad row above, one below
    assert torch.equal(out[0, 0, 5:], torch.zeros(5, 3)) and torch.equal(out[0, 3, 5:], torch.zeros(5, 3))
    up = node.stitch(a, "up", True, 0, "white", b)[0]                    # image2 scaled to image1's width, on top
    assert up.shape == (1, int(3 / (5 / 2)) + 4, 3, 3)
    assert torch.allclose(up[0, -4:], a[0])


def test_resize_and_pad_centres_the_image(make):
    img = const(0.3, 2, 4)
    out = make("ResizeAndPadImage").resize_and_pad(img, 8, 8, "white", "bilinear")[0]
    assert out.shape == (1, 8, 8, 3)
    assert torch.allclose(out[0, 2:6], torch.full((4, 8, 3), 0.3), atol=1e-6)
    assert torch.equal(out[0, :2], torch.ones(2, 8, 3)) and torch.equal(out[0, 6:], torch.ones(2, 8, 3))


def test_from_batch_repeat_size_and_noise(make):
    img = torch.arange(5, dtype=torch.float32).reshape(5, 1, 1, 1).expand(5, 2, 3, 3).contiguous()
    node = make("ImageFromBatch")
    assert node.frombatch(img, 1, 2)[0][:, 0, 0, 0].tolist() == [1.0, 2.0]
    assert node.frombatch(img, 9, 3)[0][:, 0, 0, 0].tolist() == [4.0]      # clamped to the last image
    assert make("RepeatImageBatch").repeat(img[:2], 3)[0][:, 0, 0, 0].tolist() == [0, 1] * 3
    assert make("GetImageSize").get_size(img) == (3, 2, 5)
    noisy = make("ImageAddNoise").repeat(const(0.5, 3, 3), 7, 0.1)[0]
    want = torch.clip(0.5 + 0.1 * torch.randn((1, 3, 3, 3), generator=torch.Generator().manual_seed(7)), 0, 1)
    assert torch.equal(noisy, want)


def test_scale_to_max_dimension(make):
    node = make("ImageScaleToMaxDimension")
    assert node.upscale(const(0.5, 4, 8), "bilinear", 16)[0].shape == (1, 8, 16, 3)
    assert node.upscale(const(0.5, 9, 3), "area", 6)[0].shape == (1, 6, 2, 3)
    assert node.upscale(const(0.5, 5, 5), "nearest-exact", 7)[0].shape == (1, 7, 7, 3)


def test_yuv_split_and_join(make):
    rgb = torch.tensor([[[[1.0, 0.0, 0.0], [0.2, 0.4, 0.6]]]])
    y, u, v = make("ImageRGBToYUV").execute(rgb)
    luma = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]       # BT.601, full range
    assert torch.allclose(y[..., 1], luma, atol=1e-6)
    assert torch.allclose(u[..., 0], (rgb[..., 2] - luma) * 0.564 + 0.5, atol=1e-6)
    assert torch.allclose(v[..., 2], (rgb[..., 0] - luma) * 0.713 + 0.5, atol=1e-6)
    assert torch.allclose(make("ImageYUVToRGB").execute(y, u, v)[0], rgb, atol=1e-6)


# ================================================================== alpha compositing
def test_join_and_split_alpha_round_trip(make):
    img = torch.rand((2, 3, 4, 3), generator=torch.Generator().manual_seed(1))
    mask = torch.rand((2, 3, 4), generator=torch.Generator().manual_seed(2))
    rgba = make("JoinImageWithAlpha").join_image_with_alpha(img, mask)[0]
    assert rgba.shape == (2, 3, 4, 4)
    assert torch.allclose(rgba[..., 3], 1 - mask, atol=1e-6)
    rgb, back = make("SplitImageWithAlpha").split_image_with_alpha(rgba)
    assert torch.equal(rgb, img) and torch.allclose(back, mask, atol=1e-6)
    _, opaque = make("SplitImageWithAlpha").split_image_with_alpha(img)
    assert torch.equal(opaque, torch.zeros((2, 3, 4)))


# Classic Porter-Duff operators as (Fa, Fb): out_alpha = as*Fa + ad*Fb, out_premult = Cs*as*Fa + Cd*ad*Fb.
_PD_FACTORS = {
    "CLEAR": lambda sa, da: (0, 0), "SRC": lambda sa, da: (1, 0), "DST": lambda sa, da: (0, 1),
    "SRC_OVER": lambda sa, da: (1, 1 - sa), "DST_OVER": lambda sa, da: (1 - da, 1),
    "SRC_IN": lambda sa, da: (da, 0), "DST_IN": lambda sa, da: (0, sa),
    "SRC_OUT": lambda sa, da: (1 - da, 0), "DST_OUT": lambda sa, da: (0, 1 - sa),
    "SRC_ATOP": lambda sa, da: (da, 1 - sa), "DST_ATOP": lambda sa, da: (1 - da, sa),
    "XOR": lambda sa, da: (1 - da, 1 - sa),
}


@pytest.mark.parametrize("mode", sorted(_PD_FACTORS))
def test_porter_duff_classic_operators(make, mode):
    cs, sa, cd, da = 0.8, 0.6, 0.3, 0.5
    fa, fb = _PD_FACTORS[mode](sa, da)
    alpha = sa * fa + da * fb
    colour = (cs * sa * fa + cd * da * fb) / alpha if alpha > 1e-5 else 0.0
    img, mask = make("PorterDuffImageComposite").composite(
        const(cs, 2, 3), torch.full((1, 2, 3), 1 - sa), const(cd, 2, 3), torch.full((1, 2, 3), 1 - da), mode)
    assert img.shape == (1, 2, 3, 3) and mask.shape == (1, 2, 3)
    assert torch.allclose(img, torch.full_like(img, colour), atol=1e-5)
    assert torch.allclose(mask, torch.full_like(mask, 1 - alpha), atol=1e-6)


@pytest.mark.parametrize("mode,fn", [
    ("ADD", lambda s, d: min(1.0, s + d)), ("MULTIPLY", lambda s, d: s * d),
    ("SCREEN", lambda s, d: s + d - s * d), ("DARKEN", min), ("LIGHTEN", max),
    ("OVERLAY", lambda s, d: 2 * s * d if 2 * d < 1 else 1 - 2 * (1 - d) * (1 - s)),
])
@pytest.mark.parametrize("cs,cd", [(0.8, 0.3), (0.2, 0.9)])
def test_porter_duff_blend_operators_on_opaque_images(make, mode, fn, cs, cd):
    zero = torch.zeros((1, 2, 2))
    img, mask = make("PorterDuffImageComposite").composite(const(cs, 2, 2), zero, const(cd, 2, 2), zero, mode)
    assert torch.allclose(img, torch.full_like(img, fn(cs, cd)), atol=1e-6)
    assert torch.equal(mask, zero)


def test_porter_duff_lists_every_mode_with_dst_default(registry):
    spec = registry.get("PorterDuffImageComposite").INPUT_TYPES()["required"]["mode"]
    assert spec[0] == ["ADD", "CLEAR", "DARKEN", "DST", "DST_ATOP", "DST_IN", "DST_OUT", "DST_OVER", "LIGHTEN",
                       "MULTIPLY", "OVERLAY", "SCREEN", "SRC", "SRC_ATOP", "SRC_IN", "SRC_OUT", "SRC_OVER", "XOR"]
    assert spec[1] == {"default": "DST"}


# ================================================================== masks
def test_crop_and_threshold_mask(make):
    m = torch.arange(20, dtype=torch.float32).reshape(4, 5) / 20
    crop = make("CropMask").crop(m, 1, 2, 3, 9)[0]
    assert crop.shape == (1, 2, 3) and torch.equal(crop[0], m[2:4, 1:4])
    th = make("ThresholdMask").image_to_mask(m[None], 0.5)[0]
    assert torch.equal(th, (m[None] > 0.5).float())


def test_mask_composite_operations(make):
    dst = torch.tensor([[0.2, 0.6, 0.9], [0.4, 0.5, 1.0]])
    src = torch.tensor([[0.5, 0.7], [0.3, 0.4]])
    node = make("MaskComposite")
    expect = {
        "multiply": lambda d, s: d * s, "add": lambda d, s: min(1.0, d + s), "subtract": lambda d, s: max(0.0, d - s),
        "and": lambda d, s: float(round(d) and round(s)), "or": lambda d, s: float(round(d) or round(s)),
        "xor": lambda d, s: float(bool(round(d)) != bool(round(s))),
    }
    for op, fn in expect.items():
        out = node.combine(dst, src, 1, 0, op)[0]
        assert out.shape == (1, 2, 3)
        want = dst.clone()
        for r in range(2):
            for c in range(1, 3):   # the source at x=1 is cut at the right edge
                want[r, c] = fn(dst[r, c].item(), src[r, c - 1].item())
        assert torch.allclose(out[0], want, atol=1e-6), op
    assert torch.equal(node.combine(dst, src, 7, 7, "add")[0][0], dst)  # entirely outside: unchanged


def test_image_color_to_mask_marks_matching_pixels_with_255(make):
    img = torch.zeros((1, 2, 2, 3))
    img[0, 0, 1] = torch.tensor([1.0, 128 / 255, 0.0])
    out = make("ImageColorToMask").image_to_mask(img, 0xFF8000)[0]
    assert out.tolist() == [[[0.0, 255.0], [0.0, 0.0]]]


def test_mask_preview_writes_a_temp_png(make, ctx):
    ui = make("MaskPreview").execute(torch.full((1, 3, 5), 0.5))["ui"]["images"]
    assert ui[0]["type"] == "temp"
    with Image.open(os.path.join(ctx.paths.temp_dir, ui[0]["subfolder"], ui[0]["filename"])) as im:
        assert im.size == (5, 3) and im.convert("RGB").getpixel((0, 0)) == (127, 127, 127)


def test_latent_composite_masked(make):
    dst = {"samples": torch.zeros((1, 4, 4, 4))}
    src = {"samples": torch.ones((1, 4, 2, 2))}
    out = make("LatentCompositeMasked").composite(dst, src, 8, 16, False)[0]["samples"]
    want = torch.zeros((1, 4, 4, 4))
    want[:, :, 2:4, 1:3] = 1.0
    assert torch.equal(out, want) and torch.equal(dst["samples"], torch.zeros((1, 4, 4, 4)))
    half = make("LatentCompositeMasked").composite(dst, src, 0, 0, False, torch.full((16, 16), 0.25))[0]
    assert torch.allclose(half["samples"][:, :, :2, :2], torch.full((1, 4, 2, 2), 0.25))


# ================================================================== latents
def _lat(t):
    return {"samples": t}


def test_latent_add_subtract_multiply(make):
    g = torch.Generator().manual_seed(3)
    a, b = torch.randn((2, 4, 3, 3), generator=g), torch.randn((1, 4, 3, 3), generator=g)
    assert torch.allclose(make("LatentAdd").op(_lat(a), _lat(b))[0]["samples"], a + b)       # b repeated
    assert torch.allclose(make("LatentSubtract").op(_lat(a), _lat(b))[0]["samples"], a - b)
    assert torch.allclose(make("LatentMultiply").op(_lat(a), -2.5)[0]["samples"], a * -2.5)
    resized = make("LatentAdd").op(_lat(torch.zeros((1, 4, 4, 4))), _lat(torch.ones((1, 4, 2, 2))))[0]
    assert torch.allclose(resized["samples"], torch.ones((1, 4, 4, 4)))


def test_latent_interpolate_norm_rule(make):
    g = torch.Generator().manual_seed(4)
    s1, s2 = torch.randn((1, 4, 2, 3), generator=g), torch.randn((1, 4, 2, 3), generator=g)
    node = make("LatentInterpolate")
    assert torch.allclose(node.op(_lat(s1), _lat(s2), 1.0)[0]["samples"], s1, atol=1e-6)
    assert torch.allclose(node.op(_lat(s1), _lat(s2), 0.0)[0]["samples"], s2, atol=1e-6)
    r = 0.3
    out = node.op(_lat(s1), _lat(s2), r)[0]["samples"].numpy()
    a, b = s1.numpy().astype(np.float64), s2.numpy().astype(np.float64)
    for y in range(2):
        for x in range(3):
            va, vb = a[0, :, y, x], b[0, :, y, x]
            direction = r * va / np.linalg.norm(va) + (1 - r) * vb / np.linalg.norm(vb)
            want = direction / np.linalg.norm(direction) * (r * np.linalg.norm(va) + (1 - r) * np.linalg.norm(vb))
            np.testing.assert_allclose(out[0, :, y, x], want, rtol=1e-5, atol=1e-6)


def test_latent_batch_and_seed_behaviour(make):
    a, b = torch.zeros((2, 4, 2, 2)), torch.ones((1, 4, 2, 2))
    out = make("LatentBatch").batch(_lat(a), {"samples": b, "batch_index": [7]})[0]
    assert out["samples"].shape == (3, 4, 2, 2) and out["batch_index"] == [0, 1, 7]
    node = make("LatentBatchSeedBehavior")
    fixed = node.op({"samples": a, "batch_index": [5, 6]}, "fixed")[0]
    assert fixed["batch_index"] == [5, 5]
    assert "batch_index" not in node.op({"samples": a, "batch_index": [5, 6]}, "random")[0]
    assert node.op(_lat(a), "fixed")[0]["batch_index"] == [0, 0]


def test_latent_concat_and_cut(make):
    a = torch.arange(2 * 4 * 2 * 3, dtype=torch.float32).reshape(2, 4, 2, 3)
    cat = make("LatentConcat").op(_lat(a), _lat(a[:1] * 0), "-x")[0]["samples"]
    assert cat.shape == (2, 4, 2, 6) and torch.equal(cat[..., 3:], a) and not cat[..., :3].any()
    cut = make("LatentCut")
    assert torch.equal(cut.op(_lat(a), "x", 1, 5)[0]["samples"], a[..., 1:3])
    assert torch.equal(cut.op(_lat(a), "y", -1, 4)[0]["samples"], a[:, :, 1:2])


def test_rebatch_latents_batch_sizes_and_indices(make):
    small = [_lat(torch.full((3, 4, 1, 1), 1.0)), _lat(torch.full((2, 4, 1, 1), 2.0))]
    big = {"samples": torch.zeros((1, 4, 2, 2)), "noise_mask": torch.full((1, 16, 16), 0.5)}
    out = make("RebatchLatents").rebatch(small + [big], [2])[0]
    assert [o["samples"].shape[0] for o in out] == [2, 2, 1, 1]
    assert [o["batch_index"] for o in out] == [[0, 1], [2, 3], [4], [5]]
    assert out[1]["samples"][:, 0, 0, 0].tolist() == [1.0, 2.0]
    assert "noise_mask" not in out[0]                                   # all-ones masks are dropped
    assert out[3]["noise_mask"].shape == (1, 1, 16, 16)


def test_rebatch_images(make):
    imgs = [const(0, 2, 2, b=3), const(1, 2, 2, b=2)]
    out = make("RebatchImages").rebatch(imgs, [4])[0]
    assert [o.shape[0] for o in out] == [4, 1]
    assert out[0][:, 0, 0, 0].tolist() == [0, 0, 0, 1]


# ================================================================== utility
def test_primitives_and_strings(make):
    assert make("PrimitiveInt").execute(-5) == (-5,)
    assert make("PrimitiveFloat").execute(2.5) == (2.5,)
    assert make("PrimitiveString").execute("a") == ("a",)
    assert make("PrimitiveStringMultiline").execute("a\nb") == ("a\nb",)
    assert make("PrimitiveBoolean").execute(False) == (False,)
    assert make("StringConcatenate").execute("ab", "cd", ", ") == ("ab, cd",)
    assert make("StringSubstring").execute("hello", 1, -1) == ("ell",)
    assert make("StringLength").execute("héllo") == (5,)
    assert make("StringReplace").execute("a-b-c", "-", "+") == ("a+b+c",)
    assert make("CaseConverter").execute("hello world", "Title Case") == ("Hello World",)
    assert make("StringTrim").execute("  x  ", "Left") == ("x  ",)
    assert make("StringContains").execute("Hello", "hell", False) == (True,)
    assert make("StringCompare").execute("Hello", "he", "Starts With", True) == (False,)
    assert make("RegexMatch").execute("abc123", r"\d+", True, False, False) == (True,)
    assert make("RegexMatch").execute("abc", "(", True, False, False) == (False,)
    assert make("RegexExtract").execute("a1 b22", r"([a-z])(\d+)", "All Groups", True, False, False, 2) == ("1\n22",)
    assert make("RegexReplace").execute("a1b2", r"\d", "#", count=1) == ("a#b2",)


def test_preview_any_shows_text_as_comfyui(make):
    node = make("PreviewAny")
    assert node.main("hi") == {"ui": {"text": ["hi"]}, "result": ("hi",)}
    assert node.main(3)["ui"]["text"] == ["3"]
    assert node.main(None)["ui"]["text"] == ["None"]
    assert node.main({"a": [1, 2]})["ui"]["text"] == [json.dumps({"a": [1, 2]}, indent=4)]
    text = node.main(torch.arange(2000))["ui"]["text"][0]
    assert text.startswith("tensor([   0,    1,    2,    3,    4,    5,  ...,")   # 6 edge items
    assert str(torch.arange(2000)).startswith("tensor([   0,    1,    2,  ...,")   # print options restored


def test_load_image_output_reads_the_output_folder(make, ctx):
    arr = np.zeros((3, 4, 3), dtype=np.uint8)
    arr[..., 1] = 200
    Image.fromarray(arr).save(os.path.join(ctx.paths.output_dir, "out.png"))
    node = make("LoadImageOutput")
    image, mask = node.load_image("out.png")
    assert image.shape == (1, 3, 4, 3) and image[0, 0, 0, 1].item() == pytest.approx(200 / 255)
    assert node.load_image("out.png [output]")[0].shape == (1, 3, 4, 3)
    assert type(node).VALIDATE_INPUTS("out.png") is True
    assert type(node).VALIDATE_INPUTS("nope.png") != True  # noqa: E712 - an error string
    with pytest.raises(FileNotFoundError, match="LoadImageOutput: .*nope.png"):
        node.load_image("nope.png")


def _frames(n=3, h=6, w=8):
    t = torch.zeros((n, h, w, 3))
    for i in range(n):
        t[i, ..., i % 3] = 1.0
    return t


def test_save_animated_webp_decodes_with_frames_and_metadata(make, ctx):
    prompt = {"1": {"class_type": "X", "inputs": {}}}
    out = make("SaveAnimatedWEBP").save_images(_frames(), 10.0, "anim/clip", True, 80, "fastest",
                                               prompt=prompt, extra_pnginfo={"workflow": {"n": 1}})
    ui = out["ui"]
    assert ui["animated"] == [True]
    assert ui["images"] == [{"filename": "clip_00001_.webp", "subfolder": "anim", "type": "output"}]
    with Image.open(os.path.join(ctx.paths.output_dir, "anim", "clip_00001_.webp")) as im:
        assert im.n_frames == 3 and im.size == (8, 6)
        exif = im.getexif()
        assert exif[0x0110] == "prompt:" + json.dumps(prompt)
        assert exif[0x010F] == 'workflow:{"n": 1}'
        im.seek(1)
        im.load()
        assert im.info.get("duration") == 100
        assert im.convert("RGB").getpixel((0, 0)) == (0, 255, 0)   # lossless
    again = make("SaveAnimatedWEBP").save_images(_frames(1), 6.0, "anim/clip", False, 50, "default")
    assert again["ui"]["images"][0]["filename"] == "clip_00002_.webp" and again["ui"]["animated"] == [False]


def test_save_animated_png_decodes_with_frames_and_metadata(make, ctx):
    prompt = {"1": {"class_type": "X", "inputs": {}}}
    ui = make("SaveAnimatedPNG").save_images(_frames(4), 4.0, 4, "ComfyUI", prompt=prompt)["ui"]
    assert ui["images"] == [{"filename": "ComfyUI_00001_.png", "subfolder": "", "type": "output"}]
    assert ui["animated"] == [True]
    path = os.path.join(ctx.paths.output_dir, "ComfyUI_00001_.png")
    with Image.open(path) as im:
        assert im.n_frames == 4 and im.size == (8, 6) and im.info.get("duration") == 250
        im.seek(2)
        assert im.convert("RGB").getpixel((3, 3)) == (0, 0, 255)
    raw = open(path, "rb").read()
    assert b"comf" + b"prompt\0" + json.dumps(prompt).encode() in raw
    assert raw.index(b"comf") > raw.index(b"IDAT")


def test_save_animated_respects_disable_metadata(make, ctx, args):
    args.disable_metadata = True
    make("SaveAnimatedPNG").save_images(_frames(2), 4.0, 4, "m", prompt={"a": 1})
    assert b"comf" not in open(os.path.join(ctx.paths.output_dir, "m_00001_.png"), "rb").read()


# ================================================================== declarations (ComfyUI's INPUT_TYPES)
COMFY_DECLARATIONS = {
    "ImageBlur": {"image": ("IMAGE",), "blur_radius": ("INT", {"default": 1, "min": 1, "max": 31, "step": 1}),
                  "sigma": ("FLOAT", {"default": 1.0, "min": 0.1, "max": 10.0, "step": 0.1})},
    "ImageSharpen": {"image": ("IMAGE",),
                     "sharpen_radius": ("INT", {"default": 1, "min": 1, "max": 31, "step": 1}),
                     "sigma": ("FLOAT", {"default": 1.0, "min": 0.1, "max": 10.0, "step": 0.01}),
                     "alpha": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 5.0, "step": 0.01})},
    "ImageQuantize": {"image": ("IMAGE",), "colors": ("INT", {"default": 256, "min": 1, "max": 256, "step": 1}),
                      "dither": (["none", "floyd-steinberg", "bayer-2", "bayer-4", "bayer-8", "bayer-16"],)},
    "Canny": {"image": ("IMAGE",),
              "low_threshold": ("FLOAT", {"default": 0.4, "min": 0.01, "max": 0.99, "step": 0.01}),
              "high_threshold": ("FLOAT", {"default": 0.8, "min": 0.01, "max": 0.99, "step": 0.01})},
    "Morphology": {"image": ("IMAGE",),
                   "operation": (["erode", "dilate", "open", "close", "gradient", "bottom_hat", "top_hat"],),
                   "kernel_size": ("INT", {"default": 3, "min": 3, "max": 999, "step": 1})},
    "MaskComposite": {"destination": ("MASK",), "source": ("MASK",),
                      "x": ("INT", {"default": 0, "min": 0, "max": 16384, "step": 1}),
                      "y": ("INT", {"default": 0, "min": 0, "max": 16384, "step": 1}),
                      "operation": (["multiply", "add", "subtract", "and", "or", "xor"],)},
    "SaveAnimatedWEBP": {"images": ("IMAGE",), "filename_prefix": ("STRING", {"default": "ComfyUI"}),
                         "fps": ("FLOAT", {"default": 6.0, "min": 0.01, "max": 1000.0, "step": 0.01}),
                         "lossless": ("BOOLEAN", {"default": True}),
                         "quality": ("INT", {"default": 80, "min": 0, "max": 100}),
                         "method": (["default", "fastest", "slowest"],)},
    "LatentInterpolate": {"samples1": ("LATENT",), "samples2": ("LATENT",),
                          "ratio": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01})},
    "RebatchLatents": {"latents": ("LATENT",), "batch_size": ("INT", {"default": 1, "min": 1, "max": 4096})},
}


@pytest.mark.parametrize("name", sorted(COMFY_DECLARATIONS))
def test_input_types_match_comfyui(registry, name):
    required = registry.get(name).INPUT_TYPES()["required"]
    assert list(required) == list(COMFY_DECLARATIONS[name])
    for key, spec in COMFY_DECLARATIONS[name].items():
        assert tuple(required[key]) == spec, key


def test_display_names_categories_and_outputs(registry):
    info = registry.all_node_info()
    assert info["Morphology"]["display_name"] == "ImageMorphology"
    assert info["PreviewAny"]["display_name"] == "Preview as Text" and info["PreviewAny"]["output_node"] is True
    assert info["PreviewAny"]["category"] == "utils"
    assert info["GetImageSize"]["output_name"] == ["width", "height", "batch_size"]
    assert info["StringLength"]["output_name"] == ["length"]
    assert info["PrimitiveInt"]["input"]["required"]["value"][1]["max"] == sys.maxsize
    assert info["RebatchLatents"]["output_is_list"] == [True]
    assert info["SaveAnimatedPNG"]["output_node"] is True
    assert info["LoadImageOutput"]["input"]["required"]["image"][1]["remote"]["route"] == "/internal/files/output"


# ================================================================== bad input
@pytest.mark.parametrize("call,pattern", [
    (lambda make: make("ImageBlur").blur(torch.zeros((4, 4)), 1, 1.0), "ImageBlur: input 'image'"),
    (lambda make: make("ImageBlend").blend_images(const(0), const(0), 0.5, "nope"), "ImageBlend: unknown blend_mode"),
    (lambda make: make("Morphology").process(const(0), "melt", 3), "Morphology: unknown operation"),
    (lambda make: make("MaskComposite").combine(torch.zeros((2, 2)), torch.zeros((2, 2)), 0, 0, "nand"),
     "MaskComposite: unknown operation"),
    (lambda make: make("MaskComposite").combine("x", torch.zeros((2, 2)), 0, 0, "add"),
     "MaskComposite: input 'destination'"),
    (lambda make: make("LatentAdd").op({"samples": torch.zeros((1, 4, 2, 2))}, {}), "LatentAdd: input 'samples2'"),
    (lambda make: make("LatentAdd").op(_lat(torch.zeros((1, 4, 2, 2))), _lat(torch.zeros((1, 16, 2, 2)))),
     "LatentAdd: latents of shapes"),
    (lambda make: make("StringLength").execute(5), "StringLength: input 'string'"),
    (lambda make: make("SaveAnimatedPNG").save_images(torch.zeros((0, 4, 4, 3)), 6.0, 4), "SaveAnimatedPNG: input 'images'"),
    (lambda make: make("SaveAnimatedWEBP").save_images(_frames(), 0.0), "SaveAnimatedWEBP: fps"),
    (lambda make: make("PorterDuffImageComposite").composite(const(0, c=4), torch.zeros((1, 4, 5)), const(0),
                                                             torch.zeros((1, 4, 5)), "SRC"), "PorterDuffImageComposite"),
])
def test_bad_input_names_the_node_and_input(make, call, pattern):
    with pytest.raises(NodeInputError, match=pattern):
        call(make)


# ================================================================== served
def test_object_info_lists_the_new_nodes_and_a_prompt_runs(tmp_path, ctx, registry):
    from engine.graph.cache import make_cache
    from engine.graph.executor import Executor
    from tests.server.live import LiveServer, request
    from nodes import image_extra, latent_extra, mask_extra, utility

    srv = LiveServer(str(tmp_path), executor=Executor(registry, make_cache("classic"), ctx), registry=registry,
                     paths=ctx.paths)
    try:
        status, info, _ = request(srv.base, "GET", "/object_info")
        assert status == 200
        for module in (image_extra, mask_extra, latent_extra, utility):
            missing = [n for n in module.NODE_CLASS_MAPPINGS if n not in info]
            assert not missing, missing
        prompt = {
            "1": {"class_type": "EmptyImage", "inputs": {"width": 16, "height": 8, "batch_size": 2, "color": 0xFF0000}},
            "2": {"class_type": "ImageBlur", "inputs": {"image": ["1", 0], "blur_radius": 1, "sigma": 1.0}},
            "3": {"class_type": "GetImageSize", "inputs": {"image": ["2", 0]}},
            "4": {"class_type": "PreviewAny", "inputs": {"source": ["3", 0]}},
            "5": {"class_type": "SaveAnimatedPNG", "inputs": {"images": ["2", 0], "filename_prefix": "served",
                                                            "fps": 6.0, "compress_level": 4}},
        }
        status, body, _ = request(srv.base, "POST", "/prompt", {"prompt": prompt})
        assert status == 200, body
        pid = body["prompt_id"]
        history = {}
        for _ in range(600):  # bounded: 30 s at most
            _, history, _ = request(srv.base, "GET", f"/history/{pid}")
            if pid in history and history[pid].get("status", {}).get("completed") is not None:
                break
            time.sleep(0.05)
        outputs = history[pid]["outputs"]
        assert outputs["4"]["text"] == ["16"]
        assert outputs["5"]["images"][0]["filename"] == "served_00001_.png"
        assert outputs["5"]["animated"] == [True]

        Image.new("RGB", (5, 3)).save(os.path.join(ctx.paths.output_dir, "earlier.png"))
        second = {"1": {"class_type": "LoadImageOutput", "inputs": {"image": "earlier.png [output]"}},
                  "2": {"class_type": "GetImageSize", "inputs": {"image": ["1", 0]}},
                  "3": {"class_type": "StringConcatenate", "inputs": {"string_a": "w=", "string_b": "x",
                                                                      "delimiter": ""}},
                  "4": {"class_type": "PreviewAny", "inputs": {"source": ["2", 0]}},
                  "5": {"class_type": "EmptyImage", "inputs": {"width": 4, "height": 4, "batch_size": 3, "color": 0}},
                  "6": {"class_type": "RebatchImages", "inputs": {"images": ["5", 0], "batch_size": 2}},
                  "7": {"class_type": "GetImageSize", "inputs": {"image": ["6", 0]}},
                  "8": {"class_type": "PreviewAny", "inputs": {"source": ["7", 2]}}}
        status, body, _ = request(srv.base, "POST", "/prompt", {"prompt": second})
        assert status == 200, body
        pid = body["prompt_id"]
        for _ in range(600):  # bounded: 30 s at most
            _, history, _ = request(srv.base, "GET", f"/history/{pid}")
            if pid in history and history[pid].get("status", {}).get("completed") is not None:
                break
            time.sleep(0.05)
        assert history[pid]["outputs"]["4"]["text"] == ["5"]
        assert history[pid]["outputs"]["8"]["text"] == ["2", "1"]   # one batch of 2, one of 1
        bad = {"1": {"class_type": "LoadImageOutput", "inputs": {"image": "missing.png"}},
               "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}
        status, body, _ = request(srv.base, "POST", "/prompt", {"prompt": bad})
        assert status == 400 and "missing.png" in json.dumps(body)
    finally:
        srv.stop()


def test_ui_workflow_widgets_map_to_comfyui_input_order(registry):
    from engine.graph.workflow import ui_to_api
    workflow = {
        "last_node_id": 3, "last_link_id": 2, "version": 0.4, "groups": [], "config": {}, "extra": {},
        "nodes": [
            {"id": 1, "type": "PrimitiveInt", "mode": 0, "inputs": [],
             "outputs": [{"name": "INT", "type": "INT", "links": [1]}], "widgets_values": [3, "fixed"]},
            {"id": 2, "type": "EmptyImage", "mode": 0, "inputs": [{"name": "batch_size", "type": "INT", "link": 1,
                                                                    "widget": {"name": "batch_size"}}],
             "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [2]}], "widgets_values": [8, 8, 3, 0]},
            {"id": 3, "type": "SaveAnimatedWEBP", "mode": 0,
             "inputs": [{"name": "images", "type": "IMAGE", "link": 2}], "outputs": [],
             "widgets_values": ["clips/a", 12.0, False, 90, "slowest"]},
        ],
        "links": [[1, 1, 0, 2, 2, "INT"], [2, 2, 0, 3, 0, "IMAGE"]],
    }
    prompt = ui_to_api(workflow, registry)
    assert prompt["1"]["inputs"] == {"value": 3}
    assert prompt["2"]["inputs"]["batch_size"] == ["1", 0]
    assert prompt["3"]["inputs"] == {"images": ["2", 0], "filename_prefix": "clips/a", "fps": 12.0,
                                     "lossless": False, "quality": 90, "method": "slowest"}
