"""All HTTP routes: each API route is registered as ``path`` and ``/api`` + ``path`` (ComfyUI's aliasing)."""
from __future__ import annotations

import os
import re
from typing import Any

from aiohttp import web

from . import routes_files, routes_info, routes_prompt, routes_static, routes_user
from .state import STATE


async def websocket(request: web.Request) -> web.StreamResponse:
    return await request.app[STATE].hub.handle(request)


def api_routes() -> list[tuple[str, str, Any]]:
    """(method, path, handler) of every aliased API route."""
    return ([("GET", "/ws", websocket)] + routes_prompt.routes() + routes_files.routes() + routes_info.routes()
            + routes_user.routes() + [("GET", "/api/jobs", routes_prompt.get_jobs),
                                      ("GET", "/api/jobs/{job_id}", routes_prompt.get_job)])


def add_routes(app: web.Application) -> None:
    router = app.router
    for method, path, handler in api_routes():
        router.add_route(method, path, handler)
        router.add_route(method, "/api" + path, handler)
    for method, path, handler in routes_info.internal_routes():
        router.add_route(method, path, handler)
    for method, path, handler in routes_static.routes():
        router.add_route(method, path, handler)


OPENAPI_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "openapi.yaml")


def route_table(app: web.Application) -> set[tuple[str, str]]:
    """(method, path template) of every route the app serves; {name:regex} shown as {name}; no HEAD."""
    out = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("formatter") or info.get("path")
        if path is None or route.method in ("HEAD", "*"):
            continue
        out.add((route.method, re.sub(r"\{(\w+):[^}]*\}", r"{\1}", path)))
    return out
