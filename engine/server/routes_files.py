"""/view, /upload/image, /upload/mask and /view_metadata: files in the input/output/temp folders.

Every name is checked before any file is touched: absolute paths, ``..`` and NUL
are refused (400), a subfolder or symlink that leads out of the type folder is
refused (403), an unknown ``type`` is refused (400), and uploads must have a
known media extension (images must also decode within the pixel limit).
"""
from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import struct
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .bodies import bad_request, loads_bounded
from .images import ImageRejected, open_checked, paste_mask, preview_bytes
from .state import ServerState, state_of

IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
MEDIA_EXTS = IMAGE_EXTS | frozenset({".mp4", ".webm", ".mov", ".mkv", ".mp3", ".wav", ".flac", ".ogg",
                                     ".m4a", ".json", ".latent", ".txt", ".glb", ".obj"})
UPLOAD_EXTS = IMAGE_EXTS | frozenset({".mp4", ".webm", ".mov", ".mkv", ".mp3", ".wav", ".flac", ".ogg", ".m4a"})
DANGEROUS_MIME = ("text/html", "application/xhtml+xml", "text/javascript", "application/javascript",
                  "text/css")
TYPES = ("output", "input", "temp")
MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024


def type_dir(st: ServerState, kind: str) -> str:
    if kind not in TYPES:
        raise bad_request(f"unknown type {kind!r}: expected one of {', '.join(TYPES)}")
    return os.path.abspath(st.paths.type_dir(kind))


def check_name(filename: Any, what: str = "filename") -> str:
    if not isinstance(filename, str) or not filename.strip():
        raise bad_request(f"'{what}' is required")
    norm = filename.replace("\\", "/")
    if "\x00" in filename or norm.startswith("/") or os.path.isabs(filename) or ".." in norm \
            or (len(norm) > 1 and norm[1] == ":"):
        raise bad_request(f"invalid {what} {filename!r}: absolute paths and '..' are not allowed")
    return norm


def check_subfolder(base: str, subfolder: Any) -> str:
    """Absolute directory for ``subfolder`` inside ``base``; 400 for bad shapes, 403 for escapes."""
    if subfolder is None or subfolder == "":
        return base
    if not isinstance(subfolder, str) or "\x00" in subfolder:
        raise bad_request("invalid subfolder")
    norm = subfolder.replace("\\", "/")
    if norm.startswith("/") or os.path.isabs(subfolder) or (len(norm) > 1 and norm[1] == ":"):
        raise bad_request(f"invalid subfolder {subfolder!r}: absolute paths are not allowed")
    full = os.path.abspath(os.path.join(base, *norm.split("/")))
    if os.path.commonpath([base, full]) != base:
        raise bad_request(f"subfolder {subfolder!r} leaves the {os.path.basename(base)} folder", 403)
    return full


def check_real(base: str, path: str) -> None:
    """403 if symlinks take ``path`` outside ``base``."""
    real_base = os.path.realpath(base)
    real = os.path.realpath(path)
    if os.path.commonpath([real_base, real]) != real_base:
        raise bad_request("the requested file is outside its folder (symlink)", 403)


def _annotated(filename: str, kind: str) -> tuple[str, str]:
    for t in TYPES:
        suffix = f" [{t}]"
        if filename.endswith(suffix):
            return filename[: -len(suffix)], t
    return filename, kind


