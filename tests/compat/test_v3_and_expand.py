"""V3 nodes through the V1 adapter, V3 pack loading by plugins.py, GraphBuilder expansion, in-process."""
import pytest

from engine.graph.cache import make_cache
from engine.graph.context import NodeContext
from engine.graph.executor import Executor
from engine.graph.plugins import load_custom_nodes
from engine.graph.registry import Registry
from tests.toy_nodes import register_toy_nodes


def _engine(compat):
    registry = Registry(NodeContext(paths=compat.paths))
    register_toy_nodes(registry)
    return registry, Executor(registry, make_cache("none"), registry.context)


def _v3_nodes():
    from comfy_api.latest import io

    class Pick(io.ComfyNode):
        @classmethod
        def define_schema(cls):
            return io.Schema(node_id="V3Pick", inputs=[
                io.Boolean.Input("first"),
                io.Int.Input("a", lazy=True), io.Int.Input("b", lazy=True)],
                outputs=[io.Int.Output()], hidden=[io.Hidden.prompt, io.Hidden.unique_id])

        @classmethod
        def check_lazy_status(cls, first, a=None, b=None):
            return ["a"] if first else ["b"]

        @classmethod
        def fingerprint_inputs(cls, first):
            return first

        @classmethod
        def execute(cls, first, a=None, b=None):
            assert cls.hidden.unique_id == "3" and "3" in cls.hidden.prompt
            return io.NodeOutput(a if first else b)

    class Gate(io.ComfyNode):
        @classmethod
        def define_schema(cls):
            return io.Schema(node_id="V3Gate", inputs=[io.Int.Input("value"), io.Boolean.Input("open")],
                             outputs=[io.Int.Output()])

        @classmethod
        def execute(cls, value, open):
            return io.NodeOutput(value) if open else io.NodeOutput(block_execution="gate closed")

    return Pick, Gate


def test_v3_lazy_inputs_hidden_values_and_blocking(compat):
    from engine.compat.v3 import v1_class
    registry, executor = _engine(compat)
    for node in _v3_nodes():
        adapter = v1_class(node)
        registry.register(node.GET_SCHEMA().node_id, adapter)
    prompt = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 10}},
              "2": {"class_type": "ToyFail", "inputs": {"value": 0, "message": "b must not run"}},
              "3": {"class_type": "V3Pick", "inputs": {"first": True, "a": ["1", 0], "b": ["2", 0]}},
              "4": {"class_type": "ToyOutput", "inputs": {"value": ["3", 0]}}}
    result = executor.execute(prompt, "p1")
    assert result.success, result.error
    assert result.outputs["4"]["value"] == [10] and "2" not in result.executed   # b was never evaluated
    blocked = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 1}},
               "5": {"class_type": "V3Gate", "inputs": {"value": ["1", 0], "open": False}},
               "6": {"class_type": "ToyOutput", "inputs": {"value": ["5", 0]}}}
    result = executor.execute(blocked, "p2")
    assert not result.success and "gate closed" in result.error["exception_message"]


def test_v3_adapter_rejects_bad_classes_and_results(compat):
    from comfy_api.latest import io
    from engine.compat.v3 import v1_class

    class NoId(io.ComfyNode):
        @classmethod
        def define_schema(cls):
            return io.Schema(node_id="", inputs=[])

    with pytest.raises(ValueError, match="node_id"):
        v1_class(NoId)
    with pytest.raises(TypeError, match="not an io.ComfyNode"):
        v1_class(dict)

    class Bad(io.ComfyNode):
        @classmethod
        def define_schema(cls):
            return io.Schema(node_id="V3Bad", inputs=[io.Int.Input("x", bogus=1)], outputs=[io.Int.Output()])

    with pytest.raises(TypeError, match="bogus"):
        v1_class(Bad).INPUT_TYPES()


def test_plugins_register_v3_pack_and_report_broken_entrypoint(compat, tmp_path):
    import shutil
    import os
    folder = tmp_path / "cn"
    folder.mkdir()
    shutil.copy(os.path.join(os.path.dirname(__file__), "packs", "v3_pack.py"), folder / "v3_pack.py")
    (folder / "broken_v3.py").write_text("def comfy_entrypoint():\n    return 42\n")
    registry, _ = _engine(compat)
    reports = {r.name: r for r in load_custom_nodes(registry, [str(folder)])}
    assert reports["v3_pack"].nodes == ["V3RepeatText", "V3AsyncLength"]
    assert registry.display_name("V3RepeatText") == "Repeat Text (V3)"
    assert "expected a ComfyExtension" in registry.load_errors["broken_v3"]
    info = registry.node_info("V3RepeatText")
    assert info["input"]["required"]["sep"] == ("COMBO", {"options": ["-", "+"], "default": "-"})


