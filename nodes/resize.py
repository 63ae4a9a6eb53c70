"""Resampling of [B, C, H, W] tensors as used by the image and latent scaling nodes."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ._common import ensure_allocatable

IMAGE_UPSCALE_METHODS = ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"]
LATENT_UPSCALE_METHODS = ["nearest-exact", "bilinear", "area", "bicubic", "bislerp"]
CROP_METHODS = ["disabled", "center"]


def center_crop_to_aspect(samples: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """Crop [.., H, W] symmetrically so its aspect ratio matches width/height."""
    old_h, old_w = samples.shape[-2], samples.shape[-1]
    old_aspect = old_w / old_h
    new_aspect = width / height
    x = y = 0
    if old_aspect > new_aspect:
        x = round((old_w - old_w * (new_aspect / old_aspect)) / 2)
    elif old_aspect < new_aspect:
        y = round((old_h - old_h * (old_aspect / new_aspect)) / 2)
    return samples.narrow(-2, y, old_h - 2 * y).narrow(-1, x, old_w - 2 * x)


def _slerp(a: torch.Tensor, b: torch.Tensor, ratio: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation of channel vectors (dim 1); magnitudes are interpolated linearly."""
    eps = 1e-12
    na = a.norm(dim=1, keepdim=True)
    nb = b.norm(dim=1, keepdim=True)
    ua = a / na.clamp_min(eps)
    ub = b / nb.clamp_min(eps)
    dot = (ua * ub).sum(dim=1, keepdim=True).clamp(-1.0, 1.0)
    omega = torch.acos(dot)
    so = torch.sin(omega)
    # Nearly parallel vectors: the slerp weights degenerate to a plain lerp.
    parallel = so.abs() < 1e-4
    safe_so = torch.where(parallel, torch.ones_like(so), so)
    wa = torch.where(parallel, 1.0 - ratio, torch.sin((1.0 - ratio) * omega) / safe_so)
    wb = torch.where(parallel, ratio, torch.sin(ratio * omega) / safe_so)
    direction = wa * ua + wb * ub
    magnitude = na * (1.0 - ratio) + nb * ratio
    out = direction * magnitude
    zero = (na < eps) | (nb < eps)
    lerp = a * (1.0 - ratio) + b * ratio
    return torch.where(zero, lerp, out)


def _bislerp_axis(samples: torch.Tensor, new_size: int, axis: int) -> torch.Tensor:
    """Slerp-resample one spatial axis (2 = H, 3 = W) with half-pixel-centre coordinates."""
    old = samples.shape[axis]
    if old == new_size:
        return samples
    coords = (torch.arange(new_size, dtype=torch.float64) + 0.5) * (old / new_size) - 0.5
    coords = coords.clamp(0, old - 1)
    lo = coords.floor().long()
    hi = (lo + 1).clamp(max=old - 1)
    ratio = (coords - lo.double()).float()
    a = samples.index_select(axis, lo)
    b = samples.index_select(axis, hi)
    shape = [1, 1, 1, 1]
    shape[axis] = new_size
    return _slerp(a, b, ratio.reshape(shape).to(samples.dtype))


def bislerp(samples: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """Bilinear-style resampling that slerps between neighbouring latent vectors."""
    dtype = samples.dtype
    out = _bislerp_axis(samples.float(), width, 3)
    out = _bislerp_axis(out, height, 2)
    return out.to(dtype)


def lanczos(samples: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """PIL Lanczos per image on 8-bit data, as ComfyUI does."""
    out = []
    for img in samples.movedim(1, -1).cpu().numpy():
        channels = img.shape[-1]
        arr = np.clip(255.0 * img, 0, 255).astype(np.uint8)
        pil = Image.fromarray(arr[..., 0] if channels == 1 else arr)
        pil = pil.resize((width, height), resample=Image.Resampling.LANCZOS)
        res = np.array(pil).astype(np.float32) / 255.0
        if res.ndim == 2:
            res = res[..., None]
        out.append(torch.from_numpy(res))
    return torch.stack(out).movedim(-1, 1).to(samples.device, samples.dtype)


def common_upscale(samples: torch.Tensor, width: int, height: int, method: str, crop: str) -> torch.Tensor:
    """Resize [B, C, H, W] to (height, width) with one of the combo methods, optionally centre-cropping first."""
    ensure_allocatable((samples.shape[0], samples.shape[1], height, width), "upscale",
                       bytes_per_item=samples.element_size() * 2)
    if crop == "center":
        samples = center_crop_to_aspect(samples, width, height)
    elif crop != "disabled":
        raise ValueError(f"unknown crop method '{crop}'")
    if method == "bislerp":
        return bislerp(samples, width, height)
    if method == "lanczos":
        return lanczos(samples, width, height)
    if method not in ("nearest-exact", "bilinear", "area", "bicubic"):
        raise ValueError(f"unknown upscale method '{method}'")
    return F.interpolate(samples, size=(height, width), mode=method)
