"""Routes of the simulated Segmind v2 API (an aiohttp.web application).

Checks at submit run in the order the real gateway is believed to use: auth,
rate limit, slug, content type, schema, credits.  Status and result polls are
authenticated and, by default, count against the same rate window.  Output
files are public (no key), as on ``images.segmind.com``.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import hashlib
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from . import media, schema, worlds
from .state import SimJob, SimState

IMAGE_MARK = "sim-image:sha256:"  # a kept body's stand-in for an inlined image
MAX_BODY_BYTES = 32 << 20  # a 10 MB image inlined as base64 is about 13.4 MB of JSON


def _video(state: SimState, job: SimJob) -> bytes:
    """The job's video: its aspect and length, starting from its input image where it has one."""
    mark = next((v for v in job.body.values() if isinstance(v, str) and v.startswith(IMAGE_MARK)), None)
    digest = mark[len(IMAGE_MARK) :] if mark else None
    image = state.images.get(digest) if digest else None
    return media.video_for(job.request_id, job.media_aspect, job.media_duration, image=image, image_key=digest)


STATE: web.AppKey[SimState] = web.AppKey("state", SimState)
OUTPUT_BASE: web.AppKey[list[str]] = web.AppKey("output_base", list)


def create_app(state: SimState) -> web.Application:
    app = web.Application(middlewares=[_count_and_date], client_max_size=MAX_BODY_BYTES)
    app[STATE] = state
    app[OUTPUT_BASE] = []
    app.router.add_post("/v2/{slug}", submit)
    app.router.add_get("/v2/requests/{rid}/status", status)
    app.router.add_get("/v2/requests/{rid}", result)
    app.router.add_get("/v1/requests/{rid}", result)
    app.router.add_get("/v1/get-user-credits", credits)
    app.router.add_get("/inference-request/request-history", history)
    app.router.add_get("/inference-request/request-history/{rid}", history_one)
    app.router.add_get("/generations/{fid}.mp4", output)
    app.router.add_get("/previews/{fid}.jpg", preview)
    app.router.add_get("/r/{fid}", output_redirect)
    app.router.add_get("/_sim/stats", sim_stats)
    return app


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


@web.middleware
async def _count_and_date(request: web.Request, handler: Any) -> web.StreamResponse:
    state = request.app[STATE]
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "?"
    if route.startswith("/_sim/"):
        readout: web.StreamResponse = await handler(request)  # the simulator's own readout is not API traffic
        return readout
    state.counters[route] += 1
    state.settle()
    if (detour := worlds.intercept(request, state, worlds.route_kind(route))) is not None:
        return detour
    if (slow := state.fault("slow")) is not None:
        await asyncio.sleep(float(slow.get("seconds", 2.0)))
    response: web.StreamResponse = await handler(request)
    # The Date header speaks the simulator's (scaled) clock, so that a client
    # can read reset times relative to it.
    response.headers["Date"] = email.utils.formatdate(state.clock.now(), usegmt=True)
    if state.config.echo_key:
        response = _echo_key(request, response, state.config.echo_key)
    if state.config.keep_log:
        state.log.append((state.clock.now(), route, response.status))
    return response


def _echo_key(request: web.Request, response: web.StreamResponse, places: frozenset[str]) -> web.StreamResponse:
    """Quote the caller's key back where ``places`` say (SimConfig.echo_key): a server a client must not
    trust with it."""
    key = request.headers.get("x-api-key", "")
    if not key:
        return response
    if "header" in places:
        response.headers["X-Echo"] = f"key={key}"
    if not isinstance(response, web.Response) or response.content_type != "application/json" or not response.body:
        return response
    body = json.loads(bytes(response.body))  # type: ignore[arg-type]
    if not isinstance(body, dict):
        return response
    if "error" in places and response.status >= 400:
        body["error"] = f"{body.get('error') or 'error'} (api key {key})"
    if "output" in places and response.status == 200:
        for item in [body, body.get("video"), *(body.get("data") or [])]:
            if isinstance(item, dict):
                for field_name in ("output", "url", "generation_url"):
                    if isinstance(item.get(field_name), str) and item[field_name]:
                        item[field_name] = f"{item[field_name]}?echo={key}"
    echoed = web.json_response(body, status=response.status, headers={
        k: v for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")
    })  # fmt: skip
    return echoed


def _gate(request: web.Request, *, counted: bool) -> web.Response | None:
    """Auth, then the rate window.  Returns an error response or None."""
    state = request.app[STATE]
    key = request.headers.get("x-api-key")
    auth = request.headers.get("Authorization", "")
    if key is None and auth.lower().startswith("bearer ") and state.config.accept_bearer:
        key = auth[7:].strip()
    if not key:
        return _error(401, "Missing Authorization or x-api-key in header")
    if not worlds.key_valid(state, key):
        return _error(401, "Unauthorized. API key is invalid or may have expired")
    reset_at = state.admit(key, counted)
    if reset_at is not None:
        hint = state.config.rate_hint
        headers = {}
        if hint in ("reset", "both"):
            headers["x-rate-limit-reset-at-utc"] = _iso(reset_at)
        if hint in ("retry-after", "both"):
            headers["Retry-After"] = str(max(1, math.ceil(reset_at - state.clock.now())))
        return _error(429, "rate_limit_exceeded: Too many requests", headers)
    return None


