"""Fixtures for the built-in node tests: a NodeContext on temporary folders and the real registry."""
from __future__ import annotations

import types

import pytest

from engine.graph.context import NodeContext
from engine.graph.paths import FolderPaths
from engine.graph.registry import Registry
from nodes import register_builtin_nodes


@pytest.fixture(autouse=True)
def _few_threads(one_torch_thread):
    yield


@pytest.fixture
def args():
    return types.SimpleNamespace(max_image_pixels=None, disable_metadata=False, preview_method="none")


@pytest.fixture
def ctx(tmp_path, args):
    paths = FolderPaths(str(tmp_path))
    paths.ensure_dirs()
    return NodeContext(paths=paths, device=None, args=args)


@pytest.fixture
def registry(ctx):
    reg = Registry(ctx)
    register_builtin_nodes(reg, ctx)
    return reg


@pytest.fixture
def make(registry):
    """make("ImageScale") -> an instance of the registered (context-bound) class."""
    def _make(name: str):
        cls = registry.get(name)
        assert cls is not None, f"{name} is not registered"
        return cls()
    return _make
