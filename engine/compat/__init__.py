"""ComfyUI compatibility modules: ``folder_paths``, ``comfy.*``, ``server``, ``comfy_api`` ... for custom node packs.

``install(paths, device_manager, registry)`` puts facade modules into ``sys.modules`` under
ComfyUI's names; they delegate to the engine's objects (FolderPaths, the node context's
progress/interrupt, DeviceManager, the server's websocket hub). ``uninstall()`` restores
``sys.modules`` as it was. The engine itself never imports these names.
"""
from __future__ import annotations

import importlib
import sys
from typing import Any

from . import state as _state
from .state import CompatState

# ComfyUI module name -> our facade module.
MODULES: dict[str, str] = {
    "folder_paths": "engine.compat.folder_paths",
    "comfy": "engine.compat.comfy",
    "comfy.utils": "engine.compat.comfy.utils",
    "comfy.model_management": "engine.compat.comfy.model_management",
    "comfy.samplers": "engine.compat.comfy.samplers",
    "comfy.sd": "engine.compat.comfy.sd",
    "comfy.comfy_types": "engine.compat.comfy.comfy_types",
    "comfy.comfy_types.node_typing": "engine.compat.comfy.comfy_types",
    "comfy.cli_args": "engine.compat.comfy.cli_args",
    "node_helpers": "engine.compat.node_helpers",
    "server": "engine.compat.server",
    "comfy_api": "engine.compat.comfy_api",
    "comfy_api.latest": "engine.compat.comfy_api.latest",
    "comfy_api.latest.io": "engine.compat.comfy_api.latest.io",
    "comfy_api.latest.ui": "engine.compat.comfy_api.latest.ui",
    "comfy_execution": "engine.compat.comfy_execution",
    "comfy_execution.graph_utils": "engine.compat.comfy_execution.graph_utils",
    "comfy_execution.graph": "engine.compat.comfy_execution.graph",
}

_MISSING = object()


def install(paths: Any, device_manager: Any = None, registry: Any = None, executor: Any = None,
            args: Any = None) -> CompatState:
    """Install the facades (idempotent: a second call rebinds the objects, keeps the saved modules)."""
    from .server import PromptServer
    old = _state.peek()
    if old is not None:
        old.paths, old.device_manager = paths, device_manager
        old.registry = registry if registry is not None else old.registry
        old.executor = executor if executor is not None else old.executor
        old.args = args if args is not None else old.args
        return old
    st = CompatState(paths=paths, device_manager=device_manager, registry=registry, executor=executor, args=args)
    for name, target in MODULES.items():
        st.saved_modules[name] = sys.modules.get(name, _MISSING)
    _state.set_state(st)
    try:
        for name, target in MODULES.items():
            sys.modules[name] = importlib.import_module(target)
        st.prompt_server = PromptServer(st)
        PromptServer.instance = st.prompt_server
    except BaseException:
        uninstall()
        raise
    return st


def bind(registry: Any = None, executor: Any = None) -> None:
    """Give the facades objects built after install() (the executor is built after custom nodes load)."""
    st = _state.get()
    if registry is not None:
        st.registry = registry
    if executor is not None:
        st.executor = executor


def attach_app(app: Any) -> None:
    """Server hook (create_app's ``setup_hooks``): add the packs' routes, bind the hub and prompt handlers."""
    _state.get().prompt_server.attach(app)


def uninstall() -> None:
    """Restore sys.modules as before install(); PromptServer.instance goes back to None."""
    st = _state.peek()
    if st is None:
        return
    from .server import PromptServer
    for name, saved in st.saved_modules.items():
        if saved is _MISSING:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = saved
    PromptServer.instance = None
    _state.set_state(None)


def installed() -> bool:
    return _state.peek() is not None
