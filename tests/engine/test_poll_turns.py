"""Status polls take turns at their share of the request budget (schedule.PollSchedule.wait_turn): the poller's
own loop on a fake clock, where every poll asks the result endpoint and a job is done from its finish on."""

from __future__ import annotations

import itertools
from typing import Any

import anyio
import pytest

from batchgen.api.answers import Result
from batchgen.api.ratelimit import Priority, RequestBudget
from tests.engine.doubles import UNFINISHED_RESULT as UNFINISHED
from tests.engine.doubles import PollApi, pending, poll_stage
from tests.engine.doubles import result_answer as done


class FinishesAt(PollApi):
    """Each job is PROCESSING until its finish on the fake clock, then COMPLETED; keeps each poll's time."""

    def __init__(self, finish: dict[str, float]) -> None:
        super().__init__()
        self.finish = finish
        self.clock: Any = None
        self.polls: list[tuple[str, float]] = []

    async def result(self, request_id: str) -> Result:
        now = self.clock.now()
        self.polls.append((request_id, now))
        return done() if now >= self.finish[request_id] else UNFINISHED


async def test_the_last_jobs_of_a_wave_are_polled_in_turn_once_submits_stop_waiting_not_a_wave_sized_gap_later():
    # Twelve jobs sent 0.4 s apart while submits waited for the budget (one request a second), each done 3 s after
    # its submit.  Polls may take half the budget while a submit waits, all of it once none does (from 5 s on).  A job's
    # gap was once sized, when it was sent, for every job in flight then at the smaller share (the last: 11 / 0.5
    # = 22 s), and kept after the wave's other jobs were settled: the last videos were found 20 s after they were
    # done.  Now the polls take turns, one every 2 s while submits wait, then one a second, in the order due.
    ids = [f"j{i:02d}" for i in range(12)]
    api = FinishesAt({f"r-{i}": 0.4 * n + 3.0 for n, i in enumerate(ids)})
    s = poll_stage(api, [pending(i) for i in ids], result_polls=True)
    api.clock = clock = s.k.clock
    budget = s.k.gateway.budget = RequestBudget(60, clock=clock)
    budget.waiting = lambda priority: priority == Priority.SUBMIT and clock.now() < 5.0  # type: ignore[method-assign]
    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(s.poller.loop, tg)
        for job in s.k.book.jobs:
            job.submitted_at = clock.now()
            s.poller.track(job)
            await clock.sleep(0.4)
        with anyio.fail_after(120.0):  # (fake seconds)
            while len(s.downloads.sent) < 12:
                await clock.sleep(0.5)
        tg.cancel_scope.cancel()
    found = {rid: when for rid, when in api.polls if when >= api.finish[rid]}
    assert len(found) == 12 and max(found.values()) <= 5.0 + 13 * 1.0  # each in its turn, not 20 s late
    times = [when for _, when in api.polls]
    # never above the share: 2 s apart while submits wait, 1 s once none does
    assert all(b - a >= (2.0 if a < 5.0 else 1.0) - 1e-9 for a, b in itertools.pairwise(times))
    assert len(api.polls) <= 12 + 2  # a poll or two before the jobs were done, no more


class AnswersIn(FinishesAt):
    """:class:`FinishesAt`, each answer taking ``seconds`` of the fake clock (a call counts in the budget's window
    from its send until a window after its answer)."""

    def __init__(self, finish: dict[str, float], seconds: float) -> None:
        super().__init__(finish)
        self.seconds = seconds

    async def result(self, request_id: str) -> Result:
        answer = await super().result(request_id)
        await self.clock.sleep(self.seconds)
        return answer