# -- /view --------------------------------------------------------------------
async def view(request: web.Request) -> web.StreamResponse:
    st = state_of(request)
    q = request.query
    name = check_name(q.get("filename"))
    name, kind = _annotated(name, q.get("type", "output") or "output")
    base = type_dir(st, kind)
    folder = check_subfolder(base, q.get("subfolder", ""))
    name = os.path.basename(name)
    if not name:
        raise bad_request("'filename' names no file")
    path = os.path.join(folder, name)
    check_real(base, path)
    if not os.path.isfile(path):
        raise bad_request(f"file not found: {name!r} in {kind}", 404)
    preview = q.get("preview")
    channel = q.get("channel")
    ext = os.path.splitext(name)[1].lower()
    if (preview or (channel and channel.lower() != "rgba")) and ext in IMAGE_EXTS:
        if channel and channel.lower() not in ("rgb", "a", "rgba"):
            raise bad_request(f"channel must be rgba, rgb or a, got {channel!r}")
        try:
            data, mime = await st.in_io(preview_bytes, path, preview, channel, st.config.max_image_pixels)
        except ImageRejected as e:
            raise bad_request(str(e)) from None
        out_name = name if not preview else os.path.splitext(name)[0] + "." + mime.split("/")[1]
        return web.Response(body=data, content_type=mime,
                            headers={"Content-Disposition": f'filename="{_header_safe(out_name)}"'})
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if mime in DANGEROUS_MIME:
        mime = "application/octet-stream"
    return web.FileResponse(path, headers={"Content-Disposition": f'filename="{_header_safe(name)}"',
                                           "Content-Type": mime, "X-Content-Type-Options": "nosniff"})


def _header_safe(name: str) -> str:
    return "".join(c if c.isprintable() and c not in '"\\' else "_" for c in name)


# -- uploads --------------------------------------------------------------------
async def _read_upload(request: web.Request) -> tuple[dict, str, bytes]:
    if not request.content_type.startswith("multipart/"):
        raise bad_request("expected a multipart/form-data body with an 'image' file part")
    try:
        form = await request.post()
    except web.HTTPException:
        raise
    except (ValueError, UnicodeDecodeError, AssertionError, HttpProcessingError) as e:
        raise bad_request(f"malformed multipart body: {e}") from None
    image = form.get("image")
    if image is None or not hasattr(image, "file"):
        raise bad_request("no 'image' file part in the upload")
    filename = getattr(image, "filename", None)
    if not filename:
        raise bad_request("the 'image' file part has no filename")
    data = image.file.read()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return fields, filename, data


def _upload_target(st: ServerState, fields: dict, filename: str) -> tuple[str, str, str, str]:
    """(base dir, target dir, file name, type) for an upload; raises 400/403."""
    kind = fields.get("type") or "input"
    base = type_dir(st, kind)
    name = check_name(filename)
    name = os.path.basename(name)
    if not name or name.startswith("."):
        raise bad_request(f"invalid file name {filename!r}")
    ext = os.path.splitext(name)[1].lower()
    if ext not in UPLOAD_EXTS:
        raise bad_request(f"file type {ext or '(none)'!r} is not accepted; allowed: {', '.join(sorted(UPLOAD_EXTS))}")
    subfolder = fields.get("subfolder", "") or ""
    folder = check_subfolder(base, subfolder)
    if os.path.commonpath([base, folder]) != base:
        raise bad_request("upload path escapes the folder")
    return base, folder, name, kind


def _store_upload(base: str, folder: str, name: str, data: bytes, overwrite: bool) -> str:
    """Write ``data`` under ``folder``; same content reuses a name, different content gets ' (n)'."""
    os.makedirs(folder, exist_ok=True)
    check_real(base, folder)
    stem, ext = os.path.splitext(name)
    candidate = name
    i = 1
    digest = hashlib.sha256(data).digest()
    while not overwrite:
        path = os.path.join(folder, candidate)
        if not os.path.lexists(path):
            break
        check_real(base, path)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                if hashlib.sha256(f.read()).digest() == digest:
                    return candidate
        candidate = f"{stem} ({i}){ext}"
        i += 1
    path = os.path.join(folder, candidate)
    if os.path.lexists(path):
        check_real(base, path)
    with open(path, "wb") as f:
        f.write(data)
    return candidate


def _check_image_bytes(st: ServerState, name: str, data: bytes) -> None:
    if os.path.splitext(name)[1].lower() in IMAGE_EXTS:
        try:
            open_checked(data, st.config.max_image_pixels, f"upload {name!r}")
        except ImageRejected as e:
            raise bad_request(str(e)) from None


