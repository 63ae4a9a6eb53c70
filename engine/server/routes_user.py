"""Per-user settings and files (/settings, /userdata, /users) under <user dir>/default.

Workflows saved by the editor are user files (``workflows/<name>.json``, the path
URL-encoded in ``{file}``). Every path is resolved inside the user's folder.
"""
from __future__ import annotations

import json
import os
import shutil
import re
import threading
import uuid
from typing import Any

from aiohttp import web

from .bodies import bad_request, read_json, read_json_object
from .state import ServerState, state_of

SETTINGS_FILE = "comfy.settings.json"
MAX_USERDATA_LIST = 10000
_settings_lock = threading.Lock()


USERS_FILE = "users.json"
_USER_ID = re.compile(r"^[A-Za-z0-9_-]{1,120}$")


def _read_json_dict(path: str) -> dict:
    """A JSON object stored in a file; {} when the file is missing or corrupt (replaced on the next save)."""
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as f:
        try:
            data = json.load(f)
        except ValueError:
            return {}
    return data if isinstance(data, dict) else {}


def _users(st: ServerState) -> dict[str, str]:
    return _read_json_dict(os.path.join(os.path.abspath(st.paths.user_dir), USERS_FILE))


def user_root(request: web.Request) -> str:
    """The requesting user's folder: <user dir>/default, or with --multi-user the ``comfy-user`` header's."""
    st = state_of(request)
    user = "default"
    if st.config.multi_user:
        user = request.headers.get("comfy-user") or "default"
        if user != "default" and (not _USER_ID.match(user) or user not in _users(st)):
            raise bad_request(f"unknown user {user!r} (create it with POST /users)", 403)
    root = os.path.join(os.path.abspath(st.paths.user_dir), user)
    os.makedirs(root, exist_ok=True)
    return root


def user_path(root: str, rel: str, what: str = "file") -> str:
    if not isinstance(rel, str) or not rel or "\x00" in rel:
        raise bad_request(f"invalid {what} path")
    norm = rel.replace("\\", "/")
    if norm.startswith("/") or os.path.isabs(rel) or ".." in norm.split("/") or (len(norm) > 1 and norm[1] == ":"):
        raise bad_request(f"invalid {what} path {rel!r}: absolute paths and '..' are not allowed")
    full = os.path.abspath(os.path.join(root, *[p for p in norm.split("/") if p]))
    real_root = os.path.realpath(root)
    if os.path.commonpath([root, full]) != root or os.path.commonpath([real_root, os.path.realpath(full)]) != real_root:
        raise bad_request(f"{what} path {rel!r} leaves the user folder", 403)
    if full == root:
        raise bad_request(f"invalid {what} path {rel!r}")
    return full


# -- settings ---------------------------------------------------------------------
def _load_settings(root: str) -> dict:
    return _read_json_dict(os.path.join(root, SETTINGS_FILE))


def _update_settings(root: str, changes: dict) -> None:
    with _settings_lock:
        data = _load_settings(root)
        data.update(changes)
        path = os.path.join(root, SETTINGS_FILE)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=4)
        os.replace(tmp, path)


async def get_settings(request: web.Request) -> web.Response:
    st = state_of(request)
    return web.json_response(await st.in_io(_load_settings, user_root(request)))


async def get_setting(request: web.Request) -> web.Response:
    st = state_of(request)
    data = await st.in_io(_load_settings, user_root(request))
    return web.json_response(data.get(request.match_info["setting_id"]))


async def post_settings(request: web.Request) -> web.Response:
    st = state_of(request)
    body = await read_json_object(request)
    await st.in_io(_update_settings, user_root(request), body)
    return web.Response(status=200)


async def post_setting(request: web.Request) -> web.Response:
    st = state_of(request)
    value = await read_json(request)
    await st.in_io(_update_settings, user_root(request), {request.match_info["setting_id"]: value})
    return web.Response(status=200)


# -- userdata -------------------------------------------------------------------
def _list_dir(root: str, rel: str, recurse: bool, full_info: bool, split: bool) -> list | None:
    base = user_path(root, rel, "dir")
    if not os.path.isdir(base):
        return None
    out: list[Any] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(dirnames) if recurse else []
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            relp = os.path.relpath(full, base).replace(os.sep, "/")
            if full_info:
                stt = os.stat(full)
                out.append({"path": relp, "size": stt.st_size, "modified": stt.st_mtime})
            elif split:
                out.append([relp] + relp.split("/"))
            else:
                out.append(relp)
            if len(out) >= MAX_USERDATA_LIST:
                return out
    return out


def _flag(request: web.Request, name: str, default: bool = False) -> bool:
    raw = request.query.get(name)
    return default if raw is None else raw.lower() in ("true", "1", "yes")


async def list_userdata(request: web.Request) -> web.Response:
    st = state_of(request)
    rel = request.query.get("dir", "")
    if not rel:
        raise bad_request("query parameter 'dir' is required")
    result = await st.in_io(_list_dir, user_root(request), rel, _flag(request, "recurse"),
                            _flag(request, "full_info"), _flag(request, "split"))
    if result is None:
        raise bad_request(f"user directory {rel!r} not found", 404)
    return web.json_response(result)


