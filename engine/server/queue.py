"""Durable prompt queue and history, kept in SQLite under the user directory.

The pending queue is mirrored in memory (a heap ordered like ComfyUI's: lowest
``number`` first) so GET /queue never touches the disk, while every change is
committed to SQLite before it is acknowledged, so a process killed with prompts
pending runs them after a restart. A prompt that was running when the process
died is re-run once; if it was already retried (it may be what killed the
process) it is recorded in the history with an error instead. Nothing queued is
dropped silently.

Thread model: ``PromptStore`` serialises its own connection with a lock; callers
on the event loop reach it through a thread (see routes), the worker thread calls
it directly.
"""
from __future__ import annotations

import heapq
import itertools
import json
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, Iterable

from . import fastjson

log = logging.getLogger(__name__)

MAX_HISTORY_DEFAULT = 10000
RECENT_HISTORY_ITEMS = 32          # history entries also kept in memory (the latest)
RECENT_HISTORY_CHARS = 32 << 20   # and at most this much of their text
MAX_ATTEMPTS = 2   # a prompt that was running at two crashes is recorded as failed

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
    prompt_id   TEXT PRIMARY KEY,
    number      REAL NOT NULL,
    prompt      TEXT NOT NULL,
    extra_data  TEXT NOT NULL,
    outputs     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    prompt_id   TEXT NOT NULL UNIQUE,
    entry       TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  REAL NOT NULL
);
"""


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(order=False)
class QueueItem:
    """One queued prompt; ``sensitive`` extra_data keys are kept in memory only, never stored."""
    number: float
    prompt_id: str
    prompt: dict
    extra_data: dict
    outputs: list[str]
    sensitive: dict = field(default_factory=dict)
    attempts: int = 0
    # The prompt as JSON text, made once when it is stored and reused for the history entry
    # (the prompt is not changed after validation); never re-parsed on the hot path.
    prompt_json: str | None = field(default=None, compare=False, repr=False)

    def as_list(self) -> list:
        """The 5-element ComfyUI queue tuple (sensitive slot stripped)."""
        return [self.number, self.prompt_id, self.prompt, self.extra_data, self.outputs]

    def prompt_text(self) -> str:
        if self.prompt_json is None:
            self.prompt_json = fastjson.dumps(self.prompt)
        return self.prompt_json

    def as_list_json(self) -> str:
        """``json.dumps(self.as_list())``, reusing the stored prompt text."""
        return (f"[{json.dumps(self.number)}, {json.dumps(self.prompt_id)}, {self.prompt_text()}, "
                f"{json.dumps(self.extra_data)}, {json.dumps(self.outputs)}]")


class PromptStore:
    """SQLite persistence for the queue and the history (one connection, lock-serialised)."""

    def __init__(self, db_path: str, max_history: int = MAX_HISTORY_DEFAULT) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(db_path)), exist_ok=True)
        self.db_path = db_path
        self.max_history = int(max_history)
        # The latest finished entries' text, so a client fetching the prompt it just ran (the
        # usual GET /history/{id} after "executing" None) is answered without a database read.
        self._recent: OrderedDict[str, str] = OrderedDict()
        self._recent_chars = 0
        self._recent_lock = threading.Lock()
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        # WAL + synchronous=NORMAL: a commit survives the process being killed (not a power cut).
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints (which fsync) run on their own connection and thread, never inside a
        # request's commit: see checkpoint().
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._conn.executescript(_SCHEMA)
        # Rows in the history table, kept in step with every insert and delete so finishing a
        # prompt trims the oldest entries without counting or scanning the table each time.
        self._history_rows_n = self._conn.execute("SELECT COUNT(*) FROM history").fetchone()[0]
        self._ckpt_conn: sqlite3.Connection | None = None
        self._ckpt_lock = threading.Lock()

    def close(self) -> None:
        self.checkpoint()
        with self._ckpt_lock:
            if self._ckpt_conn is not None:
                self._ckpt_conn.close()
                self._ckpt_conn = None
        with self._lock:
            self._conn.close()

    def checkpoint(self) -> None:
        """Copy the WAL into the database (PASSIVE: writers on the main connection are not blocked)."""
        with self._ckpt_lock:
            if self._ckpt_conn is None:
                self._ckpt_conn = sqlite3.connect(self.db_path, check_same_thread=False, isolation_level=None)
            self._ckpt_conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    # -- queue ---------------------------------------------------------------
    def add(self, item: QueueItem) -> None:
        self.add_many([item])

    def add_many(self, items: list[QueueItem]) -> None:
        """Insert prompts in one transaction (one commit for a whole batch of POSTs)."""
        now = time.time()
        rows = [(i.prompt_id, i.number, i.prompt_text(), json.dumps(i.extra_data), json.dumps(i.outputs),
                 i.attempts, now) for i in items]
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO queue(prompt_id, number, prompt, extra_data, outputs, state, attempts,"
                    " created_at) VALUES (?,?,?,?,?,'pending',?,?)", rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def set_state(self, prompt_id: str, state: str, attempts: int) -> None:
        with self._lock:
            self._conn.execute("UPDATE queue SET state=?, attempts=? WHERE prompt_id=?",
                               (state, attempts, prompt_id))

    def remove(self, prompt_ids: Iterable[str]) -> None:
        ids = [(p,) for p in prompt_ids]
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany("DELETE FROM queue WHERE prompt_id=? AND state='pending'", ids)
            self._conn.execute("COMMIT")

    def load_queue(self) -> list[tuple[QueueItem, str]]:
        """Every stored queue row as (item, state), in priority order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT prompt_id, number, prompt, extra_data, outputs, state, attempts FROM queue"
                " ORDER BY number, created_at").fetchall()
        # SQLite REAL gives floats back; whole numbers were (almost always) the server's int counter.
        return [(QueueItem(number=int(r[1]) if float(r[1]).is_integer() else r[1], prompt_id=r[0],
                           prompt=json.loads(r[2]), extra_data=json.loads(r[3]), outputs=json.loads(r[4]),
                           attempts=r[6], prompt_json=r[2]), r[5]) for r in rows]

    def adopt_queue(self, other_db: str) -> int:
        """Move the queue rows of another (unused) queue database into this one, state and attempts kept;
        the number of rows taken. Rows already here are left (a repeated adoption after a crash takes
        nothing twice); the other file's history stays where it is."""
        with self._lock:
            self._conn.execute("ATTACH DATABASE ? AS other", (other_db,))
            try:
                self._conn.execute("BEGIN")
                try:
                    cols = "prompt_id, number, prompt, extra_data, outputs, state, attempts, created_at"
                    n = self._conn.execute(f"INSERT OR IGNORE INTO main.queue({cols}) SELECT {cols} FROM other.queue"
                                           ).rowcount
                    self._conn.execute("DELETE FROM other.queue WHERE prompt_id IN (SELECT prompt_id FROM main.queue)")
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            finally:
                self._conn.execute("DETACH DATABASE other")
        return n

    def max_number(self) -> float:
        with self._lock:
            row = self._conn.execute("SELECT MAX(number) FROM queue").fetchone()
        return row[0] if row and row[0] is not None else -1

    # -- history -------------------------------------------------------------
    def finish(self, prompt_id: str, entry: dict, text: str | None = None) -> None:
        """Atomically move a prompt from the queue into the history, trimming the oldest entries.

        ``text``: ``json.dumps(entry)`` when the caller already has it (built from parts, see
        history_entry_json), so a big prompt is not serialised again.
        """
        status = (entry.get("status") or {}).get("status_str") or "unknown"
        if text is None:
            text = json.dumps(entry)
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.execute("DELETE FROM queue WHERE prompt_id=?", (prompt_id,))
                n = self._history_rows_n
                n -= self._conn.execute("DELETE FROM history WHERE prompt_id=?", (prompt_id,)).rowcount
                self._conn.execute("INSERT INTO history(prompt_id, entry, status, created_at) VALUES (?,?,?,?)",
                                   (prompt_id, text, status, time.time()))
                n += 1
                if n > self.max_history:   # drop the oldest (an index range on seq, not a scan)
                    n -= self._conn.execute(
                        "DELETE FROM history WHERE seq IN (SELECT seq FROM history ORDER BY seq LIMIT ?)",
                        (n - self.max_history,)).rowcount
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._history_rows_n = n
            self._remember(prompt_id, text)

    def _remember(self, prompt_id: str, text: str) -> None:
        with self._recent_lock:
            self._forget_locked(prompt_id)
            if len(text) > RECENT_HISTORY_CHARS // 4:
                return
            self._recent[prompt_id] = text
            self._recent_chars += len(text)
            while self._recent and (len(self._recent) > min(RECENT_HISTORY_ITEMS, self.max_history)
                                    or self._recent_chars > RECENT_HISTORY_CHARS):
                self._forget_locked(next(iter(self._recent)))

    def _forget_locked(self, prompt_id: str) -> None:
        old = self._recent.pop(prompt_id, None)
        if old is not None:
            self._recent_chars -= len(old)

    def recent_history_item_json(self, prompt_id: str) -> str | None:
        """history_item_json for one of the latest finished prompts, from memory (None: ask the database)."""
        with self._recent_lock:
            return self._recent.get(prompt_id)

    def history_count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM history").fetchone()[0]

    def _history_rows(self, max_items: int | None, offset: int) -> list[tuple[str, str]]:
        with self._lock:
            total = self._history_rows_n
            if offset < 0:
                offset = total - max_items if max_items is not None else 0
            offset = max(offset, 0)
            limit = -1 if max_items is None else max(int(max_items), 0)
            return self._conn.execute("SELECT prompt_id, entry FROM history ORDER BY seq LIMIT ? OFFSET ?",
                                      (limit, offset)).fetchall()

    def history(self, max_items: int | None = None, offset: int = -1) -> dict[str, dict]:
        """ComfyUI's get_history paging: offset counts from the oldest; a negative offset
        with max_items returns the newest ``max_items``; insertion order is kept."""
        return {pid: json.loads(entry) for pid, entry in self._history_rows(max_items, offset)}

    def history_json(self, max_items: int | None = None, offset: int = -1) -> str:
        """The same as history() as JSON text, built from the stored text without re-parsing it."""
        rows = self._history_rows(max_items, offset)
        return "{" + ",".join(f"{json.dumps(pid)}:{entry}" for pid, entry in rows) + "}"

    def history_item(self, prompt_id: str) -> dict | None:
        text = self.history_item_json(prompt_id)
        return json.loads(text) if text is not None else None

    def history_item_json(self, prompt_id: str) -> str | None:
        """One history entry as its stored JSON text (not re-parsed), or None."""
        with self._lock:
            row = self._conn.execute("SELECT entry FROM history WHERE prompt_id=?", (prompt_id,)).fetchone()
        return row[0] if row else None

    def history_delete(self, prompt_ids: Iterable[str]) -> None:
        ids = [(p,) for p in prompt_ids]
        with self._recent_lock:
            for (p,) in ids:
                self._forget_locked(p)
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                gone = sum(self._conn.execute("DELETE FROM history WHERE prompt_id=?", i).rowcount for i in ids)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._history_rows_n -= gone

    def history_clear(self) -> None:
        with self._recent_lock:
            self._recent.clear()
            self._recent_chars = 0
        with self._lock:
            self._conn.execute("DELETE FROM history")
            self._history_rows_n = 0


