"""Job objects for /api/jobs, built from queue items and history entries (ComfyUI's jobs shape)."""
from __future__ import annotations

from typing import Any

from .queue import QueueItem

JOB_STATUSES = ("pending", "in_progress", "completed", "failed", "cancelled")
PREVIEWABLE = ("images", "video", "audio", "gifs")


def _prune(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _meta(extra_data: Any) -> tuple[Any, Any]:
    if not isinstance(extra_data, dict):
        return None, None
    workflow = ((extra_data.get("extra_pnginfo") or {}) if isinstance(extra_data.get("extra_pnginfo"), dict)
                else {}).get("workflow")
    wid = workflow.get("id") if isinstance(workflow, dict) else None
    return extra_data.get("create_time"), wid


def job_from_queue(item: QueueItem, status: str) -> dict:
    create_time, wid = _meta(item.extra_data)
    return _prune({"id": item.prompt_id, "status": status, "priority": item.number, "create_time": create_time,
                   "outputs_count": 0, "workflow_id": wid})


def _outputs_summary(outputs: dict) -> tuple[int, dict | None]:
    count, preview, fallback = 0, None, None
    for nid, ui in (outputs or {}).items():
        if not isinstance(ui, dict):
            continue
        for media, items in ui.items():
            if media == "animated" or not isinstance(items, list):
                continue
            for it in items:
                count += 1
                if preview is None and isinstance(it, dict) and media in PREVIEWABLE:
                    enriched = {**it, "nodeId": nid, "mediaType": media}
                    if it.get("type") == "output":
                        preview = enriched
                    elif fallback is None:
                        fallback = enriched
    return count, preview or fallback


def job_from_history(prompt_id: str, entry: dict, include_outputs: bool = False) -> dict:
    prompt_list = entry.get("prompt") or [None, prompt_id, {}, {}, []]
    priority, _, prompt, extra_data = prompt_list[0], prompt_list[1], prompt_list[2], prompt_list[3]
    create_time, wid = _meta(extra_data)
    status_info = entry.get("status") or {}
    start = end = error = None
    interrupted = False
    for ev in status_info.get("messages", []):
        if not (isinstance(ev, list) and len(ev) >= 2 and isinstance(ev[1], dict)):
            continue
        name, data = ev[0], ev[1]
        if name == "execution_start":
            start = data.get("timestamp")
        elif name in ("execution_success", "execution_error", "execution_interrupted"):
            end = data.get("timestamp")
            if name == "execution_error":
                error = data
            elif name == "execution_interrupted":
                interrupted = True
    s = status_info.get("status_str")
    status = "completed" if s == "success" else ("cancelled" if interrupted else "failed")
    count, preview = _outputs_summary(entry.get("outputs") or {})
    job = _prune({"id": prompt_id, "status": status, "priority": priority, "create_time": create_time,
                  "execution_start_time": start, "execution_end_time": end, "execution_error": error,
                  "outputs_count": count, "preview_output": preview, "workflow_id": wid})
    if include_outputs:
        job["outputs"] = entry.get("outputs") or {}
        job["execution_status"] = status_info
        job["workflow"] = {"prompt": prompt, "extra_data": extra_data}
    return job


def sort_jobs(jobs: list[dict], sort_by: str, order: str) -> list[dict]:
    if sort_by == "execution_duration":
        def key(j: dict) -> float:
            s, e = j.get("execution_start_time"), j.get("execution_end_time")
            return (e - s) if (s and e) else 0
    else:
        def key(j: dict) -> float:
            return j.get("create_time") or 0
    return sorted(jobs, key=key, reverse=(order == "desc"))
