"""Built-in nodes, grouped by domain. `register_builtin_nodes` adds them all to a Registry."""
from __future__ import annotations

import importlib
from typing import Any

# Modules holding NODE_CLASS_MAPPINGS / NODE_DISPLAY_NAME_MAPPINGS, in menu order.
NODE_MODULES = (
    "loaders", "lora", "conditioning", "controlnet", "latent", "latent_transform", "latent_io", "vae", "sampling",
    "custom_sampler", "custom_sampler_sigmas", "custom_sampler_extra", "inpaint", "image", "image_composite", "image_io",
    "mask", "upscale", "image_extra", "mask_extra", "latent_extra", "utility", "model_patches", "model_merge",
)


def builtin_node_classes() -> tuple[dict[str, type], dict[str, str]]:
    """All built-in node classes (unbound) and their display names."""
    classes: dict[str, type] = {}
    display: dict[str, str] = {}
    for name in NODE_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        for node_name, cls in module.NODE_CLASS_MAPPINGS.items():
            if node_name in classes:
                raise RuntimeError(f"built-in node {node_name} is defined twice (nodes.{name})")
            classes[node_name] = cls
        display.update(getattr(module, "NODE_DISPLAY_NAME_MAPPINGS", {}))
    return classes, display


def bind_context(cls: type, ctx: Any) -> type:
    """A subclass of a node class carrying this registry's NodeContext as CONTEXT.

    Binding per registry (instead of setting an attribute on the shared class) keeps two
    registries in one process (tests, several servers) from seeing each other's folders.
    """
    return type(cls.__name__, (cls,), {"CONTEXT": ctx, "__module__": cls.__module__,
                                       "__qualname__": cls.__qualname__})


def register_builtin_nodes(registry, ctx) -> None:
    """Register every built-in node class on `registry`, bound to `ctx`."""
    classes, display = builtin_node_classes()
    for node_name, cls in classes.items():
        registry.register(node_name, bind_context(cls, ctx), display_name=display.get(node_name), module="nodes")


def common_ksampler(model, seed: int, steps: int, cfg: float, sampler_name: str, scheduler: str, positive: list,
                    negative: list, latent: dict, denoise: float = 1.0, disable_noise: bool = False,
                    start_step: int | None = None, last_step: int | None = None, force_full_denoise: bool = False):
    """ComfyUI's ``nodes.common_ksampler`` signature, for custom nodes that call it."""
    from .sampling import KSampler, common_ksampler as _common_ksampler
    return _common_ksampler(KSampler(), model, seed, steps, cfg, sampler_name, scheduler, positive, negative,
                            latent, denoise=denoise, disable_noise=disable_noise, start_step=start_step,
                            last_step=last_step, force_full_denoise=force_full_denoise)


def __getattr__(name: str):
    """ComfyUI-style package attributes (``nodes.MAX_RESOLUTION``, ``nodes.SaveImage``, ...) for custom nodes.

    Classes are the unbound ones: outside a registry they find their NodeContext through
    engine.graph.context.current() while they run.
    """
    if name == "MAX_RESOLUTION":
        from ._common import MAX_RESOLUTION
        return MAX_RESOLUTION
    if name in ("NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"):
        classes, display = builtin_node_classes()
        return classes if name == "NODE_CLASS_MAPPINGS" else display
    if name[:1].isupper():
        classes, _ = builtin_node_classes()
        if name in classes:
            return classes[name]
    raise AttributeError(f"module 'nodes' has no attribute {name!r}")
