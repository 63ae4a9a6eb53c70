"""The latest log lines, for the editor's terminal panel (/internal/logs, "logs" websocket messages)."""
from __future__ import annotations

import logging
import shutil
import threading
from collections import deque
from datetime import datetime
from typing import Callable

CAPACITY = 300   # entries kept, as ComfyUI


class LogBuffer(logging.Handler):
    """A logging handler keeping the last ``capacity`` records as ``{"t": ISO time, "m": text}`` entries.

    main.py attaches one to the root logger at start-up (so node and custom-pack loading is in it);
    listeners (the server's log subscriptions) get each new entry as it is logged, from any thread."""

    def __init__(self, capacity: int = CAPACITY, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.setFormatter(logging.Formatter("%(message)s"))
        self._entries: deque[dict] = deque(maxlen=capacity)
        self._lock2 = threading.Lock()
        self.listeners: list[Callable[[dict], None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            entry = {"t": datetime.fromtimestamp(record.created).isoformat(), "m": self.format(record) + "\n"}
        except Exception:  # noqa: BLE001 - a bad record must not break the caller's logging
            self.handleError(record)
            return
        with self._lock2:
            self._entries.append(entry)
        for listener in list(self.listeners):
            try:
                listener(entry)
            except Exception:  # noqa: BLE001 - no logging from here (it would come back to this handler)
                pass

    def entries(self) -> list[dict]:
        with self._lock2:
            return list(self._entries)

    def text(self) -> str:
        """ComfyUI's /internal/logs text: every entry as ``time - message``."""
        return "".join(f"{e['t']} - {e['m']}" for e in self.entries())

    @staticmethod
    def terminal_size() -> dict:
        size = shutil.get_terminal_size((80, 24))
        return {"cols": size.columns, "rows": size.lines}
