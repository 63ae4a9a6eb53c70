"""The editor in Debian's chromium against the real server, built-in nodes and a tiny checkpoint.

Tests in this module share one server; they run in file order (the empty state is
checked before the checkpoint exists, later tests reuse the first run's outputs).
"""
from __future__ import annotations

import json
import os

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

DEFAULT_TYPES = sorted(["CheckpointLoaderSimple", "CLIPTextEncode", "CLIPTextEncode", "EmptyLatentImage",
                        "KSampler", "VAEDecode", "SaveImage"])
SMOKE_COMMAND = "python main.py smoke-checkpoint"


def node_types(ed) -> list[str]:
    return sorted(ed.js("app.graph._nodes.map((n) => n.type)"))


def small_default(ed, seed: int, control: str = "fixed", steps: int = 2) -> None:
    """Shrink the default graph's work: 64x64, few steps, a known seed."""
    ed.set_widget(5, "width", 64)
    ed.set_widget(5, "height", 64)
    ed.set_widget(3, "steps", steps)
    ed.set_widget(3, "seed", seed)
    ed.set_widget(3, "control_after_generate", control)


def test_empty_state_points_to_the_checkpoint_folder(new_editor, empty_server):
    server = empty_server
    folder = os.path.join(server.paths.models_dir, "checkpoints")
    assert not os.path.isdir(folder) or not os.listdir(folder)
    ed = new_editor(server.url).open()
    notice = ed.page.locator("#empty-notice")
    assert notice.is_visible()
    text = notice.inner_text()
    assert "models/checkpoints" in text and SMOKE_COMMAND in text
    assert "no checkpoints" in ed.widget(4, "ckpt_name")
    # a checkpoint appears: Refresh picks it up without a reload
    from tests.browser.live_server import write_checkpoint

    write_checkpoint(server.paths.models_dir)
    ed.page.click("#refresh-button")
    ed.page.wait_for_function("document.querySelector('#empty-notice').hidden === true")
    assert ed.widget(4, "ckpt_name") == "tiny_sd1.safetensors"
    assert ed.errors == []


def test_page_loads_with_default_graph_and_no_console_errors(editor, checkpoint):
    ed = editor.open()
    assert node_types(ed) == DEFAULT_TYPES
    assert ed.js("app.graph._links.size") == 9
    assert ed.widget(4, "ckpt_name") == "tiny_sd1.safetensors"
    assert ed.widget(3, "control_after_generate") == "randomize"
    # the description of a node class is its tooltip; widgets keep their spec tooltips
    assert ed.js("app.graph.getNodeById(3).widgets.find((w) => w.name === 'seed').tooltip")
    assert ed.page.locator("#empty-notice").is_hidden()
    ed.page.wait_for_timeout(300)
    assert ed.errors == []


