"""The simulator's output files: videos (public, no key), previews, redirects and hostile downloads."""

from __future__ import annotations

import asyncio

from aiohttp import web

from .replies import STATE, _error, _output_url, _video
from .state import SimState


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
    return web.Response(body=data, content_type="text/html" if job.hostile == "wrong_content_type" else "video/mp4")


async def preview(request: web.Request) -> web.StreamResponse:
    """What ``history_url="other"`` links to: a preview image of the video, not the video."""
    state = _output_state(request)
    job = state.by_file.get(request.match_info["fid"])
    if job is None or job.status_at(state.clock.now()) != "COMPLETED":
        return _error(404, "Not Found")
    return web.Response(body=PREVIEW_JPEG, content_type="image/jpeg")


PREVIEW_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + bytes(256) + bytes.fromhex("ffd9")


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
