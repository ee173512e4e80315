"""Reading what the API may show beyond its documentation: state spellings, output shapes, redirects."""

from __future__ import annotations

import anyio
import pytest
from aiohttp import web

from batchgen.api.answers import (
    MAX_HINT_S,
    bare_id,
    dashed_id,
    failure_text,
    history_row,
    output_of,
    output_urls,
    read_state,
    retry_hint,
)
from batchgen.api.client import ApiClient
from batchgen.errors import AmbiguousSubmit, NotFound, RouteTrouble, SpelledOtherwise
from batchgen.simulator import SimConfig, SimServer
from tests.helpers import KEY, served

URL = "https://cdn.example/generations/a.mp4"


@pytest.mark.parametrize(
    ("spelled", "state", "known"),
    [
        ("QUEUED", "QUEUED", True),
        ("queued", "QUEUED", True),
        ("IN_QUEUE", "QUEUED", True),
        ("in-queue", "QUEUED", True),
        ("Processing", "PROCESSING", True),
        ("STARTING", "PROCESSING", True),
        ("WARMING_UP", "PROCESSING", False),  # unknown: still in flight
        ("completed", "COMPLETED", True),
        ("succeeded", "COMPLETED", True),
        ("failed", "FAILED", True),
        ("CANCELLED", "FAILED", True),
        ("canceled", "FAILED", True),
        ("ABORTED", "FAILED", True),
    ],
)
def test_states_are_read_case_insensitively_and_safely(spelled, state, known):
    read = read_state(spelled)
    assert read is not None and read.state == state and read.known is known


@pytest.mark.parametrize("value", [None, "", "   ", 3, ["COMPLETED"], {"status": "COMPLETED"}])
def test_no_state_at_all_is_not_read_as_one(value):
    assert read_state(value) is None


def test_a_cancelled_job_without_an_error_text_says_it_was_cancelled():
    read = read_state("cancelled")
    assert read is not None and read.cancelled
    assert "CANCELLED" in (failure_text({"status": "cancelled"}, read) or "")
    assert failure_text({"error": "stopped by the operator"}, read) == "stopped by the operator"


@pytest.mark.parametrize(
    ("body", "url"),
    [
        ({"output": URL}, URL),
        ({"output": [URL, "https://cdn.example/b.mp4"]}, URL),
        ({"output": {"video": URL}}, URL),
        ({"output": {"url": URL}}, URL),
        ({"output": {"output": [{"url": URL}]}}, URL),
        ({"output": "", "video": {"url": URL, "file_size": 12}}, URL),
        ({"video": URL}, URL),
        ({"output": "file:///etc/passwd"}, None),
        ({"output": "not a link"}, None),
        ({"output": None}, None),
        ({}, None),
    ],
)
def test_output_may_be_a_string_a_list_or_an_object_holding_the_url(body, url):
    assert output_of(body)[0] == url


def test_every_candidate_link_in_order_and_the_declared_size():
    body = {"output": ["https://cdn.example/p.jpg", URL], "video": {"url": URL, "file_size": 99}}
    assert output_urls(body) == [URL, "https://cdn.example/p.jpg"]  # named like a video, before a picture
    assert output_of(body) == (URL, 99)
    unnamed = ["https://cdn.example/a", "https://cdn.example/p.png", "https://cdn.example/b?x=1"]
    assert output_urls({"output": unnamed}) == [unnamed[0], unnamed[2], unnamed[1]]  # else as listed


@pytest.mark.parametrize(
    ("spelled", "read"), [("completed", "COMPLETED"), ("CANCELLED", "FAILED"), ("queued", "PENDING"), (None, "PENDING")]
)
def test_history_rows_states_are_read_the_same_way(spelled, read):
    row = history_row({"request_id": "r", "model_status": spelled})
    assert row is not None and row.status == read


@pytest.mark.parametrize(
    ("listed", "read", "bare"),
    [
        ("5708ee2c13f1402c9353915a2b5a2124", "5708ee2c-13f1-402c-9353-915a2b5a2124", True),
        ("5708EE2C13F1402C9353915A2B5A2124", "5708ee2c-13f1-402c-9353-915a2b5a2124", True),
        ("5708ee2c-13f1-402c-9353-915a2b5a2124", "5708ee2c-13f1-402c-9353-915a2b5a2124", False),
        ("5708ee2c13f1402c9353915a2b5a212", "5708ee2c13f1402c9353915a2b5a212", False),  # 31 digits: not a UUID
        ("5708ee2c13f1402c9353915a2b5a212g", "5708ee2c13f1402c9353915a2b5a212g", False),
        ("req-1", "req-1", False),
    ],
)
def test_a_history_row_id_of_32_bare_hex_digits_is_read_as_a_submit_spells_it(listed, read, bare):
    row = history_row({"request_id": listed})
    assert row is not None and (row.request_id, row.bare_id) == (read, bare)
    assert dashed_id(listed) == (read if bare else None)