def test_queue_shows_image_then_seed_change_reruns_only_the_sampler(editor, server, checkpoint, output_dir):
    ed = editor.open()
    small_default(ed, seed=1)
    ed.js("""() => { window.__labels = [];
        new MutationObserver(() => window.__labels.push(document.querySelector('#progress-label').textContent))
          .observe(document.querySelector('#progress-label'), {childList: true, characterData: true, subtree: true}); }""")
    ed.js("""() => { window.__progress = []; window.__previews = 0;
        app.api.addEventListener('progress', (e) => window.__progress.push(e.detail));
        app.api.addEventListener('b_preview', () => { window.__previews += 1; }); }""")
    ed.page.locator("#graph-canvas").focus()
    ed.queue_and_wait(lambda: ed.page.keyboard.press("Control+Enter"))
    assert ed.errors == []
    assert ed.js("document.querySelectorAll('#messages .message.error').length") == 0, \
        ed.js("document.querySelector('#messages').innerText")
    imgs = ed.js("app.graph.getNodeById(9).imgs.map((i) => i.src)")
    assert len(imgs) == 1 and "/api/view?" in imgs[0] and "type=output" in imgs[0]
    ed.page.wait_for_function("app.graph.getNodeById(9).imgs[0].naturalWidth === 64")
    progress = ed.js("window.__progress")
    assert [p["value"] for p in progress if p["node"] == "3"][-1] == 2
    assert all(p["max"] == 2 for p in progress if p["node"] == "3")
    assert "KSampler #3 2/2" in ed.js("window.__labels")      # the toolbar progress bar's label
    if server.args.preview_method != "none":
        assert ed.js("window.__previews") >= 1, "no live preview frame reached the page"
        # the last preview stays drawn on the sampler node
        assert ed.js("app.graph.getNodeById(3).previewImage.naturalWidth") > 0
    assert sorted(ed.js("app.executedNodes")) == ["3", "4", "5", "6", "7", "8", "9"]
    # the gallery shows the same file
    ed.page.click("#side-tabs button[data-tab=history]")
    ed.page.wait_for_selector("#gallery img")
    assert ed.page.locator("#gallery img").first.get_attribute("alt") == imgs[0].split("filename=")[1].split("&")[0]
    ed.page.screenshot(path=os.path.join(output_dir, "editor_after_run.png"))

    # seed changes (and control "increment" runs after the queue): only KSampler and later nodes run
    ed.set_widget(3, "seed", 5)
    ed.set_widget(3, "control_after_generate", "increment")
    ed.queue_and_wait(lambda: ed.page.click("#queue-button"))
    assert sorted(ed.js("app.lastCached")) == ["4", "5", "6", "7"]
    assert sorted(ed.js("app.executedNodes")) == ["3", "8", "9"]
    assert ed.widget(3, "seed") == 6
    hist = ed.js("async () => (await fetch('/api/history/' + app.lastPromptId)).json()")
    entry = next(iter(hist.values()))
    assert entry["prompt"][2]["3"]["inputs"]["seed"] == 5
    assert entry["prompt"][3]["extra_pnginfo"]["workflow"]["nodes"]
    assert ed.errors == []


def test_dropping_a_saved_png_restores_its_graph(editor, checkpoint):
    ed = editor.open()
    hist = ed.js("async () => (await fetch('/api/history')).json()")
    if not hist:   # run alone (or on another xdist worker than the run test): make a picture first
        small_default(ed, seed=9)
        ed.queue_and_wait(lambda: ed.page.click("#queue-button"))
        hist = ed.js("async () => (await fetch('/api/history')).json()")
    entry = next(e for e in reversed(list(hist.values()))
                 if any(o.get("images") for o in e["outputs"].values()) and e["prompt"][3].get("extra_pnginfo"))
    image = next(o for o in entry["outputs"].values() if o.get("images"))["images"][0]
    saved_workflow = entry["prompt"][3]["extra_pnginfo"]["workflow"]
    ed.js("app.clearGraph()")
    assert ed.js("app.graph._nodes.length") == 0
    ed.js("""async (image) => {
        const q = new URLSearchParams({filename: image.filename, subfolder: image.subfolder, type: image.type});
        const blob = await (await fetch('/api/view?' + q)).blob();
        const dt = new DataTransfer();
        dt.items.add(new File([blob], image.filename, {type: 'image/png'}));
        const target = document.querySelector('#canvas-wrap');
        target.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""", image)
    ed.page.wait_for_function("app.graph._nodes.length === 7")
    restored = ed.js("app.serialize()")
    assert sorted((n["id"], n["type"]) for n in restored["nodes"]) == sorted(
        (n["id"], n["type"]) for n in saved_workflow["nodes"])
    by_id = {n["id"]: n for n in saved_workflow["nodes"]}
    for n in restored["nodes"]:
        assert n.get("widgets_values", []) == by_id[n["id"]].get("widgets_values", []), n["type"]
    # the same API prompt as the one that made the picture
    assert {k: v["inputs"] for k, v in ed.js("app.graphToPrompt().output").items()} == \
        {k: v["inputs"] for k, v in entry["prompt"][2].items()}
    # the history gallery: click the picture, then load its workflow from the enlarged view
    ed.js("app.clearGraph()")
    ed.page.click("#side-tabs button[data-tab=history]")
    ed.page.click(f"#gallery img[alt='{image['filename']}']")
    assert ed.page.locator("#lightbox").is_visible()
    assert image["filename"] in ed.page.get_attribute("#lightbox-img", "src")
    ed.page.click("#lightbox-load")
    ed.page.wait_for_function("app.graph._nodes.length === 7")
    assert ed.page.locator("#lightbox").is_hidden()
    assert {k: v["inputs"] for k, v in ed.js("app.graphToPrompt().output").items()} == \
        {k: v["inputs"] for k, v in entry["prompt"][2].items()}
    assert ed.errors == []


