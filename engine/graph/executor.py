"""The caching DAG executor.

``Executor.execute`` validates (unless told which outputs to run), computes every
node's cache signature in networkx topological order, then runs a ready-set
schedule: a node runs once all the inputs it needs are available. Lazy inputs
are scheduled only when ``check_lazy_status`` asks; node expansion splices a
returned subgraph in; ``ExecutionBlocker`` values silently skip their consumers;
list semantics follow INPUT_IS_LIST / OUTPUT_IS_LIST; ``async def`` nodes are
started as tasks so independent ones overlap. Nothing here recurses over the
graph, so depth is limited only by memory.
"""
from __future__ import annotations

import asyncio
import heapq
import inspect
import logging
import math
import threading
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import networkx as nx

from .cache import CacheEntry, OutputCache, signature_for
from .context import _SCOPE, NodeContext, NodeScope, activate
from .errors import CycleError, Interrupted
from .registry import Registry
from .types import ExecutionBlocker, NodeClassInfo, is_link
from .validation import ClassInfoCache, ClassInfoMemo, validate_prompt

log = logging.getLogger(__name__)

_EMPTY: dict = {}
_LISTENER_EVENTS = ("execution_start", "execution_cached", "executing", "progress", "executed",
                    "execution_success", "execution_error", "execution_interrupted")


@dataclass
class ExecutionResult:
    success: bool
    outputs: dict[str, dict] = field(default_factory=dict)   # node_id -> ui dict
    error: dict | None = None                                 # execution_error info or validation error
    interrupted: bool = False
    executed: list[str] = field(default_factory=list)         # nodes whose function ran this time
    cached: list[str] = field(default_factory=list)           # nodes served from the cache
    node_errors: dict = field(default_factory=dict)           # validation node_errors (when validation failed)


def full_type_name(ex: BaseException) -> str:
    mod = type(ex).__module__
    return type(ex).__qualname__ if mod in (None, "builtins") else f"{mod}.{type(ex).__qualname__}"


def _format_value(x: Any) -> Any:
    if x is None or isinstance(x, (int, float, bool, str)):
        return x
    text = str(x)
    return text if len(text) <= 1000 else text[:1000] + "..."


class DynamicPrompt:
    """What a DYNPROMPT hidden input receives: the prompt plus nodes spliced in by expansion."""

    def __init__(self, original: dict, nodes: dict) -> None:
        self._original = original
        self._nodes = nodes

    def get_node(self, node_id: str) -> dict:
        if node_id not in self._nodes:
            raise KeyError(f"node '{node_id}' is not in the prompt")
        return self._nodes[node_id]

    def has_node(self, node_id: str) -> bool:
        return node_id in self._nodes

    def all_node_ids(self) -> list[str]:
        return list(self._nodes)

    def get_original_prompt(self) -> dict:
        return self._original


class _Events:
    """The listener's methods resolved once per run (missing ones are skipped)."""

    def __init__(self, listener: Any) -> None:
        for name in _LISTENER_EVENTS:
            setattr(self, name, getattr(listener, name, None) if listener is not None else None)


class _NodeFailed(Exception):
    def __init__(self, node_id: str, original: BaseException, inputs: dict) -> None:
        super().__init__(str(original))
        self.node_id = node_id
        self.original = original
        self.inputs = inputs


class _Param:
    """How a function's parameters are filtered (IS_CHANGED gets only what it names)."""

    __slots__ = ("names", "has_kwargs")

    def __init__(self, fn: Callable) -> None:
        sig = inspect.signature(fn)
        self.names = {p.name for p in sig.parameters.values()}
        self.has_kwargs = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())

    def filter(self, kwargs: dict) -> dict:
        return kwargs if self.has_kwargs else {k: v for k, v in kwargs.items() if k in self.names}


