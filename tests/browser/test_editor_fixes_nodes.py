"""Editor fixes from the browser QA pass (/tmp/qa_web/report.md, findings 3-30 on nodes, widgets and
litegraph behaviour), each reproduced with the QA steps in Debian's chromium against the real server.

One page is shared by the module: every test starts from the default graph loaded again.
"""
from __future__ import annotations

import os
import shutil

import pytest

from tests.browser.conftest import Editor
from tests.browser.test_js_units import run_js

pytestmark = pytest.mark.browser

LOAD_DEFAULT = """async () => {
    document.querySelectorAll('.litesearchbox, .graphdialog, .litecontextmenu').forEach((e) => e.remove());
    const m = await import('/js/defaultGraph.js');
    app.loadGraphData(m.defaultGraph(), 'default graph');
    app.panels.clearMessages?.();
}"""


@pytest.fixture(scope="module")
def page_editor(browser, server, checkpoint):
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    ed = Editor(context.new_page(), server.url).open()
    yield ed
    context.close()


@pytest.fixture
def ed(page_editor):
    page_editor.js(LOAD_DEFAULT)
    page_editor.page.mouse.move(5, 880)
    page_editor.errors.clear()
    return page_editor


def screen(ed, node_id: int, local=(0, 0)) -> list[float]:
    """Page coordinates of a point given relative to a node's position (graph units)."""
    return ed.js("""([id, lx, ly]) => { const n = app.graph.getNodeById(id);
        return app.toScreen([n.pos[0] + lx, n.pos[1] + ly]); }""", [node_id, *local])


def output_pos(ed, node_id: int, slot: int) -> list[float]:
    return ed.js("([id, s]) => app.toScreen(app.graph.getNodeById(id).getOutputPos(s))", [node_id, slot])


def input_pos(ed, node_id: int, slot: int) -> list[float]:
    return ed.js("([id, s]) => app.toScreen(app.graph.getNodeById(id).getInputPos(s))", [node_id, slot])


def widget_pos(ed, node_id: int, name: str, fx: float = 0.5) -> list[float]:
    return ed.js("""([id, name, fx]) => { const n = app.graph.getNodeById(id);
        const w = n.widgets.find((x) => x.name === name);
        return app.toScreen([n.pos[0] + n.size[0] * fx, n.pos[1] + w.y + 10]); }""", [node_id, name, fx])


def drag(ed, a, b) -> None:
    m = ed.page.mouse
    m.move(*a)
    m.down()
    m.move(*b, steps=10)
    m.up()
    ed.page.wait_for_timeout(150)


EMPTY = (760, 110)   # page point over empty canvas in the default graph's fitted view


def unplug(ed, at) -> None:
    """Drag a link off an input socket and drop it on empty canvas (closing the menu that opens there)."""
    drag(ed, at, EMPTY)
    ed.js("document.querySelectorAll('.litecontextmenu').forEach((e) => e.close ? e.close() : e.remove())")


def menu_entries(ed) -> list[str]:
    return ed.js("[...document.querySelectorAll('.litecontextmenu .litemenu-entry')].map((e) => e.textContent)")


def click_menu(ed, text: str, last: bool = False) -> None:
    menus = ed.page.locator(".litecontextmenu")
    menu = menus.last if last else menus.first
    menu.locator(".litemenu-entry", has_text=text).first.click()
    ed.page.wait_for_timeout(150)


def type_into_widget(ed, node_id: int, name: str, text: str) -> None:
    """Click a number widget's middle (litegraph's value prompt) and type a value."""
    ed.page.mouse.click(*widget_pos(ed, node_id, name))
    ed.page.wait_for_selector(".graphdialog input")
    ed.page.keyboard.press("Control+a")
    ed.page.keyboard.type(text)
    ed.page.keyboard.press("Enter")
    ed.page.wait_for_timeout(100)


def slot_of(ed, node_id: int, widget: str) -> int:
    return ed.js("""([id, w]) => app.graph.getNodeById(id).inputs.findIndex((i) => i.widget && i.widget.name === w)""",
                 [node_id, widget])


