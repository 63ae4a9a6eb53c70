"""Middlewares: JSON errors, bearer-token auth, origin / fetch-site / DNS-rebinding checks, CORS.

Auth (``--auth-token TOKEN``): every HTTP request must carry ``Authorization:
Bearer TOKEN`` (or ``X-Auth-Token: TOKEN``); the websocket may instead pass
``?token=TOKEN`` in its URL, since browsers cannot set headers on a websocket; a
browser opens ``/?token=TOKEN`` once and then authenticates with a SameSite=Strict
cookie.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import logging
from typing import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .bodies import loads_bounded

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STATE_CHANGING = frozenset({"POST", "PUT", "DELETE", "PATCH"})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def json_error(status: int, message: str, **extra) -> web.Response:
    body = {"error": message}
    body.update(extra)
    return web.json_response(body, status=status)


def _is_loopback_host(name: str) -> bool:
    name = name.strip("[]").lower().rstrip(".")
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def split_host(value: str) -> tuple[str, int | None]:
    """'host:port' / '[::1]:port' / 'host' -> (host lowercased, port or None); ValueError if malformed."""
    parts = urlsplit("//" + value)
    host = (parts.hostname or "").lower()
    port = parts.port   # raises ValueError on a bad port
    if not host:
        raise ValueError(f"no host in {value!r}")
    return host, port


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error answers JSON with a message; an unexpected exception is a logged 500, never a crash."""
    try:
        return await handler(request)
    except web.HTTPException as e:
        if e.status < 400 or e.content_type == "application/json":
            raise
        if e.status == 413:
            limit = request.app.get(MAX_UPLOAD_BYTES_KEY, 0)
            return json_error(413, f"request body too large: the limit is {limit} bytes "
                                   f"({limit / (1024 * 1024):g} MB, --max-upload-size)")
        text = e.text if e.text and not e.text.startswith(f"{e.status}:") else e.reason
        return json_error(e.status, text or e.reason)
    except HttpProcessingError as e:   # malformed input found while a handler parsed the body
        return json_error(400, f"malformed request: {e.message or e}")
    except Exception as e:  # noqa: BLE001 - converted to a 500 with the message, traceback logged
        log.exception("unhandled error in %s %s", request.method, request.path)
        return json_error(500, f"internal server error: {type(e).__name__}: {e}")


MAX_UPLOAD_BYTES_KEY = web.AppKey("max_upload_bytes", int)


AUTH_COOKIE = "engine_auth"


def auth_middleware(token: str) -> Callable:
    """Require the token on every request (OPTIONS preflights excepted).

    Accepted: ``Authorization: Bearer <token>``, ``X-Auth-Token: <token>``, the ``engine_auth``
    cookie, and ``?token=<token>`` on the websocket and on a page load (a browser opening
    ``/?token=...``), which then sets the cookie (HttpOnly, SameSite=Strict) for the editor.
    """
    expected = token.encode()

    def matches(value: str) -> bool:
        return bool(value) and hmac.compare_digest(value.encode(), expected)

    @web.middleware
    async def check_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "OPTIONS":
            return await handler(request)
        auth = request.headers.get("Authorization", "")
        header = auth[7:].strip() if auth.lower().startswith("bearer ") else request.headers.get("X-Auth-Token", "")
        if matches(header) or matches(request.cookies.get(AUTH_COOKIE, "")):
            return await handler(request)
        query_token = request.query.get("token", "")
        if request.path in ("/ws", "/api/ws") and matches(query_token):
            return await handler(request)
        if request.method == "GET" and request.path == "/" and matches(query_token):
            response = await handler(request)
            response.set_cookie(AUTH_COOKIE, token, httponly=True, samesite="Strict", path="/")
            return response
        return json_error(401, "missing or wrong auth token: send 'Authorization: Bearer <token>' "
                               "(websocket: ?token=<token>; browser: open /?token=<token> once)")

    return check_token


