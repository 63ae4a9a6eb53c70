"""Browser QA findings fixed in the editor's app layer (app.js, panels.js, api.js, tracker.js).

Each test replays the QA report's steps (/tmp/qa_web/report.md, numbers in the test names) with
real mouse and keyboard input where the bug depended on it. The tests share one server.
"""
from __future__ import annotations

import json
import os

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser


def widget_point(ed, node_id: int, name: str, fx: float = 0.5) -> list[float]:
    """Page coordinates of the middle of a widget row, fx across the node's width."""
    return ed.js("""([id, name, fx]) => { const n = app.graph.getNodeById(id);
        const w = n.widgets.find((x) => x.name === name);
        return app.toScreen([n.pos[0] + n.size[0] * fx, n.pos[1] + w.y + (w.computedHeight || 20) / 2 - 2]); }""",
                 [node_id, name, fx])


def title_point(ed, node_id: int) -> list[float]:
    return ed.js("(id) => { const n = app.graph.getNodeById(id); return app.toScreen([n.pos[0] + 100, n.pos[1] - 12]); }",
                 node_id)


def drag(page, a, b) -> None:
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(b[0], b[1], steps=8)
    page.mouse.up()


def node_pos(ed, node_id: int) -> list[float]:
    return ed.js("(id) => Array.from(app.graph.getNodeById(id).pos)", node_id)


def autosaved(ed) -> dict:
    return json.loads(ed.js("sessionStorage.getItem('sdflow.workflow')"))


def saved_node(wf: dict, node_id: int) -> dict:
    return next(n for n in wf["nodes"] if n["id"] == node_id)


def test_1_mouse_edits_are_autosaved_and_each_is_one_undo_step(editor, checkpoint):
    ed = editor.open()
    page = ed.page
    arrow = widget_point(ed, 3, "steps", 0.95)   # the ▶ arrow of KSampler's steps
    page.mouse.click(*arrow)
    page.wait_for_function("app.graph.getNodeById(3).widgets.find((w) => w.name === 'steps').value === 21")
    page.wait_for_function("app.tracker.undoStack.length === 1")   # recorded without any key press
    page.mouse.click(*arrow)
    page.wait_for_function("app.tracker.undoStack.length === 2")
    assert ed.widget(3, "steps") == 22
    assert saved_node(autosaved(ed), 3)["widgets_values"][2] == 22
    # a node dragged by its title: autosaved at its new place
    before5 = node_pos(ed, 5)
    a = title_point(ed, 5)
    drag(page, a, (a[0] + 100, a[1] + 80))
    page.wait_for_function("app.tracker.undoStack.length === 3")
    moved5 = node_pos(ed, 5)
    assert moved5[0] > before5[0] + 50
    assert saved_node(autosaved(ed), 5)["pos"] == pytest.approx(moved5)
    before4 = node_pos(ed, 4)
    a = title_point(ed, 4)
    drag(page, a, (a[0] + 40, a[1] + 120))
    page.wait_for_function("app.tracker.undoStack.length === 4")
    # one Ctrl+Z per edit: node 4 goes back, node 5 stays; then node 5; then steps 21, then 20
    page.locator("#graph-canvas").focus()
    page.keyboard.press("Control+z")
    assert node_pos(ed, 4) == pytest.approx(before4) and node_pos(ed, 5) == pytest.approx(moved5)
    page.keyboard.press("Control+z")
    assert node_pos(ed, 5) == pytest.approx(before5)
    assert ed.widget(3, "steps") == 22
    page.keyboard.press("Control+z")
    assert ed.widget(3, "steps") == 21
    page.keyboard.press("Control+z")
    assert ed.widget(3, "steps") == 20
    # a reload shows the last state (the redo of all four), not the one before the mouse edits
    page.keyboard.press("Control+y")
    page.keyboard.press("Control+y")
    page.keyboard.press("Control+y")
    assert ed.widget(3, "steps") == 22 and node_pos(ed, 5) == pytest.approx(moved5)
    page.reload()
    page.wait_for_function("window.app && window.app.ready === true")
    assert ed.widget(3, "steps") == 22
    assert node_pos(ed, 5) == pytest.approx(moved5)
    assert ed.errors == []


