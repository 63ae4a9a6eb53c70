"""The editor's DOM-free modules (web/js/graph.js, web/js/pnginfo.js) run in node on
inputs built here: PNG text chunks as PIL writes them, websocket binary frames as api.md
describes them, widget layouts for both combo encodings, link type rules, control actions."""
from __future__ import annotations

import base64
import io
import json
import os
import shutil
import struct
import subprocess
import zlib

import pytest
from PIL import Image, PngImagePlugin

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

RUNNER = os.path.join(ROOT, "tests", "browser", "js_units.mjs")


def run_js(tmp_path, cases: list[dict]) -> list:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node (v18+) is not installed")
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    proc = subprocess.run([node, RUNNER, str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def png_with_text(chunks: list[tuple[str, str, bool]]) -> bytes:
    """A PNG with text chunks: (key, value, zip). PIL writes iTXt for non-Latin-1 text or zip=True."""
    info = PngImagePlugin.PngInfo()
    for key, value, zipped in chunks:
        if zipped:
            info.add_itxt(key, value, zip=True)
        else:
            info.add_text(key, value)
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 20, 30)).save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def insert_ztxt(png: bytes, key: str, value: str) -> bytes:
    data = key.encode("latin-1") + b"\0\0" + zlib.compress(value.encode("latin-1"))
    chunk = struct.pack(">I", len(data)) + b"zTXt" + data + struct.pack(">I", zlib.crc32(b"zTXt" + data))
    return png[:33] + chunk + png[33:]    # after the IHDR chunk


def test_png_text_chunks_as_saveimage_writes_them(tmp_path):
    workflow = {"nodes": [{"id": 1, "type": "KSampler"}], "links": [], "version": 0.4}
    prompt = {"1": {"class_type": "KSampler", "inputs": {"text": "ünïcödé ✓"}}}
    plain = png_with_text([("prompt", json.dumps(prompt, ensure_ascii=False), False),
                           ("workflow", json.dumps(workflow), False)])
    zipped = png_with_text([("workflow", json.dumps(workflow), True)])
    only_prompt = png_with_text([("prompt", json.dumps(prompt), False)])
    ztxt = insert_ztxt(png_with_text([]), "workflow", json.dumps(workflow))
    nothing = png_with_text([("parameters", "a1111 text", False)])
    res = run_js(tmp_path, [
        {"fn": "readPngText", "args": [b64(plain)]},
        {"fn": "workflowFromPng", "args": [b64(plain)]},
        {"fn": "workflowFromPng", "args": [b64(zipped)]},
        {"fn": "workflowFromPng", "args": [b64(only_prompt)]},
        {"fn": "workflowFromPng", "args": [b64(ztxt)]},
        {"fn": "workflowFromPng", "args": [b64(nothing)]},
        {"fn": "readPngText", "args": [b64(b"GIF89a not a png at all")]},
    ])
    assert json.loads(res[0]["ok"]["prompt"]) == prompt     # non-Latin-1 text -> PIL wrote iTXt
    assert res[1]["ok"] == {"workflow": workflow}
    assert res[2]["ok"] == {"workflow": workflow}             # compressed iTXt
    assert res[3]["ok"] == {"prompt": prompt}
    assert res[4]["ok"] == {"workflow": workflow}             # zTXt
    assert "Unable to find workflow" in res[5]["error"]
    assert "not a PNG" in res[6]["error"]


def test_binary_websocket_frames(tmp_path):
    jpeg = b"\xff\xd8\xff fake jpeg"
    meta = json.dumps({"node_id": "3", "prompt_id": "p", "image_type": "image/png"}).encode()
    frames = [
        struct.pack(">II", 1, 1) + jpeg,                                  # PREVIEW_IMAGE, JPEG
        struct.pack(">II", 1, 2) + b"\x89PNG",                            # PREVIEW_IMAGE, PNG
        struct.pack(">II", 4, len(meta)) + meta + b"\x89PNGdata",         # with metadata
        struct.pack(">II", 3, 1) + b"7" + "step 3 ✓".encode(),            # TEXT for node 7
        struct.pack(">II", 9, 0),
        b"\x00\x00",
    ]
    res = run_js(tmp_path, [{"fn": "parseBinaryFrame", "args": [b64(f)]} for f in frames])
    assert res[0]["ok"]["mime"] == "image/jpeg" and base64.b64decode(res[0]["ok"]["bytes"]) == jpeg
    assert res[1]["ok"]["mime"] == "image/png"
    assert res[2]["ok"]["meta"]["node_id"] == "3" and base64.b64decode(res[2]["ok"]["bytes"]) == b"\x89PNGdata"
    assert res[3]["ok"]["nodeId"] == "7" and res[3]["ok"]["text"] == "step 3 ✓"
    assert "unknown binary frame type 9" in res[4]["error"]
    assert "too short" in res[5]["error"]


