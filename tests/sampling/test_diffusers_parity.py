"""Sampler parity with diffusers' schedulers on the same tiny random UNet2DConditionModel.

Both sides run the same network; our side goes through ModelSamplingDiscrete (c_in, integer
timestep, eps -> x0) and CFGDenoiser, diffusers' side through its scheduler's own loop. Schedules
use diffusers' "trailing" spacing (integer timesteps, table sigmas) or Karras sigmas whose
timesteps diffusers rounds the same way we do.
"""
import pytest
import torch

diffusers = pytest.importorskip("diffusers")

from engine.diffusion.sampling.conditioning import prepare_conditioning  # noqa: E402
from engine.diffusion.sampling.denoiser import CFGDenoiser  # noqa: E402
from engine.diffusion.sampling.model_sampling import ModelSamplingDiscrete  # noqa: E402
from engine.diffusion.sampling.samplers import get_sampler  # noqa: E402
from engine.diffusion.sampling.schedules import calculate_sigmas  # noqa: E402

from .helpers import FakeFamily  # noqa: E402

BETAS = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000)
SHAPE = (1, 4, 8, 8)


class UNetHandle:
    def __init__(self, unet):
        self.unet = unet
        self.family = FakeFamily()
        self.model_sampling = ModelSamplingDiscrete("eps")

    def apply_model(self, x, timestep, context, y=None, control=None, concat=None):
        return self.unet(x, timestep, encoder_hidden_states=context).sample

    def extra_conds(self, cond_dict, batch, device):
        return {}


@pytest.fixture(scope="module")
def setup():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        unet = diffusers.UNet2DConditionModel(
            sample_size=8, in_channels=4, out_channels=4, block_out_channels=(32, 64), layers_per_block=1,
            down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
            cross_attention_dim=32, attention_head_dim=8, norm_num_groups=8).eval()
    g = torch.Generator().manual_seed(1)
    cond = torch.randn(1, 6, 32, generator=g)
    uncond = torch.randn(1, 6, 32, generator=g)
    noise = torch.randn(SHAPE, generator=g)
    return unet, cond, uncond, noise


def ours(setup, name, sigmas, x, cfg=1.0, noise_sampler=None):
    unet, cond, uncond, _ = setup
    handle = UNetHandle(unet)
    pos, neg = prepare_conditioning(handle, [[cond, {}]], [[uncond, {}]], SHAPE, torch.device("cpu"))
    model = CFGDenoiser(handle, pos, neg, cfg)
    kw = {} if noise_sampler is None else {"noise_sampler": noise_sampler}
    with torch.no_grad():
        return get_sampler(name).function(model, x, sigmas, extra_args={"seed": 0}, **kw)


def theirs(setup, sched, x, timesteps=None, cfg=1.0, generator=None):
    unet, cond, uncond, _ = setup
    for t in sched.timesteps if timesteps is None else timesteps:
        xin = sched.scale_model_input(x, t)
        with torch.no_grad():
            if cfg == 1.0:
                eps = unet(xin, t, encoder_hidden_states=cond).sample
            else:
                e = unet(torch.cat([xin, xin]), t, encoder_hidden_states=torch.cat([cond, uncond])).sample
                eps = e[1:] + cfg * (e[:1] - e[1:])
        kw = {"generator": generator} if generator is not None else {}
        x = sched.step(eps, t, x, **kw).prev_sample
    return x


STEPS = 10


def test_euler_with_cfg(setup):
    sched = diffusers.EulerDiscreteScheduler(**BETAS, timestep_spacing="trailing")
    sched.set_timesteps(STEPS)
    x = setup[3] * sched.init_noise_sigma
    ref = theirs(setup, sched, x.clone(), cfg=5.0)
    got = ours(setup, "euler", sched.sigmas.float(), x.clone(), cfg=5.0)
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-4)


