"""Metadata endpoints: object_info, system_stats, models, embeddings, features, extensions."""
from __future__ import annotations

import logging
import os
import platform
import sys
from typing import Any

import psutil
from aiohttp import web

from .bodies import bad_request, opt_bool, read_json_object
from .routes_files import IMAGE_EXTS
from .state import ServerState, state_of

log = logging.getLogger(__name__)

ENGINE_VERSION = "0.1.0"
COMFYUI_COMPAT_VERSION = "0.8.0"


async def object_info(request: web.Request) -> web.Response:
    st = state_of(request)
    # INPUT_TYPES of loaders list model files: computed fresh on every call, off the event loop.
    return web.json_response(await st.in_io(st.registry.all_node_info))


async def object_info_one(request: web.Request) -> web.Response:
    st = state_of(request)
    name = request.match_info["node_class"]
    if st.registry.get(name) is None:
        return web.json_response({})
    try:
        info = await st.in_io(st.registry.node_info, name)
    except Exception as e:  # noqa: BLE001 - a custom node's INPUT_TYPES failing is reported, not fatal
        log.exception("object_info for %s failed", name)
        return web.json_response({"error": f"node {name}: INPUT_TYPES failed: {type(e).__name__}: {e}"},
                                 status=500)
    return web.json_response({name: info})


def _devices(st: ServerState, ram_total: int, ram_free: int) -> list[dict]:
    torch = sys.modules.get("torch")   # reported only if something already imported it
    dm = st.device_manager
    dev = getattr(dm, "compute_device", None) if dm is not None else None
    if torch is None or dev is None:
        return [{"name": "cpu", "type": "cpu", "index": None, "vram_total": ram_total, "vram_free": ram_free,
                 "torch_vram_total": ram_total, "torch_vram_free": ram_free}]
    dtype = getattr(dev, "type", str(dev))
    index = getattr(dev, "index", None)
    name = str(dev)
    vram_total, vram_free, t_total, t_free = ram_total, ram_free, ram_total, ram_free
    if dtype == "cuda" and torch.cuda.is_available():
        idx = index if index is not None else torch.cuda.current_device()
        name = f"cuda:{idx} {torch.cuda.get_device_name(idx)}"
        vram_free, vram_total = torch.cuda.mem_get_info(idx)
        t_total = torch.cuda.memory_reserved(idx)
        t_free = t_total - torch.cuda.memory_allocated(idx)
    return [{"name": name, "type": dtype, "index": index, "vram_total": vram_total, "vram_free": vram_free,
             "torch_vram_total": t_total, "torch_vram_free": t_free}]


async def system_stats(request: web.Request) -> web.Response:
    st = state_of(request)
    vm = psutil.virtual_memory()
    torch = sys.modules.get("torch")
    system = {
        "os": os.name,
        "ram_total": vm.total, "ram_free": vm.available,
        "comfyui_version": COMFYUI_COMPAT_VERSION, "engine_version": ENGINE_VERSION,
        "required_frontend_version": "", "installed_templates_version": "", "required_templates_version": "",
        "python_version": sys.version, "pytorch_version": getattr(torch, "__version__", "") if torch else "",
        "embedded_python": os.path.basename(os.path.dirname(sys.executable)) == "python_embeded",
        "argv": list(sys.argv), "platform": platform.platform(terse=True),
    }
    return web.json_response({"system": system, "devices": _devices(st, vm.total, vm.available)})


async def embeddings(request: web.Request) -> web.Response:
    st = state_of(request)
    names = await st.in_io(st.paths.list_files, "embeddings")
    return web.json_response([os.path.splitext(n)[0] for n in names])


async def models(request: web.Request) -> web.Response:
    return web.json_response(state_of(request).paths.keys())


async def models_folder(request: web.Request) -> web.Response:
    st = state_of(request)
    folder = request.match_info["folder"]
    if folder in ("input", "output", "temp"):
        raise bad_request(f"unknown model folder {folder!r}", 404)
    try:
        files = await st.in_io(st.paths.list_files, folder)
    except KeyError:
        raise bad_request(f"unknown model folder {folder!r}", 404) from None
    return web.json_response(files)


async def features(request: web.Request) -> web.Response:
    return web.json_response(state_of(request).features)


def _js_files(root: str) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.endswith(".js"):
                out.append(os.path.relpath(os.path.join(dirpath, fn), root).replace(os.sep, "/"))
    return out


def _list_extensions(st: ServerState) -> list[str]:
    urls = []
    core = os.path.join(st.config.web_root, "extensions")
    if os.path.isdir(core):
        urls += ["/extensions/" + rel for rel in _js_files(core)]
    for pack, root in sorted(getattr(st.registry, "web_dirs", {}).items()):
        if os.path.isdir(root):
            urls += [f"/extensions/{pack}/{rel}" for rel in _js_files(root)]
    return urls