# 3 -------------------------------------------------------------------------------------------------------------
def test_group_menu_remove_deletes_the_group_not_the_selected_node(ed):
    page = ed.page
    page.mouse.click(*screen(ed, 9, (80, -12)))
    page.keyboard.press("Control+g")
    page.wait_for_function("app.graph._groups.length === 1")
    page.mouse.click(*screen(ed, 3, (80, -12)))        # KSampler selected
    assert ed.js("Object.keys(app.canvas.selected_nodes)") == ["3"]
    title = ed.js("app.toScreen([app.graph._groups[0].pos[0] + 30, app.graph._groups[0].pos[1] + 4])")
    page.mouse.click(*title, button="right")
    click_menu(ed, "Edit Group")
    click_menu(ed, "Remove", last=True)
    assert ed.js("app.graph._groups.length") == 0
    assert sorted(ed.js("app.graph._nodes.map((n) => n.id)")) == [3, 4, 5, 6, 7, 8, 9]
    # the other entry takes the nodes inside the group along
    page.mouse.click(*screen(ed, 9, (80, -12)))
    page.keyboard.press("Control+g")
    page.wait_for_function("app.graph._groups.length === 1")
    title = ed.js("app.toScreen([app.graph._groups[0].pos[0] + 30, app.graph._groups[0].pos[1] + 4])")
    page.mouse.click(*title, button="right")
    click_menu(ed, "Edit Group")
    click_menu(ed, "Remove Group and Nodes", last=True)
    assert ed.js("app.graph._groups.length") == 0
    assert sorted(ed.js("app.graph._nodes.map((n) => n.id)")) == [3, 4, 5, 6, 7, 8]
    assert ed.errors == []


# 4 -------------------------------------------------------------------------------------------------------------
def test_search_after_releasing_a_link_opens_at_the_drop_point_filtered_and_connects(ed):
    page = ed.page
    a = output_pos(ed, 4, 1)                       # Load Checkpoint's CLIP
    drop = (a[0] + 60, a[1] + 250)
    drag(ed, a, drop)
    click_menu(ed, "Search")
    page.wait_for_selector(".litesearchbox input")
    box = ed.js("""(() => { const r = document.querySelector('.litesearchbox').getBoundingClientRect();
        return [r.left, r.top]; })()""")
    assert abs(box[0] + 80 - drop[0]) < 5 and abs(box[1] + 20 - drop[1]) < 5, (box, drop)
    listed = ed.js("[...document.querySelectorAll('.litesearchbox .lite-search-item')].map((e) => e.dataset.type)")
    assert "CLIPTextEncode" in listed and "KSampler" not in listed and "VAEDecode" not in listed
    page.keyboard.type("text encode", delay=10)
    page.wait_for_function("""() => [...document.querySelectorAll('.litesearchbox .lite-search-item')]
        .every((e) => /Encode/.test(e.dataset.type))""")
    assert ed.js("document.querySelector('.litesearchbox .lite-search-item').dataset.type") == "CLIPTextEncode"
    page.keyboard.press("Enter")
    page.wait_for_function("app.graph._nodes.length === 8")
    new = ed.js("""(() => { const n = app.graph._nodes.find((x) => ![3, 4, 5, 6, 7, 8, 9].includes(x.id));
        const l = app.graph._links.get(n.inputs[0].link);
        return {type: n.type, origin: [l.origin_id, l.origin_slot], pos: app.toScreen(n.pos)}; })()""")
    assert new["type"] == "CLIPTextEncode" and new["origin"] == [4, 1]
    assert abs(new["pos"][0] - drop[0]) < 5 and abs(new["pos"][1] - drop[1]) < 5
    assert ed.js("document.querySelectorAll('.litesearchbox').length") == 0
    # Escape closes it; the Queue button is not covered by anything
    drag(ed, output_pos(ed, 4, 1), (drop[0] + 500, drop[1] - 100))   # empty canvas again (the new node is at drop)
    click_menu(ed, "Search")
    page.wait_for_selector(".litesearchbox input")
    page.keyboard.press("Escape")
    page.wait_for_function("document.querySelectorAll('.litesearchbox').length === 0")
    assert ed.js("""(() => { const r = document.querySelector('#queue-button').getBoundingClientRect();
        return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2).id; })()""") == "queue-button"
    # from an empty input: the nodes that give its type, the chosen one's output wired in
    ed.js("app.graph.getNodeById(8).disconnectInput(1)")
    page.wait_for_timeout(100)
    drag(ed, input_pos(ed, 8, 1), EMPTY)
    click_menu(ed, "Search")
    page.wait_for_selector(".litesearchbox input")
    listed = ed.js("[...document.querySelectorAll('.litesearchbox .lite-search-item')].map((e) => e.dataset.type)")
    assert "CheckpointLoaderSimple" in listed and "VAELoader" in listed and "KSampler" not in listed
    page.keyboard.type("load checkpoint", delay=10)
    page.wait_for_function("""() => document.querySelector('.litesearchbox .lite-search-item')?.dataset.type
        === 'CheckpointLoaderSimple'""")
    page.keyboard.press("Enter")
    page.wait_for_function("app.graph.getNodeById(8).inputs[1].link != null")
    link = ed.js("""(() => { const l = app.graph._links.get(app.graph.getNodeById(8).inputs[1].link);
        return [app.graph.getNodeById(l.origin_id).type, l.origin_slot, l.origin_id !== 4]; })()""")
    assert link == ["CheckpointLoaderSimple", 2, True]
    assert ed.errors == []


