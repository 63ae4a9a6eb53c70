"""Metadata, static files, settings/userdata, queue/history/jobs management and /free over HTTP."""
from __future__ import annotations

import os
import time
import urllib.parse

import pytest

from tests.server.live import LiveServer, make_engine, request

WF = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 5}},
      "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}


def wait_history(srv, pid, tries=400):
    for _ in range(tries):
        _, h, _ = request(srv.base, "GET", f"/history/{pid}")
        if h:
            return h[pid]
        time.sleep(0.02)
    raise AssertionError(f"{pid} never finished")


class PickInput:
    CONTEXT = None   # set by the registry

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": (sorted(cls.CONTEXT.paths.list_files("input")),)}}
    RETURN_TYPES = ("STRING",)
    FUNCTION = "run"

    def run(self, image):
        return (image,)


def test_object_info_recomputes_file_combos(server):
    server.registry.register("PickInput", PickInput, module="tests.server")
    status, info, _ = request(server.base, "GET", "/object_info")
    assert status == 200 and "ToySampler" in info and info["PickInput"]["input"]["required"]["image"] == [[]]
    assert info["ToyAdd"]["output_name"] == ["sum"] and info["ToyOutput"]["output_node"] is True
    open(os.path.join(server.paths.input_dir, "new.png"), "wb").close()
    _, one, _ = request(server.base, "GET", "/api/object_info/PickInput")
    assert one["PickInput"]["input"]["required"]["image"] == [["new.png"]]
    assert request(server.base, "GET", "/object_info/NoSuchNode")[1] == {}


def test_models_embeddings_system_stats_features(server):
    ckpt = server.paths.folder("checkpoints")[0]
    os.makedirs(os.path.join(ckpt, "sub"), exist_ok=True)
    open(os.path.join(ckpt, "sub", "a.safetensors"), "wb").close()
    open(os.path.join(ckpt, "notes.txt"), "wb").close()
    emb = server.paths.folder("embeddings")[0]
    os.makedirs(emb, exist_ok=True)
    open(os.path.join(emb, "easyneg.pt"), "wb").close()
    _, keys, _ = request(server.base, "GET", "/models")
    assert "checkpoints" in keys and "loras" in keys
    assert request(server.base, "GET", "/models/checkpoints")[1] == ["sub/a.safetensors"]
    assert request(server.base, "GET", "/api/models/unet")[0] == 200     # legacy name mapped
    assert request(server.base, "GET", "/models/nonsense")[0] == 404
    assert request(server.base, "GET", "/embeddings")[1] == ["easyneg"]
    _, exp, _ = request(server.base, "GET", "/experiment/models")
    assert {"name": "checkpoints", "folders": [ckpt]} in exp
    _, files, _ = request(server.base, "GET", "/api/experiment/models/checkpoints")
    assert [(f["name"], f["pathIndex"]) for f in files] == [("sub/a.safetensors", 0)]
    assert request(server.base, "GET", "/experiment/models/bogus")[0] == 404
    for path in ("/i18n", "/workflow_templates", "/api/global_subgraphs"):
        assert request(server.base, "GET", path)[1] == {}, path
    assert request(server.base, "GET", "/global_subgraphs/x")[0] == 404
    assert request(server.base, "GET", "/internal/folder_paths")[1]["checkpoints"] == [ckpt]
    open(os.path.join(server.paths.output_dir, "old.png"), "wb").close()
    os.utime(os.path.join(server.paths.output_dir, "old.png"), (1, 1))
    open(os.path.join(server.paths.output_dir, "new.png"), "wb").close()
    assert request(server.base, "GET", "/internal/files/output")[1] == ["new.png", "old.png"]
    assert request(server.base, "GET", "/internal/files/secrets")[0] == 400
    assert request(server.base, "GET", "/api/internal/logs")[0] == 404   # not aliased, as in ComfyUI
    _, stats, _ = request(server.base, "GET", "/system_stats")
    for key in ("os", "ram_total", "ram_free", "comfyui_version", "python_version", "pytorch_version",
                "embedded_python", "argv"):
        assert key in stats["system"], key
    dev = stats["devices"][0]
    assert set(dev) >= {"name", "type", "index", "vram_total", "vram_free", "torch_vram_total", "torch_vram_free"}
    assert stats["system"]["ram_total"] > 0
    _, features, _ = request(server.base, "GET", "/features")
    assert features["supports_preview_metadata"] is True and features["max_upload_size"] == 100 * 1024 * 1024


