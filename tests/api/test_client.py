"""Every outcome of every API call maps to the right batchgen result or error (no mocks)."""

from __future__ import annotations

import socket
import time

import anyio
import pytest

from batchgen.api.answers import error_for, retry_hint
from batchgen.api.client import ApiClient
from batchgen.errors import (
    AmbiguousSubmit,
    AuthError,
    BadResponse,
    DownloadError,
    InsufficientCredits,
    InvalidContentType,
    NetworkError,
    NotFound,
    RateLimited,
    RequestRejected,
    ServerError,
)
from batchgen.simulator import SimConfig, SimServer
from tests.helpers import (
    KEY,
)


def client(url: str, key: str = KEY, **kwargs) -> ApiClient:
    return ApiClient(api_key=key, base_url=url, **kwargs)


async def wait_done(api: ApiClient, rid: str) -> str:
    for _ in range(2000):
        status = await api.status(rid)
        if status.state in ("COMPLETED", "FAILED"):
            return status.state
        await anyio.sleep(0.005)
    raise AssertionError("job never finished")


async def test_submit_status_result_credits_history_download():
    async with SimServer(SimConfig(time_scale=2000, credits=5.0)) as sim, client(sim.url) as api:
        sub = await api.submit("kling-text2video", {"prompt": "collie", "duration": 10})
        first = await api.status(sub.request_id)
        assert first.state in ("QUEUED", "PROCESSING")
        assert await wait_done(api, sub.request_id) == "COMPLETED"
        result = await api.result(sub.request_id)
        assert result.state == "COMPLETED" and result.output_url and result.cost == pytest.approx(0.56)
        assert result.file_size and result.file_size > 1000
        credits = await api.credits()
        assert credits.total == pytest.approx(5.0 - 0.56)
        rows = await api.history(model="kling-text2video")
        assert [r.request_id for r in rows] == [sub.request_id]
        assert rows[0].request_body == {"prompt": "collie", "duration": 10}
        one = await api.history_get(sub.request_id)
        assert one.generation_url == result.output_url and one.status == "COMPLETED"
        async with api.download(result.output_url, max_bytes=1 << 20) as dl:
            data = b"".join([chunk async for chunk in dl.chunks])
        assert len(data) == dl.content_length == result.file_size
        assert sim.state.key_leaks == 0


async def test_400_is_rejected_with_the_server_message():
    async with SimServer(SimConfig()) as sim, client(sim.url) as api:
        with pytest.raises(RequestRejected) as caught:
            await api.submit("kling-1.6-text2video", {"prompt": "x", "mode": "pro"})
        assert caught.value.status == 400 and "mode" in str(caught.value)


async def test_410_retired_model_is_rejected():
    async with SimServer(SimConfig()) as sim, client(sim.url) as api:
        with pytest.raises(RequestRejected) as caught:
            await api.submit("kling-v0-text2video", {"prompt": "x"})
        assert caught.value.status == 410


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_errors_name_the_variable_not_the_key(status):
    config = SimConfig(forbidden_slugs=frozenset({"kling-text2video"}))
    async with SimServer(config) as sim:
        key = KEY if status == 403 else "SG_badbadbadbadbad0"
        async with client(sim.url, key=key, key_env="MY_SEGMIND_KEY") as api:
            with pytest.raises(AuthError) as caught:
                await api.submit("kling-text2video", {"prompt": "x"})
    assert caught.value.status == status
    assert "MY_SEGMIND_KEY" in str(caught.value) and key not in str(caught.value)
    assert key not in repr(api)


async def test_404_unknown_and_expired_request_ids():
    async with SimServer(SimConfig(time_scale=2000, expiry_s=60.0)) as sim, client(sim.url) as api:
        with pytest.raises(NotFound):
            await api.status("00000000-0000-4000-8000-000000000000")
        with pytest.raises(NotFound):
            await api.submit("no-such-model", {"prompt": "x"})
        sub = await api.submit("kling-text2video", {"prompt": "x"})
        await anyio.sleep(60.0 / 2000 + 0.05)
        with pytest.raises(NotFound):
            await api.result(sub.request_id)