def test_graph_builder_expansion_runs(compat):
    from comfy_execution.graph_utils import GraphBuilder
    registry, executor = _engine(compat)

    class AddThrice:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"x": ("INT", {"default": 0})}}
        RETURN_TYPES = ("INT",)
        FUNCTION = "run"
        CATEGORY = "test"

        def run(self, x):
            g = GraphBuilder()
            c = g.node("ToyConstInt", value=x)
            a1 = g.node("ToyAdd", a=c.out(0), b=c.out(0))
            a2 = g.node("ToyAdd", id="last", a=a1.out(0), b=c.out(0))
            assert g.lookup_node("last") is a2
            return {"result": (a2.out(0),), "expand": g.finalize()}

    registry.register("AddThrice", AddThrice)
    prompt = {"1": {"class_type": "AddThrice", "inputs": {"x": 7}},
              "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}
    result = executor.execute(prompt, "p")
    assert result.success, result.error
    assert result.outputs["2"]["value"] == [21]
    assert any(nid.startswith("1.") for nid in result.executed)


def test_v3_ui_preview_image_and_text(compat):
    import json
    import os

    import torch
    from PIL import Image
    from comfy_api.latest import io, ui
    from engine.compat.v3 import v1_class

    class Show(io.ComfyNode):
        @classmethod
        def define_schema(cls):
            return io.Schema(node_id="V3Show", inputs=[io.Int.Input("v"), io.String.Input("prompt")],
                             outputs=[], hidden=[io.Hidden.prompt], is_output_node=True)

        @classmethod
        def execute(cls, v, prompt):
            assert prompt == "an input, not the hidden prompt"
            img = torch.zeros(2, 4, 6, 3)
            img[..., 0] = v / 255.0
            shown = ui.PreviewImage(img, cls=cls).as_dict()
            return io.NodeOutput(ui={**shown, **ui.PreviewText(f"v={v}").as_dict()})

    registry, executor = _engine(compat)
    registry.register("V3Show", v1_class(Show))
    assert registry.node_info("V3Show")["input"]["hidden"] == {"__hidden_prompt": "PROMPT"}
    result = executor.execute({"1": {"class_type": "V3Show", "inputs": {
        "v": 200, "prompt": "an input, not the hidden prompt"}}}, "p")
    assert result.success, result.error
    out = result.outputs["1"]
    assert out["text"] == ["v=200"] and out["animated"] == [False] and len(out["images"]) == 2
    ref = out["images"][1]
    assert ref["type"] == "temp" and ref["subfolder"] == ""
    with Image.open(os.path.join(compat.paths.temp_dir, ref["filename"])) as im:
        assert im.size == (6, 4) and im.getpixel((0, 0)) == (200, 0, 0)
        assert json.loads(im.info["prompt"])["1"]["class_type"] == "V3Show"


def test_v3_class_listed_in_node_class_mappings(compat, tmp_path):
    pack = tmp_path / "cn" / "mixed"
    pack.mkdir(parents=True)
    (pack / "__init__.py").write_text(
        "from comfy_api.latest import io\n"
        "class Double(io.ComfyNode):\n"
        "    @classmethod\n"
        "    def define_schema(cls):\n"
        "        return io.Schema(node_id='MixDouble', inputs=[io.Int.Input('x')], outputs=[io.Int.Output()])\n"
        "    @classmethod\n"
        "    def execute(cls, x):\n"
        "        return io.NodeOutput(2 * x)\n"
        "NODE_CLASS_MAPPINGS = {'MixDouble': Double}\n")
    registry, executor = _engine(compat)
    [report] = load_custom_nodes(registry, [str(tmp_path / "cn")])
    assert report.error is None and report.nodes == ["MixDouble"]
    result = executor.execute({"1": {"class_type": "MixDouble", "inputs": {"x": 21}},
                               "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}, "p")
    assert result.success and result.outputs["2"]["value"] == [42]
