"""Latent nodes on plain tensors."""
import torch
import torch.nn.functional as F


def lat(b=1, h=8, w=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {"samples": torch.randn(b, 4, h, w, generator=g)}


def test_empty_latent_is_zeros_of_size_over_8(make):
    (out,) = make("EmptyLatentImage").generate(72, 64, 3)
    assert out["samples"].shape == (3, 4, 8, 9)
    assert torch.count_nonzero(out["samples"]) == 0


def test_latent_upscale_zero_width_keeps_aspect_and_min_64(make):
    node = make("LatentUpscale")
    (out,) = node.upscale(lat(h=8, w=16), "nearest-exact", 0, 128, "disabled")
    assert out["samples"].shape[-2:] == (16, 32)
    (out,) = node.upscale(lat(h=8, w=8), "bilinear", 8, 8, "disabled")  # clamped to 64 px
    assert out["samples"].shape[-2:] == (8, 8)
    src = lat()
    (out,) = node.upscale(src, "bilinear", 0, 0, "disabled")
    assert out is src


def test_latent_upscale_keeps_noise_mask_and_matches_interpolate(make):
    src = lat(h=8, w=8)
    src["noise_mask"] = torch.ones(1, 1, 64, 64)
    (out,) = make("LatentUpscale").upscale(src, "bicubic", 128, 96, "disabled")
    assert "noise_mask" in out
    expected = F.interpolate(src["samples"], size=(12, 16), mode="bicubic")
    assert torch.equal(out["samples"], expected)


def test_latent_upscale_by_rounds(make):
    (out,) = make("LatentUpscaleBy").upscale(lat(h=8, w=10), "nearest-exact", 1.5)
    assert out["samples"].shape[-2:] == (12, 15)


def test_bislerp_preserves_constant_and_sizes(make):
    src = {"samples": torch.ones(1, 4, 4, 4) * torch.tensor([1.0, -2.0, 3.0, 0.5]).reshape(1, 4, 1, 1)}
    (out,) = make("LatentUpscaleBy").upscale(src, "bislerp", 2.0)
    assert out["samples"].shape == (1, 4, 8, 8)
    assert torch.allclose(out["samples"], torch.ones(1, 4, 8, 8) * src["samples"][:, :, :1, :1], atol=1e-5)


def test_latent_composite_pastes_at_pixel_offset(make):
    to = {"samples": torch.zeros(1, 4, 8, 8)}
    frm = {"samples": torch.ones(1, 4, 2, 3)}
    (out,) = make("LatentComposite").composite(to, frm, 16, 8, 0)
    s = out["samples"]
    assert s[:, :, 1:3, 2:5].eq(1).all() and s.sum() == 4 * 6
    assert torch.count_nonzero(to["samples"]) == 0  # input not mutated


def test_latent_composite_feather_ramps_inner_edges(make):
    to = {"samples": torch.zeros(1, 1, 8, 8)}
    frm = {"samples": torch.ones(1, 1, 4, 4)}
    (out,) = make("LatentComposite").composite(to, frm, 16, 16, 16)  # feather 2 latent px
    s = out["samples"][0, 0]
    # top-left corner of the pasted block has both ramps: (1/2)*(1/2)
    assert torch.isclose(s[2, 2], torch.tensor(0.25))
    assert torch.isclose(s[3, 3], torch.tensor(1.0))
    assert torch.isclose(s[5, 5], torch.tensor(0.25))


def test_latent_blend(make):
    a, b = lat(seed=1), lat(seed=2)
    (out,) = make("LatentBlend").blend(a, b, 0.25)
    assert torch.allclose(out["samples"], a["samples"] * 0.25 + b["samples"] * 0.75)


def test_latent_from_batch_sets_batch_index_and_slices_masks(make):
    src = lat(b=4)
    src["noise_mask"] = torch.arange(2.0).reshape(2, 1, 1, 1).expand(2, 1, 8, 8)
    (out,) = make("LatentFromBatch").frombatch(src, 1, 2)
    assert torch.equal(out["samples"], src["samples"][1:3])
    assert out["batch_index"] == [1, 2]
    assert out["noise_mask"][:, 0, 0, 0].tolist() == [1.0, 0.0]  # masks repeated to batch 4 then sliced
    (out2,) = make("LatentFromBatch").frombatch(out, 1, 5)
    assert out2["batch_index"] == [2]


def test_repeat_latent_batch_extends_batch_index(make):
    src = lat(b=2)
    src["batch_index"] = [3, 4]
    (out,) = make("RepeatLatentBatch").repeat(src, 3)
    assert out["samples"].shape[0] == 6
    assert out["batch_index"] == [3, 4, 5, 6, 7, 8]


def test_set_latent_noise_mask_reshapes(make):
    (out,) = make("SetLatentNoiseMask").set_mask(lat(), torch.ones(64, 64))
    assert out["noise_mask"].shape == (1, 1, 64, 64)
