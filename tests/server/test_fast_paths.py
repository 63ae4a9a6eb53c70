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


class _CaptureHub:
    """Stands in for ws.Hub: records what the listener publishes, as the decoded messages."""

    def __init__(self) -> None:
        self.sent: list[tuple[dict, str | None]] = []

    def wants(self, sid):
        return True

    def publish(self, event, data, sid=None):
        self.sent.append((json.loads(json.dumps({"type": event, "data": data})), sid))

    def publish_text(self, text, sid=None):
        self.sent.append((json.loads(text), sid))
        self.texts.append(text)


@pytest.mark.parametrize("node_id", ["5", "12:3", "a-b_c.d", 'q"uote', "é", "back\\slash", ""])
def test_pre_encoded_executing_and_executed_equal_json_dumps(node_id):
    from engine.server.listener import PromptListener, json_str
    assert json_str(node_id) == json.dumps(node_id)
    hub = _CaptureHub()
    hub.texts = []
    lst = PromptListener(hub, 'pid "1"', "client")
    lst.executing('pid "1"', node_id)
    lst.executed('pid "1"', node_id, {"text": ["x", 1], "nested": {"é": None}})
    want_exec = {"type": "executing", "data": {"node": node_id, "display_node": node_id, "prompt_id": 'pid "1"'}}
    want_done = {"type": "executed", "data": {"node": node_id, "display_node": node_id,
                                              "output": {"text": ["x", 1], "nested": {"é": None}},
                                              "prompt_id": 'pid "1"'}}
    assert hub.sent == [(want_exec, "client"), (want_done, "client")]
    assert hub.texts == [json.dumps(want_exec), json.dumps(want_done)]   # same text, same key order


def test_a_reading_client_gets_every_message_of_a_long_chain_in_order(server):
    """A burst of thousands of per-node messages (batched per loop wake-up) reaches a client that reads
    them all, in order, without the server taking it for a stalled reader."""
    from engine.server.state import STATE
    from tests.server.live import WSClient, request
    n = 3000   # > CLIENT_QUEUE_SIZE messages land at once
    prompt = {"0": {"class_type": "ToyConstInt", "inputs": {"value": 1}}}
    for i in range(1, n - 1):
        prompt[str(i)] = {"class_type": "ToyAdd", "inputs": {"a": [str(i - 1), 0], "b": 1}}
    prompt[str(n - 1)] = {"class_type": "ToyOutput", "inputs": {"value": [str(n - 2), 0]}}
    ws = WSClient(server.base, "burst")
    ws.recv()
    status, out, _ = request(server.base, "POST", "/prompt", {"prompt": prompt, "client_id": "burst"})
    assert status == 200, out
    frames = ws.until_done(out["prompt_id"], limit=2 * n + 100)
    executing = [f["data"]["node"] for f in frames if f["type"] == "executing"]
    assert executing == [str(i) for i in range(n)] + [None]
    assert [f["type"] for f in frames if f["type"] not in ("executing", "status")] == [
        "execution_start", "execution_cached", "executed", "execution_success"]
    assert server.app[STATE].hub.clients.get("burst") is not None   # still connected
    ws.close()
