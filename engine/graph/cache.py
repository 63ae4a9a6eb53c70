"""Output cache: node results keyed by signature, with the policies the CLI selects.

A signature (see ``signature_for``) is a short digest of a node's class, its literal
inputs, the signatures of its upstream nodes in input order and its IS_CHANGED value.
Node outputs (torch tensors included) are stored by reference and never hashed.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from collections import OrderedDict
from typing import Any, Callable


_SCALARS = (str, int, float, bool, type(None))


class CacheEntry:
    """One node's cached result: ``outputs[slot]`` is the list of items of that output."""

    __slots__ = ("outputs", "ui")

    def __init__(self, outputs: list[list], ui: dict | None) -> None:
        self.outputs = outputs
        self.ui = ui


def _opaque(obj: Any) -> str:
    # Not JSON-able (a tensor handed over by node expansion, say): identity only, never content.
    return f"<{type(obj).__module__}.{type(obj).__qualname__}@{id(obj):x}>"


def literal_key(value: Any) -> str:
    """Stable text for a literal input value (JSON for JSON-able data, identity otherwise)."""
    if isinstance(value, _SCALARS):
        if isinstance(value, float) and math.isnan(value):
            return "nan"
        return repr(value)
    return json.dumps(value, sort_keys=True, default=_opaque)


def signature_for(class_type: str, inputs: dict, upstream: dict[str, str], is_changed: Any = None,
                  node_id: str | None = None) -> str:
    """Digest of one node; ``upstream`` maps linked node ids to their signatures.

    Runs for every node of every prompt (cached or not), so the common cases are inlined.
    """
    parts = [class_type]
    append = parts.append
    for name in sorted(inputs):
        v = inputs[name]
        t = type(v)
        if t is str or t is int or t is bool or v is None:
            append(f"{name}={v!r}")
        elif (t is list or t is tuple) and len(v) == 2 and type(v[0]) is str and type(v[1]) in (int, float):
            append(f"{name}<{upstream[v[0]]}:{v[1]}")
        else:
            append(f"{name}={literal_key(v)}")
    if is_changed is not None:
        append(f"#changed={is_changed}")
    if node_id is not None:
        append(f"#id={node_id}")
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class OutputCache:
    """Base policy: keep every result until cleared. Subclasses decide what to evict."""

    policy = "keep"

    def __init__(self) -> None:
        self._entries: OrderedDict[str, CacheEntry] = OrderedDict()
        self._used: set[str] = set()

    def get(self, signature: str) -> CacheEntry | None:
        entry = self._entries.get(signature)
        if entry is not None:
            self._entries.move_to_end(signature)
            self._used.add(signature)
        return entry

    def set(self, signature: str, entry: CacheEntry) -> None:
        self._entries[signature] = entry
        self._entries.move_to_end(signature)
        self._used.add(signature)
        self.after_set()

    def after_set(self) -> None:
        """Hook run after each store (the RAM policy checks headroom here)."""

    def begin_run(self) -> None:
        self._used = set()

    def end_run(self) -> None:
        """Called once after every run (success or not): evict per policy."""

    def clear(self) -> None:
        self._entries.clear()
        self._used = set()

    def __contains__(self, signature: str) -> bool:
        return signature in self._entries

    def __len__(self) -> int:
        return len(self._entries)


class ClassicCache(OutputCache):
    """ComfyUI's default: keep the results the latest prompt used, drop the rest after each run."""

    policy = "classic"

    def end_run(self) -> None:
        if len(self._used) != len(self._entries):
            for sig in [s for s in self._entries if s not in self._used]:
                del self._entries[sig]


class LRUCache(OutputCache):
    """Keep at most ``size`` results (never evicting what the current run used)."""

    policy = "lru"

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"--cache-lru needs a size of at least 1, got {size}")
        super().__init__()
        self.size = size

    def end_run(self) -> None:
        self._evict()

    def after_set(self) -> None:
        self._evict()

    def _evict(self) -> None:
        if len(self._entries) <= self.size:
            return
        for sig in list(self._entries):
            if len(self._entries) <= self.size:
                break
            if sig not in self._used:
                del self._entries[sig]


class NoCache(OutputCache):
    """Nothing is kept between runs (results still flow inside one run)."""

    policy = "none"

    def get(self, signature: str) -> CacheEntry | None:
        return None

    def set(self, signature: str, entry: CacheEntry) -> None:
        return None


def _available_ram_bytes() -> int:
    import psutil
    return int(psutil.virtual_memory().available)


class RamPressureCache(OutputCache):
    """Keep results while free RAM stays above ``headroom_gb``; evict least recently used below it."""

    policy = "ram"

    def __init__(self, headroom_gb: float, free_bytes: Callable[[], int] | None = None,
                 check_interval_s: float = 0.25) -> None:
        if headroom_gb <= 0:
            raise ValueError(f"--cache-ram needs a positive number of GB, got {headroom_gb}")
        super().__init__()
        self.headroom_bytes = int(headroom_gb * (1024 ** 3))
        self._free_bytes = free_bytes or _available_ram_bytes
        self._interval = check_interval_s
        self._last_check = 0.0

    def after_set(self) -> None:
        now = time.monotonic()
        if now - self._last_check >= self._interval:
            self._last_check = now
            self.evict_for_headroom()

    def end_run(self) -> None:
        self.evict_for_headroom()

    def evict_for_headroom(self) -> int:
        """Drop least recently used results until free RAM reaches the headroom; returns how many."""
        dropped = 0
        while self._entries and self._free_bytes() < self.headroom_bytes:
            self._entries.popitem(last=False)
            dropped += 1
        return dropped


def make_cache(policy: str = "classic", lru_size: int = 0, ram_gb: float = 0.0) -> OutputCache:
    """Build the cache the flags ask for: "classic" | "lru" | "none" | "ram"."""
    if policy == "classic":
        return ClassicCache()
    if policy == "lru":
        return LRUCache(lru_size)
    if policy == "none":
        return NoCache()
    if policy == "ram":
        return RamPressureCache(ram_gb)
    raise ValueError(f"unknown cache policy {policy!r} (expected classic, lru, none or ram)")
