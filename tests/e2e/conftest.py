"""End-to-end fixtures: one temporary base folder with the tiny example models, the real registry."""
from __future__ import annotations

import json
import os
import types

import pytest
import torch

from engine.graph.cache import make_cache
from engine.graph.context import NodeContext
from engine.graph.executor import Executor
from engine.graph.paths import FolderPaths
from engine.graph.registry import Registry
from nodes import register_builtin_nodes

from engine.diffusion.example_assets import write_example_assets

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "web", "examples")


@pytest.fixture(scope="session", autouse=True)
def _few_threads():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="session")
def base_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e_base")
    paths = FolderPaths(str(base))
    paths.ensure_dirs()
    write_example_assets(paths)
    return str(base)


@pytest.fixture(scope="session")
def engine(base_dir):
    """(registry, context) sharing one DeviceManager so loaded models are reused between tests."""
    from engine.diffusion.device import DeviceManager
    # SDFLOW_TEST_DEVICE=auto runs these tests on the best device (the GPU check uses it)
    on_cpu = os.environ.get("SDFLOW_TEST_DEVICE", "cpu") == "cpu"
    paths = FolderPaths(base_dir)
    args = types.SimpleNamespace(preview_method="latent2rgb", disable_metadata=False, max_image_pixels=None)
    ctx = NodeContext(paths=paths, device=DeviceManager(cpu=on_cpu), args=args)
    registry = Registry(ctx)
    register_builtin_nodes(registry, ctx)
    return registry, ctx


class Recorder:
    def __init__(self) -> None:
        self.steps: list[tuple] = []
        self.errors: list[dict] = []

    def progress(self, prompt_id, node_id, value, max, preview=None):  # noqa: A002 - listener signature
        self.steps.append((node_id, value, max, preview))

    def execution_error(self, prompt_id, info):
        self.errors.append(info)


@pytest.fixture
def run(engine):
    """run(prompt, extra_data=None) -> (ExecutionResult, Recorder) with a fresh no-cache Executor."""
    registry, ctx = engine

    def _run(prompt: dict, extra_data: dict | None = None):
        rec = Recorder()
        executor = Executor(registry, make_cache("none"), ctx)
        result = executor.execute(prompt, "e2e", extra_data or {}, None, rec)
        return result, rec

    return _run


def load_example(name: str) -> dict:
    with open(os.path.join(EXAMPLES, name), encoding="utf-8") as f:
        return json.load(f)


def shrink(prompt: dict, steps: int = 2) -> dict:
    """Make an example quick: 64x64 latents, few steps, small padding; structure untouched."""
    for node in prompt.values():
        ct, inp = node["class_type"], node["inputs"]
        if ct == "EmptyLatentImage":
            inp["width"] = inp["height"] = 64
        elif ct in ("KSampler", "BasicScheduler"):
            inp["steps"] = steps
        elif ct == "KSamplerAdvanced":
            inp["steps"] = steps + 1
            if inp["start_at_step"] == 0:
                inp["end_at_step"] = steps
            else:
                inp["start_at_step"] = steps
        elif ct == "ImagePadForOutpaint":
            for side in ("left", "top", "right", "bottom"):
                inp[side] = 16 if inp[side] else 0
            inp["feathering"] = 4
    return prompt
