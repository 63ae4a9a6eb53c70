"""V3 (comfy_api.latest) nodes as V1-shaped classes, and registration from a pack's comfy_entrypoint()."""
from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any, Callable

from engine.graph.types import ExecutionBlocker

from .comfy_api.latest import io


def run_maybe_async(value: Any) -> Any:
    """Await ``value`` if it is awaitable (on a private loop, in a thread when one already runs here)."""
    if not inspect.isawaitable(value):
        return value

    async def wait() -> Any:
        return await value

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wait())
    box: dict[str, Any] = {}

    def runner() -> None:
        try:
            box["v"] = asyncio.run(wait())
        except BaseException as ex:  # re-raised in the caller's thread
            box["e"] = ex

    t = threading.Thread(target=runner, name="comfy-entrypoint")
    t.start()
    t.join()
    if "e" in box:
        raise box["e"]
    return box["v"]


def entrypoint_mappings(entrypoint: Callable) -> tuple[dict[str, type], dict[str, str]]:
    """({node_id: V1 adapter class}, {node_id: display name}) from a pack's comfy_entrypoint."""
    extension = run_maybe_async(entrypoint())
    if extension is None or not hasattr(extension, "get_node_list"):
        raise TypeError(f"comfy_entrypoint returned {type(extension).__name__}, expected a ComfyExtension")
    if hasattr(extension, "on_load"):
        run_maybe_async(extension.on_load())
    mappings: dict[str, type] = {}
    display: dict[str, str] = {}
    for node_cls in run_maybe_async(extension.get_node_list()) or []:
        adapter = v1_class(node_cls)
        schema = node_cls.GET_SCHEMA()
        mappings[schema.node_id] = adapter
        if schema.display_name:
            display[schema.node_id] = schema.display_name
    return mappings, display


def _hidden_keys(schema: io.Schema) -> dict[str, str]:
    """Hidden member name -> kwarg name (the member name, prefixed when an input already uses it)."""
    ids = {i.id for i in schema.inputs}
    out = {}
    for h in schema.hidden:
        name = io.Hidden(h).name
        out[name] = name if name not in ids else f"__hidden_{name}"
    return out


def _v1_inputs(schema: io.Schema) -> dict[str, dict]:
    required: dict[str, tuple] = {}
    optional: dict[str, tuple] = {}
    for inp in schema.inputs:
        (optional if inp.optional else required)[inp.id] = inp.as_v1()
    out: dict[str, dict] = {"required": required}
    if optional:
        out["optional"] = optional
    if schema.hidden:
        keys = _hidden_keys(schema)
        out["hidden"] = {keys[io.Hidden(h).name]: io.Hidden(h).value for h in schema.hidden}
    return out


def _to_v1_result(node_id: str, value: Any, n_out: int) -> Any:
    if isinstance(value, io.NodeOutput):
        if value.block_execution is not None:
            return (ExecutionBlocker(value.block_execution),) * n_out
        ui = value.ui.as_dict() if hasattr(value.ui, "as_dict") else value.ui
        if isinstance(ui, dict):   # ui entries are lists in the history (V3 ui classes use tuples)
            ui = {k: list(v) if isinstance(v, tuple) else v for k, v in ui.items()}
        if ui is None and value.expand is None:
            return value.args if value.args else (None,) * n_out
        out: dict[str, Any] = {"result": value.args if value.args else None}
        if ui is not None:
            out["ui"] = ui
        if value.expand is not None:
            out["expand"] = value.expand
        return out
    if isinstance(value, (tuple, dict, ExecutionBlocker)) or value is None:
        return value
    raise TypeError(f"node {node_id}: execute() returned {type(value).__name__}, expected io.NodeOutput")


def v1_class(node_cls: type) -> type:
    """A class with V1 attributes (INPUT_TYPES, RETURN_TYPES, FUNCTION ...) that runs ``node_cls``."""
    if not (isinstance(node_cls, type) and issubclass(node_cls, io.ComfyNode)):
        raise TypeError(f"{node_cls!r} is not an io.ComfyNode subclass")
    schema = node_cls.GET_SCHEMA()
    node_id = schema.node_id
    outputs = schema.outputs
    n_out = len(outputs)
    hidden_keys = _hidden_keys(schema)

    def prepare(kwargs: dict) -> tuple[type, dict]:
        hidden = {name: kwargs.pop(key, None) for name, key in hidden_keys.items()}
        # A per-call subclass carries this execution's hidden values (concurrent runs do not share them).
        return type(node_cls.__name__, (node_cls,), {"hidden": io.HiddenHolder(**hidden)}), kwargs

    def run(self: Any, **kwargs: Any) -> Any:
        clone, kwargs = prepare(kwargs)
        return _to_v1_result(node_id, clone.execute(**kwargs), n_out)

    async def run_async(self: Any, **kwargs: Any) -> Any:
        clone, kwargs = prepare(kwargs)
        return _to_v1_result(node_id, await clone.execute(**kwargs), n_out)

    attrs: dict[str, Any] = {
        "INPUT_TYPES": classmethod(lambda cls: _v1_inputs(node_cls.GET_SCHEMA())),
        "RETURN_TYPES": tuple(o.io_type for o in outputs),
        "RETURN_NAMES": tuple(o.display_name or o.io_type for o in outputs),
        "OUTPUT_IS_LIST": tuple(bool(o.is_output_list) for o in outputs),
        "FUNCTION": "execute",
        "CATEGORY": schema.category,
        "DESCRIPTION": schema.description,
        "OUTPUT_NODE": schema.is_output_node,
        "INPUT_IS_LIST": schema.is_input_list,
        "DEPRECATED": schema.is_deprecated,
        "EXPERIMENTAL": schema.is_experimental,
        "NOT_IDEMPOTENT": schema.not_idempotent,
        "V3_CLASS": node_cls,
        "execute": run_async if inspect.iscoroutinefunction(node_cls.execute) else run,
        "__module__": node_cls.__module__,
        "__doc__": node_cls.__doc__,
    }
    if schema.is_api_node:
        attrs["API_NODE"] = True
    if any(o.tooltip for o in outputs):
        attrs["OUTPUT_TOOLTIPS"] = tuple(o.tooltip or "" for o in outputs)
    for v3_name, v1_name in (("validate_inputs", "VALIDATE_INPUTS"), ("fingerprint_inputs", "IS_CHANGED")):
        fn = getattr(node_cls, v3_name, None)
        if callable(fn):
            attrs[v1_name] = _forward(fn)
    lazy = getattr(node_cls, "check_lazy_status", None)
    if callable(lazy):
        def check_lazy_status(self: Any, **kwargs: Any) -> Any:
            clone, kwargs = prepare(kwargs)
            return clone.check_lazy_status(**kwargs)
        params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        check_lazy_status.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            params + list(inspect.signature(lazy).parameters.values()))
        attrs["check_lazy_status"] = check_lazy_status
    return type(node_cls.__name__, (), attrs)


def _forward(fn: Callable) -> classmethod:
    """A classmethod calling the V3 classmethod ``fn`` and showing its signature (the engine reads the names)."""
    def hook(cls: Any, **kwargs: Any) -> Any:
        return fn(**kwargs)
    params = [inspect.Parameter("cls", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += list(inspect.signature(fn).parameters.values())
    hook.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return classmethod(hook)