class QueueLock:
    """An exclusive lock on the queue database's directory, so two servers never share one queue.

    Held for the life of the server (released by the OS if the process dies)."""

    def __init__(self, db_path: str) -> None:
        self.path = db_path + ".lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        if not self.try_acquire():
            raise RuntimeError(f"another server is already using the prompt queue {self.path[:-5]} "
                               "(pass a different --user-directory)")

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it (True), else False at once."""
        try:
            import fcntl
        except ImportError:   # not POSIX: no advisory locks; one server per user directory is on the user
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def adopt_orphan_queues(store: PromptStore, user_dir: str, name: str = "queue.sqlite3") -> dict[str, int]:
    """Take over the queued prompts of other servers' queue files in ``user_dir`` that no running server
    holds (a server that ran on another port and is gone): nothing a server accepted waits for a
    restart on one exact port. {file: prompts taken}."""
    stem, ext = os.path.splitext(name)
    own = os.path.realpath(store.db_path)
    taken: dict[str, int] = {}
    try:
        names = sorted(os.listdir(user_dir))
    except OSError:
        return taken
    for candidate in names:
        if not (candidate == name or (candidate.startswith(stem + "-") and candidate.endswith(ext))):
            continue
        path = os.path.join(user_dir, candidate)
        if os.path.realpath(path) == own or not os.path.isfile(path):
            continue
        lock = QueueLock(path)
        if not lock.try_acquire():
            continue   # its server is running
        try:
            n = store.adopt_queue(path)
        except sqlite3.Error as e:
            log.warning("could not read the queue file %s (%s); its prompts stay there", path, e)
            n = 0
        finally:
            lock.release()
        if n:
            log.warning("took over %d prompt(s) queued in %s by a server that is no longer running", n, path)
            taken[path] = n
    return taken


def open_queue_lock(user_dir: str, port: int | None, name: str = "queue.sqlite3") -> tuple[QueueLock, str]:
    """The lock and database path for this server's durable queue.

    One install often runs several servers (one per GPU, each on its own port) from the same folders,
    as ComfyUI allows. The first takes ``queue.sqlite3``; a server that finds it in use keeps its queue
    in ``queue-<port>.sqlite3`` instead, and keeps using that file whenever it exists, so a server restarted
    on its port finds the prompts it had accepted again even when the first server has gone meanwhile
    (and a server on any port takes over the queues of servers that are gone: adopt_orphan_queues)."""
    stem, ext = os.path.splitext(name)
    candidates = [name] + ([f"{stem}-{port}{ext}"] if port else [])
    if port and os.path.exists(os.path.join(user_dir, candidates[1])):
        candidates.reverse()
    for candidate in candidates:
        path = os.path.join(user_dir, candidate)
        lock = QueueLock(path)
        if lock.try_acquire():
            if candidate != name:
                log.warning("another server is using %s; this one keeps its queue and history in %s",
                            os.path.join(user_dir, name), path)
            return lock, path
    raise RuntimeError(f"other servers are already using the prompt queues {' and '.join(candidates)} in "
                       f"{user_dir} (pass a different --user-directory or --port)")


class Checkpointer:
    """Background thread that checkpoints the store's WAL every ``interval`` seconds."""

    def __init__(self, store: PromptStore, interval: float = 1.0) -> None:
        self.store = store
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="queue-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.store.checkpoint()
            except sqlite3.Error:
                log.exception("WAL checkpoint of %s failed; retrying later", self.store.db_path)


