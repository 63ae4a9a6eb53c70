"""Executor: caching, lazy inputs, errors, events, interrupt, expansion, blockers, lists, async."""
from __future__ import annotations

import asyncio
import threading

import pytest

from engine.graph import context as node_context
from engine.graph.cache import make_cache
from engine.graph.executor import Executor
from tests.graph.conftest import Recorder, chain_prompt


def _out(src: str, slot: int = 0) -> dict:
    return {"class_type": "ToyOutput", "inputs": {"value": [src, slot]}}


def diamond() -> dict:
    """1 -> 2 -> 4 -> 5(out);  1 -> 3 -> 4;  6 -> 7(out) independent."""
    return {"1": {"class_type": "ToyConstInt", "inputs": {"value": 1}},
            "2": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 10}},
            "3": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 100}},
            "4": {"class_type": "ToyAdd", "inputs": {"a": ["2", 0], "b": ["3", 0]}},
            "5": _out("4"),
            "6": {"class_type": "ToyConstInt", "inputs": {"value": 7}},
            "7": _out("6")}


def test_runs_and_reports_outputs(executor, rec):
    res = executor.execute(diamond(), "p1", listener=rec)
    assert res.success and res.error is None
    assert res.outputs["5"] == {"value": [112], "node": ["5"]} and res.outputs["7"]["value"] == [7]
    assert sorted(res.executed) == ["1", "2", "3", "4", "5", "6", "7"]
    order = rec.ran()
    assert order.index("1") < order.index("2") < order.index("4") < order.index("5")


def test_event_order_matches_comfyui(executor, rec):
    executor.execute(diamond(), "p1", listener=rec)
    names = rec.names()
    assert names[:2] == ["execution_start", "execution_cached"]
    assert rec.events[1] == ("execution_cached", [])
    assert names[-2:] == ["execution_success", "executing"] and rec.events[-1] == ("executing", None)
    i5 = rec.events.index(("executing", "5"))
    assert rec.events[i5 + 1] == ("executed", "5", {"value": [112], "node": ["5"]})


def test_second_identical_run_executes_nothing_and_replays_ui(executor, rec):
    executor.execute(diamond(), "p1")
    res = executor.execute(diamond(), "p2", listener=rec)
    assert res.success and res.executed == [] and rec.ran() == []
    # execution_cached lists every prompt node whose output is in the cache (as ComfyUI does)
    assert sorted(rec.events[1][1]) == ["1", "2", "3", "4", "5", "6", "7"]
    assert sorted(res.cached) == ["5", "7"]  # ...but only the outputs had to be loaded
    executed = [e for e in rec.events if e[0] == "executed"]
    assert sorted(e[1] for e in executed) == ["5", "7"]
    assert res.outputs["5"]["value"] == [112]
    assert rec.names() == ["execution_start", "execution_cached", "executed", "executed",
                           "execution_success", "executing"]


def test_changing_one_literal_reruns_exactly_the_downstream_cone(executor):
    executor.execute(diamond(), "p1")
    p = diamond()
    p["3"]["inputs"]["b"] = 200
    res = executor.execute(p, "p2")
    assert sorted(res.executed) == ["3", "4", "5"]
    assert res.outputs["5"]["value"] == [212]
    assert "1" in res.cached and "2" in res.cached and "7" in res.cached


def test_ancestors_stay_cached_after_a_fully_cached_run(executor):
    executor.execute(diamond(), "p1")
    executor.execute(diamond(), "p2")   # served from the outputs' entries only
    p = diamond()
    p["3"]["inputs"]["b"] = 200
    assert sorted(executor.execute(p, "p3").executed) == ["3", "4", "5"]


def test_literal_changes_in_a_chain_rerun_the_tail(executor):
    p = chain_prompt(50)
    executor.execute(p, "p1")
    p["30"]["inputs"]["b"] = 5
    res = executor.execute(p, "p2")
    assert sorted(res.executed, key=int) == [str(i) for i in range(30, 50)]
    assert res.outputs["49"]["value"] == [1 + 48 + 4]