def test_static_editor_examples_and_extensions(tmp_path):
    web = tmp_path / "web"
    (web / "examples").mkdir(parents=True)
    (web / "index.html").write_text("<html>editor</html>")
    (web / "app.js").write_text("console.log(1)")
    (web / "examples" / "txt2img.json").write_text("{}")
    (web / "extensions" / "core").mkdir(parents=True)
    (web / "extensions" / "core" / "x.js").write_text("//core")
    pack = tmp_path / "pack_web"
    pack.mkdir()
    (pack / "widget.js").write_text("//pack")
    (tmp_path / "secret.txt").write_text("secret")
    registry, executor, paths = make_engine(str(tmp_path / "base"))
    registry.web_dirs["mypack"] = str(pack)
    srv = LiveServer(str(tmp_path / "base"), executor=executor, registry=registry, paths=paths,
                     front_end_root=str(web))
    try:
        status, body, headers = request(srv.base, "GET", "/")
        assert status == 200 and body == b"<html>editor</html>" and "no-cache" in headers["Cache-Control"]
        status, body, headers = request(srv.base, "GET", "/app.js")
        assert body == b"console.log(1)" and headers["Content-Type"].startswith("text/javascript")
        assert request(srv.base, "GET", "/examples")[1] == ["txt2img.json"]
        assert request(srv.base, "GET", "/examples/txt2img.json")[1] == {}
        _, exts, _ = request(srv.base, "GET", "/extensions")
        assert exts == ["/extensions/core/x.js", "/extensions/mypack/widget.js"]
        assert request(srv.base, "GET", "/extensions/mypack/widget.js")[1] == b"//pack"
        assert request(srv.base, "GET", "/extensions/core/x.js")[1] == b"//core"
        assert request(srv.base, "GET", "/extensions/mypack/%2e%2e/%2e%2e/secret.txt")[0] in (400, 403, 404)
        assert request(srv.base, "GET", "/..%2Fsecret.txt")[0] in (400, 403, 404)
        assert request(srv.base, "GET", "/missing.js")[0] == 404
    finally:
        srv.stop()


def test_settings_and_userdata(server):
    assert request(server.base, "GET", "/settings")[1] == {}
    assert request(server.base, "POST", "/settings", {"Comfy.Theme": "dark", "a": 1})[0] == 200
    assert request(server.base, "POST", "/settings/a", 2)[0] == 200
    assert request(server.base, "GET", "/settings")[1] == {"Comfy.Theme": "dark", "a": 2}
    assert request(server.base, "GET", "/api/settings/Comfy.Theme")[1] == "dark"
    f = urllib.parse.quote("workflows/my flow.json", safe="")
    status, body, _ = request(server.base, "POST", f"/userdata/{f}?overwrite=false", raw=b'{"nodes": []}')
    assert status == 200 and body == "workflows/my flow.json"
    assert request(server.base, "POST", f"/userdata/{f}?overwrite=false", raw=b"{}")[0] == 409
    assert request(server.base, "GET", f"/userdata/{f}")[1] == {"nodes": []}
    assert request(server.base, "GET", "/userdata?dir=workflows")[1] == ["my flow.json"]
    full = request(server.base, "GET", "/userdata?dir=workflows&full_info=true")[1][0]
    assert full["path"] == "my flow.json" and full["size"] == 13
    _, v2, _ = request(server.base, "GET", "/v2/userdata")
    assert {"name": "workflows", "path": "workflows", "type": "directory"} in v2
    _, v2, _ = request(server.base, "GET", "/api/v2/userdata?path=workflows")
    assert [(e["name"], e["path"], e["type"], e["size"]) for e in v2] == \
        [("my flow.json", "workflows/my flow.json", "file", 13)]
    assert request(server.base, "GET", "/v2/userdata?path=../..")[0] in (400, 403)
    dest = urllib.parse.quote("workflows/renamed.json", safe="")
    assert request(server.base, "POST", f"/userdata/{f}/move/{dest}")[1] == "workflows/renamed.json"
    assert request(server.base, "DELETE", f"/userdata/{dest}")[0] == 204
    assert request(server.base, "GET", f"/userdata/{dest}")[0] == 404
    assert request(server.base, "GET", "/userdata?dir=nothing")[0] == 404
    evil = urllib.parse.quote("../../escape.json", safe="")
    assert request(server.base, "POST", f"/userdata/{evil}", raw=b"x")[0] in (400, 403)
    assert request(server.base, "GET", "/users")[1]["storage"] == "server"


