"""Services a node may use while it runs, passed in rather than global.

The executor activates a :class:`NodeScope` (a contextvar, so concurrent async
nodes each see their own) around every node call. Nodes reach it through
``current()``, ``progress()`` and ``check_interrupt()``; built-in nodes may also
read their class attribute ``CONTEXT`` (set by the Registry).
"""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .errors import Interrupted


@dataclass
class NodeContext:
    paths: Any = None             # engine.graph.paths.FolderPaths
    device: object | None = None  # engine.diffusion.device.DeviceManager (None without torch)
    args: object | None = None    # parsed CLI namespace


class NodeScope:
    """Per-node-call state: who is running, where progress goes, how to check for interrupt."""

    __slots__ = ("context", "prompt_id", "node_id", "class_type", "_on_progress", "_is_interrupted")

    def __init__(self, context: NodeContext | None, prompt_id: str, node_id: str, class_type: str,
                 on_progress: Callable[[int, int, Any], None] | None = None,
                 is_interrupted: Callable[[], bool] | None = None) -> None:
        self.context = context
        self.prompt_id = prompt_id
        self.node_id = node_id
        self.class_type = class_type
        self._on_progress = on_progress
        self._is_interrupted = is_interrupted

    def progress(self, value: int, max: int, preview: Any = None) -> None:
        if self._on_progress is not None:
            self._on_progress(value, max, preview)

    def check_interrupt(self) -> None:
        if self._is_interrupted is not None and self._is_interrupted():
            raise Interrupted(f"interrupted in node {self.node_id} ({self.class_type})")


_SCOPE: contextvars.ContextVar[NodeScope | None] = contextvars.ContextVar("engine_graph_node_scope",
                                                                          default=None)


@contextlib.contextmanager
def activate(scope: NodeScope) -> Iterator[NodeScope]:
    """Make ``scope`` the current one for the duration of a node call (used by the executor)."""
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)


def current_scope() -> NodeScope | None:
    """The running node's scope, or None outside execution."""
    return _SCOPE.get()


def current() -> NodeContext | None:
    """The NodeContext of the run in progress (None outside execution or if none was given)."""
    scope = _SCOPE.get()
    return scope.context if scope is not None else None


def progress(value: int, max: int, preview: Any = None) -> None:
    """Report progress of the running node (no-op outside execution). preview: PIL image or None."""
    scope = _SCOPE.get()
    if scope is not None:
        scope.progress(int(value), int(max), preview)


def check_interrupt() -> None:
    """Raise engine.graph.errors.Interrupted if the run was interrupted (no-op outside execution)."""
    scope = _SCOPE.get()
    if scope is not None:
        scope.check_interrupt()