def history_entry(item: QueueItem, outputs: dict, status: dict, meta: dict) -> tuple[dict, str]:
    """A history entry as a dict and as JSON text (``json.dumps``' meaning, maybe not its spacing),
    the prompt's text taken from the item (serialised once, when it was queued)."""
    entry = {"prompt": item.as_list(), "outputs": outputs, "status": status, "meta": meta}
    text = (f'{{"prompt": {item.as_list_json()}, "outputs": {fastjson.dumps(outputs)}, '
            f'"status": {json.dumps(status)}, "meta": {json.dumps(meta)}}}')
    return entry, text


def restart_error_entry(item: QueueItem) -> dict:
    """History entry for a prompt that was running at too many crashes to be retried."""
    message = (f"The server stopped while this prompt was running ({item.attempts} attempts); "
               "it was not run again because it may be what stopped the server.")
    info = {"prompt_id": item.prompt_id, "node_id": None, "node_type": None, "executed": [],
            "exception_message": message, "exception_type": "ServerRestart", "traceback": [],
            "current_inputs": {}, "current_outputs": [], "timestamp": now_ms()}
    return {"prompt": item.as_list(), "outputs": {},
            "status": {"status_str": "error", "completed": False, "messages": [["execution_error", info]]},
            "meta": {}}