def _list_v2(root: str, rel: str) -> list[dict] | None:
    base = user_path(root, rel, "dir") if rel else root
    if not os.path.isdir(base):
        return None
    out = []
    for entry in sorted(os.scandir(base), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        path = os.path.relpath(entry.path, root).replace(os.sep, "/")
        if entry.is_dir():
            out.append({"name": entry.name, "path": path, "type": "directory"})
        elif entry.is_file():
            st = entry.stat()
            out.append({"name": entry.name, "path": path, "type": "file", "size": st.st_size,
                        "modified": st.st_mtime})
    return out


async def list_userdata_v2(request: web.Request) -> web.Response:
    st = state_of(request)
    rel = request.query.get("path", "")
    result = await st.in_io(_list_v2, user_root(request), rel)
    if result is None:
        raise bad_request(f"user directory {rel!r} not found", 404)
    return web.json_response(result)


async def get_userdata(request: web.Request) -> web.StreamResponse:
    path = user_path(user_root(request), request.match_info["file"])
    if not os.path.isfile(path):
        raise bad_request(f"user file {request.match_info['file']!r} not found", 404)
    return web.FileResponse(path, headers={"Content-Type": "application/octet-stream"
                                           if not path.endswith(".json") else "application/json"})


def _file_info(root: str, path: str) -> dict:
    stt = os.stat(path)
    return {"path": os.path.relpath(path, root).replace(os.sep, "/"), "size": stt.st_size, "modified": stt.st_mtime}


def _write_user_file(path: str, data: bytes, overwrite: bool) -> bool:
    if os.path.exists(path) and not overwrite:
        return False
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return True


async def post_userdata(request: web.Request) -> web.Response:
    st = state_of(request)
    rel = request.match_info["file"]
    path = user_path(user_root(request), rel)
    if os.path.isdir(path):
        raise bad_request(f"{rel!r} is a directory", 409)
    data = await request.read()
    if not await st.in_io(_write_user_file, path, data, _flag(request, "overwrite", True)):
        raise bad_request(f"user file {rel!r} already exists", 409)
    if _flag(request, "full_info"):
        return web.json_response(_file_info(user_root(request), path))
    return web.json_response(os.path.relpath(path, user_root(request)).replace(os.sep, "/"))


async def delete_userdata(request: web.Request) -> web.Response:
    st = state_of(request)
    path = user_path(user_root(request), request.match_info["file"])
    if not os.path.isfile(path):
        raise bad_request(f"user file {request.match_info['file']!r} not found", 404)
    await st.in_io(os.remove, path)
    return web.Response(status=204)


async def move_userdata(request: web.Request) -> web.Response:
    st = state_of(request)
    src = user_path(user_root(request), request.match_info["file"])
    dst = user_path(user_root(request), request.match_info["dest"], "destination")
    if not os.path.isfile(src):
        raise bad_request(f"user file {request.match_info['file']!r} not found", 404)
    if os.path.exists(dst) and not _flag(request, "overwrite", True):
        raise bad_request(f"destination {request.match_info['dest']!r} already exists", 409)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    await st.in_io(shutil.move, src, dst)
    if _flag(request, "full_info"):
        return web.json_response(_file_info(user_root(request), dst))
    return web.json_response(os.path.relpath(dst, user_root(request)).replace(os.sep, "/"))


async def get_users(request: web.Request) -> web.Response:
    st = state_of(request)
    if st.config.multi_user:
        return web.json_response({"storage": "server", "users": await st.in_io(_users, st)})
    return web.json_response({"storage": "server", "migrated": True})


_users_lock = threading.Lock()


def _add_user(st: ServerState, name: str) -> str:
    with _users_lock:
        users = _users(st)
        if name in users.values():
            raise ValueError(f"user {name!r} already exists")
        user_id = re.sub(r"[^A-Za-z0-9_-]+", "-", name)[:60] + "_" + uuid.uuid4().hex
        users[user_id] = name
        path = os.path.join(os.path.abspath(st.paths.user_dir), USERS_FILE)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(users, f)
        os.replace(path + ".tmp", path)
        return user_id


async def post_users(request: web.Request) -> web.Response:
    st = state_of(request)
    if not st.config.multi_user:
        raise bad_request("users can only be created when the server runs with --multi-user")
    body = await read_json_object(request)
    name = body.get("username")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise bad_request("'username' must be a non-empty string of at most 200 characters")
    try:
        return web.json_response(await st.in_io(_add_user, st, name.strip()))
    except ValueError as e:
        raise bad_request(str(e)) from None


def routes() -> list[tuple[str, str, Any]]:
    return [("GET", "/settings", get_settings), ("GET", "/settings/{setting_id}", get_setting),
            ("POST", "/settings", post_settings), ("POST", "/settings/{setting_id}", post_setting),
            ("GET", "/userdata", list_userdata), ("GET", "/v2/userdata", list_userdata_v2), ("GET", "/userdata/{file}", get_userdata),
            ("POST", "/userdata/{file}", post_userdata), ("DELETE", "/userdata/{file}", delete_userdata),
            ("POST", "/userdata/{file}/move/{dest}", move_userdata), ("GET", "/users", get_users),
            ("POST", "/users", post_users)]
