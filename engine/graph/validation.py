"""Prompt validation with ComfyUI-shaped errors (reference api.md §3).

Iterative throughout: a 10,000-node chain validates without recursion. Literal
values are unwrapped ("__value__") and coerced in place, as ComfyUI does, so the
executor receives the converted values.
"""
from __future__ import annotations

import inspect
import traceback
from collections import OrderedDict
from typing import Any, Iterable

import networkx as nx

from .registry import Registry
from .types import NodeClassInfo, types_match

_CYCLE_IDS_SHOWN = 50
_COERCE = {"INT": int, "FLOAT": float, "STRING": str, "BOOLEAN": bool}


def _err(type_: str, message: str, details: str, input_name: str | None = None, **extra: Any) -> dict:
    info: dict[str, Any] = {}
    if input_name is not None:
        info["input_name"] = input_name
    info.update(extra)
    return {"type": type_, "message": message, "details": details, "extra_info": info}


def prompt_error(type_: str, message: str, details: str = "") -> dict:
    return {"type": type_, "message": message, "details": details, "extra_info": {}}


class _ValidateHook:
    """Facts about a class's VALIDATE_INPUTS, computed once per class per validation."""

    __slots__ = ("fn", "params", "has_kwargs", "wants_types")

    def __init__(self, cls: type) -> None:
        self.fn = cls.VALIDATE_INPUTS
        sig = inspect.signature(self.fn)
        self.params = [p.name for p in sig.parameters.values()
                       if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ("self", "cls")]
        self.has_kwargs = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
        self.wants_types = "input_types" in self.params


_MISSING = object()


class _Compiled:
    """Per-class input checks flattened once per validation pass (hot loop for big graphs)."""

    __slots__ = ("items", "hook", "wants_types")

    def __init__(self, info: NodeClassInfo, hook: _ValidateHook | None) -> None:
        named = set(hook.params) if hook is not None else set()
        skip_all = hook is not None and hook.has_kwargs
        self.hook = hook
        self.wants_types = hook is not None and hook.wants_types
        self.items = []
        for name, spec in info.specs.items():
            if spec.section == "hidden":
                continue
            t = spec.type
            conv = _COERCE.get(t) if isinstance(t, str) else None
            opts = spec.options
            lo = opts.get("min") if t in ("INT", "FLOAT") else None
            hi = opts.get("max") if t in ("INT", "FLOAT") else None
            choices = spec.combo_options
            skip = skip_all or name in named
            self.items.append((name, spec.section == "required", spec, conv, lo, hi, choices, skip))


class ClassInfoMemo:
    """Parsed class facts kept across passes, reused while a class (same object) returns an equal
    INPUT_TYPES(): INPUT_TYPES is still called on every pass (combo lists may list files), but
    parsing it again (a node with thousands of inputs: several ms) is skipped when nothing changed.

    One owner at a time (the executor under its lock, or the admission thread)."""

    def __init__(self) -> None:
        # class_type -> (class, INPUT_TYPES() result, NodeClassInfo, {kind: derived object})
        self._entries: dict[str, tuple[type, Any, NodeClassInfo, dict]] = {}

    def info(self, registry: Registry, class_type: str) -> tuple[NodeClassInfo, dict]:
        cls = registry.get(class_type)
        input_types = getattr(cls, "INPUT_TYPES", None) if cls is not None else None
        if input_types is None:
            return registry.class_info(class_type), {}
        raw = input_types()
        entry = self._entries.get(class_type)
        if entry is not None and entry[0] is cls and entry[1] == raw:
            return entry[2], entry[3]
        info = registry.class_info(class_type)
        derived: dict = {}
        self._entries[class_type] = (cls, raw, info, derived)
        return info, derived


class ClassInfoCache:
    """Memoises NodeClassInfo (and compiled checks) per class_type for one validation/execution pass;
    with a ClassInfoMemo, unchanged classes are not parsed again from one pass to the next."""

    def __init__(self, registry: Registry, memo: ClassInfoMemo | None = None) -> None:
        self.registry = registry
        self.memo = memo
        self._infos: dict[str, NodeClassInfo] = {}
        self._hooks: dict[str, _ValidateHook | None] = {}
        self._compiled: dict[str, _Compiled] = {}
        self._derived: dict[str, dict] = {}

    def info(self, class_type: str) -> NodeClassInfo:
        info = self._infos.get(class_type)
        if info is None:
            if self.memo is not None:
                info, self._derived[class_type] = self.memo.info(self.registry, class_type)
            else:
                info = self.registry.class_info(class_type)
            self._infos[class_type] = info
        return info

    def hook(self, class_type: str) -> _ValidateHook | None:
        if class_type not in self._hooks:
            info = self.info(class_type)
            self._hooks[class_type] = _ValidateHook(info.cls) if info.has_validate else None
        return self._hooks[class_type]

    def compiled(self, class_type: str) -> _Compiled:
        c = self._compiled.get(class_type)
        if c is None:
            info = self.info(class_type)
            derived = self._derived.get(class_type)
            c = derived.get("compiled") if derived is not None else None
            if c is None:
                c = _Compiled(info, self.hook(class_type))
                if derived is not None:
                    derived["compiled"] = c
            self._compiled[class_type] = c
        return c


