"""What the client sends and how it reads every answer, against a loopback server that answers exactly
as scripted and keeps every request it was sent.

The promises: the key goes with every API call and only there; a submit whose fate is unknown is never
read as "not created" (so it is looked up, not paid twice); an answer that is not the API's is route
trouble, not the job's outcome; every error says what was being done; a download is bounded and says
whether trying again can help."""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

import pytest

from batchgen.api.answers import HISTORY_PAGE, Credits, Submitted
from batchgen.api.client import (
    DEFAULT_BASE_URL,
    DEFAULT_HISTORY_URL,
    USER_AGENT,
    ApiClient,
    default_history_url,
)
from batchgen.api.hops import GRANTED
from batchgen.errors import (
    AmbiguousSubmit,
    AuthError,
    BadResponse,
    DownloadError,
    GatewayRefusal,
    NetworkError,
    NotFound,
    NotTheApi,
    RateLimited,
    RequestRejected,
    RouteTrouble,
    ServerError,
)
from batchgen.simulator import SimConfig, SimServer
from tests.helpers import KEY, free_port, scripted


def client(url: str, **kwargs: Any) -> ApiClient:
    return ApiClient(api_key=KEY, base_url=url, **kwargs)


# --------------------------------------------------------------------------- what is sent


async def test_a_submit_sends_the_params_as_utf8_json_with_the_key_to_the_models_own_path():
    params = {"prompt": 'café ☕ "quoted"', "duration": 5}
    async with scripted() as server, client(server.url + "/") as api:
        server.then(body={"request_id": "r-1"})
        assert await api.submit("kling/2 x", params) == Submitted(request_id="r-1")
        with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
            await api.submit("m", {"cfg_scale": float("nan")})  # never sent as NaN, which is not JSON
    (sent,) = server.seen
    assert (sent.method, sent.path) == ("POST", "/v2/kling%2F2%20x")
    assert sent.body == json.dumps(params, ensure_ascii=False).encode()
    assert "café ☕".encode() in sent.body
    assert sent.headers["x-api-key"] == KEY and sent.headers["user-agent"] == USER_AGENT
    assert sent.headers["content-type"] == "application/json"


async def test_reads_send_the_key_and_no_body_to_paths_built_from_the_request_id():
    async with scripted() as server, client(server.url) as api:
        server.then(body={"status": "QUEUED"}).then(body={"status": "QUEUED"}).then(body={"credits": 1})
        await api.status("a/b c")
        await api.result("a/b c")
        await api.credits()
    assert [(s.method, s.path) for s in server.seen] == [
        ("GET", "/v2/requests/a%2Fb%20c/status"),
        ("GET", "/v2/requests/a%2Fb%20c"),
        ("GET", "/v1/get-user-credits"),
    ]
    for sent in server.seen:
        assert sent.headers["x-api-key"] == KEY and sent.body == b"" and "content-type" not in sent.headers


def test_the_history_host_and_the_clients_own_description():
    assert default_history_url(DEFAULT_BASE_URL) == DEFAULT_HISTORY_URL
    assert default_history_url(DEFAULT_BASE_URL + "/") == DEFAULT_HISTORY_URL
    assert default_history_url("http://127.0.0.1:9/") == "http://127.0.0.1:9/inference-request/request-history"
    api = ApiClient(api_key=KEY, key_env="MY_KEY", base_url="http://127.0.0.1:9/")
    assert api.base_url == "http://127.0.0.1:9"
    assert api.history_url == "http://127.0.0.1:9/inference-request/request-history"
    assert repr(api) == "ApiClient(base_url='http://127.0.0.1:9', key=<from $MY_KEY>)"
    assert ApiClient(api_key=KEY, history_url="http://127.0.0.1:8/h/").history_url == "http://127.0.0.1:8/h"
    assert ApiClient(api_key=KEY).history_url == DEFAULT_HISTORY_URL


# --------------------------------------------------------------------------- submit: created, or not known