class PromptQueue:
    """The in-memory priority queue in front of a PromptStore; thread-safe.

    ``on_change(remaining)`` is called (outside the lock) after every change that
    ComfyUI reports with a status message: put, get, task done, delete, wipe.
    """

    def __init__(self, store: PromptStore, on_change: Callable[[int], None] | None = None) -> None:
        self.store = store
        self.on_change = on_change
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, str]] = []
        self._items: dict[str, QueueItem] = {}
        self._running: dict[str, QueueItem] = {}
        self._seq = itertools.count()
        self._counter = 0
        self.recovered_errors: list[str] = []
        self._recover()

    def _recover(self) -> None:
        top = -1.0
        for item, state in self.store.load_queue():
            if item.number >= 0:
                top = max(top, item.number)
            if state == "running" and item.attempts >= MAX_ATTEMPTS:
                self.store.finish(item.prompt_id, restart_error_entry(item))
                self.recovered_errors.append(item.prompt_id)
                continue
            if state == "running":
                self.store.set_state(item.prompt_id, "pending", item.attempts)
            self._push(item)
        self._counter = int(top) + 1

    def _push(self, item: QueueItem) -> None:
        self._items[item.prompt_id] = item
        heapq.heappush(self._heap, (item.number, next(self._seq), item.prompt_id))

    def _notify(self) -> None:
        if self.on_change is not None:
            self.on_change(self.remaining())

    def next_number(self, front: bool) -> int:
        """The server's own priority counter (an int, as ComfyUI echoes it); negated for ``front``."""
        with self._cond:
            n = self._counter
            self._counter += 1
        return -n if front else n

    def put(self, item: QueueItem) -> None:
        """Persist then enqueue (blocking: call from a thread, not the event loop)."""
        error = self.put_many([item])[0]
        if error is not None:
            raise ValueError(error)

    def put_many(self, items: list[QueueItem]) -> list[str | None]:
        """Persist a batch in one commit, then enqueue it; per item None or why it was refused.

        Call from one thread at a time (the admission thread), so the duplicate check holds.
        """
        errors: list[str | None] = []
        accepted: list[QueueItem] = []
        seen: set[str] = set()
        with self._cond:
            for item in items:
                pid = item.prompt_id
                if pid in self._items or pid in self._running or pid in seen:
                    errors.append(f"prompt_id {pid!r} is already queued")
                else:
                    errors.append(None)
                    accepted.append(item)
                    seen.add(pid)
        if accepted:
            try:
                self.store.add_many(accepted)
            except Exception:  # noqa: BLE001 - one bad item must not fail the others: store them one by one
                if len(accepted) == 1:
                    raise
                log.exception("storing a batch of %d prompts failed; storing them one by one", len(accepted))
                stored = []
                for item in accepted:
                    try:
                        self.store.add_many([item])
                    except Exception as e:  # noqa: BLE001 - that item's client gets the reason
                        errors[next(i for i, it in enumerate(items) if it is item)] = \
                            f"prompt {item.prompt_id!r} could not be stored: {type(e).__name__}: {e}"
                    else:
                        stored.append(item)
                accepted = stored
                if not accepted:
                    return errors
            with self._cond:
                for item in accepted:
                    self._push(item)
                self._cond.notify()
            self._notify()
        return errors

    def get(self, timeout: float | None = None) -> QueueItem | None:
        """Take the highest-priority prompt and mark it running; None on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                while self._heap and self._heap[0][2] not in self._items:
                    heapq.heappop(self._heap)   # lazily dropped (deleted) entry
                if self._heap:
                    break
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    return None
                self._cond.wait(wait)
            _, _, pid = heapq.heappop(self._heap)
            item = self._items.pop(pid)
            item.attempts += 1
            self._running[pid] = item
        self.store.set_state(pid, "running", item.attempts)
        self._notify()
        return item

    def requeue(self, item: QueueItem) -> None:
        """Put a running prompt back (server shutting down mid-run); its attempt is not counted."""
        item.attempts = max(item.attempts - 1, 0)
        self.store.set_state(item.prompt_id, "pending", item.attempts)
        with self._cond:
            self._running.pop(item.prompt_id, None)
            self._push(item)

    def task_done(self, item: QueueItem, entry: dict, text: str | None = None) -> None:
        self.store.finish(item.prompt_id, entry, text)
        with self._cond:
            self._running.pop(item.prompt_id, None)
        self._notify()

    def delete(self, prompt_ids: Iterable[str]) -> int:
        ids = [p for p in prompt_ids]
        with self._cond:
            gone = [p for p in ids if self._items.pop(p, None) is not None]
        if gone:
            self.store.remove(gone)
            self._notify()
        return len(gone)

    def wipe(self) -> int:
        with self._cond:
            gone = list(self._items)
            self._items.clear()
            self._heap.clear()
        self.store.remove(gone)
        self._notify()
        return len(gone)

    def remaining(self) -> int:
        with self._cond:
            return len(self._items) + len(self._running)

    def snapshot(self) -> tuple[list[QueueItem], list[QueueItem]]:
        """(running, pending) with pending in execution order."""
        with self._cond:
            running = list(self._running.values())
            pending = sorted(self._items.values(), key=lambda i: i.number)
        return running, pending

    def running_item(self, prompt_id: str) -> QueueItem | None:
        with self._cond:
            return self._running.get(prompt_id)

    def find(self, prompt_id: str) -> tuple[str, QueueItem] | None:
        with self._cond:
            if prompt_id in self._running:
                return "in_progress", self._running[prompt_id]
            if prompt_id in self._items:
                return "pending", self._items[prompt_id]
        return None

    def has(self, prompt_id: str) -> bool:
        return self.find(prompt_id) is not None
