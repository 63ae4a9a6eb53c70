"""All HTTP routes: each API route is registered as ``path`` and ``/api`` + ``path`` (ComfyUI's aliasing)."""
from __future__ import annotations

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
    for method, path, handler in routes_static.routes():
        router.add_route(method, path, handler)


def documented_paths() -> set[tuple[str, str]]:
    """(method, path) pairs the OpenAPI description must cover (without the /api aliases)."""
    out = {(m, p) for m, p, _ in api_routes() if p not in ("/ws",)}
    out |= {(m, p) for m, p, _ in routes_static.routes()}
    return out
