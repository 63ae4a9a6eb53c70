"""The durable queue and history (SQLite) without the HTTP layer."""
import json
import os
import threading

import pytest

from engine.server.queue import MAX_ATTEMPTS, PromptQueue, PromptStore, QueueItem, QueueLock


def _item(pid: str, number: float, **extra) -> QueueItem:
    return QueueItem(number=number, prompt_id=pid, prompt={"1": {"class_type": "X", "inputs": {}}},
                     extra_data=dict(extra), outputs=["1"])


def _entry(item: QueueItem, status: str = "success") -> dict:
    return {"prompt": item.as_list(), "outputs": {}, "meta": {},
            "status": {"status_str": status, "completed": status == "success", "messages": []}}


def test_lowest_number_runs_first_and_front_jumps_ahead(tmp_path):
    q = PromptQueue(PromptStore(str(tmp_path / "q.db")))
    for pid in ("a", "b"):
        q.put(_item(pid, q.next_number(False)))
    q.put(_item("c", q.next_number(True)))
    assert [q.get(0).prompt_id for _ in range(3)] == ["c", "a", "b"]
    assert q.get(0) is None


def test_pending_prompts_survive_reopening(tmp_path):
    db = str(tmp_path / "q.db")
    q = PromptQueue(PromptStore(db))
    for i in range(5):
        q.put(_item(f"p{i}", q.next_number(False), client_id="c"))
    q.delete(["p3"])
    q2 = PromptQueue(PromptStore(db))
    _, pending = q2.snapshot()
    assert [i.prompt_id for i in pending] == ["p0", "p1", "p2", "p4"]
    assert pending[0].extra_data == {"client_id": "c"}
    # numbering continues after the recovered items so the order stays FIFO
    assert q2.next_number(False) > max(i.number for i in pending)


def test_running_prompt_is_rerun_once_then_recorded_as_error(tmp_path):
    db = str(tmp_path / "q.db")
    q = PromptQueue(PromptStore(db))
    q.put(_item("crashy", 0))
    assert q.get(0).prompt_id == "crashy"          # "process dies" while it runs
    q = PromptQueue(PromptStore(db))
    again = q.get(0)
    assert again.prompt_id == "crashy" and again.attempts == MAX_ATTEMPTS
    q = PromptQueue(PromptStore(db))               # dies again: not retried a third time
    assert q.remaining() == 0 and q.recovered_errors == ["crashy"]
    entry = q.store.history_item("crashy")
    assert entry["status"]["status_str"] == "error"
    event, info = entry["status"]["messages"][0]
    assert event == "execution_error" and "server stopped" in info["exception_message"]


def test_task_done_moves_prompt_into_history(tmp_path):
    q = PromptQueue(PromptStore(str(tmp_path / "q.db")))
    q.put(_item("x", 0))
    item = q.get(0)
    assert q.remaining() == 1
    q.task_done(item, _entry(item))
    assert q.remaining() == 0
    assert q.store.history_item("x")["prompt"][1] == "x"
    assert PromptQueue(PromptStore(str(tmp_path / "q.db"))).remaining() == 0


def test_history_is_bounded_and_paginated_like_comfyui(tmp_path):
    store = PromptStore(str(tmp_path / "q.db"), max_history=5)
    for i in range(8):
        store.finish(f"h{i}", _entry(_item(f"h{i}", i)))
    assert store.history_count() == 5
    assert list(store.history()) == ["h3", "h4", "h5", "h6", "h7"]
    assert list(store.history(max_items=2)) == ["h6", "h7"]            # newest N
    assert list(store.history(max_items=2, offset=1)) == ["h4", "h5"]  # offset from the oldest
    assert list(store.history(offset=3)) == ["h6", "h7"]
    import json
    for args in ((None, -1), (2, -1), (2, 1), (None, 3), (0, -1)):
        as_text = json.loads(store.history_json(*args))
        assert as_text == store.history(*args) and list(as_text) == list(store.history(*args))
    store.history_delete(["h4"])
    assert "h4" not in store.history()
    store.history_clear()
    assert store.history() == {}


def test_wipe_and_status_callback(tmp_path):
    seen = []
    q = PromptQueue(PromptStore(str(tmp_path / "q.db")), on_change=seen.append)
    q.put(_item("a", 0))
    q.put(_item("b", 1))
    q.wipe()
    assert seen == [1, 2, 0]
    assert q.get(0) is None


def test_get_blocks_until_put_from_another_thread(tmp_path):
    q = PromptQueue(PromptStore(str(tmp_path / "q.db")))
    got = []
    t = threading.Thread(target=lambda: got.append(q.get(timeout=5)))
    t.start()
    q.put(_item("late", 0))
    t.join(5)
    assert got and got[0].prompt_id == "late"


def test_duplicate_prompt_id_is_refused(tmp_path):
    q = PromptQueue(PromptStore(str(tmp_path / "q.db")))
    q.put(_item("dup", 0))
    try:
        q.put(_item("dup", 1))
    except ValueError as e:
        assert "dup" in str(e)
    else:
        raise AssertionError("duplicate prompt_id accepted")


def test_queue_lock_keeps_a_second_server_off_the_same_queue(tmp_path):
    db = str(tmp_path / "q.db")
    first = QueueLock(db)
    first.acquire()
    with pytest.raises(RuntimeError, match="another server"):
        QueueLock(db).acquire()
    first.release()
    again = QueueLock(db)
    again.acquire()
    again.release()


