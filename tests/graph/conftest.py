"""Fixtures for the engine/graph tests: a registry of toy nodes, an executor, an event recorder."""
from __future__ import annotations

import pytest

from engine.graph.cache import make_cache
from engine.graph.context import NodeContext
from engine.graph.executor import Executor
from engine.graph.paths import FolderPaths
from engine.graph.registry import Registry
from tests.toy_nodes import register_toy_nodes


class Recorder:
    """Listener that records every event as (name, args...)."""

    def __init__(self) -> None:
        self.events: list[tuple] = []

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in {
                "execution_start", "execution_cached", "executing", "progress", "executed",
                "execution_success", "execution_error", "execution_interrupted"}:
            raise AttributeError(name)
        return lambda *args: self.events.append((name,) + args[1:])

    def names(self) -> list[str]:
        return [e[0] for e in self.events]

    def executing(self, prompt_id, node_id) -> None:  # explicit: most used
        self.events.append(("executing", node_id))

    def ran(self) -> list[str]:
        return [e[1] for e in self.events if e[0] == "executing" and e[1] is not None]


@pytest.fixture
def registry() -> Registry:
    r = Registry()
    register_toy_nodes(r)
    return r


@pytest.fixture
def paths(tmp_path) -> FolderPaths:
    return FolderPaths(str(tmp_path))


@pytest.fixture
def executor(registry, paths) -> Executor:
    return Executor(registry, make_cache("classic"), NodeContext(paths=paths))


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


def chain_prompt(n: int, start: int = 1) -> dict:
    """ToyConstInt -> (n-2) x ToyAdd(+1) -> ToyOutput: a chain of n nodes."""
    p = {"0": {"class_type": "ToyConstInt", "inputs": {"value": start}}}
    for i in range(1, n - 1):
        p[str(i)] = {"class_type": "ToyAdd", "inputs": {"a": [str(i - 1), 0], "b": 1}}
    p[str(n - 1)] = {"class_type": "ToyOutput", "inputs": {"value": [str(n - 2), 0]}}
    return p
