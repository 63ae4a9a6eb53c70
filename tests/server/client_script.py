"""A client written the way a user writes one: urllib + websocket-client, nothing from the engine.

    python tests/server/client_script.py http://127.0.0.1:8188 workflow_api.json out_dir
"""
from __future__ import annotations

import json
import os
import sys
import urllib.parse
import urllib.request
import uuid

import websocket  # websocket-client


def queue_prompt(server: str, prompt: dict, client_id: str) -> str:
    data = json.dumps({"prompt": prompt, "client_id": client_id}).encode("utf-8")
    req = urllib.request.Request(f"{server}/prompt", data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())["prompt_id"]


def get_history(server: str, prompt_id: str) -> dict:
    with urllib.request.urlopen(f"{server}/history/{prompt_id}") as r:
        return json.loads(r.read())


def get_image(server: str, filename: str, subfolder: str, folder_type: str) -> bytes:
    query = urllib.parse.urlencode({"filename": filename, "subfolder": subfolder, "type": folder_type})
    with urllib.request.urlopen(f"{server}/view?{query}") as r:
        return r.read()


def run(server: str, prompt: dict, timeout: float = 120) -> tuple[str, list[dict], int, dict[str, bytes]]:
    """Queue ``prompt``, follow it over the websocket until it finishes, then fetch its images.

    Returns (prompt_id, text messages seen, number of binary preview frames, {filename: bytes}).
    """
    client_id = str(uuid.uuid4())
    ws = websocket.WebSocket()
    ws.connect(f"ws://{server.split('://', 1)[1]}/ws?clientId={client_id}", timeout=timeout)
    messages, previews = [], 0
    try:
        prompt_id = queue_prompt(server, prompt, client_id)
        while True:
            out = ws.recv()
            if isinstance(out, bytes):
                previews += 1
                continue
            msg = json.loads(out)
            messages.append(msg)
            data = msg.get("data", {})
            if msg["type"] == "executing" and data.get("node") is None and data.get("prompt_id") == prompt_id:
                break   # execution is done
    finally:
        ws.close()
    history = get_history(server, prompt_id)[prompt_id]
    images = {}
    for node_output in history["outputs"].values():
        for image in node_output.get("images", []):
            images[image["filename"]] = get_image(server, image["filename"], image["subfolder"], image["type"])
    return prompt_id, messages, previews, images


if __name__ == "__main__":
    url, workflow_path, out_dir = sys.argv[1:4]
    with open(workflow_path, encoding="utf-8") as f:
        wf = json.load(f)
    pid, msgs, n_prev, imgs = run(url, wf)
    os.makedirs(out_dir, exist_ok=True)
    for name, data in imgs.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        print(os.path.join(out_dir, name))