def test_2_loading_is_one_undo_step_and_load_default_asks_first(editor, checkpoint, tmp_path):
    ed = editor.open()
    page = ed.page
    box = page.locator("textarea[data-widget=text][data-node='6']")
    box.fill("a prompt typed by hand")
    page.keyboard.press("End")   # a key release records the typing
    page.wait_for_function("app.tracker.undoStack.length === 1")
    # an unmodified load of a file replaces the graph; Ctrl+Z brings the typed prompt back
    p = tmp_path / "api.json"
    p.write_text(json.dumps({"1": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}}}))
    page.set_input_files("#file-input", str(p))
    page.wait_for_function("app.graph._nodes.length === 1")
    page.locator("#graph-canvas").focus()
    page.keyboard.press("Control+z")
    page.wait_for_function("app.graph._nodes.length === 7")
    assert ed.widget(6, "text") == "a prompt typed by hand"
    page.keyboard.press("Control+y")
    page.wait_for_function("app.graph._nodes.length === 1")
    # an undo that brings back a graph lying outside the view shows it (the view is not an undo step)
    ed.js("app.canvas.ds.offset = [-20000, -20000]; app.canvas.setDirty(true, true)")
    page.click("#undo-button")
    page.wait_for_function("app.graph._nodes.length === 7")
    assert ed.js("app.anyNodeInView()") and ed.js("app.canvas.ds.offset[0]") > -10000
    # Load Default on a graph with unsaved changes asks; cancelling keeps the graph
    dialogs = []
    answers = [False, True]
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept() if answers.pop(0) else d.dismiss()))
    page.click("#default-button")
    assert len(dialogs) == 1 and "default graph" in dialogs[0]
    assert ed.widget(6, "text") == "a prompt typed by hand"
    page.click("#default-button")
    page.wait_for_function("app.graph.getNodeById(6).widgets[0].value !== 'a prompt typed by hand'")
    assert len(dialogs) == 2
    # the default graph just loaded has no changes: no question, and Undo still brings the prompt back
    page.click("#default-button")
    assert len(dialogs) == 2
    page.click("#undo-button")
    page.wait_for_function("app.graph.getNodeById(6).widgets[0].value === 'a prompt typed by hand'")
    assert ed.errors == []


def test_24_pan_and_zoom_are_restored_after_a_reload(editor, checkpoint):
    ed = editor.open()
    page = ed.page
    scale = ed.js("app.canvas.ds.scale")
    page.mouse.move(700, 120)   # empty canvas above the nodes
    page.mouse.wheel(0, 300)
    page.wait_for_function("(s) => app.canvas.ds.scale < s", arg=scale)
    a = (700, 120)
    drag(page, a, (a[0] + 150, a[1] + 90))   # pan by dragging empty canvas
    page.wait_for_timeout(400)
    view = ed.js("[app.canvas.ds.scale, ...app.canvas.ds.offset]")
    assert ed.js("app.tracker.undoStack.length") == 0   # a view change is not an undo step
    page.reload()
    page.wait_for_function("window.app && window.app.ready === true")
    assert ed.js("[app.canvas.ds.scale, ...app.canvas.ds.offset]") == pytest.approx(view)
    assert ed.errors == []


def test_30_each_tab_keeps_its_own_autosave(browser, server, checkpoint):
    from tests.browser.conftest import Editor

    context = browser.new_context(viewport={"width": 1600, "height": 900})
    try:
        tab1 = Editor(context.new_page(), server.url).open()
        tab2 = Editor(context.new_page(), server.url).open()
        tab2.page.click("#clear-button")
        tab2.page.wait_for_function("app.graph._nodes.length === 0")
        tab1.page.reload()
        tab1.page.wait_for_function("window.app && window.app.ready === true")
        assert tab1.js("app.graph._nodes.length") == 7   # its own graph, not tab 2's
        tab2.page.reload()
        tab2.page.wait_for_function("window.app && window.app.ready === true")
        assert tab2.js("app.graph._nodes.length") == 0
        # a new tab starts from the last autosave of any tab
        tab3 = Editor(context.new_page(), server.url).open()
        assert tab3.js("app.graph._nodes.length") == 0
        assert tab1.errors == tab2.errors == tab3.errors == []
    finally:
        context.close()


