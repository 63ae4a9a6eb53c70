"""validate_prompt: every ComfyUI error type, coercion, custom validation, cycles, big graphs."""
from __future__ import annotations

import copy

from engine.graph.workflow import validate_prompt
from tests.graph.conftest import chain_prompt


def _out(src: str) -> dict:
    return {"class_type": "ToyOutput", "inputs": {"value": [src, 0]}}


def _errors(node_errors: dict, nid: str) -> list[dict]:
    return node_errors[nid]["errors"]


def test_valid_prompt_lists_its_outputs(registry):
    p = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 3}}, "2": _out("1"), "3": _out("1")}
    ok, err, outs, node_errors = validate_prompt(p, registry)
    assert ok and err is None and sorted(outs) == ["2", "3"] and node_errors == {}


def test_missing_class_type_and_unknown_class(registry):
    ok, err, outs, _ = validate_prompt({"5": {"inputs": {}}}, registry)
    assert not ok and err["type"] == "invalid_prompt" and err["details"] == "Node ID '#5'"
    assert err["message"] == "Cannot execute because a node is missing the class_type property."
    ok, err, _, _ = validate_prompt({"7": {"class_type": "Nope", "inputs": {}}}, registry)
    assert err["type"] == "invalid_prompt"
    assert err["message"] == "Cannot execute because node Nope does not exist." and err["details"] == "Node ID '#7'"


def test_no_output_nodes(registry):
    ok, err, outs, node_errors = validate_prompt({"1": {"class_type": "ToyConstInt", "inputs": {"value": 1}}}, registry)
    assert not ok and err == {"type": "prompt_no_outputs", "message": "Prompt has no outputs", "details": "",
                              "extra_info": {}}


def test_required_input_missing(registry):
    p = {"1": {"class_type": "ToyAdd", "inputs": {"a": 1}}, "2": _out("1")}
    ok, err, outs, ne = validate_prompt(p, registry)
    assert not ok and err["type"] == "prompt_outputs_failed_validation"
    assert err["message"] == "Prompt outputs failed validation"
    assert ne["1"]["class_type"] == "ToyAdd" and ne["1"]["dependent_outputs"] == ["2"]
    e = _errors(ne, "1")[0]
    assert e == {"type": "required_input_missing", "message": "Required input is missing", "details": "b",
                 "extra_info": {"input_name": "b"}}
    assert "2" not in ne  # downstream nodes of a broken node are not listed
    assert "Required input is missing: b" in err["details"]


def test_bad_links(registry):
    p = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 1}},
         "2": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0, 5], "b": ["9", 0]}}, "3": _out("2"),
         "4": {"class_type": "ToyAdd", "inputs": {"a": ["1", 3], "b": 1}}, "5": _out("4")}
    ok, err, outs, ne = validate_prompt(p, registry)
    types = {e["extra_info"]["input_name"]: e for e in _errors(ne, "2")}
    assert types["a"]["type"] == "bad_linked_input"
    assert types["a"]["message"] == "Bad linked input, must be a length-2 list of [node_id, slot_index]"
    assert types["b"]["type"] == "bad_linked_input" and "'9'" in types["b"]["details"]
    e4 = _errors(ne, "4")[0]
    assert e4["type"] == "bad_linked_input" and "output 3" in e4["details"]


def test_a_link_output_index_must_be_whole(registry):
    """[id, 0.5] is refused (ComfyUI fails indexing its outputs with it); [id, 0.0] is output 0."""
    p = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 1}},
         "2": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0.5], "b": 1}}, "3": _out("2")}
    ok, err, outs, ne = validate_prompt(p, registry)
    e = _errors(ne, "2")[0]
    assert not ok and e["type"] == "bad_linked_input" and "whole number" in e["message"] and "0.5" in e["details"]
    p["2"]["inputs"]["a"] = ["1", 0.0]
    ok, err, outs, ne = validate_prompt(p, registry)
    assert ok and p["2"]["inputs"]["a"] == ["1", 0] and type(p["2"]["inputs"]["a"][1]) is int