def test_widget_layout_both_combo_encodings_and_controls(tmp_path):
    node_def = {
        "input": {
            "required": {
                "model": ["MODEL", {}],
                "seed": ["INT", {"default": 0, "min": 0, "max": 2 ** 64 - 1}],
                "sampler": [["euler", "ddim"], {}],
                "scheduler": ["COMBO", {"options": ["normal", "karras"], "control_after_generate": True}],
                "cfg": ["FLOAT", {"default": 8.0}],
                "text": ["STRING", {"multiline": True}],
                "forced": ["INT", {"forceInput": True}],
            },
            "optional": {"flag": ["BOOLEAN", {"default": True}]},
            "hidden": {"prompt": "PROMPT"},
        },
        "input_order": {"required": ["model", "seed", "sampler", "scheduler", "cfg", "text", "forced"],
                        "optional": ["flag"], "hidden": ["prompt"]},
    }
    res = run_js(tmp_path, [
        {"fn": "widgetLayout", "args": [node_def]},
        {"fn": "socketInputs", "args": [node_def]},
    ])
    layout = [(w["name"], w["type"], w["api"]) for w in res[0]["ok"]]
    assert layout == [("seed", "INT", True), ("control_after_generate", "CONTROL", False),
                      ("sampler", "COMBO", True), ("scheduler", "COMBO", True),
                      ("control_after_generate", "CONTROL", False), ("control_filter_list", "FILTER", False),
                      ("cfg", "FLOAT", True), ("text", "STRING", True), ("flag", "BOOLEAN", True)]
    assert res[0]["ok"][3]["combo"] == ["normal", "karras"] and res[0]["ok"][2]["combo"] == ["euler", "ddim"]
    assert [(s["name"], s["type"], s["optional"]) for s in res[1]["ok"]] == [("model", "MODEL", False),
                                                                              ("forced", "INT", False)]


