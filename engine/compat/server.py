"""``from server import PromptServer``: the hooks custom packs use on ComfyUI's server object.

``PromptServer.instance`` exists from install() on, before any pack is imported, because packs
register routes at import time. Their ``routes`` table is added to the app (under its path and
under ``/api``) when create_app runs the ``attach`` hook; ``send_sync`` publishes through the
app's websocket hub from any thread.
"""
from __future__ import annotations

import asyncio
import logging
import struct
from typing import Any, Callable

from aiohttp import web

from engine.graph.context import current_scope

log = logging.getLogger(__name__)


class BinaryEventTypes:
    PREVIEW_IMAGE = 1
    UNENCODED_PREVIEW_IMAGE = 2
    TEXT = 3
    PREVIEW_IMAGE_WITH_METADATA = 4


class _PendingRouter:
    """``PromptServer.instance.app.router`` while packs are imported, before the real app exists:
    every ``add_*`` call is recorded and made on the real router when the server is built; once it
    is, calls go straight through."""

    def __init__(self, owner: "_PendingApp") -> None:
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        real = self._owner.real
        if real is not None:
            return getattr(real.router, name)
        if not name.startswith("add_"):
            raise AttributeError(f"app.router.{name} is not available while custom nodes load (before the server "
                                 "is built); register routes with add_* or PromptServer.instance.routes")

        def record(*args: Any, **kwargs: Any) -> None:
            self._owner.calls.append((True, name, args, kwargs))
        return record


class _PendingApp:
    """``PromptServer.instance.app`` before the aiohttp application exists (ComfyUI builds its app
    before importing packs, so packs may add routes, static folders, middlewares, startup hooks and
    app keys at import time). Recorded here and applied in order by ``replay``; afterwards every
    attribute is the real app's."""

    def __init__(self) -> None:
        self.real: web.Application | None = None
        self.calls: list[tuple[bool, str, tuple, dict]] = []
        self.router = _PendingRouter(self)
        self.middlewares: list = []
        self.on_startup: list = []
        self.on_shutdown: list = []
        self.on_cleanup: list = []
        self.cleanup_ctx: list = []
        self._items: dict = {}

    def __getattr__(self, name: str) -> Any:   # only for names not set above
        real = self.__dict__.get("real")
        if real is None:
            raise AttributeError(f"app.{name} is not available while custom nodes load (before the server is built)")
        return getattr(real, name)

    def add_routes(self, routes: Any) -> None:
        if self.real is not None:
            self.real.add_routes(routes)
        else:
            self.calls.append((False, "add_routes", (list(routes),), {}))

    def add_subapp(self, prefix: str, subapp: web.Application) -> None:
        if self.real is not None:
            self.real.add_subapp(prefix, subapp)
        else:
            self.calls.append((False, "add_subapp", (prefix, subapp), {}))

    def _mapping(self) -> Any:
        return self.real if self.real is not None else self._items

    def __getitem__(self, key: Any) -> Any:
        return self._mapping()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._mapping()[key] = value

    def __contains__(self, key: Any) -> bool:
        return key in self._mapping()

    def get(self, key: Any, default: Any = None) -> Any:
        return self._mapping().get(key, default)

    def replay(self, app: web.Application) -> None:
        for key, value in self._items.items():
            app[key] = value
        for on_router, name, args, kwargs in self.calls:
            target = app.router if on_router else app
            try:
                getattr(target, name)(*args, **kwargs)
            except Exception:  # noqa: BLE001 - one pack's bad route must not stop the server or the others
                log.exception("a custom node pack's call app%s.%s%r failed", ".router" if on_router else "",
                              name, args[:2])
        app.middlewares.extend(self.middlewares)   # after the server's own, as in ComfyUI
        app.on_startup.extend(self.on_startup)
        app.on_shutdown.extend(self.on_shutdown)
        app.on_cleanup.extend(self.on_cleanup)
        app.cleanup_ctx.extend(self.cleanup_ctx)
        self.real = app
        # A pack that kept this object sees the real app's lists from now on.
        self.middlewares, self.on_startup, self.on_shutdown = app.middlewares, app.on_startup, app.on_shutdown
        self.on_cleanup, self.cleanup_ctx = app.on_cleanup, app.cleanup_ctx