def _history_gate(request: web.Request) -> web.Response | None:
    """The rate gate, then the history's own mode: working, gone (404) or failing (500)."""
    state = request.app[STATE]
    denied = _gate(request, counted=state.config.polls_count)
    if denied:
        return denied
    if state.config.history == "off":
        return _error(404, "Not Found")
    if state.config.history == "error":
        return _error(500, "Internal Server Error")
    return None


def _drop(request: web.Request) -> web.Response:
    """Close the connection without an answer."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=500)


def _urls(request: web.Request, rid: str) -> dict[str, str]:
    base = f"{request.scheme}://{request.host}"
    return {
        "poll_url": f"{base}/v1/requests/{rid}",
        "status_url": f"{base}/v2/requests/{rid}/status",
        "response_url": f"{base}/v2/requests/{rid}",
    }


def _output_url(request: web.Request, job: SimJob, path: str = "generations/{}.mp4") -> str:
    bases = request.app[OUTPUT_BASE]
    base = bases[0] if bases else f"{request.scheme}://{request.host}"
    return f"{base}/{path.format(job.file_id)}"


# --------------------------------------------------------------------------- submit


async def submit(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    denied = _gate(request, counted=True)
    if denied:
        return denied
    slug = request.match_info["slug"]
    if slug in state.config.retired_slugs:
        return _error(410, f"Model {slug} has been retired and is no longer available")
    model = state.models.get(slug)
    if model is None:
        return _error(404, f"Model {slug} not found")
    if slug in state.config.forbidden_slugs:
        return _error(403, "Forbidden: insufficient permissions for this model")
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _error(400, "Invalid JSON body")
    elif ctype == "multipart/form-data":
        body = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    else:
        return _error(406, "Invalid content type")
    if state.fault("content_type") is not None:
        return _error(406, "Invalid content type")
    if not isinstance(body, dict):
        return _error(400, "Request body must be a JSON object")
    problem = schema.check(model, body, reject_unknown=state.config.reject_unknown_params)
    if problem:
        return _error(400, problem)
    body = _keep_images(state, model, body)
    duration = schema.duration_of(model, body)
    mode = str(body.get("mode") or model.defaults().get("mode") or "std")
    if state.fault("submit_error_before") is not None:
        return _error(502, "Bad Gateway: service temporarily unavailable")
    cost = state.price(slug, mode, duration)
    if state.available() < cost:
        return _error(
            406,
            f"Insufficient credits. Your balance is {state.available():.4f} USD, "
            f"required {cost:.4f} USD for this request.",
        )
    job = state.create_job(slug, body, mode, duration)
    worlds.after_submit(state, job, request.headers.get("x-api-key"))
    if state.config.submit_answer_delay_s > 0:
        state.submits_in_flight += 1
        try:
            await asyncio.sleep(state.config.submit_answer_delay_s)
        finally:
            state.submits_in_flight -= 1
    if state.fault("submit_drop_after") is not None:
        return _drop(request)
    if (fault := state.fault("submit_error_after")) is not None:
        code = int(fault.get("status", 500))
        return _error(code, "Internal Server Error" if code == 500 else "Timeout: request timed out")
    return web.json_response({"request_id": job.request_id, "status": "QUEUED", **_urls(request, job.request_id)})


def _keep_images(state: SimState, model: schema.SimModel, body: dict[str, Any]) -> dict[str, Any]:
    """The body as kept: each inlined image stored once, by digest, and named by it in the body."""
    fields = [name for name in model.image_fields() if name in body]
    if not fields:
        return body
    kept = dict(body)
    for name in fields:
        data = schema.image_bytes(body[name])
        if data is not None:
            digest = hashlib.sha256(data).hexdigest()
            state.images.setdefault(digest, data)
            kept[name] = f"{IMAGE_MARK}{digest}"
    return kept


def _history_body(state: SimState, body: dict[str, Any]) -> dict[str, Any]:
    """What a history row shows of a body: an image as whole base64, a URL, truncated, or left out."""
    marks = [k for k, v in body.items() if isinstance(v, str) and v.startswith(IMAGE_MARK)]
    if not marks:
        return body
    shown = dict(body)
    how = state.config.history_image
    for name in marks:
        digest = body[name][len(IMAGE_MARK) :]
        if how == "absent":
            del shown[name]
        elif how == "url":
            shown[name] = f"https://segmind-uploads.example/inputs/{digest}.png"
        else:
            text = base64.b64encode(state.images.get(digest, b"")).decode("ascii")
            shown[name] = text if how == "whole" else text[:256] + "..."
    return shown


# --------------------------------------------------------------------------- polls


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
        metrics["cost"] = job.cost
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
        return web.json_response(pending)
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


# --------------------------------------------------------------------------- account


async def credits(request: web.Request) -> web.StreamResponse:
    denied = _gate(request, counted=request.app[STATE].config.polls_count)
    if denied:
        return denied
    state = request.app[STATE]
    return web.json_response({"credits": round(state.balance, 6), "free-credits": state.config.free_credits})


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
        "request_id": job.request_id,
        "model_name": job.slug,
        "model_status": phase if done else "PENDING",
        "credits_deduction": job.cost if phase == "COMPLETED" else 0.0,
        "request_body": _history_body(state, job.body),
        "generation_url": url,
        "latency_ms": round((job.finish - job.submitted) * 1000) if done else None,
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
    if not 1 <= per_page <= 100:
        return _error(400, "per_page must be between 1 and 100")
    if (to_date - from_date).days > 31:
        return _error(400, "The date window may span at most 31 days")
    model = q.get("model_name")
    wanted = q.get("status")
    newest_first = q.get("sort_order", "desc") != "asc"
    account = worlds.account_of(state, request.headers.get("x-api-key"))
    jobs = [job for job in state.jobs.values() if job.account == account]  # kept in creation order
    start = (page - 1) * per_page
    rows: list[dict[str, Any]] = []
    total = 0
    seen_at = now - state.config.history_lag_s  # the history shows the past, when it lags
    for job in reversed(jobs) if newest_first else jobs:
        if job.submitted > seen_at:
            continue  # not in the history yet
        if model and model not in job.slug:
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
    return web.json_response({"data": rows, "page": page, "per_page": per_page, "total": total})


def _phase_label(job: SimJob, now: float) -> str:
    phase = job.status_at(now)
    return phase if phase in ("COMPLETED", "FAILED", "CANCELLED") else "PENDING"


async def history_one(request: web.Request) -> web.StreamResponse:
    denied = _history_gate(request)
    if denied:
        return denied
    state = request.app[STATE]
    job = state.jobs.get(request.match_info["rid"])
    seen_at = state.clock.now() - state.config.history_lag_s
    account = worlds.account_of(state, request.headers.get("x-api-key"))
    if job is None or job.submitted > seen_at or job.account != account:
        return _error(404, "Request not found")
    return web.json_response(_history_row(job, request, seen_at))


# --------------------------------------------------------------------------- outputs


def _output_state(request: web.Request) -> SimState:
    """The state, after counting a key sent to an output link (which needs none)."""
    state = request.app[STATE]
    if "x-api-key" in request.headers or "Authorization" in request.headers:
        state.key_leaks += 1
    return state


async def output(request: web.Request) -> web.StreamResponse:
    state = _output_state(request)
    job = state.by_file.get(request.match_info["fid"])
    now = state.clock.now()
    if job is None or (not job.charged and job.status_at(now) != "COMPLETED"):
        return _error(404, "Not Found")
    if now > job.finish + state.config.output_ttl_s:
        return _error(404, "Not Found")  # output files last 7 days
    data = _video(state, job)
    if job.hostile == "not_mp4":
        data = bytes(len(data))  # honest sizes, no MP4 inside
    if job.hostile in ("lying_length", "endless", "drip"):
        return await _hostile_download(request, job.hostile, data)
    if state.fault("truncate") is not None:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        if request.transport is not None:
            request.transport.close()
        return response
    return web.Response(body=data, content_type="video/mp4")


async def preview(request: web.Request) -> web.StreamResponse:
    """What ``history_url="other"`` links to: a preview image of the video, not the video."""
    state = _output_state(request)
    job = state.by_file.get(request.match_info["fid"])
    if job is None or job.status_at(state.clock.now()) != "COMPLETED":
        return _error(404, "Not Found")
    return web.Response(body=PREVIEW_JPEG, content_type="image/jpeg")


PREVIEW_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + bytes(256) + bytes.fromhex("ffd9")


async def sim_stats(request: web.Request) -> web.StreamResponse:
    """Counters and per-job timings for tests and benchmarks (not part of the real API)."""
    return web.json_response(request.app[STATE].stats())


async def output_redirect(request: web.Request) -> web.StreamResponse:
    """An output URL that redirects to the real file (possibly on the output host)."""
    job = request.app[STATE].by_file.get(request.match_info["fid"])
    if job is None:
        return _error(404, "Not Found")
    raise web.HTTPFound(location=_output_url(request, job))


async def _hostile_download(request: web.Request, kind: str, data: bytes) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
    if kind == "lying_length":
        response.content_length = len(data) + 5000
    await response.prepare(request)
    try:
        if kind == "lying_length":
            await response.write(data)
        elif kind == "endless":
            chunk = b"\0" * 65536
            while True:
                await response.write(chunk)
        else:  # drip
            while True:
                await response.write(b"\0")
                await asyncio.sleep(0.2)
    except (ConnectionError, RuntimeError):
        pass  # the client gave up, as it should
    if request.transport is not None:
        request.transport.close()
    return response
