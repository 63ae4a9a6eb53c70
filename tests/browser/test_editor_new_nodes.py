"""The editor with the core node classes added today (nodes/image_extra, mask_extra, latent_extra, utility,
model_patches, model_merge, SaveImageWebsocket): every class renders the widgets its /object_info spec asks
for and is found by the search box; small graphs of each kind queue and show their outputs as ComfyUI's
frontend does (PreviewAny text, LoadImageOutput's remote list and output-folder upload, animated saves as a
playing <img>, MaskPreview images, SaveImageWebsocket's PNG frames).

One page is shared by the module, on the real server (tests/browser/conftest.py) with a tiny checkpoint.
"""
from __future__ import annotations

import importlib
import io
import json
import os
import urllib.request

import pytest
from PIL import Image

from tests.browser.conftest import Editor

pytestmark = pytest.mark.browser

NEW_MODULES = ["image_extra", "mask_extra", "latent_extra", "utility", "model_patches", "model_merge"]

# build the graph of an API prompt (class_type + inputs) in the editor, as a paste of API JSON does
LOAD_API = """async (prompt) => {
    document.querySelectorAll('.litesearchbox, .graphdialog, .litecontextmenu').forEach((e) => e.remove());
    app.loadGraphData(prompt, 'test prompt');
    app.panels.clearMessages?.();
}"""

BY_TYPE = "(t) => app.graph._nodes.filter((n) => n.type === t).map((n) => n.id)"


def new_classes() -> list[str]:
    names = []
    for mod in NEW_MODULES:
        names += list(importlib.import_module(f"nodes.{mod}").NODE_CLASS_MAPPINGS)
    return names + ["SaveImageWebsocket"]


def png_bytes(w: int, h: int, color) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def ed(browser, server, checkpoint):
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    editor = Editor(context.new_page(), server.url).open()
    yield editor
    context.close()


@pytest.fixture(scope="module")
def object_info(server):
    with urllib.request.urlopen(server.url + "/api/object_info", timeout=30) as r:
        return json.load(r)


def load(ed: Editor, prompt: dict) -> dict:
    """Load an API prompt as the graph; returns class_type -> the editor's node id (first of each)."""
    ed.js(LOAD_API, prompt)
    ed.page.wait_for_timeout(100)
    return {t: ed.js(BY_TYPE, t)[0] for t in {e["class_type"] for e in prompt.values()}}


def queue_by_click(ed: Editor) -> str:
    pid = ed.queue_and_wait(lambda: ed.page.click("#queue-button"), timeout=90_000)
    assert ed.js("Object.keys(app.nodeErrors)") == [], ed.js("app.nodeErrors")
    return pid


def assert_clean(ed: Editor) -> None:
    """No console or page error, no error message in the editor's Messages panel."""
    assert ed.errors == []
    assert ed.js("[...document.querySelectorAll('.message.error .message-title')].map((e) => e.textContent)") == []


def widget_screen(ed: Editor, node_id: int, name: str, fx: float = 0.5) -> list[float]:
    return ed.js("""([id, name, fx]) => { const n = app.graph.getNodeById(id);
        app.canvas.centerOnNode?.(n); app.canvas.setDirty(true, true); app.canvas.draw(true, true);
        const w = n.widgets.find((x) => x.name === name);
        return app.toScreen([n.pos[0] + n.size[0] * fx, n.pos[1] + w.y + 10]); }""", [node_id, name, fx])


def expected_widget(spec) -> tuple[str, object] | None:
    """The litegraph widget type (and combo values) an input spec gives, None for a socket."""
    head, opts = spec[0], (spec[1] if len(spec) > 1 else {})
    if opts.get("forceInput"):
        return None
    if isinstance(head, list):
        return "combo", head
    if head == "COMBO":
        return "combo", opts.get("options")
    if head in ("INT", "FLOAT"):
        return "number", None
    if head == "BOOLEAN":
        return "toggle", None
    if head == "STRING":
        return ("customtext" if opts.get("multiline") else "text"), None
    return None


