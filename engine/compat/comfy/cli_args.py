"""``from comfy.cli_args import args``: the launch flags as packs read them (unknown flags read as None)."""
from __future__ import annotations

import enum
from typing import Any

from .. import state as _state


class LatentPreviewMethod(enum.Enum):
    NoPreviews = "none"
    Auto = "auto"
    Latent2RGB = "latent2rgb"
    TAESD = "taesd"


class _Args:
    """main.py's parsed flags; a flag this engine does not have reads as None (ComfyUI's defaults are falsy)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        ns = _state.get().args
        return getattr(ns, name, None) if ns is not None else None


args = _Args()