class ValidationMemo:
    """validate_prompt results of prompts accepted before, for the same prompt posted again.

    An entry is keyed by the prompt's JSON text (and the partial-execution targets) and kept only
    when validation left the prompt unchanged (no value coerced) and no class in it has
    VALIDATE_INPUTS (custom checks may depend on anything). It is reused only while every class of
    the prompt is the same class object returning an equal INPUT_TYPES() (the ClassInfoMemo check,
    so a combo list of files that changed forces a full validation). Everything else validation
    looks at is in the prompt text itself. Bounded by entry count and total text size.

    One owner at a time, like the ClassInfoMemo it shares.
    """

    def __init__(self, memo: ClassInfoMemo, max_entries: int = 8, max_chars: int = 64 << 20) -> None:
        self.memo = memo
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._chars = 0
        # (text, targets) -> ({class_type: NodeClassInfo}, outputs, node_errors)
        self._entries: OrderedDict[tuple, tuple[dict[str, NodeClassInfo], list[str], dict]] = OrderedDict()

    @staticmethod
    def _key(text: str, targets: list[str] | None) -> tuple:
        return text, None if targets is None else tuple(str(t) for t in targets)

    def get(self, registry: Registry, text: str, targets: list[str] | None) -> tuple[list[str], dict] | None:
        key = self._key(text, targets)
        entry = self._entries.get(key)
        if entry is None:
            return None
        infos, outputs, node_errors = entry
        for class_type, info in infos.items():
            try:
                now = self.memo.info(registry, class_type)[0]
            except Exception:  # noqa: BLE001 - INPUT_TYPES raising now: validate in full to report it
                now = None
            if now is not info:
                self._drop(key)
                return None
        self._entries.move_to_end(key)
        return list(outputs), node_errors

    def put(self, text: str, targets: list[str] | None, prompt: dict, infos: ClassInfoCache,
            outputs: list[str], node_errors: dict) -> None:
        if len(text) > self.max_chars // 4:
            return
        snapshot: dict[str, NodeClassInfo] = {}
        for node in prompt.values():
            class_type = node["class_type"]
            if class_type not in snapshot:
                info = infos.info(class_type)
                if info.has_validate:
                    return
                snapshot[class_type] = info
        key = self._key(text, targets)
        self._drop(key)
        self._entries[key] = (snapshot, list(outputs), node_errors)
        self._chars += len(text)
        while self._entries and (len(self._entries) > self.max_entries or self._chars > self.max_chars):
            self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple) -> None:
        if self._entries.pop(key, None) is not None:
            self._chars -= len(key[0])


