"""Sampler registry: every KSampler sampler name (ComfyUI combo order) -> its sample_* function.

The functions themselves live in samplers_basic.py, samplers_dpmpp.py, samplers_exponential.py
and uni_pc.py and share the k-diffusion signature (see sampler_utils.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import samplers_basic as basic
from . import samplers_dpmpp as dpmpp
from . import samplers_exponential as expo
from . import uni_pc

SAMPLER_NAMES: list[str] = [
    "euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2", "exp_heun_2_x0",
    "exp_heun_2_x0_sde", "dpm_2", "dpm_2_ancestral", "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral",
    "dpmpp_2s_ancestral_cfg_pp", "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_cfg_pp", "dpmpp_2m_sde",
    "dpmpp_2m_sde_gpu", "dpmpp_2m_sde_heun", "dpmpp_2m_sde_heun_gpu", "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm",
    "lcm", "ipndm", "ipndm_v", "deis", "res_multistep", "res_multistep_cfg_pp", "res_multistep_ancestral",
    "res_multistep_ancestral_cfg_pp", "gradient_estimation", "gradient_estimation_cfg_pp", "er_sde", "seeds_2",
    "seeds_3", "sa_solver", "sa_solver_pece", "ddim", "uni_pc", "uni_pc_bh2",
]

# KSampler builds the schedule for steps + 1 and drops the second-to-last sigma for these.
DISCARD_PENULTIMATE_SIGMA_SAMPLERS = frozenset({"dpm_2", "dpm_2_ancestral", "uni_pc", "uni_pc_bh2"})

# Samplers whose result depends on a noise source (default generator or Brownian tree).
STOCHASTIC_SAMPLERS = frozenset({
    "euler_ancestral", "euler_ancestral_cfg_pp", "exp_heun_2_x0_sde", "dpm_2_ancestral", "dpmpp_2s_ancestral",
    "dpmpp_2s_ancestral_cfg_pp", "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu",
    "dpmpp_2m_sde_heun", "dpmpp_2m_sde_heun_gpu", "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm",
    "res_multistep_ancestral", "res_multistep_ancestral_cfg_pp", "er_sde", "seeds_2", "seeds_3", "sa_solver",
    "sa_solver_pece",
})

ADAPTIVE_SAMPLERS = frozenset({"dpm_adaptive"})

_FUNCTIONS: dict[str, Callable] = {
    "euler": basic.sample_euler,
    "euler_cfg_pp": expo.sample_euler_cfg_pp,
    "euler_ancestral": basic.sample_euler_ancestral,
    "euler_ancestral_cfg_pp": expo.sample_euler_ancestral_cfg_pp,
    "heun": basic.sample_heun,
    "heunpp2": basic.sample_heunpp2,
    "exp_heun_2_x0": expo.sample_exp_heun_2_x0,
    "exp_heun_2_x0_sde": expo.sample_exp_heun_2_x0_sde,
    "dpm_2": basic.sample_dpm_2,
    "dpm_2_ancestral": basic.sample_dpm_2_ancestral,
    "lms": basic.sample_lms,
    "dpm_fast": dpmpp.sample_dpm_fast,
    "dpm_adaptive": dpmpp.sample_dpm_adaptive,
    "dpmpp_2s_ancestral": dpmpp.sample_dpmpp_2s_ancestral,
    "dpmpp_2s_ancestral_cfg_pp": dpmpp.sample_dpmpp_2s_ancestral_cfg_pp,
    "dpmpp_sde": dpmpp.sample_dpmpp_sde,
    "dpmpp_sde_gpu": dpmpp.sample_dpmpp_sde_gpu,
    "dpmpp_2m": dpmpp.sample_dpmpp_2m,
    "dpmpp_2m_cfg_pp": dpmpp.sample_dpmpp_2m_cfg_pp,
    "dpmpp_2m_sde": dpmpp.sample_dpmpp_2m_sde,
    "dpmpp_2m_sde_gpu": dpmpp.sample_dpmpp_2m_sde_gpu,
    "dpmpp_2m_sde_heun": dpmpp.sample_dpmpp_2m_sde_heun,
    "dpmpp_2m_sde_heun_gpu": dpmpp.sample_dpmpp_2m_sde_heun_gpu,
    "dpmpp_3m_sde": dpmpp.sample_dpmpp_3m_sde,
    "dpmpp_3m_sde_gpu": dpmpp.sample_dpmpp_3m_sde_gpu,
    "ddpm": basic.sample_ddpm,
    "lcm": basic.sample_lcm,
    "ipndm": basic.sample_ipndm,
    "ipndm_v": basic.sample_ipndm_v,
    "deis": basic.sample_deis,
    "res_multistep": dpmpp.sample_res_multistep,
    "res_multistep_cfg_pp": dpmpp.sample_res_multistep_cfg_pp,
    "res_multistep_ancestral": dpmpp.sample_res_multistep_ancestral,
    "res_multistep_ancestral_cfg_pp": dpmpp.sample_res_multistep_ancestral_cfg_pp,
    "gradient_estimation": basic.sample_gradient_estimation,
    "gradient_estimation_cfg_pp": basic.sample_gradient_estimation_cfg_pp,
    "er_sde": expo.sample_er_sde,
    "seeds_2": expo.sample_seeds_2,
    "seeds_3": expo.sample_seeds_3,
    "sa_solver": expo.sample_sa_solver,
    "sa_solver_pece": expo.sample_sa_solver_pece,
    "ddim": basic.sample_euler,  # DDIM (eta 0) is Euler in sigma space; differs only by its inpaint noise
    "uni_pc": uni_pc.sample_uni_pc,
    "uni_pc_bh2": uni_pc.sample_uni_pc_bh2,
}


@dataclass(frozen=True)
class SamplerSpec:
    name: str
    function: Callable
    discard_penultimate_sigma: bool
    random_inpaint_noise: bool  # ddim: inpaint uses its own noise drawn from seed + 1


def get_sampler(name: str) -> SamplerSpec:
    fn = _FUNCTIONS.get(name)
    if fn is None:
        raise ValueError(f"unknown sampler_name {name!r}; expected one of {SAMPLER_NAMES}")
    return SamplerSpec(name, fn, name in DISCARD_PENULTIMATE_SIGMA_SAMPLERS, name == "ddim")
