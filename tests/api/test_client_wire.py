"""The client on the wire, against a loopback server that answers as scripted: which connections it opens
and how many, which URLs and proxies it uses, how it reads an answer that comes in pieces, and what every
error says (the call it was making, the key's variable, the cause), so that a user reading one knows what
happened and what to do."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest

from batchgen.api.client import DEFAULT_BASE_URL, USER_AGENT, ApiClient, default_history_url
from batchgen.errors import AuthError, BadResponse, DownloadError, NetworkError, NotFound, RateLimited, ServerError
from tests.helpers import KEY, scripted


def client(url: str, **kwargs: Any) -> ApiClient:
    return ApiClient(api_key=KEY, base_url=url, **kwargs)


# --------------------------------------------------------------------------- where calls go


def test_only_trailing_slashes_are_cut_from_the_configured_urls():
    api = client("http://127.0.0.1:9/apiX/")
    assert api.base_url == "http://127.0.0.1:9/apiX"
    assert api.history_url == "http://127.0.0.1:9/apiX/inference-request/request-history"
    assert client("http://127.0.0.1:9", history_url="http://127.0.0.1:8/hX//").history_url == "http://127.0.0.1:8/hX"
    assert default_history_url("http://127.0.0.1:9/X/") == "http://127.0.0.1:9/X/inference-request/request-history"
    # only the public API itself keeps its history on another host
    assert default_history_url(DEFAULT_BASE_URL + "X") == DEFAULT_BASE_URL + "X/inference-request/request-history"


async def test_every_read_follows_a_redirect_within_the_api():
    async with scripted() as server, client(server.url) as api:
        server.redirect(302, "/moved/status").then(body={"status": "QUEUED"})
        server.redirect(302, "/moved/result").then(body={"status": "QUEUED"})
        server.redirect(302, "/moved/history").then(body={"request_id": "r", "model_status": "COMPLETED"})
        assert (await api.status("r")).state == "QUEUED"
        assert (await api.result("r")).state == "QUEUED"
        assert (await api.history_get("r")).status == "COMPLETED"
    assert [s.path for s in server.seen] == [
        "/v2/requests/r/status", "/moved/status", "/v2/requests/r", "/moved/result",
        "/inference-request/request-history/r", "/moved/history",
    ]  # fmt: skip
    assert all(s.method == "GET" and s.headers["x-api-key"] == KEY for s in server.seen)


async def test_a_redirect_within_a_named_host_is_followed_whatever_the_case_of_its_name():
    async with scripted() as server:
        named = server.url.replace("127.0.0.1", "localhost")
        async with client(named) as api:
            server.redirect(302, named.replace("localhost", "LocalHost") + "/moved").then(body={"credits": 2})
            assert (await api.credits()).credits == 2.0
    assert [s.path for s in server.seen] == ["/v1/get-user-credits", "/moved"]


async def test_no_proxy_named_in_the_environment_ever_sees_a_call_or_the_key(monkeypatch):
    async with scripted() as proxy, scripted() as server, client(server.url) as api:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        server.then(body={"credits": 1}).then(raw=b"video")
        assert (await api.credits()).credits == 1.0
        async with api.download(server.url + "/v.mp4", max_bytes=100) as dl:
            assert b"".join([c async for c in dl.chunks]) == b"video"
    assert proxy.seen == [] and [s.path for s in server.seen] == ["/v1/get-user-credits", "/v.mp4"]


async def test_a_download_says_who_is_asking_but_not_with_the_key():
    async with scripted() as server, client(server.url) as api:
        server.then(raw=b"video")
        async with api.download(server.url + "/v.mp4", max_bytes=100) as dl:
            assert b"".join([c async for c in dl.chunks]) == b"video"
    (sent,) = server.seen
    assert sent.headers["user-agent"] == USER_AGENT and "x-api-key" not in sent.headers


# --------------------------------------------------------------------------- connections


async def test_the_client_never_opens_more_connections_than_it_is_allowed():
    async with scripted() as server, client(server.url, connections=2) as api:
        for _ in range(4):
            server.then(body={"credits": 1}, delay=1.0)  # long enough for every call to be waiting
        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(api.credits)
        assert len(server.seen) == 4 and server.most_at_once == 2
        server.most_at_once = 0
        for _ in range(4):
            server.then(raw=b"video", delay=1.0)

        async def fetch() -> None:
            async with api.download(server.url + "/v.mp4", max_bytes=100) as dl:
                assert b"".join([c async for c in dl.chunks]) == b"video"

        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(fetch)
    assert len(server.seen) == 8 and server.most_at_once == 2


async def test_by_default_the_client_keeps_to_64_connections():
    async with scripted() as server, client(server.url) as api:
        for _ in range(70):
            server.then(body={"credits": 1}, delay=2.0)  # long enough for every call to be waiting
        async with anyio.create_task_group() as tg:
            for _ in range(70):
                tg.start_soon(api.credits)
    assert len(server.seen) == 70 and server.most_at_once == 64


async def test_a_download_that_cannot_get_a_connection_in_time_gives_up_and_can_be_tried_again():
    async with scripted() as server, client(server.url, connections=1, request_timeout_s=0.5) as api:
        server.trickle(b"first", b"part", pause=2.0)  # the connection stays busy until the whole video is sent
        with anyio.fail_after(10):  # a guard: the connect time-out ends the wait long before this
            async with api.download(server.url + "/a.mp4", max_bytes=100):  # holds the one connection
                with pytest.raises(DownloadError) as waited:
                    async with api.download(server.url + "/b.mp4", max_bytes=100):
                        pass
    assert str(waited.value).startswith("the download failed: ConnectionTimeoutError: ")
    assert waited.value.retryable and [s.path for s in server.seen] == ["/a.mp4"]


async def test_a_client_never_opened_closes_without_error_and_one_used_outside_its_context_says_how():
    api = client("http://127.0.0.1:9")
    await api.close()
    with pytest.raises(AssertionError, match=r"^use ApiClient as an async context manager$"):
        await api.credits()


# --------------------------------------------------------------------------- what is sent and read


async def test_a_body_already_encoded_is_sent_as_it_is_and_a_large_one_whole():
    small = b'{"prompt": "p"}'
    large = b'{"prompt": "' + b"a" * (2 << 20) + b'"}'  # over a megabyte: streamed from memory
    async with scripted() as server, client(server.url) as api:
        server.then(body={"request_id": "r1"}).then(body={"request_id": "r2"})
        assert (await api.submit("m", small)).request_id == "r1"
        assert (await api.submit("m", bytearray(large))).request_id == "r2"
    assert [s.body for s in server.seen] == [small, large]
    assert all(s.headers["content-type"] == "application/json" for s in server.seen)


async def test_an_answer_in_pieces_is_read_whole_and_its_limit_counts_every_piece():
    async with scripted() as server, client(server.url, max_response_bytes=40) as api:
        server.trickle(b'{"cred', b'its": ', b"12", b"}")
        assert (await api.credits()).credits == 12.0
        server.trickle(*[b" " * 10] * 5, b"{}")  # 52 bytes in pieces of 10
        with pytest.raises(BadResponse, match=r"is larger than 40 bytes \(api.max_response_bytes\)$"):
            await api.credits()


async def test_a_cancelled_job_is_failed_and_says_that_nothing_was_made_or_charged():
    words = "the API ended the job as CANCELLED (it was not made; nothing was charged)"
    async with scripted() as server, client(server.url) as api:
        server.then(body={"status": "cancelled"}).then(422, {"status": "CANCELLED"})
        server.then(body={"status": "CANCELLED", "error": "by the operator"})
        status, result, told = await api.status("r"), await api.result("r"), await api.status("r")
    assert (status.state, status.error) == ("FAILED", words)
    assert (result.state, result.error, result.output_url) == ("FAILED", words, None)
    assert (told.state, told.error) == ("FAILED", "by the operator")


async def test_an_undocumented_state_is_taken_as_in_flight_and_logged_once_per_spelling(caplog):
    caplog.set_level(logging.INFO, logger="batchgen")
    async with scripted() as server, client(server.url) as api:
        for state in ("warming up", "WARMING_UP", "spinning", "QUEUED", "PROCESSING"):
            server.then(body={"status": state})
        states = [(await api.status("r")).state for _ in range(3)] + [(await api.result("r")).state for _ in range(2)]
    assert states == ["PROCESSING", "PROCESSING", "PROCESSING", "QUEUED", "PROCESSING"]
    assert [r.getMessage() for r in caplog.records if r.name == "batchgen"] == [
        "the API reported a job state it does not document, 'WARMING_UP': taken as still in flight",
        "the API reported a job state it does not document, 'SPINNING': taken as still in flight",
    ]


# --------------------------------------------------------------------------- what every error says


async def test_a_429_on_any_call_carries_the_servers_hint():
    calls = [
        ("submitting to model m", lambda api: api.submit("m", {})),
        ("polling request r", lambda api: api.status("r")),
        ("fetching the result of r", lambda api: api.result("r")),
        ("reading the credit balance", lambda api: api.credits()),
        ("reading the request history", lambda api: api.history()),
        ("looking up request r in the history", lambda api: api.history_get("r")),
    ]
    async with scripted() as server, client(server.url) as api:
        for what, call in calls:
            server.answers.append({"status": 429, "body": b'{"error": "slow down"}', "headers": {"Retry-After": "7"}})
            with pytest.raises(RateLimited) as caught:
                await call(api)
            assert str(caught.value) == f"rate limited while {what} (HTTP 429: slow down)"
            assert caught.value.retry_after == 7


async def test_every_read_refused_says_what_was_being_done():
    async with scripted() as server, client(server.url) as api:
        server.then(404, {"error": "unknown"}).then(404, {"error": "unknown"})
        server.then(500, {"error": "down"}).then(500, {"error": "down"})
        with pytest.raises(NotFound) as status:
            await api.status("r")
        with pytest.raises(NotFound) as result:
            await api.result("r")
        with pytest.raises(ServerError) as credits:
            await api.credits()
        with pytest.raises(ServerError) as history:
            await api.history()
    assert str(status.value) == "not found while polling request r (HTTP 404: unknown)"
    assert str(result.value) == "not found while fetching the result of r (HTTP 404: unknown)"
    assert str(credits.value) == "server error while reading the credit balance (HTTP 500: down)"
    assert str(history.value) == "server error while reading the request history (HTTP 500: down)"


async def test_a_refused_key_names_the_variable_it_came_from():
    async with scripted() as server:
        server.then(401, {"error": "bad key"}).then(403, {"error": "bad key"})
        async with ApiClient(api_key=KEY, base_url=server.url) as default, client(server.url, key_env="MY_KEY") as api:
            with pytest.raises(AuthError) as unnamed:
                await default.credits()
            with pytest.raises(AuthError) as named:
                await api.status("r")
    assert str(unnamed.value) == (
        "the API refused the key while reading the credit balance (HTTP 401: bad key); check the key in the "
        "environment variable SEGMIND_API_KEY"
    )
    assert str(named.value) == (
        "the API refused the key while polling request r (HTTP 403: bad key); check the key in the environment "
        "variable MY_KEY"
    )


async def test_an_answer_too_late_and_a_download_cut_short_name_their_cause():
    async with scripted() as server, client(server.url, request_timeout_s=0.3) as api:
        server.then(body={}, delay=3)
        with pytest.raises(NetworkError) as late:
            await api.credits()
        server.answers.append({"cut": True})
        async with api.download(server.url + "/v.mp4", max_bytes=10_000) as dl:
            with pytest.raises(DownloadError) as cut:
                _ = [chunk async for chunk in dl.chunks]
    assert str(late.value) == f"no answer from {server.url}: TimeoutError"
    assert str(cut.value).startswith("the download was cut short: ClientPayloadError: ")
    assert "None" not in str(cut.value)
