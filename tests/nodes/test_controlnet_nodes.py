"""ControlNet nodes with a real (tiny, random) ControlNet object: chaining, passthrough, settings."""
import os

import pytest
import torch
from safetensors.torch import save_file

from engine.diffusion.example_assets import tiny_controlnet_state_dict


@pytest.fixture
def control_net(make, ctx):
    folder = ctx.paths.folder("controlnet")[0]
    os.makedirs(folder, exist_ok=True)
    save_file(tiny_controlnet_state_dict("sd1", seed=0), os.path.join(folder, "cn.safetensors"))
    (cn,) = make("ControlNetLoader").load_controlnet("cn.safetensors")
    return cn


def cond(v=1.0):
    return [[torch.full((1, 77, 32), v), {"pooled_output": None}]]


def test_loader_lists_file(registry, control_net):
    names = registry.get("ControlNetLoader").INPUT_TYPES()["required"]["control_net_name"][0]
    assert names == ["cn.safetensors"]
    assert control_net.previous_controlnet is None


def test_strength_zero_passes_conditioning_through(make, control_net):
    pos, neg = cond(), cond(0)
    image = torch.rand(1, 64, 64, 3)
    out_pos, out_neg = make("ControlNetApplyAdvanced").apply_controlnet(pos, neg, control_net, image, 0.0, 0.0, 1.0)
    assert out_pos is pos and out_neg is neg
    (out,) = make("ControlNetApply").apply_controlnet(pos, control_net, image, 0.0)
    assert out is pos


def test_advanced_sets_hint_strength_range_and_shares_one_copy(make, control_net):
    pos, neg = cond(), cond(0)
    image = torch.rand(1, 64, 48, 3)
    out_pos, out_neg = make("ControlNetApplyAdvanced").apply_controlnet(pos, neg, control_net, image, 0.7, 0.1, 0.8)
    c = out_pos[0][1]["control"]
    assert c is out_neg[0][1]["control"] and c is not control_net
    assert torch.equal(c.hint, image.movedim(-1, 1))
    assert (c.strength, c.start_percent, c.end_percent) == (0.7, 0.1, 0.8)
    assert c.previous_controlnet is None
    assert out_pos[0][1]["control_apply_to_uncond"] is False
    assert "control" not in pos[0][1]  # inputs untouched
    assert control_net.hint is None


def test_chaining_two_controlnets(make, control_net):
    pos, neg = cond(), cond(0)
    image = torch.rand(1, 64, 64, 3)
    node = make("ControlNetApplyAdvanced")
    p1, n1 = node.apply_controlnet(pos, neg, control_net, image, 1.0, 0.0, 1.0)
    p2, n2 = node.apply_controlnet(p1, n1, control_net, 1 - image, 0.5, 0.0, 0.5)
    second = p2[0][1]["control"]
    assert second.previous_controlnet is p1[0][1]["control"]
    assert [c.strength for c in second.chain()] == [1.0, 0.5]
    assert n2[0][1]["control"] is second


def test_old_apply_node_applies_to_uncond_and_chains(make, control_net):
    image = torch.rand(1, 64, 64, 3)
    (a,) = make("ControlNetApply").apply_controlnet(cond(), control_net, image, 1.0)
    (b,) = make("ControlNetApply").apply_controlnet(a, control_net, image, 2.0)
    assert b[0][1]["control_apply_to_uncond"] is True
    assert b[0][1]["control"].previous_controlnet is a[0][1]["control"]