def test_every_new_class_renders_its_widgets_and_sockets(ed, object_info):
    names = new_classes()
    assert len(names) >= 70
    made = ed.js("""async (names) => { const { LiteGraph } = await import('/vendor/litegraph/litegraph.es.js');
        const out = {};
        for (const name of names) {
            const n = LiteGraph.createNode(name);
            app.graph.add(n);
            out[name] = { widgets: (n.widgets || []).map((w) => [w.name, w.type, w.options?.values ?? null,
                                                         w.serialize === false]),
                          inputs: n.inputs.filter((i) => !i.widget).map((i) => [i.name, String(i.type)]),
                          outputs: n.outputs.map((o) => String(o.type)), values: n.serialize().widgets_values ?? [] };
            app.graph.remove(n);
        }
        return out; }""", names)
    for name in names:
        d = object_info[name]
        got = made[name]
        want_w, want_s = [], []
        for section in ("required", "optional"):
            for inp, spec in (d["input"].get(section) or {}).items():
                ew = expected_widget(spec)
                if ew is None:
                    want_s.append([inp, spec[0]])
                else:
                    want_w.append((inp, *ew))
        shown = [w for w in got["widgets"] if not w[3] and w[0] not in ("control_after_generate",)]
        assert [w[0] for w in shown] == [w[0] for w in want_w], name
        for (wname, wtype, values, _), (_, etype, evalues) in zip(shown, want_w):
            assert wtype == etype, (name, wname)
            if evalues is not None:
                assert values == evalues, (name, wname)
        assert got["inputs"] == want_s, name
        assert got["outputs"] == d["output"], name
        assert len(got["values"]) == len([w for w in got["widgets"] if not w[3]]), name
    # the shapes that are new today
    assert made["PreviewAny"]["inputs"] == [["source", "*"]]
    assert [w[:2] for w in made["PreviewAny"]["widgets"]] == [["preview_text", "customtext"]]
    assert made["PreviewAny"]["widgets"][0][3] is True and made["PreviewAny"]["values"] == []
    assert [w[:2] for w in made["PrimitiveInt"]["widgets"]] == [["value", "number"], ["control_after_generate", "combo"]]
    assert [w[:2] for w in made["PrimitiveStringMultiline"]["widgets"]] == [["value", "customtext"]]
    assert [w[:2] for w in made["PrimitiveBoolean"]["widgets"]] == [["value", "toggle"]]
    assert [w[:2] for w in made["LoadImageOutput"]["widgets"]] == [
        ["image", "combo"], ["Auto-refresh after generation", "toggle"], ["refresh", "button"],
        ["choose file to upload", "button"]]
    assert made["LoadImageOutput"]["values"] == ["(none available)"]   # only the image is saved
    assert ed.js("document.querySelectorAll('.sdflow-textarea:not([data-node])').length") == 0
    assert_clean(ed)


def test_new_classes_are_found_by_the_search_box(ed, object_info):
    """Typed into the search box, each class is listed; deprecated ones (LatentBatch, PerpNeg) are left out, as ComfyUI."""
    page = ed.page
    ed.js("app.clearGraph()")
    names = new_classes()
    titles = ed.js("""async (names) => { const { LiteGraph } = await import('/vendor/litegraph/litegraph.es.js');
        return names.map((n) => LiteGraph.registered_node_types[n].title); }""", names)
    page.mouse.dblclick(700, 400)
    page.wait_for_selector(".litesearchbox input")
    deprecated = {n for n in names if object_info[n].get("deprecated")}
    assert {"LatentBatch", "PerpNeg"} <= deprecated
    items = "[...document.querySelectorAll('.litesearchbox .lite-search-item')].map((e) => e.dataset.type)"
    for name, title in zip(names, titles):
        page.fill(".litesearchbox input", title[:-1])
        ed.js("document.querySelectorAll('.litesearchbox .lite-search-item').forEach((e) => e.remove())")
        page.keyboard.type(title[-1])   # a key press lists the matches
        if name in deprecated:
            page.wait_for_timeout(80)
            assert name not in ed.js(items), name
        else:
            page.wait_for_function(f"(name) => {items}.includes(name)", arg=name, timeout=5_000)
    page.fill(".litesearchbox input", "")
    page.keyboard.type("preview any", delay=10)
    page.wait_for_function("""() => document.querySelector('.litesearchbox .lite-search-item')?.dataset.type
        === 'PreviewAny'""")
    page.keyboard.press("Enter")
    page.wait_for_function("app.graph._nodes.some((n) => n.type === 'PreviewAny')")
    assert_clean(ed)


