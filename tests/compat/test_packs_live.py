"""A V1 and a V3 custom node pack loaded by `python main.py` (custom_nodes from --extra-model-paths-config)."""
import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.server.live import WSClient, free_port, request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packs")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    base = tmp_path_factory.mktemp("compat_live")
    custom = base / "my_custom_nodes"
    custom.mkdir()
    shutil.copytree(os.path.join(PACKS, "my_pack"), custom / "my_pack")
    shutil.copy(os.path.join(PACKS, "v3_pack.py"), custom / "v3_pack.py")
    ck = base / "models" / "checkpoints"
    ck.mkdir(parents=True)
    (ck / "tiny.safetensors").write_bytes(b"not read by the pack")
    yaml_path = base / "extra.yaml"
    yaml_path.write_text(f"packs:\n    custom_nodes: {custom}\n")
    port = free_port()
    log = open(base / "server.log", "w+")
    proc = subprocess.Popen([sys.executable, "main.py", "--port", str(port), "--cpu", "--base-directory", str(base),
                             "--extra-model-paths-config", str(yaml_path)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                break
            try:
                status, _, _ = request(url, "GET", "/my_pack/hello", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError("server did not answer within 60 s")
        if proc.poll() is not None:
            log.seek(0)
            raise AssertionError(f"server exited {proc.returncode}:\n{log.read()}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def _post(url, prompt, client_id):
    status, body, _ = request(url, "POST", "/prompt", {"prompt": prompt, "client_id": client_id})
    return status, body


def test_pack_route_answers_under_root_and_api(live):
    for path in ("/my_pack/hello", "/api/my_pack/hello"):
        status, body, _ = request(live, "GET", path)
        assert status == 200, path
        assert body["hello"] == "world" and body["checkpoints"] == ["tiny.safetensors"]
        assert body["device"] == "cpu"


def test_pack_uses_prompt_server_app_at_import_time(live):
    """Routes, a static folder, a middleware and a startup hook a pack put on PromptServer.instance.app
    while it was imported (before the real app existed) are all live."""
    status, body, hdrs = request(live, "GET", "/my_pack/app_route")
    assert status == 200 and body == {"via": "app.add_routes", "startup_ran": True}
    assert hdrs.get("X-My-Pack") == "1"                       # the pack's middleware ran
    status, body, _ = request(live, "GET", "/my_pack/router_route")
    assert status == 200 and body == {"via": "app.router.add_get"}
    status, body, _ = request(live, "GET", "/my_pack/static/hello.txt")
    assert status == 200 and body == b"served by add_static\n"
    status, _, hdrs = request(live, "GET", "/object_info/KSampler")
    assert status == 200 and "X-My-Pack" not in hdrs         # the middleware only tags the pack's paths


def test_v1_node_runs_with_progress_and_pack_events(live):
    cid = uuid.uuid4().hex
    ws = WSClient(live, cid)
    try:
        prompt = {"1": {"class_type": "MyPackSlowCounter",
                        "inputs": {"ckpt_name": "tiny.safetensors", "sampler": "euler", "steps": 3, "delay": 0.0}}}
        status, body = _post(live, prompt, cid)
        assert status == 200, body
        frames = ws.until_done(body["prompt_id"])
    finally:
        ws.close()
    msgs = [f for f in frames if isinstance(f, dict)]
    progress = [(m["data"]["value"], m["data"]["max"]) for m in msgs if m["type"] == "progress"]
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert [m["data"] for m in msgs if m["type"] == "my_pack.step"] == [{"node": "1", "step": i} for i in (1, 2, 3)]
    binary = [f for f in frames if isinstance(f, bytes)]
    texts = [f for f in binary if f[:4] == (3).to_bytes(4, "big")]   # send_progress_text: ComfyUI's TEXT frame
    assert texts == [(3).to_bytes(4, "big") + (1).to_bytes(4, "big") + b"1" + "counted 3 steps ✓".encode()]
    previews = [f for f in binary if f not in texts]
    assert len(previews) == 1 and previews[0][:4] == (1).to_bytes(4, "big")   # plain JPEG preview frame
    assert previews[0][8:11] == b"\xff\xd8\xff"
    executed = [m["data"] for m in msgs if m["type"] == "executed"]
    assert executed and executed[0]["output"]["text"] == ["tiny.safetensors:euler:3:0.5:True"]
    # the pack's on_prompt handler saw the body; client_id follows the latest prompt's client
    hello = request(live, "GET", "/my_pack/hello")[1]
    assert hello["seen_prompts"] >= 1 and hello["client_id"] == cid


def test_pack_node_in_object_info(live):
    status, info, _ = request(live, "GET", "/object_info/MyPackSlowCounter")
    node = info["MyPackSlowCounter"]
    assert node["display_name"] == "Slow Counter (my_pack)" and node["python_module"] == "custom_nodes.my_pack"
    assert node["input"]["required"]["ckpt_name"] == [["tiny.safetensors"]]
    assert "euler" in node["input"]["required"]["sampler"][0] and node["output_name"] == ["summary"]


def test_interrupt_through_model_management(live):
    cid = uuid.uuid4().hex
    ws = WSClient(live, cid)
    try:
        prompt = {"1": {"class_type": "MyPackSlowCounter",
                        "inputs": {"ckpt_name": "tiny.safetensors", "sampler": "euler", "steps": 400,
                                   "delay": 0.05}}}
        status, body = _post(live, prompt, cid)
        assert status == 200, body
        pid = body["prompt_id"]
        for _ in range(1000):
            f = ws.recv()
            if isinstance(f, dict) and f["type"] == "progress":
                break
        assert request(live, "POST", "/my_pack/stop", {})[0] == 200
        frames = ws.until_done(pid)
    finally:
        ws.close()
    types_ = [f["type"] for f in frames if isinstance(f, dict)]
    assert "execution_interrupted" in types_ and "execution_success" not in types_
    last = [f["data"]["value"] for f in frames if isinstance(f, dict) and f["type"] == "progress"]
    assert not last or last[-1] < 400


def test_v3_pack_object_info_has_v1_shape(live):
    status, info, _ = request(live, "GET", "/object_info")
    node = info["V3RepeatText"]
    assert node["display_name"] == "Repeat Text (V3)" and node["category"] == "v3_pack"
    assert node["python_module"] == "custom_nodes.v3_pack" and node["description"] == "Repeats a text"
    assert node["input"]["required"]["text"] == ["STRING", {"default": "hi", "multiline": False}]
    assert node["input"]["required"]["times"] == ["INT", {"default": 2, "min": 1, "max": 10}]
    assert node["input"]["required"]["sep"] == ["COMBO", {"options": ["-", "+"], "default": "-"}]
    assert node["input"]["optional"]["upper"] == ["BOOLEAN", {"default": False}]
    assert node["input"]["hidden"] == {"unique_id": "UNIQUE_ID"}
    assert node["output"] == ["STRING", "INT"] and node["output_name"] == ["repeated", "length"]
    assert node["output_node"] is True
    assert info["V3AsyncLength"]["input"]["required"]["text"] == ["STRING", {"forceInput": True}]


def test_v3_pack_nodes_run_and_validate(live):
    cid = uuid.uuid4().hex
    ws = WSClient(live, cid)
    try:
        prompt = {"1": {"class_type": "V3RepeatText", "inputs": {"text": "ab", "times": 3, "sep": "+",
                                                                 "upper": True}},
                  "2": {"class_type": "V3AsyncLength", "inputs": {"text": ["1", 0]}}}
        status, body = _post(live, prompt, cid)
        assert status == 200, body
        frames = ws.until_done(body["prompt_id"])
    finally:
        ws.close()
    out = {f["data"]["node"]: f["data"]["output"] for f in frames if isinstance(f, dict) and f["type"] == "executed"}
    assert out["1"] == {"text": ["AB+AB+AB", "1"]}
    assert out["2"] == {"length": [8]}
    bad = {"1": {"class_type": "V3RepeatText", "inputs": {"text": "x", "times": 7, "sep": "-"}}}
    status, body = _post(live, bad, cid)
    assert status == 400
    errors = body["node_errors"]["1"]["errors"]
    assert errors[0]["type"] == "custom_validation_failed" and "seven" in errors[0]["details"]
    status, body = _post(live, {"1": {"class_type": "V3RepeatText",
                                      "inputs": {"text": "x", "times": 2, "sep": "*"}}}, cid)
    assert status == 400 and body["node_errors"]["1"]["errors"][0]["type"] == "value_not_in_list"