async def extensions(request: web.Request) -> web.Response:
    st = state_of(request)
    return web.json_response(await st.in_io(_list_extensions, st))


async def experiment_models(request: web.Request) -> web.Response:
    paths = state_of(request).paths
    return web.json_response([{"name": key, "folders": paths.folder(key)} for key in paths.keys()])


def _model_entries(paths: Any, folder: str) -> list[dict]:
    out = []
    for index, root in enumerate(paths.folder(folder)):
        if not os.path.isdir(root):
            continue
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for fn in sorted(filenames):
                if fn.startswith("."):
                    continue
                full = os.path.join(dirpath, fn)
                out.append({"name": os.path.relpath(full, root).replace(os.sep, "/"), "pathIndex": index,
                            "modified": os.path.getmtime(full), "size": os.path.getsize(full)})
    allowed = set(paths.list_files(folder))
    return [e for e in out if e["name"] in allowed]


async def experiment_models_folder(request: web.Request) -> web.Response:
    st = state_of(request)
    folder = request.match_info["folder"]
    if folder in ("input", "output", "temp"):
        raise bad_request(f"unknown model folder {folder!r}", 404)
    try:
        return web.json_response(await st.in_io(_model_entries, st.paths, folder))
    except KeyError:
        raise bad_request(f"unknown model folder {folder!r}", 404) from None


async def empty_object(request: web.Request) -> web.Response:
    """Editor helpers this engine has no content for (translations, templates, shared subgraphs)."""
    return web.json_response({})


async def global_subgraph(request: web.Request) -> web.Response:
    raise bad_request(f"subgraph {request.match_info['subgraph_id']!r} not found", 404)


async def internal_folder_paths(request: web.Request) -> web.Response:
    paths = state_of(request).paths
    return web.json_response({key: paths.folder(key) for key in paths.keys()})


def _recent_files(folder: str) -> list[str]:
    """Image files under ``folder`` (relative names), newest first."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for fn in filenames:
            if fn.startswith(".") or os.path.splitext(fn)[1].lower() not in IMAGE_EXTS:
                continue
            full = os.path.join(dirpath, fn)
            found.append((os.path.getmtime(full), os.path.relpath(full, folder).replace(os.sep, "/")))
    return [name for _, name in sorted(found, reverse=True)]


async def internal_files(request: web.Request) -> web.Response:
    st = state_of(request)
    kind = request.match_info["directory_type"]
    if kind not in ("output", "input", "temp"):
        raise bad_request(f"unknown directory type {kind!r}: expected output, input or temp")
    folder = st.paths.type_dir(kind)
    if not os.path.isdir(folder):
        return web.json_response([])
    return web.json_response(await st.in_io(_recent_files, folder))


async def internal_logs(request: web.Request) -> web.Response:
    """The latest log lines as one text (ComfyUI's editor shows it in its terminal panel)."""
    return web.json_response(state_of(request).log_buffer.text())


async def internal_logs_raw(request: web.Request) -> web.Response:
    buf = state_of(request).log_buffer
    return web.json_response({"entries": buf.entries(), "size": buf.terminal_size()})


async def internal_logs_subscribe(request: web.Request) -> web.Response:
    """{"clientId": sid, "enabled": bool}: that websocket client gets (or stops getting) "logs" messages."""
    st = state_of(request)
    body = await read_json_object(request)
    sid = body.get("clientId")
    if not isinstance(sid, str) or not sid:
        raise bad_request("'clientId' must be a non-empty string")
    if opt_bool(body, "enabled"):
        st.log_subscribers.add(sid)
    else:
        st.log_subscribers.discard(sid)
    return web.Response(status=200)


def internal_routes() -> list[tuple[str, str, Any]]:
    """/internal/... routes: not aliased under /api (as in ComfyUI)."""
    return [("GET", "/internal/folder_paths", internal_folder_paths),
            ("GET", "/internal/files/{directory_type}", internal_files),
            ("GET", "/internal/logs", internal_logs), ("GET", "/internal/logs/raw", internal_logs_raw),
            ("PATCH", "/internal/logs/subscribe", internal_logs_subscribe)]


def routes() -> list[tuple[str, str, Any]]:
    return [("GET", "/object_info", object_info), ("GET", "/object_info/{node_class}", object_info_one),
            ("GET", "/system_stats", system_stats), ("GET", "/embeddings", embeddings),
            ("GET", "/models", models), ("GET", "/models/{folder}", models_folder),
            ("GET", "/features", features), ("GET", "/extensions", extensions),
            ("GET", "/experiment/models", experiment_models),
            ("GET", "/experiment/models/{folder}", experiment_models_folder),
            ("GET", "/i18n", empty_object), ("GET", "/workflow_templates", empty_object),
            ("GET", "/global_subgraphs", empty_object), ("GET", "/global_subgraphs/{subgraph_id}", global_subgraph)]
