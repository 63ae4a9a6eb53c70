"""Websocket messages: fields and order of one run, cached re-runs, errors, previews, many clients."""
from __future__ import annotations

import json
import struct
import threading
import time

from PIL import Image
import io

from tests.server.live import WSClient, describe, request

IMAGE_WF = {"1": {"class_type": "ToyImage", "inputs": {"width": 600, "height": 40, "color": 65280, "steps": 2}},
            "2": {"class_type": "ToySaveImage", "inputs": {"image": ["1", 0], "filename_prefix": "ws"}}}


def post(server, prompt, client_id=None, **extra):
    body = {"prompt": prompt, **extra}
    if client_id:
        body["client_id"] = client_id
    status, out, _ = request(server.base, "POST", "/prompt", body)
    assert status == 200, out
    return out["prompt_id"]


def test_message_order_fields_and_cached_rerun(server):
    ws = WSClient(server.base, "order")
    greeting = ws.recv()
    assert greeting == {"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}, "sid": "order"}}
    pid = post(server, IMAGE_WF, "order")
    frames = ws.until_done(pid)
    assert describe(frames) == [
        "status:1", "status:1", "execution_start", "execution_cached:", "executing:1",
        "progress:1:1/2", "binary:1", "progress:1:2/2", "binary:1",
        "executing:2", "executed:2", "execution_success", "status:0", "executing:None"]
    by_type = {f["type"]: f["data"] for f in frames if isinstance(f, dict)}
    assert set(by_type["execution_start"]) == {"prompt_id", "timestamp"}
    assert isinstance(by_type["execution_start"]["timestamp"], int)
    assert set(by_type["execution_cached"]) == {"nodes", "prompt_id", "timestamp"}
    assert by_type["executed"] == {"node": "2", "display_node": "2", "prompt_id": pid,
                                   "output": {"images": [{"filename": "ws_00001_.png", "subfolder": "",
                                                          "type": "output"}]}}
    assert by_type["progress"] == {"value": 2, "max": 2, "prompt_id": pid, "node": "1"}
    assert frames[-1]["data"] == {"node": None, "prompt_id": pid}
    # type-1 preview: JPEG, fitted into the default 512 px preview size
    binary = [f for f in frames if isinstance(f, bytes)][0]
    assert struct.unpack(">II", binary[:8]) == (1, 1)
    img = Image.open(io.BytesIO(binary[8:]))
    assert img.format == "JPEG" and max(img.size) == 512

    pid2 = post(server, IMAGE_WF, "order")
    frames = ws.until_done(pid2)
    assert describe(frames) == ["status:1", "status:1", "execution_start", "execution_cached:1,2",
                                "executed:2", "execution_success", "status:0", "executing:None"]
    ws.close()
    _, hist, _ = request(server.base, "GET", f"/history/{pid2}")
    events = [m[0] for m in hist[pid2]["status"]["messages"]]
    assert events == ["execution_start", "execution_cached", "execution_success"]
    assert hist[pid2]["status"]["messages"][1][1]["nodes"] == ["1", "2"]
    assert hist[pid2]["outputs"]["2"]["images"][0]["filename"] == "ws_00001_.png"


def test_error_run_order_and_history(server):
    ws = WSClient(server.base, "err")
    ws.recv()
    wf = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 3}},
          "2": {"class_type": "ToyFail", "inputs": {"value": ["1", 0], "message": "boom in node two"}},
          "3": {"class_type": "ToyOutput", "inputs": {"value": ["2", 0]}}}
    pid = post(server, wf, "err")
    names = describe(ws.until_done(pid))
    assert names[-3:] == ["execution_error", "status:0", "executing:None"]
    assert "execution_success" not in names and "executing:2" in names
    err = [f for f in ws.frames if isinstance(f, dict) and f["type"] == "execution_error"][0]["data"]
    assert err["node_id"] == "2" and err["node_type"] == "ToyFail"
    assert err["exception_message"] == "boom in node two" and err["exception_type"] == "ValueError"
    assert {"prompt_id", "executed", "traceback", "current_inputs", "current_outputs", "timestamp"} <= set(err)
    ws.close()
    _, hist, _ = request(server.base, "GET", f"/history/{pid}")
    assert hist[pid]["status"]["status_str"] == "error" and hist[pid]["status"]["completed"] is False


