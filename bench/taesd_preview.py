"""Cost of one sampler preview: TAESD (fp32, and the VAE dtype) vs latent2rgb, per latent size.

Times what make_step_callback adds to a sampling step with --preview-method taesd / latent2rgb:
decode of x0[:1] to a PIL image (TAESD: 8x the latent size; the server then shrinks it to
--preview-size). Optionally one full-size SD1.5 UNet forward at batch 2 (CFG) for scale.
Random weights (the network and its cost do not depend on them).

    python bench/taesd_preview.py [--device cpu|cuda] [--sizes 32 64 128] [--reps 3] [--unet]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.diffusion import families  # noqa: E402
from engine.diffusion.device import DeviceManager  # noqa: E402
from engine.diffusion.preview import latent_to_rgb_preview  # noqa: E402
from engine.diffusion.taesd import TAESDPreviewer, build_decoder, preview_dtype  # noqa: E402


def best_ms(fn, reps: int, sync) -> float:
    fn()
    sync()
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128], help="latent sides")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--unet", action="store_true", help="also time one SD1.5 UNet forward (batch 2)")
    args = ap.parse_args()
    dev = torch.device(args.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    dm = DeviceManager(cpu=dev.type == "cpu")
    vae_dt = preview_dtype(dm)
    print(f"device {dev} ({torch.cuda.get_device_name(dev) if dev.type == 'cuda' else 'CPU'}), "
          f"threads {torch.get_num_threads()}, VAE dtype {vae_dt}")
    previewers = {"taesd fp32": TAESDPreviewer(build_decoder().eval().requires_grad_(False), "bench")}
    if vae_dt != torch.float32:
        previewers[f"taesd {str(vae_dt).replace('torch.', '')}"] = TAESDPreviewer(
            build_decoder().eval().requires_grad_(False), "bench", vae_dt)
    print(f"{'latent':>8} {'image':>6} " + " ".join(f"{k:>14}" for k in previewers) + f" {'latent2rgb':>11}  (ms)")
    for side in args.sizes:
        x0 = torch.randn(1, 4, side, side, device=dev)
        cols = [best_ms(lambda p=p: p(x0), args.reps, sync) for p in previewers.values()]
        l2r = best_ms(lambda: latent_to_rgb_preview(x0, families.SD1), args.reps, sync)
        print(f"{side:>6}^2 {side * 8:>6} " + " ".join(f"{c:>14.1f}" for c in cols) + f" {l2r:>11.2f}")
    if args.unet:
        from engine.diffusion.models.unet import UNetModel
        dtype = dm.unet_dtype()
        unet = UNetModel(families.SD1_UNET).eval().requires_grad_(False).to(dev, dtype)
        for side in args.sizes:
            x = torch.randn(2, 4, side, side, device=dev, dtype=dtype)
            t = torch.tensor([500, 500], device=dev)
            ctx = torch.randn(2, 77, 768, device=dev, dtype=dtype)
            with torch.inference_mode():
                ms = best_ms(lambda: unet(x, t, ctx), max(1, args.reps - 1), sync)
            print(f"SD1.5 UNet forward, batch 2, {side}^2 latent, {dtype}: {ms:.1f} ms")


if __name__ == "__main__":
    main()