def test_validation_errors_mark_the_offending_node(editor, checkpoint, output_dir):
    ed = editor.open()
    small_default(ed, seed=3)
    ed.set_widget(3, "steps", 0)     # below min 1 -> rejected by the server's validation
    ed.page.click("#queue-button")
    ed.page.wait_for_selector("#messages .validation li[data-node-id='3']")
    assert list(ed.js("app.nodeErrors")) == ["3"]
    item = ed.page.locator("#messages .validation li[data-node-id='3']").inner_text()
    assert "KSampler #3" in item and "steps" in item and "smaller than min" in item
    assert ed.page.locator("#panel-messages").is_visible()
    ed.page.screenshot(path=os.path.join(output_dir, "editor_validation_error.png"))

    # a missing link: VAE Decode without its vae input
    ed.set_widget(3, "steps", 2)
    ed.js("app.graph.getNodeById(8).disconnectInput(1)")
    ed.page.click("#queue-button")
    ed.page.wait_for_selector("#messages .validation li[data-node-id='8']")
    assert list(ed.js("app.nodeErrors")) == ["8"]
    item = ed.page.locator("#messages .validation li[data-node-id='8']").inner_text()
    assert "Required input is missing" in item and "vae" in item
    assert [e for e in ed.errors if "400" not in e] == []


def test_editing_links_modes_undo_copy_group(editor, checkpoint):
    ed = editor.open()
    page = ed.page
    # typed sockets: CLIP cannot go into a LATENT input; a matching type can
    assert ed.js("app.graph.getNodeById(4).connect(1, app.graph.getNodeById(3), 3)") is None
    assert ed.js("app.graph.getNodeById(3).inputs[3].link") is not None
    assert ed.js("app.graph.getNodeById(5).connect(0, app.graph.getNodeById(3), 0)") is None
    assert ed.js("app.graph.getNodeById(5).connect(0, app.graph.getNodeById(3), 3).type") == "LATENT"
    # a Reroute ("*") takes any type
    ed.js("window.__r = app.addNode('Reroute', [700, 700])")
    assert ed.js("app.graph.getNodeById(4).connect(2, window.__r, 0) !== null")
    assert ed.js("window.__r.outputs[0].type") == "VAE"
    ed.js("app.graph.remove(window.__r)")

    def select(*ids):
        ed.js("(ids) => { app.canvas.deselectAll(); for (const id of ids) app.canvas.select(app.graph.getNodeById(id)); }",
              list(ids))

    page.locator("#graph-canvas").focus()
    select(7)
    page.keyboard.press("Control+m")
    assert ed.js("app.graph.getNodeById(7).mode") == 2
    page.keyboard.press("Control+b")
    assert ed.js("app.graph.getNodeById(7).mode") == 4
    page.keyboard.press("Control+b")
    assert ed.js("app.graph.getNodeById(7).mode") == 0

    # delete, undo, redo
    ed.js("app.graphChanged()")
    select(5)
    page.keyboard.press("Delete")
    page.wait_for_function("app.graph._nodes.length === 6")
    ed.js("app.graphChanged()")
    page.keyboard.press("Control+z")
    page.wait_for_function("app.graph._nodes.length === 7")
    assert ed.js("app.graph.getNodeById(3).inputs[3].link") is not None
    page.keyboard.press("Control+y")
    page.wait_for_function("app.graph._nodes.length === 6")
    page.keyboard.press("Control+z")
    page.wait_for_function("app.graph._nodes.length === 7")

    # copy / paste keeps widget values
    select(6)
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    page.wait_for_function("app.graph._nodes.length === 8")
    texts = ed.js("app.graph._nodes.filter((n) => n.type === 'CLIPTextEncode').map((n) => n.widgets[0].value)")
    assert len(texts) == 3 and texts.count(ed.widget(6, "text")) == 2

    # group the two prompts; multi-select and move both
    select(6, 7)
    page.keyboard.press("Control+g")
    assert ed.js("app.graph._groups.length") == 1
    bounds = ed.js("Array.from(app.graph._groups[0]._bounding)")
    for nid in (6, 7):
        x, y = ed.js(f"Array.from(app.graph.getNodeById({nid}).pos)")
        assert bounds[0] <= x <= bounds[0] + bounds[2] and bounds[1] <= y <= bounds[1] + bounds[3]
    before = ed.js("[6, 7].map((id) => Array.from(app.graph.getNodeById(id).pos))")
    ed.js("app.canvas.deselectAll(); app.graph._groups[0].move(40, 25)")
    after = ed.js("[6, 7].map((id) => Array.from(app.graph.getNodeById(id).pos))")
    assert [[a[0] - b[0], a[1] - b[1]] for a, b in zip(after, before)] == [[40, 25], [40, 25]]
    # drag one of two selected nodes by its title with the mouse: both move by the same amount
    select(3, 8)
    before = ed.js("[3, 8].map((id) => Array.from(app.graph.getNodeById(id).pos))")
    sx, sy = ed.js("(() => { const n = app.graph.getNodeById(3); return app.toScreen([n.pos[0] + 60, n.pos[1] - 12]); })()")
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move(sx + 30, sy + 20, steps=5)
    page.mouse.move(sx + 60, sy + 40, steps=5)
    page.mouse.up()
    after = ed.js("[3, 8].map((id) => Array.from(app.graph.getNodeById(id).pos))")
    d3 = (after[0][0] - before[0][0], after[0][1] - before[0][1])
    d8 = (after[1][0] - before[1][0], after[1][1] - before[1][1])
    assert d3 == pytest.approx(d8, abs=0.01) and d3[0] > 10 and d3[1] > 5
    assert ed.errors == []


