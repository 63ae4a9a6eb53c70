"""Workflows with subgraphs (ComfyUI's definitions.subgraphs) in the editor.

The editor's conversion (web/js/graph.js uiToApi + web/js/subgraphs.js, run in node) flattens
subgraph instances exactly as the Python converter (engine.graph.workflow.ui_to_api) does, and the
editor loads such a workflow (one node per instance, no "not installed" error), saves it with its
definitions and queues it: the server receives the flattened "outer:inner" node ids and runs them.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess

import pytest

from tests.browser.test_js_units import run_js
from tests.conftest import ROOT
from tests.graph.test_workflow_ui import _nested_promoted, _pass_through, _primitive_feeds_instance, _subgraph_workflow

pytestmark = pytest.mark.browser

FLAT_IDS = ["1", "20:1", "20:2:1", "20:3", "30", "31"]


@pytest.fixture(scope="module")
def toy_registry():
    from engine.graph.registry import Registry
    from tests.toy_nodes import register_toy_nodes

    registry = Registry()
    register_toy_nodes(registry)
    return registry


def _variants() -> dict[str, dict]:
    """The converter test's workflow and variants that exercise each flattening rule."""
    base = _subgraph_workflow()
    out = {"nested_with_promoted_widget": base}
    muted = copy.deepcopy(base)
    muted["nodes"][1]["mode"] = 2
    out["muted_instance"] = muted
    bypassed = copy.deepcopy(base)
    bypassed["nodes"][1]["mode"] = 4
    out["bypassed_instance"] = bypassed
    inner_muted = copy.deepcopy(base)        # the nested instance muted inside A: ToyAdd loses its link
    inner_muted["definitions"]["subgraphs"][0]["nodes"][1]["mode"] = 2
    out["nested_instance_muted"] = inner_muted
    linked = copy.deepcopy(base)             # the promoted input fed by an outer link instead
    linked["nodes"].append({"id": 40, "type": "ToyConstInt", "mode": 0, "inputs": [],
                            "outputs": [{"name": "INT", "type": "INT", "links": [4]}], "widgets_values": [3]})
    linked["nodes"][1]["inputs"][1]["link"] = 4
    linked["links"].append([4, 40, 0, 20, 1, "INT"])
    out["promoted_input_linked"] = linked
    v1 = copy.deepcopy(base)                 # version 1: object links at the top level too
    v1["version"] = 1
    v1["links"] = [{"id": l[0], "origin_id": l[1], "origin_slot": l[2], "target_id": l[3], "target_slot": l[4],
                    "type": l[5]} for l in base["links"]]
    out["v1_links"] = v1
    seed = copy.deepcopy(base)               # a promoted input named "seed" wired to the sampler's seed
    sg_a = seed["definitions"]["subgraphs"][0]
    sg_a["inputs"][1]["name"] = "seed"
    sg_a["nodes"][0]["inputs"][1] = {"name": "seed", "type": "INT", "link": 102, "widget": {"name": "seed"}}
    seed["nodes"][1]["inputs"][1] = {"name": "seed", "type": "INT", "link": None, "widget": {"name": "seed"}}
    seed["nodes"][1]["widgets_values"] = [77]
    out["promoted_seed"] = seed
    two = copy.deepcopy(base)                # two instances of A, the second one without promoted values
    two["nodes"].append({"id": 21, "type": "sg-a", "mode": 0,
                         "inputs": [{"name": "model", "type": "TOYMODEL", "link": 5},
                                    {"name": "steps", "type": "INT", "link": None, "widget": {"name": "steps"}}],
                         "outputs": [{"name": "STRING", "type": "STRING", "links": [6]},
                                     {"name": "sum", "type": "INT", "links": []}]})
    two["nodes"].append({"id": 32, "type": "ToyOutput", "mode": 0,
                         "inputs": [{"name": "value", "type": "*", "link": 6}], "outputs": []})
    two["nodes"][0]["outputs"][0]["links"].append(5)
    two["links"] += [[5, 1, 0, 21, 0, "TOYMODEL"], [6, 21, 0, 32, 0, "STRING"]]
    out["two_instances"] = two
    out["primitive_feeds_instance"] = _primitive_feeds_instance()
    out["nested_promoted_value"] = _nested_promoted()
    out["pass_through_value"] = _pass_through(linked=False)
    out["pass_through_link"] = _pass_through(linked=True)
    return out


VARIANTS = _variants()


