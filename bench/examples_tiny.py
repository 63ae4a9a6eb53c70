"""Time every web/examples workflow on the tiny random models (prints figures; asserts nothing).

    python bench/examples_tiny.py [--size 64] [--steps 2] [--threads 1] [--repeat 2]

Each example runs once to warm up (model loads, imports), then --repeat times with a fresh
no-cache Executor; the best time is printed. --size 512 --steps 20 times the default graph as shipped.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--only", nargs="*", default=None)
    a = ap.parse_args()

    import torch
    torch.set_num_threads(a.threads)
    from engine.diffusion.device import DeviceManager
    from engine.graph.cache import make_cache
    from engine.graph.context import NodeContext
    from engine.graph.executor import Executor
    from engine.graph.paths import FolderPaths
    from engine.graph.registry import Registry
    from nodes import register_builtin_nodes
    from engine.diffusion.example_assets import write_example_assets
    from tests.e2e.conftest import EXAMPLES, load_example, shrink

    paths = FolderPaths(tempfile.mkdtemp(prefix="bench_examples_"))
    paths.ensure_dirs()
    write_example_assets(paths)
    ctx = NodeContext(paths=paths, device=DeviceManager(), args=types.SimpleNamespace(preview_method="none"))
    registry = Registry(ctx)
    register_builtin_nodes(registry, ctx)
    print(f"device {ctx.device.compute_device}, unet dtype {ctx.device.unet_dtype()}, threads {a.threads}, "
          f"latent {a.size}x{a.size}, steps {a.steps}")
    for name in sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".json")):
        if a.only and name not in a.only:
            continue
        prompt = shrink(load_example(name), steps=a.steps)
        for node in prompt.values():
            if node["class_type"] == "EmptyLatentImage":
                node["inputs"]["width"] = node["inputs"]["height"] = a.size
        times = []
        for i in range(a.repeat + 1):
            executor = Executor(registry, make_cache("none"), ctx)
            t0 = time.perf_counter()
            result = executor.execute(prompt, f"bench{i}", {}, None, None)
            times.append(time.perf_counter() - t0)
            if not result.success:
                print(f"{name:22s} FAILED: {result.error}")
                break
        else:
            print(f"{name:22s} first {times[0]:7.3f} s   best of {a.repeat} {min(times[1:]):7.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