def test_search_box_and_category_menu_add_nodes(editor, checkpoint):
    ed = editor.open()
    page = ed.page
    ed.js("app.clearGraph()")
    box = page.locator("#graph-canvas").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(60)   # litegraph wants two downs a few ms apart, as a person's double-click
    page.mouse.click(x, y)
    page.wait_for_selector(".litesearchbox input")
    page.keyboard.type("KSampler")
    page.wait_for_function("""() => { const i = document.querySelector('.litesearchbox .lite-search-item');
        return i && i.textContent.startsWith('KSampler'); }""")
    page.keyboard.press("Enter")
    page.wait_for_function("app.graph._nodes.length === 1")
    assert ed.js("app.graph._nodes[0].type") == "KSampler"
    # right-click menu: Add Node > loaders > Load Checkpoint
    page.mouse.click(x + 300, y + 150, button="right")
    page.click(".litecontextmenu .litemenu-entry:has-text('Add Node')")
    page.click(".litecontextmenu .litemenu-entry:text-is('loaders')")
    page.click(".litecontextmenu .litemenu-entry:text-is('Load Checkpoint')")
    page.wait_for_function("app.graph._nodes.length === 2")
    assert sorted(node_types(ed)) == ["CheckpointLoaderSimple", "KSampler"]
    assert ed.errors == []


def test_widget_input_primitive_and_back(editor, checkpoint):
    ed = editor.open()
    ed.set_widget(3, "seed", 11)
    ed.js("""() => {
        const p = app.addNode('PrimitiveNode', [500, 0]); window.__p = p;
        const ks = app.graph.getNodeById(3);
        p.connect(0, ks, ks.inputs.findIndex((i) => i.widget && i.widget.name === 'seed'));
        p.widgets[0].value = 777; }""")
    assert ed.js("window.__p.outputs[0].type") == "INT"
    # a primitive feeds widgets only, never a socket such as MODEL
    assert ed.js("app.addNode('PrimitiveNode', [500, 300]).connect(0, app.graph.getNodeById(3), 0)") is None
    assert ed.js("app.graphToPrompt().output['3'].inputs.seed") == 777
    assert ed.js("app.graph.getNodeById(3).getSlotFromWidget(app.graph.getNodeById(3).widgets[0]).link") is not None
    # back to a widget: unlink, the widget drives the value again
    ed.js("""() => { const ks = app.graph.getNodeById(3);
        ks.disconnectInput(ks.inputs.findIndex((i) => i.widget && i.widget.name === 'seed'));
        ks.widgets[0].value = 12; }""")
    assert ed.js("app.graphToPrompt().output['3'].inputs.seed") == 12
    assert ed.errors == []