@pytest.mark.parametrize("body", [{}, {"request_id": ""}, {"request_id": 7}, {"request_id": "r" * 201}, []])
async def test_a_submit_accepted_without_a_usable_request_id_is_ambiguous(body):
    async with scripted() as server, client(server.url) as api:
        server.then(body={"request_id": "r" * 200})
        assert (await api.submit("m", {})).request_id == "r" * 200  # the longest id taken
        server.then(body=body)
        with pytest.raises(AmbiguousSubmit) as caught:
            await api.submit("m", {})
    if body == []:
        assert caught.value.status == 200 and caught.value.detail == "HTTP 200: not JSON"
        return
    assert str(caught.value) == (
        "the submit for model m was accepted (HTTP 200) but the answer has no usable request_id; the job may "
        "exist and must be looked up before any resubmission"
    )
    assert caught.value.status == 200 and caught.value.detail == "missing request_id"


@pytest.mark.parametrize("status", [500, 503, 599])
async def test_a_submit_answered_by_a_server_error_is_ambiguous_and_says_what_the_server_said(status):
    async with scripted() as server, client(server.url) as api:
        server.then(status, {"error": "overloaded"})
        with pytest.raises(AmbiguousSubmit) as caught:
            await api.submit("m", {})
    assert str(caught.value) == (
        f"the server answered the submit for model m with HTTP {status} (overloaded); the job may have been "
        "created and must be looked up before any resubmission"
    )
    assert caught.value.status == status and caught.value.detail == "overloaded"


async def test_a_submit_refused_by_the_api_is_its_own_error_not_an_ambiguous_one():
    async with scripted() as server, client(server.url) as api:
        server.then(499, {"error": "odd"}).then(400, {"error": "bad prompt"})
        with pytest.raises(RequestRejected) as odd:
            await api.submit("m", {})
        with pytest.raises(RequestRejected) as bad:
            await api.submit("m", {})
    assert not isinstance(odd.value, AmbiguousSubmit) and odd.value.status == 499
    assert "submitting to model m" in str(bad.value) and "bad prompt" in str(bad.value)


async def test_a_submit_answered_by_something_other_than_the_api_is_ambiguous():
    async with scripted() as server, client(server.url) as api:
        server.then(body={"credits": 3}).then(raw=b"<html>gateway</html>")
        await api.credits()  # the API has answered this run: a page now is trouble on the way, not another server
        with pytest.raises(AmbiguousSubmit) as caught:
            await api.submit("m", {})
    assert str(caught.value) == (
        f"the submit for model m was answered by something other than the API (POST {server.url}/v2/m was "
        "answered HTTP 200 with an HTML page, not the API's JSON; taken as trouble on the way to the API, not as "
        "a job's outcome); the job may exist and must be looked up before any resubmission"
    )
    assert caught.value.status == 200 and caught.value.detail == "HTTP 200: not JSON"


S3_MISSING = b"<?xml version='1.0'?><Error><Code>NoSuchBucket</Code><Message>no bucket</Message></Error>"


@pytest.mark.parametrize(
    ("status", "raw", "body", "answer", "made"),
    [
        (403, b"<?xml version='1.0'?><Error><Code>AccessDenied</Code></Error>", None,
         "an XML document (<Code>AccessDenied</Code>, as an S3-compatible object store answers)", False),
        (404, S3_MISSING, None,
         "an XML document (<Code>NoSuchBucket</Code>, as an S3-compatible object store answers)", False),
        (405, b"<!doctype html><title>405 Method Not Allowed</title>", None, "an HTML page", False),
        (500, b"<!doctype html><h1>Internal Server Error</h1>", None, "an HTML page", True),
        (200, b"<html><body>welcome</body></html>", None, "an HTML page", True),
        (200, None, {"ok": True}, "a JSON object without a request_id", True),
    ],
)  # fmt: skip
async def test_a_first_submit_answered_by_another_kind_of_server_says_what_answered_and_where(
    status, raw, body, answer, made
):
    """Before any answer of the run was the API's, a submit answered with something else shows that the base URL
    is not the API's: a 4xx refused it (nothing made), a 2xx or 5xx may follow a job made (left for a look-up)."""
    async with scripted() as server, client(server.url) as api:
        server.then(status, body, raw=raw)
        with pytest.raises(NotTheApi) as caught:
            await api.submit("kling-text2video", {"prompt": "x"})
    assert str(caught.value).startswith(
        f"POST {server.url}/v2/kling-text2video was answered HTTP {status} with {answer}, not the API's answer, and "
        f"nothing this run had from {server.url} was the API's: --base-url (or api.base_url) points at another "
        "server"
    )
    assert caught.value.status == status and caught.value.made is made and KEY not in str(caught.value)