def test_preview_any_shows_text_read_only_and_again_from_cache(ed):
    lines = "\n".join(f"line {i}" for i in range(60))
    ids = load(ed, {
        "1": {"class_type": "PrimitiveStringMultiline", "inputs": {"value": lines}},
        "2": {"class_type": "PrimitiveString", "inputs": {"value": "-gamma"}},
        "3": {"class_type": "StringConcatenate", "inputs": {"string_a": ["1", 0], "string_b": ["2", 0],
                                                            "delimiter": "+"}},
        "4": {"class_type": "PreviewAny", "inputs": {"source": ["3", 0]}},
        "5": {"class_type": "PrimitiveInt", "inputs": {"value": 41}},
        "6": {"class_type": "PrimitiveFloat", "inputs": {"value": 2.5}},
        "7": {"class_type": "PrimitiveBoolean", "inputs": {"value": True}},
        "8": {"class_type": "StringLength", "inputs": {"string": ["3", 0]}},
        "9": {"class_type": "PreviewAny", "inputs": {"source": ["8", 0]}},
    })
    prev = ed.js(BY_TYPE, "PreviewAny")
    assert ed.js("(id) => app.graph.getNodeById(id).widgets.find((w) => w.name === 'value').value",
                 ids["PrimitiveInt"]) == 41
    queue_by_click(ed)
    text = "([id]) => app.graph.getNodeById(id).widgets.find((w) => w.name === 'preview_text').value"
    ed.page.wait_for_function(f"(id) => ({text})([id]) !== ''", arg=prev[0])
    assert ed.js(text, [prev[0]]) == lines + "+-gamma"
    assert ed.js(text, [prev[1]]) == str(len(lines + "+-gamma"))
    # shown in a read-only text box over the node; typing into it changes nothing; it scrolls
    box = ed.page.locator(f".sdflow-textarea[data-node='{prev[0]}']")
    assert box.is_visible() and box.evaluate("(e) => e.readOnly") is True
    box.click()
    ed.page.keyboard.type("xyz")
    assert ed.js(text, [prev[0]]) == lines + "+-gamma"
    # the wheel over it scrolls the text (60 lines do not fit)
    assert box.evaluate("(e) => e.scrollHeight > e.clientHeight + 100 && e.scrollTop === 0")
    box.hover()
    ed.page.mouse.wheel(0, 400)
    ed.page.wait_for_function(f"() => document.querySelector(`.sdflow-textarea[data-node='{prev[0]}']`).scrollTop > 0")
    # not saved in the workflow, not sent to the server
    ser = ed.js("(id) => app.graph.getNodeById(id).serialize().widgets_values", prev[0])
    assert ser == []
    api = ed.js("() => app.graphToPrompt().output")
    assert api[str(prev[0])]["inputs"] == {"source": [str(ids["StringConcatenate"]), 0]}
    # a queue of the same graph runs nothing: the server replays the cached outputs, which show again
    ed.js("(ids) => ids.forEach((id) => app.graph.getNodeById(id).showText(''))", prev)
    queue_by_click(ed)
    ed.page.wait_for_function(f"(id) => ({text})([id]) !== ''", arg=prev[0])
    assert ed.js(text, [prev[0]]) == lines + "+-gamma"
    assert_clean(ed)


