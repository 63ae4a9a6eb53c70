"""The worker thread: takes prompts from the PromptQueue and drives the executor.

Nothing a prompt does can stop the worker: an exception escaping the executor is
recorded in the history as an execution_error and the loop goes on. Requests
from POST /free are applied between prompts.
"""
from __future__ import annotations

import gc
import logging
import threading
import time
import traceback
from typing import Any

from .listener import PromptListener
from .queue import PromptQueue, QueueItem, history_entry
from .ws import Hub

log = logging.getLogger(__name__)


class Worker:
    """Runs queued prompts one at a time on its own thread."""

    def __init__(self, queue: PromptQueue, executor: Any, hub: Hub, device_manager: Any = None,
                 preview_size: int = 512) -> None:
        self.queue = queue
        self.executor = executor
        self.hub = hub
        self.device_manager = device_manager
        self.preview_size = preview_size
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._free_lock = threading.Lock()
        self._free = {"unload_models": False, "free_memory": False}
        self.current: tuple[QueueItem, PromptListener] | None = None
        self.last_run_seconds: float = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="prompt-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after (interrupting) the current prompt; it goes back to the queue."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        # Interrupt until the thread ends: a single interrupt could land between two prompts
        # and be cleared when the next one starts.
        while self._thread is not None and self._thread.is_alive() and time.monotonic() < deadline:
            if self.current is not None:
                self.executor.interrupt()
            self._thread.join(0.05)

    def request_free(self, unload_models: bool, free_memory: bool) -> None:
        with self._free_lock:
            self._free["unload_models"] |= unload_models
            self._free["free_memory"] |= free_memory

    def interrupt(self, prompt_id: str | None = None) -> bool:
        """Interrupt the running prompt (only if it is ``prompt_id`` when given)."""
        cur = self.current
        if prompt_id is not None and (cur is None or cur[0].prompt_id != prompt_id):
            return False
        self.executor.interrupt()
        return True

    def reconnect_messages(self, sid: str) -> list[tuple[str, dict]]:
        """What a (re)connecting client should hear: the node its prompt is executing."""
        cur = self.current
        if cur is None:
            return []
        item, listener = cur
        if listener.client_id != sid or listener.current_node is None:
            return []
        node = listener.current_node
        return [("executing", {"node": node, "display_node": node, "prompt_id": item.prompt_id})]

    # -- thread body ------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                item = self.queue.get(timeout=0.25)
                if item is not None:
                    self._run_one(item)
                    self._after_prompt()
                self._apply_free()
            except Exception:  # noqa: BLE001 - the worker must survive; the failure is logged in full
                log.exception("prompt worker loop failed; continuing")
                time.sleep(0.1)

    def _run_one(self, item: QueueItem) -> None:
        client_id = item.extra_data.get("client_id")
        listener = PromptListener(self.hub, item.prompt_id, client_id, self.preview_size)
        self.current = (item, listener)
        extra = dict(item.extra_data)
        extra.update(item.sensitive)
        started = time.perf_counter()
        result = None
        try:
            result = self.executor.execute(item.prompt, item.prompt_id, extra, item.outputs, listener,
                                           prompt_text=item.prompt_json)
        except Exception as e:  # noqa: BLE001 - recorded as the prompt's execution_error below
            log.exception("executor raised for prompt %s", item.prompt_id)
            if listener.finished is None:
                listener.execution_error(item.prompt_id, {
                    "prompt_id": item.prompt_id, "node_id": listener.current_node, "node_type": None,
                    "executed": list(listener.outputs), "exception_message": str(e),
                    "exception_type": f"{type(e).__module__}.{type(e).__name__}",
                    "traceback": traceback.format_exception(e), "current_inputs": {}, "current_outputs": []})
        finally:
            self.current = None
        self.last_run_seconds = time.perf_counter() - started
        interrupted = bool(getattr(result, "interrupted", False)) or listener.finished == "interrupted"
        if interrupted and self._stop.is_set():
            # Shutdown, not a user's interrupt: the prompt runs again after the restart.
            self.queue.requeue(item)
            return
        success = bool(getattr(result, "success", False)) and listener.finished not in ("error", "interrupted")
        outputs = dict(getattr(result, "outputs", None) or listener.outputs)
        status = {"status_str": "success" if success else "error", "completed": success,
                  "messages": listener.messages}
        meta = {nid: listener.meta.get(nid, {"node_id": nid, "display_node": nid, "parent_node": None,
                                             "real_node_id": nid}) for nid in outputs}
        entry, text = history_entry(item, outputs, status, meta)
        self.queue.task_done(item, entry, text)
        if client_id:
            self.hub.publish("executing", {"node": None, "prompt_id": item.prompt_id}, client_id)

    def _after_prompt(self) -> None:
        """The device manager's between-prompts policy (--disable-smart-memory / --novram offload)."""
        hook = getattr(self.device_manager, "after_prompt", None)
        if hook is not None:
            hook()

    def _apply_free(self) -> None:
        with self._free_lock:
            flags = dict(self._free)
            self._free = {"unload_models": False, "free_memory": False}
        if flags["unload_models"] or flags["free_memory"]:
            unload = getattr(self.device_manager, "unload_all", None)
            if unload is not None:
                unload()
        if flags["free_memory"]:
            self.executor.reset_cache()
            gc.collect()
