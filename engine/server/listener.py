"""Adapts executor events (engine.graph ExecutionListener) to websocket messages and history.

One PromptListener lives for one prompt run, on the worker thread. Messages tied
to the prompt go to the client that queued it; for a prompt queued without a
client id, only progress, previews and execution_interrupted are broadcast (as
ComfyUI does). No message grows with the size of the graph: there is no
progress_state.
"""
from __future__ import annotations

import io
import json
import re
import struct
from typing import Any

from .queue import now_ms
from .ws import Hub

# Node ids made of these characters are their own JSON string body (no escaping needed).
_PLAIN_ID = re.compile(r"[A-Za-z0-9_.:\-]*")


def json_str(text: str) -> str:
    """``json.dumps(text)`` for a str, without the encoder call for the usual plain node ids."""
    return f'"{text}"' if _PLAIN_ID.fullmatch(text) else json.dumps(text)


PREVIEW_IMAGE = 1
PREVIEW_IMAGE_WITH_METADATA = 4
FORMAT_JPEG = 1
FORMAT_PNG = 2


class PromptListener:
    """Receives one run's events; keeps the history messages, outputs and meta."""

    def __init__(self, hub: Hub, prompt_id: str, client_id: str | None, preview_size: int = 512,
                 display_names: dict[str, str] | None = None) -> None:
        self.hub = hub
        self.prompt_id = prompt_id
        self.client_id = client_id or None
        self.preview_size = preview_size
        self.messages: list[list] = []       # history status.messages
        self.outputs: dict[str, dict] = {}
        self.meta: dict[str, dict] = {}
        self.current_node: str | None = None
        self.finished: str | None = None     # "success" | "error" | "interrupted"
        self._display = display_names or {}
        self._pid_json = json_str(prompt_id)   # per-node messages are built from pre-encoded parts

    # -- helpers --------------------------------------------------------------
    def _send(self, event: str, data: dict, broadcast_without_client: bool = False) -> None:
        if self.client_id is not None:
            self.hub.publish(event, data, self.client_id)
        elif broadcast_without_client:
            self.hub.publish(event, data, None)

    def _record(self, event: str, data: dict) -> None:
        self.messages.append([event, data])

    # -- ExecutionListener ----------------------------------------------------
    def execution_start(self, prompt_id: str) -> None:
        data = {"prompt_id": prompt_id, "timestamp": now_ms()}
        self._record("execution_start", data)
        self._send("execution_start", data)

    def execution_cached(self, prompt_id: str, nodes: list[str]) -> None:
        data = {"nodes": [str(n) for n in nodes], "prompt_id": prompt_id, "timestamp": now_ms()}
        self._record("execution_cached", data)
        self._send("execution_cached", data)

    def executing(self, prompt_id: str, node_id: str | None) -> None:
        # The final executing(None) is sent by the worker after the queue's status update,
        # which is ComfyUI's order (... execution_success, status, executing null).
        if node_id is None:
            self.current_node = None
            return
        nid = self.current_node = str(node_id)
        if self.client_id is None or not self.hub.wants(self.client_id):
            return
        if prompt_id != self.prompt_id:
            self._send("executing", {"node": nid, "display_node": nid, "prompt_id": prompt_id})
            return
        q = json_str(nid)
        # The text json.dumps({"type": "executing", "data": {...}}) gives, built without the encoder.
        self.hub.publish_text(f'{{"type": "executing", "data": {{"node": {q}, "display_node": {q}, '
                              f'"prompt_id": {self._pid_json}}}}}', self.client_id)

    def progress(self, prompt_id: str, node_id: str, value: int, max: int, preview: Any = None) -> None:
        self._send("progress", {"value": int(value), "max": int(max), "prompt_id": prompt_id, "node": str(node_id)},
                   broadcast_without_client=True)
        if preview is not None:
            image, fmt, max_size = split_preview(preview, self.preview_size)
            plain, meta = encode_preview_frames(image, prompt_id, str(node_id), max_size, fmt)
            # PNG frames are images a node sends as its output (SaveImageWebsocket): never skipped
            self.hub.publish_preview(plain, meta, self.client_id, droppable=fmt != "PNG")

    def executed(self, prompt_id: str, node_id: str, output: dict) -> None:
        nid = str(node_id)
        self.outputs[nid] = output
        self.meta[nid] = {"node_id": nid, "display_node": nid, "parent_node": None, "real_node_id": nid}
        if self.client_id is None or not self.hub.wants(self.client_id):
            return
        if prompt_id != self.prompt_id:
            self._send("executed", {"node": nid, "display_node": nid, "output": output, "prompt_id": prompt_id})
            return
        q = json_str(nid)
        self.hub.publish_text(f'{{"type": "executed", "data": {{"node": {q}, "display_node": {q}, '
                              f'"output": {json.dumps(output)}, "prompt_id": {self._pid_json}}}}}', self.client_id)

    def execution_success(self, prompt_id: str) -> None:
        data = {"prompt_id": prompt_id, "timestamp": now_ms()}
        self.finished = "success"
        self._record("execution_success", data)
        self._send("execution_success", data)

    def execution_error(self, prompt_id: str, info: dict) -> None:
        data = dict(info)
        data.setdefault("prompt_id", prompt_id)
        data["timestamp"] = now_ms()
        self.finished = "error"
        self._record("execution_error", data)
        self._send("execution_error", data)

    def execution_interrupted(self, prompt_id: str, info: dict) -> None:
        data = dict(info)
        data.setdefault("prompt_id", prompt_id)
        data["timestamp"] = now_ms()
        self.finished = "interrupted"
        self._record("execution_interrupted", data)
        self._send("execution_interrupted", data, broadcast_without_client=True)


