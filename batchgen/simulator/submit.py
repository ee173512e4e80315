"""The simulator's submit route: ``POST /v2/{slug}`` (auth, rate limit, slug, content type, schema, credits)."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

from aiohttp import web

from . import schema, worlds
from .replies import IMAGE_MARK, STATE, _drop, _error, _gate, _urls
from .state import SimState


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
    problem = schema.check(
        model, body, reject_unknown=state.config.reject_unknown_params, inline=state.config.inline_images
    )
    if problem:
        return _error(400, problem)
    body = _keep_images(state, model, body)
    duration = schema.duration_of(model, body)
    mode = str(body.get("mode") or model.defaults().get("mode") or "std")
    if state.fault("submit_error_before") is not None:
        return _error(502, "Bad Gateway: service temporarily unavailable")
    cost = state.price(slug, mode, duration, body)  # (what create_job charges: the body may set the price)
    if state.available() < cost:
        return _error(
            state.config.credits_status,
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
    return web.json_response(
        {"request_id": job.request_id, "status": "QUEUED", **_urls(request, job.request_id)},
        status=state.config.accepted_status,
    )


def _keep_images(state: SimState, model: schema.SimModel, body: dict[str, Any]) -> dict[str, Any]:
    """The body as kept: each inlined image (in a field, or in a list's objects) stored once, by digest, and
    named by it in the body."""
    if not model.image_places(body):
        return body
    kept = copy.deepcopy(body)  # the lists and objects that hold images are changed in place
    for container, key in model.image_places(kept):
        value = container[key]  # type: ignore[index]
        facts = schema.inline_facts(value)
        if facts is not None and isinstance(value, str):
            digest = facts[0]
            if digest not in state.images:
                state.images[digest] = schema.image_bytes(value) or b""
            state.inline_forms["data_uri" if value.startswith("data:") else "base64"] += 1
            container[key] = f"{IMAGE_MARK}{digest}"  # type: ignore[index]
    return kept