def test_lazy_branch_not_taken_never_executes(executor, rec):
    p = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 5}},
         "2": {"class_type": "ToyFail", "inputs": {"value": ["1", 0], "message": "must not run"}},
         "3": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 1}},
         "4": {"class_type": "ToyLazySwitch", "inputs": {"switch": False, "on_true": ["2", 0], "on_false": ["3", 0]}},
         "5": _out("4")}
    res = executor.execute(p, "p1", listener=rec)
    assert res.success and res.outputs["5"]["value"] == [6]
    assert "2" not in rec.ran() and "2" not in res.executed
    p["4"]["inputs"]["switch"] = True
    res = executor.execute(p, "p2")
    assert not res.success and res.error["node_id"] == "2"


def test_error_reports_the_node_and_keeps_upstream_cached(executor, rec):
    p = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 4}},
         "2": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 1}},
         "3": {"class_type": "ToyFail", "inputs": {"value": ["2", 0], "message": "kaput"}},
         "4": _out("3")}
    res = executor.execute(p, "p1", listener=rec)
    assert not res.success and not res.interrupted
    info = res.error
    assert info["node_id"] == "3" and info["node_type"] == "ToyFail" and info["prompt_id"] == "p1"
    assert info["exception_message"] == "kaput" and info["exception_type"] == "ValueError"
    assert info["current_inputs"] == {"value": [5], "message": ["kaput"]}
    assert isinstance(info["traceback"], list) and any("toy_nodes.py" in t for t in info["traceback"])
    assert sorted(info["executed"]) == ["1", "2"] and sorted(info["current_outputs"]) == ["1", "2"]
    assert set(info) == {"prompt_id", "node_id", "node_type", "executed", "exception_message", "exception_type",
                         "traceback", "current_inputs", "current_outputs"}
    assert rec.names()[-2:] == ["execution_error", "executing"] and "execution_success" not in rec.names()
    p["3"] = {"class_type": "ToyAdd", "inputs": {"a": ["2", 0], "b": 0}}
    res = executor.execute(p, "p2")
    assert res.success and res.executed == ["3", "4"] and sorted(res.cached) == ["2"]


def test_validation_failure_executes_nothing(executor, rec):
    p = {"1": {"class_type": "ToyAdd", "inputs": {"a": 1}}, "2": _out("1")}
    res = executor.execute(p, "p1", listener=rec)
    assert not res.success and res.error["type"] == "prompt_outputs_failed_validation"
    assert "1" in res.node_errors and rec.events == []


def test_is_changed_nan_always_reruns(executor):
    p = {"1": {"class_type": "ToyVolatile", "inputs": {"value": 2}},
         "2": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 1}},
         "3": _out("2"), "4": {"class_type": "ToyConstInt", "inputs": {"value": 9}}, "5": _out("4")}
    executor.execute(p, "p1")
    res = executor.execute(p, "p2")
    assert sorted(res.executed) == ["1", "2", "3"] and res.cached == ["5"]


def test_is_changed_value_is_part_of_the_key(registry, executor):
    state = {"v": "a"}

    class FileLike:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"name": ("STRING", {"default": "f"})}}
        RETURN_TYPES = ("STRING",)
        FUNCTION = "run"

        @classmethod
        def IS_CHANGED(cls, name):
            return state["v"]

        def run(self, name):
            return (name + state["v"],)

    registry.register("FileLike", FileLike)
    p = {"1": {"class_type": "FileLike", "inputs": {"name": "f"}}, "2": _out("1")}
    assert executor.execute(p, "a").outputs["2"]["value"] == ["fa"]
    assert executor.execute(p, "b").executed == []
    state["v"] = "b"
    res = executor.execute(p, "c")
    assert res.executed == ["1", "2"] and res.outputs["2"]["value"] == ["fb"]