def split_preview(preview: Any, default_max: int | None) -> tuple[Any, str, int | None]:
    """(PIL image, "JPEG" | "PNG", max size or None) from a progress preview: a PIL image (a JPEG fitted
    into ``default_max``) or ComfyUI's ``(format, PIL image, max_size)`` (max_size None: full size)."""
    if isinstance(preview, (tuple, list)):
        if len(preview) < 2 or not hasattr(preview[1], "save"):
            raise ValueError("a preview must be a PIL image or (format, PIL image, max_size)")
        fmt = "PNG" if str(preview[0]).upper() == "PNG" else "JPEG"
        max_size = int(preview[2]) if len(preview) > 2 and preview[2] else None
        return preview[1], fmt, max_size
    return preview, "JPEG", default_max


def encode_preview_frames(image: Any, prompt_id: str, node_id: str, max_size: int | None,
                          fmt: str = "JPEG") -> tuple[bytes, bytes]:
    """Encode a PIL preview (fitted into max_size unless None) as a type-1 and a type-4 binary frame:
    JPEG (format 1) or PNG (format 2, what ComfyUI's SaveImageWebsocket sends)."""
    img = image
    png = fmt.upper() == "PNG"
    if img.mode not in (("RGB", "RGBA", "L", "LA") if png else ("RGB", "L")):
        img = img.convert("RGBA" if png and "A" in img.getbands() else "RGB")
    if max_size and max(img.size) > max_size:
        img = img.copy()
        img.thumbnail((max_size, max_size))
    buf = io.BytesIO()
    if png:
        img.save(buf, format="PNG", compress_level=1)
    else:
        img.save(buf, format="JPEG", quality=95)
    data = buf.getvalue()
    plain = struct.pack(">II", PREVIEW_IMAGE, FORMAT_PNG if png else FORMAT_JPEG) + data
    meta = json.dumps({"node_id": node_id, "prompt_id": prompt_id, "display_node_id": node_id,
                       "parent_node_id": None, "real_node_id": node_id,
                       "image_type": "image/png" if png else "image/jpeg"}).encode()
    framed = struct.pack(">II", PREVIEW_IMAGE_WITH_METADATA, len(meta)) + meta + data
    return plain, framed
