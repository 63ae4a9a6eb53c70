"""One full-size KL-f8 VAE decode of a 512² image (64² latent, batch 1) on CPU: ours vs diffusers.

Prints seconds for ours fp32, diffusers fp32 (same weights, converted with diffusers' single-file
code) and ours in the default CPU dtype (bf16 where the CPU has AVX512-BF16/AMX), ratios against
diffusers fp32 and the default-dtype output's relative error vs fp32.

    python bench/vae_decode.py [--size 512] [--reps 2] [--cpu-time]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.diffusion.models.vae import AutoencoderKL, VAEConfig  # noqa: E402


def default_cpu_dtype() -> torch.dtype:
    try:
        from engine.diffusion.device import DeviceManager
        return DeviceManager(cpu=True).vae_dtype()
    except ImportError:
        flags = open("/proc/cpuinfo").read()
        return torch.bfloat16 if ("avx512_bf16" in flags or "amx_bf16" in flags) else torch.float32


def diffusers_copy(model: AutoencoderKL):
    from diffusers import AutoencoderKL as DiffusersVAE
    from diffusers.loaders.single_file_utils import convert_ldm_vae_checkpoint

    config = {"in_channels": 3, "out_channels": 3, "latent_channels": 4, "layers_per_block": 2,
              "block_out_channels": [128, 256, 512, 512], "down_block_types": ["DownEncoderBlock2D"] * 4,
              "up_block_types": ["UpDecoderBlock2D"] * 4, "sample_size": 512}
    sd = {"first_stage_model." + k: v for k, v in model.state_dict().items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = DiffusersVAE(**config)
        ref.load_state_dict(convert_ldm_vae_checkpoint(sd, config), strict=True)
    return ref.eval()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=512, help="image side in pixels")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--cpu-time", action="store_true",
                    help="process CPU time / threads instead of wall time (shared machines)")
    args = ap.parse_args()
    clock, div = (time.process_time, torch.get_num_threads()) if args.cpu_time else (time.perf_counter, 1)

    def timed(fn):
        out = fn()
        best = float("inf")
        for _ in range(args.reps):
            t0 = clock()
            out = fn()
            best = min(best, (clock() - t0) / div)
        return best, out

    torch.manual_seed(0)
    dtype = default_cpu_dtype()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"clock {'process CPU time / threads' if args.cpu_time else 'wall'}, default CPU VAE dtype {dtype}")
    ours = AutoencoderKL(VAEConfig()).eval()
    ref = diffusers_copy(ours)
    z = torch.randn(1, 4, args.size // 8, args.size // 8, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        t_ours, out32 = timed(lambda: ours.decode(z))
        t_ref, out_ref = timed(lambda: ref.decode(z).sample)
        line = (f"{args.size}² decode: ours fp32 {t_ours:.2f}s, diffusers fp32 {t_ref:.2f}s, "
                f"ratio {t_ours / t_ref:.2f} (rel diff {((out32 - out_ref).norm() / out_ref.norm()).item():.1e})")
        if dtype != torch.float32:
            low = AutoencoderKL(VAEConfig()).to(dtype).eval()
            low.load_state_dict(ours.state_dict())
            t_low, out_low = timed(lambda: low.decode(z))
            rel = ((out_low.float() - out32).norm() / out32.norm()).item()
            line += f"; ours {str(dtype).split('.')[-1]} {t_low:.2f}s = {t_low / t_ref:.2f} x diffusers fp32, rel err {rel:.4f}"
    print(line)


if __name__ == "__main__":
    main()
