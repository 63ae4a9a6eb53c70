"""ControlNet nodes: load a ControlNet and attach it (chained) to conditioning."""
from __future__ import annotations

import torch

from ._common import NodeInputError, full_path, list_files, node_context


def chain_control(control_net, previous, hint: torch.Tensor, strength: float,
                  start_percent: float = 0.0, end_percent: float = 1.0, vae=None):
    """A copy of `control_net` with its hint and settings, chained after `previous` (or None)."""
    return control_net.copy_with(previous, hint=hint, strength=strength,
                                 start_percent=start_percent, end_percent=end_percent, vae=vae)


def _hint(node: str, image: torch.Tensor) -> torch.Tensor:
    if image.ndim != 4:
        raise NodeInputError(f"{node}: image must be an IMAGE [B,H,W,C], got {tuple(image.shape)}")
    return image.movedim(-1, 1)


class ControlNetLoader:
    CATEGORY = "loaders"
    RETURN_TYPES = ("CONTROL_NET",)
    FUNCTION = "load_controlnet"
    DESCRIPTION = "Load a ControlNet (LDM or diffusers layout, SD1.x / SDXL)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"control_net_name": (list_files(cls, "controlnet"),)}}

    def load_controlnet(self, control_net_name: str):
        from engine.diffusion.controlnet import load_controlnet
        path = full_path(self, "ControlNetLoader", "controlnet", control_net_name)
        ctx = node_context(self)
        return (load_controlnet(path, getattr(ctx, "device", None)),)


class ControlNetApply:
    CATEGORY = "conditioning/controlnet"
    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "apply_controlnet"
    DEPRECATED = True
    DESCRIPTION = "Attach a ControlNet to one conditioning (also applied to the uncond). Deprecated."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "conditioning": ("CONDITIONING",),
            "control_net": ("CONTROL_NET",),
            "image": ("IMAGE",),
            "strength": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 10.0, "step": 0.01}),
        }}

    def apply_controlnet(self, conditioning: list, control_net, image: torch.Tensor, strength: float):
        if strength == 0:
            return (conditioning,)
        hint = _hint("ControlNetApply", image)
        out = []
        for cond, opts in conditioning:
            d = dict(opts)
            d["control"] = chain_control(control_net, opts.get("control"), hint, strength)
            d["control_apply_to_uncond"] = True
            out.append([cond, d])
        return (out,)


class ControlNetApplyAdvanced:
    CATEGORY = "conditioning/controlnet"
    RETURN_TYPES = ("CONDITIONING", "CONDITIONING")
    RETURN_NAMES = ("positive", "negative")
    FUNCTION = "apply_controlnet"
    DESCRIPTION = ("Attach a ControlNet to the positive and negative conditioning between start and end "
                   "percent of the schedule; chains after ControlNets already attached.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "positive": ("CONDITIONING",),
            "negative": ("CONDITIONING",),
            "control_net": ("CONTROL_NET",),
            "image": ("IMAGE",),
            "strength": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 10.0, "step": 0.01}),
            "start_percent": ("FLOAT", {"default": 0.0, "min": 0.0, "max": 1.0, "step": 0.001}),
            "end_percent": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.001}),
        }, "optional": {"vae": ("VAE",)}}

    def apply_controlnet(self, positive: list, negative: list, control_net, image: torch.Tensor,
                         strength: float, start_percent: float, end_percent: float, vae=None):
        if strength == 0:
            return (positive, negative)
        hint = _hint("ControlNetApplyAdvanced", image)
        # One copy per distinct previous chain, shared between positive and negative.
        chained: dict[int, object] = {}
        results = []
        for conditioning in (positive, negative):
            out = []
            for cond, opts in conditioning:
                d = dict(opts)
                prev = d.get("control")
                key = id(prev)
                if key not in chained:
                    chained[key] = chain_control(control_net, prev, hint, strength, start_percent, end_percent, vae)
                d["control"] = chained[key]
                d["control_apply_to_uncond"] = False
                out.append([cond, d])
            results.append(out)
        return (results[0], results[1])


NODE_CLASS_MAPPINGS = {
    "ControlNetLoader": ControlNetLoader,
    "ControlNetApply": ControlNetApply,
    "ControlNetApplyAdvanced": ControlNetApplyAdvanced,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "ControlNetLoader": "Load ControlNet Model",
    "ControlNetApply": "Apply ControlNet (OLD)",
    "ControlNetApplyAdvanced": "Apply ControlNet",
}
