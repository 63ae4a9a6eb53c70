"""The server's shortcuts around JSON (depth check on the text, history kept as text) give the same
results as the straightforward code they replace."""
from __future__ import annotations

import json

import pytest

from engine.server.bodies import MAX_JSON_DEPTH, json_depth, loads_bounded
from engine.server.queue import PromptQueue, PromptStore, QueueItem, history_entry


def _walk_depth(value) -> int:
    """Reference: nesting depth by walking the parsed value (iteratively)."""
    best = 0
    stack = [(value, 1)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, (dict, list)):
            best = max(best, d)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, d + 1) for c in children)
    return best


@pytest.mark.parametrize("text", [
    "1", '"a"', "null", "[]", "{}", "[[[]]]", '{"a": [{"b": "]]]]"}]}', '"\\\\"',
    '["\\\\", "[", "\\\\\\""]', '["{", "}"]', '[["[\\"", 1]]', '{"\\u00e9[": [1, {"x": "}{"}]}',
    '{"k\\\\": ["\\\\\\\\[", [[]]]}', '[{"a": {}}, [[[[]]]], "[[[[[[[["]',
    "[" * 100 + "]" * 100, "[" * 101 + "]" * 101, '{"a": ' * 60 + "1" + "}" * 60,
])
def test_json_depth_matches_a_walk_of_the_parsed_value(text):
    want = _walk_depth(json.loads(text))
    assert json_depth(text) == min(want, MAX_JSON_DEPTH + 1)
    assert json_depth(text.encode()) == min(want, MAX_JSON_DEPTH + 1)


def test_loads_bounded_refuses_one_level_too_deep_and_keeps_the_limit():
    ok = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert loads_bounded(ok) == json.loads(ok)
    with pytest.raises(ValueError, match="nested deeper than"):
        loads_bounded("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    # brackets inside strings do not count
    assert loads_bounded(json.dumps({"s": "[" * 500})) == {"s": "[" * 500}


def test_history_entry_text_is_the_json_of_the_entry(tmp_path):
    prompt = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 3}},
              "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0], "note": "é \"q\" \\"}}}
    item = QueueItem(number=4, prompt_id="p\"1", prompt=prompt, extra_data={"client_id": "c", "n": 1.5},
                     outputs=["2"])
    outputs = {"2": {"text": ["3"]}}
    status = {"status_str": "success", "completed": True,
              "messages": [["execution_start", {"prompt_id": "p\"1", "timestamp": 1}]]}
    meta = {"2": {"node_id": "2", "display_node": "2", "parent_node": None, "real_node_id": "2"}}
    entry, text = history_entry(item, outputs, status, meta)
    assert text == json.dumps(entry)
    assert json.loads(text) == {"prompt": [4, "p\"1", prompt, {"client_id": "c", "n": 1.5}, ["2"]],
                                "outputs": outputs, "status": status, "meta": meta}

    q = PromptQueue(PromptStore(str(tmp_path / "q.db")))
    q.put(item)
    got = q.get(0)
    assert got.prompt_json == json.dumps(prompt)       # serialised once, when stored
    q.task_done(got, entry, text)
    assert q.store.history_item_json("p\"1") == text
    assert q.store.history_item("p\"1") == json.loads(text)
    assert q.store.history_item_json("missing") is None


def test_recovered_item_reuses_the_stored_prompt_text(tmp_path):
    db = str(tmp_path / "q.db")
    q = PromptQueue(PromptStore(db))
    q.put(QueueItem(number=0, prompt_id="a", prompt={"1": {"class_type": "X", "inputs": {"v": [1, 2]}}},
                    extra_data={}, outputs=["1"]))
    _, pending = PromptQueue(PromptStore(db)).snapshot()
    assert pending[0].prompt == {"1": {"class_type": "X", "inputs": {"v": [1, 2]}}}
    assert json.loads(pending[0].as_list_json()) == pending[0].as_list()
