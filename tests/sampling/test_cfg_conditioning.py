"""CFG batching and the cfg == 1 shortcut, and ComfyUI's conditioning combination (area, mask,
strength, timestep range, same-area uncond partners, ControlNet hand-off) on fakes with known outputs."""
import pytest
import torch

from engine.diffusion.sampling.conditioning import prepare_conditioning
from engine.diffusion.sampling.denoiser import CFGDenoiser
from engine.diffusion.sampling.ksampler import prepare_noise, sample

from .helpers import FakeHandle, empty_cond


def _context_valued(handle):
    """Fake whose x0 prediction is the constant context[:, 0, 0] of each batch item."""
    def wrapper(apply_model, args):
        handle.calls.append({"batch": args["input"].shape[0], "sigma": args["timestep"].clone(), "c": args["c"],
                             "shape": tuple(args["input"].shape)})
        v = args["c"]["context"][:, 0, 0].reshape(-1, 1, 1, 1)
        return v.expand(args["input"].shape).clone()
    handle.model_options["model_function_wrapper"] = wrapper
    return handle


def _denoiser(pos, neg, cfg, shape=(1, 4, 32, 32)):
    handle = _context_valued(FakeHandle())
    p, n = prepare_conditioning(handle, pos, neg, shape, torch.device("cpu"))
    return CFGDenoiser(handle, p, n, cfg), handle


def test_cfg_batches_cond_and_uncond_in_one_forward():
    handle = FakeHandle(cond_shift=1.0)
    latent = torch.zeros(1, 4, 8, 8)
    sample(handle, prepare_noise(latent, 0), 5, 7.5, "euler", "karras", empty_cond(1.0), empty_cond(-1.0), latent, seed=0)
    assert len(handle.calls) == 5
    assert all(c["batch"] == 2 for c in handle.calls)


def test_cfg_one_skips_the_uncond_forward():
    handle = FakeHandle(cond_shift=1.0)
    latent = torch.zeros(1, 4, 8, 8)
    sample(handle, prepare_noise(latent, 0), 5, 1.0, "euler", "karras", empty_cond(1.0), empty_cond(-1.0), latent, seed=0)
    assert len(handle.calls) == 5
    assert all(c["batch"] == 1 for c in handle.calls)
    assert all(float(c["context"].mean()) == 1.0 for c in handle.calls)  # only the positive ran


def test_cfg_formula_on_known_predictions():
    d, _ = _denoiser(empty_cond(2.0), empty_cond(0.5), 4.0)
    x, sigma = torch.zeros(1, 4, 32, 32), torch.tensor([3.0])
    torch.testing.assert_close(d(x, sigma), torch.full_like(x, 0.5 + 4.0 * (2.0 - 0.5)))


def test_cfg_pp_hook_sees_uncond_and_forces_it_at_cfg_one():
    d, handle = _denoiser(empty_cond(2.0), empty_cond(0.5), 1.0)
    seen = {}

    def hook(args):
        seen["u"] = args["uncond_denoised"]
        return args["denoised"]
    out = d(torch.zeros(1, 4, 32, 32), torch.tensor([3.0]),
            model_options={"sampler_post_cfg_function": [hook], "disable_cfg1_optimization": True})
    assert float(seen["u"].mean()) == 0.5 and float(out.mean()) == 2.0
    assert handle.calls[-1]["batch"] == 2


def test_area_entry_is_averaged_with_feathered_edges():
    pos = empty_cond(1.0) + empty_cond(3.0, area=(16, 16, 0, 0), strength=1.0)
    d, handle = _denoiser(pos, empty_cond(0.0), 1.0)
    out = d(torch.zeros(1, 4, 32, 32), torch.tensor([2.0]))[0, 0]
    assert float(out[20, 20]) == pytest.approx(1.0)  # outside the area
    assert float(out[0, 0]) == pytest.approx(2.0)  # inside, away from inner edges: (1 + 3) / 2
    # the inner edges (row/col 15, not on the latent border) are feathered over min(8, 16 // 4) = 4 pixels
    w = 0.25
    assert float(out[15, 0]) == pytest.approx((1.0 + 3.0 * w) / (1.0 + w), rel=1e-6)
    w = 0.25 * 0.25
    assert float(out[15, 15]) == pytest.approx((1.0 + 3.0 * w) / (1.0 + w), rel=1e-6)
    # the area entry ran on its 16x16 crop
    assert any(c["shape"][-2:] == (16, 16) for c in handle.calls)