async def test_polls_taking_turns_never_queue_up_in_the_budget_behind_calls_that_go_first():
    # One request every 10 s, half of it taken by calls that go before polls (sweeps, say), answers in 3 s: polls
    # are due faster than the budget grants them.  Launched one a turn regardless, they queued up in the budget, one
    # per job in flight (a dozen, two minutes of it), each job's next poll stuck behind them: a job found done by a
    # sweep meanwhile waits for its queued poll, and one whose poll was queued just before its record's expiry
    # guard is asked after its record died.  And ranked there by how likely each job was done when its poll asked
    # (a later ask, an older job, a higher rank), each poll passed those queued before it: half the jobs were never
    # polled.  At most two polls that took turns wait for the budget at a time, granted in the order they took them.
    ids = [f"j{i:02d}" for i in range(12)]
    api = AnswersIn({f"r-{i}": 1e9 for i in ids}, 3.0)  # never done
    s = poll_stage(api, [pending(i) for i in ids], result_polls=True)
    api.clock = clock = s.k.clock
    budget = s.k.gateway.budget = RequestBudget(6, clock=clock)

    async def ahead() -> None:  # half the budget, before polls
        while True:
            await s.k.gateway.call(Priority.POLL, anyio.lowlevel.checkpoint, rank=-2.0)
            await clock.sleep(20.0)

    waiting = 0
    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(s.poller.loop, tg)
        tg.start_soon(ahead)
        for job in s.k.book.jobs:
            job.submitted_at, job.polls = clock.now() - 100.0, 3
            s.poller.track(job)
        while clock.now() < 300.0:
            waiting = max(waiting, sum(1 for w in budget._waiters if w.rank > -2.0))
            await clock.sleep(5.0)
        tg.cancel_scope.cancel()
    assert waiting <= 2
    # the polls still take what the budget leaves them (one every 20 s here), and in turn: every job's is granted
    assert len(api.polls) >= 12 and {rid for rid, _ in api.polls} == set(api.finish)


async def test_a_due_poll_that_sends_nothing_takes_no_turn():
    # A job's first poll waits for the first sweep, under way (it looks again every min_interval_s, sending
    # nothing); another job's poll comes due half a second after it looked.  That one goes at once: the look took
    # no turn of the budget's (one a second), as it once did, leaving the other to wait for the next.
    ids = ["held", "due"]
    api = FinishesAt({f"r-{i}": 1e9 for i in ids})
    s = poll_stage(api, [pending(i) for i in ids], result_polls=True)
    api.clock = clock = s.k.clock
    s.k.gateway.budget = RequestBudget(60, clock=clock)
    sweeper = s.poller.sweeper
    sweeper.sweeping, sweeper.pending = True, True  # a first sweep under way, never answered
    held, due = s.k.book.jobs
    due.polls = 3  # (polled before: it does not wait for the sweep)
    clock.now_s = 100.0
    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(s.poller.loop, tg)
        for job in (held, due):
            job.submitted_at = 99.0
            s.poller.track(job)
        s.poller.schedule(held, clock.now(), at=102.0)
        s.poller.schedule(due, clock.now(), at=102.5)
        await clock.sleep(10.0)
        tg.cancel_scope.cancel()
    assert api.polls and api.polls[0] == ("r-due", 102.5)
    assert all(rid == "r-due" for rid, _ in api.polls)  # (the held one sent nothing)


@pytest.mark.parametrize("before_guard", [0.0, 5.0])
async def test_the_poll_at_a_records_expiry_guard_goes_before_submits_that_wait_for_the_budget(before_guard):
    # A budget lowered by 429s, shut for now, and submits (calls that go before polls) waiting for it; a job at its
    # record's expiry guard, done (or its poll asked 5 s before the guard, and still waiting then).  That poll is its
    # video's last chance: asked behind the submits, it waited while they took every request the budget gave, and
    # its record died (a video paid for and lost, for new work).  It goes before them, as a result call does: the
    # next request granted is the poll.
    api = FinishesAt({"r-near": 0.0})
    s = poll_stage(api, [pending("near")], result_polls=True)
    api.clock = clock = s.k.clock
    budget = s.k.gateway.budget = RequestBudget(6, clock=clock)
    budget.on_429(hint=30.0)  # shut for 30 s or so
    sent: list[float] = []

    async def submit() -> None:
        await s.k.gateway.call(Priority.SUBMIT, anyio.lowlevel.checkpoint)
        sent.append(clock.now())

    (job,) = s.k.book.jobs
    job.submitted_at, job.polls = clock.now() - s.poller.plan.guard + before_guard, 3
    s.poller.track(job)
    async with anyio.create_task_group() as tg:
        tg.start_soon(submit)
        tg.start_soon(submit)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(s.poller._poll, job)
        await anyio.wait_all_tasks_blocked()
        assert not api.polls and not sent  # (all wait for the budget)
        assert budget.closed_for() > before_guard
        clock.advance(before_guard)  # (the guard comes while it waits)
        await anyio.wait_all_tasks_blocked()
        clock.advance(budget.closed_for())  # it opens: one request now, the next a while on
        await anyio.wait_all_tasks_blocked()
        assert [rid for rid, _ in api.polls] == ["r-near"] and not sent
        tg.cancel_scope.cancel()
