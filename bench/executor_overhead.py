"""Per-node overhead of validation + scheduling + caching, on graphs of trivial nodes.

    python bench/executor_overhead.py [--sizes 100,1000,2000,10000] [--repeat 3] [--no-http] [--no-in-process]

Two shapes: a chain (const -> add -> add ... -> output) and a wide fan-in (const ->
N independent adds -> one collector with N inputs -> output). For each size:

* in process: ``Executor.execute`` (validation included) cold (every node runs) and fully
  cached (an identical prompt again), microseconds per node;
* end to end through the HTTP API: POST /prompt to the real server (engine.server.app.run_server,
  as `python main.py` starts it, with the toy nodes) in its own process on 127.0.0.1, until the
  prompt's /history entry is received; "HTTP" posts without a client_id (no
  per-node websocket messages), "HTTP+ws" with one, the benchmark reading and decoding every
  message on its open websocket as the editor would (frames read in bulk from the socket, as a
  browser's native websocket does, so the client's own parsing takes little of the 2 cores). Encoding the request body and decoding
  the (prompt-sized) history entry are the client's work and are not timed.
  The client keeps one HTTP/1.1 connection open, as a browser, `requests.Session` or aiohttp's
  ClientSession do; --new-connections opens one per request instead (urllib.request.urlopen,
  as ComfyUI's basic API example does), which adds a TCP set-up and tear-down to each request.

Each cell runs ``--repeat`` times, and at least 30 times for prompts under 1,000 nodes (a 100-node
prompt takes ~2 ms, where scheduling noise on a busy 2-core machine is ±0.5 ms). Printed per
shape: the median and the best wall time, CPU microseconds per node (best), and the "marginal"
cost per node (from the median): the
wall time minus the path's fixed per-prompt cost (a 3-node prompt: HTTP round trips, thread
hand-offs, SQLite commits), divided by the node count; the part that grows with the graph.
Cold runs change the root constant so every node's signature changes.
Targets (end to end): <= 50 us/node cold, <= 10 us/node fully cached, flat in N.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import socket
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from engine.graph.cache import make_cache  # noqa: E402
from engine.graph.context import NodeContext  # noqa: E402
from engine.graph.executor import Executor  # noqa: E402
from engine.graph.paths import FolderPaths  # noqa: E402
from engine.graph.registry import Registry  # noqa: E402
from tests.toy_nodes import register_toy_nodes  # noqa: E402


def collector_class(width: int) -> type:
    """A node summing up to ``width`` INT inputs v0..v{width-1} (the wide fan-in's sink), registered as
    ``BenchCollect{width}``: a fixed input list, as a real node with that many inputs has."""
    types = {"optional": {f"v{i}": ("INT", {"forceInput": True}) for i in range(width)}}

    class BenchCollect:
        @classmethod
        def INPUT_TYPES(cls):
            return types

        RETURN_TYPES = ("INT",)
        FUNCTION = "run"
        CATEGORY = "bench"

        def run(self, **values):
            return (sum(values.values()),)
    BenchCollect.__name__ = BenchCollect.__qualname__ = f"BenchCollect{width}"
    return BenchCollect


def chain(n: int, start: int) -> dict:
    p = {"0": {"class_type": "ToyConstInt", "inputs": {"value": start}}}
    for i in range(1, n - 1):
        p[str(i)] = {"class_type": "ToyAdd", "inputs": {"a": [str(i - 1), 0], "b": 1}}
    p[str(n - 1)] = {"class_type": "ToyOutput", "inputs": {"value": [str(n - 2), 0]}}
    return p


def fan_in(n: int, start: int) -> dict:
    width = n - 3
    p = {"root": {"class_type": "ToyConstInt", "inputs": {"value": start}}}
    for i in range(width):
        p[str(i)] = {"class_type": "ToyAdd", "inputs": {"a": ["root", 0], "b": i}}
    p["sum"] = {"class_type": f"BenchCollect{width}", "inputs": {f"v{i}": [str(i), 0] for i in range(width)}}
    p["out"] = {"class_type": "ToyOutput", "inputs": {"value": ["sum", 0]}}
    return p


SHAPES = {"chain": chain, "fan-in": fan_in}


def make_registry(sizes: list[int]) -> Registry:
    r = Registry()
    register_toy_nodes(r)
    for n in sizes:
        r.register(f"BenchCollect{n - 3}", collector_class(n - 3), module="bench")
    return r


def _threads_cpu_ns(pid: int) -> int:
    """CPU time of every thread of process ``pid`` in ns (Linux schedstat: ns resolution, where
    /proc/<pid>/stat counts 10 ms ticks, too coarse for a 1 ms prompt)."""
    total = 0
    task_dir = f"/proc/{pid}/task"
    for tid in os.listdir(task_dir):
        try:
            with open(f"{task_dir}/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass   # the thread ended meanwhile
    return total


class _Timer:
    """Wall time and CPU time: this process's (all threads) or, given ``pid``, that server process's."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid

    def _cpu(self) -> float:
        if self.pid is None:
            return time.process_time()
        return _threads_cpu_ns(self.pid) / 1e9

    def __enter__(self):
        self.w0, self.c0 = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.w0
        self.cpu = self._cpu() - self.c0


def _stats(samples: list[_Timer], n: int) -> tuple[float, float, float]:
    """(median wall, best wall, best CPU) in microseconds per node."""
    walls = sorted(t.wall for t in samples)
    mid = len(walls) // 2
    median = walls[mid] if len(walls) % 2 else (walls[mid - 1] + walls[mid]) / 2
    return median / n * 1e6, walls[0] / n * 1e6, min(t.cpu for t in samples) / n * 1e6


def _runs(n: int, repeat: int) -> int:
    """Runs per cell: ``repeat``, and at least 30 below 1,000 nodes (where one run is a few ms)."""
    return max(repeat, 30) if n < 1000 else repeat


def bench_in_process(sizes: list[int], repeat: int) -> list[tuple]:
    rows = []
    tmp = tempfile.mkdtemp(prefix="bench-graph-")
    for shape, build in SHAPES.items():
        for n in sizes:
            ex = Executor(make_registry([n]), make_cache("classic"), NodeContext(paths=FolderPaths(tmp)))
            cold, cached = [], []
            for r in range(_runs(n, repeat)):
                p = build(n, start=1000 + r)
                with _Timer() as t:
                    res = ex.execute(p, f"cold{r}")
                cold.append(t)
                assert res.success and len(res.executed) == n, (res.error, len(res.executed))
                p = build(n, start=1000 + r)
                with _Timer() as t:
                    res = ex.execute(p, f"cached{r}")
                cached.append(t)
                assert res.success and res.executed == []
            rows.append(("in-process", shape, n) + _stats(cold, n) + _stats(cached, n))
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _FrameReader:
    """Reads the server's websocket frames in bulk from the raw socket, as a browser does natively.

    websocket-client makes two recv() calls and several Python calls per frame (~20 us each here): on
    a 2-core machine that client work competes with the server it measures. This reads everything
    waiting in one recv() and cuts it into messages; every text message is still decoded as JSON by
    the caller. Server frames are never masked or fragmented; pings are answered with a masked pong."""

    def __init__(self, sock) -> None:
        self.sock = sock
        self.buf = b""
        self.pending: collections.deque = collections.deque()

    def recv(self):
        """The next message: str (text), bytes (binary) or "" when the server closed the socket."""
        while not self.pending:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                return ""
            self.buf += chunk
            self._cut()
        return self.pending.popleft()

    def _cut(self) -> None:
        buf, pos, n = self.buf, 0, len(self.buf)
        while n - pos >= 2:
            opcode, size, head = buf[pos] & 0x0F, buf[pos + 1] & 0x7F, 2
            if size == 126:
                if n - pos < 4:
                    break
                size, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif size == 127:
                if n - pos < 10:
                    break
                size, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if n - pos < head + size:
                break
            payload = buf[pos + head:pos + head + size]
            pos += head + size
            if opcode == 1:
                self.pending.append(payload.decode("utf-8"))
            elif opcode == 2:
                self.pending.append(payload)
            elif opcode == 8:
                self.pending.append("")
            elif opcode == 9:   # ping: a masked pong with the same payload (zero mask)
                self.sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
        self.buf = buf[pos:]


class _Server:
    """The real server (engine.server.app.run_server, as `python main.py` runs it) with the toy nodes,
    in its own process on 127.0.0.1: the client (this process) shares no GIL with it, as an editor or
    an API client would not."""

    def __init__(self, tmp: str, sizes: list[int], new_connections: bool = False) -> None:
        import subprocess
        import urllib.error
        self.new_connections = new_connections
        self.conn: http.client.HTTPConnection | None = None
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(tmp, "server.log"), "w+")
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", str(self.port), tmp,
                                      "--sizes", ",".join(map(str, sizes))],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"bench server exited {self.proc.returncode}:\n{self.log.read()}")
            try:
                with urllib.request.urlopen(self.base + "/prompt", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError("bench server did not answer within 120 s") from None
                time.sleep(0.1)
        self.dropped = 0
        self.ws = None

    def connect(self, timeout_s: float = 600.0) -> None:
        """One websocket for the whole benchmark (as an open editor tab has), read by this thread."""
        import websocket
        # skip_utf8_validation: websocket-client checks UTF-8 byte by byte in pure Python (~20 us per
        # message, more than the server spends making it); a browser does it natively.
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{self.port}/ws?clientId=bench", timeout=timeout_s,
                                              skip_utf8_validation=True)
        json.loads(self.ws.recv())   # the status greeting
        self.reader = _FrameReader(self.ws.sock)   # from here on the frames are read in bulk

    def request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        """One request: on the kept-open connection, or (new_connections) on a new one through urllib."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.new_connections:
            req = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.read()
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None   # the server closed an idle connection: open a new one, once
                if attempt:
                    raise
                continue
            if r.status != 200:
                raise RuntimeError(f"{method} {path}: HTTP {r.status}: {data[:500]!r}")
            return data
        raise AssertionError("unreachable")

    def run_prompt(self, body: bytes, with_client: bool, timeout_s: float = 600.0) -> bytes:
        """POST an encoded /prompt body, wait until the prompt is done and return its /history entry.

        The timed span is the server's work as a client sees it: from the POST to the history
        entry's bytes received. Encoding the request and decoding the (prompt-sized) history JSON are
        the client's own work and happen outside it (see ``timed_run``).
        with_client: the body carries this socket's client_id, so every node's executing message is
        sent to (and read and decoded by) the benchmark, as the editor would get them. Without: no
        per-node messages; the benchmark waits for the broadcast queue status to drop to 0.
        """
        pid = json.loads(self.request("POST", "/prompt", body))["prompt_id"]
        hist_path = f"/history/{pid}"
        deadline = time.monotonic() + timeout_s
        polling = self.ws is None
        while not polling and time.monotonic() < deadline:
            try:
                msg = self.reader.recv()
            except ConnectionError:
                msg = ""
            if isinstance(msg, bytes):
                continue
            if not msg:  # the server dropped this socket (too slow a reader): fall back to polling
                self.dropped += 1
                self.ws = None
                polling = True
                break
            m = json.loads(msg)
            d = m.get("data") or {}
            if with_client and m.get("type") == "executing" and d.get("node") is None \
                    and d.get("prompt_id") == pid:
                break
            if not with_client and m.get("type") == "status" and "sid" not in d \
                    and d["status"]["exec_info"]["queue_remaining"] == 0:
                break
        else:
            if not polling:
                raise TimeoutError(f"prompt {pid} did not finish in {timeout_s} s")
        for _ in range(100000):
            raw = self.request("GET", hist_path)
            if raw != b"{}":
                return raw
            time.sleep(0.001)
        raise TimeoutError(f"prompt {pid} finished but has no history entry")

    def timed_run(self, prompt: dict, with_client: bool) -> _Timer:
        body = {"prompt": prompt}
        if with_client:
            body["client_id"] = "bench"
        data = json.dumps(body).encode()
        with _Timer(self.proc.pid) as t:
            raw = self.run_prompt(data, with_client)
        entry = next(iter(json.loads(raw).values()))
        assert entry["status"]["status_str"] == "success", entry["status"]
        return t

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except Exception:  # noqa: BLE001 - a server that does not stop is killed
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()


def serve(port: int, tmp: str, sizes: list[int]) -> None:
    """--serve: run_server with the toy nodes and the collectors of ``sizes`` (the bench's server process)."""
    from engine.server.app import run_server
    sys.path.insert(0, ROOT)
    import main as cli
    args = cli.build_parser().parse_args(["--port", str(port), "--base-directory", tmp, "--disable-all-custom-nodes"])
    paths = FolderPaths(tmp)
    paths.ensure_dirs()
    registry = make_registry(sizes)
    executor = Executor(registry, make_cache("classic"), NodeContext(paths=paths, args=args))
    run_server(args, registry, executor, paths)


def bench_http(sizes: list[int], repeat: int, fixed: dict, new_connections: bool = False) -> list[tuple]:
    """Rows per (label, shape, size); ``fixed[label]`` gets the per-prompt cost (ms, cold and cached) of a
    3-node prompt: the HTTP round trips, queue hand-offs and commits that any prompt pays once."""
    try:
        import websocket  # noqa: F401  (the HTTP+ws rows read the server's websocket)
    except ImportError as ex:
        print(f"HTTP benchmark skipped: websocket-client is not installed ({ex})")
        return []
    rows = []
    server = _Server(tempfile.mkdtemp(prefix="bench-http-"), sizes, new_connections)
    try:
        server.connect()
        server.timed_run(chain(10, 1), True)  # warm-up
        for (shape, build), with_client in [(sb, wc) for wc in (False, True) for sb in SHAPES.items()]:
            label = "HTTP+ws" if with_client else "HTTP"
            if label not in fixed:
                cold, cached = [], []
                for r in range(_runs(3, repeat)):
                    p = chain(3, start=90000 + r + (1000 if with_client else 0))
                    cold.append(server.timed_run(p, with_client))
                    cached.append(server.timed_run(p, with_client))
                fixed[label] = (_stats(cold, 3)[0] * 3e-3, _stats(cached, 3)[0] * 3e-3)   # medians, ms
            for n in sizes:
                cold, cached = [], []
                for r in range(_runs(n, repeat)):
                    p = build(n, start=5000 + n + r)
                    cold.append(server.timed_run(p, with_client))
                    cached.append(server.timed_run(p, with_client))
                rows.append((label, shape, n) + _stats(cold, n) + _stats(cached, n))
    finally:
        if server.ws is not None:
            server.ws.close()
        server.close()
    if server.dropped:
        print(f"note: the server closed the benchmark's websocket {server.dropped} time(s) as a too-slow reader;"
              " those runs waited by polling /history")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,2000,10000")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per cell (at least 30 under 1,000 nodes); the median and the best are reported")
    ap.add_argument("--no-http", action="store_true", help="skip the end-to-end HTTP measurement")
    ap.add_argument("--no-in-process", action="store_true", help="skip the in-process measurement")
    ap.add_argument("--new-connections", action="store_true",
                    help="HTTP client: a new connection per request (urllib) instead of one kept open")
    ap.add_argument("--serve", nargs=2, metavar=("PORT", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.serve:
        serve(int(args.serve[0]), args.serve[1], sizes)
        return
    sys.setrecursionlimit(1000)  # no part of the engine may need more
    rows = [] if args.no_in_process else bench_in_process(sizes, args.repeat)
    fixed: dict[str, tuple[float, float]] = {}
    if not args.no_http:
        rows += bench_http(sizes, args.repeat, fixed, args.new_connections)
    conn = "a new connection per request" if args.new_connections else "one kept-open connection"
    print(f"\nus per node; median and best of {args.repeat} runs per cell (30 under 1,000 nodes); HTTP client: {conn}")
    print("(wall = elapsed; cpu = best CPU time of the process doing the work, all threads: this one in-process,"
          " the server process through HTTP;\nmarginal = (median wall - the path's fixed per-prompt cost) / nodes,"
          " the part that grows with the graph)")
    for label, (fc, fk) in fixed.items():
        print(f"  {label}: fixed per-prompt cost (3-node prompt, median) {fc:.2f} ms cold, {fk:.2f} ms cached")
    for shape in SHAPES:
        print(f"\n{shape}")
        print(f"{'path':<11} {'nodes':>6} | {'cold med':>8} {'best':>6} {'cpu':>6} {'marginal':>8} | "
              f"{'cached med':>10} {'best':>6} {'cpu':>6} {'marginal':>8}")
        for path, sh, n, cm, cb, cc, km, kb, kc in rows:
            if sh != shape:
                continue
            fc, fk = fixed.get(path, (0.0, 0.0))
            mc = cm - fc * 1e3 / n
            mk = km - fk * 1e3 / n
            print(f"{path:<11} {n:>6} | {cm:>8.1f} {cb:>6.1f} {cc:>6.1f} {mc:>8.1f} | "
                  f"{km:>10.1f} {kb:>6.1f} {kc:>6.1f} {mk:>8.1f}")
    print(f"\nmachine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("targets end to end: <= 50 us/node cold, <= 10 us/node fully cached")


if __name__ == "__main__":
    main()