def test_editor_flattens_subgraphs_as_the_python_converter(tmp_path, toy_registry):
    from engine.graph.workflow import ui_to_api

    info = toy_registry.all_node_info()
    names = list(VARIANTS)
    res = run_js(tmp_path, [{"fn": "uiToApi", "args": [VARIANTS[n], info, [0.5]]} for n in names])
    for name, r in zip(names, res):
        assert "ok" in r, (name, r)
        assert r["ok"] == ui_to_api(VARIANTS[name], toy_registry), name
    got = dict(zip(names, (r["ok"] for r in res)))
    # what the rules give (the Python converter's own tests pin the first two)
    assert sorted(got["nested_with_promoted_widget"]) == FLAT_IDS
    assert got["nested_with_promoted_widget"]["20:1"]["inputs"]["steps"] == 9
    assert sorted(got["muted_instance"]) == ["1", "30", "31"]
    assert got["bypassed_instance"]["30"]["inputs"] == {"value": ["1", 0]}     # bypass: input 0 stands in
    assert got["bypassed_instance"]["31"]["inputs"] == {}
    muted_inner = got["nested_instance_muted"]      # the muted source's link is dropped: the widget value stays
    assert muted_inner["20:3"]["inputs"] == {"a": 0, "b": 4} and "20:2:1" not in muted_inner
    assert got["promoted_input_linked"]["20:1"]["inputs"]["steps"] == ["40", 0]
    assert got["v1_links"] == got["nested_with_promoted_widget"]
    assert got["promoted_seed"]["20:1"]["inputs"]["seed"] == 77
    assert got["two_instances"]["21:1"]["inputs"]["steps"] == 20                 # the inner widget's own value
    assert got["two_instances"]["32"]["inputs"]["value"] == ["21:1", 0]


def test_a_definition_that_contains_itself_is_an_error_in_both(tmp_path, toy_registry):
    from engine.graph.workflow import WorkflowError, ui_to_api

    wf = _subgraph_workflow()
    sg_b = wf["definitions"]["subgraphs"][1]
    sg_b["nodes"].append({"id": 2, "type": "sg-b", "mode": 0, "inputs": [], "outputs": []})
    with pytest.raises(WorkflowError, match="nest too deeply") as py_err:
        ui_to_api(wf, toy_registry)
    res = run_js(tmp_path, [{"fn": "uiToApi", "args": [wf, toy_registry.all_node_info(), [0.5]]}])
    assert res[0]["error"] == str(py_err.value)


def test_node_definitions_for_subgraph_instances(tmp_path, toy_registry):
    info = toy_registry.all_node_info()
    wf = VARIANTS["nested_with_promoted_widget"]
    no_values = copy.deepcopy(wf)
    del no_values["nodes"][1]["widgets_values"]
    res = run_js(tmp_path, [
        {"fn": "subgraphs.subgraphNodeDefs", "args": [wf, info]},
        {"fn": "subgraphs.subgraphNodeDefs", "args": [no_values, info]},
        {"fn": "subgraphs.subgraphNodeDefs", "args": [VARIANTS["promoted_seed"], info]},
    ])
    defs = res[0]["ok"]
    a, b = defs["sg-a"], defs["sg-b"]
    assert a["display_name"] == "A" and b["display_name"] == "B"
    assert "not supported in this editor" in a["description"]
    assert a["input_order"]["required"] == ["model", "steps"]
    assert a["input"]["required"]["model"] == ["TOYMODEL", {"forceInput": True}]
    steps_type, steps_opts = a["input"]["required"]["steps"]      # the inner ToySampler's spec and value
    assert steps_type == "INT" and steps_opts["min"] == 1 and steps_opts["max"] == 10000 and steps_opts["default"] == 20
    assert a["output"] == ["STRING", "INT"] and a["output_name"] == ["STRING", "sum"]
    assert b["input"]["required"] == {} and b["output"] == ["INT"]
    # no widgets_values on any instance: every input is a socket (the inner widgets keep their values)
    assert res[1]["ok"]["sg-a"]["input"]["required"]["steps"] == ["INT", {"forceInput": True}]
    # a promoted seed is one widget (no control_after_generate), so widgets_values stay one per input
    seed_def = res[2]["ok"]["sg-a"]
    layouts = run_js(tmp_path, [{"fn": "widgetLayout", "args": [a]}, {"fn": "widgetLayout", "args": [seed_def]},
                                {"fn": "socketInputs", "args": [a]}])
    assert [w["name"] for w in layouts[0]["ok"]] == ["steps"]
    assert [w["name"] for w in layouts[1]["ok"]] == ["seed"]
    assert [s["name"] for s in layouts[2]["ok"]] == ["model"]