async def test_once_the_api_has_answered_a_page_on_a_submit_is_trouble_on_the_way_not_another_server():
    async with scripted() as server, client(server.url) as api:
        server.then(body={"request_id": "r-1"}).then(502, raw=b"<html>bad gateway</html>")
        server.then(403, raw=b"<html>blocked</html>")
        assert (await api.submit("m", {})).request_id == "r-1"
        with pytest.raises(AmbiguousSubmit):  # the API's gateway may have passed it on: looked up, never resent
            await api.submit("m", {})
        with pytest.raises(AmbiguousSubmit) as refused:  # a firewall's page, not the API refusing the key: looked up
            await api.submit("m", {})
    assert isinstance(refused.value.__cause__, GatewayRefusal) and refused.value.__cause__.answer == "an HTML page"
    assert refused.value.status == 403 and "refused the key" not in str(refused.value)


async def test_a_page_refusing_a_poll_once_the_api_accepted_the_key_is_a_gateway_refusal_not_a_refused_key():
    async with scripted() as server, client(server.url) as api:
        server.then(401, raw=b"<html>log in first</html>")  # before the API has spoken: nothing shows the key good
        server.then(body={"status": "QUEUED"}).then(403, raw=b"<!DOCTYPE html><html>Access denied</html>")
        server.then(403, {"error": "key revoked"})  # the API's own words: its refusal of the key
        with pytest.raises(AuthError) as early:
            await api.status("r")
        assert (await api.status("r")).state == "QUEUED"
        with pytest.raises(GatewayRefusal) as page:
            await api.result("r")
        with pytest.raises(AuthError):
            await api.history()
    assert str(page.value) == (
        f"GET {server.url}/v2/requests/r was answered HTTP 403 with an HTML page, not the API's JSON, though the "
        "API's own answers this run had accepted the key ($SEGMIND_API_KEY): something in front of the API (a "
        "firewall, a proxy or VPN gateway, a network that asks to log in) refused the request, not the API. Check "
        f"what stands between this machine and {server.url} (proxy settings, firewall rules, a network login)"
    )
    assert page.value.status == 403 and api.refused == 1
    assert str(early.value) == (
        "HTTP 401 with an HTML page, not the API's JSON, while polling request r, before any answer of this run was "
        "the API's: the API may have refused the key, or something in front of it (a firewall, a proxy that asks to "
        "log in) or a --base-url that is not the API's refused the request. Check the key in the environment "
        "variable SEGMIND_API_KEY, --base-url, and what stands between this machine and the API"
    )


async def test_a_submit_that_may_have_arrived_is_ambiguous_and_one_never_sent_is_not():
    async with SimServer(SimConfig()) as sim, client(sim.url) as api:
        sim.state.script("submit_drop_after")
        with pytest.raises(AmbiguousSubmit) as dropped:
            await api.submit("kling-text2video", {"prompt": "x"})
    text = str(dropped.value)
    assert text.startswith(f"the submit for model kling-text2video may have reached the server, but no answer came "
                           f"back (no answer from {sim.url}: ")  # fmt: skip
    assert text.endswith("); the job may exist and must be looked up before any resubmission")
    assert dropped.value.detail and dropped.value.detail.startswith(f"no answer from {sim.url}: ")
    port = free_port()
    async with client(f"http://127.0.0.1:{port}") as api:
        with pytest.raises(NetworkError) as refused:
            await api.submit("m", {})
    assert type(refused.value) is NetworkError and not refused.value.reached_server
    assert str(refused.value).startswith(f"could not connect to http://127.0.0.1:{port}: ClientConnectorError: ")


async def test_a_read_that_gets_no_answer_in_time_reached_the_server():
    async with scripted() as server, client(server.url, request_timeout_s=0.3) as api:
        server.answers.append({"status": 200, "body": b"{}", "headers": {}, "delay": 3})
        with pytest.raises(NetworkError) as late:
            await api.credits()
    assert late.value.reached_server
    assert str(late.value).startswith(f"no answer from {server.url}: ")


