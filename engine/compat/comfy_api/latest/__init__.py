"""``from comfy_api.latest import ComfyExtension, io``: V3 node packs."""
from __future__ import annotations

from abc import ABC, abstractmethod

from . import io, ui

__all__ = ["ComfyExtension", "io", "ui"]


class ComfyExtension(ABC):
    """What a V3 pack's ``comfy_entrypoint()`` returns: its node classes (sync or async methods)."""

    async def on_load(self) -> None:
        """Called once before get_node_list()."""

    @abstractmethod
    async def get_node_list(self) -> list[type["io.ComfyNode"]]:
        """The pack's io.ComfyNode subclasses."""
