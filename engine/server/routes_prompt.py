"""Queue, history, jobs, interrupt and free endpoints."""
from __future__ import annotations

import json
import logging
import math
import uuid
from typing import Any

from aiohttp import web

from engine.graph.validation import ClassInfoCache, ClassInfoMemo, ValidationMemo, validate_prompt

from . import fastjson
from .admission import PromptRequest
from .bodies import bad_request, opt_bool, opt_str_list, query_int, read_json_object
from .jobs import JOB_STATUSES, job_from_history, job_from_queue, sort_jobs
from .queue import now_ms
from .state import state_of

log = logging.getLogger(__name__)

SENSITIVE_KEYS = ("auth_token_comfy_org", "api_key_comfy_org")
MAX_PROMPT_ID_LEN = 200
# Hooks run on every POST /prompt body before it is read (custom packs' on_prompt handlers): body -> body.
PROMPT_HANDLERS = web.AppKey("prompt_handlers", list)


def _prompt_error(type_: str, message: str, details: str = "", status: int = 400) -> web.Response:
    return web.json_response({"error": {"type": type_, "message": message, "details": details or message,
                                        "extra_info": {}}, "node_errors": {}}, status=status)


def _check_prompt_shape(prompt: Any) -> web.Response | None:
    if not isinstance(prompt, dict):
        return _prompt_error("invalid_prompt", "The prompt must be a JSON object of nodes",
                             f"got {type(prompt).__name__}")
    for nid, node in prompt.items():
        if not isinstance(node, dict):
            return _prompt_error("invalid_prompt", f"Cannot execute because node {nid} is not a JSON object.",
                                 f"Node ID '#{nid}'")
        if "class_type" not in node:
            return _prompt_error("invalid_prompt",
                                 "Cannot execute because a node is missing the class_type property.",
                                 f"Node ID '#{nid}'")
        if not isinstance(node["class_type"], str):
            return _prompt_error("invalid_prompt", f"Cannot execute because node {nid} has a class_type "
                                 "that is not a string.", f"Node ID '#{nid}'")
        if "inputs" in node and not isinstance(node["inputs"], dict):
            return _prompt_error("invalid_prompt", f"Cannot execute because the inputs of node {nid} are "
                                 "not a JSON object.", f"Node ID '#{nid}'")
    return None


def make_validator(registry: Any):
    """validate(PromptRequest) for the admission thread (its only caller, so the memo is not shared)."""
    memo = ClassInfoMemo()
    seen = ValidationMemo(memo)

    def validate(req: PromptRequest) -> tuple[bool, dict | None, list[str], dict]:
        # The text is needed anyway (the queue stores it); a prompt posted again unchanged, the
        # common case of re-running a workflow, reuses its earlier validation (see ValidationMemo).
        text = fastjson.dumps(req.prompt)
        hit = seen.get(registry, text, req.targets)
        if hit is not None:
            req.prompt_json = text
            return True, None, hit[0], hit[1]
        infos = ClassInfoCache(registry, memo)
        ok, error, outputs, node_errors = validate_prompt(req.prompt, registry, req.targets, infos=infos)
        if ok:
            after = fastjson.dumps(req.prompt)   # validation may coerce values in place
            req.prompt_json = after
            if after == text:
                seen.put(text, req.targets, req.prompt, infos, outputs, node_errors)
        return ok, error, outputs, node_errors
    return validate


