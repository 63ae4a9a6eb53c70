"""CONDITIONING nodes on plain tensors, with a fake CLIP for the SDXL token padding."""
import pytest
import torch


def cond(tokens=77, dim=8, value=1.0, pooled=True, **extra):
    d = {"pooled_output": torch.full((1, 4), value)} if pooled else {}
    d.update(extra)
    return [[torch.full((1, tokens, dim), value), d]]


def test_combine_is_list_concat(make):
    a, b = cond(value=1), cond(value=2)
    (out,) = make("ConditioningCombine").combine(a, b)
    assert len(out) == 2 and out[0] is a[0] and out[1] is b[0]


def test_average_mixes_and_pads_from(make):
    to, frm = cond(tokens=154, value=1.0), cond(tokens=77, value=3.0)
    (out,) = make("ConditioningAverage").addWeighted(to, frm, 0.25)
    t = out[0][0]
    assert t.shape == (1, 154, 8)
    assert torch.allclose(t[:, :77], torch.full((1, 77, 8), 0.25 + 2.25))
    assert torch.allclose(t[:, 77:], torch.full((1, 77, 8), 0.25))  # from zero-padded
    assert torch.allclose(out[0][1]["pooled_output"], torch.full((1, 4), 2.5))
    assert "pooled_output" in to[0][1] and torch.equal(to[0][1]["pooled_output"], torch.ones(1, 4))


def test_concat_along_tokens(make):
    (out,) = make("ConditioningConcat").concat(cond(value=1), cond(tokens=10, value=2))
    assert out[0][0].shape == (1, 87, 8)


def test_set_area_and_percentage(make):
    src = cond()
    (out,) = make("ConditioningSetArea").append(src, 200, 120, 16, 40, 0.5)
    assert out[0][1]["area"] == (15, 25, 5, 2)
    assert out[0][1]["strength"] == 0.5 and out[0][1]["set_area_to_bounds"] is False
    assert "area" not in src[0][1]
    (out,) = make("ConditioningSetAreaPercentage").append(src, 0.5, 0.25, 0.1, 0.2, 1.0)
    assert out[0][1]["area"] == ("percentage", 0.25, 0.5, 0.2, 0.1)


def test_set_mask_and_timestep_range(make):
    (out,) = make("ConditioningSetMask").append(cond(), torch.ones(8, 8), "mask bounds", 0.7)
    d = out[0][1]
    assert d["mask"].shape == (1, 8, 8) and d["set_area_to_bounds"] is True and d["mask_strength"] == 0.7
    (out,) = make("ConditioningSetTimestepRange").set_range(cond(), 0.2, 0.8)
    assert out[0][1]["start_percent"] == 0.2 and out[0][1]["end_percent"] == 0.8


def test_zero_out(make):
    (out,) = make("ConditioningZeroOut").zero_out(cond(value=5))
    assert torch.count_nonzero(out[0][0]) == 0 and torch.count_nonzero(out[0][1]["pooled_output"]) == 0


class FakeSDXLClip:
    """tokenize gives one 'chunk' per 10 characters; encode records what it was given."""

    def tokenize(self, text):
        n = max(1, -(-len(text) // 10))
        return {"g": [[("g", 1.0)]] * n, "l": [[("l", 1.0)]] * n}

    def encode_from_tokens(self, tokens, return_pooled=False):
        self.seen = tokens
        return torch.zeros(1, 77 * len(tokens["g"]), 2048), torch.zeros(1, 1280)


def test_sdxl_encode_pads_shorter_token_list_and_sets_sizes(make):
    clip = FakeSDXLClip()
    (out,) = make("CLIPTextEncodeSDXL").encode(clip, 1024, 768, 0, 8, 1024, 1024, "x" * 25, "short")
    assert len(clip.seen["g"]) == len(clip.seen["l"]) == 3
    d = out[0][1]
    assert (d["width"], d["height"], d["crop_w"], d["crop_h"], d["target_width"], d["target_height"]) == \
        (1024, 768, 0, 8, 1024, 1024)
    assert d["pooled_output"].shape == (1, 1280)
    (out,) = make("CLIPTextEncodeSDXLRefiner").encode(clip, 2.5, 512, 512, "hello")
    assert out[0][1]["aesthetic_score"] == 2.5 and out[0][1]["width"] == 512


def test_clip_none_is_a_clear_error(make):
    with pytest.raises(ValueError, match="CLIPTextEncode: clip input is None"):
        make("CLIPTextEncode").encode(None, "a cat")
