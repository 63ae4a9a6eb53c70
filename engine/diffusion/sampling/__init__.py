"""Sampling: ComfyUI-compatible schedules, samplers, seeded noise, CFG and KSampler.

    model_sampling.py   ModelSamplingDiscrete: sigma table, sigma <-> timestep, eps / v formulas
    schedules.py        scheduler functions by combo name (calculate_sigmas)
    noise.py            prepare_noise (seed -> initial noise), ancestral and Brownian-tree noise
    sampler_utils.py    shared steps: to_d, ancestral split, churn, CFG++ uncond capture
    samplers_basic.py   Euler / Heun / DPM-2 / LMS / DDPM / LCM / iPNDM / DEIS / gradient estimation
    samplers_dpmpp.py   DPM-Solver fast/adaptive, DPM++ 2S/SDE/2M/2M-SDE/3M-SDE, RES multistep
    samplers_exponential.py  CFG++ Euler, ER-SDE, SEEDS-2/3, exponential Heun, SA-Solver
    uni_pc.py           UniPC bh1 / bh2
    samplers.py         name -> sampler registry (SAMPLER_NAMES in combo order)
    conditioning.py     CONDITIONING lists -> resolved entries (areas, masks, ranges, model inputs)
    denoiser.py         CFGDenoiser (batched cond/uncond, cfg == 1 shortcut), InpaintDenoiser
    ksampler.py         KSampler / KSamplerAdvanced: sigmas, denoise, start/end steps, masks
"""