def test_one_unstorable_prompt_does_not_fail_the_others_of_its_batch(tmp_path):
    """The admission thread stores concurrent POSTs in one transaction; an item SQLite refuses (text that
    cannot be encoded) is refused alone, with the reason, and the rest of the batch is queued."""
    q = PromptQueue(PromptStore(str(tmp_path / "q.db")))
    bad = _item("bad", 1)
    bad.prompt_json = '{"1": "\ud800"}'   # not encodable as UTF-8
    errors = q.put_many([_item("a", 0), bad, _item("b", 2)])
    assert errors[0] is None and errors[2] is None
    assert errors[1] is not None and "'bad'" in errors[1] and "UnicodeEncodeError" in errors[1]
    assert [i.prompt_id for i in q.snapshot()[1]] == ["a", "b"]
    assert [i.prompt_id for i, _ in PromptStore(str(tmp_path / "q.db")).load_queue()] == ["a", "b"]


def test_a_second_server_on_the_same_folders_keeps_its_queue_per_port(tmp_path):
    """Two servers from one install (one per GPU, as ComfyUI allows): the second gets queue-<port>.sqlite3,
    the same file again whenever restarted on that port; a third on that port too is refused, naming the file."""
    from engine.server.queue import open_queue_lock

    user = str(tmp_path)
    first, path1 = open_queue_lock(user, 8188)
    second, path2 = open_queue_lock(user, 8189)
    PromptStore(path2).close()   # the second server's queue file exists from now on
    assert path1 == os.path.join(user, "queue.sqlite3")
    assert path2 == os.path.join(user, "queue-8189.sqlite3")
    with pytest.raises(RuntimeError, match="queue-8189.sqlite3"):
        open_queue_lock(user, 8189)
    second.release()
    again, path3 = open_queue_lock(user, 8189)
    assert path3 == path2
    again.release()
    first.release()
    # the first server has gone: the second, restarted, still finds its own queue file
    alone, path4 = open_queue_lock(user, 8189)
    assert path4 == path2
    other, path5 = open_queue_lock(user, 8190)   # a server without a file of its own takes the main one
    assert path5 == path1
    alone.release()
    other.release()


def test_a_server_takes_over_the_queue_of_a_server_that_is_gone(tmp_path):
    """Prompts accepted by a server that died wait for no restart on its exact port: the next server on
    those folders takes them over (state and attempts kept), never those of a server still running."""
    from engine.server.queue import adopt_orphan_queues, open_queue_lock

    user = str(tmp_path)
    lock_a, path_a = open_queue_lock(user, 8188)       # server A: alive throughout
    store_a = PromptStore(path_a)
    store_a.add_many([_item("a1", 0), _item("a2", 1)])
    lock_b, path_b = open_queue_lock(user, 8189)       # server B: dies with one running and one queued
    store_b = PromptStore(path_b)
    store_b.add_many([_item("b1", 0), _item("b2", 1)])
    store_b.set_state("b1", "running", 1)
    store_b.close()
    lock_b.release()
    lock_c, path_c = open_queue_lock(user, 8190)       # server C starts on another port
    store_c = PromptStore(path_c)
    assert adopt_orphan_queues(store_c, user) == {path_b: 2}
    rows = {item.prompt_id: (state, item.attempts) for item, state in store_c.load_queue()}
    assert rows == {"b1": ("running", 1), "b2": ("pending", 0)}   # recovery then counts b1's crash
    assert PromptStore(path_b).load_queue() == []
    assert adopt_orphan_queues(store_c, user) == {}                # A is alive: its prompts stay with it
    assert [i.prompt_id for i, _ in store_a.load_queue()] == ["a1", "a2"]
    store_a.close()
    lock_a.release()
    assert adopt_orphan_queues(store_c, user) == {path_a: 2}       # ...until A is gone too
    q = PromptQueue(store_c)
    assert sorted(i.prompt_id for i in q.snapshot()[1]) == ["a1", "a2", "b1", "b2"]
    lock_c.release()


def test_recent_history_in_memory_always_agrees_with_the_database(tmp_path):
    """The in-memory copy of the latest entries never answers differently from SQLite: after finishes
    (also of a re-used prompt id), trimming to max_history, deletes and clears."""
    import random

    store = PromptStore(str(tmp_path / "q.db"), max_history=5)
    rng = random.Random(3)
    ids = [f"p{i}" for i in range(9)]
    for step in range(300):
        op = rng.random()
        if op < 0.7:
            pid = rng.choice(ids)
            store.finish(pid, {"status": {"status_str": "success"}, "n": step}, json.dumps({"n": step}))
        elif op < 0.9:
            store.history_delete(rng.sample(ids, 2))
        elif op < 0.95:
            store.history_clear()
        for pid in ids:
            fast = store.recent_history_item_json(pid)
            assert fast is None or fast == store.history_item_json(pid), (step, pid)
        assert store._history_rows_n == store.history_count() <= 5, step   # the trim's running count
    latest = list(store.history(max_items=1))
    if latest:
        assert store.recent_history_item_json(latest[0]) == store.history_item_json(latest[0])
    store.close()


def test_history_keeps_the_newest_max_history_entries_across_reopening(tmp_path):
    db = str(tmp_path / "q.db")
    store = PromptStore(db, max_history=3)
    for i in range(5):
        store.finish(f"p{i}", {"n": i}, json.dumps({"n": i}))
    assert list(store.history()) == ["p2", "p3", "p4"]
    store.close()
    store = PromptStore(db, max_history=2)          # a smaller limit after a restart trims at the next finish
    assert store.history_count() == 3
    store.finish("p3", {"n": 33}, json.dumps({"n": 33}))   # re-used id moves to the newest place
    assert list(store.history()) == ["p4", "p3"] and store.history_item("p3") == {"n": 33}
    assert list(store.history(max_items=1)) == ["p3"]
    store.close()
