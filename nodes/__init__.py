"""Built-in nodes, grouped by domain. `register_builtin_nodes` adds them all to a Registry."""
from __future__ import annotations

import importlib
from typing import Any

# Modules holding NODE_CLASS_MAPPINGS / NODE_DISPLAY_NAME_MAPPINGS, in menu order.
NODE_MODULES = (
    "loaders", "lora", "conditioning", "controlnet", "latent", "vae", "sampling",
    "inpaint", "image", "image_io", "mask", "upscale",
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