def test_return_type_mismatch_names_the_node(registry):
    p = {"1": {"class_type": "ToyConstString", "inputs": {"text": "x"}},
         "2": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 1}}, "3": _out("2")}
    ok, err, outs, ne = validate_prompt(p, registry)
    e = _errors(ne, "2")[0]
    assert e["type"] == "return_type_mismatch"
    assert e["message"] == "Return type mismatch between linked nodes"
    assert e["details"] == "a, received_type(STRING) mismatch input_type(INT)"
    assert e["extra_info"]["received_type"] == "STRING" and e["extra_info"]["linked_node"] == ["1", 0]


def test_any_type_accepts_everything(registry):
    p = {"1": {"class_type": "ToyConstString", "inputs": {"text": "x"}}, "2": _out("1")}
    assert validate_prompt(p, registry)[0]


def test_invalid_literal_type_and_coercion(registry):
    p = {"1": {"class_type": "ToyAdd", "inputs": {"a": "12", "b": "x"}}, "2": _out("1")}
    ok, err, outs, ne = validate_prompt(p, registry)
    e = _errors(ne, "1")[0]
    assert e["type"] == "invalid_input_type"
    assert e["message"] == "Failed to convert an input value to a INT value"
    assert e["extra_info"]["input_name"] == "b" and e["extra_info"]["received_value"] == "x"
    p["1"]["inputs"]["b"] = 2.0
    assert validate_prompt(p, registry)[0]
    assert p["1"]["inputs"] == {"a": 12, "b": 2}  # coerced in place like ComfyUI


def test_min_max(registry):
    p = {"1": {"class_type": "ToyFloat", "inputs": {"value": -0.5}}, "2": _out("1")}
    ok, err, outs, ne = validate_prompt(p, registry)
    e = _errors(ne, "1")[0]
    assert e["type"] == "value_smaller_than_min" and e["message"] == "Value -0.5 smaller than min of 0.0"
    p["1"]["inputs"]["value"] = 2
    e = _errors(validate_prompt(p, registry)[3], "1")[0]
    assert e["type"] == "value_bigger_than_max" and e["message"] == "Value 2.0 bigger than max of 1.0"
    assert e["extra_info"]["input_config"][0] == "FLOAT"


def test_combo_value_not_in_list_and_value_unwrap(registry):
    p = {"1": {"class_type": "ToyChoice", "inputs": {"choice": "delta", "text": "t"}}, "2": _out("1")}
    e = _errors(validate_prompt(p, registry)[3], "1")[0]
    assert e["type"] == "value_not_in_list" and e["message"] == "Value not in list"
    assert e["details"] == "choice: 'delta' not in ['alpha', 'beta', 'gamma']"
    p["1"]["inputs"]["choice"] = {"__value__": "beta"}
    p["1"]["inputs"]["text"] = {"__value__": "t"}
    assert validate_prompt(p, registry)[0]
    assert p["1"]["inputs"]["choice"] == "beta"


def test_custom_validation_and_skipped_builtin_checks(registry):
    p = {"1": {"class_type": "ToyChoice", "inputs": {"choice": "alpha", "text": "forbidden"}}, "2": _out("1")}
    e = _errors(validate_prompt(p, registry)[3], "1")[0]
    assert e["type"] == "custom_validation_failed" and e["message"] == "Custom validation failed for node"
    assert e["details"] == "text - text may not be 'forbidden'"


def test_validate_inputs_naming_an_input_skips_range_checks(registry):
    class Loose:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"n": ("INT", {"min": 0, "max": 5}), "c": (["a", "b"],)}}
        RETURN_TYPES = ("INT",)
        FUNCTION = "run"
        OUTPUT_NODE = True

        @classmethod
        def VALIDATE_INPUTS(cls, n, c):
            return True

        def run(self, n, c):
            return (n,)

    registry.register("Loose", Loose)
    p = {"1": {"class_type": "Loose", "inputs": {"n": 99, "c": "zzz"}}}
    assert validate_prompt(p, registry)[0]


def test_validate_inputs_input_types_disables_type_check(registry):
    class Typed:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"x": ("FLOAT",)}}
        RETURN_TYPES = ()
        FUNCTION = "run"
        OUTPUT_NODE = True
        seen = {}

        @classmethod
        def VALIDATE_INPUTS(cls, input_types, x=None):
            cls.seen = dict(input_types)
            return True

        def run(self, x):
            return ()

    registry.register("Typed", Typed)
    p = {"1": {"class_type": "ToyConstString", "inputs": {"text": "s"}},
         "2": {"class_type": "Typed", "inputs": {"x": ["1", 0]}}}
    assert validate_prompt(p, registry)[0]
    assert Typed.seen == {"x": "STRING"}


