"""Audit of ``batchgen/api/ratelimit.py``: who goes first when calls wait, and what a hinted 429 lowers."""

from __future__ import annotations

import math

import anyio
import pytest

from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.clock import FakeClock


async def test_a_call_that_asks_at_its_ahead_at_goes_before_a_submit_that_waited_longer():
    """A sweep's page whose ``ahead_at`` has come by the time it asks is served ahead of the submits already
    waiting, as one whose moment came while it waited: left a poll, it never moves ahead at all."""
    clock = FakeClock(100.0)
    budget = RequestBudget(1, clock=clock, window=60.0, burst=5.0)  # (tokens to spare: only the window binds)
    await budget.acquire(Priority.RESULT)  # the window's one place, taken until it is answered
    order: list[str] = []

    async def call(name: str, priority: Priority, ahead_at: float = math.inf) -> None:
        await budget.acquire(priority, ahead_at=ahead_at)
        order.append(name)

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, "submit", Priority.SUBMIT)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(call, "page", Priority.POLL, clock.now())
        await anyio.wait_all_tasks_blocked()
        budget.release()  # the answer: room for one call once it leaves the window
        clock.advance(61.0)
        await anyio.wait_all_tasks_blocked()
        assert order == ["page"]
        tg.cancel_scope.cancel()


def test_a_hinted_429_after_fewer_calls_than_a_run_lowers_the_limit_and_keeps_the_window():
    """Two calls admitted, then a 429 with a short reset: too few calls to show that the server counts over a
    shorter window (another process may have filled it), so the limit comes down as after any 429 and the
    window stays the one configured."""
    clock = FakeClock()
    budget = RequestBudget(600, clock=clock, window=60.0)
    for _ in range(2):
        budget.finder.admitted(clock.now(), clock.now())
        clock.advance(0.5)
    budget.on_429(2.0, sent_at=clock.now())
    assert budget.window == pytest.approx(60.0)
    assert budget.limit == pytest.approx(300.0)


async def test_the_submits_counted_as_waiting_are_the_submits_only_not_the_results_and_polls_before_them():
    """A sweep's page goes ahead of the submits waiting once they would fill the slots: results waiting are
    served before them anyway, and counted as submits they would send the page ahead of polls too early."""
    clock = FakeClock()
    budget = RequestBudget(1, clock=clock, window=60.0, burst=5.0)
    await budget.acquire(Priority.RESULT)  # the window's one place, taken: every call after it waits

    async with anyio.create_task_group() as tg:
        for priority in (Priority.RESULT, Priority.RESULT, Priority.SUBMIT, Priority.SUBMIT, Priority.POLL):
            tg.start_soon(budget.acquire, priority)
        await anyio.wait_all_tasks_blocked()
        assert budget.count_waiting(Priority.SUBMIT) == 2
        assert budget.count_waiting(Priority.RESULT) == 2
        assert budget.count_waiting(Priority.POLL) == 1
        assert budget.waiting(Priority.SUBMIT)
        tg.cancel_scope.cancel()


def test_an_admitted_call_that_narrows_the_window_found_paces_the_budget_faster_at_once():
    """After a hintless cooldown the budget paces at the geometric mean of the window's bounds; a call admitted
    with the limit admitted in the few seconds before it proves the window shorter, and the budget climbs toward
    the server's rate with it (left at the first pace, most of the rate found stays unused)."""
    clock = FakeClock()
    budget = RequestBudget(1200, clock=clock, window=60.0)

    def admit(sent: float) -> None:
        clock.now_s = sent
        budget.succeeded(sent)

    for i in range(20):  # 20 calls in 2 s from a quiet start
        admit(i * 0.1)
    clock.now_s = 2.0
    budget.on_429(None, sent_at=2.0)
    clock.now_s = 3.0
    budget.on_429(None, sent_at=3.0)  # the probe refused: the server still held all 20
    admit(4.5)  # the next admitted: at most 4.5 s, more than 2.97 s
    first = budget.window
    assert first == pytest.approx(math.sqrt(4.5 * 2.97))
    for k in range(1, 21):  # paced at 0.2 s from the probe: the last has 20 admitted in the 4 s before it
        admit(4.5 + 0.2 * k)
    assert budget.finder.window == pytest.approx(4.0 * 1.01)
    assert budget.window == pytest.approx(math.sqrt(4.04 * 2.97)) and budget.window < first