def test_link_types_and_control_actions(tmp_path):
    pairs = [("IMAGE", "IMAGE", True), ("IMAGE", "LATENT", False), ("*", "LATENT", True), ("IMAGE", "*", True),
             ("IMAGE,MASK", "MASK", True), ("INT,FLOAT", "STRING,BOOLEAN", False), ("", "MODEL", True)]
    controls = [
        ([5, "fixed", {"min": 0, "max": 10}, 0.5], 5),
        ([5, "increment", {"min": 0, "max": 10}, 0.5], 6),
        ([10, "increment", {"min": 0, "max": 10}, 0.5], 10),
        ([0, "decrement", {"min": 0, "max": 10}, 0.5], 0),
        ([7, "decrement", {"min": 0, "max": 10, "step": 2}, 0.5], 5),
        ([7, "randomize", {"min": 0, "max": 2 ** 64 - 1}, 0.5], 1125899906842624 // 2),
        ([7, "randomize", {"min": 10, "max": 20}, 0.999], 19),
    ]
    res = run_js(tmp_path, [{"fn": "typesCompatible", "args": [a, b]} for a, b, _ in pairs]
                 + [{"fn": "applyControl", "args": args} for args, _ in controls])
    assert [r["ok"] for r in res[:len(pairs)]] == [ok for _, _, ok in pairs]
    assert [r["ok"] for r in res[len(pairs):]] == [want for _, want in controls]


DYNAMIC_CASES = [
    "a {red|blue|{green|yellow}} cat",
    "plain text, no groups",
    "keep \\(weights:1.2\\) and \\{braces\\} and a \\| bar",
    "// a line comment\nkept /* block\ncomment */ text {x|/* inside */y}",
    "{a|b",                          # unclosed: the group runs to the end
    "}x{",                           # a stray closer is plain text
    "{|}|{}",                         # empty options
    "{{a|b}|{c|{d|e}}} and {f|g}",
    "end with a backslash \\",
    "url http://example.com/{x|y}",  # "//" starts a comment, as in the editor
    "\\\\{a|b}",                      # an escaped backslash before a group
]


class _Cycle:
    """random.Random stand-in returning fixed numbers in a cycle (the JS side gets the same)."""

    def __init__(self, values):
        self.values, self.k = values, 0

    def random(self):
        v = self.values[self.k % len(self.values)]
        self.k += 1
        return v


@pytest.mark.parametrize("values", [[0.0], [0.99], [0.5, 0.1, 0.9], [0.3, 0.7]])
def test_dynamic_prompts_same_in_editor_and_python(tmp_path, values):
    """The editor (graph.js) and `main.py run` (workflow.py) expand {a|b} dynamic prompts the same way
    for the same random numbers."""
    from engine.graph.workflow import process_dynamic_prompt
    res = run_js(tmp_path, [{"fn": "processDynamicPrompt", "args": [t, values]} for t in DYNAMIC_CASES])
    got = [r["ok"] for r in res]
    want = [process_dynamic_prompt(t, _Cycle(values)) for t in DYNAMIC_CASES]
    assert got == want


def test_dynamic_prompt_expansion_rules():
    from engine.graph.workflow import process_dynamic_prompt
    assert process_dynamic_prompt("a {red|blue|{green|yellow}} cat", _Cycle([0.9, 0.1])) == "a green cat"
    assert process_dynamic_prompt("a {red|blue} cat", _Cycle([0.0])) == "a red cat"
    assert process_dynamic_prompt("x \\(w:1.1\\) \\{y\\} \\|", _Cycle([0.0])) == "x \\(w:1.1\\) {y} |"
    assert process_dynamic_prompt("a /* b */c // d\ne", _Cycle([0.0])) == "a c \ne"
    assert process_dynamic_prompt("{a|b", _Cycle([0.99])) == "b"
    seen = {process_dynamic_prompt("{a|b|c}") for _ in range(200)}
    assert seen == {"a", "b", "c"}                      # every option can come up
    deep = "{" * 3000 + "z" + "}" * 3000                   # no recursion limit
    assert process_dynamic_prompt(deep, _Cycle([0.0])) == "z"


def test_ui_to_api_expands_dynamic_prompts_only_where_the_input_asks(tmp_path):
    """CLIPTextEncode's text (dynamicPrompts) is expanded; SaveImage's filename_prefix is not; the
    editor's uiToApi and the Python converter agree."""
    import types

    from engine.graph.context import NodeContext
    from engine.graph.paths import FolderPaths
    from engine.graph.registry import Registry
    from engine.graph.workflow import ui_to_api
    from nodes import register_builtin_nodes

    paths = FolderPaths(str(tmp_path))
    paths.ensure_dirs()
    ctx = NodeContext(paths=paths, device=None, args=types.SimpleNamespace(preview_method="none"))
    registry = Registry(ctx)
    register_builtin_nodes(registry, ctx)
    workflow = {"last_node_id": 2, "last_link_id": 0, "links": [], "version": 0.4, "nodes": [
        {"id": 1, "type": "CLIPTextEncode", "mode": 0, "widgets_values": ["a {cat|dog} // note"],
         "inputs": [{"name": "clip", "type": "CLIP", "link": None}], "outputs": []},
        {"id": 2, "type": "SaveImage", "mode": 0, "widgets_values": ["out_{a|b}"],
         "inputs": [{"name": "images", "type": "IMAGE", "link": None}], "outputs": []},
    ]}
    prompt = ui_to_api(workflow, registry, rng=_Cycle([0.7]))
    assert prompt["1"]["inputs"]["text"] == "a dog "
    assert prompt["2"]["inputs"]["filename_prefix"] == "out_{a|b}"
    info = {name: registry.node_info(name) for name in ("CLIPTextEncode", "SaveImage")}
    res = run_js(tmp_path, [{"fn": "uiToApi", "args": [workflow, info, [0.7]]}])
    assert res[0]["ok"]["1"]["inputs"]["text"] == "a dog "
    assert res[0]["ok"]["2"]["inputs"]["filename_prefix"] == "out_{a|b}"