def test_load_image_output_lists_the_output_folder_refreshes_and_uploads_there(ed, server, tmp_path):
    out = server.paths.output_dir
    with open(os.path.join(out, "older.png"), "wb") as f:
        f.write(png_bytes(24, 16, (200, 10, 10)))
    os.utime(os.path.join(out, "older.png"), (1_000_000_000, 1_000_000_000))
    ids = load(ed, {
        "1": {"class_type": "LoadImageOutput", "inputs": {"image": "older.png"}},
        "2": {"class_type": "GetImageSize", "inputs": {"image": ["1", 0]}},
        "3": {"class_type": "PreviewAny", "inputs": {"source": ["2", 0]}},
        "4": {"class_type": "PreviewAny", "inputs": {"source": ["2", 1]}},
        "5": {"class_type": "SaveAnimatedPNG", "inputs": {"images": ["1", 0], "filename_prefix": "iterate", "fps": 1.0,
                                                          "compress_level": 1}},
    })
    node = ids["LoadImageOutput"]
    ed.page.wait_for_function("""(id) => { const n = app.graph.getNodeById(id);
        return n.imgs?.[0]?.complete && n.imgs[0].naturalWidth > 0; }""", arg=node)
    state = ed.js("""(id) => { const n = app.graph.getNodeById(id); const w = n.widgets[0];
        return [w.value, w.options.values, n.imgs.map((i) => i.src), n.imgs[0].naturalWidth]; }""", node)
    assert state[0] == "older.png" and "older.png" in state[1]
    assert "type=output" in state[2][0] and "filename=older.png" in state[2][0] and state[3] == 24
    # a newer file in the output folder: the refresh button (a real click) lists it and picks the first (newest)
    with open(os.path.join(out, "newer.png"), "wb") as f:
        f.write(png_bytes(40, 20, (10, 200, 10)))
    ed.page.mouse.click(*widget_screen(ed, node, "refresh"))
    ed.page.wait_for_function("(id) => app.graph.getNodeById(id).widgets[0].value === 'newer.png'", arg=node)
    ed.page.wait_for_function("""(id) => app.graph.getNodeById(id).imgs?.[0]?.naturalWidth === 40""", arg=node)
    assert ed.js("(id) => app.graph.getNodeById(id).widgets[0].options.values.slice(0, 2)", node) == \
        ["newer.png", "older.png"]
    # the upload button stores the file in the output folder (image_folder), lists and picks it
    up = tmp_path / "uploaded_here.png"
    up.write_bytes(png_bytes(12, 30, (0, 0, 255)))
    with ed.page.expect_file_chooser() as fc:
        ed.page.mouse.click(*widget_screen(ed, node, "choose file to upload"))
    fc.value.set_files(str(up))
    ed.page.wait_for_function("(id) => app.graph.getNodeById(id).widgets[0].value === 'uploaded_here.png'", arg=node)
    assert os.path.exists(os.path.join(out, "uploaded_here.png"))
    assert not os.path.exists(os.path.join(server.paths.input_dir, "uploaded_here.png"))
    ed.page.wait_for_function("(id) => app.graph.getNodeById(id).imgs?.[0]?.naturalWidth === 12", arg=node)
    # R (refresh the node definitions) lists the folder again and keeps the chosen image
    with open(os.path.join(out, "another.png"), "wb") as f:
        f.write(png_bytes(8, 8, (9, 9, 9)))
    ed.js("document.activeElement?.blur()")
    ed.page.keyboard.press("r")
    ed.page.wait_for_function("(id) => app.graph.getNodeById(id).widgets[0].options.values.includes('another.png')",
                              arg=node)
    assert ed.js("(id) => app.graph.getNodeById(id).widgets[0].value", node) == "uploaded_here.png"
    # it queues: the image read from the output folder reaches PreviewAny; with "Auto-refresh after
    # generation" switched on (a click), the image the run saved is listed and picked
    ed.page.mouse.click(*widget_screen(ed, node, "Auto-refresh after generation"))
    assert ed.js("(id) => app.graph.getNodeById(id).widgets[1].value", node) is True
    queue_by_click(ed)
    ed.page.wait_for_function("(id) => app.graph.getNodeById(id).widgets[0].value === 'iterate_00001_.png'", arg=node)
    prev = ed.js(BY_TYPE, "PreviewAny")
    ed.page.wait_for_function("""(ids) => ids.every((id) => app.graph.getNodeById(id).widgets[0].value !== '')""",
                              arg=prev)
    assert ed.js("(ids) => ids.map((id) => app.graph.getNodeById(id).widgets[0].value)", prev) == ["12", "30"]
    assert_clean(ed)


