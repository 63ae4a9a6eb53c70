"""Websocket hub: one bounded outgoing queue and one sender task per client.

``publish``/``publish_text``/``publish_preview`` may be called from any thread
(the worker thread in particular): messages are serialised on the caller's
thread and put in one outbox; the event loop is woken once per batch (not once
per message) and hands the batch to the clients' queues in publishing order. A
client whose backlog is full while its socket does not take more (it stopped
reading) is disconnected instead of slowing anyone down, and a dead socket only
ends its own sender task.
"""
from __future__ import annotations

import asyncio
import collections
import json
import logging
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import WSMsgType, web

from .bodies import loads_bounded

log = logging.getLogger(__name__)

CLIENT_QUEUE_SIZE = 512
WRITE_BATCH_BYTES = 1 << 20    # frames joined into one socket write, at most this much at a time
SOCKET_HIGH_WATER = 1 << 20    # bytes buffered for one socket before its sender waits for the peer
STALL_SECONDS = 10.0           # a full backlog whose socket has taken nothing for this long is a dead reader
HARD_BACKLOG_FACTOR = 64       # a slow reader that still reads may lag up to queue_size * this messages


def ws_frame(payload: str | bytes) -> bytes:
    """One unmasked, uncompressed server-to-client websocket frame (RFC 6455 5.2): text for str, binary
    for bytes. The sender joins a batch of them into one socket write."""
    if isinstance(payload, str):
        data, first = payload.encode("utf-8"), 0x81
    else:
        data, first = payload, 0x82
    n = len(data)
    if n < 126:
        return bytes((first, n)) + data
    if n < 65536:
        return struct.pack("!BBH", first, 126, n) + data
    return struct.pack("!BBQ", first, 127, n) + data


