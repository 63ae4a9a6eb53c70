"""Tiny random model files for tests, built at test time (never committed).

Use in a test module::

    from tests.tinymodels import tiny_models  # noqa: F401  (pytest fixture)

    def test_x(tiny_models):
        path = tiny_models.checkpoint("sd1")          # sd1 | sd2 | sd2_v | sdxl | sdxl_refiner | sd1_inpaint ...
        vae = tiny_models.vae("diffusers")            # ldm | diffusers
        lora = tiny_models.lora("kohya", "sd1")       # kohya | peft, for that family's tiny checkpoint

Files are written once per test session (lazily, on first request) into a
session temporary directory; ``tiny_models.models_dir`` is laid out like the
user-facing ``models/`` folder (checkpoints/, vae/, loras/, diffusion_models/,
text_encoders/).
"""
from __future__ import annotations

import os
import threading

import pytest

ALL_CHECKPOINT_FAMILIES = ("sd1", "sd2", "sd2_v", "sdxl", "sdxl_refiner", "sd1_inpaint")


class TinyModels:
    """Lazily written tiny model files under one directory."""

    def __init__(self, root: str, seed: int = 0):
        self.root = root
        self.models_dir = os.path.join(root, "models")
        self.seed = seed
        self._lock = threading.Lock()

    def _path(self, folder: str, name: str) -> str:
        d = os.path.join(self.models_dir, folder)
        os.makedirs(d, exist_ok=True)
        return os.path.join(d, name)

    def checkpoint(self, family: str = "sd1") -> str:
        """Path of tiny_<family>.safetensors in models/checkpoints."""
        from engine.diffusion.tiny import write_tiny_checkpoint
        path = self._path("checkpoints", f"tiny_{family}.safetensors")
        with self._lock:
            if not os.path.exists(path):
                write_tiny_checkpoint(path, family, self.seed)
        return path

    def vae(self, layout: str = "ldm") -> str:
        """Path of a tiny VAE file (layout "ldm" or "diffusers") in models/vae."""
        from engine.diffusion.tiny import write_tiny_vae
        path = self._path("vae", f"tiny_vae_{layout}.safetensors")
        with self._lock:
            if not os.path.exists(path):
                write_tiny_vae(path, self.seed + 100, layout)
        return path

    def lora(self, fmt: str = "kohya", family: str = "sd1", seed: int = 0) -> str:
        """Path of a tiny LoRA (fmt "kohya" or "peft") for the tiny checkpoint of ``family``."""
        from engine.diffusion.tiny import write_tiny_lora
        path = self._path("loras", f"tiny_{family}_{fmt}_{seed}.safetensors")
        with self._lock:
            if not os.path.exists(path):
                write_tiny_lora(path, family, seed + 200, fmt)
        return path


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> TinyModels:
    """Session-wide tiny model files (see the module docstring)."""
    return TinyModels(str(tmp_path_factory.mktemp("tiny_models")))
