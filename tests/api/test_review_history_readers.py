"""Review: the forms a refused request-history page is asked in (ApiClient.history, fewer_asks, _history_trying)."""

from __future__ import annotations

import anyio
import pytest
from aiohttp import web

from batchgen.api.answers import HISTORY_PAGE
from batchgen.api.client import ApiClient
from batchgen.errors import RateLimited
from tests.api.test_client_answers import client
from tests.helpers import KEY, scripted, served


async def test_two_readers_each_resume_from_the_form_not_yet_refused():
    row = {"request_id": "a", "model_status": "COMPLETED", "model_name": "m"}
    async with scripted() as server, client(server.url) as api:
        server.then(400, {"error": "bad per_page"}).then(429, {"error": "slow down"})  # the sweep's page
        server.then(400, {"error": "bad per_page"}).then(429, {"error": "slow down"})  # a look-up's page
        server.then(body={"data": [row]})  # the sweep's page asked again: answered in the form it asks
        with pytest.raises(RateLimited):
            await api.history(model="m")
        with pytest.raises(RateLimited):
            await api.history(model="m", from_date="2026-01-02")
        assert [r.request_id for r in await api.history(model="m")] == ["a"]
    queries = [seen.query for seen in server.seen]
    assert queries[:4] == [
        {"page": "1", "per_page": str(HISTORY_PAGE), "sort_order": "desc", "model_name": "m"},
        {"page": "1", "sort_order": "desc", "model_name": "m"},
        {
            "page": "1",
            "per_page": str(HISTORY_PAGE),
            "sort_order": "desc",
            "model_name": "m",
            "from_date": "2026-01-02",
        },
        {"page": "1", "sort_order": "desc", "model_name": "m", "from_date": "2026-01-02"},
    ]
    # the sweep asked again: from the form not yet refused, not per_page again (a second 400)
    assert queries[4:] == [{"page": "1", "sort_order": "desc", "model_name": "m"}], queries[4:]


async def test_a_reader_halving_late_never_makes_another_readers_next_page_skip_rows():
    big = 25  # the first rows keep inline images: 12 of them fit in max_response_bytes, 25 do not
    released = [anyio.Event(), anyio.Event()]  # the look-up's two asks, each held until the sweep has gone on
    asked_b: list[int] = []

    async def handle(request: web.Request) -> web.Response:
        query = request.query
        size, page = int(query.get("per_page", "20")), int(query["page"])
        if query.get("model_name") == "b":
            asked_b.append(size)
            await released[min(len(asked_b), 2) - 1].wait()
        rows = [
            {"request_id": f"r-{i:03d}", "model_status": "COMPLETED", "model_name": "m",
             "pad": "x" * (1000 if i < big else 50)}
            for i in range((page - 1) * size, page * size)
        ]  # fmt: skip
        return web.json_response({"data": rows})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    async with served(app) as url:
        api = ApiClient(api_key=KEY, base_url=url, max_response_bytes=15_000)
        async with api, anyio.create_task_group() as tg:
            tg.start_soon(lambda: api.history(model="b"))  # a look-up's page 1, asked at 100 rows
            await anyio.wait_all_tasks_blocked()
            first = await api.history(model="a")  # the sweep's page 1: halved to 12 rows to fit
            assert [r.request_id for r in first] == [f"r-{i:03d}" for i in range(12)]
            released[0].set()  # the look-up's 100 rows come back too large
            await anyio.wait_all_tasks_blocked()
            second = await api.history(model="a", page=2)  # the sweep's page 2
            released[1].set()
    assert asked_b[:2] == [100, 12]  # asked again at no more rows than the sweep had halved to, not at 50
    ids = [r.request_id for r in second]
    assert ids and ids[0] <= "r-012", f"page 2 began at {ids[0]}: rows r-012 to {ids[0]} were never read"


async def test_a_reader_resumes_from_the_form_another_reader_found_answered_since():
    # The sweep's page is refused with both (400) and its next form fails for now (429); meanwhile a look-up finds
    # the history refuses sort_order and answers per_page alone.  The sweep's page is asked again in that form, not
    # in the one it would have tried next (sort_order alone: a 400 spent).
    row = {"request_id": "a", "model_status": "COMPLETED", "model_name": "m"}
    async with scripted() as server, client(server.url) as api:
        server.then(400, {"error": "bad sort_order"}).then(429, {"error": "slow down"})  # the sweep's page
        server.then(400, {"error": "bad sort_order"}).then(400, {"error": "bad sort_order"})  # a look-up's page
        server.then(body={"data": [row]}).then(body={"data": [row]})
        with pytest.raises(RateLimited):
            await api.history(model="m")
        assert [r.request_id for r in await api.history(model="m", from_date="2026-01-02")] == ["a"]
        assert api.history_asks == ("per_page",)
        assert [r.request_id for r in await api.history(model="m")] == ["a"]
    assert server.seen[-1].query == {"page": "1", "per_page": str(HISTORY_PAGE), "model_name": "m"}
