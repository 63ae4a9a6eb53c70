"""Custom node packs: loading, WEB_DIRECTORY, failures reported and skipped, built-in names kept."""
from __future__ import annotations

import os
import textwrap

from engine.graph.plugins import load_custom_nodes
from engine.graph.registry import Registry

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(textwrap.dedent(text))


GOOD = '''
class Shout:
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"text": ("STRING", {"default": "hi"})}}
    RETURN_TYPES = ("STRING",)
    FUNCTION = "run"
    def run(self, text):
        return (text.upper(),)

class ToyAdd:  # clashes with a "built-in" below: must be ignored
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {}}
    RETURN_TYPES = ()
    FUNCTION = "run"
    def run(self):
        return ()

NODE_CLASS_MAPPINGS = {"Shout": Shout, "ToyAdd": ToyAdd}
NODE_DISPLAY_NAME_MAPPINGS = {"Shout": "Shout!"}
'''


def test_example_pack_loads_with_its_web_directory():
    r = Registry()
    reports = load_custom_nodes(r, [os.path.join(REPO, "custom_nodes")])
    assert [x.name for x in reports if x.error] == []
    assert {"ExampleTextTemplate", "ExampleClampInt"} <= set(r.names())
    assert r.display_name("ExampleTextTemplate") == "Text Template (example)"
    assert r.node_info("ExampleClampInt")["python_module"] == "custom_nodes.example_pack"
    web = r.web_dirs["example_pack"]
    assert os.path.isfile(os.path.join(web, "example_pack.js"))


def test_example_pack_nodes_run(tmp_path):
    from engine.graph.cache import make_cache
    from engine.graph.executor import Executor
    from tests.toy_nodes import register_toy_nodes
    r = Registry()
    register_toy_nodes(r)
    load_custom_nodes(r, [os.path.join(REPO, "custom_nodes")])
    p = {"1": {"class_type": "ExampleTextTemplate", "inputs": {"template": "a {value}!", "value": "dog"}},
         "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}},
         "3": {"class_type": "ExampleClampInt", "inputs": {"value": 500, "low": 0, "high": 100}},
         "4": {"class_type": "ToyOutput", "inputs": {"value": ["3", 0]}}}
    res = Executor(r, make_cache()).execute(p, "x")
    assert res.outputs["2"]["value"] == ["a dog!"] and res.outputs["4"]["value"] == [100]
    p["3"]["inputs"].update(low=5, high=1)
    res = Executor(r, make_cache()).execute(p, "y")
    assert res.success and "4" not in res.outputs  # output 4 failed custom validation, 2 still ran


def test_crashing_pack_is_reported_and_others_still_load(tmp_path):
    folder = str(tmp_path / "packs")
    _write(os.path.join(folder, "a_broken", "__init__.py"), "raise RuntimeError('pack exploded')\n")
    _write(os.path.join(folder, "b_exits.py"), "import sys\nsys.exit(3)\n")
    _write(os.path.join(folder, "c_nomap.py"), "X = 1\n")
    _write(os.path.join(folder, "d_good", "__init__.py"), GOOD)
    _write(os.path.join(folder, "e_single.py"), GOOD.replace("Shout", "Whisper").replace('"ToyAdd": ToyAdd', ""))
    _write(os.path.join(folder, "f_off.py.disabled"), "raise RuntimeError('never imported')\n")
    _write(os.path.join(folder, "notes.txt"), "not a pack\n")

    class Builtin:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {}}
        RETURN_TYPES = ()
        FUNCTION = "run"

        def run(self):
            return ()

    r = Registry()
    r.register("ToyAdd", Builtin, module="nodes")
    reports = {x.name: x for x in load_custom_nodes(r, [folder])}
    assert sorted(reports) == ["a_broken", "b_exits", "c_nomap", "d_good", "e_single"]
    assert "RuntimeError: pack exploded" in r.load_errors["a_broken"]
    assert "Traceback" in r.load_errors["a_broken"] and "a_broken" in r.load_errors["a_broken"]
    assert "SystemExit" in r.load_errors["b_exits"]
    assert "NODE_CLASS_MAPPINGS" in r.load_errors["c_nomap"]
    assert reports["d_good"].error is None and reports["d_good"].nodes == ["Shout"]
    assert reports["d_good"].skipped == ["ToyAdd"] and r.get("ToyAdd") is Builtin
    assert r.display_name("Shout") == "Shout!" and "Whisper" in r.names()
    assert r.node_info("Shout")["python_module"] == "custom_nodes.d_good"


def test_whitelist_limits_loading(tmp_path):
    folder = str(tmp_path / "packs")
    _write(os.path.join(folder, "d_good", "__init__.py"), GOOD)
    _write(os.path.join(folder, "e_single.py"), GOOD.replace("Shout", "Whisper"))
    r = Registry()
    reports = load_custom_nodes(r, [folder], whitelist={"e_single"})
    assert [x.name for x in reports] == ["e_single"] and "Shout" not in r.names()


def test_prestartup_scripts_run_and_failures_are_reported(tmp_path):
    from engine.graph.plugins import run_prestartup_scripts
    folder = str(tmp_path / "packs")
    marker = tmp_path / "ran.txt"
    _write(os.path.join(folder, "a_pack", "__init__.py"), GOOD)
    _write(os.path.join(folder, "a_pack", "prestartup_script.py"),
           f"open({str(marker)!r}, 'w').write('yes')\n")
    _write(os.path.join(folder, "b_pack", "__init__.py"), GOOD)
    _write(os.path.join(folder, "b_pack", "prestartup_script.py"), "raise RuntimeError('prestartup broke')\n")
    failures = run_prestartup_scripts([folder])
    assert marker.read_text() == "yes"
    assert list(failures) == ["b_pack"] and "prestartup broke" in failures["b_pack"]
