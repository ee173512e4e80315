"""Promises the API layer keeps on its own seam: one overload lowers the rate once; the key never
comes back out of an answer.  A fake clock for the gateway; the simulator on loopback for the client."""

from __future__ import annotations

import random

import anyio
import pytest

from batchgen.api.answers import server_latency
from batchgen.api.client import ApiClient
from batchgen.api.gateway import Gateway
from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.errors import ApiError, RateLimited
from batchgen.retry import RetryPolicy
from batchgen.simulator import SimConfig, SimServer
from tests.helpers import KEY, drive


async def overload(calls: int) -> float:
    """``calls`` calls sent together into one overload: each answered 429 (with a hint) after its own
    delay, then admitted once the gate opens.  Returns the budget's limit afterwards."""
    clock = FakeClock()
    budget = RequestBudget(600, clock=clock, burst=600)
    gateway = Gateway(budget, RetryPolicy(RetrySettings(), rng=random.Random(3)), clock)
    answered: dict[int, int] = {}

    def call(i: int):
        async def send() -> str:
            answered[i] = answered.get(i, 0) + 1
            if answered[i] == 1:
                await clock.sleep(0.5 + 0.5 * i)  # the answers come back one after another
                raise RateLimited("429", retry_after=5.0)
            return "ok"

        return send

    async def all_calls() -> list[str]:
        results: list[str] = []

        async def one(i: int) -> None:
            results.append(await gateway.call(Priority.POLL, call(i)))

        async with anyio.create_task_group() as tg:
            for i in range(calls):
                tg.start_soon(one, i)
        return results

    assert await drive(clock, all_calls, step=0.25) == ["ok"] * calls
    assert budget.throttled == calls
    return budget.limit


async def test_one_overload_lowers_the_rate_once_however_many_429s_it_produced():
    once = await overload(1)
    assert once < 600  # a 429 with a hint does lower the limit
    assert await overload(6) == pytest.approx(once)  # six answers to calls sent together: one decrease


async def client_answers(sim: SimServer, *calls: str) -> list[str]:
    """Each call's answer, or its error, as text the caller may log or keep."""
    seen: list[str] = []
    async with ApiClient(api_key=KEY, base_url=sim.url, key_env="SEGMIND_API_KEY") as api:
        sub = await api.submit("kling-text2video", {"prompt": "a heron"})
        seen.append(repr(sub))
        job = sim.state.jobs[sub.request_id]
        with anyio.fail_after(30):  # until the simulator has finished it (its clock runs fast)
            for _ in range(1000):
                if (left := job.finish - sim.state.clock.now()) < 0:
                    break
                await anyio.sleep(sim.state.clock.real_delay(left) + 0.001)
        for name in calls:
            try:
                if name == "result":
                    seen.append(repr(await api.result(sub.request_id)))
                elif name == "status":
                    seen.append(repr(await api.status(sub.request_id)))
                elif name == "history":
                    seen.append(repr(await api.history(model="kling-text2video", from_date="2020-01-01", page=1)))
                elif name == "credits":
                    seen.append(repr(await api.credits()))
            except ApiError as exc:
                seen.append(f"{exc} {exc!r} {getattr(exc, 'detail', '')}")
    return seen


@pytest.mark.parametrize("places", [{"output"}, {"error"}, {"header"}, {"output", "error", "header"}])
async def test_a_key_the_server_quotes_back_never_comes_out_of_the_client(places):
    config = SimConfig(time_scale=100_000, api_keys=frozenset({KEY}), seed=5, echo_key=frozenset(places))
    async with SimServer(config) as sim:
        if "error" in places:
            sim.state.script("poll_error", count=1)
        seen = await client_answers(sim, "status", "result", "history", "credits", "result")
    assert seen and all(KEY not in text for text in seen), seen
    if "output" in places:
        assert any("echo=[REDACTED]" in text for text in seen)  # the echo did arrive, and was cleaned


@pytest.mark.parametrize(
    ("metrics", "seconds"),
    [
        ({"total_time": 42.5, "queue_time": 1.0, "inference_time": 2.0}, 42.5),  # the server's own total
        ({"queue_time": 12.0, "inference_time": 30.5}, 42.5),  # else its queue and its work
        ({"queue_time": 12.0}, None),  # half of it says nothing of the whole
        ({"total_time": -1.0}, None),
        ({"total_time": True}, None),
    ],
)
def test_a_results_submit_to_finish_time_is_its_total_or_its_queue_and_work_together(metrics, seconds):
    assert server_latency(metrics) == seconds