# --------------------------------------------------------------------------- reading answers


async def test_status_and_result_read_the_state_the_error_and_the_figures():
    async with scripted() as server, client(server.url) as api:
        server.then(body={"status": "FAILED", "error": "nsfw prompt"})
        server.then(body={"status": "PROCESSING", "error": "still going", "metrics": {"queue": 2}})
        server.then(body={"status": "COMPLETED", "output": "http://cdn/v.mp4",
                          "metrics": {"cost": 0.28, "remaining_credits": 4.5}})  # fmt: skip
        server.then(body={"status": "COMPLETED", "output": ["http://cdn/a.mp4", "http://cdn/b.mp4"], "error": "x"})
        server.then(body={"status": "FAILED", "error": "moderation"})
        failed = await api.status("r")
        running = await api.status("r")
        done = await api.result("r")
        two = await api.result("r")
        refused = await api.result("r")
    assert (failed.state, failed.error, failed.metrics, failed.http) == ("FAILED", "nsfw prompt", {}, 200)
    assert (running.state, running.error, running.metrics) == ("PROCESSING", "still going", {"queue": 2})
    assert (done.state, done.output_url, done.cost, done.remaining_credits, done.error, done.http) == (
        "COMPLETED", "http://cdn/v.mp4", 0.28, 4.5, None, 200)  # fmt: skip
    assert done.metrics == {"cost": 0.28, "remaining_credits": 4.5} and done.output_urls == ("http://cdn/v.mp4",)
    assert two.output_urls == ("http://cdn/a.mp4", "http://cdn/b.mp4") and two.error == "x"
    assert (refused.state, refused.error, refused.output_url) == ("FAILED", "moderation", None)


async def test_the_credit_balance_reads_both_kinds_of_credit():
    async with scripted() as server, client(server.url) as api:
        server.then(body={"credits": 3, "free-credits": 1.5}).then(body={}).then(raw=b"")
        server.then(401, {"error": "bad key"})
        assert await api.credits() == Credits(3.0, 1.5)
        for _ in range(2):  # an answer without a balance, or an empty one, holds none: not a balance of $0
            with pytest.raises(BadResponse) as none:
                await api.credits()
            assert str(none.value).startswith(
                f"GET {server.url}/v1/get-user-credits was answered HTTP 200 without a balance (no 'credits' number"
            )
        with pytest.raises(AuthError, match="reading the credit balance"):
            await api.credits()


async def test_the_request_history_asks_for_what_it_is_given_and_keeps_the_rows_it_can_read():
    async with scripted() as server, client(server.url) as api:
        row = {"request_id": "a", "model_status": "COMPLETED", "model_name": "m"}
        server.then(body={"data": [row, {"no": "id"}, "text"]}).then(body={"data": []})
        server.then(body={"data": {"request_id": "a"}}).then(500, {"error": "down"})
        rows = await api.history(model="m", from_date="2026-01-02", status="FAILED", page=3, per_page=50)
        assert [r.request_id for r in rows] == ["a"]
        assert rows.listed == 3  # what the page held, the rows it could not read included
        assert await api.history() == []
        with pytest.raises(BadResponse) as no_list:
            await api.history()
        with pytest.raises(ServerError, match="reading the request history"):
            await api.history()
    assert str(no_list.value) == "the request history answer has no 'data' list" and no_list.value.status == 200
    assert server.seen[0].path == "/inference-request/request-history"
    assert server.seen[0].query == {"page": "3", "per_page": "50", "sort_order": "desc", "status": "FAILED",
                                    "model_name": "m", "from_date": "2026-01-02"}  # fmt: skip
    assert server.seen[1].query == {"page": "1", "per_page": str(HISTORY_PAGE), "sort_order": "desc"}
    assert server.seen[0].headers["x-api-key"] == KEY