# 5, 6, 30 (Properties Panel) -------------------------------------------------------------------------------------
def test_node_menu_lists_each_entry_once_without_convert_to_subgraph(ed):
    page = ed.page
    page.mouse.click(*screen(ed, 8, (40, -12)))
    page.mouse.click(*screen(ed, 8, (40, -12)), button="right")
    entries = [e for e in menu_entries(ed) if e]
    assert "Remove" in entries and "Bypass" in entries and "Title" in entries
    assert not [e for e in entries if "Subgraph" in e or e == "Properties Panel"]
    assert len(entries) == len(set(entries)), entries
    page.keyboard.press("Escape")
    page.mouse.click(5, 880)
    assert sorted(ed.js("app.graph._nodes.map((n) => n.id)")) == [3, 4, 5, 6, 7, 8, 9]
    assert ed.errors == []


# 7 -------------------------------------------------------------------------------------------------------------
def test_refresh_keeps_a_checkpoint_that_disappeared_and_validation_names_it(ed, server, checkpoint):
    second = os.path.join(os.path.dirname(checkpoint), "tiny_sd1_b.safetensors")
    shutil.copyfile(checkpoint, second)
    try:
        ed.page.click("#refresh-button")
        ed.page.wait_for_function("app.graph.getNodeById(4).widgets[0].options.values.length === 2")
        ed.set_widget(4, "ckpt_name", "tiny_sd1_b.safetensors")
    finally:
        os.remove(second)
    ed.page.click("#refresh-button")
    ed.page.wait_for_function("app.graph.getNodeById(4).widgets[0].options.values.length === 1")
    assert ed.widget(4, "ckpt_name") == "tiny_sd1_b.safetensors"
    ed.js("app.queuePrompt()")
    ed.page.wait_for_function("app.nodeErrors['4'] !== undefined")
    assert "tiny_sd1_b.safetensors" in " ".join(ed.js("app.nodeErrors['4'].lines"))
    ed.errors.clear()   # the browser logs the 400 of the refused prompt


# 8, 29, 6 (Open Image) --------------------------------------------------------------------------------------------
def test_batch_images_show_as_a_grid_and_a_click_picks_one(ed):
    page = ed.page
    ed.set_widget(5, "width", 64)
    ed.set_widget(5, "height", 64)
    ed.set_widget(5, "batch_size", 2)
    ed.set_widget(3, "steps", 1)
    ed.set_widget(3, "control_after_generate", "fixed")
    ed.js("""() => { const p = app.addNode('PreviewImage', [1250, 420]); p.id;
        app.graph.getNodeById(8).connect(0, p, 0); window.__preview = p.id; }""")
    ed.queue_and_wait(lambda: page.click("#queue-button"))
    for nid in (9, ed.js("window.__preview")):
        page.wait_for_function("""(id) => { const n = app.graph.getNodeById(id);
            return n.imgs && n.imgs.length === 2 && n.imgs.every((i) => i.naturalWidth === 64)
              && n.imageRects && n.imageRects.length === 2; }""", arg=nid)
    assert ed.js("app.graph.getNodeById(9).imageIndex") is None
    # 29: the picture starts under the Preview Image's input slot row, not over its label
    top, slot_bottom = ed.js("""async (id) => { const n = app.graph.getNodeById(id);
        const { LiteGraph } = await import('/vendor/litegraph/litegraph.es.js');
        return [n.imageRects[0][1], n.getInputPos(0)[1] - n.pos[1] + LiteGraph.NODE_SLOT_HEIGHT / 2]; }""",
                             ed.js("window.__preview"))
    assert top >= slot_bottom, (top, slot_bottom)
    # a click on the second thumbnail shows it alone; a click on it goes back to the grid
    second = ed.js("""(() => { const n = app.graph.getNodeById(9); const r = n.imageRects[1];
        return app.toScreen([n.pos[0] + r[0] + r[2] / 2, n.pos[1] + r[1] + r[3] / 2]); })()""")
    page.mouse.click(*second)
    assert ed.js("app.graph.getNodeById(9).imageIndex") == 1
    page.wait_for_function("app.graph.getNodeById(9).imageRects.length === 1")
    page.mouse.click(*screen(ed, 9, (ed.js("app.graph.getNodeById(9).size[0] / 2"), ed.js(
        "(() => { const r = app.graph.getNodeById(9).imageRects[0]; return r[1] + r[3] / 2; })()"))))
    assert ed.js("app.graph.getNodeById(9).imageIndex") is None
    # the node menu names Open Image once
    page.mouse.click(*screen(ed, 9, (40, -12)), button="right")
    assert [e for e in menu_entries(ed) if e].count("Open Image") == 1
    page.keyboard.press("Escape")
    page.mouse.click(5, 880)
    assert ed.errors == []


