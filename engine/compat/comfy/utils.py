"""``import comfy.utils``: ProgressBar, load_torch_file, common_upscale and small tensor helpers."""
from __future__ import annotations

from typing import Any

from engine.graph.context import NodeScope, current_scope

from .. import state as _state


def __getattr__(name: str) -> Any:
    if name == "PROGRESS_BAR_ENABLED":
        return _state.get().progress_bar_enabled
    raise AttributeError(f"module 'comfy.utils' has no attribute {name!r}")


def set_progress_bar_enabled(enabled: bool) -> None:
    """Turn step progress of ProgressBar on or off (ComfyUI's --disable-progress-bars switch)."""
    _state.get().progress_bar_enabled = bool(enabled)


def _preview_image(preview: Any) -> Any:
    # ComfyUI passes (format, PIL.Image, max_size); the engine's progress takes that form as it is
    # (PNG stays PNG, max_size None is full size: SaveImageWebsocket-style nodes rely on both).
    if isinstance(preview, (tuple, list)) and len(preview) >= 2:
        return tuple(preview)
    return preview


class ProgressBar:
    """Step progress of the running node, sent to the websocket as ``progress`` events.

    The node's scope is captured when the bar is made, so updates from worker threads the node
    starts still reach the right prompt and node.
    """

    def __init__(self, total: int, node_id: str | None = None) -> None:
        self.total = int(total)
        self.current = 0
        self.node_id = node_id
        self._scope: NodeScope | None = current_scope()

    def update_absolute(self, value: int, total: int | None = None, preview: Any = None) -> None:
        if total is not None:
            self.total = int(total)
        if value > self.total:
            value = self.total
        self.current = int(value)
        if self._scope is not None and _state.get().progress_bar_enabled:
            self._scope.progress(self.current, self.total, _preview_image(preview))

    def update(self, value: int) -> None:
        self.update_absolute(self.current + value)


def load_torch_file(ckpt: str, safe_load: bool = False, device: Any = None, return_metadata: bool = False) -> Any:
    """State dict of a .safetensors/.sft file or a pickle checkpoint (always weights_only: never runs code)."""
    import torch
    from engine.diffusion.safe_load import load_state_dict
    sd = load_state_dict(ckpt)
    if device is not None:
        dev = torch.device(device) if not isinstance(device, torch.device) else device
        sd = {k: v.to(dev) for k, v in sd.items()}
    if not return_metadata:
        return sd
    metadata = None
    if ckpt.lower().endswith((".safetensors", ".sft")):
        from safetensors import safe_open
        with safe_open(ckpt, framework="pt") as f:
            metadata = f.metadata()
    return sd, metadata


def save_torch_file(sd: dict, ckpt: str, metadata: dict | None = None) -> None:
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in sd.items()}, ckpt, metadata=metadata)


def common_upscale(samples: Any, width: int, height: int, upscale_method: str, crop: str) -> Any:
    """Resize ``[B,C,H,W]`` to width x height ("nearest-exact", "bilinear", "area", "bicubic", "bislerp", "lanczos")."""
    from nodes.resize import common_upscale as upscale
    return upscale(samples, width, height, upscale_method, crop)


def repeat_to_batch_size(tensor: Any, batch_size: int, dim: int = 0) -> Any:
    """Cut or repeat ``tensor`` along ``dim`` to ``batch_size``."""
    n = tensor.shape[dim]
    if n > batch_size:
        return tensor.narrow(dim, 0, batch_size)
    if n < batch_size:
        reps = [1] * tensor.ndim
        reps[dim] = -(-batch_size // n)
        return tensor.repeat(*reps).narrow(dim, 0, batch_size)
    return tensor


def state_dict_prefix_replace(state_dict: dict, replace_prefix: dict[str, str], filter_keys: bool = False) -> dict:
    """Rename keys starting with each prefix (in place unless ``filter_keys``: then a new dict of those keys)."""
    out = {} if filter_keys else state_dict
    for old, new in replace_prefix.items():
        for k in [k for k in state_dict if k.startswith(old)]:
            out[new + k[len(old):]] = state_dict.pop(k)
    return out


def calculate_parameters(sd: dict, prefix: str = "") -> int:
    return sum(v.nelement() for k, v in sd.items() if k.startswith(prefix))
