"""The one piece of module-level state of the ComfyUI facades.

ComfyUI's public API for custom nodes is module functions (``folder_paths.get_filename_list``,
``comfy.model_management.get_torch_device``) and a class attribute (``PromptServer.instance``):
packs call them without being handed any object. These facades therefore need to find the
engine's objects somewhere global. That place is the single :class:`CompatState` below, set by
``engine.compat.install()`` and cleared by ``uninstall()``; nothing else in the engine reads it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CompatState:
    paths: Any                                  # engine.graph.paths.FolderPaths
    device_manager: Any = None                  # engine.diffusion.device.DeviceManager or None
    registry: Any = None                        # engine.graph.registry.Registry or None
    executor: Any = None                        # engine.graph.executor.Executor (bound once built)
    args: Any = None                            # main.py's parsed CLI namespace (comfy.cli_args.args)
    prompt_server: Any = None                   # engine.compat.server.PromptServer (the .instance)
    progress_bar_enabled: bool = True           # comfy.utils.PROGRESS_BAR_ENABLED
    saved_modules: dict[str, Any] = field(default_factory=dict)   # sys.modules entries replaced by install()


_current: CompatState | None = None


def get() -> CompatState:
    """The installed state; RuntimeError when engine.compat.install() has not run."""
    if _current is None:
        raise RuntimeError("ComfyUI compatibility modules are not installed (call engine.compat.install first)")
    return _current


def peek() -> CompatState | None:
    return _current


def set_state(state: CompatState | None) -> None:
    global _current
    _current = state