class PromptServer:
    instance: "PromptServer | None" = None

    def __init__(self, state: Any) -> None:
        self._state = state
        self.routes = web.RouteTableDef()
        self.app: web.Application | _PendingApp = _PendingApp()
        self.on_prompt_handlers: list[Callable[[dict], dict]] = []
        self._hub: Any = None
        self._last_client_id: str | None = None
        self.supports = ["custom_nodes_from_web"]

    # -- wiring (engine side) -------------------------------------------------
    def attach(self, app: web.Application) -> None:
        """Add the packs' routes (also as /api + path), bind the hub and the on-prompt hook to ``app``."""
        from engine.server.routes_prompt import PROMPT_HANDLERS
        from engine.server.state import STATE
        pending = self.app
        if isinstance(pending, _PendingApp) and pending.real is None:
            pending.replay(app)
        self.app = app
        self._hub = app[STATE].hub
        for route in self.routes:
            if isinstance(route, web.RouteDef):
                app.router.add_route(route.method, route.path, route.handler, **route.kwargs)
                if not route.path.startswith("/api/"):
                    app.router.add_route(route.method, "/api" + route.path, route.handler, **route.kwargs)
            elif isinstance(route, web.StaticDef):
                app.router.add_static(route.prefix, route.path, **route.kwargs)
        app[PROMPT_HANDLERS] = [self.trigger_on_prompt]

    # -- ComfyUI's API ---------------------------------------------------------
    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self._hub.loop if self._hub is not None else None

    @property
    def client_id(self) -> str | None:
        """The client of the latest POST /prompt, else the latest connected websocket client."""
        if self._last_client_id is not None:
            return self._last_client_id
        if self._hub is not None and self._hub.clients:
            return next(reversed(self._hub.clients))
        return None

    @property
    def last_node_id(self) -> str | None:
        scope = current_scope()
        return scope.node_id if scope is not None else None

    @property
    def last_prompt_id(self) -> str | None:
        scope = current_scope()
        return scope.prompt_id if scope is not None else None

    def send_sync(self, event: Any, data: Any, sid: str | None = None) -> None:
        """Send ``{"type": event, "data": data}`` to client ``sid`` (None: everyone); any thread."""
        if self._hub is None:
            log.debug("PromptServer.send_sync(%s) before the server started; dropped", event)
            return
        if isinstance(event, str):
            self._hub.publish(event, data, sid)
            return
        if event == BinaryEventTypes.UNENCODED_PREVIEW_IMAGE:
            self._send_preview(data, sid)
            return
        if isinstance(event, int) and not isinstance(event, bool) and isinstance(data, (bytes, bytearray)):
            # ComfyUI's send_bytes: a 4-byte big-endian event type, then the bytes (TEXT, encoded previews)
            self._hub.publish_preview(struct.pack(">I", event) + bytes(data), None, sid, droppable=False)
            return
        raise ValueError(f"PromptServer.send_sync: binary event {event!r} needs bytes (or, for "
                         "UNENCODED_PREVIEW_IMAGE, (format, PIL image, max_size)), got {type(data).__name__}")

    def send_progress_text(self, text: str | bytes, node_id: Any, sid: str | None = None) -> None:
        """Text shown on a node while it runs (ComfyUI's binary TEXT frame: type 3, a 4-byte length, the node
        id, the UTF-8 text), to ``sid`` or, without one, to every client."""
        body = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        node = str(node_id).encode("utf-8")
        self.send_sync(BinaryEventTypes.TEXT, struct.pack(">I", len(node)) + node + body, sid)

    def _send_preview(self, data: Any, sid: str | None) -> None:
        """(format, PIL image, max_size) -> preview frames in that format (JPEG or PNG; type 1, or 4 with the
        running node's ids), fitted into max_size unless it is None, as ComfyUI sends them."""
        from engine.server.listener import encode_preview_frames, split_preview
        if not (isinstance(data, (tuple, list)) and len(data) >= 2 and hasattr(data[1], "save")):
            raise ValueError("UNENCODED_PREVIEW_IMAGE data must be (format, PIL image, max_size)")
        image, fmt, max_size = split_preview(data, None)
        scope = current_scope()
        plain, framed = encode_preview_frames(image, scope.prompt_id if scope else "",
                                              scope.node_id if scope else "", max_size, fmt)
        self._hub.publish_preview(plain, framed, sid, droppable=fmt != "PNG")

    async def send(self, event: Any, data: Any, sid: str | None = None) -> None:
        self.send_sync(event, data, sid)

    async def send_json(self, event: str, data: Any, sid: str | None = None) -> None:
        self.send_sync(event, data, sid)

    def add_on_prompt_handler(self, handler: Callable[[dict], dict]) -> None:
        """``handler(json_body) -> json_body`` runs on every POST /prompt body before it is queued."""
        self.on_prompt_handlers.append(handler)

    def trigger_on_prompt(self, json_data: dict) -> dict:
        for handler in self.on_prompt_handlers:
            try:
                json_data = handler(json_data)
            except Exception:   # ComfyUI's behaviour: a failing pack hook is reported, the prompt still goes in
                log.exception("on_prompt handler %r failed", handler)
        if isinstance(json_data, dict) and isinstance(json_data.get("client_id"), str):
            self._last_client_id = json_data["client_id"]
        return json_data