# 10 ------------------------------------------------------------------------------------------------------------
def test_a_reroute_feeding_a_model_input_refuses_clip_after_it_is_unplugged(ed):
    ed.js("""() => { const r = app.addNode('Reroute', [300, 80]); window.__r = r.id;
        const ckpt = app.graph.getNodeById(4); const ks = app.graph.getNodeById(3);
        ckpt.connect(0, r, 0); r.connect(0, ks, 0); }""")
    rid = ed.js("window.__r")
    assert ed.js("(id) => app.graph.getNodeById(id).outputs[0].type", rid) == "MODEL"
    unplug(ed, input_pos(ed, rid, 0))
    assert ed.js("(id) => app.graph.getNodeById(id).inputs[0].link", rid) is None
    assert ed.js("(id) => app.graph.getNodeById(id).outputs[0].type", rid) == "MODEL"
    drag(ed, output_pos(ed, 4, 1), input_pos(ed, rid, 0))        # CLIP onto it: refused
    assert ed.js("(id) => app.graph.getNodeById(id).inputs[0].link", rid) is None
    assert ed.js("app.graphToPrompt().output['3'].inputs.model") is None
    drag(ed, output_pos(ed, 4, 0), input_pos(ed, rid, 0))        # MODEL: taken
    assert ed.js("app.graphToPrompt().output['3'].inputs.model") == ["4", 0]
    assert ed.errors == []


# 16 ------------------------------------------------------------------------------------------------------------
def test_markdown_note_and_note_are_known_and_rendered(ed):
    wf = ed.js("app.serialize()")
    text = "# Read me\n\nUse **tiny** models.\n- one\n- two\n\n<img src=x onerror=\"window.__pwned=1\">"
    wf["nodes"] += [
        {"id": 50, "type": "MarkdownNote", "pos": [40, 40], "size": [400, 200], "flags": {}, "order": 9, "mode": 0,
         "properties": {}, "widgets_values": [text]},
        {"id": 51, "type": "Note", "pos": [40, 700], "size": [300, 120], "flags": {}, "order": 10, "mode": 0,
         "properties": {}, "widgets_values": ["plain note"]},
    ]
    wf["last_node_id"] = 51
    ed.js("(wf) => app.loadGraphData(wf, 'notes.json')", wf)
    ed.page.wait_for_timeout(200)
    assert "not installed" not in ed.js("document.querySelector('#messages').innerText")
    view = ed.page.locator(".sdflow-markdown-view")
    assert view.is_visible()
    html = view.inner_html()
    assert "<h1>Read me</h1>" in html and "<strong>tiny</strong>" in html and "<li>two</li>" in html
    assert ed.js("document.querySelectorAll('.sdflow-markdown-view img').length") == 0   # HTML is shown as text
    assert ed.js("window.__pwned") is None
    assert ed.js("app.graph.getNodeById(51).widgets[0].value") == "plain note"
    # double-click edits the source; leaving the box renders it again and the workflow keeps it
    view.dblclick()
    edit = ed.page.locator(".sdflow-markdown-edit")
    assert edit.is_visible() and edit.input_value() == text
    ed.page.keyboard.press("Control+End")
    ed.page.keyboard.type("\n## Added")
    ed.page.mouse.click(900, 860)
    ed.page.wait_for_function("document.querySelector('.sdflow-markdown-view').innerHTML.includes('<h2>Added</h2>')")
    assert ed.js("app.serialize().nodes.find((n) => n.id === 50).widgets_values[0]").endswith("## Added")
    out = ed.js("app.graphToPrompt().output")
    assert "50" not in out and "51" not in out and "3" in out
    assert ed.errors == []


