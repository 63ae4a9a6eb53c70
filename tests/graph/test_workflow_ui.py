"""UI (editor) format -> API prompt, as the editor's graphToPrompt does it."""
from __future__ import annotations

import copy
import json
import os

import pytest

from engine.graph.workflow import WorkflowError, load_workflow_file, ui_to_api, widget_names, workflow_to_prompt

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def _load(name: str) -> dict:
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


def test_ui_fixture_converts_to_the_hand_written_api_prompt(registry):
    # Covers: bypassed node (2) stitched through, reroute (3), primitive node (4) driving a widget,
    # seed + control_after_generate widget not sent, muted output (7) and muted source (9, its link dropped
    # so the widget value stays), a Note (8), a node title in _meta.
    assert ui_to_api(_load("ui_workflow.json"), registry) == _load("api_expected.json")


def test_v1_links_convert_the_same(registry):
    wf = _load("ui_workflow.json")
    v1 = copy.deepcopy(wf)
    v1["version"] = 1
    v1["links"] = [{"id": l[0], "origin_id": l[1], "origin_slot": l[2], "target_id": l[3], "target_slot": l[4],
                    "type": l[5]} for l in wf["links"]]
    assert ui_to_api(v1, registry) == _load("api_expected.json")


def test_converted_prompt_runs(executor):
    prompt = load_workflow_file(os.path.join(FIXTURES, "ui_workflow.json"), executor.registry)
    res = executor.execute(prompt, "ui")
    assert res.success, res.error
    assert res.outputs["11"]["value"] == [35]
    out = os.path.join(executor.context.paths.output_dir, res.outputs["6"]["images"][0]["filename"])
    with open(out, encoding="utf-8") as f:
        assert f.read() == "tiny-b.safetensors|[]|156680208700286|12|7.5|dpmpp_2m|karras|0.8"


def test_widget_list_has_control_widgets(registry):
    names = widget_names(registry.input_specs("ToySampler"))
    assert names == [("seed", True), ("control_after_generate", False), ("steps", True), ("cfg", True),
                     ("sampler_name", True), ("scheduler", True), ("denoise", True)]


def test_bypass_drops_a_link_with_no_input_of_the_target_type(registry):
    # Re-wire the SaveText's STRING input to come from the bypassed ToyPatch (inputs: TOYMODEL only).
    wf = _load("ui_workflow.json")
    wf["links"][4] = [5, 2, 0, 6, 0, "STRING"]
    prompt = ui_to_api(wf, registry)
    assert prompt["6"]["inputs"] == {"filename_prefix": "toyprefix"}


def test_bypass_picks_the_input_of_the_target_type(registry):
    wf = _load("ui_workflow.json")
    # ToyPatch bypassed with its STRING-compatible... use the TOYMODEL target: same-index input 0 is chosen.
    prompt = ui_to_api(wf, registry)
    assert prompt["5"]["inputs"]["model"] == ["1", 0]
    # Muting the loader behind the bypassed node drops the link altogether.
    wf["nodes"][0]["mode"] = 2
    assert "model" not in ui_to_api(wf, registry)["5"]["inputs"]


def test_array_widget_values_are_wrapped(registry):
    class Multi:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"items": ("STRING", {})}}
        RETURN_TYPES = ()
        FUNCTION = "run"
        OUTPUT_NODE = True

        def run(self, items):
            return ()

    registry.register("Multi", Multi)
    wf = {"nodes": [{"id": 1, "type": "Multi", "mode": 0, "inputs": [], "outputs": [],
                     "widgets_values": [["a", "b"]]}], "links": [], "version": 0.4}
    assert ui_to_api(wf, registry)["1"]["inputs"] == {"items": {"__value__": ["a", "b"]}}


def test_extra_trailing_widget_values_are_ignored(registry):
    wf = {"nodes": [{"id": 1, "type": "ToyChoice", "mode": 0, "inputs": [], "outputs": [],
                     "widgets_values": ["beta", "hi", "image"]}], "links": [], "version": 0.4}
    assert ui_to_api(wf, registry)["1"]["inputs"] == {"choice": "beta", "text": "hi"}


def test_workflow_to_prompt_accepts_both_formats_and_post_bodies(registry):
    api = _load("api_expected.json")
    assert workflow_to_prompt(api, registry) is api
    assert workflow_to_prompt({"prompt": api, "client_id": "x"}, registry) is api
    assert workflow_to_prompt(_load("ui_workflow.json"), registry) == api
    with pytest.raises(WorkflowError, match="neither"):
        workflow_to_prompt({"foo": 1}, registry)
    with pytest.raises(WorkflowError, match="registry"):
        workflow_to_prompt(_load("ui_workflow.json"), None)


def test_png_with_metadata_loads(tmp_path, registry):
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo
    info = PngInfo()
    info.add_text("prompt", json.dumps(_load("api_expected.json")))
    info.add_text("workflow", json.dumps(_load("ui_workflow.json")))
    path = str(tmp_path / "x.png")
    Image.new("RGB", (4, 4)).save(path, pnginfo=info)
    assert load_workflow_file(path, registry) == _load("api_expected.json")


