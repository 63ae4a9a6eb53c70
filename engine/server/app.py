"""The aiohttp application factory and the blocking entry point used by main.py."""
from __future__ import annotations

import gc
import logging
import os
import re
import ssl
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator, Callable, Sequence

from aiohttp import web

from .admission import Admission
from .logbuffer import LogBuffer
from .queue import Checkpointer, PromptQueue, PromptStore, adopt_orphan_queues, open_queue_lock
from .routes import add_routes
from .routes_prompt import make_validator
from .security import MAX_UPLOAD_BYTES_KEY, build_middlewares
from .state import STATE, ServerConfig, ServerState
from .worker import Worker
from .ws import Hub

log = logging.getLogger(__name__)

QUEUE_DB_NAME = "queue.sqlite3"


async def _worker_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the durable queue, start the worker thread; on shutdown stop it and close everything."""
    import asyncio

    st = app[STATE]
    st.hub.bind(asyncio.get_running_loop())
    st.db_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="queue-db")
    st.io_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="server-io")
    os.makedirs(st.paths.user_dir, exist_ok=True)
    lock, db_path = open_queue_lock(st.paths.user_dir, st.config.port, QUEUE_DB_NAME)
    st.store = PromptStore(db_path, st.config.max_history)
    adopt_orphan_queues(st.store, st.paths.user_dir, QUEUE_DB_NAME)
    st.queue = PromptQueue(st.store, on_change=st.hub.publish_status)
    if st.queue.recovered_errors:
        log.warning("prompts running at earlier crashes recorded as failed: %s", st.queue.recovered_errors)
    pending = st.queue.remaining()
    if pending:
        log.info("resuming %d prompt(s) queued before the last stop", pending)
    st.worker = Worker(st.queue, st.executor, st.hub, st.device_manager, st.config.preview_size)
    st.hub.remaining = st.queue.remaining
    st.hub.on_connect = st.worker.reconnect_messages
    checkpointer = Checkpointer(st.store)
    st.admission = Admission(st.queue, make_validator(st.registry))
    st.admission.start(asyncio.get_running_loop())
    st.worker.start()
    checkpointer.start()
    try:
        yield
    finally:
        await asyncio.get_running_loop().run_in_executor(None, st.admission.stop)
        await asyncio.get_running_loop().run_in_executor(None, st.worker.stop)
        checkpointer.stop()
        st.db_pool.shutdown(wait=True)
        st.io_pool.shutdown(wait=True)
        st.store.close()
        lock.release()


async def _logs_ctx(app: web.Application) -> AsyncIterator[None]:
    """Send each new log line to the websocket clients that subscribed (PATCH /internal/logs/subscribe).
    An app given no buffer by main.py puts its own on the root logger while it runs."""
    st = app[STATE]
    root = logging.getLogger()
    own = st.log_buffer not in root.handlers
    if own:
        root.addHandler(st.log_buffer)

    def forward(entry: dict) -> None:
        for sid in list(st.log_subscribers):
            st.hub.publish("logs", {"entries": [entry], "size": LogBuffer.terminal_size()}, sid)

    st.log_buffer.listeners.append(forward)
    try:
        yield
    finally:
        st.log_buffer.listeners.remove(forward)
        if own:
            root.removeHandler(st.log_buffer)


async def _close_sockets(app: web.Application) -> None:
    await app[STATE].hub.close_all()


def create_app(args: Any, registry: Any, executor: Any, paths: Any, device_manager: Any = None,
               setup_hooks: Sequence[Callable[[web.Application], None]] = (),
               log_buffer: LogBuffer | None = None) -> web.Application:
    """Build the server application; the worker starts with the app (cleanup_ctx).

    ``setup_hooks`` run on the app after the built-in routes (e.g. engine.compat.attach_app adds custom packs' routes).
    ``log_buffer``: the one main.py attached to the root logger at start-up; without one, the app keeps
    its own for as long as it runs.
    """
    config = ServerConfig.from_args(args)
    hub = Hub(server_flags={"supports_preview_metadata": True, "max_upload_size": config.max_upload_bytes})
    state = ServerState(config=config, registry=registry, executor=executor, paths=paths,
                        device_manager=device_manager, hub=hub)
    state.log_buffer = log_buffer if log_buffer is not None else LogBuffer()
    app = web.Application(middlewares=build_middlewares(config.auth_token, config.cors_origin, config.listen,
                                                             config.disable_api_nodes),
                          client_max_size=config.max_upload_bytes)
    app[STATE] = state
    app[MAX_UPLOAD_BYTES_KEY] = config.max_upload_bytes
    add_routes(app)
    for hook in setup_hooks:
        hook(app)
    app.cleanup_ctx.append(_logs_ctx)
    app.cleanup_ctx.append(_worker_ctx)
    app.on_shutdown.append(_close_sockets)
    return app


def _ssl_context(config: ServerConfig) -> ssl.SSLContext | None:
    if not (config.tls_certfile and config.tls_keyfile):
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        ctx.load_cert_chain(certfile=config.tls_certfile, keyfile=config.tls_keyfile)
    except (OSError, ssl.SSLError) as e:   # one clear line, not a traceback
        raise SystemExit(f"error: cannot use --tls-certfile {config.tls_certfile!r} with --tls-keyfile "
                         f"{config.tls_keyfile!r}: {e}") from None
    return ctx


def tune_process() -> None:
    """Process-wide settings for serving (run_server calls it; benchmarks serving in-process too)."""
    # Everything imported so far (torch, transformers, nodes) lives as long as the process: keep it out
    # of the cyclic GC's full collections, which otherwise stall the event loop for 100+ ms under load.
    gc.freeze()
    # A big prompt allocates hundreds of thousands of short-lived containers (parsed JSON, schedule
    # state); with the default 700-allocation threshold the young-generation collections alone cost
    # several us per node. Collections stay on, just in bigger, rarer steps.
    gc.set_threshold(50_000, 20, 20)
    # The executor thread may run GIL-heavy Python; a shorter switch interval bounds how long the
    # event loop waits for the GIL (default 5 ms, paid several times per request).
    sys.setswitchinterval(0.001)


def run_server(args: Any, registry: Any, executor: Any, paths: Any, device_manager: Any = None,
               setup_hooks: Sequence[Callable[[web.Application], None]] = (),
               log_buffer: LogBuffer | None = None) -> None:
    """Serve until interrupted (SIGINT/SIGTERM stop gracefully; a running prompt is re-queued)."""
    app = create_app(args, registry, executor, paths, device_manager, setup_hooks, log_buffer)
    config = app[STATE].config
    ctx = _ssl_context(config)
    scheme = "https" if ctx else "http"
    hosts = usable_hosts(config.listen)
    shown = hosts[0] if hosts[0] not in ("0.0.0.0", "::") else "127.0.0.1"
    if ":" in shown:
        shown = f"[{shown}]"

    def announce(text: str) -> None:
        port = config.port
        if not port:   # --port 0: the system chose; aiohttp's own text names the bound address
            found = re.search(r":(\d+)\b", text)
            port = int(found.group(1)) if found else port
        print(f"Serving on {scheme}://{shown}:{port}", flush=True)

    tune_process()
    web.run_app(app, host=hosts, port=config.port, ssl_context=ctx, access_log=None,
                print=announce, shutdown_timeout=5)


def usable_hosts(hosts: Sequence[str]) -> list[str]:
    """The listen addresses, without IPv6 ones where this machine has no IPv6 (bare ``--listen`` asks for
    ``0.0.0.0,::`` as ComfyUI does; a host without IPv6 then serves IPv4 instead of failing to start)."""
    import socket

    if not any(":" in h for h in hosts):
        return list(hosts)
    ipv6 = socket.has_ipv6
    if ipv6:
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                s.bind(("::1", 0))
        except OSError:
            ipv6 = False
    kept = [h for h in hosts if ":" not in h or ipv6]
    if len(kept) < len(hosts):
        log.warning("IPv6 is not available here; not listening on %s", ", ".join(h for h in hosts if h not in kept))
    return kept or list(hosts)   # nothing left: let the bind report the error
