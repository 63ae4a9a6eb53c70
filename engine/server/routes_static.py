"""The editor (web/ at /), custom node packs' WEB_DIRECTORY at /extensions/<pack>/, and /examples."""
from __future__ import annotations

import mimetypes
import os
from typing import Any

from aiohttp import web

from .bodies import bad_request
from .state import ServerState, state_of

NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache", "Expires": "0"}


def _safe_file(root: str, rel: str) -> str | None:
    """Path of ``rel`` inside ``root`` (symlinks may not leave it), or None when there is no such file."""
    if "\x00" in rel or ".." in rel.replace("\\", "/").split("/"):
        raise bad_request("invalid path", 400)
    root = os.path.abspath(root)
    full = os.path.abspath(os.path.join(root, *[p for p in rel.replace("\\", "/").split("/") if p]))
    real_root = os.path.realpath(root)
    if os.path.commonpath([root, full]) != root or os.path.commonpath([real_root, os.path.realpath(full)]) != real_root:
        raise bad_request("path leaves the web folder", 403)
    return full if os.path.isfile(full) else None


def _serve(path: str, no_cache: bool = False) -> web.FileResponse:
    ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if path.endswith((".js", ".mjs")):
        ctype = "text/javascript"
    headers = {"Content-Type": ctype}
    if no_cache:
        headers.update(NO_CACHE)
    return web.FileResponse(path, headers=headers)


async def index(request: web.Request) -> web.StreamResponse:
    st = state_of(request)
    path = os.path.join(st.config.web_root, "index.html")
    if not os.path.isfile(path):
        raise bad_request(f"no editor installed: {path} is missing", 404)
    return _serve(path, no_cache=True)


async def static_file(request: web.Request) -> web.StreamResponse:
    st = state_of(request)
    rel = request.match_info["tail"]
    path = _safe_file(st.config.web_root, rel)
    if path is None:
        raise bad_request(f"not found: /{rel}", 404)
    return _serve(path, no_cache=path.endswith(".html"))


async def extension_file(request: web.Request) -> web.StreamResponse:
    st = state_of(request)
    pack = request.match_info["pack"]
    rel = request.match_info["tail"]
    web_dirs = getattr(st.registry, "web_dirs", {}) or {}
    if pack in web_dirs:
        path = _safe_file(web_dirs[pack], rel)
    else:   # /extensions/core/... and other files shipped with the editor
        path = _safe_file(os.path.join(st.config.web_root, "extensions"), f"{pack}/{rel}")
    if path is None:
        raise bad_request(f"not found: /extensions/{pack}/{rel}", 404)
    return _serve(path)


def _examples_dir(st: ServerState) -> str:
    return os.path.join(st.config.web_root, "examples")


async def examples_list(request: web.Request) -> web.Response:
    st = state_of(request)
    root = _examples_dir(st)
    if not os.path.isdir(root):
        return web.json_response([])
    names = sorted(f for f in os.listdir(root) if os.path.isfile(os.path.join(root, f)) and not f.startswith("."))
    return web.json_response(names)


async def example_file(request: web.Request) -> web.StreamResponse:
    st = state_of(request)
    rel = request.match_info["name"]
    path = _safe_file(_examples_dir(st), rel)
    if path is None:
        raise bad_request(f"example {rel!r} not found", 404)
    return _serve(path)


def routes() -> list[tuple[str, str, Any]]:
    """Static routes (not aliased under /api); the catch-all must come last."""
    return [("GET", "/", index), ("GET", "/examples", examples_list), ("GET", "/examples/", examples_list),
            ("GET", "/examples/{name}", example_file),
            ("GET", "/extensions/{pack}/{tail:.+}", extension_file), ("GET", "/{tail:.+}", static_file)]
