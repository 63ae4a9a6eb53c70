"""Admission of POSTed prompts: one thread validates them and stores them in batches.

Under load many POST /prompt requests wait at once; the admission thread takes
all of them, validates each, commits the accepted ones in one SQLite transaction
and wakes the event loop once for the whole batch. That keeps validation (which
may list model files) and disk writes off the event loop, and costs one commit
and one loop wake-up per batch instead of per prompt.
"""
from __future__ import annotations

import asyncio
import logging
import queue as stdqueue
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from .queue import PromptQueue, QueueItem

log = logging.getLogger(__name__)

MAX_BATCH = 256


@dataclass
class PromptRequest:
    prompt: dict
    targets: list[str] | None
    number: float
    prompt_id: str
    extra_data: dict
    sensitive: dict = field(default_factory=dict)
    prompt_json: str | None = None   # the validated prompt's JSON text, when the validator made it


# validate(request) -> (ok, error body or None, outputs_to_execute, node_errors)
Validator = Callable[[PromptRequest], tuple[bool, dict | None, list[str], dict]]


class Admission:
    def __init__(self, prompt_queue: PromptQueue, validate: Validator) -> None:
        self.queue = prompt_queue
        self.validate = validate
        self._in: stdqueue.SimpleQueue = stdqueue.SimpleQueue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="prompt-admission", daemon=True)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._thread.start()

    def stop(self) -> None:
        self._in.put(None)
        self._thread.join(10)

    async def submit(self, req: PromptRequest) -> tuple[bool, dict]:
        """(True, {prompt_id, number, node_errors}) or (False, error body for a 400)."""
        fut = asyncio.get_running_loop().create_future()
        self._in.put((req, fut))
        return await fut

    # -- admission thread --------------------------------------------------------
    def _run(self) -> None:
        while True:
            first = self._in.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self._in.get_nowait()
                except stdqueue.Empty:
                    break
                if nxt is None:
                    self._in.put(None)   # finish this batch, then stop
                    break
                batch.append(nxt)
            try:
                results: list[Any] = self._admit([req for req, _ in batch])
            except Exception as e:  # noqa: BLE001 - every waiting request gets the error (a 500 with message)
                log.exception("storing %d queued prompt(s) failed", len(batch))
                results = [e] * len(batch)
            self._resolve_later(batch, results)

    def _admit(self, reqs: list[PromptRequest]) -> list[tuple[bool, dict]]:
        results: list[tuple[bool, dict] | None] = [None] * len(reqs)
        accepted: list[tuple[int, QueueItem, dict]] = []
        for idx, req in enumerate(reqs):
            try:
                ok, error, outputs, node_errors = self.validate(req)
            except Exception as e:  # noqa: BLE001 - a validator crash is reported to that client, and logged
                log.exception("validating prompt %s raised", req.prompt_id)
                results[idx] = (False, {"error": {"type": "invalid_prompt",
                                                  "message": f"Validation failed: {type(e).__name__}: {e}",
                                                  "details": str(e), "extra_info": {}}, "node_errors": {}})
                continue
            if not ok:
                results[idx] = (False, {"error": error, "node_errors": node_errors})
                continue
            item = QueueItem(number=req.number, prompt_id=req.prompt_id, prompt=req.prompt,
                             extra_data=req.extra_data, outputs=list(outputs), sensitive=req.sensitive,
                             prompt_json=req.prompt_json)
            accepted.append((idx, item, node_errors))
        if accepted:
            errors = self.queue.put_many([item for _, item, _ in accepted])
            for (idx, item, node_errors), err in zip(accepted, errors):
                if err is None:
                    results[idx] = (True, {"prompt_id": item.prompt_id, "number": item.number,
                                           "node_errors": node_errors})
                else:
                    results[idx] = (False, {"error": {"type": "invalid_prompt", "message": err, "details": err,
                                                      "extra_info": {}}, "node_errors": {}})
        return results  # type: ignore[return-value]

    def _resolve_later(self, batch: list, results: list) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(_resolve, batch, results)
        except RuntimeError:
            pass   # the loop closed during shutdown; nobody is waiting any more


def _resolve(batch: list, results: list) -> None:
    for (_, fut), res in zip(batch, results):
        if fut.done():
            continue
        if isinstance(res, BaseException):
            fut.set_exception(res)
        else:
            fut.set_result(res)
