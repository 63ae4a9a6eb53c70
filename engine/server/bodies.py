"""Request-body and query helpers that turn bad input into a 400 with a clear JSON message."""
from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from . import fastjson


def bad_request(message: str, status: int = 400, **extra: Any) -> web.HTTPException:
    body: dict[str, Any] = {"error": message}
    body.update(extra)
    cls = {400: web.HTTPBadRequest, 403: web.HTTPForbidden, 404: web.HTTPNotFound,
           409: web.HTTPConflict, 413: web.HTTPRequestEntityTooLarge}.get(status, web.HTTPBadRequest)
    if cls is web.HTTPRequestEntityTooLarge:
        return cls(max_size=0, actual_size=0, text=json.dumps(body), content_type="application/json")
    return cls(text=json.dumps(body), content_type="application/json")


MAX_JSON_DEPTH = 100  # workflows nest a few levels; deeper bodies are refused before anything recurses on them

# Byte tables for json_depth: keep only quotes and brackets, and treat [] like {} (in valid JSON the
# two kinds nest properly, so only the depth matters).
_STRUCTURE_DELETE = bytes(b for b in range(256) if b not in b'"[]{}')
_SAME_BRACKETS = bytes.maketrans(b"[]", b"{}")


def json_depth(raw: str | bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """Nesting depth of a *valid* JSON text (0 for a scalar), counted past ``limit`` only to limit + 1.

    Works on the text at C speed (no walk over the parsed objects): escaped quotes and backslashes
    are cut, everything but quotes and brackets dropped, string contents removed, then each pass of
    ``replace("{}", "")`` removes the innermost level. UTF-8 multi-byte characters contain no ASCII
    bytes, so working on bytes is exact.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    s = data.translate(_SAME_BRACKETS, _STRUCTURE_DELETE)
    if b'"' in s:
        # Strings without brackets become '""' and vanish; if any quote is left, some string holds
        # brackets: cut every string's content exactly (the quotes alternate open/close).
        t = s.replace(b'""', b"")
        s = t if b'"' not in t else b"".join(s.split(b'"')[::2])
    depth = 0
    while s and depth <= limit:
        s = s.replace(b"{}", b"")
        depth += 1
    return depth


_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")


def lone_surrogate_path(value: Any) -> str | None:
    """Where ``value`` holds a string with an unpaired UTF-16 surrogate (``"prompt.3.inputs.text"``), or None.

    JSON allows ``"\\ud800"`` alone and the json module parses it, but such a string cannot be encoded
    as UTF-8: not stored in the queue, not written to a file name or a PNG. Iterative (any depth)."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        v, path = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return path or "(the body)"
        elif isinstance(v, dict):
            for k, item in v.items():
                shown = str(k).encode("utf-8", "backslashreplace").decode("utf-8")   # printable, even if bad
                where = f"{path}.{shown}" if path else shown
                if isinstance(k, str):
                    stack.append((k, where + " (a key)"))
                stack.append((item, where))
        elif isinstance(v, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(v))
    return None


def loads_bounded(raw: str | bytes) -> Any:
    """json.loads that refuses bodies nested deeper than MAX_JSON_DEPTH, and strings holding unpaired
    UTF-16 surrogates, with ValueError naming the problem."""
    try:
        value = fastjson.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if isinstance(value, (dict, list)) and json_depth(raw) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(raw, str):
        try:
            data = raw.encode("utf-8")
        except UnicodeEncodeError:
            data = b"\\ud800"   # the text itself holds a surrogate character: look closer
    else:
        data = raw
    if _SURROGATE_ESCAPE.search(data):   # only then can a string hold a lone surrogate: look closer
        where = lone_surrogate_path(value)
        if where is not None:
            raise ValueError(f"{where}: a string holds an unpaired UTF-16 surrogate (\\ud800-\\udfff escape "
                             "without its pair), which is not valid Unicode text")
    return value


async def read_json(request: web.Request, empty_ok: bool = False) -> Any:
    """The JSON body; 400 naming the problem when it is missing or not JSON."""
    raw = await request.read()
    if not raw.strip():
        if empty_ok:
            return None
        raise bad_request("request body is empty; expected a JSON object")
    try:
        return loads_bounded(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise bad_request(f"request body is not valid JSON: {e}") from None


async def read_json_object(request: web.Request, empty_ok: bool = False) -> dict:
    body = await read_json(request, empty_ok)
    if body is None and empty_ok:
        return {}
    if not isinstance(body, dict):
        raise bad_request(f"request body must be a JSON object, got {type(body).__name__}")
    return body


def opt_bool(body: dict, key: str, default: bool = False) -> bool:
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, (bool, int)) or isinstance(value, float):
        raise bad_request(f"'{key}' must be a boolean, got {value!r}")
    return bool(value)


def opt_str_list(body: dict, key: str) -> list[str]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"'{key}' must be a list of strings")
    return value


def query_int(request: web.Request, key: str, default: int | None, minimum: int | None = None) -> int | None:
    raw = request.query.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"query parameter '{key}' must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise bad_request(f"query parameter '{key}' must be >= {minimum}, got {value}")
    if abs(value) > 2**62:
        raise bad_request(f"query parameter '{key}' is out of range: {value}")
    return value