def test_same_prompt_text_reuses_signatures_unless_is_changed_is_involved(registry, executor, monkeypatch):
    """With the prompt's JSON text (as the server passes it), a re-run of the same text and outputs skips
    computing signatures and still comes entirely from the cache; another text, other outputs, or any
    node with IS_CHANGED in the prompt compute them again (so IS_CHANGED is asked on every run)."""
    import json

    import engine.graph.executor as ex_mod
    calls = []
    real = ex_mod.signature_for
    monkeypatch.setattr(ex_mod, "signature_for", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    p = chain_prompt(5, start=1)
    text = json.dumps(p)
    first = executor.execute(p, "a", prompt_text=text)
    n = len(calls)
    assert first.success and n == 5
    again = executor.execute(json.loads(text), "b", prompt_text=text)
    assert again.success and again.executed == [] and again.cached == ["4"] and len(calls) == n
    assert again.outputs == first.outputs
    p2 = chain_prompt(5, start=2)                           # another text: computed, and runs
    res = executor.execute(p2, "c", prompt_text=json.dumps(p2))
    assert len(calls) == n + 5 and res.executed
    executor.execute(p2, "d", prompt_text=json.dumps(p2), outputs_to_execute=[])   # other outputs
    assert len(calls) == n + 5                              # nothing to compute for no outputs
    res = executor.execute(p2, "e", prompt_text=json.dumps(p2))
    assert len(calls) == n + 10 and res.success            # the memo now holds the no-output run: recomputed

    asked = []

    class Watch:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"value": ("INT", {"default": 0})}}
        RETURN_TYPES = ("INT",)
        FUNCTION = "run"

        @classmethod
        def IS_CHANGED(cls, value):
            asked.append(value)
            return "same"

        def run(self, value):
            return (value,)

    p4 = chain_prompt(3, start=7)
    executor.execute(p4, "i", prompt_text=json.dumps(p4))
    before = len(calls)
    registry.register("ToyAdd", type(registry.get("ToyAdd").__name__, (registry.get("ToyAdd"),), {}))
    executor.execute(p4, "j", prompt_text=json.dumps(p4))
    assert len(calls) == before + 3                         # a class registered again: computed again

    registry.register("Watch", Watch)
    p3 = {"1": {"class_type": "Watch", "inputs": {"value": 4}}, "2": _out("1")}
    for run_id in ("f", "g", "h"):
        assert executor.execute(p3, run_id, prompt_text=json.dumps(p3)).success
    assert asked == [4, 4, 4]                               # IS_CHANGED on every run: no reuse


def test_progress_events_and_hidden_inputs(registry, executor, rec):
    class Hidden:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {}, "hidden": {"prompt": "PROMPT", "extra": "EXTRA_PNGINFO", "uid": "UNIQUE_ID"}}
        RETURN_TYPES = ()
        OUTPUT_NODE = True
        FUNCTION = "run"

        def run(self, prompt, extra, uid):
            return {"ui": {"seen": [sorted(prompt), extra, uid]}}

    registry.register("Hidden", Hidden)
    p = {"1": {"class_type": "ToySlow", "inputs": {"value": 1, "steps": 3, "delay": 0.0}}, "2": _out("1"),
         "3": {"class_type": "Hidden", "inputs": {}}}
    res = executor.execute(p, "p1", extra_data={"extra_pnginfo": {"workflow": {"x": 1}}}, listener=rec)
    assert [e for e in rec.events if e[0] == "progress"] == [("progress", "1", v, 3, None) for v in (1, 2, 3)]
    assert res.outputs["3"]["seen"] == [["1", "2", "3"], {"workflow": {"x": 1}}, "3"]


def test_interrupt_inside_a_long_node(executor, rec):
    class Interrupter(Recorder):
        def progress(self, prompt_id, node_id, value, max, preview=None):
            self.events.append(("progress", node_id, value))
            if value == 2:
                executor.interrupt()

    lis = Interrupter()
    p = {"1": {"class_type": "ToySlow", "inputs": {"value": 1, "steps": 1000, "delay": 0.0}}, "2": _out("1")}
    res = executor.execute(p, "p1", listener=lis)
    assert res.interrupted and not res.success
    assert res.error == {"prompt_id": "p1", "node_id": "1", "node_type": "ToySlow", "executed": []}
    assert len([e for e in lis.events if e[0] == "progress"]) == 2
    assert lis.names()[-2:] == ["execution_interrupted", "executing"]
    res = executor.execute(p, "p2")  # the flag is cleared for the next run
    assert res.success


def test_interrupt_between_nodes(executor):
    class StopAfterFirst(Recorder):
        def executed(self, prompt_id, node_id, output):
            executor.interrupt()

    p = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 1}}, "2": _out("1"),
         "3": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 1}}, "4": _out("3")}
    res = executor.execute(p, "p1", listener=StopAfterFirst())
    assert res.interrupted and len(res.outputs) == 1


def test_interrupt_from_another_thread(executor):
    started = threading.Event()

    class Sig(Recorder):
        def progress(self, prompt_id, node_id, value, max, preview=None):
            started.set()

    p = {"1": {"class_type": "ToySlow", "inputs": {"value": 1, "steps": 100000, "delay": 0.001}}, "2": _out("1")}
    t = threading.Thread(target=lambda: (started.wait(10), executor.interrupt()))
    t.start()
    res = executor.execute(p, "p1", listener=Sig())
    t.join()
    assert res.interrupted


