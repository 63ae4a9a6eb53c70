"""Socket types, input specs and the small values the node API shares.

Pure Python: no torch, no engine.diffusion / nodes / server imports.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WIDGET_TYPES = frozenset({"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"})
HIDDEN_TYPES = frozenset({"PROMPT", "EXTRA_PNGINFO", "UNIQUE_ID", "DYNPROMPT",
                          "AUTH_TOKEN_COMFY_ORG", "API_KEY_COMFY_ORG"})
ANY = "*"


class ExecutionBlocker:
    """Returned in place of an output value: every node that consumes it is skipped silently.

    With a message, the consumer instead fails with that message (as ComfyUI does).
    """

    __slots__ = ("message",)

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"ExecutionBlocker({self.message!r})"


def is_link(value: Any) -> bool:
    """A link is a 2-element list/tuple ``[str node_id, int slot]`` (ComfyUI's is_link rule)."""
    return (isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], (int, float)) and not isinstance(value[1], bool))


def _split(t: str) -> set[str]:
    return {p.strip() for p in t.split(",")}


def types_match(output_type: Any, input_type: Any) -> bool:
    """Link type compatibility: equal, '*' on either side, or comma unions that intersect.

    A COMBO list on the input side accepts a COMBO / '*' / a list output.
    """
    if isinstance(input_type, (list, tuple)):
        input_type = "COMBO"
    if isinstance(output_type, (list, tuple)):
        output_type = "COMBO"
    if output_type == input_type:
        return True
    if output_type == ANY or input_type == ANY:
        return True
    if not isinstance(output_type, str) or not isinstance(input_type, str):
        return False
    if "," in output_type or "," in input_type:
        a, b = _split(output_type), _split(input_type)
        return ANY in a or ANY in b or bool(a & b)
    return False


@dataclass(frozen=True)
class InputSpec:
    """One declared input of a node class."""

    name: str
    type: Any                 # "INT", "MODEL", "*", "A,B" or a list of combo options
    options: dict = field(default_factory=dict)
    section: str = "required"  # required | optional | hidden

    @property
    def is_combo(self) -> bool:
        return isinstance(self.type, (list, tuple)) or self.type == "COMBO"

    @property
    def combo_options(self) -> list | None:
        if isinstance(self.type, (list, tuple)):
            return list(self.type)
        if self.type == "COMBO":
            opts = self.options.get("options")
            return list(opts) if opts is not None else None
        return None

    @property
    def lazy(self) -> bool:
        return bool(self.options.get("lazy"))

    @property
    def raw_link(self) -> bool:
        return bool(self.options.get("rawLink"))

    @property
    def is_widget(self) -> bool:
        """True when the editor shows this input as a widget (and saves it in widgets_values)."""
        if self.section == "hidden" or self.options.get("forceInput"):
            return False
        return self.is_combo or self.type in WIDGET_TYPES or bool(self.options.get("widgetType"))

    def config(self) -> list:
        """``[type, options]`` as reported in error ``input_config``."""
        return [self.type, self.options] if self.options else [self.type]


def parse_input_types(input_types: dict) -> dict[str, InputSpec]:
    """Flatten an INPUT_TYPES() dict into ``{name: InputSpec}`` (required, optional, hidden order)."""
    specs: dict[str, InputSpec] = {}
    for section in ("required", "optional", "hidden"):
        for name, raw in (input_types.get(section) or {}).items():
            if section == "hidden":
                specs[name] = InputSpec(name, raw if isinstance(raw, str) else raw[0], {}, section)
                continue
            if isinstance(raw, (list, tuple)) and raw and not isinstance(raw[0], str) \
                    and not isinstance(raw[0], (list, tuple)):
                raise TypeError(f"input {name!r}: type must be a string or a list, got {raw[0]!r}")
            if isinstance(raw, str):
                specs[name] = InputSpec(name, raw, {}, section)
            else:
                t = raw[0]
                opts = raw[1] if len(raw) > 1 and isinstance(raw[1], dict) else {}
                specs[name] = InputSpec(name, list(t) if isinstance(t, tuple) else t, opts, section)
    return specs


class NodeClassInfo:
    """Cached per-class facts the validator and executor read many times per run."""

    __slots__ = ("cls", "specs", "return_types", "output_is_list", "input_is_list", "output_node",
                 "function", "is_async", "has_is_changed", "has_validate", "has_lazy", "lazy_inputs",
                 "not_idempotent", "hidden_kinds")

    def __init__(self, cls: type, specs: dict[str, InputSpec]) -> None:
        import inspect
        self.cls = cls
        self.specs = specs
        self.return_types = tuple(getattr(cls, "RETURN_TYPES", ()) or ())
        oil = getattr(cls, "OUTPUT_IS_LIST", None)
        self.output_is_list = tuple(bool(x) for x in oil) if oil else (False,) * len(self.return_types)
        self.input_is_list = bool(getattr(cls, "INPUT_IS_LIST", False))
        self.output_node = bool(getattr(cls, "OUTPUT_NODE", False))
        self.function = getattr(cls, "FUNCTION", None)
        fn = getattr(cls, self.function, None) if self.function else None
        self.is_async = inspect.iscoroutinefunction(fn)
        self.has_is_changed = callable(getattr(cls, "IS_CHANGED", None))
        self.has_validate = callable(getattr(cls, "VALIDATE_INPUTS", None))
        self.has_lazy = callable(getattr(cls, "check_lazy_status", None))
        self.lazy_inputs = frozenset(n for n, s in specs.items() if s.lazy)
        self.not_idempotent = bool(getattr(cls, "NOT_IDEMPOTENT", False))
        self.hidden_kinds = frozenset(s.type for s in specs.values() if s.section == "hidden")
