"""Server load benchmark: prints figures, asserts nothing.

Phase 1: 1,000 trivial prompts (toy nodes) POSTed by 20 concurrent clients: sustained prompts/s queued
and the p50/p99 latency of POST /prompt; then the time until the worker has run them all.
Phase 2: while a GIL-heavy prompt runs (pure-Python busy loop), GET /queue and GET /system_stats
are polled; their p50/p99 latency is printed.

The server is a separate process started through main.py (toy nodes come from a temporary
custom_nodes pack), so client and server do not share a GIL.

    python bench/server_load.py [--prompts 1000] [--clients 20] [--busy-seconds 5]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import aiohttp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PACK = '''
import sys, time
sys.path.insert(0, {root!r})
from tests.toy_nodes import TOY_NODES
from engine.graph import context as node_context


class BenchBusy:
    """Pure-Python busy loop for ``seconds`` (holds the GIL like heavy Python node code)."""
    @classmethod
    def INPUT_TYPES(cls):
        return {{"required": {{"seconds": ("FLOAT", {{"default": 1.0, "min": 0.0, "max": 600.0}})}}}}
    RETURN_TYPES = ("INT",)
    FUNCTION = "run"

    def run(self, seconds):
        end = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < end:
            for _ in range(1000):
                n += 1
            node_context.check_interrupt()
        return (n,)


NODE_CLASS_MAPPINGS = dict(TOY_NODES, BenchBusy=BenchBusy)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


async def wait_up(session: aiohttp.ClientSession, url: str, proc: subprocess.Popen) -> None:
    for _ in range(1200):
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            async with session.get(url + "/system_stats") as r:
                if r.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("server did not start")


def cpu_seconds(pid: int | None = None) -> float:
    import psutil
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


async def phase_load(session: aiohttp.ClientSession, url: str, n_prompts: int, n_clients: int,
                     server_pid: int) -> None:
    latencies: list[float] = []
    ids: list[str] = []
    counter = iter(range(n_prompts))

    async def client() -> None:
        for i in counter:
            body = {"prompt": {"1": {"class_type": "ToyConstInt", "inputs": {"value": i}},
                               "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}},
                    "client_id": f"bench-{i % n_clients}"}
            t0 = time.perf_counter()
            async with session.post(url + "/prompt", json=body) as r:
                data = await r.json()
                if r.status != 200:
                    raise SystemExit(f"POST /prompt failed: {r.status} {data}")
            latencies.append(time.perf_counter() - t0)
            ids.append(data["prompt_id"])

    t0 = time.perf_counter()
    cpu_server, cpu_client = cpu_seconds(server_pid), cpu_seconds()
    await asyncio.gather(*(client() for _ in range(n_clients)))
    queued_s = time.perf_counter() - t0
    cpu_server, cpu_client = cpu_seconds(server_pid) - cpu_server, cpu_seconds() - cpu_client
    print(f"queued {n_prompts} prompts from {n_clients} concurrent clients in {queued_s:.2f} s: "
          f"{n_prompts / queued_s:.0f} prompts/s")
    print(f"CPU while queueing: server {cpu_server * 1000 / n_prompts:.2f} ms/prompt (incl. running them), "
          f"client {cpu_client * 1000 / n_prompts:.2f} ms/prompt; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    print(f"POST /prompt latency: p50 {pct(latencies, 50) * 1000:.1f} ms, p99 {pct(latencies, 99) * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms")
    while True:
        async with session.get(url + "/prompt") as r:
            remaining = (await r.json())["exec_info"]["queue_remaining"]
        if remaining == 0:
            break
        await asyncio.sleep(0.05)
    done_s = time.perf_counter() - t0
    async with session.get(url + f"/history/{ids[-1]}") as r:
        last = await r.json()
    ok = last[ids[-1]]["status"]["status_str"] if last else "missing"
    print(f"all {n_prompts} executed after {done_s:.2f} s ({n_prompts / done_s:.0f} prompts/s end to end; "
          f"last prompt: {ok})")


async def phase_responsiveness(session: aiohttp.ClientSession, url: str, busy_seconds: float) -> None:
    body = {"prompt": {"1": {"class_type": "BenchBusy", "inputs": {"seconds": busy_seconds}},
                       "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}}
    async with session.post(url + "/prompt", json=body) as r:
        pid = (await r.json())["prompt_id"]
    while True:
        async with session.get(url + "/queue") as r:
            if (await r.json())["queue_running"]:
                break
        await asyncio.sleep(0.01)
    lat: dict[str, list[float]] = {"/queue": [], "/system_stats": []}
    end = time.perf_counter() + busy_seconds * 0.8
    while time.perf_counter() < end:
        for path in lat:
            t0 = time.perf_counter()
            async with session.get(url + path) as r:
                await r.read()
            lat[path].append(time.perf_counter() - t0)
        await asyncio.sleep(0.01)
    for path, values in lat.items():
        print(f"GET {path} while a GIL-heavy prompt runs: n={len(values)}, p50 {pct(values, 50) * 1000:.1f} ms, "
              f"p99 {pct(values, 99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms")
    async with session.post(url + "/interrupt", json={"prompt_id": pid}) as r:
        await r.read()


async def main_async(args: argparse.Namespace) -> None:
    base = tempfile.mkdtemp(prefix="server-bench-")
    pack = os.path.join(base, "custom_nodes", "benchpack")
    os.makedirs(pack)
    with open(os.path.join(pack, "__init__.py"), "w") as f:
        f.write(PACK.format(root=ROOT))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(base, "server.log"), "wb")
    proc = subprocess.Popen([sys.executable, "main.py", "--port", str(port), "--base-directory", base,
                             "--user-directory", os.path.join(base, "user"), "--cpu", "--verbose", "WARNING"],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        connector = aiohttp.TCPConnector(limit=args.clients + 2)
        async with aiohttp.ClientSession(connector=connector) as session:
            await wait_up(session, url, proc)
            print(f"server: main.py pid {proc.pid}, {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
            await phase_load(session, url, args.prompts, args.clients, proc.pid)
            await phase_responsiveness(session, url, args.busy_seconds)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prompts", type=int, default=1000)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--busy-seconds", type=float, default=5.0)
    asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    main()