class Backlog:
    """A client's outgoing messages: a deque the sender empties a batch at a time (cheaper per message
    than asyncio.Queue, which wakes futures and counts tasks on every put). Loop thread only."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: collections.deque = collections.deque()
        self._waiter: asyncio.Future | None = None

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def get_nowait(self) -> Any:
        return self._items.popleft()

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()


@dataclass
class Client:
    sid: str
    ws: web.WebSocketResponse
    queue: Backlog
    flags: dict = field(default_factory=dict)
    closed: bool = False
    blocked: bool = False    # the sender waits for the socket to take more (the peer is not reading yet)
    transport: Any = None    # the connection's asyncio transport (frames are written to it in batches)
    last_progress: float = field(default_factory=time.monotonic)   # when the peer last took bytes

    @property
    def wants_preview_metadata(self) -> bool:
        return bool(self.flags.get("supports_preview_metadata"))


class Hub:
    """Fan-out of server events to websocket clients."""

    def __init__(self, server_flags: dict, queue_size: int = CLIENT_QUEUE_SIZE) -> None:
        self.server_flags = server_flags
        self.queue_size = queue_size
        self.clients: dict[str, Client] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        # Called on connect to get the messages a (re)connecting client should see
        # after its status greeting: (sid) -> list of (event, data).
        self.on_connect: Callable[[str], list[tuple[str, dict]]] | None = None
        self.remaining: Callable[[], int] = lambda: 0
        # (payload, sid, droppable, preview meta frame or None) waiting for the loop, in publishing order
        self._outbox: list[tuple] = []
        self._outbox_lock = threading.Lock()
        self._drain_scheduled = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._loop_thread = threading.get_ident()

    # -- publishing (any thread) ----------------------------------------------
    def _post(self, entry: tuple) -> None:
        """Queue one message for the loop; wake the loop only if no drain is pending."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        with self._outbox_lock:
            self._outbox.append(entry)
            if self._drain_scheduled:
                return
            self._drain_scheduled = True
        if threading.get_ident() == self._loop_thread:
            self._drain()
            return
        try:
            loop.call_soon_threadsafe(self._drain)
        except RuntimeError:   # loop closed between the check and the call (shutdown)
            with self._outbox_lock:
                self._outbox.clear()
                self._drain_scheduled = False

    def publish(self, event: str, data: dict, sid: str | None = None) -> None:
        """Send ``{"type": event, "data": data}`` to client ``sid`` (None: every client)."""
        if not self.clients or (sid is not None and sid not in self.clients):
            return   # nobody to tell: skip the serialisation and the loop wake-up
        self._post((json.dumps({"type": event, "data": data}), sid, False, None))

    def publish_text(self, text: str, sid: str | None = None) -> None:
        """Send an already-encoded JSON message (the same text ``publish`` would make)."""
        if not self.clients or (sid is not None and sid not in self.clients):
            return
        self._post((text, sid, False, None))

    def wants(self, sid: str | None) -> bool:
        """Whether a message for ``sid`` (None: everyone) would reach anybody now (cheap pre-check)."""
        return bool(self.clients) and (sid is None or sid in self.clients)

    def publish_status(self, remaining: int) -> None:
        self.publish("status", {"status": {"exec_info": {"queue_remaining": remaining}}})

    def publish_preview(self, frame_plain: bytes, frame_meta: bytes | None, sid: str | None,
                        droppable: bool = True) -> None:
        """A binary frame: ``frame_meta`` (type 4) to clients that announced supports_preview_metadata, else
        ``frame_plain`` (type 1, or any frame as it is when frame_meta is None, e.g. ComfyUI's TEXT frames).
        droppable: a lagging client may skip it (sampling previews); False for what a node sends as output."""
        if not self.clients or (sid is not None and sid not in self.clients):
            return
        self._post((frame_plain, sid, droppable, frame_meta))

    # -- loop side ------------------------------------------------------------
    def _drain(self) -> None:
        """Loop side: hand everything published so far to the clients' queues, in order."""
        with self._outbox_lock:
            batch = self._outbox
            self._outbox = []
            self._drain_scheduled = False
        clients = self.clients
        for payload, sid, droppable, meta in batch:
            if sid is not None:
                c = clients.get(sid)
                if c is not None:
                    self._enqueue(c, meta if meta is not None and c.wants_preview_metadata else payload, droppable)
                continue
            for c in list(clients.values()):
                self._enqueue(c, meta if meta is not None and c.wants_preview_metadata else payload, droppable)

    def _enqueue(self, c: Client, payload: str | bytes, droppable: bool) -> None:
        if c.closed:
            return
        q = c.queue
        if droppable and q.qsize() >= self.queue_size // 2:
            return   # a lagging client skips previews rather than falling further behind
        # A backlog alone is no sign of a dead reader (a burst lands here before the sender runs), nor is
        # a slow one that still takes bytes: a full backlog while the socket has taken nothing for
        # STALL_SECONDS is, and so is a backlog past the hard bound.
        n = q.qsize()
        if n >= self.queue_size and c.blocked and (
                time.monotonic() - c.last_progress > STALL_SECONDS or n >= self.queue_size * HARD_BACKLOG_FACTOR):
            log.warning("websocket client %s is not reading; disconnecting it", c.sid)
            self._drop(c)
            return
        q.put_nowait(payload)

    def _drop(self, c: Client) -> None:
        c.closed = True
        if self.clients.get(c.sid) is c:
            del self.clients[c.sid]
        asyncio.ensure_future(c.ws.close(code=1013, message=b"client too slow"))

    async def _sender(self, c: Client) -> None:
        """Write what the client's queue holds, many frames per socket write (one syscall per batch,
        not per message); wait while the peer has not taken a megabyte already sent."""
        q = c.queue
        transport = c.transport
        while True:
            payload = await q.get()
            if payload is None:
                return
            frames = [ws_frame(payload)]
            size = len(frames[0])
            stop = False
            while size < WRITE_BATCH_BYTES and not q.empty():
                nxt = q.get_nowait()
                if nxt is None:
                    stop = True
                    break
                frames.append(ws_frame(nxt))
                size += len(frames[-1])
            if transport is None or transport.is_closing():
                log.info("websocket client %s went away", c.sid)
                c.closed = True
                return
            transport.write(frames[0] if len(frames) == 1 else b"".join(frames))
            pending = transport.get_write_buffer_size()
            while pending > SOCKET_HIGH_WATER:
                c.blocked = True     # _enqueue may now drop this client if it also stops taking bytes
                await asyncio.sleep(0.005)
                if transport.is_closing():
                    log.info("websocket client %s went away while not reading", c.sid)
                    c.closed = True
                    return
                now_pending = transport.get_write_buffer_size()
                if now_pending < pending:
                    c.last_progress = time.monotonic()
                pending = now_pending
            c.last_progress = time.monotonic()
            c.blocked = False
            if stop:
                return

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """The /ws endpoint."""
        # No per-message deflate: every message would be compressed once per client (previews are
        # JPEG anyway); a short close timeout so an unresponsive peer cannot hold up a close.
        ws = web.WebSocketResponse(heartbeat=30, max_msg_size=1 << 20, compress=False, timeout=2.0)
        await ws.prepare(request)
        sid = request.query.get("clientId") or uuid.uuid4().hex
        old = self.clients.get(sid)
        if old is not None:
            old.closed = True
            asyncio.ensure_future(old.ws.close(code=1000, message=b"replaced by a newer connection"))
        client = Client(sid=sid, ws=ws, queue=Backlog(), transport=request.transport)   # bounded by _enqueue
        self.clients[sid] = client
        greeting = {"status": {"exec_info": {"queue_remaining": self.remaining()}}, "sid": sid}
        client.queue.put_nowait(json.dumps({"type": "status", "data": greeting}))
        if self.on_connect is not None:
            for event, data in self.on_connect(sid):
                client.queue.put_nowait(json.dumps({"type": event, "data": data}))
        sender = asyncio.ensure_future(self._sender(client))
        first = True
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT and first:
                    first = False
                    self._client_message(client, msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
                # everything else a client sends is ignored, as ComfyUI does
        finally:
            client.closed = True
            if self.clients.get(sid) is client:
                del self.clients[sid]
            sender.cancel()
            try:
                await sender
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - sender already logged its end
                pass
        return ws

    def _client_message(self, client: Client, text: str) -> None:
        try:
            msg = loads_bounded(text)
        except ValueError:
            return
        if isinstance(msg, dict) and msg.get("type") == "feature_flags" and isinstance(msg.get("data"), dict):
            client.flags = msg["data"]
            self._enqueue(client, json.dumps({"type": "feature_flags", "data": self.server_flags}), False)

    async def close_all(self) -> None:
        clients = list(self.clients.values())
        self.clients.clear()
        for c in clients:
            c.closed = True
        await asyncio.gather(*(c.ws.close(code=1001, message=b"server shutdown") for c in clients),
                             return_exceptions=True)
