"""Peak RSS of loading a full-size SD1.5 checkpoint (~2.1 GB fp16, random weights).

    python bench/load_memory.py [--dir DIR] [--keep] [--steps N] [--dtype default|fp32|bf16]

1. Writes a random fp16 SD1.5 checkpoint in the real single-file layout
   (model.diffusion_model.*, first_stage_model.*, cond_stage_model.transformer.*),
   streamed tensor by tensor so the writer itself stays small.
2. In a fresh Python process, loads it with engine.diffusion.checkpoint.load_checkpoint
   in the default CPU dtype and prints the RSS before/after and the peak (ru_maxrss).
   With --steps N it also encodes a prompt, runs N UNet calls on a 512x512 latent
   (batch 2, as CFG does) and decodes the latent, printing the peak after each phase.

Target (issue 3): the whole server making one 512x512 image peaks at <= 3.6 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def sd15_shapes() -> dict[str, tuple]:
    import torch

    from engine.diffusion.families import SD1_UNET
    from engine.diffusion.models.clip import CLIP_VIT_L, build_transformer
    from engine.diffusion.models.unet import UNetModel
    from engine.diffusion.models.vae import AutoencoderKL, VAEConfig
    shapes: dict[str, tuple] = {}
    with torch.device("meta"):
        for prefix, module in (("model.diffusion_model.", UNetModel(SD1_UNET)),
                               ("first_stage_model.", AutoencoderKL(VAEConfig())),
                               ("cond_stage_model.transformer.", build_transformer(CLIP_VIT_L))):
            for k, v in module.state_dict().items():
                shapes[prefix + k] = tuple(v.shape)
    return shapes


def write_random_checkpoint(path: str, seed: int = 0) -> int:
    """Stream a random fp16 safetensors file; returns its size in bytes."""
    import torch
    shapes = sd15_shapes()
    header, offset = {}, 0
    for k in sorted(shapes):
        n = 1
        for s in shapes[k]:
            n *= s
        header[k] = {"dtype": "F16", "shape": list(shapes[k]), "data_offsets": [offset, offset + 2 * n]}
        offset += 2 * n
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    g = torch.Generator().manual_seed(seed)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for k in sorted(shapes):
            shape = shapes[k]
            fan_in = 1
            for s in shape[1:]:
                fan_in *= s
            t = torch.randn(shape, generator=g) * (fan_in ** -0.5 if len(shape) > 1 else 0.02)
            if len(shape) == 1 and ("norm" in k or "ln_" in k) and k.endswith("weight"):
                t = t + 1.0
            f.write(t.to(torch.float16).numpy().tobytes())
    return os.path.getsize(path)


_CHILD = r"""
import os, resource, sys, time, json
sys.path.insert(0, {root!r})
import psutil, torch
torch.set_num_threads(max(1, os.cpu_count() or 1))
def rss(): return psutil.Process().memory_info().rss / 2**30
def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
from engine.diffusion.device import DeviceManager
from engine.diffusion.checkpoint import load_checkpoint
import engine.diffusion.clip_handle  # import cost outside the measurement
kw = {{"force_fp32": True}} if {dtype!r} == "fp32" else ({{"bf16_unet": True}} if {dtype!r} == "bf16" else {{}})
dm = DeviceManager(cpu=True, **kw)
base = rss()
print(f"device manager: {{dm}}")
print(f"RSS after imports: {{base:.2f}} GiB (peak so far {{peak():.2f}})")
def hwm():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        return float("nan")
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the high-water mark so the next figure is the load alone
except OSError:
    pass
t = time.time()
model, clip, vae = load_checkpoint({path!r}, dm)
load_hwm = hwm()
load_s = time.time() - t
nbytes = sum(p.numel() * p.element_size() for m in (model.unet, vae.vae) for p in m.parameters())
nbytes += sum(p.numel() * p.element_size() for m in clip.modules.values() for p in m.parameters())
print(f"loaded in {{load_s:.1f}} s; weights in memory {{nbytes / 2**30:.2f}} GiB")
print(f"RSS after load: {{rss():.2f}} GiB; peak RSS during the load: {{load_hwm:.2f}} GiB "
      f"(= {{load_hwm - base:.2f}} GiB above the pre-load RSS); process peak so far {{peak():.2f}} GiB")
steps = {steps}
if steps:
    cond = clip.encode("a photograph of an astronaut riding a horse")[0][0]
    unc = clip.encode("")[0][0]
    print(f"after text encode: peak {{peak():.2f}} GiB")
    x = torch.randn(2, 4, 64, 64)
    ctx = torch.cat([cond, unc])
    for i in range(steps):
        t = time.time()
        out = model.apply_model(x, torch.tensor([999 - i * 50] * 2), ctx)
        print(f"unet call {{i + 1}}: {{time.time() - t:.1f}} s, peak {{peak():.2f}} GiB")
    t = time.time()
    img = vae.decode(out[:1] / 0.18215)
    print(f"vae decode 512x512: {{time.time() - t:.1f}} s, image {{tuple(img.shape)}}, peak {{peak():.2f}} GiB")
print(json.dumps({{"peak_rss_gib": round(peak(), 3), "load_s": round(load_s, 1),
                  "weights_gib": round(nbytes / 2**30, 3)}}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=None, help="where to write the checkpoint (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the written checkpoint")
    ap.add_argument("--steps", type=int, default=0, help="also run N UNet calls at 512x512 and a VAE decode")
    ap.add_argument("--dtype", default="default", choices=["default", "fp32", "bf16"])
    args = ap.parse_args()
    d = args.dir or tempfile.mkdtemp(prefix="sd15_bench_")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "sd15_random_fp16.safetensors")
    try:
        if not os.path.exists(path):
            t = time.time()
            size = write_random_checkpoint(path)
            print(f"wrote {path}: {size / 1e9:.2f} GB in {time.time() - t:.0f} s")
        else:
            print(f"using existing {path}: {os.path.getsize(path) / 1e9:.2f} GB")
        code = _CHILD.format(root=ROOT, path=path, steps=args.steps, dtype=args.dtype)
        return subprocess.call([sys.executable, "-c", code])
    finally:
        if not args.keep and args.dir is None:
            os.remove(path)
            os.rmdir(d)


if __name__ == "__main__":
    raise SystemExit(main())