def _check_node(node_id: str, node: dict, prompt: dict, infos: ClassInfoCache) -> tuple[list[dict], list[str]]:
    """Local checks of one node. Returns (errors, upstream node ids it links to)."""
    class_type = node["class_type"]
    compiled = infos.compiled(class_type)
    inputs = node.get("inputs")
    if inputs is None:
        inputs = node["inputs"] = {}
    if not isinstance(inputs, dict):
        return [_err("invalid_input_type", "Node inputs must be an object", f"inputs: {inputs!r}", "inputs")], []
    errors: list[dict] = []
    upstream: list[str] = []
    received_types: dict[str, Any] = {}
    for name, required, spec, conv, lo, hi, choices, skip in compiled.items:
        val = inputs.get(name, _MISSING)
        if val is _MISSING:
            if required:
                errors.append(_err("required_input_missing", "Required input is missing", name, name))
            continue
        tv = type(val)
        if tv is list:
            if len(val) != 2 or type(val[0]) is not str or type(val[1]) not in (int, float):
                errors.append(_err("bad_linked_input",
                                   "Bad linked input, must be a length-2 list of [node_id, slot_index]",
                                   name, name, input_config=spec.config(), received_value=val))
                continue
            src_id, slot = val[0], val[1]
            if type(slot) is float:
                if not slot.is_integer():
                    errors.append(_err("bad_linked_input", "Bad linked input, the output index must be a whole "
                                       "number", f"{name}: output index {slot!r}", name,
                                       input_config=spec.config(), received_value=val))
                    continue
                slot = int(slot)
                val = inputs[name] = [src_id, slot]   # 1.0 -> 1 for everything after validation
            src = prompt.get(src_id)
            if src is None:
                errors.append(_err("bad_linked_input", "Linked node does not exist",
                                   f"{name}: node '{src_id}' is not in the prompt", name,
                                   input_config=spec.config(), received_value=val))
                continue
            src_types = infos.info(src["class_type"]).return_types
            if slot < 0 or slot >= len(src_types):
                errors.append(_err("bad_linked_input", "Linked output index out of range",
                                   f"{name}: node '{src_id}' ({src['class_type']}) has "
                                   f"{len(src_types)} outputs, link asks for output {slot}",
                                   name, input_config=spec.config(), received_value=val))
                continue
            received = src_types[slot]
            received_types[name] = received
            if received != spec.type and not compiled.wants_types and not types_match(received, spec.type):
                t = spec.type if isinstance(spec.type, str) else "COMBO"
                errors.append(_err("return_type_mismatch", "Return type mismatch between linked nodes",
                                   f"{name}, received_type({received}) mismatch input_type({t})", name,
                                   input_config=spec.config(), received_type=received, linked_node=val))
                continue
            upstream.append(src_id)
            continue
        if tv is dict and "__value__" in val:
            val = inputs[name] = val["__value__"]
            tv = type(val)
        if conv is not None and tv is not conv:
            try:
                val = inputs[name] = conv(val)
            except Exception as ex:
                errors.append(_err("invalid_input_type", f"Failed to convert an input value to a {spec.type} value",
                                   f"{name}, {val}, {ex}", name, input_config=spec.config(), received_value=val,
                                   exception_message=str(ex)))
                continue
        if skip:
            continue
        if lo is not None and val < lo:
            errors.append(_err("value_smaller_than_min", f"Value {val} smaller than min of {lo}",
                               name, name, input_config=spec.config(), received_value=val))
            continue
        if hi is not None and val > hi:
            errors.append(_err("value_bigger_than_max", f"Value {val} bigger than max of {hi}",
                               name, name, input_config=spec.config(), received_value=val))
            continue
        if choices is not None:
            try:
                ok = val in choices
            except Exception:
                ok = False
            if not ok:
                if len(choices) > 20:
                    list_info, cfg = f"(list of length {len(choices)})", None
                else:
                    list_info, cfg = str(choices), spec.config()
                errors.append(_err("value_not_in_list", "Value not in list", f"{name}: '{val}' not in {list_info}",
                                   name, input_config=cfg, received_value=val))
    if compiled.hook is not None and not errors:
        errors.extend(_run_validate_hook(compiled.hook, infos.info(class_type), inputs, received_types))
    return errors, upstream


def _run_validate_hook(hook: _ValidateHook, info: NodeClassInfo, inputs: dict,
                       received_types: dict) -> list[dict]:
    kwargs: dict[str, Any] = {}
    if hook.has_kwargs:
        for name, spec in info.specs.items():
            if spec.section != "hidden" and name in inputs:
                kwargs[name] = None if name in received_types else inputs[name]
    for name in hook.params:
        spec = info.specs.get(name)
        if name == "input_types" or spec is None or spec.section == "hidden":
            continue
        kwargs[name] = None if name in received_types else inputs.get(name)
    if hook.wants_types:
        kwargs["input_types"] = received_types
    last = next(reversed(kwargs), "") if kwargs else ""
    try:
        r = hook.fn(**kwargs)
    except Exception as ex:
        return [_err("exception_during_validation", "Exception when validating node", str(ex), last,
                     exception_type=type(ex).__name__, traceback=traceback.format_tb(ex.__traceback__))]
    if r is True:
        return []
    details = last if r is False else f"{last} - {r}"
    return [_err("custom_validation_failed", "Custom validation failed for node", details, last)]


def _find_cycles(graph: dict[str, list[str]], stuck: Iterable[str]) -> list[list[str]]:
    """Node ids on dependency cycles among the ``stuck`` nodes (iterative, via networkx SCCs)."""
    stuck = set(stuck)
    g = nx.DiGraph()
    g.add_nodes_from(stuck)
    g.add_edges_from((u, n) for n in stuck for u in graph.get(n, ()) if u in stuck)
    cycles = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 or any(g.has_edge(n, n) for n in comp):
            cycles.append(sorted(comp, key=_id_key))
    return sorted(cycles, key=lambda c: _id_key(c[0]))


def _id_key(node_id: str) -> tuple:
    return (0, int(node_id), "") if node_id.isdigit() else (1, 0, node_id)