def test_saved_workflow_value_annotated_as_comfyui_writes_it_shows_the_output_image(ed, server):
    with open(os.path.join(server.paths.output_dir, "annotated.png"), "wb") as f:
        f.write(png_bytes(20, 20, (1, 2, 3)))
    ids = load(ed, {"1": {"class_type": "LoadImageOutput", "inputs": {"image": "annotated.png [output]"}}})
    node = ids["LoadImageOutput"]
    ed.page.wait_for_function("(id) => app.graph.getNodeById(id).imgs?.[0]?.naturalWidth === 20", arg=node)
    src = ed.js("(id) => app.graph.getNodeById(id).imgs[0].src", node)
    assert "filename=annotated.png&type=output" in src
    assert ed.js("(id) => app.graph.getNodeById(id).widgets[0].value", node) == "annotated.png [output]"
    assert_clean(ed)


def test_image_mask_and_animated_outputs_show_on_their_nodes(ed, server):
    with open(os.path.join(server.paths.output_dir, "src.png"), "wb") as f:
        f.write(png_bytes(32, 24, (250, 120, 0)))
    ids = load(ed, {
        "1": {"class_type": "LoadImageOutput", "inputs": {"image": "src.png"}},
        "2": {"class_type": "ImageFlip", "inputs": {"image": ["1", 0], "flip_method": "x-axis: vertically"}},
        "3": {"class_type": "ImageBlend", "inputs": {"image1": ["1", 0], "image2": ["2", 0], "blend_factor": 0.5,
                                                     "blend_mode": "normal"}},
        "4": {"class_type": "RepeatImageBatch", "inputs": {"image": ["3", 0], "amount": 3}},
        "5": {"class_type": "ImageAddNoise", "inputs": {"image": ["4", 0], "seed": 3, "strength": 0.5}},
        "6": {"class_type": "SaveAnimatedWEBP", "inputs": {"images": ["5", 0], "filename_prefix": "anim", "fps": 4.0,
                                                           "lossless": False, "quality": 50, "method": "fastest"}},
        "7": {"class_type": "SaveAnimatedPNG", "inputs": {"images": ["5", 0], "filename_prefix": "apng", "fps": 4.0,
                                                          "compress_level": 1}},
        "8": {"class_type": "ImageColorToMask", "inputs": {"image": ["1", 0], "color": 0xFA7800}},
        "9": {"class_type": "ThresholdMask", "inputs": {"mask": ["8", 0], "value": 0.5}},
        "10": {"class_type": "MaskPreview", "inputs": {"mask": ["9", 0]}},
        "11": {"class_type": "SaveImageWebsocket", "inputs": {"images": ["3", 0]}},
    })
    queue_by_click(ed)
    for cls in ("SaveAnimatedWEBP", "SaveAnimatedPNG"):
        node = ids[cls]
        ed.page.wait_for_function("""(id) => app.graph.getNodeById(id).widgets
            .some((w) => w.name === '$$comfy_animation_preview')""", arg=node)
        info = ed.js("""(id) => { const n = app.graph.getNodeById(id);
            app.canvas.centerOnNode?.(n); app.canvas.setDirty(true, true); app.canvas.draw(true, true);
            const w = n.widgets.find((x) => x.name === '$$comfy_animation_preview');
            const img = document.querySelector(`img.sdflow-animated-preview[data-node="${id}"]`);
            const r = img.getBoundingClientRect(); const c = app.canvas.canvas.getBoundingClientRect();
            const tl = app.toScreen(n.pos); const br = app.toScreen([n.pos[0] + n.size[0], n.pos[1] + n.size[1]]);
            return { src: img.src, hidden: img.hidden, same: img === w.element, w: img.naturalWidth,
                     inside: r.left >= tl[0] - 1 && r.right <= br[0] + 1 && r.top >= tl[1] - 1 && r.bottom <= br[1] + 1,
                     values: n.serialize().widgets_values ?? [] }; }""", node)
        assert info["same"] and not info["hidden"] and info["inside"], (cls, info)
        assert "type=output" in info["src"] and (".webp" in info["src"] or ".png" in info["src"]), info
        ed.page.wait_for_function(f"""() => document.querySelector('img.sdflow-animated-preview[data-node="{node}"]')
            .naturalWidth === 32""")
    # the WEBP really is animated (3 frames): the browser plays it in the <img>, the canvas does not draw it
    webp = [f for f in os.listdir(server.paths.output_dir) if f.startswith("anim") and f.endswith(".webp")]
    assert webp and Image.open(os.path.join(server.paths.output_dir, webp[0])).n_frames == 3
    # MaskPreview: its image on the canvas
    ed.page.wait_for_function("""(id) => { const n = app.graph.getNodeById(id);
        return n.imgs?.length === 1 && n.imgs[0].naturalWidth === 32; }""", arg=ids["MaskPreview"])
    assert "type=temp" in ed.js("(id) => app.graph.getNodeById(id).imgs[0].src", ids["MaskPreview"])
    # SaveImageWebsocket: its PNG frame shown on the node
    ed.page.wait_for_function("""(id) => { const im = app.graph.getNodeById(id).previewImage;
        return im && im.complete && im.naturalWidth === 32 && im.naturalHeight === 24; }""", arg=ids["SaveImageWebsocket"])
    assert_clean(ed)