async def test_406_is_split_into_credits_and_content_type():
    async with SimServer(SimConfig(credits=0.1)) as sim, client(sim.url) as api:
        with pytest.raises(InsufficientCredits) as caught:
            await api.submit("kling-text2video", {"prompt": "x"})
        assert "0.1000" in str(caught.value) and "0.2800" in str(caught.value)
        sim.state.script("content_type")
        with pytest.raises(InvalidContentType):
            await api.submit("kling-text2video", {"prompt": "x"})


async def test_422_failed_is_a_status_not_an_error():
    async with SimServer(SimConfig(time_scale=2000)) as sim, client(sim.url) as api:
        sim.state.script("fail")
        sub = await api.submit("kling-text2video", {"prompt": "x"})
        assert await wait_done(api, sub.request_id) == "FAILED"
        status = await api.status(sub.request_id)
        assert status.http == 422 and "Provider error" in (status.error or "")
        result = await api.result(sub.request_id)
        assert result.state == "FAILED" and result.output_url is None


@pytest.mark.parametrize("retry_after", [False, True])
async def test_429_carries_the_server_hint(retry_after):
    config = SimConfig(time_scale=10, rpm=1, rate_hint="both" if retry_after else "reset")
    async with SimServer(config) as sim, client(sim.url) as api:
        await api.credits()
        with pytest.raises(RateLimited) as caught:
            await api.credits()
    hint = caught.value.retry_after
    assert hint is not None and 50 <= hint <= 61  # the window frees ~60 simulated seconds later


def test_out_of_credits_is_read_from_402_and_from_a_refusal_that_says_so_and_nothing_else():
    def error(status: int, text: str) -> type:
        return type(error_for(status, {}, {"error": text}, what="submitting", key_env="SEGMIND_API_KEY"))

    assert error(406, "Insufficient credits. Your balance is 0.1000 USD") is InsufficientCredits
    assert error(402, "Payment Required") is InsufficientCredits
    assert error(400, "Insufficient balance: required 0.28 USD") is InsufficientCredits
    assert error(403, "not enough credits for this model") is InsufficientCredits
    assert error(422, "Out of credits") is InsufficientCredits
    assert error(403, "Your balance is insufficient for this request") is InsufficientCredits
    assert error(400, "insufficient_credits") is InsufficientCredits
    assert error(400, "Insufficient account balance") is InsufficientCredits
    assert error(400, "prompt rejected: 'a clerk with insufficient funds counts the credits'") is RequestRejected
    assert error(403, "Forbidden: insufficient permissions (team model restrictions)") is AuthError
    assert error(400, "duration must be 5 or 10") is RequestRejected
    assert error(406, "Invalid content type") is InvalidContentType


@pytest.mark.parametrize("key", ["error", "message", "detail"])
def test_an_answers_reason_is_read_under_any_of_its_usual_keys(key):
    """A refusal may say why under ``error``, ``message`` or ``detail`` (a FastAPI front): read either way, an
    out-of-credits refusal stops the run for credits, and another names its reason."""
    out = error_for(403, {}, {key: "Insufficient balance: required 0.28 USD"}, what="submitting", key_env="K")
    assert isinstance(out, InsufficientCredits) and out.detail == "Insufficient balance: required 0.28 USD"
    refused = error_for(400, {}, {key: "duration must be 5 or 10"}, what="submitting", key_env="K")
    assert str(refused) == "the API rejected the request while submitting (HTTP 400: duration must be 5 or 10)"


def test_retry_hint_formats():
    date = "Sat, 21 Nov 2026 12:00:00 GMT"
    assert retry_hint({"retry-after": "7"}) == 7
    assert retry_hint({"retry-after": "Sat, 21 Nov 2026 12:00:30 GMT", "date": date}) == 30
    assert retry_hint({"x-rate-limit-reset-at-utc": "2026-11-21T12:00:12.500Z", "date": date}) == 12.5
    assert retry_hint({"x-rate-limit-reset-at-utc": "2026-11-21T11:00:00Z", "date": date}) == 0
    assert retry_hint({"x-rate-limit-reset-at-utc": "1795262412.5", "date": date}) == 12.5  # epoch seconds
    assert retry_hint({"x-rate-limit-reset-at-utc": "12", "date": date}) == 12  # a wait, not a time in 1970
    assert retry_hint({}) is None