def test_9_events_of_a_prompt_stay_off_a_graph_loaded_while_it_runs(editor, checkpoint, tmp_path):
    ed = editor.open()
    for name, value in (("width", 32), ("height", 32)):
        ed.set_widget(5, name, value)
    ed.set_widget(3, "steps", 40)
    ed.set_widget(3, "control_after_generate", "fixed")
    ed.js("""() => { window.__after = {previews: 0, executed: 0}; window.__loaded = false;
        app.api.addEventListener('b_preview', () => { if (window.__loaded) window.__after.previews += 1; });
        app.api.addEventListener('executed', () => { if (window.__loaded) window.__after.executed += 1; }); }""")
    before = ed.js("app.lastPromptId")
    ed.page.click("#queue-button")
    ed.page.wait_for_function("app.runningNodeId === '3' && app.graph.getNodeById(3).progress > 0", timeout=60_000)
    # another workflow whose nodes 3 and 9 are something else, loaded with the Load button mid-run
    other = {"3": {"class_type": "CLIPTextEncode", "inputs": {"text": "negative", "clip": ["4", 1]}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny_sd1.safetensors"}},
             "9": {"class_type": "PreviewImage", "inputs": {"images": ["4", 0]}}}
    p = tmp_path / "other.json"
    p.write_text(json.dumps(other))
    ed.js("window.__loaded = true")
    ed.page.set_input_files("#file-input", str(p))
    ed.page.wait_for_function("app.graph._nodes.length === 3")
    assert ed.js("app.runningNodeId") is None   # no running outline on the new graph's node 3
    sizes = ed.js("[3, 9].map((id) => Array.from(app.graph.getNodeById(id).size))")
    ed.page.wait_for_function("(b) => app.lastPromptId !== b && app.runDone === true", arg=before, timeout=120_000)
    after = ed.js("window.__after")
    assert after["previews"] > 0 and after["executed"] > 0   # the old prompt's events did arrive
    assert ed.js("app.graph.getNodeById(3).previewImage == null && app.graph.getNodeById(3).progress == null")
    assert ed.js("(app.graph.getNodeById(9).imgs || []).length") == 0
    assert ed.js("[3, 9].map((id) => Array.from(app.graph.getNodeById(id).size))") == sizes
    assert ed.js("app.runningNodeId") is None
    assert ed.errors == []


DROP = """([sel, name, type, bytes, point]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], name, {type}));
    const t = document.querySelector(sel);
    const at = point ? {clientX: point[0], clientY: point[1]} : {};
    const over = new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true, ...at});
    t.dispatchEvent(over);
    const drop = new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true, ...at});
    t.dispatchEvent(drop);
    return [over.defaultPrevented, drop.defaultPrevented]; }"""


def png_bytes(size=(24, 16)) -> list[int]:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return list(buf.getvalue())


def test_11_a_file_dropped_off_the_canvas_loads_instead_of_leaving_the_page(editor, checkpoint):
    ed = editor.open()
    for count, sel in enumerate(["#side", "#toolbar", "#help", "#queue-list"], start=1):
        wf = {str(i): {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}}
              for i in range(1, count + 1)}
        prevented = ed.js(DROP, [sel, f"w{count}.json", "application/json", list(json.dumps(wf).encode()), None])
        assert prevented == [True, True], sel   # the browser does not open the file
        ed.page.wait_for_function("(n) => app.graph._nodes.length === n", arg=count)
    assert ed.page.url.rstrip("/") == ed.url.rstrip("/")
    assert ed.errors == []


def test_18_upload_errors_name_the_reason_and_an_image_dropped_on_loadimage_uploads(editor, server, checkpoint):
    ed = editor.open()
    ed.js("app.clearGraph(); window.__li = app.addNode('LoadImage', [100, 100]);")
    page = ed.page
    # a file that is not an image, through the node's own upload button
    page.set_input_files("input.sdflow-upload", files=[{"name": "not_an_image.png", "mimeType": "image/png",
                                                         "buffer": b"this is text"}])
    msg = page.locator("#messages .message.error", has_text="Upload of not_an_image.png failed")
    msg.wait_for()
    assert "not a readable image" in msg.inner_text() and "HTTP 400" in msg.inner_text()
    # a PNG dropped on the LoadImage node: uploaded and chosen, the graph is not replaced
    point = ed.js("app.toScreen([window.__li.pos[0] + 40, window.__li.pos[1] + 40])")
    prevented = ed.js(DROP, ["#graph-canvas", "dropped_red.png", "image/png", png_bytes(), point])
    assert prevented == [True, True]
    page.wait_for_function("window.__li.imageCombo.value === 'dropped_red.png'")
    assert ed.js("app.graph._nodes.length") == 1
    assert os.path.isfile(os.path.join(server.paths.input_dir, "dropped_red.png"))
    assert ed.js("app.graphToPrompt().output")[str(ed.js("window.__li.id"))]["inputs"]["image"] == "dropped_red.png"
    # the same PNG dropped on empty canvas is read as a workflow file (it has none: a clear message)
    ed.js(DROP, ["#graph-canvas", "dropped_red.png", "image/png", png_bytes(), [1200, 700]])
    page.locator("#messages .message.error", has_text="Could not load dropped_red.png").wait_for()
    errors = [e for e in ed.errors if "Failed to load resource" not in e]   # the browser logs the 400
    assert errors == []