def _subgraph_workflow() -> dict:
    """Top level: loader -> subgraph A (promoted 'steps' widget) -> two outputs; A nests subgraph B."""
    sg_b = {"id": "sg-b", "name": "B", "inputs": [], "outputs": [{"id": "o", "name": "INT", "type": "INT",
                                                                   "linkIds": [201]}],
            "nodes": [{"id": 1, "type": "ToyConstInt", "mode": 0, "inputs": [],
                       "outputs": [{"name": "INT", "type": "INT", "links": [201]}], "widgets_values": [8]}],
            "links": [{"id": 201, "origin_id": 1, "origin_slot": 0, "target_id": -20, "target_slot": 0,
                       "type": "INT"}]}
    sg_a = {"id": "sg-a", "name": "A",
            "inputs": [{"id": "i0", "name": "model", "type": "TOYMODEL", "linkIds": [101]},
                       {"id": "i1", "name": "steps", "type": "INT", "linkIds": [102]}],
            "outputs": [{"id": "o0", "name": "STRING", "type": "STRING", "linkIds": [103]},
                        {"id": "o1", "name": "sum", "type": "INT", "linkIds": [105]}],
            "nodes": [
                {"id": 1, "type": "ToySampler", "mode": 0, "title": "Inner Sampler",
                 "inputs": [{"name": "model", "type": "TOYMODEL", "link": 101},
                            {"name": "steps", "type": "INT", "link": 102, "widget": {"name": "steps"}}],
                 "outputs": [{"name": "STRING", "type": "STRING", "links": [103]}],
                 "widgets_values": [5, "fixed", 20, 6.0, "euler", "normal", 1.0]},
                {"id": 2, "type": "sg-b", "mode": 0, "inputs": [],
                 "outputs": [{"name": "INT", "type": "INT", "links": [104]}]},
                {"id": 3, "type": "ToyAdd", "mode": 0,
                 "inputs": [{"name": "a", "type": "INT", "link": 104, "widget": {"name": "a"}}],
                 "outputs": [{"name": "sum", "type": "INT", "links": [105]}], "widgets_values": [0, 4]}],
            "links": [
                {"id": 101, "origin_id": -10, "origin_slot": 0, "target_id": 1, "target_slot": 0, "type": "TOYMODEL"},
                {"id": 102, "origin_id": -10, "origin_slot": 1, "target_id": 1, "target_slot": 1, "type": "INT"},
                {"id": 103, "origin_id": 1, "origin_slot": 0, "target_id": -20, "target_slot": 0, "type": "STRING"},
                {"id": 104, "origin_id": 2, "origin_slot": 0, "target_id": 3, "target_slot": 0, "type": "INT"},
                {"id": 105, "origin_id": 3, "origin_slot": 0, "target_id": -20, "target_slot": 1, "type": "INT"}]}
    return {
        "version": 0.4, "last_node_id": 31, "last_link_id": 3,
        "definitions": {"subgraphs": [sg_a, sg_b]},
        "nodes": [
            {"id": 1, "type": "ToyLoader", "mode": 0, "inputs": [],
             "outputs": [{"name": "model", "type": "TOYMODEL", "links": [1]}], "widgets_values": ["tiny-a.safetensors"]},
            {"id": 20, "type": "sg-a", "mode": 0,
             "inputs": [{"name": "model", "type": "TOYMODEL", "link": 1},
                        {"name": "steps", "type": "INT", "link": None, "widget": {"name": "steps"}}],
             "outputs": [{"name": "STRING", "type": "STRING", "links": [2]}, {"name": "sum", "type": "INT", "links": [3]}],
             "widgets_values": [9]},
            {"id": 30, "type": "ToyOutput", "mode": 0, "inputs": [{"name": "value", "type": "*", "link": 2}],
             "outputs": []},
            {"id": 31, "type": "ToyOutput", "mode": 0, "inputs": [{"name": "value", "type": "*", "link": 3}],
             "outputs": []}],
        "links": [[1, 1, 0, 20, 0, "TOYMODEL"], [2, 20, 0, 30, 0, "STRING"], [3, 20, 1, 31, 0, "INT"]],
    }


def _primitive_feeds_instance() -> dict:
    """A PrimitiveNode drives instance 20's promoted 'steps' input."""
    wf = _subgraph_workflow()
    wf["nodes"].append({"id": 41, "type": "PrimitiveNode", "mode": 0, "inputs": [],
                        "outputs": [{"name": "INT", "type": "INT", "links": [7], "widget": {"name": "steps"}}],
                        "widgets_values": [13, "fixed"]})
    wf["nodes"][1]["inputs"][1]["link"] = 7
    wf["links"].append([7, 41, 0, 20, 1, "INT"])
    return wf


