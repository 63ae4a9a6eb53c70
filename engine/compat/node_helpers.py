"""``import node_helpers``: conditioning_set_values and pillow() as ComfyUI's node helpers."""
from __future__ import annotations

from typing import Any, Callable


def conditioning_set_values(conditioning: list, values: dict | None = None, append: bool = False) -> list:
    """A new CONDITIONING with ``values`` set in every entry's dict (added to the old value when ``append``)."""
    values = values or {}
    out = []
    for cond, opts in conditioning:
        n = dict(opts)
        for k, v in values.items():
            if append and n.get(k) is not None:
                n[k] = n[k] + v
            else:
                n[k] = v
        out.append([cond, n])
    return out


def pillow(fn: Callable, arg: Any) -> Any:
    """Call a PIL function; on a truncated-image error, retry with LOAD_TRUNCATED_IMAGES set."""
    from PIL import ImageFile, UnidentifiedImageError
    try:
        return fn(arg)
    except (OSError, UnidentifiedImageError, ValueError):
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            return fn(arg)
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def string_to_torch_dtype(string: str) -> Any:
    import torch
    return {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}.get(string)
