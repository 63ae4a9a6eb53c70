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
    assert json.loads(text) == entry
    assert json.loads(text) == {"prompt": [4, "p\"1", prompt, {"client_id": "c", "n": 1.5}, ["2"]],
                                "outputs": outputs, "status": status, "meta": meta}

    q = PromptQueue(PromptStore(str(tmp_path / "q.db")))
    q.put(item)
    got = q.get(0)
    assert json.loads(got.prompt_json) == prompt       # serialised once, when stored
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


@pytest.mark.parametrize("text", [
    '{"seed": 18446744073709551615, "neg": -9223372036854775808}',    # 64-bit edges: orjson exact
    '{"seed": 18446744073709551616, "neg": -9223372036854775809}',    # beyond: the json module's ints
    '[123456789012345678901234567890, "12345678901234567890"]',
    "[NaN, Infinity, -Infinity, 1e400, -1e400, 1e-400]",
    '["\\ud800", "\\udc00x", "\\u00e9"]',                             # lone surrogates
    '{"a": 1, "a": 2, "b": [0.1, 5e-324, 1.7976931348623157e308, -0.0]}',
    '{"\\u0000": "\\n\\t\\"\\\\/"}', "  [1, 2]  ", '"\u00e9\u4e2d\U0001F600"',
])
def test_fastjson_loads_gives_what_json_loads_gives(text):
    import math

    from engine.server import fastjson

    def same(a, b) -> bool:
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        if type(a) is not type(b):
            return False
        if isinstance(a, dict):
            return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
        if isinstance(a, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        if isinstance(a, float):
            return a == b and math.copysign(1, a) == math.copysign(1, b)
        return a == b
    want = json.loads(text)
    assert same(fastjson.loads(text), want)
    assert same(fastjson.loads(text.encode("utf-8", "surrogatepass")), want) or "\\ud800" in text


def test_too_deep_bodies_are_refused_whichever_parser_reads_them():
    """orjson parses deeper texts than the json module can; loads_bounded refuses both the same way."""
    deep = "[" * 1100 + "]" * 1100
    with pytest.raises(RecursionError):
        json.loads(deep)
    with pytest.raises(ValueError, match="too deeply|deeper than"):
        loads_bounded(deep)
    with pytest.raises(ValueError, match="too deeply|deeper than"):
        loads_bounded('{"prompt": ' + "[" * 200 + "]" * 200 + "}")


@pytest.mark.parametrize("value", [
    {"a": float("nan"), "b": [float("inf"), -float("inf")]},
    {"big": 2 ** 70, "neg": -(2 ** 64), "t": (1, 2)},
    {"none": None, "s": "null", "f": 1e16, "e": 5e-324},
    {1: "int key"},
    ["\ud800"],
])
def test_fastjson_dumps_means_what_json_dumps_means(value):
    from engine.server import fastjson
    assert fastjson.dumps(value) == json.dumps(value) or json.loads(fastjson.dumps(value)) == json.loads(
        json.dumps(value))
    if any(isinstance(v, float) and v != v for v in (value.values() if isinstance(value, dict) else value)):
        assert "NaN" in fastjson.dumps(value)        # not orjson's null
