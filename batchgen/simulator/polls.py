"""The simulator's poll routes: status and result of a request, and the account's credits."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import worlds
from .replies import STATE, _drop, _error, _gate, _output_url, _urls, _video
from .state import SimJob, SimState


def _poll_gate(request: web.Request) -> tuple[web.StreamResponse | None, SimJob | None]:
    state = request.app[STATE]
    denied = _gate(request, counted=state.config.polls_count)
    if denied:
        return denied, None
    if state.fault("poll_drop") is not None:
        return _drop(request), None
    if state.fault("poll_error") is not None:
        return _error(503, "Service temporarily unavailable"), None
    rid = request.match_info["rid"]
    job = state.live_job(rid)
    if job is None or job.account != worlds.account_of(state, request.headers.get("x-api-key")):
        return _error(404, f"Request {rid} not found"), None
    now = state.clock.now()
    if job.hostile == "echo_key" and job.status_at(now) in ("COMPLETED", "FAILED"):
        key = request.headers.get("x-api-key", "")
        body = {"status": "FAILED", "request_id": rid, "error": f"moderation failed for key {key}", "metrics": {}}
        return web.json_response(body, status=422), None
    if job.status_at(now) == "FAILED":
        return _failed(job, now, state), None  # the same 422 body on both endpoints
    return None, job


def _metrics(job: SimJob, now: float, *, billing: bool, state: SimState) -> dict[str, Any]:
    queue_time = max(0.0, job.start - job.submitted)
    inference = max(0.0, min(now, job.finish) - job.start)
    metrics: dict[str, Any] = {
        "inference_time": round(inference, 3),
        "queue_time": round(queue_time, 3),
        "total_time": round(queue_time + inference, 3),
    }
    if billing:
        if (shown := worlds.charge_shown(state, job.cost)) is not None:
            metrics["cost"] = shown
        metrics["remaining_credits"] = round(state.balance, 6)
    if job.retry_count:
        metrics["retry_count"] = job.retry_count
    return metrics


def _failed(job: SimJob, now: float, state: SimState) -> web.Response:
    body = {
        "status": worlds.spell(state, job, "FAILED", now),
        "request_id": job.request_id,
        "error": job.error,
        "metrics": _metrics(job, now, billing=False, state=state),
    }
    return web.json_response(body, status=422)


async def status(request: web.Request) -> web.StreamResponse:
    answered, job = _poll_gate(request)
    if answered or job is None:
        return answered or _error(500, "unreachable")
    now = request.app[STATE].clock.now()
    phase = job.status_at(now)
    body: dict[str, Any] = {"status": worlds.spell(request.app[STATE], job, phase, now), "request_id": job.request_id}
    if phase == "COMPLETED":
        body["metrics"] = {"inference_time": round(job.finish - job.start, 3)}
    else:
        body.update({k: v for k, v in _urls(request, job.request_id).items() if k != "poll_url"})
        body["metrics"] = {}
        return web.json_response(body, status=request.app[STATE].config.accepted_status)
    return web.json_response(body)


async def result(request: web.Request) -> web.StreamResponse:
    answered, job = _poll_gate(request)
    if answered or job is None:
        return answered or _error(500, "unreachable")
    state = request.app[STATE]
    now = state.clock.now()
    phase = job.status_at(now)
    if phase != "COMPLETED":
        mode = state.config.nonterminal_result
        if mode == "error-400":
            return _error(400, "Request is not completed yet")
        if mode == "not-found":
            return _error(404, "Result not found")
        spelled = worlds.spell(state, job, phase, now)
        pending: dict[str, Any] = {"status": spelled, "request_id": job.request_id, "metrics": {}}
        if mode == "empty-output":
            pending["output"] = ""
        return web.json_response(pending, status=state.config.accepted_status)
    state.first_fetch.setdefault(job.request_id, now)
    state.results_served.add(job.request_id)
    url = _output_url(request, job)
    size = len(_video(state, job))
    hostile = job.hostile
    if hostile == "non_json":
        return web.Response(text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
    if hostile == "redirect_api":
        raise web.HTTPFound(location=url)
    if hostile == "bad_scheme":
        url = "file:///etc/passwd"
    elif hostile == "redirect_output":
        url = f"{request.scheme}://{request.host}/r/{job.file_id}"
    elif hostile == "lying_size":
        size += 1000
    body: dict[str, Any] = {
        "status": worlds.spell(state, job, "COMPLETED", now),
        "request_id": job.request_id,
        "error": None,
        "output": url,
        "video": {"url": url, "content_type": "video/mp4", "file_name": f"{job.file_id}.mp4", "file_size": size},
        "metrics": _metrics(job, now, billing=True, state=state),
    }
    worlds.shape_output(state, body, url, _output_url(request, job, "previews/{}.jpg"))
    if hostile == "no_output":
        body.pop("output", None)
        body.pop("video", None)
    elif hostile == "huge":
        body["padding"] = "x" * (4 << 20)
    return web.json_response(body)


async def credits(request: web.Request) -> web.StreamResponse:
    denied = _gate(request, counted=request.app[STATE].config.polls_count)
    if denied:
        return denied
    state = request.app[STATE]
    answer = state.config.credits_answer
    if answer == "not-found":  # an account with no balance record (SEGMIND_API.md, [2ND])
        return _error(404, "No credits found for the user")
    if answer == "html":
        return web.Response(text="<!doctype html><html><body>Sign in</body></html>", content_type="text/html")
    if answer == "no-balance":
        return web.json_response({"message": "ok"})
    if answer == "content-type":
        return _error(406, "Invalid content type")
    return web.json_response({"credits": round(state.balance, 6), "free-credits": state.config.free_credits})