def test_only_a_dashed_uuid_has_a_bare_spelling():
    assert bare_id("5708ee2c-13f1-402c-9353-915a2b5a2124") == "5708ee2c13f1402c9353915a2b5a2124"
    assert bare_id("5708ee2c13f1-402c-9353-915a-2b5a2124") is None  # dashes out of place
    assert bare_id("5708ee2c13f1402c9353915a2b5a2124") is None
    assert bare_id("req-1-2-3-4") is None


@pytest.mark.parametrize("spelled", ["ERROR", "errored", "Failure"])
def test_a_history_row_spelled_as_an_error_is_a_failed_job_not_one_in_flight(spelled):
    row = history_row({"request_id": "r", "model_status": spelled})
    assert row is not None and row.status == "FAILED"


def test_a_size_that_is_not_a_whole_number_of_bytes_is_no_size():
    for size in (True, -1, 12.5, "12"):
        assert output_of({"output": URL, "video": {"file_size": size}}) == (URL, None)
    assert output_of({"output": URL, "video": {"file_size": 0}}) == (URL, 0)


def test_a_servers_wait_is_held_to_an_hour_at_most():
    date = "Sat, 21 Nov 2026 12:00:00 GMT"
    assert retry_hint({"retry-after": "86400"}) == MAX_HINT_S == 3600.0
    assert retry_hint({"retry-after": "Sun, 22 Nov 2026 12:00:00 GMT", "date": date}) == MAX_HINT_S
    assert retry_hint({"x-rate-limit-reset-at-utc": "2026-11-22T12:00:00Z", "date": date}) == MAX_HINT_S


# --------------------------------------------------------------------------- against the simulator


def client(url: str, key: str = KEY) -> ApiClient:
    return ApiClient(api_key=key, base_url=url)


async def finished(api: ApiClient, rid: str) -> str:
    """Poll until the simulator's clock has finished the job (each poll is a real round trip)."""
    with anyio.fail_after(20):
        state = (await api.status(rid)).state
        while state not in ("COMPLETED", "FAILED"):
            state = (await api.status(rid)).state
    return state


async def test_a_finished_jobs_history_row_says_what_it_was_charged_and_how_long_it_took():
    # What a job found through the history was charged comes from its row alone (credits_deduction): the
    # spend, the sidecar and the cap count it.  Its latency_ms (milliseconds) teaches the poll plan.
    async with SimServer(SimConfig(time_scale=5000)) as sim, client(sim.url) as api:
        rid = (await api.submit("kling-text2video", {"prompt": "a fox"})).request_id
        assert await finished(api, rid) == "COMPLETED"
        row = await api.history_get(rid)
        job = sim.state.jobs[rid]
    assert row.status == "COMPLETED" and row.model_name == "kling-text2video"
    assert [(rid, row.cost)] == sim.state.charges and row.cost == pytest.approx(0.28)
    assert row.latency_s == pytest.approx(job.finish - job.submitted, abs=0.001)
    assert row.created_at == pytest.approx(job.submitted, abs=0.001)


async def test_one_request_is_asked_of_the_history_in_its_own_spelling_once_that_is_known():
    async with SimServer(SimConfig(time_scale=5000, history_ids="bare")) as sim, client(sim.url) as api:
        first = (await api.submit("kling-text2video", {"prompt": "a fox"})).request_id
        second = (await api.submit("kling-text2video", {"prompt": "a hen"})).request_id
        assert await finished(api, first) == "COMPLETED"
        before = sim.state.counters["/inference-request/request-history/{rid}"]
        with pytest.raises(SpelledOtherwise):  # dashed: not found, and a request is all one call sends
            await api.history_get(first)
        assert sim.state.counters["/inference-request/request-history/{rid}"] - before == 1
        assert (await api.history_get_bare(first)).request_id == first  # then bare, a request of its own
        assert sim.state.counters["/inference-request/request-history/{rid}"] - before == 2
        assert api.history_bare_ids is True
        assert (await api.history_get(second)).request_id == second  # asked bare at once
        assert sim.state.counters["/inference-request/request-history/{rid}"] - before == 3
        with pytest.raises(NotFound):
            await api.history_get("5708ee2c-13f1-402c-9353-915a2b5a2124")  # none such: one request
        assert sim.state.counters["/inference-request/request-history/{rid}"] - before == 4
        listed = await api.history(model="kling-text2video")
    assert {row.request_id for row in listed} == {first, second}


async def test_a_request_not_found_in_a_history_known_to_spell_ids_dashed_is_asked_once():
    async with SimServer(SimConfig(time_scale=5000)) as sim, client(sim.url) as api:
        await api.submit("kling-text2video", {"prompt": "a fox"})
        await api.history(model="kling-text2video")  # its row spells the id as the submit did
        assert api.history_bare_ids is False
        before = sim.state.counters["/inference-request/request-history/{rid}"]
        with pytest.raises(NotFound):
            await api.history_get("5708ee2c-13f1-402c-9353-915a2b5a2124")  # none such: not asked again bare
        assert sim.state.counters["/inference-request/request-history/{rid}"] - before == 1