def test_node_expansion(executor, rec):
    p = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 10}},
         "2": {"class_type": "ToyRepeatAdd", "inputs": {"value": ["1", 0], "step": 3, "times": 4}},
         "3": _out("2")}
    res = executor.execute(p, "p1", listener=rec)
    assert res.success and res.outputs["3"]["value"] == [22]
    assert [n for n in rec.ran() if n.startswith("2.add")] == ["2.add0", "2.add1", "2.add2", "2.add3"]
    res = executor.execute(p, "p2")
    assert res.executed == []
    p["1"]["inputs"]["value"] = 0
    assert executor.execute(p, "p3").outputs["3"]["value"] == [12]


def test_deep_expansion_has_no_recursion(executor):
    p = {"1": {"class_type": "ToyRepeatAdd", "inputs": {"value": 0, "step": 1, "times": 5000}}, "2": _out("1")}
    res = executor.execute(p, "p1")
    assert res.success and res.outputs["2"]["value"] == [5000]


def test_execution_blocker_skips_downstream_silently(executor, rec):
    p = {"1": {"class_type": "ToyBlock", "inputs": {"value": 3, "block": True, "message": ""}},
         "2": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 1}},
         "3": _out("2"),
         "4": {"class_type": "ToyConstInt", "inputs": {"value": 1}}, "5": _out("4")}
    res = executor.execute(p, "p1", listener=rec)
    assert res.success and "3" not in res.outputs and res.outputs["5"]["value"] == [1]
    assert "2" not in rec.ran() and "3" not in rec.ran()
    p["1"]["inputs"]["block"] = False
    assert executor.execute(p, "p2").outputs["3"]["value"] == [4]


def test_execution_blocker_with_message_fails_the_consumer(executor):
    p = {"1": {"class_type": "ToyBlock", "inputs": {"value": 3, "block": True, "message": "no model"}},
         "2": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 1}}, "3": _out("2")}
    res = executor.execute(p, "p1")
    assert not res.success and res.error["node_id"] == "2" and res.error["exception_message"] == "no model"


def test_list_semantics(executor):
    p = {"1": {"class_type": "ToyList", "inputs": {"start": 1, "count": 4}},        # [1,2,3,4]
         "2": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 10}},          # runs 4 times
         "3": {"class_type": "ToySumList", "inputs": {"values": ["2", 0]}},          # INPUT_IS_LIST: once
         "4": _out("3"),
         "5": _out("2"),                                                             # once per item
         "6": {"class_type": "ToyList", "inputs": {"start": 100, "count": 2}},
         "7": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": ["6", 0]}},    # shorter list repeats last
         "8": _out("7")}
    res = executor.execute(p, "p1")
    assert res.outputs["4"]["value"] == [50]
    assert res.outputs["5"]["value"] == [11, 12, 13, 14] and res.outputs["5"]["node"] == ["5"] * 4
    assert res.outputs["8"]["value"] == [101, 103, 104, 105]


def test_tuple_ui_values_join_across_list_runs_as_lists(registry, executor):
    """ComfyUI's nodes return {"ui": {"text": (value,)}}: a node run once per list item shows every item's
    value (ComfyUI flattens each key over the runs), not only the last one's."""
    class TupleUI:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"v": ("INT", {"forceInput": True})}}
        RETURN_TYPES = ()
        OUTPUT_NODE = True
        FUNCTION = "run"

        def run(self, v):
            return {"ui": {"text": (str(v),)}}

    registry.register("TupleUI", TupleUI)
    p = {"1": {"class_type": "ToyList", "inputs": {"start": 1, "count": 3}},
         "2": {"class_type": "TupleUI", "inputs": {"v": ["1", 0]}}}
    res = executor.execute(p, "p1")
    assert res.success and res.outputs["2"] == {"text": ["1", "2", "3"]}