async def test_a_history_that_refuses_what_is_asked_is_asked_less_for_the_rest_of_the_run():
    row = {"request_id": "a", "model_status": "COMPLETED", "model_name": "m"}
    async with scripted() as server, client(server.url) as api:
        server.then(400, {"error": "bad per_page"}).then(400, {"error": "bad sort_order"})
        server.then(400, {"error": "bad per_page"}).then(body={"data": [row]})
        server.then(body={"data": []}).then(400, {"error": "bad model_name"})
        assert [r.request_id for r in await api.history(model="m")] == ["a"]
        assert await api.history(page=2) == []  # asked in the form that worked
        with pytest.raises(RequestRejected, match="reading the request history"):
            await api.history(model="x")  # nothing more to leave out: the 400 is the answer
    queries = [seen.query for seen in server.seen]
    assert queries == [
        {"page": "1", "per_page": str(HISTORY_PAGE), "sort_order": "desc", "model_name": "m"},
        {"page": "1", "sort_order": "desc", "model_name": "m"},
        {"page": "1", "per_page": str(HISTORY_PAGE), "model_name": "m"},
        {"page": "1", "model_name": "m"},
        {"page": "2"},
        {"page": "1", "model_name": "x"},
    ]
    async with scripted() as server, client(server.url) as api:
        for _ in range(4):
            server.then(400, {"error": "window"})
        with pytest.raises(RequestRejected, match="reading the request history"):
            await api.history(from_date="2020-01-01")  # a 400 no form escapes: what is asked stays
    assert api.history_asks == ("per_page", "sort_order")


async def test_a_history_that_refuses_the_order_alone_is_still_asked_for_its_page_size():
    # Refused with sort_order (and so with both), a page is asked with per_page alone before with neither: pages too
    # large for api.max_response_bytes can then still be asked with fewer rows.
    row = {"request_id": "a", "model_status": "COMPLETED", "model_name": "m"}
    async with scripted() as server, client(server.url) as api:
        server.then(400, {"error": "Unknown query parameter: sort_order"})
        server.then(400, {"error": "Unknown query parameter: sort_order"}).then(body={"data": [row]})
        server.then(body={"data": []})
        assert [r.request_id for r in await api.history(per_page=40)] == ["a"]
        assert (await api.history(page=2, per_page=40)).asked == 40  # the page size asked is the page's
    assert [seen.query for seen in server.seen] == [
        {"page": "1", "per_page": "40", "sort_order": "desc"},
        {"page": "1", "sort_order": "desc"},
        {"page": "1", "per_page": "40"},
        {"page": "2", "per_page": "40"},
    ]
    assert api.history_asks == ("per_page",)


async def test_a_form_the_history_refused_is_not_asked_again_when_the_next_one_failed_for_now():
    # Refused with per_page (400), the page is asked without it in the same call, and that request is answered 429
    # (two requests on one grant of the budget, at a tight limit).  Asked again once the budget allows, it goes on
    # from the form not yet refused: from the first again, it would meet the 400 and the 429 each time.
    row = {"request_id": "a", "model_status": "COMPLETED", "model_name": "m"}
    async with scripted() as server, client(server.url) as api:
        server.then(400, {"error": "bad per_page"}).then(429, {"error": "slow down"}).then(body={"data": [row]})
        server.then(body={"data": []})
        with pytest.raises(RateLimited):
            await api.history(model="m")
        assert [r.request_id for r in await api.history(model="m")] == ["a"]
        assert await api.history(model="m", page=2) == []
    queries = [seen.query for seen in server.seen]
    assert queries == [
        {"page": "1", "per_page": str(HISTORY_PAGE), "sort_order": "desc", "model_name": "m"},
        {"page": "1", "sort_order": "desc", "model_name": "m"},
        {"page": "1", "sort_order": "desc", "model_name": "m"},
        {"page": "2", "sort_order": "desc", "model_name": "m"},
    ]
    assert api.history_asks == ("sort_order",)


async def test_the_servers_date_says_at_least_how_far_its_clock_runs_ahead_of_ours():
    behind = email.utils.formatdate(time.time() - 36_000.0, usegmt=True)  # ten hours behind
    async with scripted() as server, client(server.url) as api:
        server.then(body={"credits": 1.0}, Date="nonsense").then(body={"credits": 1.0}, Date=behind)
        await api.credits()
        assert api.date_ahead is None  # nothing read yet
        await api.credits()
    assert api.date_ahead is not None and -36_002.0 < api.date_ahead <= -35_999.0


