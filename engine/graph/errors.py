"""Errors raised by the graph engine.

Validation problems are carried as :class:`ValidationError` objects whose
``to_dict()`` gives the ComfyUI-shaped ``{type, message, details, extra_info}``
entry (reference api.md §3).
"""
from __future__ import annotations

from typing import Any


class GraphError(Exception):
    """Base class of every error raised by engine.graph."""


class ValidationError(GraphError):
    """One validation problem, shaped like a ComfyUI error object."""

    def __init__(self, type: str, message: str, details: str = "", extra_info: dict | None = None,
                 node_id: str | None = None) -> None:
        super().__init__(f"{message}: {details}" if details else message)
        self.type = type
        self.message = message
        self.details = details
        self.extra_info = dict(extra_info or {})
        self.node_id = node_id

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "message": self.message, "details": self.details,
                "extra_info": self.extra_info}


class PromptValidationError(GraphError):
    """A whole prompt was rejected; ``error`` and ``node_errors`` are the ComfyUI-shaped dicts."""

    def __init__(self, error: dict, node_errors: dict) -> None:
        lines = [f"{error.get('message')}: {error.get('details')}".rstrip(": ")]
        for nid, entry in node_errors.items():
            for e in entry.get("errors", []):
                lines.append(f"node {nid} ({entry.get('class_type')}): {e['message']}: {e['details']}")
        super().__init__("\n".join(lines))
        self.error = error
        self.node_errors = node_errors


class CycleError(GraphError):
    """The graph has a dependency cycle; ``node_ids`` lists the nodes on it."""

    def __init__(self, node_ids: list[str]) -> None:
        super().__init__("Dependency cycle between nodes " + ", ".join(node_ids))
        self.node_ids = list(node_ids)


class NodeExecutionError(GraphError):
    """A node's function raised; wraps the original exception with the node's identity."""

    def __init__(self, node_id: str, class_type: str, original: BaseException,
                 inputs: dict | None = None) -> None:
        super().__init__(f"node {node_id} ({class_type}): {type(original).__name__}: {original}")
        self.node_id = node_id
        self.class_type = class_type
        self.original = original
        self.inputs = inputs or {}


class Interrupted(GraphError):
    """Raised by check_interrupt() when the current run has been asked to stop."""


# Name used in INTERFACES.md.
InterruptedError_ = Interrupted