# 19 ------------------------------------------------------------------------------------------------------------
def test_save_open_and_queue_shortcuts_work_inside_a_prompt_box(ed):
    page = ed.page
    ed.js("""() => { window.__calls = []; window.__orig = [app.panels.saveWorkflow, app.panels.openFile];
        app.panels.saveWorkflow = () => window.__calls.push('save');
        app.panels.openFile = () => window.__calls.push('open');
        app.queueBatch = () => window.__calls.push('queue');
        document.addEventListener('keydown',
          (e) => { if (e.ctrlKey) window.__calls.push('prevented:' + e.defaultPrevented); });
        document.querySelector("textarea[data-node='6']").addEventListener('keydown',
          (e) => { if (e.ctrlKey && e.code === 'KeyS') window.__calls.push('prevented:' + e.defaultPrevented); }); }""")
    try:
        page.locator("textarea[data-node='6']").click()
        page.keyboard.press("Control+s")
        page.keyboard.press("Control+o")
        page.keyboard.press("Control+Enter")
        calls = ed.js("window.__calls")
    finally:
        ed.js("""() => { [app.panels.saveWorkflow, app.panels.openFile] = window.__orig; delete app.queueBatch; }""")
    assert calls[:3] == ["save", "prevented:true", "open"], calls
    assert "queue" in calls
    assert ed.js("document.activeElement.dataset.node") == "6"
    assert ed.errors == []


# 20 ------------------------------------------------------------------------------------------------------------
def test_typed_int_values_snap_to_the_widget_step(ed):
    type_into_widget(ed, 5, "height", "70")
    assert ed.widget(5, "height") == 72
    type_into_widget(ed, 5, "width", "99999")
    assert ed.widget(5, "width") == 16384
    type_into_widget(ed, 3, "steps", "7")
    assert ed.widget(3, "steps") == 7
    assert ed.js("app.graphToPrompt().output['5'].inputs.height") == 72
    assert ed.errors == []


# 22 ------------------------------------------------------------------------------------------------------------
def test_a_primitive_without_links_goes_back_to_any_type(ed):
    seed, cfg = slot_of(ed, 3, "seed"), slot_of(ed, 3, "cfg")
    ed.js("""(seed) => { const p = app.addNode('PrimitiveNode', [520, 20]); window.__p = p.id;
        p.connect(0, app.graph.getNodeById(3), seed); }""", seed)
    pid = ed.js("window.__p")
    names = ed.js("(id) => app.graph.getNodeById(id).widgets.map((w) => w.name)", pid)
    assert names == ["seed", "control_after_generate"]
    ed.page.wait_for_timeout(150)   # a frame lays the socket out on its row
    unplug(ed, input_pos(ed, 3, seed))
    assert ed.js("(id) => app.graph.getNodeById(id).outputs[0].links?.length || 0", pid) == 0
    state = ed.js("""(id) => { const p = app.graph.getNodeById(id);
        return [p.outputs[0].type, p.outputs[0].name, p.widgets.length]; }""", pid)
    assert state == ["*", "connect to widget input", 0]
    assert ed.js("(args) => app.graph.getNodeById(args[0]).connect(0, app.graph.getNodeById(3), args[1]) !== null",
                 [pid, cfg])
    assert ed.js("(id) => app.graph.getNodeById(id).outputs[0].type", pid) == "FLOAT"
    assert ed.js("app.graphToPrompt().output['3'].inputs.cfg") == 8
    # as in ComfyUI a number or combo primitive has its control ("fixed"), a combo its filter too
    assert ed.js("(id) => app.graph.getNodeById(id).widgets.map((w) => [w.name, w.value])", pid) == [
        ["cfg", 8], ["control_after_generate", "fixed"]]
    sampler = slot_of(ed, 3, "sampler_name")
    got = ed.js("""async (slot) => { const p = app.addNode('PrimitiveNode', [900, 20]);
        p.connect(0, app.graph.getNodeById(3), slot);
        const before = p.widgets.map((w) => [w.name, w.value]);
        p.widgets[1].value = 'increment';
        (await import('/js/widgets.js')).runControlWidgets(p);
        return [before, p.widgets[0].value, app.graphToPrompt().output['3'].inputs.sampler_name]; }""", sampler)
    values = ed.js("app.graph.getNodeById(3).widgets.find((w) => w.name === 'sampler_name').options.values")
    assert got[0] == [["sampler_name", "euler"], ["control_after_generate", "fixed"], ["control_filter_list", ""]]
    assert got[1] == got[2] == values[values.index("euler") + 1]
    assert ed.errors == []


