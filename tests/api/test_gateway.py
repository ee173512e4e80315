"""The gateway and the retry policy, on a fake clock: no simulator, no sleeping."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio
import pytest

from batchgen.api.gateway import Gateway, retry_transient, retry_unsent
from batchgen.api.hops import next_request
from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.errors import AmbiguousSubmit, NetworkError, RateLimited, RequestRejected, ServerError
from batchgen.retry import RetryPolicy, set_testing
from tests.helpers import drive


def gateway(clock: FakeClock, **retry: Any) -> Gateway:
    policy = RetryPolicy(RetrySettings(**retry), rng=random.Random(1))
    budget = RequestBudget(600, clock=clock, burst=600)
    return Gateway(budget, policy, clock)


def scripted(*outcomes: Any) -> tuple[Callable[[], Any], list[int]]:
    """A call that raises or returns each outcome in turn; counts its sends."""
    sent: list[int] = []

    async def call() -> Any:
        sent.append(1)
        outcome = outcomes[min(len(sent), len(outcomes)) - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return call, sent


def test_the_backoff_formula_is_full_jitter_under_a_cap():
    policy = RetryPolicy(RetrySettings(backoff_initial_s=1.0, backoff_max_s=8.0), rng=random.Random(7))
    for n in range(1, 10):
        waits = [policy.backoff(n) for _ in range(200)]
        ceiling = min(8.0, 2 ** (n - 1))
        assert all(0.0 <= w <= ceiling for w in waits)
        assert max(waits) > 0.8 * ceiling  # it does use the whole range
    with set_testing(attempts=2):
        assert policy.backoff(5) == 0.0 and policy.max_attempts == 2
    assert policy.max_attempts == 6


async def test_reads_retry_transient_errors_until_one_succeeds():
    clock = FakeClock()
    gw = gateway(clock)
    call, sent = scripted(ServerError("502"), NetworkError("reset", reached_server=True), "ok")
    assert await drive(clock, lambda: gw.call(Priority.POLL, call)) == "ok"
    assert len(sent) == 3 and gw.requests == 3 and gw.budget.in_flight == 0


async def test_when_retries_run_out_the_last_error_propagates_unchanged():
    clock = FakeClock()
    gw = gateway(clock, max_attempts=3)
    last = ServerError("third")
    call, sent = scripted(ServerError("first"), ServerError("second"), last)
    with pytest.raises(ServerError) as caught:
        await drive(clock, lambda: gw.call(Priority.POLL, call))
    assert caught.value is last and len(sent) == 3


async def test_a_submit_is_sent_again_only_when_it_surely_never_arrived():
    clock = FakeClock()
    gw = gateway(clock)
    call, sent = scripted(NetworkError("refused", reached_server=False), {"request_id": "r1"})
    assert await drive(clock, lambda: gw.call(Priority.SUBMIT, call, retry_on=retry_unsent)) == {"request_id": "r1"}
    assert len(sent) == 2
    for error in (ServerError("500"), NetworkError("reset", reached_server=True), AmbiguousSubmit("lost")):
        call, sent = scripted(error, {"request_id": "r2"})
        with pytest.raises(type(error)):
            await drive(clock, partial(gw.call, Priority.SUBMIT, call, retry_on=retry_unsent))
        assert len(sent) == 1, error  # never a second POST: it could be a second, billable job
    assert not retry_transient(RequestRejected("400"))


async def test_a_hook_that_names_a_wait_is_obeyed_on_the_clock():
    clock = FakeClock()
    gw = gateway(clock)
    call, sent = scripted(ServerError("busy"), "ok")
    done: list[str] = []

    async def work() -> None:
        done.append(await gw.call(Priority.POLL, call, retry_on=lambda exc: 5.0))

    async with anyio.create_task_group() as tg:
        tg.start_soon(work)
        await anyio.wait_all_tasks_blocked()
        assert len(sent) == 1 and clock.sleepers == 1
        clock.advance(4.9)
        await anyio.wait_all_tasks_blocked()
        assert done == [] and len(sent) == 1
        clock.advance(0.2)
    assert done == ["ok"] and len(sent) == 2


async def test_429s_wait_at_the_gate_and_spend_no_attempt():
    clock = FakeClock()
    gw = gateway(clock, max_attempts=1)
    call, sent = scripted(*(RateLimited("slow down", retry_after=10.0) for _ in range(3)), "ok")
    started = clock.now()
    assert await drive(clock, lambda: gw.call(Priority.POLL, call)) == "ok"
    assert len(sent) == 4 and gw.budget.throttled == 3
    assert clock.now() - started >= 30.0  # each hint was waited out in full
    assert gw.budget.granted_while_closed == 0


async def test_429s_stop_at_the_retry_deadline():
    clock = FakeClock()
    gw = gateway(clock, deadline_s=25.0)
    call, sent = scripted(RateLimited("slow down", retry_after=10.0))
    with pytest.raises(RateLimited):
        await drive(clock, lambda: gw.call(Priority.POLL, call))
    assert 3 <= len(sent) <= 4


async def test_the_before_hook_runs_for_each_attempt_once_granted_and_an_error_in_it_sends_nothing():
    clock = FakeClock()
    gw = gateway(clock)
    call, sent = scripted(RateLimited("slow down", retry_after=10.0), "ok")
    stamps: list[tuple[float, int]] = []  # when each attempt's hook ran, and how many sends came before

    async def before() -> None:
        stamps.append((clock.now(), len(sent)))

    assert await drive(clock, lambda: gw.call(Priority.SUBMIT, call, before=before)) == "ok"
    assert [count for _, count in stamps] == [0, 1]  # before each send, the 429's retry included
    assert stamps[1][0] - stamps[0][0] >= 10.0  # the retry's ran once the gate reopened
    assert len(sent) == 2 and gw.requests == 2

    class Refused(Exception):
        pass

    async def refuse() -> None:
        raise Refused

    call, sent = scripted("never")
    with pytest.raises(Refused):
        await drive(clock, lambda: gw.call(Priority.SUBMIT, call, before=refuse))
    assert sent == [] and gw.requests == 2 and gw.budget.in_flight == 0  # nothing sent, the grant given back


async def test_a_grant_its_caller_held_back_takes_no_place_in_the_window_and_the_next_call_has_it():
    # Two requests a minute.  A submit held back once granted (the room for new work shrank while it waited) sent
    # nothing: counted as sent, each such grant took a request from the window, and submits held back again and
    # again spent the whole budget while the polls behind them waited (records died unpolled).  The next call is
    # granted at once, and two go within the minute, as the budget allows.
    clock = FakeClock()
    budget = RequestBudget(2, clock=clock, burst=2)
    gw = Gateway(budget, RetryPolicy(RetrySettings(), rng=random.Random(1)), clock)

    class Held(Exception):
        pass

    async def hold() -> None:
        raise Held

    for _ in range(5):
        with pytest.raises(Held):
            await drive(clock, lambda: gw.call(Priority.SUBMIT, anyio.lowlevel.checkpoint, before=hold))
    start = clock.now()
    call, sent = scripted("ok")
    for _ in range(2):
        assert await drive(clock, lambda: gw.call(Priority.POLL, call)) == "ok"
    assert clock.now() - start < 1.0 and len(sent) == 2 and gw.requests == 2


async def test_a_redirect_granted_as_a_cooldowns_probe_is_judged_by_its_own_grant():
    # A call granted before a 429 without a hint follows a redirect: the redirect waits for the cooldown's
    # probe and is sent as it.  Admitted, it ends the cooldown (the server admits again); judged by the
    # call's own grant, before the 429, it was taken for a late answer from before it, and every call went
    # on waiting for the next probe.
    clock = FakeClock()
    gw = gateway(clock)
    budget = gw.budget
    redirected = anyio.Event()

    async def redirects_once() -> str:
        await redirected.wait()  # the first request's answer, a redirect, comes after the 429
        await next_request()
        return "ok"

    async def work() -> str:
        async with anyio.create_task_group() as tg:
            answer: list[str] = []

            async def call() -> None:
                answer.append(await gw.call(Priority.RESULT, redirects_once))

            tg.start_soon(call)
            await anyio.wait_all_tasks_blocked()
            clock.advance(1.0)
            refused = await budget.acquire(Priority.POLL)  # another call, refused with no hint
            budget.on_429(None, sent_at=refused)
            budget.release()
            assert budget.finder.cooling and budget.closed_for() > 0
            redirected.set()
        return answer[0]

    assert await drive(clock, work) == "ok"
    assert budget.finder.probes == 1  # the redirect was the probe...
    assert not budget.finder.cooling and budget.closed_for() == 0.0  # ... admitted: the cooldown is over
    assert budget.in_flight == 0 and gw.requests == 2