def test_independent_async_nodes_run_concurrently(registry, executor):
    # Each node waits until both have started: sequential execution would time out.
    gate = {"started": 0}

    class Meet:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"v": ("INT", {"default": 0})}}
        RETURN_TYPES = ("INT",)
        FUNCTION = "run"

        async def run(self, v):
            gate["started"] += 1
            for _ in range(200):
                if gate["started"] >= 2:
                    return (v,)
                await asyncio.sleep(0.01)
            raise TimeoutError("the other async node never started")

    registry.register("Meet", Meet)
    p = {"1": {"class_type": "Meet", "inputs": {"v": 1}}, "2": {"class_type": "Meet", "inputs": {"v": 2}},
         "3": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": ["2", 0]}}, "4": _out("3")}
    res = executor.execute(p, "p1")
    assert res.success, res.error
    assert res.outputs["4"]["value"] == [3]


def test_async_node_error_and_context(registry, executor):
    class AsyncCtx:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {}}
        RETURN_TYPES = ("STRING",)
        FUNCTION = "run"

        async def run(self):
            await asyncio.sleep(0)
            node_context.progress(1, 1)
            return (node_context.current().paths.output_dir,)

    registry.register("AsyncCtx", AsyncCtx)
    p = {"1": {"class_type": "AsyncCtx", "inputs": {}}, "2": _out("1"),
         "3": {"class_type": "ToyAsync", "inputs": {"value": 1, "delay": 0.0}},
         "4": {"class_type": "ToyFail", "inputs": {"value": ["3", 0], "message": "after async"}}, "5": _out("4")}
    res = executor.execute(p, "p1")
    assert not res.success and res.error["node_id"] == "4"
    p.pop("5")
    res = executor.execute(p, "p2")
    assert res.success and res.outputs["2"]["value"] == [executor.context.paths.output_dir]


def test_10000_node_chain_runs_and_caches(executor):
    p = chain_prompt(10000)
    res = executor.execute(p, "p1")
    assert res.success and res.outputs["9999"]["value"] == [1 + 9998]
    assert len(res.executed) == 10000
    res = executor.execute(p, "p2")
    assert res.success and res.executed == [] and res.cached == ["9999"]


def test_wide_fan_in(executor):
    p = {str(i): {"class_type": "ToyConstInt", "inputs": {"value": i}} for i in range(500)}
    p["sum0"] = {"class_type": "ToyAdd", "inputs": {"a": ["0", 0], "b": ["1", 0]}}
    for i in range(2, 500):
        p[f"sum{i - 1}"] = {"class_type": "ToyAdd", "inputs": {"a": [f"sum{i - 2}", 0], "b": [str(i), 0]}}
    p["out"] = _out("sum498")
    res = executor.execute(p, "p1")
    assert res.outputs["out"]["value"] == [sum(range(500))]


@pytest.mark.parametrize("policy", ["lru", "none", "ram"])
def test_cache_policies(registry, paths, policy):
    from engine.graph.cache import LRUCache, NoCache, RamPressureCache
    from engine.graph.context import NodeContext
    free = {"bytes": 10 * 1024 ** 3}
    if policy == "lru":
        cache = make_cache("lru", lru_size=3)
        assert isinstance(cache, LRUCache)
    elif policy == "none":
        cache = make_cache("none")
        assert isinstance(cache, NoCache)
    else:
        cache = RamPressureCache(1.0, free_bytes=lambda: free["bytes"], check_interval_s=0.0)
        assert isinstance(make_cache("ram", ram_gb=2.0), RamPressureCache)
    ex = Executor(registry, cache, NodeContext(paths=paths))
    a = chain_prompt(3, start=1)   # 3 nodes
    b = chain_prompt(3, start=2)   # 3 other nodes
    ex.execute(a, "a")
    ex.execute(b, "b")
    res = ex.execute(b, "b2")
    if policy == "none":
        assert len(res.executed) == 3 and len(cache) == 0
        return
    assert res.executed == []
    res = ex.execute(a, "a2")
    if policy == "lru":
        assert len(res.executed) == 3 and len(cache) == 3   # a was evicted by b (size 3)
    else:
        assert res.executed == [] and len(cache) == 6         # plenty of RAM: classic keeps only the latest
        free["bytes"] = 0                                     # RAM pressure: everything not pinned goes
        assert cache.evict_for_headroom() == 6 and len(cache) == 0
        assert len(ex.execute(a, "a3").executed) == 3


def test_classic_cache_keeps_only_the_latest_prompt(executor):
    a, b = chain_prompt(3, start=1), chain_prompt(3, start=2)
    executor.execute(a, "a")
    executor.execute(b, "b")
    assert len(executor.cache) == 3
    assert len(executor.execute(a, "a2").executed) == 3