def test_an_image_dropped_on_loadimageoutput_goes_to_the_output_folder(editor, server, checkpoint):
    """LoadImageOutput reads the output folder (its input's image_folder): an image dropped on it, or chosen
    with its upload button, is stored there, not in the input folder where the node would not find it."""
    ed = editor.open()
    ed.js("app.clearGraph(); window.__lo = app.addNode('LoadImageOutput', [100, 100]);")
    point = ed.js("app.toScreen([window.__lo.pos[0] + 40, window.__lo.pos[1] + 40])")
    assert ed.js(DROP, ["#graph-canvas", "dropped_out.png", "image/png", png_bytes(), point]) == [True, True]
    ed.page.wait_for_function("window.__lo.imageCombo.value === 'dropped_out.png'")
    assert os.path.isfile(os.path.join(server.paths.output_dir, "dropped_out.png"))
    assert not os.path.exists(os.path.join(server.paths.input_dir, "dropped_out.png"))
    ed.page.set_input_files("input.sdflow-upload", files=[{"name": "picked_out.png", "mimeType": "image/png",
                                                         "buffer": bytes(png_bytes())}])
    ed.page.wait_for_function("window.__lo.imageCombo.value === 'picked_out.png'")
    assert os.path.isfile(os.path.join(server.paths.output_dir, "picked_out.png"))


def small_default(ed, steps: int, seed: int = 5) -> None:
    for name, value in (("width", 64), ("height", 64)):
        ed.set_widget(5, name, value)
    ed.set_widget(3, "steps", steps)
    ed.set_widget(3, "seed", seed)
    ed.set_widget(3, "control_after_generate", "increment")


def test_13_a_second_tab_follows_history_and_queue(browser, server, checkpoint):
    from tests.browser.conftest import Editor

    context = browser.new_context(viewport={"width": 1600, "height": 900})
    try:
        tab1 = Editor(context.new_page(), server.url).open()
        tab2 = Editor(context.new_page(), server.url).open()
        assert tab1.js("app.api.clientId") != tab2.js("app.api.clientId")
        tab2.page.click("#side-tabs button[data-tab=history]")
        small_default(tab1, steps=2, seed=77)
        pid = tab1.queue_and_wait(lambda: tab1.page.click("#queue-button"))
        # tab 2 gets only status events; its History shows the new prompt and its image without a reload
        item = tab2.page.locator(f"#gallery .history-item[data-prompt-id='{pid}']")
        item.wait_for(timeout=30_000)
        assert item.locator("img").count() == 1
        # "Load workflow" brings the graph back with that run's picture on its Save Image node, as ComfyUI
        assert tab2.js("(app.graph.getNodeById(9).lastOutput || null)") is None
        item.locator("button.history-load").click()
        tab2.page.wait_for_function("app.graph.getNodeById(9)?.lastOutput?.images?.length === 1")
        assert tab2.page.locator("#queue-count").inner_text() == "0"
        assert tab1.errors == tab2.errors == []
    finally:
        context.close()