async def test_a_server_clock_that_gains_on_ours_is_taken_for_no_further_ahead_at_a_moment_than_answers_by_then_showed(
    monkeypatch,
):
    """A simulator's clock runs scaled: ten hours behind at our 1,000 s, it has gained 6,000 s by our 2,000 s.
    A submit sent at our 1,500 s was stamped by the clock as it ran then: at most -36,000 s ahead.  The most
    any answer showed (-30,000 s) would put that stamp 6,000 s late, and the request's row before it."""
    import batchgen.api.client as client_module

    moments = [1_000.0, 2_000.0]
    monkeypatch.setattr(client_module, "wall_now", lambda: moments.pop(0) if len(moments) > 1 else moments[0])
    early = email.utils.formatdate(1_000.0 - 36_000.0, usegmt=True)
    later = email.utils.formatdate(2_000.0 - 30_000.0, usegmt=True)
    async with scripted() as server, client(server.url) as api:
        server.then(body={"credits": 1.0}, Date=early).then(body={"credits": 1.0}, Date=later)
        assert api.date_ahead_at(1_500.0) is None  # nothing read yet
        await api.credits()
        await api.credits()
    assert api.date_ahead == pytest.approx(-30_000.0)
    assert api.date_ahead_at(1_500.0) == pytest.approx(-36_000.0)  # the answers by then
    assert api.date_ahead_at(500.0) == pytest.approx(-36_000.0)  # before any: the nearest after it
    assert api.date_ahead_at(2_500.0) == pytest.approx(-30_000.0)


async def test_one_request_of_the_history_is_read_by_its_id():
    async with scripted() as server, client(server.url) as api:
        server.then(body={"request_id": "a/b", "model_status": "FAILED"}).then(body={"id": "x"})
        server.then(404, {"error": "unknown"})
        assert (await api.history_get("a/b")).status == "FAILED"
        with pytest.raises(BadResponse) as malformed:
            await api.history_get("a/b")
        with pytest.raises(NotFound, match="looking up request zz in the history"):
            await api.history_get("zz")
    assert str(malformed.value) == "the history entry for a/b is malformed" and malformed.value.status == 200
    assert server.seen[0].path == "/inference-request/request-history/a%2Fb"


async def test_an_answer_is_read_up_to_its_limit_and_no_further():
    async with scripted() as server, client(server.url, max_response_bytes=16) as api:
        server.then(raw=b'{"credits": 12 }').then(raw=b'{"credits": 123 }')
        assert (await api.credits()).credits == 12.0  # exactly 16 bytes
        with pytest.raises(BadResponse) as big:
            await api.credits()
    assert str(big.value) == f"the answer from {server.url} is larger than 16 bytes (api.max_response_bytes)"
    assert big.value.status == 200


async def test_an_ok_answer_that_is_not_a_json_object_is_route_trouble():
    async with scripted() as server, client(server.url) as api:
        server.then(body=[1, 2]).then(raw=b"not json")
        with pytest.raises(RouteTrouble) as listed:
            await api.credits()
        with pytest.raises(RouteTrouble) as page:
            await api.status("r")
    assert str(listed.value) == (
        f"GET {server.url}/v1/get-user-credits was answered HTTP 200 with JSON that is not an object, not the "
        "API's JSON; taken as trouble on the way to the API, not as a job's outcome"
    )
    assert listed.value.status == 200 and listed.value.detail == "HTTP 200: not JSON"
    assert listed.value.answer == "JSON that is not an object"
    assert f"GET {server.url}/v2/requests/r/status was answered HTTP 200 with text that is not JSON" in str(page.value)