def test_interrupt_running_prompt(server):
    ws = WSClient(server.base, "intr")
    ws.recv()
    wf = {"1": {"class_type": "ToySlow", "inputs": {"value": 1, "steps": 2000, "delay": 0.01}},
          "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}
    pid = post(server, wf, "intr")
    while True:
        f = ws.recv()
        if isinstance(f, dict) and f["type"] == "progress":
            break
    # interrupting another prompt id does nothing; the running one stops
    assert request(server.base, "POST", "/interrupt", {"prompt_id": "not-running"})[0] == 200
    assert request(server.base, "POST", "/interrupt", {"prompt_id": pid})[0] == 200
    names = describe(ws.until_done(pid))
    assert "execution_interrupted" in names and "execution_success" not in names
    ws.close()


def test_prompt_without_client_id_broadcasts_only_progress(server):
    a, b = WSClient(server.base, "a"), WSClient(server.base, "b")
    a.recv(), b.recv()
    pid = post(server, IMAGE_WF)
    # neither gets execution_* events; both get progress and previews; executing null is not sent either
    for ws in (a, b):
        seen = []
        while len([s for s in seen if s.startswith("progress")]) < 2 or "status:0" not in seen:
            seen.append(describe([ws.recv()])[0])
        assert not any(s.startswith(("execution_", "executing", "executed")) for s in seen), seen
        assert "binary:1" in seen
    _, hist, _ = request(server.base, "GET", f"/history/{pid}")
    assert hist[pid]["status"]["status_str"] == "success"
    a.close(), b.close()


def test_feature_flags_and_preview_metadata_frames(server):
    ws = WSClient(server.base, "meta")
    ws.recv()
    ws.send_json({"type": "feature_flags", "data": {"supports_preview_metadata": True}})
    reply = ws.recv()
    assert reply["type"] == "feature_flags" and reply["data"]["supports_preview_metadata"] is True
    pid = post(server, IMAGE_WF, "meta")
    frames = ws.until_done(pid)
    binary = [f for f in frames if isinstance(f, bytes)]
    assert len(binary) == 2
    kind, n = struct.unpack(">II", binary[0][:8])
    assert kind == 4
    meta = json.loads(binary[0][8:8 + n])
    assert meta == {"node_id": "1", "prompt_id": pid, "display_node_id": "1", "parent_node_id": None,
                    "real_node_id": "1", "image_type": "image/jpeg"}
    assert Image.open(io.BytesIO(binary[0][8 + n:])).format == "JPEG"
    ws.close()


def test_reconnect_while_running_gets_current_node(server):
    ws = WSClient(server.base, "re")
    ws.recv()
    wf = {"1": {"class_type": "ToySlow", "inputs": {"value": 1, "steps": 300, "delay": 0.01}},
          "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}
    pid = post(server, wf, "re")
    while describe([ws.recv()])[0] != "executing:1":
        pass
    ws.close()
    ws2 = WSClient(server.base, "re")
    assert ws2.recv()["type"] == "status"
    assert ws2.recv() == {"type": "executing", "data": {"node": "1", "display_node": "1", "prompt_id": pid}}
    assert request(server.base, "POST", "/interrupt", {"prompt_id": pid})[0] == 200
    assert "execution_interrupted" in describe(ws2.until_done(pid))
    ws2.close()


def test_fifty_clients_while_a_prompt_runs_and_a_stalled_one_blocks_nobody(server):
    clients = [WSClient(server.base, f"c{i}") for i in range(50)]
    for c in clients:
        assert c.recv()["type"] == "status"
    stalled = WSClient(server.base, "stalled")   # never reads a frame
    wf = {"1": {"class_type": "ToySlow", "inputs": {"value": 1, "steps": 40, "delay": 0.005}},
          "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}
    pid = post(server, wf)   # no client_id: progress goes to everyone
    done = []

    def follow(c):
        seen = 0
        while seen < 40:
            f = c.recv()
            if isinstance(f, dict) and f["type"] == "progress":
                seen += 1
        done.append(c.client_id)

    threads = [threading.Thread(target=follow, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(done) == 50
    for _ in range(200):
        _, hist, _ = request(server.base, "GET", f"/history/{pid}")
        if hist:
            break
        time.sleep(0.05)
    assert hist[pid]["status"]["status_str"] == "success"
    for c in clients + [stalled]:
        c.close()


def test_flooded_stalled_client_stays_bounded_and_others_get_everything(server):
    from engine.server.state import STATE
    from engine.server.ws import HARD_BACKLOG_FACTOR
    stalled = WSClient(server.base, "stalled")        # connected, never reads
    reader = WSClient(server.base, "reader")
    reader.recv()
    wf = {"1": {"class_type": "ToyImage", "inputs": {"width": 512, "height": 512, "color": 123456, "steps": 1500}},
          "2": {"class_type": "ToySaveImage", "inputs": {"image": ["1", 0], "filename_prefix": "flood"}}}
    pid = post(server, wf)   # no client_id: 1500 progress messages and previews go to every socket
    frames = []
    while True:
        f = reader.recv()
        frames.append(f)
        if isinstance(f, dict) and f["type"] == "status" and f["data"]["status"]["exec_info"]["queue_remaining"] == 0:
            break
    progress = [f for f in frames if isinstance(f, dict) and f["type"] == "progress"]
    assert len(progress) == 1500 and progress[-1]["data"]["value"] == 1500
    hub = server.app[STATE].hub
    c = hub.clients.get("stalled")
    # dropped, or its backlog stayed within the hard bound
    assert c is None or c.queue.qsize() <= hub.queue_size * HARD_BACKLOG_FACTOR
    _, hist, _ = request(server.base, "GET", f"/history/{pid}")
    assert hist[pid]["status"]["status_str"] == "success"
    stalled.close()
    reader.close()


def test_same_client_id_replaces_the_older_socket(server):
    import websocket
    old = WSClient(server.base, "dup")
    old.recv()
    new = WSClient(server.base, "dup")
    assert new.recv()["data"]["sid"] == "dup"
    pid = post(server, IMAGE_WF, "dup")
    assert describe(new.until_done(pid))[-1] == "executing:None"
    old.ws.settimeout(5)
    try:
        while True:   # the old socket is closed by the server (no prompt events reach it)
            frame = old.ws.recv()
            assert frame == "" or "execution_start" not in str(frame)
            if frame == "":
                break
    except (websocket.WebSocketConnectionClosedException, ConnectionError):
        pass
    old.close()
    new.close()


def test_a_blocked_client_is_dropped_only_once_its_socket_stops_taking_bytes():
    """A slow reader that still reads keeps every message; one whose socket took nothing for
    STALL_SECONDS with a full backlog is disconnected; the backlog never passes the hard bound."""
    import asyncio
    import time

    from engine.server.ws import HARD_BACKLOG_FACTOR, STALL_SECONDS, Backlog, Client, Hub

    class FakeWS:
        closed_with = None

        async def close(self, code, message):
            self.closed_with = code

    async def scenario():
        hub = Hub({}, queue_size=4)
        slow = Client(sid="slow", ws=FakeWS(), queue=Backlog(), blocked=True)
        dead = Client(sid="dead", ws=FakeWS(), queue=Backlog(), blocked=True,
                      last_progress=time.monotonic() - STALL_SECONDS - 1)
        hub.clients = {"slow": slow, "dead": dead}
        for i in range(10):
            hub._enqueue(slow, f"m{i}", False)
            hub._enqueue(dead, f"m{i}", False)
        assert slow.queue.qsize() == 10 and not slow.closed        # still reading: nothing lost
        assert dead.closed and "dead" not in hub.clients and dead.queue.qsize() == 4
        for i in range(4 * HARD_BACKLOG_FACTOR):
            hub._enqueue(slow, "x", False)
        assert slow.closed and slow.queue.qsize() == 4 * HARD_BACKLOG_FACTOR
        await asyncio.sleep(0)
        assert dead.ws.closed_with == 1013 and slow.ws.closed_with == 1013

    asyncio.run(scenario())