def test_union_types(registry):
    class Union:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"x": ("STRING,INT",)}}
        RETURN_TYPES = ()
        FUNCTION = "run"
        OUTPUT_NODE = True

        def run(self, x):
            return ()

    registry.register("Union", Union)
    p = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 1}}, "2": {"class_type": "Union", "inputs": {"x": ["1", 0]}},
         "3": {"class_type": "ToyFloat", "inputs": {"value": 0.5}}, "4": {"class_type": "Union", "inputs": {"x": ["3", 0]}}}
    ok, err, outs, ne = validate_prompt(p, registry)
    assert ok and outs == ["2"]  # one output valid: the prompt runs, node 4's error is still reported
    assert ne["4"]["errors"][0]["type"] == "return_type_mismatch"


def test_cycle_is_rejected_with_node_ids(registry):
    p = {"1": {"class_type": "ToyAdd", "inputs": {"a": ["3", 0], "b": 1}},
         "2": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 1}},
         "3": {"class_type": "ToyAdd", "inputs": {"a": ["2", 0], "b": 1}},
         "4": {"class_type": "ToyAdd", "inputs": {"a": ["3", 0], "b": 1}},
         "5": _out("4")}
    ok, err, outs, ne = validate_prompt(p, registry)
    assert not ok and sorted(ne) == ["1", "2", "3"]
    e = ne["2"]["errors"][0]
    assert e["type"] == "dependency_cycle" and e["extra_info"]["node_ids"] == ["1", "2", "3"]
    assert ne["2"]["dependent_outputs"] == ["5"]


def test_unconnected_invalid_nodes_are_ignored(registry):
    p = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 1}}, "2": _out("1"),
         "3": {"class_type": "ToyAdd", "inputs": {}}}
    ok, err, outs, ne = validate_prompt(p, registry)
    assert ok and ne == {}


def test_partial_execution_targets(registry):
    p = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 1}}, "2": _out("1"),
         "3": {"class_type": "ToyAdd", "inputs": {"a": 1}}, "4": _out("3")}
    ok, err, outs, ne = validate_prompt(copy.deepcopy(p), registry, partial_execution_targets=["2"])
    assert ok and outs == ["2"] and ne == {}
    ok, err, outs, ne = validate_prompt(copy.deepcopy(p), registry, partial_execution_targets=["1"])
    assert not ok and err["type"] == "prompt_no_outputs"


def test_10000_node_chain_validates(registry):
    p = chain_prompt(10000)
    ok, err, outs, ne = validate_prompt(p, registry)
    assert ok and outs == ["9999"]
    p["5000"]["inputs"]["b"] = "oops"
    ok, err, outs, ne = validate_prompt(p, registry)
    assert not ok and list(ne) == ["5000"]


def test_10000_node_cycle_is_found(registry):
    p = chain_prompt(10000)
    p["0"] = {"class_type": "ToyAdd", "inputs": {"a": ["9998", 0], "b": 1}}
    ok, err, outs, ne = validate_prompt(p, registry)
    assert not ok and len(ne) == 9999 and ne["0"]["errors"][0]["type"] == "dependency_cycle"


def test_exception_inside_validate_inputs_is_reported(registry):
    class Raises:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"x": ("INT", {"default": 0})}}
        RETURN_TYPES = ()
        FUNCTION = "run"
        OUTPUT_NODE = True

        @classmethod
        def VALIDATE_INPUTS(cls, x):
            raise RuntimeError("validator blew up")

        def run(self, x):
            return ()

    registry.register("Raises", Raises)
    ok, err, outs, ne = validate_prompt({"1": {"class_type": "Raises", "inputs": {"x": 1}}}, registry)
    e = ne["1"]["errors"][0]
    assert not ok and e["type"] == "exception_during_validation" and e["details"] == "validator blew up"
    assert e["extra_info"]["exception_type"] == "RuntimeError" and e["extra_info"]["traceback"]
