"""The ControlNet object carried in CONDITIONING dicts under "control", and its loader.

A loaded ControlNet (ControlNetLoader) has no hint; ControlNetApply* make copies with
`copy_with(previous, hint=..., strength=..., start_percent=..., end_percent=...)`, chained
after the ControlNet already attached to that conditioning. During sampling the denoiser
calls `get_control(x_in, timestep, context, y, sigma, model_sampling)` for the batch it runs;
the result is the sum of this ControlNet's residuals (times its strength) and those of the
chain before it, in the UNet's {"input", "middle", "output"} lists.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

import torch
import torch.nn.functional as F

from engine.diffusion.models.controlnet import (ControlNetConfig, ControlNetModel,
                                                controlnet_config_from_state_dict, diffusers_controlnet_to_ldm)
from engine.diffusion.manual_cast import compute_dtype_of
from engine.diffusion.models.unet import UNetConfig

LDM_PREFIX = "control_model."
COMPRESSION_RATIO = 8           # hint pixels per latent pixel (SD1.x / SDXL)


class ControlNetError(ValueError):
    """A ControlNet file or its use is wrong; the message names the file or the input."""


def upscale_center(image: torch.Tensor, width: int, height: int, method: str = "nearest-exact") -> torch.Tensor:
    """Resize (B, C, H, W) to (height, width) after a centered crop to the target aspect (ComfyUI's 'center')."""
    old_h, old_w = image.shape[-2:]
    old_aspect, new_aspect = old_w / old_h, width / height
    x = y = 0
    if old_aspect > new_aspect:
        x = round((old_w - old_w * (new_aspect / old_aspect)) / 2)
    elif old_aspect < new_aspect:
        y = round((old_h - old_h * (old_aspect / new_aspect)) / 2)
    cropped = image.narrow(-2, y, old_h - 2 * y).narrow(-1, x, old_w - 2 * x)
    return F.interpolate(cropped, size=(height, width), mode=method)


def broadcast_to_batch(hint: torch.Tensor, target: int, batched_number: int) -> torch.Tensor:
    """Hint batch -> the running batch of `batched_number` conds x latent batch (ComfyUI's rule).

    A batch-1 hint is returned as is (it broadcasts). Otherwise the first latent-batch-many hints
    (repeated cyclically if too few) are used for every cond in the batch.
    """
    if hint.shape[0] == 1:
        return hint
    per = target // batched_number
    hint = hint[:per]
    if per > hint.shape[0]:
        hint = torch.cat([hint] * (per // hint.shape[0]) + [hint[: per % hint.shape[0]]], dim=0)
    return hint if hint.shape[0] == target else torch.cat([hint] * batched_number, dim=0)


def merge_control(own: dict, previous: dict | None) -> dict:
    """Element-wise sum of two residual dicts (missing or None entries take the other's)."""
    out = {k: list(own.get(k, [])) for k in ("input", "middle", "output")}
    if previous is None:
        return out
    for key in ("input", "middle", "output"):
        o = out[key]
        for i, prev in enumerate(previous.get(key, [])):
            if i >= len(o):
                o.append(prev)
            elif prev is not None:
                o[i] = prev if o[i] is None else prev + o[i]
    return out


class ControlNet:
    """A ControlNet model plus its hint and settings; `previous_controlnet` chains several."""

    def __init__(self, model: ControlNetModel, device_manager: Any = None, source: str = "<state dict>") -> None:
        self.model = model
        self.device_manager = device_manager
        self.source = source
        self.hint: torch.Tensor | None = None          # (B, C, H, W) 0..1, as given
        self.strength = 1.0
        self.start_percent = 0.0
        self.end_percent = 1.0
        self.previous_controlnet: ControlNet | None = None
        self._hint_cache: tuple[tuple, torch.Tensor] | None = None

    @property
    def config(self) -> ControlNetConfig:
        return self.model.config

    def copy_with(self, previous: "ControlNet | None" = None, hint: torch.Tensor | None = None,
                  strength: float | None = None, start_percent: float | None = None,
                  end_percent: float | None = None, vae: Any = None) -> "ControlNet":
        """A copy sharing the model, with new settings, chained after `previous`.

        hint: (B, C, H, W) image in 0..1 (IMAGE.movedim(-1, 1)); any size, resized at sampling time.
        vae: accepted for ComfyUI's signature; SD1.x/SDXL ControlNets take pixel hints and ignore it.
        """
        c = ControlNet(self.model, self.device_manager, self.source)
        c.hint, c.strength = self.hint, self.strength
        c.start_percent, c.end_percent = self.start_percent, self.end_percent
        c.previous_controlnet = previous
        if hint is not None:
            if hint.ndim != 4 or hint.shape[1] != self.config.hint_channels:
                raise ControlNetError(
                    f"ControlNet {self.source}: hint must be (B, {self.config.hint_channels}, H, W), "
                    f"got {tuple(hint.shape)}")
            c.hint = hint
        if strength is not None:
            c.strength = float(strength)
        if start_percent is not None:
            c.start_percent = float(start_percent)
        if end_percent is not None:
            c.end_percent = float(end_percent)
        return c

    def chain(self) -> list["ControlNet"]:
        """This ControlNet and every one before it, oldest first."""
        out = self.previous_controlnet.chain() if self.previous_controlnet is not None else []
        return out + [self]

    def models(self) -> list[torch.nn.Module]:
        return [c.model for c in self.chain()]

    def _prepared_hint(self, x: torch.Tensor, batched_number: int, dtype: torch.dtype) -> torch.Tensor:
        if self.hint is None:
            raise ControlNetError(f"ControlNet {self.source} has no hint image: apply it with ControlNetApply")
        h, w = x.shape[2] * COMPRESSION_RATIO, x.shape[3] * COMPRESSION_RATIO
        key = (h, w, x.device, dtype)
        if self._hint_cache is None or self._hint_cache[0] != key:
            hint = upscale_center(self.hint.float(), w, h).to(device=x.device, dtype=dtype)
            self._hint_cache = (key, hint)
        hint = self._hint_cache[1]
        if hint.shape[0] != x.shape[0]:
            hint = broadcast_to_batch(hint, x.shape[0], batched_number)
        return hint

    def get_control(self, x_in: torch.Tensor, timestep: torch.Tensor, context: torch.Tensor | None,
                    y: torch.Tensor | None, sigma: torch.Tensor, model_sampling: Any,
                    batched_number: int = 1) -> dict | None:
        """Residuals for the UNet batch `x_in` (noisy latents, not yet scaled) at `sigma`, or None.

        Outside [start_percent, end_percent] of the schedule only the chain before it contributes.
        batched_number: how many conds share the batch (only matters when the hint batch differs
        from both 1 and the latent batch).
        """
        prev = None
        if self.previous_controlnet is not None:
            prev = self.previous_controlnet.get_control(x_in, timestep, context, y, sigma, model_sampling,
                                                        batched_number)
        s = float(sigma.reshape(-1)[0])
        if s > model_sampling.percent_to_sigma(self.start_percent) or \
                s < model_sampling.percent_to_sigma(self.end_percent):
            return prev
        if self.device_manager is not None:
            self.device_manager.load_module(self.model)
        elif next(self.model.parameters()).device != x_in.device:
            self.model.to(x_in.device)
        dtype = compute_dtype_of(self.model)   # the dtype it runs in (not a storage dtype)
        hint = self._prepared_hint(x_in, batched_number, dtype)
        x = model_sampling.calculate_input(sigma, x_in)
        if y is not None and self.config.unet.adm_in_channels is None:
            y = None            # an SD ControlNet used with a y-conditioned model variant: ignore y
        with torch.no_grad():
            control = self.model(x.to(dtype), hint, timestep, context, y)
        out_dtype = x_in.dtype
        own = {k: [r * self.strength if r.dtype == out_dtype else (r * self.strength).to(out_dtype)
                   for r in v] for k, v in control.items()}
        return merge_control(own, prev)


# ----------------------------------------------------------------------------- loading

def _read_file(path: str) -> dict[str, torch.Tensor]:
    """safetensors memory-mapped; pickles only as plain weights (safe_load refuses code)."""
    from engine.diffusion.safe_load import load_state_dict
    return load_state_dict(path)


def detect_format(keys: set[str]) -> str:
    """'ldm' (control_model.* or bare cldm names), 'diffusers', or a descriptive unsupported kind."""
    if any(k.startswith(LDM_PREFIX + "input_hint_block.") for k in keys) or "input_hint_block.0.weight" in keys:
        return "ldm"
    if "controlnet_cond_embedding.conv_in.weight" in keys:
        return "diffusers"
    if "lora_controlnet" in keys:
        return "control-lora (unsupported)"
    if any(k.startswith(("adapter.", "body.0.")) for k in keys) or "conv_in.weight" in keys and any(
            k.startswith("body.") for k in keys):
        return "T2I-Adapter (unsupported)"
    return "unknown"


def load_controlnet(source: str | os.PathLike | Mapping[str, torch.Tensor], device_manager: Any = None, *,
                    heads_from: UNetConfig | None = None, dtype: torch.dtype | None = None) -> ControlNet:
    """Load an LDM-format (control_model.*) or diffusers-format ControlNet for SD1.x / SD2.x / SDXL.

    `source` is a file path (.safetensors memory-mapped; pickles only as weights) or a state dict.
    Weights are kept in `dtype`, else the device manager's UNet dtype, else float32. Raises
    ControlNetError naming the file and what was found for unknown, unsupported or broken files.
    """
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<state dict>"
    if isinstance(source, (str, os.PathLike)):
        sd = _read_file(name)
    else:  # never share tensors with the caller's dict
        sd = {k: v.clone() for k, v in source.items()}
    keys = set(sd)
    kind = detect_format(keys)
    if kind == "ldm":
        if any(k.startswith(LDM_PREFIX) for k in keys):
            sd = {k[len(LDM_PREFIX):]: v for k, v in sd.items() if k.startswith(LDM_PREFIX)}
    elif kind == "diffusers":
        try:
            sd = diffusers_controlnet_to_ldm(sd)
        except ValueError as e:
            raise ControlNetError(f"ControlNet {name}: {e}") from e
    else:
        sample = ", ".join(sorted(keys)[:5])
        raise ControlNetError(f"{name} is not a ControlNet this engine loads: {kind} file "
                              f"({len(keys)} keys, e.g. {sample})")
    try:
        cfg = controlnet_config_from_state_dict(sd, heads_from)
    except ValueError as e:
        raise ControlNetError(f"ControlNet {name}: {e}") from e
    if dtype is None:
        dtype = device_manager.unet_dtype() if device_manager is not None else torch.float32
    with torch.device("meta"):
        model = ControlNetModel(cfg)
    missing = sorted(set(model.state_dict()) - set(sd))
    unexpected = sorted(set(sd) - set(model.state_dict()))
    if missing or unexpected:
        raise ControlNetError(f"ControlNet {name} ({kind} layout) does not match its detected architecture: "
                              f"missing {missing[:8]}{' ...' if len(missing) > 8 else ''}, "
                              f"unexpected {unexpected[:8]}{' ...' if len(unexpected) > 8 else ''}")
    try:
        model.load_state_dict({k: v.to(dtype) for k, v in sd.items()}, strict=True, assign=True)
    except RuntimeError as e:
        raise ControlNetError(f"ControlNet {name} ({kind} layout): {e}") from e
    return ControlNet(model.eval().requires_grad_(False), device_manager, name)
