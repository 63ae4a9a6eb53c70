"""The real server (create_app) in a background thread on a free 127.0.0.1 port, for the browser tests.

``LiveServer(base_dir).start()`` builds FolderPaths, a Registry with the built-in nodes,
a classic cache and an Executor, then serves web/ and the API until ``stop()``.
Also runnable by hand to look at the editor: ``python -m tests.browser.live_server DIR``.
"""
from __future__ import annotations

import asyncio
import os
import threading
from types import SimpleNamespace
from typing import Callable


def write_checkpoint(models_dir: str, name: str = "tiny_sd1.safetensors") -> str:
    """A tiny random SD1 checkpoint in models/checkpoints (engine.diffusion.tiny)."""
    from engine.diffusion.tiny import write_tiny_checkpoint

    folder = os.path.join(models_dir, "checkpoints")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        write_tiny_checkpoint(path, "sd1", seed=0)
    return path


def build_registry(paths, register: Callable | None = None, device_manager=None, args=None):
    from engine.graph.context import NodeContext
    from engine.graph.registry import Registry

    ctx = NodeContext(paths=paths, device=device_manager, args=args)
    registry = Registry(ctx)
    if register is None:
        import nodes

        nodes.register_builtin_nodes(registry, ctx)
    else:
        register(registry)
    return registry, ctx


class LiveServer:
    """Runs engine.server.app.create_app on its own event loop thread."""

    def __init__(self, base_dir: str, register: Callable | None = None, preview_method: str | None = None) -> None:
        self.base_dir = base_dir
        self.register = register
        if preview_method is None:   # live previews when the latent preview module is there
            import importlib.util

            preview_method = "auto" if importlib.util.find_spec("engine.diffusion.preview") else "none"
        self.preview_method = preview_method
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self, timeout: float = 60.0) -> "LiveServer":
        from engine.graph.cache import make_cache
        from engine.graph.executor import Executor
        from engine.graph.paths import FolderPaths

        self.paths = FolderPaths(self.base_dir)
        for d in (self.paths.output_dir, self.paths.input_dir, self.paths.temp_dir, self.paths.user_dir):
            os.makedirs(d, exist_ok=True)
        device_manager = None
        if self.register is None:
            from engine.diffusion.device import DeviceManager

            device_manager = DeviceManager(cpu=True)
        self.args = SimpleNamespace(listen="127.0.0.1", port=0, preview_method=self.preview_method,
                                    preview_size=64, cpu=True)
        self.registry, self.ctx = build_registry(self.paths, self.register, device_manager, self.args)
        self.executor = Executor(self.registry, make_cache("classic"), self.ctx)
        self._thread = threading.Thread(target=self._run, name="live-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"server did not start within {timeout} s")
        if self._error is not None:
            raise RuntimeError(f"server failed to start: {self._error!r}") from self._error
        return self

    def _run(self) -> None:
        from aiohttp import web

        from engine.server.app import create_app

        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            app = create_app(self.args, self.registry, self.executor, self.paths, getattr(self.ctx, "device", None))
            self._runner = web.AppRunner(app)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            port = site._server.sockets[0].getsockname()[1]
            self.url = f"http://127.0.0.1:{port}"
        except BaseException as err:  # reported by start()
            self._error = err
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=30)


if __name__ == "__main__":
    import sys
    import time

    base = sys.argv[1] if len(sys.argv) > 1 else "/tmp/sdflow-live"
    if "--no-checkpoint" not in sys.argv:
        write_checkpoint(os.path.join(base, "models"))
    server = LiveServer(base).start()
    print(server.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