async def test_an_error_answer_that_is_not_json_is_read_as_its_text():
    long = b"x" * 150 + b"y" * 150
    async with scripted() as server, client(server.url) as api:
        server.then(400, raw=b"  plain words \xff ").then(400, raw=b"  ").then(400, raw=long).then(400, body=[1])
        server.then(400, raw=b"")
        errors = []
        for _ in range(5):
            with pytest.raises(RequestRejected) as caught:
                await api.credits()
            errors.append(caught.value.detail)
    assert errors[0] == "plain words \ufffd"
    assert errors[1] == "HTTP 400"
    assert errors[2] == "x" * 150 + "y" * 50
    assert errors[3] == "[1]"
    assert errors[4] == "no detail given"  # an empty answer is an empty object


async def test_an_echoed_key_is_cleaned_from_every_answer_before_it_is_read():
    async with scripted() as server, client(server.url) as api:
        server.then(body={"status": "FAILED", "error": f"bad key {KEY} given"})
        server.then(403, {"error": f"key {KEY} refused"})
        failed = await api.status("r")
        with pytest.raises(AuthError) as refused:
            await api.credits()
    assert failed.error == "bad key [REDACTED] given"
    assert KEY not in f"{refused.value} {refused.value.detail}" and "[REDACTED]" in str(refused.value.detail)


# --------------------------------------------------------------------------- redirects


async def test_a_read_follows_up_to_three_redirects_within_the_api_and_keeps_the_key():
    async with scripted() as server, client(server.url) as api:
        where = server.url.upper().replace("HTTP://", "http://")  # the host in capitals is the same host
        server.redirect(302, "/h2?page=9").redirect(301, f"{where}/h3").redirect(300, "/h4")
        server.then(body={"data": []})
        assert await api.history(page=3) == []
    assert [s.path for s in server.seen] == ["/inference-request/request-history", "/h2", "/h3", "/h4"]
    assert server.seen[1].query == {"page": "9"} and server.seen[2].query == {}  # the Location's own query
    assert all(s.headers["x-api-key"] == KEY for s in server.seen)


async def test_a_fourth_redirect_is_not_followed():
    async with scripted() as server, client(server.url) as api:
        for n in range(4):
            server.redirect(302, f"/r{n}")
        with pytest.raises(RouteTrouble) as caught:
            await api.credits()
    assert str(caught.value) == f"{server.url} redirected more than 3 times"
    assert (caught.value.status, caught.value.detail) == (302, "redirects")
    assert len(server.seen) == 4


async def test_each_redirect_followed_asks_the_budget_once_and_one_not_followed_asks_nothing():
    # Within a granted call each redirect followed waits for a grant of its own; the fourth, never followed,
    # must not take a grant (a place in the window, a request in the summary) for nothing.
    grants: list[int] = []

    async def grant() -> None:
        grants.append(1)

    async with scripted() as server, client(server.url) as api:
        for n in range(4):
            server.redirect(302, f"/r{n}")
        token = GRANTED.set(grant)
        try:
            with pytest.raises(RouteTrouble):
                await api.credits()
        finally:
            GRANTED.reset(token)
    assert len(server.seen) == 4 and len(grants) == 3  # the call, then three redirects, each granted


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.2:{port}/v1/get-user-credits", "https://127.0.0.1:{port}/v1/get-user-credits",
     "http://127.0.0.1:1/v1/get-user-credits", None],
)  # fmt: skip
async def test_a_redirect_away_from_the_api_is_never_followed(location):
    async with scripted() as server, client(server.url) as api:
        port = server.url.rsplit(":", 1)[1]
        server.redirect(302, location.format(port=port) if location else None)
        with pytest.raises(RouteTrouble) as caught:
            await api.credits()
    assert str(caught.value) == (
        f"{server.url} answered with a redirect (HTTP 302) to another origin or method; API calls are never "
        "redirected away from the API, so the key stays with it"
    )
    assert (caught.value.status, caught.value.detail) == (302, "redirect (HTTP 302)")
    assert len(server.seen) == 1


async def test_a_submit_follows_only_redirects_that_keep_its_method_and_body():
    async with scripted() as server, client(server.url) as api:
        server.redirect(307, "/v2/again").redirect(308, "/v2/once-more").then(body={"request_id": "r"})
        assert (await api.submit("m", {"prompt": "p"})).request_id == "r"
        server.redirect(302, "/v2/elsewhere")
        with pytest.raises(AmbiguousSubmit) as caught:
            await api.submit("m", {"prompt": "q"})
    assert [(s.method, s.path) for s in server.seen[:3]] == [("POST", "/v2/m"), ("POST", "/v2/again"),
                                                             ("POST", "/v2/once-more")]  # fmt: skip
    assert server.seen[2].body == b'{"prompt": "p"}' and server.seen[2].headers["x-api-key"] == KEY
    assert caught.value.status == 302 and len(server.seen) == 4


