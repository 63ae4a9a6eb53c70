"""SD1.5 512x512 batch-1 sampling speed on CUDA: iterations per second.

    python bench/gpu_sd15.py [--steps 20] [--warmup 3] [--compile] [--dtype fp16|bf16]

Full-size SD1.5 UNet with random weights, fp16 (default), attention through
torch's scaled_dot_product_attention; each iteration is one UNet forward with
batch 2 (cond + uncond, cfg 7) on a 64x64 latent plus the CFG combine, called
through ModelHandle.apply_model exactly as the sampler does.  --compile wraps
the UNet in torch.compile (compile time is reported separately).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import torch  # noqa: E402

from engine.diffusion.device import DeviceManager  # noqa: E402
from engine.diffusion.families import SD1  # noqa: E402
from engine.diffusion.handles import ModelHandle  # noqa: E402
from engine.diffusion.models.unet import UNetModel  # noqa: E402


def build(dm: DeviceManager, smoke: bool = False) -> ModelHandle:
    torch.manual_seed(0)
    cfg = SD1.unet_config
    if smoke:  # tiny channels, same code path (checks the script without a GPU)
        import dataclasses
        cfg = dataclasses.replace(cfg, model_channels=32, channel_mult=(1, 2), transformer_depth=(1, 1))
    with torch.device(dm.compute_device):
        unet = UNetModel(cfg)
    unet = unet.to(dm.unet_dtype()).eval().requires_grad_(False)
    return ModelHandle(unet, SD1, dm, source="random SD1.5")


def run(args) -> None:
    if not torch.cuda.is_available() and not args.smoke:
        print("CUDA is not available: this benchmark needs a GPU (see bench/unet_step.py for CPU figures).")
        sys.exit(0)
    dev = "cpu" if args.smoke else "cuda"
    dm = DeviceManager(force_fp16=args.dtype == "fp16", bf16_unet=args.dtype == "bf16", device=dev)
    model = build(dm, args.smoke)
    n_params = sum(p.numel() for p in model.unet.parameters())
    name = torch.cuda.get_device_name() if dev == "cuda" else "cpu (smoke run, tiny UNet)"
    print(f"device: {name}  torch {torch.__version__}  UNet params {n_params:,}  dtype {model.dtype}")
    compile_s = None
    if args.compile:
        model.forward_override = torch.compile(model.unet, mode=args.compile_mode)
    cfg = 7.0
    size = 8 if args.smoke else 64

    def sync() -> None:
        if dev == "cuda":
            torch.cuda.synchronize()
    g = torch.Generator(device=dev).manual_seed(0)
    x = torch.randn(1, 4, size, size, device=dev, generator=g)
    ctx = torch.randn(2, 77, 768, device=dev, generator=g)
    sigmas = torch.linspace(14.6, 0.03, args.steps + args.warmup, device=dev)

    def step(i: int) -> torch.Tensor:
        xin = torch.cat([x, x]) / torch.sqrt(sigmas[i] ** 2 + 1)
        t = torch.full((2,), float(999 - (i * 37) % 1000), device=dev)
        out = model.apply_model(xin, t, ctx)
        cond, uncond = out.chunk(2)
        return uncond + cfg * (cond - uncond)

    if args.compile:
        sync()
        t0 = time.perf_counter()
        step(0)
        sync()
        compile_s = time.perf_counter() - t0
    for i in range(args.warmup):
        step(i)
    sync()
    t0 = time.perf_counter()
    for i in range(args.steps):
        step(args.warmup + i)
    sync()
    dt = time.perf_counter() - t0
    print(f"SD1.5 512x512 batch 1, cfg {cfg} (UNet batch 2), {args.dtype}, SDPA"
          f"{', torch.compile(' + args.compile_mode + ')' if args.compile else ''}: "
          f"{args.steps / dt:.2f} it/s ({1000 * dt / args.steps:.1f} ms/it)")
    if compile_s is not None:
        print(f"first (compiling) call: {compile_s:.1f} s")
    if dev == "cuda":
        print(f"peak CUDA memory: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--dtype", default="fp16", choices=["fp16", "bf16"])
    ap.add_argument("--compile", action="store_true", help="torch.compile the UNet")
    ap.add_argument("--compile-mode", default="default", help="torch.compile mode (default | max-autotune ...)")
    ap.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    run(ap.parse_args())


if __name__ == "__main__":
    main()