async def test_a_redirect_to_another_origin_is_never_followed_and_a_submit_so_answered_is_ambiguous():
    config = SimConfig(time_scale=5000, redirect_routes=frozenset({"submit", "result"}))
    async with SimServer(config) as sim, client(sim.url) as api:
        with pytest.raises(AmbiguousSubmit) as caught:
            await api.submit("kling-text2video", {"prompt": "a fox"})
        assert caught.value.status == 307
        sim.state.config.redirect_routes = frozenset({"result"})
        rid = (await api.submit("kling-text2video", {"prompt": "a fox"})).request_id
        assert await finished(api, rid) == "COMPLETED"
        with pytest.raises(RouteTrouble, match="redirect"):
            await api.result(rid)
        assert sim.state.redirects_served == 2
        assert sim.state.foreign_requests == 0 and sim.state.foreign_key_requests == 0


async def test_a_redirect_within_the_api_origin_is_followed_with_the_key():
    config = SimConfig(time_scale=5000, redirect_routes=frozenset(REDIRECTED), redirect_to="same")
    async with SimServer(config) as sim, client(sim.url) as api:
        rid = (await api.submit("kling-text2video", {"prompt": "a fox"})).request_id  # 307 keeps the POST
        assert await finished(api, rid) == "COMPLETED"
        result = await api.result(rid)
        assert result.output_url and (await api.history_get(rid)).request_id == rid
        assert len(sim.state.submissions) == 1 and sim.state.redirects_served >= 4


REDIRECTED = ("submit", "status", "result", "history", "credits")


async def test_a_page_that_is_not_json_is_route_trouble_not_the_jobs_outcome():
    async with SimServer(SimConfig(time_scale=5000)) as sim, client(sim.url) as api:
        sim.state.script("hostile", kind="non_json")
        rid = (await api.submit("kling-text2video", {"prompt": "a fox"})).request_id
        assert await finished(api, rid) == "COMPLETED"
        with pytest.raises(RouteTrouble, match="with an HTML page, not the API"):
            await api.result(rid)


@pytest.mark.parametrize("world", [{"state_case": "lower"}, {"extra_states": True}])
async def test_states_as_a_world_spells_them_and_a_cancelled_job(world):
    config = SimConfig(time_scale=5000, cancel_prompts=("cancel me",), **world)
    async with SimServer(config) as sim, client(sim.url) as api:
        kept = (await api.submit("kling-text2video", {"prompt": "a fox"})).request_id
        gone = (await api.submit("kling-text2video", {"prompt": "please cancel me"})).request_id
        assert (await api.status(kept)).state in ("QUEUED", "PROCESSING")
        assert await finished(api, kept) == "COMPLETED"
        assert await finished(api, gone) == "FAILED"
        status = await api.status(gone)
        assert status.http == 200 and "CANCELLED" in (status.error or "")
        assert (await api.result(gone)).state == "FAILED"
        assert (await api.history_get(gone)).status == "FAILED"
        assert [rid for rid, _ in sim.state.charges] == [kept]


async def test_jobs_belong_to_the_account_of_the_key_that_made_them():
    other = "SG_2222222222222222"
    config = SimConfig(time_scale=5000, key_accounts={"SG_1111111111111111": "main", other: "other"})
    async with SimServer(config) as sim, client(sim.url) as api:
        rid = (await api.submit("kling-text2video", {"prompt": "a fox"})).request_id
        async with client(sim.url, "SG_1111111111111111") as same, client(sim.url, other) as stranger:
            assert (await same.history_get(rid)).request_id == rid
            assert (await same.status(rid)).state in ("QUEUED", "PROCESSING", "COMPLETED")
            with pytest.raises(NotFound):
                await stranger.history_get(rid)
            with pytest.raises(NotFound):
                await stranger.status(rid)
            assert await stranger.history() == []


async def test_an_undocumented_state_is_in_flight_and_logged_once_per_spelling(caplog):
    spellings = iter(["warming_up", "WARMING-UP", "Thinking", "warming_up"])

    async def status(request: web.Request) -> web.Response:
        return web.json_response({"status": next(spellings), "request_id": request.match_info["rid"]})

    app = web.Application()
    app.router.add_get("/v2/requests/{rid}/status", status)
    async with served(app) as url:
        caplog.set_level("INFO", logger="batchgen")
        async with client(url) as api:
            assert [(await api.status("r")).state for _ in range(4)] == ["PROCESSING"] * 4
    told = [r.getMessage() for r in caplog.records if "does not document" in r.getMessage()]
    assert len(told) == 2 and "'WARMING_UP'" in told[0] and "'THINKING'" in told[1]