# 27 ------------------------------------------------------------------------------------------------------------
def test_an_error_outline_clears_when_the_node_input_changes(ed):
    ed.set_widget(3, "steps", 0)
    ed.js("app.queuePrompt()")
    ed.page.wait_for_function("app.nodeErrors['3'] !== undefined")
    ed.page.mouse.click(*widget_pos(ed, 3, "steps", fx=0.93))     # the ▶ arrow: 0 -> 1
    assert ed.widget(3, "steps") == 1
    assert ed.js("app.nodeErrors['3']") is None
    # a prompt's text typed in, and a link changed, clear theirs too
    ed.js("app.markError('6', ['boom'], 'CLIPTextEncode'); app.markError('8', ['boom'], 'VAEDecode')")
    ed.page.locator("textarea[data-node='6']").click()
    ed.page.keyboard.type(" more")
    assert ed.js("app.nodeErrors['6']") is None
    unplug(ed, input_pos(ed, 8, 1))
    assert ed.js("app.nodeErrors['8']") is None
    ed.errors.clear()   # the browser logs the 400 of the refused prompt


# 28 ------------------------------------------------------------------------------------------------------------
def test_a_widget_fed_by_a_link_hides_with_its_control_widget(ed):
    seed = slot_of(ed, 3, "seed")
    steps_y = ed.js("app.graph.getNodeById(3).widgets.find((w) => w.name === 'steps').y")
    ed.js("""(seed) => { const p = app.addNode('PrimitiveNode', [520, 20]);
        p.connect(0, app.graph.getNodeById(3), seed);
        const q = app.addNode('PrimitiveNode', [20, 20]); window.__q = q.id;
        q.connect(0, app.graph.getNodeById(6), app.graph.getNodeById(6).inputs.findIndex((i) => i.widget)); }""", seed)
    ed.page.wait_for_timeout(150)
    hidden = ed.js("app.graph.getNodeById(3).widgets.filter((w) => w.hidden).map((w) => w.name)")
    assert hidden == ["seed", "control_after_generate"]
    assert ed.js("app.graph.getNodeById(3).widgets.find((w) => w.name === 'steps').y") < steps_y
    assert ed.page.locator("textarea[data-node='6']").is_hidden()
    # the linked value is what is sent; the socket stays on the node
    assert ed.js("app.graphToPrompt().output['3'].inputs.seed") == ed.js(
        "app.graph._nodes.find((n) => n.type === 'PrimitiveNode' && n.outputs[0].type === 'INT').widgets[0].value")
    pos = ed.js("(s) => { const n = app.graph.getNodeById(3); return n.getInputPos(s)[1] - n.pos[1]; }", seed)
    assert 0 < pos < ed.js("app.graph.getNodeById(3).size[1]")
    # unlinked: both come back
    unplug(ed, input_pos(ed, 3, seed))
    assert ed.js("app.graph.getNodeById(3).widgets.filter((w) => w.hidden).length") == 0
    ed.js("(id) => app.graph.getNodeById(id).disconnectOutput(0)", ed.js("window.__q"))
    ed.page.wait_for_timeout(150)
    assert ed.page.locator("textarea[data-node='6']").is_visible()
    assert ed.errors == []