def test_queue_priority_delete_clear_and_history_paging(server):
    blocker = {"1": {"class_type": "ToySlow", "inputs": {"value": 0, "steps": 5000, "delay": 0.01}},
               "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}
    bid = request(server.base, "POST", "/prompt", {"prompt": blocker})[1]["prompt_id"]
    for _ in range(200):
        if request(server.base, "GET", "/queue")[1]["queue_running"]:
            break
        time.sleep(0.02)
    ids, numbers = [], []
    for v, extra in ((1, {}), (2, {}), (3, {"front": True}), (4, {"number": "-100"}), (5, {"prompt_id": "mine"})):
        wf = {"1": {"class_type": "ToyConstInt", "inputs": {"value": v}},
              "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}
        status, body, _ = request(server.base, "POST", "/prompt", {"prompt": wf, **extra})
        assert status == 200 and body["node_errors"] == {}
        assert body["number"] == -100.0 if "number" in extra else isinstance(body["number"], int)
        ids.append(body["prompt_id"])
        numbers.append(body["number"])
    assert ids[4] == "mine"
    # as ComfyUI: a numeric string is a number, and every POST advances the counter, explicit numbers too
    assert numbers[1] == numbers[0] + 1 and numbers[2] == -(numbers[0] + 2) and numbers[4] == numbers[0] + 4
    assert request(server.base, "POST", "/prompt", {"prompt": WF, "prompt_id": "mine"})[0] == 400
    _, q, _ = request(server.base, "GET", "/queue")
    assert [i[1] for i in q["queue_running"]] == [bid]
    assert [i[1] for i in q["queue_pending"]] == [ids[3], ids[2], ids[0], ids[1], ids[4]]
    item = q["queue_pending"][0]
    assert item[0] == -100.0 and len(item) == 5 and item[4] == ["2"] and "create_time" in item[3]
    assert request(server.base, "GET", "/prompt")[1] == {"exec_info": {"queue_remaining": 6}}
    request(server.base, "POST", "/queue", {"delete": [ids[2]]})
    _, jobs, _ = request(server.base, "GET", "/api/jobs?status=pending&sort_order=asc")
    assert {j["id"] for j in jobs["jobs"]} == {ids[0], ids[1], ids[3], ids[4]}
    assert jobs["pagination"]["total"] == 4
    assert request(server.base, "GET", f"/api/jobs/{bid}")[1]["status"] == "in_progress"
    assert request(server.base, "GET", "/api/jobs/nope")[0] == 404
    assert request(server.base, "GET", "/api/jobs?status=bogus")[0] == 400
    request(server.base, "POST", "/queue", {"delete": [ids[0], ids[1]]})
    request(server.base, "POST", "/interrupt")
    for pid in (ids[3], ids[4]):
        wait_history(server, pid)
    assert request(server.base, "GET", "/queue")[1] == {"queue_running": [], "queue_pending": []}
    _, hist, _ = request(server.base, "GET", "/history")
    assert list(hist) == [bid, ids[3], ids[4]]
    assert list(request(server.base, "GET", "/history?max_items=1")[1]) == [ids[4]]
    assert list(request(server.base, "GET", "/history?max_items=1&offset=1")[1]) == [ids[3]]
    job = request(server.base, "GET", f"/api/jobs/{ids[4]}")[1]
    assert job["status"] == "completed" and job["outputs"]["2"] == {"value": [5], "node": ["2"]}
    assert request(server.base, "GET", f"/api/jobs/{bid}")[1]["status"] == "cancelled"
    request(server.base, "POST", "/history", {"delete": [bid]})
    assert list(request(server.base, "GET", "/history")[1]) == [ids[3], ids[4]]
    request(server.base, "POST", "/history", {"clear": True})
    assert request(server.base, "GET", "/history")[1] == {}
    assert request(server.base, "GET", "/history/unknown")[1] == {}


class FakeDevice:
    def __init__(self):
        self.unloaded = 0

    def unload_all(self):
        self.unloaded += 1


def test_free_unloads_models_and_resets_cache(tmp_path):
    registry, executor, paths = make_engine(str(tmp_path))
    dev = FakeDevice()
    srv = LiveServer(str(tmp_path), executor=executor, registry=registry, paths=paths, device_manager=dev)
    try:
        pid = request(srv.base, "POST", "/prompt", {"prompt": WF})[1]["prompt_id"]
        wait_history(srv, pid)
        assert len(executor.cache) > 0
        assert request(srv.base, "POST", "/free", {"unload_models": True})[0] == 200
        for _ in range(200):
            if dev.unloaded:
                break
            time.sleep(0.02)
        assert dev.unloaded == 1 and len(executor.cache) > 0
        assert request(srv.base, "POST", "/api/free", {"free_memory": True})[0] == 200
        for _ in range(200):
            if len(executor.cache) == 0:
                break
            time.sleep(0.02)
        assert len(executor.cache) == 0 and dev.unloaded == 2
    finally:
        srv.stop()


def test_multi_user_settings_are_per_user(tmp_path):
    srv = LiveServer(str(tmp_path), multi_user=True)
    try:
        status, alice, _ = request(srv.base, "POST", "/users", {"username": "alice"})
        assert status == 200 and alice.startswith("alice_")
        assert request(srv.base, "POST", "/users", {"username": "alice"})[0] == 400
        assert request(srv.base, "GET", "/users")[1] == {"storage": "server", "users": {alice: "alice"}}
        assert request(srv.base, "POST", "/settings", {"theme": "dark"}, headers={"comfy-user": alice})[0] == 200
        assert request(srv.base, "GET", "/settings", headers={"comfy-user": alice})[1] == {"theme": "dark"}
        assert request(srv.base, "GET", "/settings")[1] == {}          # the default user's
        assert request(srv.base, "GET", "/settings", headers={"comfy-user": "mallory"})[0] == 403
        assert request(srv.base, "GET", "/settings", headers={"comfy-user": "../default"})[0] == 403
    finally:
        srv.stop()
    single = LiveServer(str(tmp_path / "single"))
    try:
        assert request(single.base, "POST", "/users", {"username": "bob"})[0] == 400
    finally:
        single.stop()


def test_internal_logs_hold_the_latest_lines_and_stream_to_subscribers(server):
    """The editor's terminal panel: /internal/logs (ComfyUI's "time - message" text), /raw entries, and
    "logs" websocket messages for a client that subscribed, none once it unsubscribed."""
    import logging

    from tests.server.live import WSClient

    logging.getLogger("tests.logs").warning("first line from a node pack")
    _, text, _ = request(server.base, "GET", "/internal/logs")
    assert "first line from a node pack\n" in text and " - first line" in text
    _, raw, _ = request(server.base, "GET", "/internal/logs/raw")
    assert raw["entries"][-1]["m"] == "first line from a node pack\n" and raw["entries"][-1]["t"]
    assert set(raw["size"]) == {"cols", "rows"}
    assert request(server.base, "PATCH", "/internal/logs/subscribe", {"enabled": True})[0] == 400
    ws = WSClient(server.base, "logwatcher")
    try:
        assert ws.recv()["type"] == "status"
        assert request(server.base, "PATCH", "/internal/logs/subscribe",
                       {"clientId": "logwatcher", "enabled": True})[0] == 200
        logging.getLogger("tests.logs").warning("second line")
        msg = ws.recv()
        assert msg["type"] == "logs" and msg["data"]["entries"][0]["m"] == "second line\n"
        request(server.base, "PATCH", "/internal/logs/subscribe", {"clientId": "logwatcher", "enabled": False})
        logging.getLogger("tests.logs").warning("third line, not sent")
        import websocket
        ws.ws.settimeout(0.5)
        with pytest.raises(websocket.WebSocketTimeoutException):
            ws.recv()   # nothing comes any more
    finally:
        ws.close()
    assert "third line, not sent" in request(server.base, "GET", "/internal/logs")[1]
