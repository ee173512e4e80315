"""The gateway's reachability bound (exit 6) and its between-attempts hook, on a fake clock."""

from __future__ import annotations

import random

import anyio
import pytest

from batchgen.api.gateway import Gateway, retry_transient, retry_unsent
from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.errors import AmbiguousSubmit, ApiUnreachable, NetworkError, RateLimited, ServerError
from batchgen.retry import RetryPolicy
from tests.helpers import (
    drive,
)


def gateway(clock: FakeClock, bound: float) -> Gateway:
    policy = RetryPolicy(RetrySettings(max_attempts=1000, backoff_initial_s=1, backoff_max_s=4, deadline_s=10_000))
    budget = RequestBudget(6000, clock=clock)
    return Gateway(budget, policy, clock, unreachable_after_s=bound)


async def run_until_done(clock: FakeClock, call, step: float = 1.0):
    """Drive ``call()`` on the fake clock (see test_gateway.drive); its result, or the error it raised."""
    try:
        return await drive(clock, call, step=step)
    except Exception as exc:
        return exc


async def test_refused_connections_past_the_bound_raise_api_unreachable():
    clock = FakeClock()
    gw = gateway(clock, bound=30.0)
    tries = 0

    async def refused() -> None:
        nonlocal tries
        tries += 1
        raise NetworkError("connection refused", reached_server=False)

    outcome = await run_until_done(clock, lambda: gw.call(Priority.POLL, refused))
    assert isinstance(outcome, ApiUnreachable)
    assert outcome.seconds == pytest.approx(30.0, abs=1.0)  # the last retry waits only until the bound
    assert isinstance(outcome.__cause__, NetworkError) and "connection refused" in str(outcome)
    assert tries < 40


async def test_an_api_out_of_reach_is_asked_again_at_growing_gaps_until_the_bound():
    # The retries the bound allows (nothing answering since the call began) are not counted against
    # max_attempts, but the backoff grows with them as with any: 1, 2, 4 ... up to backoff_max_s (here each
    # wait at its ceiling), then the last try at the bound.  It stayed at the first retry's (under 1 s) for
    # the whole outage: some 600 requests in a 600-s outage, each a 503 or no answer.
    class Ceiling(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    clock = FakeClock()
    policy = RetryPolicy(
        RetrySettings(max_attempts=6, backoff_initial_s=1, backoff_max_s=120, deadline_s=900), rng=Ceiling()
    )
    gw = Gateway(RequestBudget(6000, clock=clock), policy, clock, unreachable_after_s=600.0)
    tried: list[float] = []

    async def unavailable() -> None:
        tried.append(clock.now())
        raise ServerError("HTTP 503: Service Unavailable", status=503)

    outcome = await run_until_done(clock, lambda: gw.call(Priority.POLL, unavailable))
    assert isinstance(outcome, ApiUnreachable) and outcome.seconds == pytest.approx(600.0, abs=1.0)
    assert tried[:10] == [0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0, 127.0, 247.0, 367.0]
    assert len(tried) == 12  # ... 487 s, then once more at the bound


async def test_any_answer_from_the_server_resets_the_bound():
    clock = FakeClock()
    gw = gateway(clock, bound=30.0)
    tries = 0

    async def flaky() -> str:
        nonlocal tries
        tries += 1
        if tries % 5 == 0:
            raise ServerError("HTTP 502", status=502)  # the server answered: it is reachable
        if tries > 60:
            return "ok"
        raise NetworkError("connection reset", reached_server=True)

    assert await run_until_done(clock, lambda: gw.call(Priority.POLL, flaky, retry_on=retry_transient)) == "ok"
    assert clock.now() > 30.0  # longer than the bound in all, but never that long without an answer


async def test_a_429_is_an_answer_so_a_long_gate_then_one_reset_connection_is_no_outage():
    # three 429s of 20 s each hold the call longer than the bound; the server answered each time
    clock = FakeClock()
    gw = gateway(clock, bound=30.0)
    answers: list[Exception | str] = [
        *(RateLimited("HTTP 429: slow down", retry_after=20.0) for _ in range(3)),
        NetworkError("connection reset", reached_server=True),
        "ok",
    ]

    async def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await run_until_done(clock, lambda: gw.call(Priority.POLL, call, retry_on=retry_transient)) == "ok"
    assert clock.now() > 60.0 and answers == []


@pytest.mark.parametrize("when", ["waiting to retry", "waiting for the budget"])
async def test_on_abandon_learns_what_the_last_attempt_was(when):
    clock = FakeClock()
    gw = gateway(clock, bound=1e9)
    seen: list[object] = []

    async def refused() -> None:
        raise NetworkError("connection refused", reached_server=False)

    async def abandoned(last: Exception | None) -> None:
        seen.append(last)

    if when == "waiting for the budget":
        gw.budget.on_429(1000.0, sent_at=clock.now())  # the gate is closed: the call waits before sending
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: gw.call(Priority.SUBMIT, refused, retry_on=retry_unsent, on_abandon=abandoned))
        await anyio.wait_all_tasks_blocked()
        tg.cancel_scope.cancel()
    if when == "waiting to retry":
        assert len(seen) == 1 and isinstance(seen[0], NetworkError)
    else:
        assert seen == [None]  # nothing was sent


async def test_an_outage_answering_only_503_past_the_bound_raises_api_unreachable():
    clock = FakeClock()
    gw = gateway(clock, bound=30.0)

    async def unavailable() -> None:
        raise ServerError("HTTP 503: Service Unavailable", status=503)

    outcome = await run_until_done(clock, lambda: gw.call(Priority.POLL, unavailable))
    assert isinstance(outcome, ApiUnreachable) and outcome.seconds == pytest.approx(30.0, abs=1.0)
    assert isinstance(outcome.__cause__, ServerError)


@pytest.mark.parametrize(("status", "reached"), [(503, False), (500, True)])
async def test_a_submit_answered_503_is_no_answer_from_the_api_and_leaves_the_bound_running(status, reached):
    # In an outage every route answers 503, submits too: a submit so answered is as unanswered as a poll, or a
    # run whose submits keep meeting the outage never reaches its bound (exit 6).
    clock = FakeClock()
    gw = gateway(clock, bound=30.0)
    clock.advance(20.0)

    async def submit() -> None:
        raise AmbiguousSubmit("the server answered the submit with HTTP 503", status=status)

    with pytest.raises(AmbiguousSubmit):
        await gw.call(Priority.SUBMIT, submit, retry_on=retry_unsent)
    assert gw.last_reached == (20.0 if reached else 0.0)

    async def unavailable() -> None:
        raise ServerError("HTTP 503: Service Unavailable", status=503)

    outcome = await run_until_done(clock, lambda: gw.call(Priority.POLL, unavailable))
    assert isinstance(outcome, ApiUnreachable)
    assert clock.now() == pytest.approx(50.0 if reached else 30.0, abs=1.0)