def _nested_promoted() -> dict:
    """Subgraph B gets a promoted 'value' input; A forwards its own promoted input 'inner' into it."""
    wf = _subgraph_workflow()
    sg_a, sg_b = wf["definitions"]["subgraphs"]
    sg_b["inputs"] = [{"id": "bi", "name": "value", "type": "INT", "linkIds": [202]}]
    sg_b["nodes"][0]["inputs"] = [{"name": "value", "type": "INT", "link": 202, "widget": {"name": "value"}}]
    sg_b["links"].append({"id": 202, "origin_id": -10, "origin_slot": 0, "target_id": 1, "target_slot": 0,
                          "type": "INT"})
    sg_a["inputs"].append({"id": "i2", "name": "inner", "type": "INT", "linkIds": [106]})
    sg_a["nodes"][1]["inputs"] = [{"name": "value", "type": "INT", "link": 106, "widget": {"name": "value"}}]
    sg_a["nodes"][1]["widgets_values"] = [8]
    sg_a["links"].append({"id": 106, "origin_id": -10, "origin_slot": 2, "target_id": 2, "target_slot": 0,
                          "type": "INT"})
    wf["nodes"][1]["inputs"].append({"name": "inner", "type": "INT", "link": None, "widget": {"name": "inner"}})
    wf["nodes"][1]["widgets_values"] = [9, 21]
    return wf


def _pass_through(linked: bool) -> dict:
    """A's third output is wired straight to its 'steps' input: value-fed, or link-fed from node 40."""
    wf = _subgraph_workflow()
    sg_a = wf["definitions"]["subgraphs"][0]
    sg_a["outputs"].append({"id": "o2", "name": "pass", "type": "INT", "linkIds": [107]})
    sg_a["links"].append({"id": 107, "origin_id": -10, "origin_slot": 1, "target_id": -20, "target_slot": 2,
                          "type": "INT"})
    wf["nodes"][1]["outputs"].append({"name": "pass", "type": "INT", "links": [8]})
    wf["nodes"].append({"id": 33, "type": "ToyOutput", "mode": 0, "inputs": [{"name": "value", "type": "*", "link": 8}],
                        "outputs": []})
    wf["links"].append([8, 20, 2, 33, 0, "INT"])
    if linked:
        wf["nodes"].append({"id": 40, "type": "ToyConstInt", "mode": 0, "inputs": [],
                            "outputs": [{"name": "INT", "type": "INT", "links": [4]}], "widgets_values": [3]})
        wf["nodes"][1]["inputs"][1]["link"] = 4
        wf["links"].append([4, 40, 0, 20, 1, "INT"])
    return wf


def test_subgraph_edge_cases_flatten_as_the_editor_does(registry, executor):
    """A primitive feeding an instance input, a promoted value forwarded into a nested instance, and an
    output wired straight to an input (fed by a value or by a link) all reach the right inner inputs."""
    p = ui_to_api(_primitive_feeds_instance(), registry)
    assert p["20:1"]["inputs"]["steps"] == 13 and "41" not in p
    p = ui_to_api(_nested_promoted(), registry)
    assert p["20:2:1"]["inputs"] == {"value": 21} and p["20:1"]["inputs"]["steps"] == 9
    res = executor.execute(p, "nested")
    assert res.success and res.outputs["31"]["value"] == [25]
    p = ui_to_api(_pass_through(linked=False), registry)
    assert p["33"]["inputs"] == {"value": 9}
    p = ui_to_api(_pass_through(linked=True), registry)
    assert p["33"]["inputs"] == {"value": ["40", 0]} and p["20:1"]["inputs"]["steps"] == ["40", 0]
    assert executor.execute(p, "pass").outputs["33"]["value"] == [3]


def test_subgraphs_flatten_with_outer_inner_ids(registry, executor):
    prompt = ui_to_api(_subgraph_workflow(), registry)
    strip = {k: (v["class_type"], v["inputs"]) for k, v in prompt.items()}
    assert strip == {
        "1": ("ToyLoader", {"name": "tiny-a.safetensors"}),
        "20:1": ("ToySampler", {"seed": 5, "steps": 9, "cfg": 6.0, "sampler_name": "euler", "scheduler": "normal",
                                "denoise": 1.0, "model": ["1", 0]}),
        "20:2:1": ("ToyConstInt", {"value": 8}),
        "20:3": ("ToyAdd", {"a": ["20:2:1", 0], "b": 4}),
        "30": ("ToyOutput", {"value": ["20:1", 0]}),
        "31": ("ToyOutput", {"value": ["20:3", 0]}),
    }
    assert prompt["20:1"]["_meta"]["title"] == "Inner Sampler"
    res = executor.execute(prompt, "sg")
    assert res.success and res.outputs["31"]["value"] == [12]


def test_muted_subgraph_instance_drops_its_nodes(registry):
    wf = _subgraph_workflow()
    wf["nodes"][1]["mode"] = 2
    prompt = ui_to_api(wf, registry)
    assert sorted(prompt) == ["1", "30", "31"] and prompt["30"]["inputs"] == {}