def test_autosave_restores_after_reload(editor, checkpoint):
    ed = editor.open()
    # typing into the prompt's text box; Ctrl+Enter from inside it queues
    box = ed.page.locator("textarea[data-widget=text][data-node='7']")
    box.fill("ugly, typed")
    assert ed.widget(7, "text") == "ugly, typed"
    ed.set_widget(5, "width", 64)
    ed.set_widget(5, "height", 64)
    ed.set_widget(3, "steps", 1)
    before = ed.js("app.lastPromptId")
    box.press("Control+Enter")
    ed.page.wait_for_function("(b) => app.lastPromptId !== b", arg=before)
    ed.set_widget(6, "text", "a red cube, autosaved")
    ed.js("app.graph.getNodeById(7).mode = 2; app.graphChanged()")
    ed.page.reload()
    ed.page.wait_for_function("window.app && window.app.ready === true")
    assert ed.widget(6, "text") == "a red cube, autosaved"
    assert ed.js("app.graph.getNodeById(7).mode") == 2
    assert "7" not in ed.js("app.graphToPrompt().output")
    assert ed.errors == []


def test_save_export_and_load_files(editor, checkpoint, tmp_path):
    ed = editor.open()
    page = ed.page
    page.on("dialog", lambda d: d.accept("mine.json"))
    with page.expect_download() as dl:
        page.click("#save-button")
    saved = json.loads(open(dl.value.path(), encoding="utf-8").read())
    assert saved["version"] == 0.4 and len(saved["nodes"]) == 7 and len(saved["links"]) == 9
    with page.expect_download() as dl:
        page.click("#export-api-button")
    api = json.loads(open(dl.value.path(), encoding="utf-8").read())
    assert api["3"]["class_type"] == "KSampler" and api["3"]["inputs"]["model"] == ["4", 0]
    assert "control_after_generate" not in api["3"]["inputs"]
    # a version 1 file loads through the Load button
    fixture = os.path.join(ROOT, "tests", "fixtures", "ui_workflows", "txt2img_v1.json")
    page.set_input_files("#file-input", fixture)
    page.wait_for_function("app.graph.getNodeById(6) && app.graph.getNodeById(6).title === 'Positive'")
    assert ed.widget(6, "text").startswith("a photograph of a lighthouse")
    assert ed.js("app.graph._groups.map((g) => g.title)") == ["Prompts"]
    # reroute, primitive, bypassed and muted nodes survive a load into the live graph: the
    # editor's own serialisation gives the prompt of the example the fixture mirrors
    fixture = os.path.join(ROOT, "tests", "fixtures", "ui_workflows", "txt2img_reroute_primitive_muted.json")
    page.set_input_files("#file-input", fixture)
    page.wait_for_function("app.graph.getNodeById(11) && app.graph.getNodeById(11).type === 'PrimitiveNode'")
    with open(os.path.join(ROOT, "web", "examples", "txt2img.json"), encoding="utf-8") as f:
        example = json.load(f)
    live = ed.js("app.graphToPrompt().output")
    assert {k: v["inputs"] for k, v in live.items()} == {k: v["inputs"] for k, v in example.items()}
    assert ed.js("[app.graph.getNodeById(12).mode, app.graph.getNodeById(13).mode]") == [4, 2]
    assert ed.js("app.graph.getNodeById(10).outputs[0].type") == "VAE"
    assert ed.js("app.graph.getNodeById(11).widgets.map((w) => w.value)") == [example["3"]["inputs"]["seed"], "fixed"]
    # an API-format file loads too (nodes laid out from the prompt)
    p = tmp_path / "api.json"
    p.write_text(json.dumps(api))
    page.set_input_files("#file-input", str(p))
    page.wait_for_function("app.graph._nodes.length === 7 && app.graph.getNodeById(9).widgets[0].value === 'ComfyUI'")
    assert {k: v["inputs"] for k, v in ed.js("app.graphToPrompt().output").items()} == \
        {k: v["inputs"] for k, v in api.items()}
    # a workflow with a node type this server lacks: loaded, and the message names the type
    saved["nodes"][0]["type"] = "NoSuchNode"
    p.write_text(json.dumps(saved))
    page.set_input_files("#file-input", str(p))
    page.wait_for_selector("#messages .message.error:has-text('not installed on this server')")
    assert "NoSuchNode" in page.locator("#messages .message.error").first.inner_text()
    # not JSON at all: a readable message, the graph is kept
    p.write_text("{ not json")
    page.set_input_files("#file-input", str(p))
    page.wait_for_selector("#messages .message.error:has-text('Could not load api.json')")
    assert ed.errors == []