def test_latent_and_model_graphs_queue_without_client_errors(ed, server, checkpoint):
    ckpt = os.path.basename(checkpoint)
    ids = load(ed, {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ckpt}},
        "2": {"class_type": "FreeU_V2", "inputs": {"model": ["1", 0], "b1": 1.3, "b2": 1.4, "s1": 0.9, "s2": 0.2}},
        "3": {"class_type": "ModelMergeSimple", "inputs": {"model1": ["2", 0], "model2": ["1", 0], "ratio": 0.5}},
        "4": {"class_type": "ModelSamplingDiscrete", "inputs": {"model": ["3", 0], "sampling": "v_prediction",
                                                               "zsnr": False}},
        "5": {"class_type": "RescaleCFG", "inputs": {"model": ["4", 0], "multiplier": 0.7}},
        "6": {"class_type": "CLIPMergeSimple", "inputs": {"clip1": ["1", 1], "clip2": ["1", 1], "ratio": 0.3}},
        "7": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 2}},
        "8": {"class_type": "LatentMultiply", "inputs": {"samples": ["7", 0], "multiplier": 2.0}},
        "9": {"class_type": "LatentBatch", "inputs": {"samples1": ["8", 0], "samples2": ["7", 0]}},
        "10": {"class_type": "LatentCut", "inputs": {"samples": ["9", 0], "dim": "x", "index": 0, "amount": 4}},
        "11": {"class_type": "PreviewAny", "inputs": {"source": ["5", 0]}},
        "12": {"class_type": "PreviewAny", "inputs": {"source": ["6", 0]}},
        "13": {"class_type": "PreviewAny", "inputs": {"source": ["10", 0]}},
        "14": {"class_type": "CheckpointSave", "inputs": {"model": ["5", 0], "clip": ["6", 0], "vae": ["1", 2],
                                                         "filename_prefix": "checkpoints/web3"}},
    })
    queue_by_click(ed)
    prev = ed.js(BY_TYPE, "PreviewAny")
    ed.page.wait_for_function("""(ids) => ids.every((id) => app.graph.getNodeById(id).widgets[0].value !== '')""",
                              arg=prev)
    assert ed.js("""(ids) => ids.map((id) => app.graph.getNodeById(id).widgets[0].value.length > 0)""", prev) == \
        [True] * 3
    assert [f for f in os.listdir(os.path.join(server.paths.output_dir, "checkpoints")) if f.startswith("web3")]
    assert_clean(ed)