def host_middleware(allowed_hosts: Iterable[str]) -> Callable:
    """DNS-rebinding guard for a loopback listener: the Host header must name loopback or the listen address."""
    allowed = {h.strip("[]").lower() for h in allowed_hosts}

    @web.middleware
    async def check_host(request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = request.headers.get("Host", "")
        if not raw:   # HTTP/1.0 tools may omit it; browsers (the rebinding vector) always send it
            return await handler(request)
        try:
            host, _ = split_host(raw)
        except ValueError:
            return json_error(400, f"malformed Host header {raw!r}")
        if not (_is_loopback_host(host) or host in allowed):
            return json_error(403, f"Host {host!r} is not this server's address (DNS rebinding guard)")
        return await handler(request)

    return check_host


@web.middleware
async def origin_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse cross-origin requests (the default when --enable-cors-header is not given)."""
    if request.method == "OPTIONS":
        return web.Response(status=200)
    state_changing = request.method in STATE_CHANGING
    site = request.headers.get("Sec-Fetch-Site", "").lower()
    if state_changing and site == "cross-site":
        return json_error(403, "cross-site request refused (Sec-Fetch-Site: cross-site)")
    origin = request.headers.get("Origin")
    if origin is not None:
        if origin.strip().lower() == "null":
            if state_changing or request.path in ("/ws", "/api/ws"):
                return json_error(403, "request from an opaque origin (Origin: null) refused")
        else:
            try:
                parts = urlsplit(origin)
                o_host, o_port = (parts.hostname or "").lower(), parts.port
                h_host, h_port = split_host(request.headers.get("Host", ""))
            except ValueError:
                return json_error(403, f"malformed Origin {origin!r} or Host header")
            if not o_host or o_host != h_host or (o_port is not None and h_port is not None and o_port != h_port):
                return json_error(403, f"cross-origin request from {origin!r} refused")
    return await handler(request)


def cors_middleware(allow_origin: str) -> Callable:
    """--enable-cors-header: allow the given origin instead of refusing cross-origin requests."""

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "OPTIONS":
            response: web.StreamResponse = web.Response()
        else:
            response = await handler(request)
        response.headers["Access-Control-Allow-Origin"] = allow_origin
        response.headers["Access-Control-Allow-Methods"] = "POST, GET, DELETE, PUT, OPTIONS, PATCH"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
        response.headers["Access-Control-Allow-Credentials"] = "true"
        return response

    return cors


BLOCK_EXTERNAL_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; "
                      "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; "
                      "connect-src 'self'; frame-src 'self'; object-src 'self';")


@web.middleware
async def block_external_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """--disable-api-nodes: a Content-Security-Policy keeping the editor from reaching other hosts."""
    try:
        response = await handler(request)
    except web.HTTPException as e:   # error responses raised as exceptions get the header too
        e.headers["Content-Security-Policy"] = BLOCK_EXTERNAL_CSP
        raise
    response.headers["Content-Security-Policy"] = BLOCK_EXTERNAL_CSP
    return response


def is_loopback_listen(hosts: Iterable[str]) -> bool:
    return all(_is_loopback_host(h) for h in hosts)


def build_middlewares(auth_token: str | None, cors_origin: str | None, listen_hosts: list[str],
                      block_external: bool = False) -> list:
    """Outermost first: (CSP), errors, (CORS | origin check), DNS-rebinding guard, auth."""
    mws: list = [block_external_middleware] if block_external else []
    mws.append(error_middleware)
    mws.append(cors_middleware(cors_origin) if cors_origin else origin_middleware)
    if is_loopback_listen(listen_hosts):
        mws.append(host_middleware(listen_hosts))
    if auth_token:
        mws.append(auth_middleware(auth_token))
    return mws


def parse_json_text(text: str | bytes) -> object:
    """json.loads that raises ValueError with a clear message."""
    try:
        return loads_bounded(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"request body is not valid JSON: {e}") from None
