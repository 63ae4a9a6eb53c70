"""A real server on 127.0.0.1 in a background thread, plus urllib helpers written the way a user would."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import urllib.error
import urllib.request
from types import SimpleNamespace
from typing import Any

from aiohttp import web

from engine.graph.cache import make_cache
from engine.graph.context import NodeContext
from engine.graph.executor import Executor
from engine.graph.paths import FolderPaths
from engine.graph.registry import Registry
from engine.server.app import create_app
from tests.server.image_nodes import register_image_nodes
from tests.toy_nodes import register_toy_nodes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_engine(base_dir: str):
    """(registry, executor, paths) with toy nodes and folders under ``base_dir``."""
    paths = FolderPaths(base_dir)
    paths.ensure_dirs()
    ctx = NodeContext(paths=paths)
    registry = Registry(ctx)
    register_toy_nodes(registry)
    register_image_nodes(registry)
    return registry, Executor(registry, make_cache("classic"), ctx), paths


class LiveServer:
    """create_app() served by aiohttp's AppRunner on its own loop thread."""

    def __init__(self, base_dir: str, executor: Any = None, registry: Any = None, paths: Any = None,
                 device_manager: Any = None, **flags: Any) -> None:
        if executor is None:
            registry, executor, paths = make_engine(base_dir)
        self.registry, self.executor, self.paths = registry, executor, paths
        self.port = free_port()
        self.args = SimpleNamespace(listen="127.0.0.1", port=self.port, **flags)
        self.app = create_app(self.args, registry, executor, paths, device_manager)
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        if not self._ready.wait(20):
            raise RuntimeError("server did not start")
        self.base = f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self.app, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", self.port)
        self.loop.run_until_complete(site.start())
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())
        self.loop.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)


def request(base: str, method: str, path: str, body: Any = None, headers: dict | None = None,
            raw: bytes | None = None, timeout: float = 30) -> tuple[int, Any, dict]:
    """(status, parsed JSON or bytes, headers) - never raises on an HTTP error status."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method, headers=dict(headers or {}))
    if body is not None and raw is None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, payload, hdrs = r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        status, payload, hdrs = e.code, e.read(), dict(e.headers)
    ctype = hdrs.get("Content-Type", "")
    if "json" in ctype and payload:
        return status, json.loads(payload), hdrs
    return status, payload, hdrs


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----toyboundary7d93"
    out = []
    for k, v in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    for k, (fn, data) in files.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{fn}"\r\n'
                   f'Content-Type: application/octet-stream\r\n\r\n'.encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


class WSClient:
    """A websocket-client connection that records every frame until a prompt finishes."""

    def __init__(self, base: str, client_id: str, headers: list[str] | None = None, query: str = "",
                 timeout: float = 30, origin: str | None = None) -> None:
        import websocket
        self.client_id = client_id
        self.ws = websocket.WebSocket()
        url = base.replace("http://", "ws://") + f"/ws?clientId={client_id}{query}"
        kwargs = {"origin": origin} if origin else {}
        self.ws.connect(url, timeout=timeout, header=headers or [], **kwargs)
        self.frames: list[Any] = []   # dict for text messages, bytes for binary frames

    def recv(self) -> Any:
        out = self.ws.recv()
        frame = out if isinstance(out, bytes) else json.loads(out)
        self.frames.append(frame)
        return frame

    def send_json(self, obj: Any) -> None:
        self.ws.send(json.dumps(obj))

    def until_done(self, prompt_id: str, limit: int = 100000) -> list[Any]:
        """Frames up to and including ``executing`` with node null for ``prompt_id``."""
        start = len(self.frames)
        for _ in range(limit):
            f = self.recv()
            if isinstance(f, dict) and f["type"] == "executing" and f["data"].get("node") is None \
                    and f["data"].get("prompt_id") == prompt_id:
                return self.frames[start:]
        raise AssertionError(f"prompt {prompt_id} did not finish within {limit} frames")

    def close(self) -> None:
        self.ws.close()


def describe(frames: list[Any]) -> list[str]:
    """Compact event names: 'status:1', 'executing:2', 'execution_cached:1,2', 'binary:1'..."""
    import struct
    out = []
    for f in frames:
        if isinstance(f, bytes):
            out.append(f"binary:{struct.unpack('>I', f[:4])[0]}")
            continue
        t, d = f["type"], f["data"]
        if t == "status":
            out.append(f"status:{d['status']['exec_info']['queue_remaining']}")
        elif t in ("executing", "executed"):
            out.append(f"{t}:{d['node']}")
        elif t == "execution_cached":
            out.append(f"{t}:{','.join(d['nodes'])}")
        elif t == "progress":
            out.append(f"progress:{d['node']}:{d['value']}/{d['max']}")
        else:
            out.append(t)
    return out