async def upload_image(request: web.Request) -> web.Response:
    st = state_of(request)
    fields, filename, data = await _read_upload(request)
    base, folder, name, kind = _upload_target(st, fields, filename)
    _check_image_bytes(st, name, data)
    overwrite = str(fields.get("overwrite", "")).lower() in ("true", "1")
    final = await st.in_io(_store_upload, base, folder, name, data, overwrite)
    return web.json_response({"name": final, "subfolder": fields.get("subfolder", "") or "", "type": kind})


def _parse_ref(raw: str | None) -> dict:
    if not raw:
        raise bad_request("'original_ref' is required for a mask upload")
    try:
        ref = loads_bounded(raw)
    except ValueError as e:
        raise bad_request(f"'original_ref' is not valid JSON: {e}") from None
    if not isinstance(ref, dict) or not isinstance(ref.get("filename"), str):
        raise bad_request("'original_ref' must be a JSON object with a 'filename'")
    return ref


async def upload_mask(request: web.Request) -> web.Response:
    st = state_of(request)
    fields, filename, data = await _read_upload(request)
    base, folder, name, kind = _upload_target(st, fields, filename)
    ref = _parse_ref(fields.get("original_ref"))
    ref_name, ref_kind = _annotated(check_name(ref["filename"], "original_ref.filename"),
                                    ref.get("type") or "input")
    ref_base = type_dir(st, ref_kind)
    ref_folder = check_subfolder(ref_base, ref.get("subfolder", ""))
    ref_path = os.path.join(ref_folder, os.path.basename(ref_name))
    check_real(ref_base, ref_path)
    if not os.path.isfile(ref_path):
        raise bad_request(f"original_ref file {ref_name!r} not found in {ref_kind}", 404)
    try:
        composed = await st.in_io(paste_mask, ref_path, data, st.config.max_image_pixels)
    except ImageRejected as e:
        raise bad_request(str(e)) from None
    name = os.path.splitext(name)[0] + ".png"
    overwrite = str(fields.get("overwrite", "")).lower() in ("true", "1")
    final = await st.in_io(_store_upload, base, folder, name, composed, overwrite)
    return web.json_response({"name": final, "subfolder": fields.get("subfolder", "") or "", "type": kind})


# -- /view_metadata -------------------------------------------------------------
def _read_safetensors_metadata(path: str) -> dict | None:
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise ValueError("file too short for a safetensors header")
        (n,) = struct.unpack("<Q", head)
        if n > MAX_SAFETENSORS_HEADER:
            raise ValueError(f"safetensors header length {n} is implausible")
        header = json.loads(f.read(n))
    if not isinstance(header, dict):
        raise ValueError("safetensors header is not a JSON object")
    return header.get("__metadata__")


async def view_metadata(request: web.Request) -> web.Response:
    st = state_of(request)
    folder = request.match_info["folder"]
    filename = request.query.get("filename")
    name = check_name(filename)
    if not name.endswith(".safetensors"):
        raise bad_request("only .safetensors files have metadata", 404)
    try:
        path = st.paths.full_path(folder, name)
    except KeyError:
        raise bad_request(f"unknown model folder {folder!r}", 404) from None
    except FileNotFoundError:
        raise bad_request(f"file {name!r} not found in {folder}", 404) from None
    except ValueError as e:
        raise bad_request(str(e)) from None
    try:
        meta = await st.in_io(_read_safetensors_metadata, path)
    except (ValueError, OSError) as e:
        raise bad_request(f"{name}: {e}") from None
    if meta is None:
        raise bad_request(f"{name} has no __metadata__", 404)
    return web.json_response(meta)


def routes() -> list[tuple[str, str, Any]]:
    return [("GET", "/view", view), ("POST", "/upload/image", upload_image), ("POST", "/upload/mask", upload_mask),
            ("GET", "/view_metadata/{folder}", view_metadata)]
