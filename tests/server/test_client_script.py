"""A user's client script queues a workflow, follows it over the websocket, reads /history, downloads with /view.

Parametrized over workflows: the toy image workflow (no torch) and the txt2img example on a tiny random
checkpoint (needs torch and the built-in nodes; skipped until they exist). Add a case by adding a function
returning (LiveServer, api_prompt, expectations: size, optional pixel and preview count).
"""
from __future__ import annotations

import io
import json
import os

import pytest
from PIL import Image

from tests.conftest import ROOT
from tests.server import client_script
from tests.server.live import LiveServer

HERE = os.path.dirname(os.path.abspath(__file__))


def toy_image_case(tmp_path):
    with open(os.path.join(HERE, "workflows", "toy_image.json"), encoding="utf-8") as f:
        prompt = json.load(f)
    return LiveServer(str(tmp_path)), prompt, {"size": (48, 32), "pixel": (0x33, 0x99, 0xFF), "previews": 4}


def txt2img_case(tmp_path):
    wf_path = os.path.join(ROOT, "web", "examples", "txt2img.json")
    if not os.path.exists(wf_path):
        pytest.skip("web/examples/txt2img.json is not in the repo yet")
    pytest.importorskip("torch")
    try:
        from engine.diffusion.device import DeviceManager
        from engine.diffusion.tiny import write_tiny_checkpoint
        from engine.graph.cache import make_cache
        from engine.graph.context import NodeContext
        from engine.graph.executor import Executor
        from engine.graph.paths import FolderPaths
        from engine.graph.registry import Registry
        from engine.graph.workflow import ui_to_api
        from nodes import register_builtin_nodes
    except ImportError as e:
        pytest.skip(f"txt2img needs the built-in nodes and tiny checkpoints: {e}")
    paths = FolderPaths(str(tmp_path))
    paths.ensure_dirs()
    ckpt_dir = paths.folder("checkpoints")[0]
    os.makedirs(ckpt_dir, exist_ok=True)
    write_tiny_checkpoint(os.path.join(ckpt_dir, "tiny_sd1.safetensors"), "sd1", seed=0)
    device = DeviceManager(cpu=True)
    ctx = NodeContext(paths=paths, device=device)
    registry = Registry(ctx)
    register_builtin_nodes(registry, ctx)
    with open(wf_path, encoding="utf-8") as f:
        wf = json.load(f)
    prompt = ui_to_api(wf, registry) if "nodes" in wf else wf
    for node in prompt.values():
        inputs = node["inputs"]
        if "ckpt_name" in inputs:
            inputs["ckpt_name"] = "tiny_sd1.safetensors"
        if "steps" in inputs:
            inputs["steps"] = 2
        for key in ("width", "height"):
            if key in inputs and not isinstance(inputs[key], list):
                inputs[key] = 64
    executor = Executor(registry, make_cache("classic"), ctx)
    return LiveServer(str(tmp_path), executor=executor, registry=registry, paths=paths,
                      device_manager=device), prompt, {"size": (64, 64)}


@pytest.mark.parametrize("case", [toy_image_case, txt2img_case], ids=["toy_image", "txt2img_tiny"])
def test_user_client_script_runs_workflow_and_downloads_image(tmp_path, case):
    server, prompt, expect = case(tmp_path)
    try:
        prompt_id, messages, previews, images = client_script.run(server.base, prompt)
    finally:
        server.stop()
    types = [m["type"] for m in messages]
    assert types[0] == "status" and messages[0]["data"]["sid"]
    for event in ("execution_start", "execution_cached", "executing", "executed", "execution_success"):
        assert event in types, f"{event} missing from {types}"
    assert types.index("execution_start") < types.index("execution_cached") < types.index("executing") \
        < types.index("executed") < types.index("execution_success")
    assert all(m["data"].get("prompt_id") in (prompt_id, None) for m in messages if m["type"] != "status")
    assert images, "no image in the history outputs"
    for name, data in images.items():
        img = Image.open(io.BytesIO(data))
        img.load()
        assert img.format == "PNG" and img.size == expect["size"]
        if "pixel" in expect:
            assert img.convert("RGB").getpixel((0, 0)) == expect["pixel"]
    if "previews" in expect:
        assert previews == expect["previews"]   # one binary preview frame per ToyImage step


def test_comfyui_ws_images_example_receives_png_frames(tmp_path):
    """ComfyUI's websockets_api_example_ws_images.py: while ``executing`` names the SaveImageWebsocket node,
    each binary frame is one image, ``frame[8:]`` a full-size PNG (type 1, format 2); nothing is saved."""
    import struct
    import uuid

    import numpy as np
    import websocket

    pytest.importorskip("torch")
    from engine.graph.cache import make_cache
    from engine.graph.context import NodeContext
    from engine.graph.executor import Executor
    from engine.graph.paths import FolderPaths
    from engine.graph.registry import Registry
    from nodes import register_builtin_nodes

    paths = FolderPaths(str(tmp_path))
    paths.ensure_dirs()
    ctx = NodeContext(paths=paths)
    registry = Registry(ctx)
    register_builtin_nodes(registry, ctx)
    server = LiveServer(str(tmp_path), executor=Executor(registry, make_cache("classic"), ctx), registry=registry,
                        paths=paths)
    prompt = {"1": {"class_type": "EmptyImage", "inputs": {"width": 40, "height": 24, "batch_size": 2,
                                                             "color": 0x3399FF}},
              "save_image_websocket_node": {"class_type": "SaveImageWebsocket", "inputs": {"images": ["1", 0]}}}
    try:
        for run in range(2):   # the second run too sends the images (the node is never taken from the cache)
            client_id = str(uuid.uuid4())
            ws = websocket.WebSocket()
            ws.connect(f"ws://{server.base.split('://', 1)[1]}/ws?clientId={client_id}", timeout=60)
            try:
                prompt_id = client_script.queue_prompt(server.base, prompt, client_id)
                frames, current_node = [], ""
                for _ in range(1000):
                    out = ws.recv()
                    if isinstance(out, str):
                        msg = json.loads(out)
                        if msg["type"] == "executing" and msg["data"]["prompt_id"] == prompt_id:
                            if msg["data"]["node"] is None:
                                break
                            current_node = msg["data"]["node"]
                    elif current_node == "save_image_websocket_node":
                        frames.append(out)
            finally:
                ws.close()
            assert len(frames) == 2, run
            for frame in frames:
                assert struct.unpack(">II", frame[:8]) == (1, 2)
                img = Image.open(io.BytesIO(frame[8:]))
                assert img.format == "PNG" and img.size == (40, 24)
                assert np.asarray(img.convert("RGB"))[0, 0].tolist() == [0x33, 0x99, 0xFF]
        assert os.listdir(paths.output_dir) == []
    finally:
        server.stop()
