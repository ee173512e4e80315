"""The request budget on a fake clock: the window, the 429 gate, the climb back."""

from __future__ import annotations

import random

import anyio
import anyio.lowlevel
import pytest

from batchgen.clock import FakeClock
from batchgen.ratelimit import Priority, RequestBudget


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


async def test_a_429_without_a_hint_starts_a_cooldown_of_single_probes():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock)
    for second in range(10):  # ten calls admitted, one a second
        clock.now_s = float(second)
        budget.succeeded(float(second))
    clock.now_s = 10.0
    closed = budget.on_429(None, sent_at=10.0)
    assert closed > 0 and budget.finder.cooling and not budget.gate_open
    assert budget.limit == 60  # nothing is lowered until the server shows what it admits
    assert budget.on_429(None, sent_at=9.9) == pytest.approx(closed)  # the same overload: same probe time
    clock.advance(closed)
    probe = await budget.acquire(Priority.POLL)  # one probe goes out ...
    assert not budget.gate_open  # ... and the gate shuts behind it
    budget.release()
    budget.succeeded(probe)  # admitted: the window is from the run's first call to the probe
    assert budget.gate_open and not budget.finder.cooling
    assert budget.window == pytest.approx(probe) and budget.limit == 10
    assert budget.throttled == 2


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