def test_history_outputs_show_again_on_a_loaded_workflow(ed, server):
    """A history entry's outputs (text, animated images) go back onto the nodes (nodes.js applyNodeOutputs)."""
    with open(os.path.join(server.paths.output_dir, "hist.png"), "wb") as f:
        f.write(png_bytes(16, 16, (5, 200, 5)))
    prompt = {
        "1": {"class_type": "PrimitiveString", "inputs": {"value": "from history"}},
        "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}},
        "3": {"class_type": "LoadImageOutput", "inputs": {"image": "hist.png"}},
        "4": {"class_type": "RepeatImageBatch", "inputs": {"image": ["3", 0], "amount": 2}},
        "5": {"class_type": "SaveAnimatedPNG", "inputs": {"images": ["4", 0], "filename_prefix": "hist", "fps": 2.0,
                                                          "compress_level": 1}},
    }
    load(ed, prompt)
    pid = queue_by_click(ed)
    with urllib.request.urlopen(f"{server.url}/api/history/{pid}", timeout=30) as r:
        entry = json.load(r)[pid]
    # the workflow loaded again (no outputs on it), then the entry's outputs applied
    load(ed, prompt)
    prev, save = ed.js(BY_TYPE, "PreviewAny")[0], ed.js(BY_TYPE, "SaveAnimatedPNG")[0]
    assert ed.js("(id) => app.graph.getNodeById(id).widgets[0].value", prev) == ""
    n = ed.js("""async (outputs) => (await import('/js/nodes.js')).applyNodeOutputs(app, outputs)""", entry["outputs"])
    assert n == 2
    assert ed.js("(id) => app.graph.getNodeById(id).widgets[0].value", prev) == "from history"
    ed.page.wait_for_function(f"""() => document.querySelector('img.sdflow-animated-preview[data-node="{save}"]')
        ?.naturalWidth === 16""")
    assert_clean(ed)


# class -> {input: [source key, output slot]}; every widget keeps the value the editor gives a new node
DEFAULTS_GRAPH = [
    ("img", "LoadImageOutput", {}),
    ("blur", "ImageBlur", {"image": ["img", 0]}),
    ("sharp", "ImageSharpen", {"image": ["blur", 0]}),
    ("quant", "ImageQuantize", {"image": ["sharp", 0]}),
    ("morph", "Morphology", {"image": ["quant", 0]}),
    ("canny", "Canny", {"image": ["morph", 0]}),
    ("rot", "ImageRotate", {"image": ["canny", 0]}),
    ("stitch", "ImageStitch", {"image1": ["rot", 0], "image2": ["img", 0]}),
    ("pad", "ResizeAndPadImage", {"image": ["stitch", 0]}),
    ("maxdim", "ImageScaleToMaxDimension", {"image": ["pad", 0]}),
    ("yuv", "ImageRGBToYUV", {"image": ["maxdim", 0]}),
    ("rgb", "ImageYUVToRGB", {"Y": ["yuv", 0], "U": ["yuv", 1], "V": ["yuv", 2]}),
    ("rep", "RepeatImageBatch", {"image": ["rgb", 0]}),
    ("rebatch", "RebatchImages", {"images": ["rep", 0]}),
    ("frombatch", "ImageFromBatch", {"image": ["rebatch", 0]}),
    ("split", "SplitImageWithAlpha", {"image": ["frombatch", 0]}),
    ("crop", "CropMask", {"mask": ["split", 1]}),
    ("thr", "ThresholdMask", {"mask": ["crop", 0]}),
    ("mcomp", "MaskComposite", {"destination": ["thr", 0], "source": ["split", 1]}),
    ("join", "JoinImageWithAlpha", {"image": ["split", 0], "alpha": ["mcomp", 0]}),
    ("pd", "PorterDuffImageComposite", {"source": ["split", 0], "source_alpha": ["mcomp", 0],
                                        "destination": ["img", 0], "destination_alpha": ["img", 1]}),
    ("noise", "ImageAddNoise", {"image": ["pd", 0]}),
    ("alpha", "GetImageSize", {"image": ["join", 0]}),
    ("show6", "PreviewAny", {"source": ["alpha", 0]}),
    ("size", "GetImageSize", {"image": ["noise", 0]}),
    ("show", "PreviewAny", {"source": ["size", 0]}),
    ("prev", "MaskPreview", {"mask": ["pd", 1]}),
    ("flip", "ImageFlip", {"image": ["img", 0]}),
    ("c2m", "ImageColorToMask", {"image": ["flip", 0]}),
    ("prev2", "MaskPreview", {"mask": ["c2m", 0]}),
    ("s", "PrimitiveString", {}),
    ("trim", "StringTrim", {"string": ["s", 0]}),
    ("case", "CaseConverter", {"string": ["trim", 0]}),
    ("sub", "StringSubstring", {"string": ["case", 0]}),
    ("rep2", "StringReplace", {"string": ["sub", 0]}),
    ("rx", "RegexExtract", {"string": ["rep2", 0]}),
    ("rr", "RegexReplace", {"string": ["rx", 0]}),
    ("show2", "PreviewAny", {"source": ["rr", 0]}),
    ("has", "StringContains", {"string": ["s", 0]}),
    ("show3", "PreviewAny", {"source": ["has", 0]}),
    ("cmp", "StringCompare", {"string_a": ["s", 0]}),
    ("show4", "PreviewAny", {"source": ["cmp", 0]}),
    ("rm", "RegexMatch", {"string": ["s", 0]}),
    ("show5", "PreviewAny", {"source": ["rm", 0]}),
]