def test_a_reset_time_that_gives_no_zone_is_utc_as_its_header_says_wherever_the_client_runs(monkeypatch):
    # read as local time, a machine five hours behind UTC waited five hours past the reset (cut to the
    # longest hint), and one ahead of it sent again at once into the same closed window
    # (zones as POSIX rules, which need no time zone database: without one a named zone is silently UTC)
    date = "Sat, 21 Nov 2026 12:00:00 GMT"
    try:
        for zone in ("EST5", "IST-5:30", "UTC0"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            assert retry_hint({"x-rate-limit-reset-at-utc": "2026-11-21T12:00:12.500", "date": date}) == 12.5
            assert retry_hint({"x-rate-limit-reset-at-utc": "2026-11-21 12:00:20", "date": date}) == 20
    finally:  # the process's zone as it was, whether or not an assertion failed
        monkeypatch.undo()
        time.tzset()


async def test_5xx_on_poll_is_a_server_error_and_on_submit_ambiguous():
    async with SimServer(SimConfig()) as sim, client(sim.url) as api:
        sim.state.script("poll_error")
        sub = await api.submit("kling-text2video", {"prompt": "x"})
        with pytest.raises(ServerError):
            await api.status(sub.request_id)
        sim.state.script("submit_error_after")
        with pytest.raises(AmbiguousSubmit):
            await api.submit("kling-text2video", {"prompt": "y"})
        assert len(sim.state.submissions) == 2  # the ambiguous one did create a job


async def test_dropped_connections():
    async with SimServer(SimConfig()) as sim, client(sim.url) as api:
        sim.state.script("submit_drop_after")
        with pytest.raises(AmbiguousSubmit):
            await api.submit("kling-text2video", {"prompt": "x"})
        rid = sim.state.submissions[0][0]
        sim.state.script("poll_drop", count=2)  # aiohttp retries a GET once on a dropped keep-alive
        with pytest.raises(NetworkError) as caught:
            await api.status(rid)
        assert caught.value.reached_server


async def test_connection_refused_surely_did_not_reach_the_server():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with client(f"http://127.0.0.1:{port}") as api:
        with pytest.raises(NetworkError) as caught:
            await api.submit("kling-text2video", {"prompt": "x"})
    assert not caught.value.reached_server


async def test_timeouts():
    async with SimServer(SimConfig()) as sim, client(sim.url, request_timeout_s=0.3) as api:
        sim.state.script("slow", seconds=1.0)
        with pytest.raises(AmbiguousSubmit):
            await api.submit("kling-text2video", {"prompt": "x"})
        sim.state.script("slow", seconds=1.0)
        with pytest.raises(NetworkError) as caught:
            await api.credits()
        assert caught.value.reached_server


async def test_oversized_and_non_json_bodies_are_bad_responses():
    async with SimServer(SimConfig()) as sim, client(sim.url, max_response_bytes=16) as api:
        with pytest.raises(BadResponse):
            await api.history()
    async with SimServer(SimConfig()) as sim, client(sim.url) as api:
        with pytest.raises(DownloadError):
            async with api.download("file:///etc/passwd", max_bytes=100):
                pass
        with pytest.raises(DownloadError):
            async with api.download(f"{sim.url}/generations/nothing.mp4", max_bytes=100):
                pass


async def test_key_goes_only_to_the_api_never_to_the_output_host():
    config = SimConfig(time_scale=2000)
    async with SimServer(config, output_host="127.0.0.2") as sim, client(sim.url) as api:
        sub = await api.submit("kling-text2video", {"prompt": "x"})
        await wait_done(api, sub.request_id)
        result = await api.result(sub.request_id)
        assert result.output_url and result.output_url.startswith("http://127.0.0.2:")
        async with api.download(result.output_url, max_bytes=1 << 20) as dl:
            assert len(b"".join([c async for c in dl.chunks])) == result.file_size
        assert sim.state.key_leaks == 0
