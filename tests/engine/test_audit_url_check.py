"""The check of the base URL before a run's first submit (``url_check``), when an earlier run's submit was answered
by something that is not the API: asked only then, at no cost, and told truthfully (which jobs stay, how many)."""

from __future__ import annotations

import random
from typing import Any, cast

import pytest

from batchgen.api.client import ApiClient, default_history_url
from batchgen.api.gateway import Gateway
from batchgen.api.paging import HistoryPage
from batchgen.api.ratelimit import RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.engine.url_check import check_url
from batchgen.errors import ApiError, AuthError, NotFound, RateLimited, ServerError
from batchgen.retry import RetryPolicy
from tests.engine.doubles import pending
from tests.helpers import drive

BASE = "http://127.0.0.1:9"


class HistoryOnly:
    """What check_url reads of the client: whether the API has spoken, its URLs, and one history page."""

    def __init__(self, *answers: ApiError, spoken: bool = False, history_url: str | None = None):
        self.spoken = spoken
        self.base_url = BASE
        self.history_url = history_url or default_history_url(BASE)
        self.answers = list(answers)  # raised in turn; a page once they are spent
        self.asked: list[int] = []

    async def history(self, *, per_page: int) -> HistoryPage:
        self.asked.append(per_page)
        if self.answers:
            raise self.answers.pop(0)
        return HistoryPage([], 0)


class Straight:
    async def call(self, priority: Any, fn: Any, *, rank: Any = None) -> Any:
        return await fn()


async def check(api: HistoryOnly, left: int) -> Any:
    jobs = [pending(f"job-{i:03d}") for i in range(left)]
    return await check_url(cast(Gateway, Straight()), cast(ApiClient, api), jobs)


def store_answer() -> NotFound:
    error = NotFound("HTTP 404 while reading the request history", status=404, detail="NoSuchBucket")
    error.answer = "an XML document (<Code>NoSuchBucket</Code>, as an S3-compatible object store answers)"
    return error


async def test_jobs_left_at_a_url_still_not_the_api_are_named_and_the_rest_counted():
    api = HistoryOnly(store_answer())
    wrong = await check(api, 5)
    assert wrong is not None and wrong.status == 404 and wrong.made is False
    assert api.asked == [1]  # one page of one row: a GET, which makes and pays for nothing
    text = str(wrong)
    assert text.startswith(
        f"GET {BASE}/inference-request/request-history was answered HTTP 404 with an XML document (<Code>NoSuchBucket"
    )
    assert "jobs job-000, job-001, job-002 and 2 more stay so until a run whose URL answers as the API" in text
    assert "looks them up in its request history" in text and "No submit was sent" in text


async def test_one_job_left_is_named_alone_and_a_page_answered_lets_the_run_go_on():
    wrong = await check(HistoryOnly(store_answer()), 1)
    assert wrong is not None and "; job job-000 stays so until" in str(wrong) and "looks it up" in str(wrong)
    api = HistoryOnly()
    assert await check(api, 1) is None and api.asked == [1]


async def test_the_url_is_not_asked_of_once_the_api_spoke_nor_with_no_job_left_nor_with_a_history_url_apart():
    for api, left in (
        (HistoryOnly(store_answer(), spoken=True), 2),
        (HistoryOnly(store_answer()), 0),
        (HistoryOnly(store_answer(), history_url="http://127.0.0.1:8/history"), 2),
    ):
        assert await check(api, left) is None
        assert api.asked == []


async def test_the_check_goes_through_the_budget_so_a_429_or_a_5xx_is_waited_out_not_told_as_the_wrong_url():
    clock = FakeClock()
    gateway = Gateway(
        RequestBudget(60, clock=clock, burst=1), RetryPolicy(RetrySettings(), rng=random.Random(1)), clock
    )
    api = HistoryOnly(RateLimited("slow down", retry_after=5.0), ServerError("HTTP 503", status=503))
    jobs = [pending("job-000")]
    assert await drive(clock, lambda: check_url(gateway, cast(ApiClient, api), jobs)) is None
    assert api.asked == [1, 1, 1] and gateway.requests == 3  # each request granted and counted: the page ends it


async def test_the_apis_own_refusal_of_the_key_on_the_check_stops_the_run_as_a_refused_key_not_as_a_wrong_url():
    api = HistoryOnly(AuthError("HTTP 401: invalid API key", status=401, detail="Unauthorized"))
    with pytest.raises(AuthError):
        await check(api, 2)
    assert api.asked == [1]
