"""The Registry: node classes by name, display names, web directories of custom packs.

An object, not a module global: main.py builds one and passes it around.
"""
from __future__ import annotations

import logging
from typing import Any

from .context import NodeContext
from .types import InputSpec, NodeClassInfo, parse_input_types

log = logging.getLogger(__name__)


def _check_node_class(name: str, cls: type) -> None:
    if not isinstance(cls, type):
        raise TypeError(f"node {name!r}: expected a class, got {type(cls).__name__}")
    if not callable(getattr(cls, "INPUT_TYPES", None)):
        raise TypeError(f"node {name!r}: class {cls.__name__} has no INPUT_TYPES classmethod")
    fn = getattr(cls, "FUNCTION", None)
    if not isinstance(fn, str) or not callable(getattr(cls, fn, None)):
        raise TypeError(f"node {name!r}: FUNCTION {fn!r} does not name a method of {cls.__name__}")


class Registry:
    """Holds node classes. ``context`` is given to built-in classes as their ``CONTEXT`` attribute."""

    def __init__(self, context: NodeContext | None = None) -> None:
        self.context = context
        self._classes: dict[str, type] = {}
        self._display: dict[str, str] = {}
        self._module: dict[str, str] = {}
        self.web_dirs: dict[str, str] = {}
        self.load_errors: dict[str, str] = {}
        self.version = 0   # bumped by every register/unregister (memos keyed on the class set use it)

    def register(self, name: str, cls: type, display_name: str | None = None, module: str = "nodes") -> None:
        """Add (or replace) the node class ``name``; TypeError if it breaks the class convention."""
        _check_node_class(name, cls)
        self._classes[name] = cls
        self.version += 1
        if display_name:
            self._display[name] = display_name
        else:
            self._display.pop(name, None)
        self._module[name] = module
        # A class opts in with ``CONTEXT = None``; classes already bound to a context keep theirs.
        if self.context is not None and "CONTEXT" in vars(cls) and cls.CONTEXT is None:
            cls.CONTEXT = self.context

    def unregister(self, name: str) -> None:
        self.version += 1
        self._classes.pop(name, None)
        self._display.pop(name, None)
        self._module.pop(name, None)

    def get(self, name: str) -> type | None:
        return self._classes.get(name) if isinstance(name, str) else None

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __len__(self) -> int:
        return len(self._classes)

    def names(self) -> list[str]:
        return list(self._classes)

    def module(self, name: str) -> str:
        return self._module.get(name, "nodes")

    def display_name(self, name: str) -> str:
        return self._display.get(name, name)

    def input_specs(self, name: str) -> dict[str, InputSpec]:
        """Parsed INPUT_TYPES of ``name`` (called fresh: combo lists may list files)."""
        cls = self._classes[name]
        return parse_input_types(cls.INPUT_TYPES())

    def class_info(self, name: str) -> NodeClassInfo:
        """Per-class facts (INPUT_TYPES evaluated now). Callers memoise per run."""
        return NodeClassInfo(self._classes[name], self.input_specs(name))

    def node_info(self, name: str) -> dict[str, Any]:
        """The /object_info entry of ``name`` (reference api.md §2)."""
        cls = self._classes[name]
        inputs = cls.INPUT_TYPES()
        return_types = list(getattr(cls, "RETURN_TYPES", ()) or ())
        oil = getattr(cls, "OUTPUT_IS_LIST", None)
        info: dict[str, Any] = {
            "input": inputs,
            "input_order": {k: list(v.keys()) for k, v in inputs.items()
                            if k in ("required", "optional", "hidden") and isinstance(v, dict)},
            "output": return_types,
            "output_is_list": list(oil) if oil else [False] * len(return_types),
            "output_name": list(getattr(cls, "RETURN_NAMES", None) or return_types),
            "name": name,
            "display_name": self.display_name(name),
            "description": getattr(cls, "DESCRIPTION", "") or "",
            "python_module": self.module(name),
            "category": getattr(cls, "CATEGORY", "sd") or "sd",
            "output_node": bool(getattr(cls, "OUTPUT_NODE", False)),
        }
        if hasattr(cls, "OUTPUT_TOOLTIPS"):
            info["output_tooltips"] = list(cls.OUTPUT_TOOLTIPS)
        if getattr(cls, "DEPRECATED", False):
            info["deprecated"] = True
        if getattr(cls, "EXPERIMENTAL", False):
            info["experimental"] = True
        if hasattr(cls, "API_NODE"):
            info["api_node"] = bool(cls.API_NODE)
        return info

    def all_node_info(self) -> dict[str, dict]:
        """/object_info for every class; a class whose INPUT_TYPES raises is skipped and logged."""
        out: dict[str, dict] = {}
        for name in self._classes:
            try:
                out[name] = self.node_info(name)
            except Exception:
                log.exception("node %s: INPUT_TYPES failed; left out of object_info", name)
        return out