class _Run:
    """State of one execute() call."""

    def __init__(self, executor: "Executor", prompt: dict, prompt_id: str, extra_data: dict,
                 events: _Events) -> None:
        self.ex = executor
        self.prompt = prompt                      # the original prompt (hidden PROMPT input)
        self.nodes: dict[str, dict] = dict(prompt)  # original + nodes spliced in by expansion
        self.prompt_id = prompt_id
        self.extra_data = extra_data
        self.ev = events
        self.infos = ClassInfoCache(executor.registry, executor._info_memo)
        self.cache = executor.cache
        self.sigs: dict[str, str] = {}
        self.volatile = False   # a node whose signature includes IS_CHANGED (so it changes between runs)
        self.outputs: dict[str, list[list]] = {}  # node_id -> per-slot list of items
        self.ui: dict[str, dict] = {}
        self.executed: list[str] = []
        self.cached: list[str] = []
        self.blocked: list[str] = []
        self.pending: set[str] = set()
        self.waiting: dict[str, int] = {}
        self.dependents: dict[str, list[str]] = {}
        self.ready: list[tuple[int, int, str]] = []   # heap of (priority, seq, node_id)
        self.priority: dict[str, int] = {}
        self._seq = 0
        self.lazy_requested: dict[str, set[str]] = {}
        self.expanded: dict[str, list] = {}       # parent node -> per-call results (links resolved later)
        self.tasks: dict[asyncio.Future, str] = {}
        self.param_cache: dict[tuple, _Param] = {}

    # -- signatures --------------------------------------------------------
    def ensure_signatures(self, roots: list[str]) -> None:
        """Compute signatures of ``roots`` and all their ancestors lacking one, parents first.

        An iterative depth-first post-order (no recursion, no per-node graph objects): this
        runs over every ancestor on every run, cached or not, so it is kept lean.
        """
        nodes, sigs, infos = self.nodes, self.sigs, self.infos
        order: list[str] = []
        state: dict[str, int] = {}          # 1: on the current path, 2: done
        for root in roots:
            if root in sigs or root in state:
                continue
            stack: list[tuple[str, bool]] = [(root, False)]
            while stack:
                nid, post = stack.pop()
                if post:
                    state[nid] = 2
                    order.append(nid)
                    continue
                st = state.get(nid)
                if st == 2:
                    continue
                if st == 1:
                    raise CycleError(sorted(n for n, v in state.items() if v == 1)[:50])
                node = nodes.get(nid)
                if node is None:
                    raise KeyError(f"node '{nid}' is linked but not in the prompt")
                state[nid] = 1
                stack.append((nid, True))
                for v in node.get("inputs", _EMPTY).values():
                    if (type(v) is list or type(v) is tuple) and len(v) == 2 and type(v[0]) is str:
                        src = v[0]
                        if src not in sigs and state.get(src) != 2:
                            stack.append((src, False))
        for nid in order:
            node = nodes[nid]
            class_type = node["class_type"]
            info = infos.info(class_type)
            inputs = node.get("inputs", _EMPTY)
            if info.has_is_changed:
                self.volatile = True
            changed = self._is_changed(nid, info, inputs) if info.has_is_changed else None
            uid = nid if info.not_idempotent or "UNIQUE_ID" in info.hidden_kinds else None
            sigs[nid] = signature_for(class_type, inputs, sigs, changed, uid)

    def _is_changed(self, node_id: str, info: NodeClassInfo, inputs: dict) -> Any:
        fn = info.cls.IS_CHANGED
        key = (info.cls, "IS_CHANGED")
        p = self.param_cache.get(key)
        if p is None:
            p = self.param_cache[key] = _Param(fn)
        kwargs = {k: v for k, v in inputs.items() if not is_link(v) and k in info.specs}
        for name, spec in info.specs.items():
            if spec.section == "hidden":
                kwargs[name] = self._hidden_value(spec.type, node_id)
        try:
            value = fn(**p.filter(kwargs))
        except Exception:
            log.warning("node %s (%s): IS_CHANGED raised; treating it as changed", node_id,
                        info.cls.__name__, exc_info=True)
            return f"always-changed:{uuid.uuid4().hex}"
        if isinstance(value, float) and math.isnan(value):
            return f"always-changed:{uuid.uuid4().hex}"
        try:
            from .cache import literal_key
            return literal_key(value)
        except Exception:
            return repr(value)

    # -- scheduling --------------------------------------------------------
    def require(self, roots: list[str], replay: bool) -> None:
        """Make ``roots`` available: cached ones are loaded, the rest scheduled with their needs."""
        stack = list(roots)
        while stack:
            nid = stack.pop()
            if nid in self.outputs or nid in self.pending:
                continue
            entry = self.cache.get(self.sigs[nid])
            if entry is not None:
                self.outputs[nid] = entry.outputs
                self.cached.append(nid)
                if entry.ui is not None:
                    self.ui[nid] = entry.ui
                    if replay and self.ev.executed:
                        self.ev.executed(self.prompt_id, nid, entry.ui)
                self._release(nid)
                continue
            self.pending.add(nid)
            node = self.nodes[nid]
            info = self.infos.info(node["class_type"])
            lazy = info.lazy_inputs
            deps = set()
            specs = info.specs
            for name, v in node.get("inputs", _EMPTY).items():
                if (type(v) is list or type(v) is tuple) and len(v) == 2 and type(v[0]) is str \
                        and name not in lazy and name in specs and not specs[name].raw_link \
                        and v[0] not in self.outputs:
                    deps.add(v[0])
            self._wait_on(nid, deps)
            stack.extend(d for d in deps if d not in self.pending)

    def push_ready(self, nid: str) -> None:
        self._seq += 1
        heapq.heappush(self.ready, (self.priority.get(nid, 1 << 40), self._seq, nid))

    def plan_order(self) -> None:
        """Priorities from a networkx topological order of the pending (pruned) graph.

        Async nodes go first so independent ones overlap; otherwise nodes run in this order
        as soon as their inputs are ready. Nodes added later (lazy, expansion) go last.
        """
        graph = nx.DiGraph()
        pending = self.pending
        graph.add_edges_from((d, x) for d, xs in self.dependents.items() if d in pending for x in xs)
        graph.add_nodes_from(n for n in pending if n not in graph)
        try:
            order = nx.topological_sort(graph)
            prio = {nid: i for i, nid in enumerate(order)}
        except nx.NetworkXUnfeasible:
            raise CycleError(sorted(nx.find_cycle(graph)[0])) from None
        for nid in prio:
            if self.infos.info(self.nodes[nid]["class_type"]).is_async:
                prio[nid] = -1
        self.priority = prio
        if self.ready:
            items = [nid for _, _, nid in self.ready]
            self.ready = []
            for nid in items:
                self.push_ready(nid)

    def _wait_on(self, nid: str, deps: set[str]) -> None:
        count = 0
        for d in deps:
            if d in self.outputs:
                continue
            self.dependents.setdefault(d, []).append(nid)
            count += 1
        self.waiting[nid] = count
        if count == 0:
            self.push_ready(nid)

    def _release(self, nid: str) -> None:
        for d in self.dependents.pop(nid, ()):
            self.waiting[d] -= 1
            if self.waiting[d] == 0:
                self.push_ready(d)

    def finish(self, nid: str, outputs: list[list], ui: dict | None, store: bool = True) -> None:
        self.outputs[nid] = outputs
        self.pending.discard(nid)
        if ui is not None:
            self.ui[nid] = ui
            if self.ev.executed:
                self.ev.executed(self.prompt_id, nid, ui)
        if store:
            self.cache.set(self.sigs[nid], CacheEntry(outputs, ui))
        self._release(nid)

    # -- inputs ------------------------------------------------------------
    def _hidden_value(self, kind: str, node_id: str) -> Any:
        if kind == "PROMPT":
            return self.prompt
        if kind == "EXTRA_PNGINFO":
            return self.extra_data.get("extra_pnginfo")
        if kind == "UNIQUE_ID":
            return node_id
        if kind == "DYNPROMPT":
            return DynamicPrompt(self.prompt, self.nodes)
        if kind == "AUTH_TOKEN_COMFY_ORG":
            return self.extra_data.get("auth_token_comfy_org")
        if kind == "API_KEY_COMFY_ORG":
            return self.extra_data.get("api_key_comfy_org")
        return None

    def gather(self, nid: str, info: NodeClassInfo) -> tuple[dict[str, list], ExecutionBlocker | None]:
        """Inputs as lists of items (ComfyUI's input_data_all); the first blocker found, if any."""
        node_inputs = self.nodes[nid].get("inputs", {})
        data: dict[str, list] = {}
        blocker = None
        for name, spec in info.specs.items():
            if spec.section == "hidden":
                data[name] = [self._hidden_value(spec.type, nid)]
                continue
            if name not in node_inputs:
                continue
            v = node_inputs[name]
            if is_link(v) and not spec.raw_link:
                out = self.outputs.get(v[0])
                if out is None:
                    if spec.lazy:
                        data[name] = [None]
                    continue
                items = out[int(v[1])]
                if blocker is None:
                    for it in items:
                        if isinstance(it, ExecutionBlocker):
                            blocker = it
                            break
                data[name] = items
            else:
                data[name] = [v]
        return data, blocker


