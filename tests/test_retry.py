"""The one retry shape: the attempts iterator on a fake clock (no sleeping)."""

from __future__ import annotations

import itertools
import math
import random

import anyio.lowlevel
import pytest

from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.retry import RetryPolicy
from tests.helpers import drive


class Flaky(Exception):
    pass


def policy(**kw: float) -> RetryPolicy:
    settings = {"max_attempts": 4, "backoff_initial_s": 1.0, "backoff_max_s": 8.0, "deadline_s": 900.0, **kw}
    return RetryPolicy(RetrySettings(**settings), rng=random.Random(7))  # type: ignore[arg-type]


async def test_retried_errors_are_swallowed_with_the_backoff_between_and_success_ends_the_loop():
    clock = FakeClock()
    tried: list[float] = []

    async def work() -> str:
        async for attempt in policy().attempts(clock, on=lambda exc: isinstance(exc, Flaky)):
            with attempt:
                tried.append(clock.now())
                if len(tried) < 3:
                    raise Flaky
                return "done"
        raise AssertionError("the loop ended without a value")

    assert await drive(clock, work, step=0.01) == "done"
    assert len(tried) == 3
    gaps = [b - a for a, b in itertools.pairwise(tried)]
    assert 0 <= gaps[0] <= 1.0 + 0.02 and 0 <= gaps[1] <= 2.0 + 0.02  # full jitter under 1 s, then 2 s


async def test_when_attempts_run_out_the_last_error_propagates_unchanged():
    clock = FakeClock()
    errors = [Flaky(n) for n in range(10)]
    made: list[int] = []

    async def work() -> None:
        async for attempt in policy().attempts(clock, on=lambda exc: True):
            with attempt:
                made.append(attempt.number)
                raise errors[len(made) - 1]

    with pytest.raises(Flaky) as caught:
        await drive(clock, work, step=0.5)
    assert made == [1, 2, 3, 4] and caught.value is errors[3]


async def test_a_hook_saying_no_or_a_number_is_obeyed_and_the_deadline_bounds_the_waits():
    clock = FakeClock()
    made: list[float] = []

    async def work() -> None:
        async for attempt in policy(deadline_s=25.0).attempts(clock, on=lambda exc: 10.0):
            with attempt:
                made.append(clock.now())
                raise Flaky

    with pytest.raises(Flaky):
        await drive(clock, work, step=1.0)
    assert made == [0.0, 10.0, 20.0]  # a third wait of 10 s would pass the 25 s deadline

    async def refused() -> None:
        async for attempt in policy().attempts(clock, on=lambda exc: False):
            with attempt:
                made.append(-1.0)
                raise Flaky

    with pytest.raises(Flaky):
        await drive(clock, refused)
    assert made[-1] == -1.0 and made.count(-1.0) == 1


async def test_restart_and_again_now_go_on_at_once_with_a_fresh_count():
    clock = FakeClock()
    made: list[int] = []

    async def work() -> int:
        attempts = policy(max_attempts=2).attempts(clock, on=lambda exc: False)
        async for attempt in attempts:
            made.append(attempt.number)
            try:
                with attempt:
                    if len(made) < 3:
                        raise Flaky
                    return len(made)
            except Flaky as exc:
                if len(made) == 1:
                    attempts.again_now(exc)  # not counted
                else:
                    attempts.restart()
                continue
        raise AssertionError("unreachable")

    assert await drive(clock, work) == 3
    assert made == [1, 1, 1] and clock.now() == 0.0


def test_the_backoff_stays_at_its_ceiling_however_many_retries_an_api_out_of_reach_is_given():
    # again_later grows the retry number with every uncounted attempt, bounded only by api.unreachable_after_s:
    # past ~1024 of them 2 ** n no longer converts to a float (OverflowError), which crashed a long outage
    waits = [policy().backoff(n) for n in (1030, 5000)]
    assert all(0.0 <= wait <= 8.0 for wait in waits)


async def test_a_wait_cap_bounds_the_wait_the_hook_asks_for():
    # the gateway's reachability bound: a call that got no answer is tried again by the bound, not after it
    clock = FakeClock()
    made: list[float] = []

    async def work() -> None:
        attempts = policy(max_attempts=3).attempts(clock, on=lambda exc: 10.0, wait_cap=lambda exc: 2.5)
        async for attempt in attempts:
            with attempt:
                made.append(clock.now())
                raise Flaky

    with pytest.raises(Flaky):
        await drive(clock, work, step=0.5)
    assert made == [0.0, 2.5, 5.0]


def test_the_deadline_is_kept_only_while_the_time_since_the_first_attempt_is_within_it():
    clock = FakeClock()
    attempts = policy(deadline_s=30.0).attempts(clock, on=lambda exc: True)
    clock.advance(30.0)
    assert attempts.within_deadline()
    clock.advance(0.5)
    assert not attempts.within_deadline()  # a 429 met now is raised, not waited out at the gate once more


async def test_a_restart_after_a_retried_error_goes_on_at_once_not_after_its_backoff():
    clock = FakeClock()
    made: list[float] = []

    async def work() -> float:
        attempts = policy().attempts(clock, on=lambda exc: 10.0)
        async for attempt in attempts:
            made.append(clock.now())
            if len(made) == 2:
                return clock.now()
            with attempt:
                raise Flaky  # retried in 10 s ...
            attempts.restart()  # ... but a fresh link was found: the next attempt comes now
        raise AssertionError("unreachable")

    assert await drive(clock, work) == 0.0
    assert made == [0.0, 0.0]


async def test_a_cancel_inside_an_attempt_is_never_retried_whatever_the_hook_says():
    clock = FakeClock()
    asked: list[BaseException] = []
    made = 0

    def hook(exc: BaseException) -> bool:
        asked.append(exc)
        return True

    async def work() -> None:
        nonlocal made
        with anyio.CancelScope() as scope:
            async for attempt in policy(max_attempts=5).attempts(clock, on=hook):
                with attempt:
                    made += 1
                    scope.cancel()
                    await anyio.lowlevel.checkpoint()  # the cancel lands here
        assert scope.cancelled_caught

    await drive(clock, work)
    assert made == 1 and asked == []  # the cancel left the loop: the run can stop


async def test_a_loop_with_bounds_of_its_own_keeps_them_not_the_settings():
    # a lost submit's look-ups go on at their own delays past retry.deadline_s (deadline_s=inf), as many as asked
    clock = FakeClock()
    made: list[float] = []

    async def work() -> None:
        attempts = policy(deadline_s=25.0).attempts(clock, on=lambda exc: 10.0, max_attempts=6, deadline_s=math.inf)
        async for attempt in attempts:
            with attempt:
                made.append(clock.now())
                raise Flaky

    with pytest.raises(Flaky):
        await drive(clock, work, step=1.0)
    assert made == [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