def test_mask_and_strength_weights():
    mask = torch.zeros(1, 32, 32)
    mask[:, :, :16] = 1.0
    pos = empty_cond(1.0) + empty_cond(5.0, mask=mask, strength=0.5, mask_strength=1.0)
    d, _ = _denoiser(pos, empty_cond(0.0), 1.0)
    out = d(torch.zeros(1, 4, 32, 32), torch.tensor([2.0]))[0, 0]
    assert float(out[5, 5]) == pytest.approx((1.0 + 5.0 * 0.5) / 1.5)
    assert float(out[5, 25]) == pytest.approx(1.0)


def test_mask_is_resized_to_the_latent():
    mask = torch.zeros(1, 256, 256)
    mask[:, :, :128] = 1.0
    d, _ = _denoiser(empty_cond(1.0) + empty_cond(5.0, mask=mask), empty_cond(0.0), 1.0)
    out = d(torch.zeros(1, 4, 32, 32), torch.tensor([2.0]))[0, 0]
    assert float(out[3, 2]) == pytest.approx(3.0) and float(out[3, 30]) == pytest.approx(1.0)


def test_timestep_range_switches_entries_on_and_off():
    pos = empty_cond(1.0, start_percent=0.0, end_percent=0.5) + empty_cond(3.0, start_percent=0.5, end_percent=1.0)
    d, handle = _denoiser(pos, empty_cond(0.0), 1.0)
    ms = handle.model_sampling
    s_half = ms.percent_to_sigma(0.5)
    x = torch.zeros(1, 4, 32, 32)
    assert float(d(x, torch.tensor([s_half * 2]))[0, 0, 0, 0]) == 1.0  # early: first entry only
    assert float(d(x, torch.tensor([s_half / 2]))[0, 0, 0, 0]) == 3.0  # late: second entry only


def test_area_entry_gets_a_same_area_uncond_partner():
    pos = empty_cond(1.0) + empty_cond(3.0, area=(8, 8, 8, 8))
    handle = _context_valued(FakeHandle())
    p, n = prepare_conditioning(handle, pos, empty_cond(0.5), (1, 4, 32, 32), torch.device("cpu"))
    assert len(n) == 2 and n[1]["area"] == (8, 8, 8, 8)
    assert float(n[1]["model_inputs"]["context"].mean()) == 0.5


def test_percentage_area_converted_with_round():
    handle = FakeHandle()
    p, _ = prepare_conditioning(handle, empty_cond(1.0, area=("percentage", 0.5, 0.25, 0.5, 0.0)), [],
                                (1, 4, 30, 30), torch.device("cpu"))
    assert p[0]["area"] == (15, round(7.5), 15, 0)


class FakeControl:
    def __init__(self, active: bool):
        self.active, self.calls = active, 0

    def get_control(self, x_in, timestep, context, y, sigma, model_sampling, batched_number=1):
        self.calls += 1
        assert batched_number == 2 and x_in.shape[0] == 2  # cond and uncond in one batch
        if not self.active:
            return None
        return {"input": [torch.ones(1)], "middle": [torch.ones(1)], "output": [torch.ones(1)]}


def test_control_residuals_reach_apply_model():
    for active in (True, False):
        ctrl = FakeControl(active)
        handle = FakeHandle()
        latent = torch.zeros(1, 4, 8, 8)
        sample(handle, prepare_noise(latent, 0), 3, 2.0, "euler", "karras", empty_cond(1.0, control=ctrl),
               empty_cond(0.0, control=ctrl), latent, seed=0)
        assert ctrl.calls == 3
        assert all((c["control"] is not None) == active for c in handle.calls)


def test_control_applied_to_uncond_when_asked_old_style():
    ctrl = FakeControl(True)
    handle = FakeHandle()
    latent = torch.zeros(1, 4, 8, 8)
    sample(handle, prepare_noise(latent, 0), 2, 2.0, "euler", "karras",
           empty_cond(1.0, control=ctrl, control_apply_to_uncond=True), empty_cond(0.0), latent, seed=0)
    # the uncond shares the control object, so both run in one controlled forward per step
    assert len(handle.calls) == 2 and all(c["batch"] == 2 and c["control"] is not None for c in handle.calls)


def test_control_not_shared_without_the_flag():
    ctrl = FakeControl(True)
    handle = FakeHandle()
    latent = torch.zeros(1, 4, 8, 8)
    p, n = prepare_conditioning(handle, empty_cond(1.0, control=ctrl, control_apply_to_uncond=False),
                                empty_cond(0.0), latent.shape, torch.device("cpu"))
    assert n[0].get("control") is None