# --------------------------------------------------------------------------- downloads


async def test_a_download_is_bounded_sent_without_the_key_and_read_in_chunks():
    async with scripted() as server, client(server.url) as api:
        server.then(raw=b"0123456789").then(raw=b"0123456789")
        async with api.download(server.url.replace("http", "HTTP", 1) + "/v.mp4", max_bytes=10, chunk_size=4) as dl:
            chunks = [chunk async for chunk in dl.chunks]
        assert dl.content_length == 10 and b"".join(chunks) == b"0123456789" and max(map(len, chunks)) <= 4
        with pytest.raises(DownloadError) as big:
            async with api.download(server.url + "/v.mp4", max_bytes=9):
                pass
    assert str(big.value) == "the video is 10 bytes, over the limit of 9 (output.max_download_bytes)"
    assert not big.value.retryable
    assert all("x-api-key" not in s.headers for s in server.seen)


@pytest.mark.parametrize(
    ("status", "retryable", "gone"),
    [(404, False, True), (410, False, True), (403, False, False), (499, False, False), (429, True, False),
     (500, True, False), (503, True, False)],
)  # fmt: skip
async def test_a_download_refused_says_whether_trying_again_can_help(status, retryable, gone):
    async with scripted() as server, client(server.url) as api:
        server.then(status, raw=b"no")
        with pytest.raises(DownloadError) as caught:
            async with api.download(server.url + "/v.mp4", max_bytes=100):
                pass
    assert str(caught.value) == f"the output URL answered HTTP {status}"
    assert (caught.value.retryable, caught.value.gone) == (retryable, gone)


async def test_a_download_follows_redirects_and_gives_up_at_the_fifth():
    async with scripted() as server, client(server.url) as api:
        for n in range(4):
            server.redirect(302, f"/d{n}")
        server.then(raw=b"video")
        async with api.download(server.url + "/v.mp4", max_bytes=100) as dl:
            assert b"".join([c async for c in dl.chunks]) == b"video"
        for n in range(5):
            server.redirect(302, f"/e{n}")
        with pytest.raises(DownloadError) as caught:
            async with api.download(server.url + "/v.mp4", max_bytes=100):
                pass
    assert str(caught.value) == "the output URL redirected too many times" and not caught.value.retryable


async def test_a_download_that_cannot_start_or_is_cut_short_says_so():
    async with client("http://127.0.0.1:9") as api:
        with pytest.raises(DownloadError) as scheme:
            async with api.download("ftp://127.0.0.1/v.mp4", max_bytes=100):
                pass
        with pytest.raises(DownloadError) as invalid:
            async with api.download("http:///v.mp4", max_bytes=100):
                pass
        port = free_port()
        with pytest.raises(DownloadError) as refused:
            async with api.download(f"http://127.0.0.1:{port}/v.mp4", max_bytes=100):
                pass
    assert str(scheme.value) == "the output URL has scheme 'ftp:', which is not allowed"
    assert not scheme.value.retryable
    assert str(invalid.value) == "the output URL is not a valid URL" and not invalid.value.retryable
    assert str(refused.value).startswith("the download failed: ClientConnectorError: ") and refused.value.retryable
    async with scripted() as server, client(server.url) as api:
        server.answers.append({"cut": True})
        async with api.download(server.url + "/v.mp4", max_bytes=10_000) as dl:
            with pytest.raises(DownloadError) as cut:
                _ = [chunk async for chunk in dl.chunks]
    assert str(cut.value).startswith("the download was cut short: ") and cut.value.retryable


async def test_closing_the_client_closes_both_sessions_once():
    api = client("http://127.0.0.1:9")
    async with api:
        sessions = (api._session, api._download_session)
    assert all(s is not None and s.closed for s in sessions)
    await api.close()  # closing again is harmless
