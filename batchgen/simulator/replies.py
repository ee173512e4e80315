"""What the simulator's routes share: its app keys, error answers, the gates every API route passes, URLs, metrics."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from aiohttp import web

from . import media, worlds
from .state import SimJob, SimState

IMAGE_MARK = "sim-image:sha256:"  # a kept body's stand-in for an inlined image


def _video(state: SimState, job: SimJob) -> bytes:
    """The job's video: its aspect and length, starting from its input image where it has one."""
    mark = next((v for v in job.body.values() if isinstance(v, str) and v.startswith(IMAGE_MARK)), None)
    digest = mark[len(IMAGE_MARK) :] if mark else None
    image = state.images.get(digest) if digest else None
    return media.video_for(job.request_id, job.media_aspect, job.media_duration, image=image, image_key=digest)


STATE: web.AppKey[SimState] = web.AppKey("state", SimState)


OUTPUT_BASE: web.AppKey[list[str]] = web.AppKey("output_base", list)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


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