def test_queue_panel_delete_and_interrupt(editor, checkpoint):
    ed = editor.open()
    small_default(ed, seed=100, steps=500)   # long enough to still run while the panel is used
    ed.js("app.queuePrompt()")
    ed.page.wait_for_function("app.runningNodeId === '3'", timeout=60_000)
    ed.set_widget(3, "seed", 101)
    ed.js("app.queuePrompt()")
    ed.page.click("#side-tabs button[data-tab=queue]")
    pending = ed.page.locator("#queue-list li.pending")
    pending.first.wait_for()
    pending.first.locator("button").click()
    ed.page.wait_for_function("document.querySelectorAll('#queue-list li.pending').length === 0")
    ed.page.click("#interrupt-button")
    ed.page.wait_for_function("[...document.querySelectorAll('#messages .message')].some((m) => m.innerText.includes('Interrupted'))",
                              timeout=60_000)
    ed.page.wait_for_function("document.querySelectorAll('#queue-list li.running').length === 0", timeout=60_000)
    assert ed.errors == []


def test_upload_image_and_execution_error_on_the_failing_node(editor, server, checkpoint, output_dir, tmp_path):
    from PIL import Image

    ed = editor.open()
    page = ed.page
    ed.js("""app.loadGraphData({"1": {"class_type": "LoadImage", "inputs": {"image": "x.png"}},
        "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}, "test graph")""")
    # the upload button of LoadImage stores the file in input/ and selects it
    good = tmp_path / "red.png"
    Image.new("RGB", (24, 16), (255, 0, 0)).save(good)
    page.set_input_files("input.sdflow-upload", str(good))
    page.wait_for_function("app.graph.getNodeById(1).widgets[0].value === 'red.png'")
    page.wait_for_function("app.graph.getNodeById(1).imgs && app.graph.getNodeById(1).imgs[0].naturalWidth === 24")
    ed.queue_and_wait(lambda: page.click("#queue-button"))
    page.wait_for_function("app.graph.getNodeById(2).imgs && app.graph.getNodeById(2).imgs[0].naturalWidth === 24")
    assert "type=temp" in ed.js("app.graph.getNodeById(2).imgs[0].src")
    # a file that is not an image: the upload is refused, and the message says so
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"this is not a png")
    page.set_input_files("input.sdflow-upload", str(bad))
    page.wait_for_selector("#messages .message.error:has-text('Upload of broken.png failed')")
    # the same file put in input/ by hand: listed after Refresh, and LoadImage fails while running
    with open(os.path.join(server.paths.input_dir, "broken.png"), "wb") as f:
        f.write(b"this is not a png")
    page.click("#refresh-button")
    page.wait_for_function("app.graph.getNodeById(1).widgets[0].options.values.includes('broken.png')")
    ed.set_widget(1, "image", "broken.png")
    ed.queue_and_wait(lambda: page.click("#queue-button"))
    assert list(ed.js("app.nodeErrors")) == ["1"]
    msg = page.locator("#messages .message.error[data-node-id='1']")
    assert msg.is_visible()
    assert "Load Image #1" in msg.inner_text()
    page.screenshot(path=os.path.join(output_dir, "editor_execution_error.png"))
    # the refused upload (HTTP 400) is the only console noise allowed here
    assert [e for e in ed.errors if "status of 400" not in e] == []