def test_used_definitions_follow_nesting(tmp_path):
    wf = _subgraph_workflow()
    defs = [[sg["id"], sg] for sg in wf["definitions"]["subgraphs"]]
    res = run_js(tmp_path, [
        {"fn": "subgraphs.subgraphDefinitions", "args": [wf]},
        {"fn": "subgraphs.innerNodeTypes", "args": [wf]},
    ])
    assert [k for k, _ in res[0]["ok"]] == ["sg-a", "sg-b"]
    assert sorted(res[1]["ok"]) == ["ToyAdd", "ToyConstInt", "ToySampler", "sg-b"]
    # usedSubgraphDefinitions takes a Map: built in node from the [id, definition] pairs
    node = shutil.which("node")
    if node is None:
        pytest.skip("node (v18+) is not installed")
    script = tmp_path / "used.mjs"
    script.write_text(
        f'import {{ usedSubgraphDefinitions }} from "{ROOT}/web/js/subgraphs.js";\n'
        f"const defs = new Map({json.dumps(defs)});\n"
        "const ids = (nodes) => usedSubgraphDefinitions(nodes, defs).map((d) => d.id);\n"
        'console.log(JSON.stringify([ids([{type: "sg-a"}]), ids([{type: "sg-b"}, {type: "X"}]), ids([])]));\n')
    proc = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [["sg-a", "sg-b"], ["sg-b"], []]


# ---- in the browser, against the real server with the toy nodes ----

@pytest.fixture(scope="module")
def toy_server(tmp_path_factory):
    from tests.browser.live_server import LiveServer
    from tests.toy_nodes import register_toy_nodes

    s = LiveServer(str(tmp_path_factory.mktemp("sdflow-sg")), register=register_toy_nodes).start()
    yield s
    s.stop()


def _history(ed, prompt_id: str) -> dict:
    hist = ed.js("async (id) => (await fetch('/api/history/' + id)).json()", prompt_id)
    return hist[prompt_id]


