"""Browser QA findings about the editor's layout and input (report /tmp/qa_web/report.md: 17, 21, 25, 26).

Screens of a laptop size, long error titles, the wheel over a prompt box and seeds past 2^53. The tests share
one server; each opens its own page at the window size the finding was seen at.
"""
from __future__ import annotations

import json
import os
import urllib.request

import pytest

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SDFLOW_LAYOUT_SHOTS")   # a folder: save screenshots there to look at


def open_at(browser, url: str, width: int, height: int):
    from tests.browser.conftest import Editor

    context = browser.new_context(viewport={"width": width, "height": height})
    return context, Editor(context.new_page(), url).open()


def shot(ed, name: str) -> None:
    if SHOTS:
        ed.js("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
        ed.page.screenshot(path=os.path.join(SHOTS, name + ".png"))


def nodes_outside_view(ed) -> list[str]:
    """Nodes (title bar included) not wholly inside the visible canvas, as 'Type #id'."""
    return ed.js("""() => {
        const r = app.canvas.canvas.getBoundingClientRect();
        const clip = { left: Math.max(r.left, 0), top: Math.max(r.top, 0),
                       right: Math.min(r.right, innerWidth), bottom: Math.min(r.bottom, innerHeight) };
        const T = 30;
        return app.graph._nodes.filter((n) => {
            const [x0, y0] = app.toScreen([n.pos[0], n.pos[1] - T]);
            const [x1, y1] = app.toScreen([n.pos[0] + n.size[0], n.pos[1] + n.size[1]]);
            return x0 < clip.left || y0 < clip.top || x1 > clip.right || y1 > clip.bottom;
        }).map((n) => `${n.type} #${n.id}`); }""")


@pytest.mark.parametrize("size", [(1280, 720), (1600, 900)])
def test_17_default_graph_fits_a_laptop_screen(browser, server, checkpoint, size):
    context, ed = open_at(browser, server.url, *size)
    try:
        shot(ed, f"default_{size[0]}x{size[1]}")
        assert nodes_outside_view(ed) == []
        scale = ed.js("app.canvas.ds.scale")
        assert scale >= 0.5 and not ed.js("app.canvas.low_quality")
        assert ed.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("example", ["hires_fix", "sdxl_refiner", "upscale", "controlnet"])
def test_17_examples_show_every_node_with_readable_widgets(browser, server, checkpoint, example):
    context, ed = open_at(browser, server.url, 1600, 900)
    try:
        page = ed.page
        ed.js("app.graph._nodes.forEach((n) => { n.oldGraph = true; })")
        page.click("#examples-button")
        page.locator("#examples-menu button.example", has_text=example).click()
        page.wait_for_function("app.graph._nodes.length > 0 && !app.graph._nodes.some((n) => n.oldGraph)")
        shot(ed, f"example_{example}")
        assert nodes_outside_view(ed) == []
        assert ed.js("app.canvas.ds.scale") >= 0.5
        # nodes with widgets are wide enough for "ckpt_name" and its file name side by side (were ~130 px)
        assert ed.js("app.graph._nodes.filter((n) => n.widgets && n.widgets.length && n.size[0] < 300).length") == 0
        assert ed.errors == []
    finally:
        context.close()


def test_an_api_prompt_is_laid_out_once_and_the_users_positions_then_stay(browser, server, checkpoint):
    """The relayout of a loaded API prompt leaves no mark in the saved workflow: after the user moves a node,
    a reload (autosave) and a re-load of the saved file keep the user's position."""
    context, ed = open_at(browser, server.url, 1600, 900)
    try:
        page = ed.page
        page.click("#examples-button")
        page.locator("#examples-menu button.example", has_text="upscale").click()
        page.wait_for_function("app.graph._nodes.some((n) => n.type === 'ImageUpscaleWithModel')")
        saved = ed.js("app.graph.serialize()")
        assert "sdflowLayout" not in (saved.get("extra") or {})
        ed.js("const n = app.graph._nodes[0]; n.pos = [1234, 567]; app.graphChanged();")
        page.reload()
        page.wait_for_function("window.app && app.graph && app.graph._nodes.length > 0")
        assert ed.js("Array.from(app.graph._nodes[0].pos)") == [1234, 567]
        ed.js("(w) => app.loadGraphData(w, 'saved file')", ed.js("app.graph.serialize()"))
        assert ed.js("Array.from(app.graph._nodes[0].pos)") == [1234, 567]
    finally:
        context.close()


def test_17_toolbar_fits_a_1000px_window_and_help_line_is_off_the_canvas(browser, server, checkpoint):
    context, ed = open_at(browser, server.url, 1000, 700)
    try:
        shot(ed, "toolbar_1000")
        boxes = ed.js("""() => [...document.querySelectorAll('#toolbar button, #toolbar #progress')]
            .map((b) => { const r = b.getBoundingClientRect();
                          return { id: b.id, right: r.right, h: r.height, lh: parseFloat(getComputedStyle(b).lineHeight) || 16 }; })""")
        assert [b["id"] for b in boxes if b["right"] > 1000] == []
        one_line = min(b["h"] for b in boxes if b["id"].endswith("-button"))
        assert [b["id"] for b in boxes if b["id"].endswith("-button") and b["h"] > one_line + 2] == []   # no label wraps
        help_top = ed.js("document.querySelector('#help').getBoundingClientRect().top")
        canvas_bottom = ed.js("app.canvas.canvas.getBoundingClientRect().bottom")
        assert help_top >= canvas_bottom - 1   # the help line is below the canvas, not over nodes
    finally:
        context.close()


def test_26_a_long_exception_title_wraps_inside_the_messages_panel(browser, server, checkpoint):
    folder = os.path.join(server.paths.models_dir, "checkpoints")
    with open(os.path.join(folder, "broken.safetensors"), "wb") as f:
        f.write(os.urandom(5000))
    context, ed = open_at(browser, server.url, 1280, 720)
    try:
        page = ed.page
        page.click("#refresh-button")
        page.wait_for_function("""app.graph.getNodeById(4).widgets.find((w) => w.name === 'ckpt_name')
            .options.values.includes('broken.safetensors')""")
        ed.set_widget(4, "ckpt_name", "broken.safetensors")
        page.click("#queue-button")
        title = page.locator("#messages .message.error .message-title", has_text="CheckpointError")
        title.wait_for(timeout=60_000)
        page.click("#side-tabs button[data-tab=messages]")
        shot(ed, "error_title")
        box = title.evaluate("(t) => { const r = t.getBoundingClientRect(); const p = t.closest('.side-panel').getBoundingClientRect();"
                             " return { right: r.right, panel: p.right, sw: t.scrollWidth, cw: t.clientWidth }; }")
        assert box["sw"] <= box["cw"] and box["right"] <= box["panel"], box
    finally:
        context.close()
        os.remove(os.path.join(folder, "broken.safetensors"))


def test_25_wheel_over_a_prompt_box_zooms_unless_its_text_overflows(browser, server, checkpoint):
    context, ed = open_at(browser, server.url, 1600, 900)
    try:
        page = ed.page
        box = page.locator("textarea.sdflow-textarea[data-node='7']")
        b = box.bounding_box()
        page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
        before = ed.js("app.canvas.ds.scale")
        page.mouse.wheel(0, -120)   # short text: the canvas zooms in
        page.wait_for_function("(s) => app.canvas.ds.scale > s + 1e-6", arg=before)
        zoomed = ed.js("app.canvas.ds.scale")
        # long text overflowing the box: the wheel scrolls the text and leaves the zoom alone
        box.fill("\n".join(f"line {i}" for i in range(200)))
        assert box.evaluate("(t) => t.scrollHeight > t.clientHeight")
        b = box.bounding_box()
        page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
        page.mouse.wheel(0, 200)
        page.wait_for_function("document.querySelector(`textarea.sdflow-textarea[data-node='7']`).scrollTop > 0")
        assert ed.js("app.canvas.ds.scale") == zoomed
        assert ed.errors == []
    finally:
        context.close()


def test_21_a_seed_typed_past_2_53_is_clamped_and_queues(browser, server, checkpoint):
    context, ed = open_at(browser, server.url, 1600, 900)
    try:
        page = ed.page
        ed.set_widget(5, "width", 64)
        ed.set_widget(5, "height", 64)
        ed.set_widget(3, "steps", 1)
        ed.set_widget(3, "control_after_generate", "randomize")
        pos = ed.js("""() => { const n = app.graph.getNodeById(3); const w = n.widgets.find((x) => x.name === 'seed');
            return app.toScreen([n.pos[0] + n.size[0] / 2, n.pos[1] + w.y + 10]); }""")
        page.mouse.click(*pos)   # litegraph's value prompt
        page.wait_for_selector(".graphdialog input")
        page.keyboard.press("Control+a")
        page.keyboard.type("18446744073709551615")
        page.keyboard.press("Enter")
        page.wait_for_function("app.graph.getNodeById(3).widgets.find((w) => w.name === 'seed').value !== 156680208700286")
        assert ed.widget(3, "seed") == 2**53 - 1
        # a value set from script (or a loaded workflow) past the exact range is clamped too
        ed.set_widget(3, "seed", 18446744073709551615)
        assert ed.widget(3, "seed") == 2**53 - 1
        pid = ed.queue_and_wait(lambda: page.click("#queue-button"))
        with urllib.request.urlopen(f"{server.url}/history/{pid}") as r:
            entry = json.load(r)[pid]
        assert entry["prompt"][2]["3"]["inputs"]["seed"] == 2**53 - 1
        assert entry["status"]["status_str"] == "success"
        assert ed.widget(3, "seed") != 2**53 - 1   # randomize ran after the (accepted) queue
        assert ed.errors == []
    finally:
        context.close()