def test_custom_node_web_extension_is_loaded(editor, server, checkpoint, tmp_path):
    pack = tmp_path / "webdir"
    pack.mkdir()
    (pack / "hello.js").write_text("""
import { app } from "../../scripts/app.js";
app.registerExtension({
  name: "test.hello",
  setup() { window.__helloSetup = true; },
  beforeRegisterNodeDef(nodeType, nodeData) {
    if (nodeData.name === "KSampler") nodeType.prototype.helloMarker = "seen";
  },
});
""")
    server.registry.web_dirs["hello_pack"] = str(pack)
    try:
        ed = editor.open()
        assert "/extensions/hello_pack/hello.js" in ed.js("app.api.extensions()")
        ed.page.wait_for_function("window.__helloSetup === true")
        assert ed.js("app.graph.getNodeById(3).helloMarker") == "seen"
        assert ed.js("app.extensions.list.map((e) => e.name)") == ["test.hello"]
        assert ed.errors == []
    finally:
        del server.registry.web_dirs["hello_pack"]


def test_node_description_is_the_title_tooltip(editor, checkpoint):
    ed = editor.open()
    x, y = ed.js("(() => { const n = app.graph.getNodeById(3); return app.toScreen([n.pos[0] + 100, n.pos[1] - 10]); })()")
    ed.page.mouse.move(x, y)
    ed.page.mouse.move(x + 2, y)
    desc = ed.js("app.objectInfo.KSampler.description")
    assert desc and ed.page.get_attribute("#graph-canvas", "title") == desc
    # over the steps widget: the input's tooltip
    x, y = ed.js("""(() => { const n = app.graph.getNodeById(3); const w = n.widgets.find((w) => w.name === 'steps');
        return app.toScreen([n.pos[0] + 100, n.pos[1] + w.y + 8]); })()""")
    ed.page.mouse.move(x, y)
    ed.page.mouse.move(x + 2, y)
    assert ed.page.get_attribute("#graph-canvas", "title") == ed.js(
        "app.objectInfo.KSampler.input.required.steps[1].tooltip")


def test_examples_menu_loads_an_api_example(editor, checkpoint):
    ed = editor.open()
    page = ed.page
    with open(os.path.join(ROOT, "web", "examples", "hires_fix.json"), encoding="utf-8") as f:
        example = json.load(f)
    page.click("#examples-button")
    page.wait_for_selector("#examples-menu button.example")
    names = page.locator("#examples-menu button.example").all_inner_texts()
    assert "txt2img" in names and "hires_fix" in names and "README" not in " ".join(names)
    page.click("#examples-menu button.example:text-is('hires_fix')")
    page.wait_for_function(f"app.graph._nodes.length === {len(example)}")
    assert {k: v["inputs"] for k, v in ed.js("app.graphToPrompt().output").items()} == \
        {k: v["inputs"] for k, v in example.items()}
    assert ed.js("app.graph.getNodeById(11).title") == "KSampler (hires pass)"
    assert ed.errors == []


def test_batch_count_posts_several_prompts_with_control_between(editor, checkpoint):
    ed = editor.open()
    small_default(ed, seed=20, control="increment", steps=1)
    ed.page.fill("#batch-count", "3")
    done = ed.js("app.finishedPrompts.size")
    ed.page.click("#queue-button")
    ed.page.wait_for_function("(n) => app.finishedPrompts.size >= n + 3", arg=done, timeout=120_000)
    assert ed.widget(3, "seed") == 23
    ids = ed.js("[...app.finishedPrompts]")[-3:]
    seeds = []
    for pid in ids:
        hist = ed.js("async (id) => (await fetch('/api/history/' + id)).json()", pid)
        seeds.append(hist[pid]["prompt"][2]["3"]["inputs"]["seed"])
    assert sorted(seeds) == [20, 21, 22]
    assert ed.errors == []