def check_prompt_structure(prompt: Any, registry: Registry) -> dict | None:
    """The checks ComfyUI does before anything else: every node is an object with a known class_type."""
    if not isinstance(prompt, dict):
        return prompt_error("invalid_prompt", "Cannot execute because the prompt is not an object",
                            f"got {type(prompt).__name__}")
    for node_id, node in prompt.items():
        if not isinstance(node, dict) or "class_type" not in node:
            return prompt_error("invalid_prompt",
                                "Cannot execute because a node is missing the class_type property.",
                                f"Node ID '#{node_id}'")
        class_type = node["class_type"]
        if registry.get(class_type) is None:
            return prompt_error("invalid_prompt", f"Cannot execute because node {class_type} does not exist.",
                                f"Node ID '#{node_id}'")
    return None


def validate_prompt(prompt: dict, registry: Registry, partial_execution_targets: list[str] | None = None,
                    infos: ClassInfoCache | None = None) -> tuple[bool, dict | None, list[str], dict]:
    """Validate an API prompt. Returns (ok, error, outputs_to_execute, node_errors) like ComfyUI."""
    err = check_prompt_structure(prompt, registry)
    if err is not None:
        return False, err, [], {}
    infos = infos or ClassInfoCache(registry)
    outputs: list[str] = []
    targets = set(str(t) for t in partial_execution_targets) if partial_execution_targets is not None else None
    for node_id, node in prompt.items():
        if targets is not None and node_id not in targets:
            continue
        try:
            if infos.info(node["class_type"]).output_node:
                outputs.append(node_id)
        except Exception as ex:
            return False, prompt_error("invalid_prompt", f"INPUT_TYPES of {node['class_type']} failed: {ex}",
                                       f"Node ID '#{node_id}'"), [], {}
    if not outputs:
        return False, prompt_error("prompt_no_outputs", "Prompt has no outputs"), [], {}

    # 1. One iterative depth-first pass from the outputs: check each node locally on the way
    #    down, decide its validity on the way up (valid = no own errors and valid inputs).
    own_errors: dict[str, list[dict]] = {}
    upstream: dict[str, list[str]] = {}
    valid: dict[str, bool] = {}
    on_cycle = False
    for out in outputs:
        if out in upstream:
            continue
        stack: list[tuple[str, bool]] = [(out, False)]
        while stack:
            nid, post = stack.pop()
            if post:
                ok = nid not in own_errors
                if ok:
                    for u in upstream[nid]:
                        if not valid.get(u, False):   # missing: still on the path, i.e. a cycle
                            ok = False
                            break
                valid[nid] = ok
                continue
            if nid in upstream:
                if nid not in valid:
                    on_cycle = True
                continue
            try:
                errs, ups = _check_node(nid, prompt[nid], prompt, infos)
            except Exception as ex:
                errs, ups = [_err("exception_during_validation", "Exception when validating node", str(ex), "",
                                  exception_type=type(ex).__name__,
                                  traceback=traceback.format_tb(ex.__traceback__))], []
            upstream[nid] = ups
            if errs:
                own_errors[nid] = errs
            stack.append((nid, True))
            for u in ups:
                if u not in valid:
                    stack.append((u, False))

    # 2. Cycles (rare): report the nodes on each one; everything depending on them is invalid.
    if on_cycle:
        for cycle in _find_cycles(upstream, upstream):
            # Capped, so a huge cycle does not make every node's error as big as the graph.
            shown = cycle[:_CYCLE_IDS_SHOWN]
            text = "cycle through nodes " + ", ".join(shown)
            if len(cycle) > len(shown):
                text += f", ... ({len(cycle)} nodes)"
            for nid in cycle:
                valid[nid] = False
                own_errors.setdefault(nid, []).append(
                    _err("dependency_cycle", "Dependency cycle detected", text, None,
                         node_ids=shown, cycle_size=len(cycle)))

    # 3. Per output: which broken nodes it depends on (walk only through invalid ancestors).
    node_errors: dict[str, dict] = {}
    good: list[str] = []
    failed_details: list[str] = []
    for out in outputs:
        if valid.get(out):
            good.append(out)
            continue
        seen = {out}
        stack = [out]
        while stack:
            nid = stack.pop()
            if nid in own_errors:
                entry = node_errors.get(nid)
                if entry is None:
                    entry = node_errors[nid] = {"errors": own_errors[nid], "dependent_outputs": [],
                                                "class_type": prompt[nid]["class_type"]}
                    failed_details.extend(f"{e['message']}: {e['details']}" for e in own_errors[nid])
                entry["dependent_outputs"].append(out)
            for u in upstream.get(nid, ()):
                if u not in seen and not valid.get(u, False):
                    seen.add(u)
                    stack.append(u)
    if not good:
        return False, prompt_error("prompt_outputs_failed_validation", "Prompt outputs failed validation",
                                   "\n".join(failed_details)), [], node_errors
    return True, None, good, node_errors
