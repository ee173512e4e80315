"""Routes of the simulated Segmind v2 API (an aiohttp.web application).

Checks at submit run in the order the real gateway is believed to use: auth,
rate limit, slug, content type, schema, credits.  Status and result polls are
authenticated and, by default, count against the same rate window.  Output
files are public (no key), as on ``images.segmind.com``.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
from typing import Any

from aiohttp import web

from . import worlds
from .history import history, history_one
from .outputs import output, output_redirect, preview
from .polls import credits, result, status
from .replies import OUTPUT_BASE, STATE, _gate
from .state import SimState
from .submit import submit

# The largest body a shipped spec allows is taken, so it is judged by the spec (a 400 naming the field), not
# refused for its size: kling-3-standard-image2video's start and end images, 50 MB each on its page, inlined as
# base64 are about 134 MB of JSON.
MAX_BODY_BYTES = 144 << 20


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


@web.middleware
async def _count_and_date(request: web.Request, handler: Any) -> web.StreamResponse:
    state = request.app[STATE]
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "?"
    if route.startswith("/_sim/"):
        readout: web.StreamResponse = await handler(request)  # the simulator's own readout is not API traffic
        return readout
    if (way := state.answer_time()) > 0:  # the way in: the server acts once the call has reached it
        await asyncio.sleep(way)
    state.counters[route] += 1
    state.settle()
    kind = worlds.route_kind(route)
    if (detour := worlds.intercept(request, state, kind)) is not None:
        if detour.status == 307 and state.config.redirect_counted:  # the hop is a request like any other
            denied = _gate(request, counted=kind == "submit" or state.config.polls_count)
            if denied is not None:
                return denied
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
    if (way := state.answer_time()) > 0:  # and the way back
        await asyncio.sleep(way)
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


async def sim_stats(request: web.Request) -> web.StreamResponse:
    """Counters and per-job timings for tests and benchmarks (not part of the real API)."""
    return web.json_response(request.app[STATE].stats())