async def post_prompt(request: web.Request) -> web.Response:
    st = state_of(request)
    body = await read_json_object(request)
    for hook in request.app.get(PROMPT_HANDLERS, ()):
        body = hook(body)
        if not isinstance(body, dict):
            raise bad_request(f"an on_prompt handler returned {type(body).__name__} instead of the prompt body")
    if "prompt" not in body:
        return _prompt_error("no_prompt", "No prompt provided")
    prompt = body["prompt"]
    bad = _check_prompt_shape(prompt)
    if bad is not None:
        return bad
    number = body.get("number")
    if number is not None:
        # ComfyUI takes float(number): numbers and numeric strings ("3")
        try:
            if isinstance(number, bool) or not isinstance(number, (int, float, str)):
                raise ValueError
            number = float(number)
        except (ValueError, OverflowError):
            raise bad_request(f"'number' must be a finite number, got {number!r}") from None
        if not math.isfinite(number):
            raise bad_request(f"'number' must be a finite number, got {body['number']!r}")
        st.queue.next_number(False)   # as ComfyUI, every POST advances the counter, explicit numbers too
    else:
        number = st.queue.next_number(opt_bool(body, "front"))
    client_id = body.get("client_id")
    if client_id is not None and not isinstance(client_id, str):
        raise bad_request("'client_id' must be a string")
    prompt_id = body.get("prompt_id")
    if prompt_id is None:
        prompt_id = str(uuid.uuid4())
    elif not isinstance(prompt_id, str) or not prompt_id or len(prompt_id) > MAX_PROMPT_ID_LEN:
        raise bad_request(f"'prompt_id' must be a non-empty string of at most {MAX_PROMPT_ID_LEN} characters")
    extra = body.get("extra_data", {})
    if extra is None:
        extra = {}
    if not isinstance(extra, dict):
        raise bad_request("'extra_data' must be a JSON object")
    if extra.get("extra_pnginfo") is not None and not isinstance(extra["extra_pnginfo"], dict):
        # saved into every PNG as {key: JSON text}: anything else would fail only when an image is saved
        raise bad_request("'extra_data.extra_pnginfo' must be a JSON object")
    targets = body.get("partial_execution_targets")
    if targets is not None and (not isinstance(targets, list) or not all(isinstance(t, str) for t in targets)):
        raise bad_request("'partial_execution_targets' must be a list of node ids (strings)")
    extra = dict(extra)
    sensitive = {k: extra.pop(k) for k in SENSITIVE_KEYS if k in extra}
    if client_id is not None:
        extra["client_id"] = client_id
    extra["create_time"] = now_ms()
    ok, result = await st.admission.submit(PromptRequest(prompt, targets, number, prompt_id, extra, sensitive))
    return web.json_response(result, status=200 if ok else 400)


async def get_prompt(request: web.Request) -> web.Response:
    return web.json_response({"exec_info": {"queue_remaining": state_of(request).queue.remaining()}})


async def get_queue(request: web.Request) -> web.Response:
    running, pending = state_of(request).queue.snapshot()
    return web.json_response({"queue_running": [i.as_list() for i in running],
                              "queue_pending": [i.as_list() for i in pending]})


async def _clear_and_delete(request: web.Request, clear, delete) -> web.Response:
    """POST /queue and POST /history: {"clear": true} and/or {"delete": [prompt ids]}."""
    st = state_of(request)
    body = await read_json_object(request)
    ids = opt_str_list(body, "delete")
    if opt_bool(body, "clear"):
        await st.in_db(clear)
    if ids:
        await st.in_db(delete, ids)
    return web.Response(status=200)


async def post_queue(request: web.Request) -> web.Response:
    st = state_of(request)
    return await _clear_and_delete(request, st.queue.wipe, st.queue.delete)


async def post_interrupt(request: web.Request) -> web.Response:
    st = state_of(request)
    body = None
    try:
        body = await read_json_object(request, empty_ok=True)
    except web.HTTPBadRequest:
        body = {}   # ComfyUI accepts an empty or non-JSON body as a global interrupt
    pid = body.get("prompt_id") if isinstance(body, dict) else None
    if pid is not None and not isinstance(pid, str):
        raise bad_request("'prompt_id' must be a string")
    st.worker.interrupt(pid)
    return web.Response(status=200)


async def post_free(request: web.Request) -> web.Response:
    st = state_of(request)
    body = await read_json_object(request, empty_ok=True)
    free_memory = opt_bool(body, "free_memory")
    unload = opt_bool(body, "unload_models", free_memory)
    st.worker.request_free(unload, free_memory)
    return web.Response(status=200)