def test_outputs_are_never_hashed(registry, executor):
    class Unhashable:
        def __hash__(self):
            raise AssertionError("outputs must not be hashed")

        def __eq__(self, other):
            raise AssertionError("outputs must not be compared")

    class Make:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {}}
        RETURN_TYPES = ("OBJ",)
        FUNCTION = "run"

        def run(self):
            return (Unhashable(),)

    registry.register("Make", Make)
    p = {"1": {"class_type": "Make", "inputs": {}}, "2": _out("1")}
    assert executor.execute(p, "p1").success
    assert executor.execute(p, "p2").executed == []


def test_reset_cache(executor):
    p = chain_prompt(3)
    executor.execute(p, "a")
    executor.reset_cache()
    assert len(executor.execute(p, "b").executed) == 3


def test_unvalidated_prompt_with_a_dangling_link_reports_an_error(executor, rec):
    p = {"1": {"class_type": "ToyAdd", "inputs": {"a": ["9", 0], "b": 1}}, "2": _out("1")}
    res = executor.execute(p, "p1", outputs_to_execute=["2"], listener=rec)
    assert not res.success and "'9'" in res.error["exception_message"]
    assert rec.names()[-2:] == ["execution_error", "executing"]


def test_cycle_in_unvalidated_prompt_is_reported(executor):
    p = {"1": {"class_type": "ToyAdd", "inputs": {"a": ["2", 0], "b": 1}},
         "2": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": 1}}, "3": _out("2")}
    res = executor.execute(p, "p1", outputs_to_execute=["3"])
    assert not res.success and res.error["exception_type"] == "engine.graph.errors.CycleError"
    assert "1" in res.error["exception_message"] and "2" in res.error["exception_message"]


def test_node_instances_persist_across_runs(registry, executor):
    class Counter:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"v": ("INT", {"default": 0})}}
        RETURN_TYPES = ("INT",)
        FUNCTION = "run"

        def __init__(self):
            self.calls = 0

        def run(self, v):
            self.calls += 1
            return (self.calls,)

    registry.register("Counter", Counter)
    p = {"1": {"class_type": "Counter", "inputs": {"v": 0}}, "2": _out("1")}
    assert executor.execute(p, "a").outputs["2"]["value"] == [1]
    p["1"]["inputs"]["v"] = 1
    assert executor.execute(p, "b").outputs["2"]["value"] == [2]   # same object, as in ComfyUI
    executor.execute({"3": {"class_type": "ToyConstInt", "inputs": {"value": 1}}, "4": _out("3")}, "c")
    p["1"]["inputs"]["v"] = 2
    assert executor.execute(p, "d").outputs["2"]["value"] == [1]   # node 1 left the prompt: fresh object


def test_dynprompt_hidden_input(registry, executor):
    class Dyn:
        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {}, "hidden": {"dyn": "DYNPROMPT", "uid": "UNIQUE_ID"}}
        RETURN_TYPES = ()
        OUTPUT_NODE = True
        FUNCTION = "run"

        def run(self, dyn, uid):
            return {"ui": {"me": [dyn.get_node(uid)["class_type"]], "ids": [sorted(dyn.all_node_ids())]}}

    registry.register("Dyn", Dyn)
    res = executor.execute({"1": {"class_type": "Dyn", "inputs": {}}}, "p")
    assert res.outputs["1"] == {"me": ["Dyn"], "ids": [["1"]]}


def test_async_nodes_run_when_the_calling_thread_already_runs_an_event_loop(registry, executor):
    # An async caller (or a library that keeps a loop running in the main thread) must not
    # break async nodes: the executor cannot run its own loop in that thread.
    p = {"1": {"class_type": "ToyAsync", "inputs": {"value": 5, "delay": 0.0}},
         "2": {"class_type": "ToyAsync", "inputs": {"value": 6, "delay": 0.0}},
         "3": {"class_type": "ToyAdd", "inputs": {"a": ["1", 0], "b": ["2", 0]}}, "4": _out("3")}

    async def caller():
        return executor.execute(p, "p-loop")

    box = {}
    # a thread of its own: the test runner's thread may already run a loop (Playwright's sync API)
    thread = threading.Thread(target=lambda: box.setdefault("res", asyncio.run(caller())))
    thread.start()
    thread.join(30)
    res = box["res"]
    assert res.success, res.error
    assert res.outputs["4"]["value"] == [11]