# 23 ------------------------------------------------------------------------------------------------------------
def test_double_click_on_a_node_title_renames_it(ed):
    ed.page.mouse.dblclick(*screen(ed, 3, (60, -12)))
    ed.page.wait_for_selector(".graphdialog input")
    ed.page.keyboard.press("Control+a")
    ed.page.keyboard.type("My Sampler")
    ed.page.keyboard.press("Enter")
    assert ed.js("app.graph.getNodeById(3).title") == "My Sampler"
    assert ed.js("app.graphToPrompt().output['3']._meta.title") == "My Sampler"
    # a group's title bar too
    ed.page.mouse.click(*screen(ed, 9, (80, -12)))
    ed.page.keyboard.press("Control+g")
    ed.page.wait_for_function("app.graph._groups.length === 1")
    ed.page.mouse.dblclick(*ed.js("app.toScreen([app.graph._groups[0].pos[0] + 30, app.graph._groups[0].pos[1] + 6])"))
    ed.page.wait_for_selector(".graphdialog input")
    ed.page.keyboard.press("Control+a")
    ed.page.keyboard.type("Output")
    ed.page.keyboard.press("Enter")
    assert ed.js("app.graph._groups[0].title") == "Output"
    assert ed.js("app.serialize().groups[0].title") == "Output"
    assert ed.errors == []


# 30 ------------------------------------------------------------------------------------------------------------
def test_copy_leaves_no_orphan_text_box(ed):
    page = ed.page
    count = "document.querySelectorAll('#dom-layer textarea').length"
    before = ed.js(count)
    page.mouse.click(*screen(ed, 6, (60, -12)))
    page.keyboard.press("Control+c")
    page.wait_for_timeout(100)
    assert ed.js(count) == before
    ed.js("app.graph.getNodeById(6).clone(); app.graph.getNodeById(7).clone()")   # never added, never drawn
    page.wait_for_timeout(100)
    assert ed.js(count) == before
    page.mouse.move(700, 700)
    page.keyboard.press("Control+v")
    page.wait_for_function("app.graph._nodes.length === 8")
    # the pasted node's text box joins the page at its first draw (the next animation frame or so)
    page.wait_for_function(f"{count} >= {before + 1}", timeout=10_000)
    page.wait_for_timeout(100)
    assert ed.js(count) == before + 1
    assert ed.js("""[...document.querySelectorAll('#dom-layer textarea')]
        .every((t) => app.graph.getNodeById(Number(t.dataset.node)))""")
    assert ed.errors == []


def test_a_workflow_value_of_the_wrong_type_is_reported_on_load(ed):
    wf = ed.js("app.serialize()")
    ks = next(n for n in wf["nodes"] if n["id"] == 3)
    ks["widgets_values"][0] = "x"
    ks["widgets_values"][2] = "7"     # steps: a number saved as text is that number, no message
    ed.js("(wf) => app.loadGraphData(wf, 'bad_seed.json')", wf)
    msgs = ed.js("document.querySelector('#messages').innerText")
    assert "KSampler #3" in msgs and 'seed: the saved value "x" is not a valid INT' in msgs
    assert "steps" not in msgs
    assert ed.widget(3, "seed") == 0 and ed.widget(3, "steps") == 7
    assert "seed" in " ".join(ed.js("app.nodeErrors['3'].lines"))
    assert ed.errors == []


# pure functions (node) -----------------------------------------------------------------------------------------
def test_snap_int_and_markdown_units(tmp_path):
    cases = [
        {"fn": "widgets.snapInt", "args": [70, {"min": 16, "max": 16384, "step": 8}]},
        {"fn": "widgets.snapInt", "args": [67, {"min": 16, "max": 16384, "step": 8}]},
        {"fn": "widgets.snapInt", "args": [99999, {"min": 16, "max": 16384, "step": 8}]},
        {"fn": "widgets.snapInt", "args": [12, {"min": 1, "max": 100, "step": 5}]},   # steps from min: 1, 6, 11, 16
        {"fn": "widgets.snapInt", "args": [7.6, {"min": 0, "max": 10, "step": 1}]},
        {"fn": "widgets.renderMarkdown", "args": ["# T\n**b** *i* `<x>` [l](https://e.org/?a=1&b=2)\n\n1. a\n2. b"]},
        {"fn": "widgets.renderMarkdown", "args": ["<script>alert(1)</script> [x](javascript:alert(1))"]},
    ]
    r = [c.get("ok", c.get("error")) for c in run_js(tmp_path, cases)]
    assert r[:5] == [72, 64, 16384, 11, 8]
    assert r[5] == ('<h1>T</h1><p><strong>b</strong> <em>i</em> <code>&lt;x&gt;</code> '
                    '<a href="https://e.org/?a=1&amp;b=2" target="_blank" rel="noopener">l</a></p>'
                    "<ol><li>a</li><li>b</li></ol>")
    assert "<script>" not in r[6] and "&lt;script&gt;" in r[6] and "href" not in r[6]
