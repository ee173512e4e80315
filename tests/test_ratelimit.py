"""The request budget on a fake clock: the window, the 429 gate, the climb back."""

from __future__ import annotations

import random

import anyio
import anyio.lowlevel
import pytest

from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.ratelimit import Priority, RequestBudget
from batchgen.retry import RetryPolicy


async def test_no_window_ever_holds_more_than_the_limit():
    clock = FakeClock()
    budget = RequestBudget(20, clock=clock, window=60.0)
    sent: list[float] = []

    async def caller(n: int) -> None:
        for _ in range(n):
            await budget.acquire(Priority.POLL)
            sent.append(clock.now())
            clock.advance(0.25)  # the answer takes a quarter second
            budget.release()

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(caller, 20)
        while len(sent) < 100:
            for _ in range(10):  # let every caller run up to its next wait
                await anyio.lowlevel.checkpoint()
            clock.advance(2.0)
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 60.0) <= 20
    assert sent[-1] - sent[0] >= 4 * 60.0  # 100 calls at 20 a minute take at least four windows


def test_a_429_without_a_hint_closes_the_gate_for_the_backoff_and_lowers_the_limit():
    clock = FakeClock()
    policy = RetryPolicy(RetrySettings(backoff_initial_s=1.0, backoff_max_s=120.0), rng=random.Random(3))
    budget = RequestBudget(60, clock=clock, backoff=policy.backoff)
    for n in range(1, 6):
        closed = budget.on_429(None)
        assert 0.0 <= closed <= min(120.0, 2 ** (n - 1))  # the retry policy's one formula
    assert budget.limit < 60 and budget.throttled == 5
    budget.succeeded()
    assert budget.on_429(None) <= 1.0  # a success resets the exponent


def test_after_an_overload_the_limit_climbs_back_towards_the_configured_figure():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock)
    budget.on_429(5.0)
    low = budget.limit
    assert low < 60
    for _ in range(60):  # clean windows, one after another
        clock.advance(60.0)
        budget.wait_time(clock.now())
    assert budget.limit > low
    assert budget.limit >= low + 0.5 * (60 - low)
    assert repr(budget).startswith("RequestBudget(limit=")


def test_the_gate_reports_how_long_it_stays_closed():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0, rng=random.Random(1))
    assert budget.closed_for() == 0.0 and budget.gate_open
    delay = budget.on_429(10.0)
    assert 10.0 <= delay <= 13.0 and budget.closed_for() == delay
    clock.advance(5.0)
    assert budget.closed_for() == pytest.approx(delay - 5.0) and not budget.gate_open
    clock.advance(delay)
    assert budget.closed_for() == 0.0 and budget.gate_open
    text = repr(budget)
    assert "per 60s" in text and "in_flight=0" in text and "gate=open" in text and "waiters=0" in text