def test_14_clear_queue_and_history_lists_failed_and_interrupted_prompts(editor, server, checkpoint):
    ed = editor.open()
    page = ed.page
    # a prompt that fails while running: LoadImage on a file that is not an image
    with open(os.path.join(server.paths.input_dir, "broken_14.png"), "wb") as f:
        f.write(b"not a png at all")
    ed.js("""app.loadGraphData({"1": {"class_type": "LoadImage", "inputs": {"image": "broken_14.png"}},
        "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}, "failing graph")""")
    failed = ed.queue_and_wait(lambda: page.click("#queue-button"))
    # a long prompt, two more behind it; Clear queue drops those two, Interrupt stops the first
    page.click("#default-button")
    small_default(ed, steps=500)
    ed.js("app.queueBatch(3)")
    page.click("#side-tabs button[data-tab=queue]")
    page.wait_for_function("document.querySelectorAll('#queue-list li.pending').length === 2", timeout=60_000)
    long_run = ed.js("document.querySelector('#queue-list li.running, #queue-list li.pending').dataset.promptId")
    ed.js("app.queuePrompt(true)")   # to the front: the server numbers it below zero
    front = page.locator("#queue-list li.pending").first
    page.wait_for_function("document.querySelectorAll('#queue-list li.pending').length === 3")
    assert front.inner_text().startswith("pending (queued to the front)")
    assert "#-" not in page.locator("#queue-list").inner_text()
    page.click("#clear-queue-button")
    page.wait_for_function("document.querySelectorAll('#queue-list li.pending').length === 0")
    assert ed.js("async () => (await (await fetch('/api/queue')).json()).queue_pending.length") == 0
    page.wait_for_function("app.runningNodeId === '3'", timeout=60_000)
    page.click("#interrupt-button")
    page.click("#side-tabs button[data-tab=history]")
    stopped = page.locator(f"#gallery .history-item[data-prompt-id='{long_run}']")
    stopped.wait_for(timeout=60_000)
    assert stopped.get_attribute("data-status") == "interrupted"
    assert "interrupted" in stopped.inner_text()
    bad = page.locator(f"#gallery .history-item[data-prompt-id='{failed}']")
    assert bad.get_attribute("data-status") == "error"
    text = bad.inner_text()
    assert "failed" in text and "LoadImage #1" in text
    number = ed.js(f"async () => (await (await fetch('/api/history/{failed}')).json())['{failed}'].prompt[0]")
    assert f"#{number}" in text
    assert bad.locator(".history-time").inner_text().strip()
    # "Load workflow" on a prompt without pictures brings its graph back (one undo step)
    bad.locator("button.history-load").click()
    page.wait_for_function("app.graph._nodes.length === 2 && app.graph.getNodeById(1).type === 'LoadImage'")
    page.click("#undo-button")
    page.wait_for_function("app.graph._nodes.length === 7")
    assert [e for e in ed.errors if "status of 400" not in e] == []


def test_30_tab_title_progress_escape_closes_lightbox_and_examples_menu(editor, checkpoint):
    ed = editor.open()
    page = ed.page
    assert page.title() == "sdflow"
    small_default(ed, steps=4, seed=30)
    ed.js("""() => { window.__titles = [];
        new MutationObserver(() => window.__titles.push(document.title))
          .observe(document.querySelector('title'), {childList: true, characterData: true, subtree: true}); }""")
    ed.queue_and_wait(lambda: page.click("#queue-button"))
    titles = ed.js("window.__titles")
    assert "[25%] KSampler" in titles and "[100%] KSampler" in titles, titles
    page.wait_for_function("document.title === 'sdflow'")
    # the enlarged picture closes with Escape
    page.click("#side-tabs button[data-tab=history]")
    page.locator("#gallery img").first.click()
    assert page.locator("#lightbox").is_visible()
    page.keyboard.press("Escape")
    assert page.locator("#lightbox").is_hidden()
    # the Examples menu closes on a click elsewhere, and on Escape
    page.click("#examples-button")
    page.locator("#examples-menu button.example").first.wait_for()
    page.mouse.click(900, 700)
    assert page.locator("#examples-menu").is_hidden()
    page.click("#examples-button")
    page.locator("#examples-menu button.example").first.wait_for()
    page.keyboard.press("Escape")
    assert page.locator("#examples-menu").is_hidden()
    assert ed.errors == []


def test_30_ctrl_v_of_workflow_json_text_loads_it_and_node_paste_still_works(browser, server, checkpoint):
    from tests.browser.conftest import Editor

    context = browser.new_context(viewport={"width": 1600, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        ed = Editor(context.new_page(), server.url).open()
        page = ed.page
        with open(os.path.join(ROOT, "tests", "fixtures", "ui_workflows", "txt2img_v1.json"), encoding="utf-8") as f:
            text = f.read()
        ed.js("(t) => navigator.clipboard.writeText(t)", text)
        page.mouse.click(900, 120)   # empty canvas
        page.keyboard.press("Control+v")
        page.wait_for_function("app.graph.getNodeById(6) && app.graph.getNodeById(6).title === 'Positive'")
        assert ed.widget(6, "text").startswith("a photograph of a lighthouse")
        page.keyboard.press("Control+z")   # the paste was one undo step
        page.wait_for_function("app.graph._nodes.length === 7 && app.graph.getNodeById(6).title !== 'Positive'")
        # text that is no workflow: Ctrl+C / Ctrl+V of nodes works as before
        ed.js("navigator.clipboard.writeText('just some words')")
        ed.js("(id) => { app.canvas.deselectAll(); app.canvas.select(app.graph.getNodeById(id)); }", 5)
        page.keyboard.press("Control+c")
        page.keyboard.press("Control+v")
        page.wait_for_function("app.graph._nodes.length === 8")
        assert ed.errors == []
    finally:
        context.close()
