"""The simulator's request history: the listing and one request of any age."""

from __future__ import annotations

import base64
import hashlib
import heapq
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from . import worlds
from .replies import IMAGE_MARK, STATE, _error, _gate, _iso, _output_url
from .state import SimJob, SimState


def _history_gate(request: web.Request) -> web.Response | None:
    """The rate gate, then the history's own mode: working, gone (404) or failing (500, or now and then: the
    ``history_error`` fault)."""
    state = request.app[STATE]
    denied = _gate(request, counted=state.config.polls_count)
    if denied:
        return denied
    if state.config.history == "off":
        return _error(404, "Not Found")
    if state.config.history == "error" or state.fault("history_error") is not None:
        return _error(500, "Internal Server Error")
    return None


def _history_body(state: SimState, body: dict[str, Any]) -> dict[str, Any]:
    """What a history row shows of a body: each image (in a field, or in a list's objects) as whole base64, a
    URL, truncated, or left out (a list's item dropped)."""
    how = state.config.history_image

    def shown(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: shown(v) for k, v in value.items() if not (how == "absent" and _is_mark(v))}
        if isinstance(value, list):
            return [shown(v) for v in value if not (how == "absent" and _is_mark(v))]
        if not _is_mark(value):
            return value
        digest = value[len(IMAGE_MARK) :]
        if how == "url":
            return f"https://segmind-uploads.example/inputs/{digest}.png"
        text = base64.b64encode(state.images.get(digest, b"")).decode("ascii")
        return text if how == "whole" else text[:256] + "..."

    return dict(shown(body))


def _is_mark(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(IMAGE_MARK)


def _latency_ms(job: SimJob, measure: str, odd: dict[str, str]) -> int | None:
    """A finished row's ``latency_ms``: submit to finish, the inference alone, or none; for a job whose prompt
    holds a text of ``odd``, that odd value instead."""
    prompt = str(job.body.get("prompt") or "")
    kind = next((kind for text, kind in odd.items() if text and text in prompt), None)
    if measure == "none" or kind == "absent":
        return None
    since = job.submitted if measure == "total" else max(job.submitted, job.start)
    ms = round((job.finish - since) * 1000)
    return {"negative": -ms, "zero": 0, "tiny": 1, "huge": 365 * 86_400_000}.get(kind or "", ms)


def _history_row(job: SimJob, request: web.Request, now: float) -> dict[str, Any]:
    phase = job.status_at(now)
    done = phase in ("COMPLETED", "FAILED", "CANCELLED")
    state = request.app[STATE]
    link = state.config.history_url
    url = None
    if phase == "COMPLETED" and link == "other":
        url = _output_url(request, job, "previews/{}.jpg")
    elif phase == "COMPLETED" and link == "result":
        url = _output_url(request, job)
    return {
        "request_id": worlds.history_id(state, job.request_id),
        "model_name": worlds.history_model_name(state, job.slug),
        "model_status": phase if done else "PENDING",
        "credits_deduction": worlds.charge_shown(state, job.cost) if phase == "COMPLETED" else 0.0,
        "request_body": worlds.history_body(state, job.slug, _history_body(state, job.body)),
        "generation_url": url,
        "latency_ms": _latency_ms(job, state.config.history_latency, state.config.history_latency_odd)
        if done
        else None,
        "created_at": _iso(job.submitted),
        "updated_at": _iso(min(now, job.finish)),
        "error": job.error if phase in ("FAILED", "CANCELLED") else None,
    }


async def history(request: web.Request) -> web.StreamResponse:
    denied = _history_gate(request)
    if denied:
        return denied
    state = request.app[STATE]
    now = state.clock.now()
    q = request.query
    try:
        page = max(1, int(q.get("page", "1")))
        per_page = int(q.get("per_page", "20"))
        today = datetime.fromtimestamp(now, UTC).date()
        to_date = datetime.strptime(q["to_date"], "%Y-%m-%d").date() if "to_date" in q else today
        default_from = to_date - timedelta(days=7)
        from_date = datetime.strptime(q["from_date"], "%Y-%m-%d").date() if "from_date" in q else default_from
    except ValueError:
        return _error(400, "Invalid query parameters")
    refused = [name for name in state.config.history_refuses if name in q]
    if refused:
        return _error(400, f"Unknown query parameter: {refused[0]}")
    if not 1 <= per_page <= 100:
        return _error(400, "per_page must be between 1 and 100")
    cap = state.config.history_page_cap
    per_page = min(per_page, cap) if cap is not None else per_page
    if (to_date - from_date).days > 31:
        return _error(400, "The date window may span at most 31 days")
    model = q.get("model_name")
    wanted = q.get("status")
    account = worlds.account_of(state, request.headers.get("x-api-key"))
    made = heapq.merge(state.backlog, state.jobs.values(), state.others, key=lambda job: job.submitted)
    jobs = [job for job in made if job.account == account]  # in creation order
    order = state.config.history_order
    if order == "unsorted":  # a stable order that has nothing to do with time
        jobs.sort(key=lambda job: hashlib.sha256(job.request_id.encode()).digest())
    newest_first = order == "asked" and q.get("sort_order", "desc") != "asc"
    start = (page - 1) * per_page
    rows: list[dict[str, Any]] = []
    total = 0
    seen_at = now - state.config.history_lag_s  # the history shows the past, when it lags
    finished_only = state.config.history_shows == "finished"
    for job in reversed(jobs) if newest_first else jobs:
        if job.submitted > seen_at or (finished_only and _phase_label(job, seen_at) == "PENDING"):
            continue  # not in the history yet
        if model and model not in worlds.history_model_name(state, job.slug):
            continue
        day = datetime.fromtimestamp(job.submitted, UTC).date()
        if not from_date <= day <= to_date:
            continue
        if wanted and _phase_label(job, seen_at) != wanted:
            continue
        if start <= total < start + per_page:
            rows.append(row := _history_row(job, request, seen_at))
            if row["generation_url"] and state.config.history_url == "result":
                state.first_fetch.setdefault(job.request_id, now)  # a sweep is told where its video is
        total += 1
    if cap is not None:  # a server that caps its pages may not say so: the rows alone
        return web.json_response({"data": rows})
    return web.json_response({"data": rows, "page": page, "per_page": per_page, "total": total})


def _phase_label(job: SimJob, now: float) -> str:
    phase = job.status_at(now)
    return phase if phase in ("COMPLETED", "FAILED", "CANCELLED") else "PENDING"


async def history_one(request: web.Request) -> web.StreamResponse:
    denied = _history_gate(request)
    if denied:
        return denied
    state = request.app[STATE]
    job = worlds.history_job(state, request.match_info["rid"])
    seen_at = state.clock.now() - state.config.history_lag_s
    account = worlds.account_of(state, request.headers.get("x-api-key"))
    if job is None or job.submitted > seen_at or job.account != account:
        return _error(404, "Request not found")
    if state.config.history_shows == "finished" and _phase_label(job, seen_at) == "PENDING":
        return _error(404, "Request not found")
    return web.json_response(_history_row(job, request, seen_at))
