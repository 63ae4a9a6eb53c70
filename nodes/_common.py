"""Helpers shared by the built-in nodes: limits, context access, progress and errors."""
from __future__ import annotations

from typing import Any

MAX_RESOLUTION = 16384
SEED_MAX = 0xFFFFFFFFFFFFFFFF

# PIL's own decompression-bomb threshold (Image.MAX_IMAGE_PIXELS) is the default limit
# for LoadImage when the CLI gives none.
DEFAULT_MAX_IMAGE_PIXELS = 89_478_485


class NodeInputError(ValueError):
    """Bad input for a node; the message names the node and the input or file."""


def node_context(node: Any):
    """The NodeContext of a node: the class attribute CONTEXT set at registration,
    else engine.graph.context.current() during execution."""
    ctx = getattr(node, "CONTEXT", None)
    if ctx is not None:
        return ctx
    try:
        from engine.graph import context as graph_context
    except ImportError:  # pragma: no cover - engine.graph always ships with the engine
        return None
    current = getattr(graph_context, "current", None)
    return current() if current is not None else None


def require_context(node: Any, node_name: str):
    ctx = node_context(node)
    if ctx is None or getattr(ctx, "paths", None) is None:
        raise RuntimeError(f"{node_name}: no NodeContext with folder paths is available")
    return ctx


def list_files(node: Any, folder: str) -> list[str]:
    """Files of a model folder for a combo, listed fresh on every call (refresh without restart)."""
    ctx = node_context(node)
    if ctx is None or getattr(ctx, "paths", None) is None:
        return []
    return list(ctx.paths.list_files(folder))


def full_path(node: Any, node_name: str, folder: str, name: str) -> str:
    ctx = require_context(node, node_name)
    try:
        return ctx.paths.full_path(folder, name)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{node_name}: file '{name}' not found in models/{folder}: {exc}") from exc


def cli_arg(node: Any, name: str, default=None):
    ctx = node_context(node)
    args = getattr(ctx, "args", None) if ctx is not None else None
    value = getattr(args, name, None) if args is not None else None
    return default if value is None else value


def progress(value: int, total: int, preview=None) -> None:
    """Report progress of the running node (no-op outside an execution)."""
    from engine.graph import context as graph_context
    graph_context.progress(value, total, preview)


def check_interrupt() -> None:
    """Raise the engine's interrupt exception when the user cancelled."""
    from engine.graph import context as graph_context
    graph_context.check_interrupt()


def ensure_allocatable(shape, node_name: str, bytes_per_item: int = 4, headroom: float = 0.8) -> None:
    """Refuse, with a clear error, a tensor that cannot fit in the free RAM.

    Sizes come from user input (width x height x batch); allocating blindly could get the whole
    process killed by the operating system instead of failing this one node.
    """
    items = 1
    for n in shape:
        items *= int(n)
    needed = items * bytes_per_item
    try:
        import psutil
        available = psutil.virtual_memory().available
    except Exception:  # noqa: BLE001 - no way to measure: let the allocator decide
        return
    if needed > available * headroom:
        shape_text = "x".join(str(int(n)) for n in shape)
        raise MemoryError(f"{node_name}: a {shape_text} tensor needs {needed / 2**30:.1f} GiB but only "
                          f"{available / 2**30:.1f} GiB of memory is free; use a smaller size or batch")