async def get_history(request: web.Request) -> web.Response:
    st = state_of(request)
    max_items = query_int(request, "max_items", None, minimum=0)
    offset = query_int(request, "offset", -1)
    text = await st.in_db(st.store.history_json, max_items, offset)
    return web.Response(text=text, content_type="application/json")


async def get_history_item(request: web.Request) -> web.Response:
    st = state_of(request)
    pid = request.match_info["prompt_id"]
    text = st.store.recent_history_item_json(pid)
    if text is None:
        text = await st.in_db(st.store.history_item_json, pid)
    # The stored entry text goes out as it is: no parse and re-serialise of a big prompt.
    return web.Response(text=f"{{{json.dumps(pid)}: {text}}}" if text is not None else "{}",
                        content_type="application/json")


async def post_history(request: web.Request) -> web.Response:
    st = state_of(request)
    return await _clear_and_delete(request, st.store.history_clear, st.store.history_delete)


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def get_jobs(request: web.Request) -> web.Response:
    st = state_of(request)
    q = request.query
    statuses = None
    if q.get("status"):
        statuses = [s.strip() for s in q["status"].split(",") if s.strip()]
        unknown = [s for s in statuses if s not in JOB_STATUSES]
        if unknown:
            return _error(f"Invalid status value(s): {', '.join(unknown)}. Valid: {', '.join(JOB_STATUSES)}")
    sort_by = q.get("sort_by", "created_at")
    if sort_by not in ("created_at", "execution_duration"):
        return _error("sort_by must be 'created_at' or 'execution_duration'")
    sort_order = q.get("sort_order", "desc")
    if sort_order not in ("asc", "desc"):
        return _error("sort_order must be 'asc' or 'desc'")
    try:
        limit = query_int(request, "limit", None, minimum=1)
        offset = query_int(request, "offset", 0, minimum=0)
    except web.HTTPBadRequest as e:
        return web.Response(status=400, text=e.text, content_type="application/json")
    workflow_id = q.get("workflow_id") or None
    running, pending = st.queue.snapshot()
    history = await st.in_db(st.store.history, None, -1)
    jobs = [job_from_queue(i, "in_progress") for i in running] + [job_from_queue(i, "pending") for i in pending]
    jobs += [job_from_history(pid, h) for pid, h in history.items()]
    if statuses is not None:
        jobs = [j for j in jobs if j["status"] in statuses]
    if workflow_id:
        jobs = [j for j in jobs if j.get("workflow_id") == workflow_id]
    jobs = sort_jobs(jobs, sort_by, sort_order)
    total = len(jobs)
    page = jobs[offset:] if limit is None else jobs[offset:offset + limit]
    return web.json_response({"jobs": page, "pagination": {
        "offset": offset, "limit": limit, "total": total, "has_more": offset + len(page) < total}})


async def get_job(request: web.Request) -> web.Response:
    st = state_of(request)
    pid = request.match_info["job_id"]
    entry = await st.in_db(st.store.history_item, pid)
    if entry is not None:
        return web.json_response(job_from_history(pid, entry, include_outputs=True))
    found = st.queue.find(pid)
    if found is None:
        return _error("Job not found", 404)
    status, item = found
    return web.json_response(job_from_queue(item, status))


def routes() -> list[tuple[str, str, Any]]:
    return [
        ("POST", "/prompt", post_prompt), ("GET", "/prompt", get_prompt),
        ("GET", "/queue", get_queue), ("POST", "/queue", post_queue),
        ("POST", "/interrupt", post_interrupt), ("POST", "/free", post_free),
        ("GET", "/history", get_history), ("GET", "/history/{prompt_id}", get_history_item),
        ("POST", "/history", post_history),
    ]


def api_only_routes() -> list[tuple[str, str, Any]]:
    """Declared with the /api prefix already (also reachable under /api/api, as in ComfyUI)."""
    return [("GET", "/api/jobs", get_jobs), ("GET", "/api/jobs/{job_id}", get_job)]
