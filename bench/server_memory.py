"""Peak RSS of the whole server making one 512x512 image from a full-size SD1.5 checkpoint.

    python bench/server_memory.py [--dir DIR] [--steps N] [--keep] [-- extra main.py flags]

Writes a random ~2.1 GB fp16 SD1.5 checkpoint (bench/load_memory.py's writer), starts
`python main.py` on a free loopback port with a base directory holding only that file, queues
the txt2img example at 512x512 through the HTTP API, waits for its history entry and prints the
server process's peak resident memory (VmHWM). Target (issue 3): <= 3.6 GB in the default CPU dtype.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))


def vm_hwm_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc status")


def wait_http(url: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=None, help="work folder (default: a temp dir)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("extra", nargs="*", help="extra main.py flags (after --)")
    args = ap.parse_args()
    from load_memory import write_random_checkpoint
    from server_load import free_port

    work = args.dir or tempfile.mkdtemp(prefix="server_memory_")
    ckpt_dir = os.path.join(work, "models", "checkpoints")
    os.makedirs(ckpt_dir, exist_ok=True)
    ckpt = os.path.join(ckpt_dir, "sd15-random-fp16.safetensors")
    if not os.path.isfile(ckpt):
        t0 = time.time()
        write_random_checkpoint(ckpt)
        print(f"wrote {ckpt} ({os.path.getsize(ckpt) / 1e9:.2f} GB) in {time.time() - t0:.0f} s")
    port = free_port()
    cmd = [sys.executable, os.path.join(ROOT, "main.py"), "--port", str(port), "--base-directory", work,
           "--disable-all-custom-nodes", *args.extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/system_stats", proc, 120)
        with open(os.path.join(ROOT, "web", "examples", "txt2img.json")) as f:
            prompt = json.load(f)
        prompt["4"]["inputs"]["ckpt_name"] = os.path.basename(ckpt)
        prompt["3"]["inputs"]["steps"] = args.steps
        body = json.dumps({"prompt": prompt}).encode()
        t0 = time.time()
        req = urllib.request.Request(base + "/prompt", data=body, headers={"Content-Type": "application/json"})
        pid = json.loads(urllib.request.urlopen(req).read())["prompt_id"]
        entry = None
        while time.time() - t0 < 3600 and proc.poll() is None:
            hist = json.loads(urllib.request.urlopen(f"{base}/history/{pid}").read())
            if pid in hist and hist[pid]["status"].get("completed") is not None:
                entry = hist[pid]
                break
            time.sleep(1)
        if entry is None:
            raise RuntimeError("the prompt did not finish")
        status = entry["status"]["status_str"]
        peak = vm_hwm_bytes(proc.pid)
        print(f"prompt {status} in {time.time() - t0:.0f} s ({args.steps} steps, 512x512, batch 1, cfg 8)")
        print(f"server peak RSS (VmHWM): {peak / 1e9:.2f} GB = {peak / 2**30:.2f} GiB   target <= 3.6 GB")
        return 0 if status == "success" else 1
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not args.keep and not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
