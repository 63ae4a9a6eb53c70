"""The objects a running server holds, reached from handlers through a typed AppKey."""
from __future__ import annotations

import asyncio
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from aiohttp import web

from .admission import Admission
from .queue import PromptQueue, PromptStore
from .worker import Worker
from .ws import Hub

T = TypeVar("T")


@dataclass
class ServerConfig:
    """The CLI flags the server reads (from main.py's namespace; every field has a default)."""
    listen: list[str] = field(default_factory=lambda: ["127.0.0.1"])
    port: int = 8188
    auth_token: str | None = None
    cors_origin: str | None = None
    max_upload_bytes: int = 100 * 1024 * 1024
    max_image_pixels: int = 89_478_485          # PIL's default decompression-bomb limit
    preview_size: int = 512
    max_history: int = 10000
    web_root: str = ""
    multi_user: bool = False
    disable_api_nodes: bool = False
    tls_keyfile: str | None = None
    tls_certfile: str | None = None

    @classmethod
    def from_args(cls, args: Any) -> "ServerConfig":
        def get(name: str, default: Any) -> Any:
            value = getattr(args, name, None) if args is not None else None
            return default if value is None else value

        listen = get("listen", "127.0.0.1")
        hosts = [h.strip() for h in (listen if isinstance(listen, list) else str(listen).split(",")) if h.strip()]
        cors = getattr(args, "enable_cors_header", None) if args is not None else None
        repo_web = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "web")
        return cls(
            listen=hosts or ["127.0.0.1"],
            port=int(get("port", 8188)),
            auth_token=get("auth_token", None) or None,
            cors_origin=(cors if isinstance(cors, str) and cors else ("*" if cors else None)),
            max_upload_bytes=int(float(get("max_upload_size", 100)) * 1024 * 1024),
            max_image_pixels=int(get("max_image_pixels", 89_478_485)),
            preview_size=int(get("preview_size", 512)),
            max_history=int(get("max_history", 10000)),
            web_root=os.path.abspath(get("front_end_root", repo_web)),
            multi_user=bool(get("multi_user", False)),
            disable_api_nodes=bool(get("disable_api_nodes", False)),
            tls_keyfile=get("tls_keyfile", None),
            tls_certfile=get("tls_certfile", None),
        )


@dataclass
class ServerState:
    config: ServerConfig
    registry: Any
    executor: Any
    paths: Any
    device_manager: Any
    hub: Hub
    store: PromptStore | None = None
    queue: PromptQueue | None = None
    worker: Worker | None = None
    admission: Admission | None = None
    db_pool: ThreadPoolExecutor | None = None     # one thread: queue/history writes in order
    io_pool: ThreadPoolExecutor | None = None     # file work, validation, object_info
    log_buffer: Any = None                        # LogBuffer: the latest log lines (/internal/logs)
    log_subscribers: set = field(default_factory=set)   # websocket client ids that asked for "logs" messages

    async def in_db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.db_pool, functools.partial(fn, *args))

    async def in_io(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.io_pool, functools.partial(fn, *args))

    @property
    def features(self) -> dict:
        return {"supports_preview_metadata": True, "max_upload_size": self.config.max_upload_bytes,
                "extension": {"manager": {"supports_v4": True}}}


STATE: web.AppKey[ServerState] = web.AppKey("server_state", ServerState)


def state_of(request: web.Request) -> ServerState:
    return request.app[STATE]