def test_new_nodes_made_in_the_editor_queue_with_their_default_widget_values(ed, server):
    """Nodes made as the search box makes them (widget defaults from /object_info), wired and queued with a click."""
    with open(os.path.join(server.paths.output_dir, "zz_defaults.png"), "wb") as f:
        f.write(png_bytes(32, 24, (40, 90, 160)))
    ed.js("app.clearGraph()")
    ids = ed.js("""async (spec) => { const { LiteGraph } = await import('/vendor/litegraph/litegraph.es.js');
        const made = {};
        spec.forEach(([key, type], i) => {
            const n = LiteGraph.createNode(type); n.pos = [(i % 6) * 330, Math.floor(i / 6) * 260];
            app.graph.add(n); made[key] = n; });
        for (const [key, , links] of spec) for (const [name, [src, slot]] of Object.entries(links)) {
            const t = made[key]; made[src].connect(slot, t, t.findInputSlot(name)); }
        app.graphChanged();
        const out = {}; for (const [k, n] of Object.entries(made)) out[k] = n.id; return out; }""",
                [list(e) for e in DEFAULTS_GRAPH])
    # LoadImageOutput picked the newest image in the output folder once its list came
    ed.page.wait_for_function("(id) => app.graph.getNodeById(id).widgets[0].value === 'zz_defaults.png'",
                              arg=ids["img"])
    queue_by_click(ed)
    shown = "(id) => app.graph.getNodeById(id).widgets.find((w) => w.name === 'preview_text').value"
    ed.page.wait_for_function(f"(id) => ({shown})(id) !== ''", arg=ids["show5"])
    got = [ed.js(shown, ids[k]) for k in ("show", "show2", "show3", "show4", "show5", "show6")]
    # PorterDuff keeps the destination's 32 px; the stitched image was padded to 512; "" passes every string
    # test at the default values (ComfyUI's PreviewAny prints a bool as str() does)
    assert got == ["32", "", "True", "True", "True", "512"], got
    for key in ("prev", "prev2"):
        ed.page.wait_for_function("(id) => app.graph.getNodeById(id).imgs?.[0]?.naturalWidth > 0", arg=ids[key])
    assert_clean(ed)


def test_progress_text_frames_show_on_their_node(ed):
    """PromptServer.send_progress_text (custom nodes; tests/compat checks the server side) sends a binary TEXT
    frame (type 3, node id length, node id, UTF-8 text): the editor shows the text on that node of the running
    prompt, and ignores frames of a prompt queued from a graph loaded before."""
    ed.js("app.clearGraph(); window.__pa = app.addNode('PreviewAny', [100, 100]);")
    frame = """([id, text, pid]) => {
        const enc = new TextEncoder(), node = enc.encode(id), body = enc.encode(text);
        const buf = new ArrayBuffer(8 + node.length + body.length), view = new DataView(buf);
        view.setUint32(0, 3); view.setUint32(4, node.length);
        new Uint8Array(buf, 8).set(node); new Uint8Array(buf, 8 + node.length).set(body);
        app.runningPromptId = pid;
        app.api.onMessage({ data: buf });
        const w = window.__pa.widgets?.find((x) => x.name === 'preview_text');
        return w ? w.value : null; }"""
    node_id = str(ed.js("window.__pa.id"))
    ed.js("app.promptGeneration.set('old-prompt', app.graphGeneration - 1)")
    assert ed.js(frame, [node_id, "from a graph loaded before", "old-prompt"]) in (None, "")   # not shown
    ed.js("app.promptGeneration.set('this-prompt', app.graphGeneration)")
    assert ed.js(frame, [node_id, "width: 64, height: 48 ✓", "this-prompt"]) == "width: 64, height: 48 ✓"
    ed.js("app.runningPromptId = null")