def test_subgraph_workflow_loads_saves_and_queues_in_the_editor(new_editor, toy_server, tmp_path, output_dir):
    ed = new_editor(toy_server.url).open()
    page = ed.page
    ed.js("app.panels.clearMessages()")      # the default graph's nodes are not toy nodes
    path = tmp_path / "subgraphs.json"
    workflow = _subgraph_workflow()
    for node, pos in zip(workflow["nodes"], [[40, 80], [380, 80], [760, 40], [760, 240]]):
        node["pos"] = pos
    path.write_text(json.dumps(workflow))
    page.set_input_files("#file-input", str(path))
    page.wait_for_function("app.graph.getNodeById(20) && app.graph.getNodeById(20).type === 'sg-a'")
    page.wait_for_selector("#messages .message:has-text('Loaded subgraphs.json')")
    assert ed.js("document.querySelectorAll('#messages .message.error').length") == 0, \
        ed.js("document.querySelector('#messages').innerText")
    # the instance: its subgraph's name as title, its slots, the promoted widget with the saved value
    inst = ed.js("""() => { const n = app.graph.getNodeById(20); return {
        title: n.title, inputs: n.inputs.map((i) => [i.name, i.type, i.link != null]),
        outputs: n.outputs.map((o) => [o.name, o.type, (o.links || []).length]),
        widgets: n.widgets.map((w) => [w.name, w.value]), description: n.constructor.nodeData.description,
        errors: Boolean(n.has_errors) }; }""")
    assert inst["title"] == "A" and not inst["errors"]
    assert inst["inputs"] == [["model", "TOYMODEL", True], ["steps", "INT", False]]
    assert inst["outputs"] == [["STRING", "STRING", 1], ["sum", "INT", 1]]
    assert inst["widgets"] == [["steps", 9]]
    assert "not supported in this editor" in inst["description"]
    page.screenshot(path=os.path.join(output_dir, "editor_subgraph_instance.png"))
    # the title tooltip is that description
    tip = ed.js("""async () => { const { tooltipAt } = await import('/js/nodes.js');
        const n = app.graph.getNodeById(20); return tooltipAt(n, [n.pos[0] + 10, n.pos[1] - 10]); }""")
    assert "Editing the inside of a subgraph is not supported" in tip
    # saving keeps the definitions
    saved = ed.js("app.serialize()")
    assert [sg["id"] for sg in saved["definitions"]["subgraphs"]] == ["sg-a", "sg-b"]
    assert saved["definitions"]["subgraphs"][0]["nodes"][0]["title"] == "Inner Sampler"

    # queue: the server gets the flattened prompt and runs it
    prompt_id = ed.queue_and_wait(lambda: page.click("#queue-button"))
    entry = _history(ed, prompt_id)
    prompt = entry["prompt"][2]
    assert sorted(prompt) == FLAT_IDS
    assert prompt["20:1"]["inputs"]["steps"] == 9 and prompt["20:3"]["inputs"]["a"] == ["20:2:1", 0]
    assert entry["outputs"]["31"]["value"] == [12]
    assert entry["outputs"]["30"]["value"] == ["tiny-a.safetensors|[]|5|9|6.0|euler|normal|1.0"]
    assert entry["prompt"][3]["extra_pnginfo"]["workflow"]["definitions"]["subgraphs"][0]["id"] == "sg-a"
    # the promoted widget edited in the editor reaches the inner node
    ed.set_widget(20, "steps", 3)
    prompt_id = ed.queue_and_wait(lambda: page.click("#queue-button"))
    entry = _history(ed, prompt_id)
    assert entry["prompt"][2]["20:1"]["inputs"]["steps"] == 3
    assert entry["outputs"]["30"]["value"] == ["tiny-a.safetensors|[]|5|3|6.0|euler|normal|1.0"]

    # a new instance from the registered type: definition's input order, connects, queues as "<id>:<inner>"
    made = ed.js("""async () => {
        const { LiteGraph } = await import('/vendor/litegraph/litegraph.es.js');
        const n = app.addNode('sg-a', [600, 600]);
        app.graph.getNodeById(1).connect(0, n, 0);
        const out = LiteGraph.createNode('ToyOutput'); app.graph.add(out); n.connect(1, out, 0);
        app.graphChanged();
        return { id: n.id, out: out.id, title: n.title, inputs: n.inputs.map((i) => i.name),
                 values: n.widgets.map((w) => w.value) }; }""")
    assert made["title"] == "A" and made["inputs"] == ["model", "steps"] and made["values"] == [20]
    output = ed.js("app.graphToPrompt().output")
    new = str(made["id"])
    assert output[f"{new}:1"]["inputs"]["steps"] == 20 and output[f"{new}:1"]["inputs"]["model"] == ["1", 0]
    assert output[str(made["out"])]["inputs"]["value"] == [f"{new}:3", 0]

    # undo/redo and the autosaved workflow keep the definitions: reload restores the instances
    page.reload()
    page.wait_for_function("window.app && window.app.ready === true")
    assert ed.js("app.graph.getNodeById(20).title") == "A"
    assert ed.js("app.graph.getNodeById(20).widgets.map((w) => w.value)") == [3]
    assert ed.js("document.querySelectorAll('#messages .message.error').length") == 0
    assert sorted(ed.js("Object.keys(app.graphToPrompt().output)")) == sorted(
        FLAT_IDS + [f"{new}:1", f"{new}:2:1", f"{new}:3", str(made["out"])])
    # events and errors of nodes inside a subgraph land on the instance
    assert ed.js("app.nodeTitle('20:2:1')") == "A #20:2:1"
    ed.set_widget(20, "steps", 0)                      # below the inner ToySampler's min of 1
    ed.queue_and_wait(lambda: ed.js("async () => { window.__queued = await app.queuePrompt(); }"))
    assert list(ed.js("window.__queued.node_errors")) == ["20:1"]      # 31 still runs, 30 does not
    errors = ed.js("app.nodeErrors")
    assert list(errors) == ["20"] and errors["20"]["lines"][0].startswith("ToySampler #20:1: steps: ")
    page.wait_for_selector("#messages .message.error:has-text('A › ToySampler')")
    # a node type inside a subgraph that this server lacks is named when the workflow loads
    workflow["definitions"]["subgraphs"][1]["nodes"][0]["type"] = "NoSuchInnerNode"
    path.write_text(json.dumps(workflow))
    ed.js("app.panels.clearMessages()")
    page.set_input_files("#file-input", str(path))
    page.wait_for_selector("#messages .message.error:has-text('not installed on this server')")
    assert "NoSuchInnerNode" in page.locator("#messages .message.error").first.inner_text()
    assert ed.js("app.graph.getNodeById(20).title") == "A"
    assert ed.errors == []
