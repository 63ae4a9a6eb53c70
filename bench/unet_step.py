"""One full-size SD1.5 UNet forward (batch 2, as for CFG) on CPU: ours vs diffusers on the same weights.

Prints seconds per forward at 16², 32², 64² latents for ours fp32, diffusers fp32 and ours in the
default CPU dtype (bf16 where the CPU has AVX512-BF16/AMX, from DeviceManager), the ratios against
diffusers fp32 and the default-dtype output's relative error vs fp32. Targets (issue 3):
fp32 ours/diffusers <= 1.0; default dtype <= 0.3 x diffusers fp32.

    python bench/unet_step.py [--sizes 16 32 64] [--reps 2] [--diffusers-bf16] [--cpu-time]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.diffusion.families import SD1_UNET  # noqa: E402
from engine.diffusion.models.unet import UNetModel  # noqa: E402


def default_cpu_dtype() -> torch.dtype:
    try:
        from engine.diffusion.device import DeviceManager
        return DeviceManager(cpu=True).unet_dtype()
    except ImportError:
        flags = open("/proc/cpuinfo").read()
        return torch.bfloat16 if ("avx512_bf16" in flags or "amx_bf16" in flags) else torch.float32


def diffusers_copy(model: UNetModel):
    from diffusers import UNet2DConditionModel
    from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint

    config = {
        "sample_size": 64, "in_channels": 4, "out_channels": 4,
        "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
        "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
        "block_out_channels": [320, 640, 1280, 1280], "layers_per_block": 2,
        "cross_attention_dim": 768, "attention_head_dim": 8,
    }
    sd = {"model.diffusion_model." + k: v for k, v in model.state_dict().items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = UNet2DConditionModel(**config)
        ref.load_state_dict(convert_ldm_unet_checkpoint(sd, config), strict=True)
    return ref.eval()


def timed_interleaved(fns: dict, reps: int) -> tuple[dict, dict]:
    """Best time of each function over `reps` rounds after a warm-up (oneDNN primitive creation);
    rounds interleave the functions, so load from other jobs hits them alike. With --cpu-time the
    clock is process CPU seconds / threads: a fairer figure on a machine shared with other jobs."""
    outs = {k: f() for k, f in fns.items()}
    best = {k: float("inf") for k in fns}
    for _ in range(reps):
        for k, f in fns.items():
            t0 = CLOCK()
            outs[k] = f()
            best[k] = min(best[k], (CLOCK() - t0) / DIVISOR)
    return best, outs


CLOCK = time.perf_counter
DIVISOR = 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--diffusers-bf16", action="store_true", help="also time diffusers in bf16")
    ap.add_argument("--cpu-time", action="store_true",
                    help="measure process CPU time / threads instead of wall time (shared machines)")
    args = ap.parse_args()
    if args.cpu_time:
        global CLOCK, DIVISOR
        CLOCK, DIVISOR = time.process_time, torch.get_num_threads()

    torch.manual_seed(0)
    dtype = default_cpu_dtype()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"clock {'process CPU time / threads' if args.cpu_time else 'wall'}, "
          f"cpu capability {torch.backends.cpu.get_cpu_capability()}, default CPU dtype {dtype}")
    ours32 = UNetModel(SD1_UNET).eval()
    ref32 = diffusers_copy(ours32)
    ours_low = UNetModel(SD1_UNET).to(dtype).eval() if dtype != torch.float32 else None
    if ours_low is not None:
        ours_low.load_state_dict(ours32.state_dict())
    ref_low = diffusers_copy(ours32).to(torch.bfloat16) if args.diffusers_bf16 else None

    print(f"{'latent':>7} {'ours fp32':>10} {'diff fp32':>10} {'ratio':>6} "
          f"{'ours ' + str(dtype).split('.')[-1]:>10} {'x diff32':>8} {'rel err':>8}"
          + (f" {'diff bf16':>10} {'x diff32':>8}" if ref_low is not None else ""))
    for s in args.sizes:
        gen = torch.Generator().manual_seed(s)
        x = torch.randn(2, 4, s, s, generator=gen)
        t = torch.tensor([999, 999])
        ctx = torch.randn(2, 77, 768, generator=gen)
        fns = {"ours32": lambda: ours32(x, t, ctx),
               "ref32": lambda: ref32(x, t, encoder_hidden_states=ctx).sample}
        if ours_low is not None:
            fns["ours_low"] = lambda: ours_low(x, t, ctx)
        if ref_low is not None:
            fns["ref_low"] = lambda: ref_low(x.bfloat16(), t, encoder_hidden_states=ctx.bfloat16()).sample
        with torch.inference_mode():
            tm, out = timed_interleaved(fns, args.reps)
        line = f"{s:>5}² {tm['ours32']:>10.3f} {tm['ref32']:>10.3f} {tm['ours32'] / tm['ref32']:>6.2f}"
        parity = ((out["ours32"] - out["ref32"]).norm() / out["ref32"].norm()).item()
        if ours_low is not None:
            rel = ((out["ours_low"].float() - out["ours32"]).norm() / out["ours32"].norm()).item()
            line += f" {tm['ours_low']:>10.3f} {tm['ours_low'] / tm['ref32']:>8.2f} {rel:>8.4f}"
        if ref_low is not None:
            line += f" {tm['ref_low']:>10.3f} {tm['ref_low'] / tm['ref32']:>8.2f}"
        print(line + f"   (fp32 ours vs diffusers rel diff {parity:.1e})", flush=True)


if __name__ == "__main__":
    main()
