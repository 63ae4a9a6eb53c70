"""The editor's UI->API conversion (web/js/graph.js, run in node) and the Python one
(engine.graph.workflow.ui_to_api) give the same prompt for every shared UI fixture, and
each fixture converts to the API example it mirrors (web/examples/<extra.mirrors>)."""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "ui_workflows")
EXAMPLES = os.path.join(ROOT, "web", "examples")
CONVERTER = os.path.join(ROOT, "tests", "browser", "convert_ui.mjs")
FILES = sorted(glob.glob(os.path.join(FIXTURES, "*.json")))


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    from tests.browser.live_server import build_registry
    from engine.graph.paths import FolderPaths

    base = str(tmp_path_factory.mktemp("conv"))
    paths = FolderPaths(base)
    reg, _ = build_registry(paths)
    return reg


@pytest.fixture(scope="module")
def js_prompts(registry, tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node (v18+) is not installed")
    info = tmp_path_factory.mktemp("oi") / "object_info.json"
    info.write_text(json.dumps(registry.all_node_info()))
    proc = subprocess.run([node, CONVERTER, str(info), *FILES], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _strip_meta(prompt: dict) -> dict:
    return {k: {"class_type": v["class_type"], "inputs": v["inputs"]} for k, v in prompt.items()}


def _mirrored_example(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        name = json.load(f)["extra"]["mirrors"]
    return os.path.join(EXAMPLES, name)


def test_fixtures_present():
    names = {os.path.basename(f) for f in FILES}
    assert {"txt2img.json", "txt2img_reroute_primitive_muted.json", "txt2img_v1.json", "img2img.json"} <= names
    for f in FILES:
        assert os.path.exists(_mirrored_example(f)), f"{f} mirrors a missing example"


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_js_and_python_conversions_agree(path, registry, js_prompts):
    from engine.graph.workflow import ui_to_api

    with open(path, encoding="utf-8") as f:
        workflow = json.load(f)
    py = ui_to_api(workflow, registry)
    js = js_prompts[path]
    assert _strip_meta(js) == _strip_meta(py)
    assert {k: v["_meta"]["title"] for k, v in js.items()} == {k: v["_meta"]["title"] for k, v in py.items()}


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_conversion_gives_the_mirrored_example(path, js_prompts):
    with open(_mirrored_example(path), encoding="utf-8") as f:
        expected = json.load(f)
    assert _strip_meta(js_prompts[path]) == _strip_meta(expected)
