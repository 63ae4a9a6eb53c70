"""Loading custom node packs from custom_nodes folders.

Each package directory (with __init__.py) or .py file is imported under the
module name ``custom_nodes.<name>``; its NODE_CLASS_MAPPINGS,
NODE_DISPLAY_NAME_MAPPINGS and WEB_DIRECTORY register with the Registry. A pack
that fails to import is recorded in ``registry.load_errors`` with its traceback
and skipped; the others still load. Built-in node names are never overridden.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from types import ModuleType

from .registry import Registry

log = logging.getLogger(__name__)


@dataclass
class PackReport:
    name: str
    path: str
    seconds: float
    nodes: list[str] = field(default_factory=list)
    error: str | None = None      # traceback text when the import failed
    skipped: list[str] = field(default_factory=list)  # names not registered (built-in clash)


def _module_name(name: str) -> str:
    return "custom_nodes." + name.replace(".", "_x_").replace("-", "_")


def _import_pack(path: str, name: str) -> ModuleType:
    mod_name = _module_name(name)
    if os.path.isdir(path):
        init = os.path.join(path, "__init__.py")
        spec = importlib.util.spec_from_file_location(mod_name, init, submodule_search_locations=[path])
    else:
        spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot build an import spec for {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(mod_name, None)
        raise
    return module


def _web_dir(module: ModuleType, path: str) -> str | None:
    web = getattr(module, "WEB_DIRECTORY", None)
    base = path if os.path.isdir(path) else os.path.dirname(path)
    if web is None and os.path.isdir(path):
        pyproject = os.path.join(path, "pyproject.toml")
        if os.path.isfile(pyproject):
            try:
                import tomllib
                with open(pyproject, "rb") as f:
                    web = ((tomllib.load(f).get("tool") or {}).get("comfy") or {}).get("web")
            except (OSError, ValueError) as ex:
                log.warning("custom node pack %s: unreadable pyproject.toml (%s)", path, ex)
    if not web:
        return None
    full = os.path.abspath(os.path.join(base, web))
    return full if os.path.isdir(full) else None


def pack_entries(folder: str) -> list[tuple[str, str]]:
    """(name, path) of the loadable packs in ``folder`` (dirs with __init__.py, .py files), sorted."""
    if not os.path.isdir(folder):
        return []
    out = []
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        if entry.startswith((".", "__")) or entry.endswith(".disabled"):
            continue
        if os.path.isdir(path):
            if os.path.isfile(os.path.join(path, "__init__.py")):
                out.append((entry, path))
        elif entry.endswith(".py"):
            out.append((entry[:-3], path))
    return out


def load_pack(registry: Registry, name: str, path: str, builtin: set[str]) -> PackReport:
    """Import one pack and register its nodes; failures are reported, never raised."""
    t0 = time.perf_counter()
    report = PackReport(name=name, path=path, seconds=0.0)
    try:
        module = _import_pack(path, name)
        mappings = getattr(module, "NODE_CLASS_MAPPINGS", None)
        display = getattr(module, "NODE_DISPLAY_NAME_MAPPINGS", None) or {}
        if mappings is None and callable(getattr(module, "comfy_entrypoint", None)):
            from engine.compat.v3 import entrypoint_mappings   # V3 pack: ComfyExtension.get_node_list()
            mappings, display = entrypoint_mappings(module.comfy_entrypoint)
        if mappings is None:
            raise AttributeError(f"custom node pack {name!r} ({path}) defines no NODE_CLASS_MAPPINGS "
                                 "and no comfy_entrypoint")
        mod_label = _module_name(name)
        for node_name, cls in mappings.items():
            if isinstance(cls, type) and callable(getattr(cls, "define_schema", None)) \
                    and not hasattr(cls, "INPUT_TYPES"):
                from engine.compat.v3 import v1_class   # a V3 class listed in NODE_CLASS_MAPPINGS
                cls = v1_class(cls)
            if node_name in builtin:
                report.skipped.append(node_name)
                log.warning("custom node pack %s: %s clashes with a built-in node; ignored", name, node_name)
                continue
            registry.register(node_name, cls, display.get(node_name), module=mod_label)
            report.nodes.append(node_name)
        web = _web_dir(module, path)
        if web:
            registry.web_dirs[name] = web
    except BaseException as ex:  # a broken pack must not stop start-up (SystemExit included)
        if isinstance(ex, KeyboardInterrupt):
            raise
        for node_name in report.nodes:
            registry.unregister(node_name)
        report.nodes = []
        report.error = traceback.format_exc()
        registry.load_errors[name] = report.error
        log.error("custom node pack %s (%s) failed to import:\n%s", name, path, report.error)
    report.seconds = time.perf_counter() - t0
    return report


def run_prestartup_scripts(folders: list[str], whitelist: set[str] | None = None) -> dict[str, str]:
    """Run each pack's ``prestartup_script.py`` (before any pack is imported, as ComfyUI does).

    Returns {pack name: traceback text} for scripts that raised; the others ran.
    """
    import runpy
    failures: dict[str, str] = {}
    for folder in folders:
        for name, path in pack_entries(folder):
            script = os.path.join(path, "prestartup_script.py")
            if (whitelist and name not in whitelist) or not os.path.isfile(script):
                continue
            try:
                runpy.run_path(script, run_name=f"custom_nodes.{name}.prestartup_script")
            except BaseException:  # reported, never fatal (SystemExit included)
                failures[name] = traceback.format_exc()
                log.error("prestartup script of custom node pack %s failed:\n%s", name, failures[name])
    return failures


def load_custom_nodes(registry: Registry, folders: list[str], whitelist: set[str] | None = None) -> list[PackReport]:
    """Load every pack found in ``folders`` (in order); with a whitelist, only those names.

    Returns one report per pack tried.
    """
    builtin = {n for n in registry.names() if registry.module(n) == "nodes" or registry.module(n).startswith("nodes.")}
    reports = []
    for folder in folders:
        for name, path in pack_entries(folder):
            if whitelist and name not in whitelist:
                continue
            reports.append(load_pack(registry, name, path, builtin))
    if reports:
        lines = [f"{r.seconds:8.3f}s {'(IMPORT FAILED) ' if r.error else ''}{r.path}" for r in reports]
        log.info("Import times for custom nodes:\n%s", "\n".join(lines))
    return reports