def test_euler_ancestral_same_noise(setup):
    sched = diffusers.EulerAncestralDiscreteScheduler(**BETAS, timestep_spacing="trailing")
    sched.set_timesteps(STEPS)
    x = setup[3] * sched.init_noise_sigma
    ref = theirs(setup, sched, x.clone(), generator=torch.Generator().manual_seed(42))
    g = torch.Generator().manual_seed(42)
    got = ours(setup, "euler_ancestral", sched.sigmas.float(), x.clone(),
               noise_sampler=lambda s, sn: torch.randn(SHAPE, generator=g))
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-4)


def test_heun(setup):
    sched = diffusers.HeunDiscreteScheduler(**BETAS, timestep_spacing="trailing")
    sched.set_timesteps(STEPS)
    x = setup[3] * sched.init_noise_sigma
    ref = theirs(setup, sched, x.clone())
    sigmas = torch.cat([sched.sigmas[:1], sched.sigmas[1:-1:2], sched.sigmas[-1:]]).float()  # undo interleaving
    got = ours(setup, "heun", sigmas, x.clone())
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-4)


def test_dpmpp_2m_karras(setup):
    sched = diffusers.DPMSolverMultistepScheduler(**BETAS, algorithm_type="dpmsolver++", solver_order=2,
                                                  use_karras_sigmas=True, final_sigmas_type="zero")
    sched.set_timesteps(STEPS)
    ms = ModelSamplingDiscrete("eps")
    sigmas = calculate_sigmas(ms, "karras", STEPS)
    torch.testing.assert_close(sched.sigmas.float(), sigmas, rtol=1e-5, atol=1e-6)  # same Karras schedule
    noise = setup[3]
    ref = theirs(setup, sched, noise.clone())  # VP space, starts at the unit-variance noise
    got = ours(setup, "dpmpp_2m", sigmas, noise * (1 + sigmas[0] ** 2) ** 0.5)
    torch.testing.assert_close(got, ref, rtol=0, atol=2e-4)


def test_lms(setup):
    # diffusers' LMS integrates to sigma 0 on the last step where k-diffusion jumps to x0: compare
    # the state before that last step.
    sched = diffusers.LMSDiscreteScheduler(**BETAS, timestep_spacing="trailing")
    sched.set_timesteps(STEPS)
    x = setup[3] * sched.init_noise_sigma
    ref = theirs(setup, sched, x.clone(), timesteps=sched.timesteps[:-1])
    got = ours(setup, "lms", sched.sigmas[:-1].float(), x.clone())
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-4)


def test_ddim_equals_euler_on_ddim_uniform_schedule(setup):
    sched = diffusers.DDIMScheduler(**BETAS, set_alpha_to_one=True, steps_offset=1, clip_sample=False,
                                    timestep_spacing="leading")
    sched.set_timesteps(STEPS)
    ms = ModelSamplingDiscrete("eps")
    sigmas = calculate_sigmas(ms, "ddim_uniform", STEPS)
    assert torch.equal(ms.timestep(sigmas[:-1]), sched.timesteps)  # 901, 801, ..., 1
    noise = setup[3]
    ref = theirs(setup, sched, noise.clone())
    got = ours(setup, "ddim", sigmas, noise * (1 + sigmas[0] ** 2) ** 0.5)
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-4)


def test_uni_pc(setup):
    # Same UniPC-bh2 algorithm; ComfyUI replaces the final sigma 0 by 0.001 where diffusers takes
    # the limit, and the two differ slightly in how they lower the order at the end: 2e-2.
    sched = diffusers.UniPCMultistepScheduler(**BETAS, solver_order=3, solver_type="bh2", predict_x0=True,
                                              timestep_spacing="trailing", final_sigmas_type="zero",
                                              lower_order_final=True)
    sched.set_timesteps(STEPS)
    noise = setup[3]
    ref = theirs(setup, sched, noise.clone())
    sigmas = sched.sigmas.float()
    got = ours(setup, "uni_pc_bh2", sigmas, noise * (1 + sigmas[0] ** 2) ** 0.5)
    err = (got - ref).abs().max().item()
    assert err < 2e-2, err
    assert (got - ref).abs().max() < 0.02 * ref.abs().max()
