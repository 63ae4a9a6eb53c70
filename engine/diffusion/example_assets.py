"""The tiny models and input images the example workflows (web/examples) name.

Tests call ``write_example_assets(paths)``; to try the examples by hand on a fresh machine:

    python main.py smoke-checkpoint --all     # writes into models/ and input/ (or the folders the flags name)

Every model is random (its pictures are noise); real models go in the same folders.
"""
from __future__ import annotations

import os

import numpy as np
import torch
from PIL import Image

CHECKPOINTS = {
    "smoke-test-tiny.safetensors": "sd1",
    "smoke-test-tiny-sdxl.safetensors": "sdxl",
    "smoke-test-tiny-sdxl-refiner.safetensors": "sdxl_refiner",
}
LORA = "smoke-test-tiny-lora.safetensors"
CONTROLNET = "smoke-test-tiny-controlnet.safetensors"
ESRGAN = "smoke-test-tiny-esrgan-x2.safetensors"
EXAMPLE_IMAGE = "example.png"
EXAMPLE_INPAINT = "example_inpaint.png"


def tiny_esrgan_state_dict(scale: int = 2, seed: int = 0) -> dict[str, torch.Tensor]:
    """A random RRDBNet (ESRGAN, old key layout) with 8 filters and one block, as spandrel detects it."""
    from spandrel.architectures.ESRGAN import ESRGAN
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        net = ESRGAN(in_nc=3, out_nc=3, num_filters=8, num_blocks=1, scale=scale)
    finally:
        torch.random.set_rng_state(gen_state)
    return {k: v.contiguous() for k, v in net.state_dict().items()}


def tiny_controlnet_state_dict(family: str = "sd1", seed: int = 0) -> dict[str, torch.Tensor]:
    """A random LDM-format ControlNet (control_model.*) matching the tiny checkpoint of ``family``."""
    from engine.diffusion.models.controlnet import ControlNetConfig, ControlNetModel
    from engine.diffusion.tiny import tiny_unet_config

    with torch.random.fork_rng(devices=[]):
        model = ControlNetModel(ControlNetConfig(unet=tiny_unet_config(family), hint_block_channels=(8, 8, 16, 16)))
    g = torch.Generator().manual_seed(seed)
    out = {}
    for key, value in model.state_dict().items():
        out["control_model." + key] = (torch.randn(value.shape, generator=g) * 0.05).to(value.dtype)
    return out


def example_image(size: int = 64) -> np.ndarray:
    """An RGB gradient with a bright square: structure that survives VAE round trips."""
    y, x = np.mgrid[0:size, 0:size]
    img = np.stack([x * 255 // (size - 1), y * 255 // (size - 1), np.full_like(x, 96)], axis=-1).astype(np.uint8)
    q = size // 4
    img[q:2 * q, q:2 * q] = 240
    return img


def _folder(paths, key: str) -> str:
    folder = paths.folder(key)[0]
    os.makedirs(folder, exist_ok=True)
    return folder


def write_example_assets(paths, checkpoints: tuple[str, ...] | None = None, controlnet: bool = True) -> dict:
    """Write tiny models and input images under a FolderPaths; returns {what: path}."""
    from safetensors.torch import save_file

    from engine.diffusion.tiny import write_tiny_checkpoint, write_tiny_lora

    written: dict[str, str] = {}
    ck = _folder(paths, "checkpoints")
    for name, family in CHECKPOINTS.items():
        if checkpoints is not None and name not in checkpoints:
            continue
        written[name] = write_tiny_checkpoint(os.path.join(ck, name), family=family, seed=0) or os.path.join(ck, name)
    written[LORA] = write_tiny_lora(os.path.join(_folder(paths, "loras"), LORA), family="sd1", seed=1)
    up = os.path.join(_folder(paths, "upscale_models"), ESRGAN)
    save_file(tiny_esrgan_state_dict(), up)
    written[ESRGAN] = up
    if controlnet:
        path = os.path.join(_folder(paths, "controlnet"), CONTROLNET)
        save_file(tiny_controlnet_state_dict("sd1", seed=2), path)
        written[CONTROLNET] = path
    os.makedirs(paths.input_dir, exist_ok=True)
    img = example_image()
    Image.fromarray(img).save(os.path.join(paths.input_dir, EXAMPLE_IMAGE))
    rgba = np.concatenate([img, np.full(img.shape[:2] + (1,), 255, np.uint8)], axis=-1)
    rgba[24:40, 24:40, 3] = 0  # the transparent square is what inpaint.json repaints
    Image.fromarray(rgba).save(os.path.join(paths.input_dir, EXAMPLE_INPAINT))
    written[EXAMPLE_IMAGE] = os.path.join(paths.input_dir, EXAMPLE_IMAGE)
    written[EXAMPLE_INPAINT] = os.path.join(paths.input_dir, EXAMPLE_INPAINT)
    return written

