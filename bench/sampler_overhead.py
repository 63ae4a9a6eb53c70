"""Per-step overhead of every sampler with a near-free model (prints a table; no assertions).

Two columns per sampler, both on a 64x64x4 latent, batch 1, 20 karras steps:
  raw      the sample_* function with D(x, sigma) = 0.5 * x (one cheap op per evaluation)
  ksampler the whole KSampler path (noise scaling, CFGDenoiser with cfg 1, inpaint wrapper,
           ModelSamplingDiscrete input/denoised scaling) on a handle whose UNet returns zeros
Overhead per step = CPU time of this process / number of sigma intervals (model evaluations
included, they are near free); wall time is printed too. Target: < 1 ms/step for the
non-adaptive samplers.

    python bench/sampler_overhead.py [--steps 20] [--repeat 3] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.diffusion.sampling.ksampler import ksampler_sigmas, prepare_noise, sample  # noqa: E402
from engine.diffusion.sampling.model_sampling import ModelSamplingDiscrete  # noqa: E402
from engine.diffusion.sampling.samplers import ADAPTIVE_SAMPLERS, SAMPLER_NAMES, get_sampler  # noqa: E402

SHAPE = (1, 4, 64, 64)


class _Family:
    prediction, scale_factor, latent_channels = "eps", 0.18215, 4


class ZeroUNetHandle:
    family = _Family()

    def __init__(self) -> None:
        self.model_sampling = ModelSamplingDiscrete("eps")

    def apply_model(self, x, timestep, context, y=None, control=None, concat=None):
        return torch.zeros_like(x)

    def extra_conds(self, cond_dict, batch, device):
        return {}


def _best(fn, repeat: int) -> tuple[float, float]:
    """Best (CPU seconds of this process, wall seconds) over repeats. On a shared machine the CPU
    time is the overhead figure: wall time also counts waiting for a core."""
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        fn()
        best_cpu = min(best_cpu, time.process_time() - c)
        best_wall = min(best_wall, time.perf_counter() - t)
    return best_cpu, best_wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    ms = ModelSamplingDiscrete("eps")
    handle = ZeroUNetHandle()
    latent = torch.zeros(SHAPE)
    noise = prepare_noise(latent, 0)
    cond = [[torch.zeros(1, 77, 8), {}]]

    def D(x, sigma, **_):
        return x * 0.5

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"latent {list(SHAPE)}, {args.steps} karras steps, torch threads {args.threads}, best of {args.repeat}, "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at start")
    print(f"{'sampler':32s} {'evals/step':>10s} {'raw cpu':>8s} {'ksampler cpu':>13s} {'ksampler wall':>14s}   (ms per step)")
    slow = []
    for name in SAMPLER_NAMES:
        spec = get_sampler(name)
        sigmas = ksampler_sigmas(ms, "karras", name, args.steps)
        x0 = noise * float((1 + sigmas[0].double() ** 2) ** 0.5)
        n = len(sigmas) - 1
        raw, _ = _best(lambda: spec.function(D, x0.clone(), sigmas, extra_args={"seed": 0}), args.repeat)
        full, wall = _best(lambda: sample(handle, noise, args.steps, 1.0, name, "karras", cond, cond, latent, seed=0),
                           args.repeat)
        raw, full, wall = raw / n * 1e3, full / n * 1e3, wall / n * 1e3
        evals = []
        spec.function(lambda x, sigma, **_: (evals.append(1), x * 0.5)[1], x0.clone(), sigmas, extra_args={"seed": 0})
        note = "adaptive (steps fix only the end points)" if name in ADAPTIVE_SAMPLERS else ""
        if name not in ADAPTIVE_SAMPLERS and full >= 1.0:
            slow.append(name)
            note = note or "over 1 ms/step"
        print(f"{name:32s} {len(evals) / n:10.2f} {raw:8.3f} {full:13.3f} {wall:14.3f}   {note}")
    print(f"non-adaptive samplers at or over 1 ms/step of CPU (ksampler path): {slow or 'none'}")


if __name__ == "__main__":
    main()
