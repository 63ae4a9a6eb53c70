"""kill -9 with prompts pending, then restart: the pending prompts run; the running one is re-run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.conftest import ROOT
from tests.server.live import free_port, request

PACK = '''
import sys
sys.path.insert(0, {root!r})
from tests.toy_nodes import TOY_NODES
NODE_CLASS_MAPPINGS = dict(TOY_NODES)
'''


def _start(base: str, port: int, log_path: str) -> subprocess.Popen:
    cmd = [sys.executable, "main.py", "--port", str(port), "--base-directory", base,
           "--user-directory", os.path.join(base, "user"), "--cpu"]
    log = open(log_path, "ab")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):   # up to 120 s on a busy machine
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n" + open(log_path).read()[-3000:])
        try:
            if request(url, "GET", "/system_stats", timeout=2)[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not come up:\n" + open(log_path).read()[-3000:])


def _wait(predicate, what: str, tries: int = 600, pause: float = 0.1):
    for _ in range(tries):
        value = predicate()
        if value:
            return value
        time.sleep(pause)
    raise AssertionError(f"timed out waiting for {what}")


def test_kill_9_then_restart_runs_pending_prompts(tmp_path):
    base = str(tmp_path)
    pack = os.path.join(base, "custom_nodes", "toypack")
    os.makedirs(pack)
    with open(os.path.join(pack, "__init__.py"), "w") as f:
        f.write(PACK.format(root=ROOT))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = os.path.join(base, "server.log")
    proc = _start(base, port, log_path)
    try:
        slow = {"1": {"class_type": "ToySlow", "inputs": {"value": 1, "steps": 100000, "delay": 0.01}},
                "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}
        status, out, _ = request(url, "POST", "/prompt", {"prompt": slow, "prompt_id": "slow"})
        assert status == 200, out
        quick_ids = []
        for v in range(3):
            wf = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 100 + v}},
                  "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}
            status, out, _ = request(url, "POST", "/prompt", {"prompt": wf})
            assert status == 200, out
            quick_ids.append(out["prompt_id"])
        _wait(lambda: request(url, "GET", "/queue")[1]["queue_running"], "the slow prompt to start")
        _, queue, _ = request(url, "GET", "/queue")
        assert [i[1] for i in queue["queue_pending"]] == quick_ids
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)

        proc = _start(base, port, log_path)
        # the prompt that was running is run again first ...
        _wait(lambda: [i[1] for i in request(url, "GET", "/queue")[1]["queue_running"]] == ["slow"],
              "the interrupted prompt to be re-run")
        assert request(url, "POST", "/interrupt", {"prompt_id": "slow"})[0] == 200
        # ... and every pending prompt runs after it
        history = _wait(lambda: (lambda h: h if set(quick_ids) <= set(h) else None)(
            request(url, "GET", "/history")[1]), "the pending prompts to finish")
        for v, pid in enumerate(quick_ids):
            assert history[pid]["status"]["status_str"] == "success"
            assert history[pid]["outputs"]["2"]["value"] == [100 + v]
        events = [m[0] for m in history["slow"]["status"]["messages"]]
        assert events[0] == "execution_start" and events[-1] == "execution_interrupted"
        assert request(url, "GET", "/queue")[1] == {"queue_running": [], "queue_pending": []}
    finally:
        proc.kill()
        proc.wait(10)


def test_graceful_stop_requeues_the_running_prompt(tmp_path):
    from engine.server.queue import PromptQueue, PromptStore
    from tests.server.live import LiveServer
    srv = LiveServer(str(tmp_path))
    slow = {"1": {"class_type": "ToySlow", "inputs": {"value": 1, "steps": 100000, "delay": 0.01}},
            "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}
    try:
        assert request(srv.base, "POST", "/prompt", {"prompt": slow, "prompt_id": "long"})[0] == 200
        _wait(lambda: request(srv.base, "GET", "/queue")[1]["queue_running"], "the prompt to start")
    finally:
        srv.stop()
    q = PromptQueue(PromptStore(os.path.join(srv.paths.user_dir, "queue.sqlite3")))
    running, pending = q.snapshot()
    assert running == [] and [i.prompt_id for i in pending] == ["long"]
    assert pending[0].attempts == 0 and q.store.history_item("long") is None