def _map_calls(data: dict[str, list], input_is_list: bool) -> list[dict]:
    """The kwargs of each call: one call with whole lists, or one per item (shorter lists repeat their last)."""
    if input_is_list:
        return [dict(data)]
    if not data:
        return [{}]
    lens = [len(v) for v in data.values()]
    if lens.count(1) == len(lens):
        return [{k: v[0] for k, v in data.items()}]
    n = max(lens)
    if n == 0 or any(len(v) == 0 for v in data.values()):
        return []
    if n == 1:
        return [{k: v[0] for k, v in data.items()}]
    return [{k: v[i if i < len(v) else -1] for k, v in data.items()} for i in range(n)]


class Executor:
    """Runs API prompts with caching; report progress through a listener object."""

    def __init__(self, registry: Registry, cache: OutputCache, context: NodeContext | None = None) -> None:
        self.registry = registry
        self.cache = cache
        self.context = context
        self._interrupt = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._objects: dict[tuple, Any] = {}   # (node_id, class_type) -> instance, kept for the latest prompt
        self._info_memo = ClassInfoMemo()      # parsed INPUT_TYPES reused across runs while unchanged
        # (prompt JSON text, outputs) -> the signatures computed for it, when none depended on IS_CHANGED:
        # the same text gives the same signatures, so a re-run of an unchanged prompt skips them.
        self._sig_memo: tuple[tuple, dict[str, str]] | None = None

    def interrupt(self) -> None:
        """Stop the current run between nodes and at the node's next check_interrupt()."""
        self._interrupt.set()

    def reset_cache(self) -> None:
        self.cache.clear()
        self._objects.clear()

    def _prune_objects(self, run: _Run) -> None:
        # Keep the instances of the nodes this prompt has (run or not), drop the others.
        nodes = run.nodes
        stale = [key for key in self._objects
                 if key[0] not in nodes or nodes[key[0]].get("class_type") != key[1]]
        for key in stale:
            del self._objects[key]

    # -- public entry --------------------------------------------------------
    def execute(self, prompt: dict, prompt_id: str, extra_data: dict | None = None,
                outputs_to_execute: list[str] | None = None, listener: Any = None,
                prompt_text: str | None = None) -> ExecutionResult:
        """Run ``prompt``. ``prompt_text``: its JSON text when the caller has it (the server's queue
        does); an identical text with the same outputs lets a re-run reuse the node signatures."""
        args = (prompt, prompt_id, extra_data or {}, outputs_to_execute, listener, prompt_text)
        with self._lock:
            if asyncio._get_running_loop() is None:
                return self._execute(*args)
            # The caller's thread already runs an event loop (an async caller, or a library such as
            # Playwright's sync API): our own loop cannot run here, so the run happens in a helper thread.
            box: dict = {}

            def target() -> None:
                try:
                    box["result"] = self._execute(*args)
                except BaseException as exc:  # re-raised in the caller's thread
                    box["error"] = exc

            worker = threading.Thread(target=target, name="executor-run", daemon=True)
            worker.start()
            worker.join()
            if "error" in box:
                raise box["error"]
            return box["result"]

    def _execute(self, prompt: dict, prompt_id: str, extra_data: dict, outputs_to_execute: list[str] | None,
                 listener: Any, prompt_text: str | None = None) -> ExecutionResult:
        self._interrupt.clear()
        ev = _Events(listener)
        run = _Run(self, prompt, prompt_id, extra_data, ev)
        if outputs_to_execute is None:
            ok, error, outputs_to_execute, node_errors = validate_prompt(prompt, self.registry, infos=run.infos)
            if not ok:
                return ExecutionResult(False, error=error, node_errors=node_errors)
        outputs_to_execute = [str(o) for o in outputs_to_execute]
        if ev.execution_start:
            ev.execution_start(prompt_id)
        self.cache.begin_run()
        try:
            memo_key = ((prompt_text, tuple(outputs_to_execute), getattr(self.registry, "version", None))
                        if prompt_text is not None else None)
            memo = self._sig_memo
            if memo_key is not None and memo is not None and memo[0] == memo_key:
                run.sigs.update(memo[1])
            else:
                run.ensure_signatures(outputs_to_execute)
                self._sig_memo = (memo_key, dict(run.sigs)) if memo_key is not None and not run.volatile else None
            run.require(outputs_to_execute, replay=False)
            if run.pending:
                run.plan_order()
            # ComfyUI reports every node of the prompt whose output is cached (not only those
            # loaded), and those entries count as used by this run (the classic policy keeps them).
            loaded = set(run.cached)   # a set: a frontier of thousands of cached nodes stays linear
            in_cache = [n for n in run.sigs if n in loaded or self.cache.get(run.sigs[n]) is not None]
            if ev.execution_cached:
                ev.execution_cached(prompt_id, in_cache)
            if ev.executed:
                for nid in run.cached:
                    if nid in run.ui:
                        ev.executed(prompt_id, nid, run.ui[nid])
            self._schedule(run)
            if ev.execution_success:
                ev.execution_success(prompt_id)
        except _NodeFailed as f:
            return self._fail(run, f.node_id, f.original, f.inputs)
        except Interrupted as ex:
            return self._interrupted(run, getattr(ex, "node_id", None))
        except CycleError as ex:
            return self._fail(run, ex.node_ids[0] if ex.node_ids else None, ex, {})
        except Exception as ex:  # a malformed prompt run without validation, or an engine bug
            log.exception("prompt %s failed outside any node", prompt_id)
            return self._fail(run, None, ex, {})
        finally:
            self._cancel_tasks(run)
            self.cache.end_run()
            self._prune_objects(run)
            if ev.executing:
                ev.executing(prompt_id, None)
        return ExecutionResult(True, outputs=dict(run.ui), executed=run.executed, cached=run.cached)

    # The order of these two events relative to executing(None) follows api.md: the
    # error/interrupt event comes first, then executing None (sent in the finally above).
    def _fail(self, run: _Run, node_id: str | None, original: BaseException, inputs: dict) -> ExecutionResult:
        node = run.nodes.get(node_id, {}) if node_id is not None else {}
        info = {
            "prompt_id": run.prompt_id,
            "node_id": node_id,
            "node_type": node.get("class_type"),
            "executed": run.executed + run.cached,
            "exception_message": str(original),
            "exception_type": full_type_name(original),
            "traceback": traceback.format_tb(original.__traceback__),
            "current_inputs": {k: [_format_value(x) for x in v] for k, v in inputs.items()},
            "current_outputs": list(run.outputs),
        }
        if run.ev.execution_error:
            run.ev.execution_error(run.prompt_id, info)
        return ExecutionResult(False, outputs=dict(run.ui), error=info, executed=run.executed, cached=run.cached)

    def _interrupted(self, run: _Run, node_id: str | None) -> ExecutionResult:
        node = run.nodes.get(node_id, {}) if node_id is not None else {}
        info = {"prompt_id": run.prompt_id, "node_id": node_id, "node_type": node.get("class_type"),
                "executed": run.executed + run.cached}
        if run.ev.execution_interrupted:
            run.ev.execution_interrupted(run.prompt_id, info)
        return ExecutionResult(False, outputs=dict(run.ui), interrupted=True, executed=run.executed,
                               cached=run.cached, error=info)

    # -- the schedule ---------------------------------------------------------
    def _check_interrupt(self, node_id: str | None) -> None:
        if self._interrupt.is_set():
            ex = Interrupted("interrupted")
            ex.node_id = node_id  # type: ignore[attr-defined]
            raise ex

    def _schedule(self, run: _Run) -> None:
        while run.pending:
            while run.ready:
                nid = heapq.heappop(run.ready)[2]
                self._check_interrupt(nid)
                self._step(run, nid)
            if run.pending and not run.ready:
                if run.tasks:
                    self._wait_tasks(run)
                else:
                    stuck = sorted(run.pending)[:20]
                    raise CycleError(stuck)

    def _step(self, run: _Run, nid: str) -> None:
        """Advance node ``nid``: finish an expansion, ask for lazy inputs, or call its function."""
        node = run.nodes[nid]
        class_type = node["class_type"]
        info = run.infos.info(class_type)
        if nid in run.expanded:
            self._finish_expanded(run, nid, info)
            return
        data, blocker = run.gather(nid, info)
        if blocker is not None:
            if blocker.message is not None:
                raise _NodeFailed(nid, RuntimeError(blocker.message), data)
            run.blocked.append(nid)
            run.finish(nid, [[blocker] for _ in info.return_types], None)
            return
        if info.has_lazy and info.lazy_inputs:
            if self._request_lazy(run, nid, info, data):
                return
        calls = _map_calls(data, info.input_is_list)
        if run.ev.executing:
            run.ev.executing(run.prompt_id, nid)
        obj = self._instance(run, nid, info)
        fn = getattr(obj, info.function)
        scope = NodeScope(self.context, run.prompt_id, nid, class_type, self._progress_hook(run, nid),
                          self._interrupt.is_set)
        if info.is_async:
            with activate(scope):
                task = self._loop_get().create_task(self._call_async(fn, calls, nid, data))
            run.tasks[task] = nid
            run.executed.append(nid)
            self._loop_get().run_until_complete(asyncio.sleep(0))  # let it start
            return
        results = []
        token = _SCOPE.set(scope)   # what context.activate() does, minus the generator overhead
        try:
            for kwargs in calls:
                results.append(fn(**kwargs))
        except Interrupted as ex:
            ex.node_id = nid  # type: ignore[attr-defined]
            raise
        except Exception as ex:
            raise _NodeFailed(nid, ex, data) from ex
        finally:
            _SCOPE.reset(token)
        run.executed.append(nid)
        self._handle_results(run, nid, info, results)

    def _instance(self, run: _Run, nid: str, info: NodeClassInfo) -> Any:
        """The node's object, kept across runs per (node id, class) as ComfyUI does."""
        key = (nid, run.nodes[nid]["class_type"])
        obj = self._objects.get(key)
        if obj is None or type(obj) is not info.cls:   # new node, or its class was re-registered
            obj = self._objects[key] = info.cls()
        return obj

    def _request_lazy(self, run: _Run, nid: str, info: NodeClassInfo, data: dict) -> bool:
        """Call check_lazy_status; schedule what it asks for. True when the node must wait."""
        node_inputs = run.nodes[nid].get("inputs", {})
        obj = self._instance(run, nid, info)
        asked: list[str] = []
        try:
            scope = NodeScope(self.context, run.prompt_id, nid, info.cls.__name__, None, self._interrupt.is_set)
            with activate(scope):
                for kwargs in _map_calls(data, info.input_is_list):
                    r = obj.check_lazy_status(**kwargs)
                    if inspect.isawaitable(r):
                        r = self._loop_get().run_until_complete(r)
                    asked.extend(r or [])
        except Interrupted:
            raise
        except Exception as ex:
            raise _NodeFailed(nid, ex, data) from ex
        done = run.lazy_requested.setdefault(nid, set())
        deps = set()
        for name in asked:
            v = node_inputs.get(name)
            if name in done or not is_link(v) or v[0] in run.outputs:
                continue
            done.add(name)
            deps.add(v[0])
        if not deps:
            return False
        run.ensure_signatures(sorted(deps))
        run.require(sorted(deps), replay=True)
        run._wait_on(nid, deps)
        return True

    def _progress_hook(self, run: _Run, nid: str) -> Callable[[int, int, Any], None] | None:
        ev = run.ev.progress
        if ev is None:
            return None
        pid = run.prompt_id
        return lambda value, max_, preview=None: ev(pid, nid, value, max_, preview)

    # -- results --------------------------------------------------------------
    def _handle_results(self, run: _Run, nid: str, info: NodeClassInfo, results: list) -> None:
        n_out = len(info.return_types)
        per_call: list[tuple] = []
        ui: dict | None = None
        expand: dict[str, dict] = {}
        for r in results:
            if isinstance(r, dict):
                if r.get("ui") is not None:
                    if ui is None:
                        ui = {}
                    for k, v in r["ui"].items():
                        if isinstance(v, tuple):   # ComfyUI's nodes return ("text",): a list, joined across runs
                            v = list(v)
                        if k in ui and isinstance(ui[k], list) and isinstance(v, list):
                            ui[k] = ui[k] + v
                        else:
                            ui[k] = v
                if r.get("expand"):
                    expand.update(r["expand"])
                res = r.get("result")
                res = tuple(res) if res is not None else (None,) * n_out
            elif isinstance(r, ExecutionBlocker):
                res = (r,) * n_out
            elif r is None:
                res = (None,) * n_out
            else:
                res = tuple(r)
            if n_out and len(res) != n_out:
                raise _NodeFailed(nid, ValueError(
                    f"{info.cls.__name__} returned {len(res)} values but declares {n_out} outputs "
                    f"{list(info.return_types)}"), {})
            per_call.append(res)
        if expand:
            self._splice(run, nid, expand, per_call, ui)
            return
        run.finish(nid, self._merge(info, per_call), ui)

    @staticmethod
    def _merge(info: NodeClassInfo, per_call: list[tuple], resolve: Callable[[Any], list] | None = None) -> list[list]:
        outputs: list[list] = []
        for i, is_list in enumerate(info.output_is_list):
            items: list = []
            for res in per_call:
                v = res[i]
                if resolve is not None and is_link(v):
                    items.extend(resolve(v))
                elif is_list and isinstance(v, (list, tuple)):
                    items.extend(v)
                else:
                    items.append(v)
            outputs.append(items)
        return outputs

    def _splice(self, run: _Run, nid: str, graph: dict[str, dict], per_call: list[tuple], ui: dict | None) -> None:
        """Add an expansion's nodes to the run and make ``nid`` wait for the ones its result links to."""
        for new_id, new_node in graph.items():
            if not isinstance(new_node, dict) or self.registry.get(new_node.get("class_type")) is None:
                raise _NodeFailed(nid, ValueError(
                    f"expansion node '{new_id}' has unknown class_type {new_node.get('class_type')!r}"), {})
            if new_id in run.prompt or (new_id in run.nodes and new_id not in graph):
                raise _NodeFailed(nid, ValueError(f"expansion node id '{new_id}' clashes with an existing node"), {})
            run.nodes[new_id] = {"class_type": new_node["class_type"], "inputs": dict(new_node.get("inputs") or {})}
            run.sigs.pop(new_id, None)
        needed = {v[0] for res in per_call for v in res if is_link(v)}
        needed |= {k for k in graph if run.infos.info(graph[k]["class_type"]).output_node}
        unknown = [d for d in needed if d not in run.nodes]
        if unknown:
            raise _NodeFailed(nid, ValueError(f"expansion result links to unknown node(s) {unknown}"), {})
        try:
            run.ensure_signatures(sorted(needed))
        except CycleError as ex:
            raise _NodeFailed(nid, ex, {}) from ex
        run.expanded[nid] = [per_call, ui]
        run.require(sorted(needed), replay=True)
        run._wait_on(nid, needed)

    def _finish_expanded(self, run: _Run, nid: str, info: NodeClassInfo) -> None:
        per_call, ui = run.expanded.pop(nid)
        outputs = self._merge(info, per_call, lambda link: run.outputs[link[0]][int(link[1])])
        run.finish(nid, outputs, ui)

    # -- async nodes ------------------------------------------------------------
    def _loop_get(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        return self._loop

    async def _call_async(self, fn: Callable, calls: list[dict], nid: str, data: dict) -> list:
        try:
            return list(await asyncio.gather(*(fn(**kw) for kw in calls)))
        except Interrupted as ex:
            ex.node_id = nid  # type: ignore[attr-defined]
            raise
        except Exception as ex:
            raise _NodeFailed(nid, ex, data) from ex

    def _wait_tasks(self, run: _Run) -> None:
        loop = self._loop_get()
        done, _ = loop.run_until_complete(asyncio.wait(list(run.tasks), return_when=asyncio.FIRST_COMPLETED))
        for task in done:
            nid = run.tasks.pop(task)
            results = task.result()  # re-raises _NodeFailed / Interrupted
            info = run.infos.info(run.nodes[nid]["class_type"])
            self._handle_results(run, nid, info, results)

    def _cancel_tasks(self, run: _Run) -> None:
        if not run.tasks:
            return
        loop = self._loop_get()
        for task in run.tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*run.tasks, return_exceptions=True))
        run.tasks.clear()

    def close(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.close()
