"""Audit of ``batchgen/engine/sweeper.py``: a history that keeps failing for now is read again at pauses that double
up to their cap, the batch's last jobs are swept as often as a drain needs, however they were sent, a quiet spell is
looked at again within the longest interval, and the history is judged only on what sweeps read once it showed a
finish, the fastest finish shown standing for its kind."""

from __future__ import annotations

import anyio
import pytest

from batchgen.clock import FakeClock
from batchgen.engine.cadence import TAIL_SWEEP_FRACTION
from batchgen.engine.messages import Replan
from batchgen.engine.survival import shown_age
from batchgen.engine.sweeper import JUDGED_AFTER_FINDS, PAGES_PER_FIND_LIMIT, READ_PAUSE_MAX_S, READ_PAUSE_S
from batchgen.errors import ServerError
from tests.engine.doubles import (
    SWEEP_KEY,
    HistoryPages,
    TimedHistory,
    by_rid,
    history_row,
    learned_latency,
    sweep_stage,
    swept_job,
)
from tests.engine.test_drain_cadence import KEY, ten_in_flight


async def test_a_history_failing_for_now_again_and_again_is_read_again_at_doubling_pauses_up_to_their_cap():
    clock = FakeClock(1_000.0)
    job = swept_job(1, 0.0)
    history = HistoryPages([history_row(job.request_id or "")], error=ServerError("HTTP 503", status=503))
    sweeps, _, _ = sweep_stage(clock, by_rid(job), history)
    pauses: list[float] = []
    for _ in range(7):
        await sweeps.sweep()
        assert sweeps._resume_at is not None and not sweeps.sweeping
        pauses.append(sweeps._resume_at - clock.now())
        clock.now_s = sweeps._resume_at
        await sweeps._paused()
        assert sweeps.sweeping
    assert READ_PAUSE_S == 60.0 and READ_PAUSE_MAX_S == 960.0
    assert pauses == pytest.approx([60.0, 120.0, 240.0, 480.0, 960.0, 960.0, 960.0])


def test_the_most_jobs_in_flight_at_once_is_kept_when_a_job_is_sent_as_the_batch_drains():
    clock = FakeClock(0.0)
    poller, _, sweeps = ten_in_flight(clock, sent_at=0.0)
    for tracked in list(poller.by_request.values())[:8]:
        poller.untrack(tracked)
    poller.track(swept_job(10, 0.0))  # the batch's last job, sent as the others finished
    assert len(sweeps.jobs) == 3 and sweeps.peak == 10
    median = sweeps._typical(KEY)
    assert median is not None
    assert sweeps.interval() == pytest.approx(TAIL_SWEEP_FRACTION * median)  # the last jobs: swept often


async def test_the_pages_sweeps_read_before_the_history_first_shows_a_finished_job_are_not_held_against_it():
    clock = FakeClock(1_000.0)
    jobs = [swept_job(i, 0.0) for i in range(JUDGED_AFTER_FINDS)]
    tracked = by_rid(*jobs)
    history = HistoryPages([history_row(rid) for rid in tracked])  # every job still processing
    sweeps, news, _ = sweep_stage(clock, tracked, history)
    for _ in range(int(PAGES_PER_FIND_LIMIT * JUDGED_AFTER_FINDS)):  # a long wait for the first finish
        await sweeps.sweep()
    assert len(history.pages) == PAGES_PER_FIND_LIMIT * JUDGED_AFTER_FINDS and sweeps.hits == 0
    for job in jobs:  # then one finish a sweep, a page each: cheaper than polling
        rid = job.request_id or ""
        history.rows = [history_row(rid, "COMPLETED")] + [history_row(other) for other in tracked if other != rid]
        await sweeps.sweep()
        del tracked[rid]
        sweeps.forget(rid)
    assert sweeps.hits == JUDGED_AFTER_FINDS and sweeps.pages_read == JUDGED_AFTER_FINDS
    assert sweeps.sweeping and not [message for message in news.sent if isinstance(message, Replan)][1:]


async def test_a_quiet_spell_is_looked_at_again_at_least_every_longest_interval_so_a_job_that_could_be_done_is_swept():
    clock = FakeClock(0.0)
    fresh, resumed = swept_job(1, 0.0), swept_job(2, -3_000.0)  # resumed: done long since, as likely as not
    tracked = by_rid(fresh)
    history = TimedHistory(clock)
    sweeps, _, _ = sweep_stage(clock, tracked, history, latency=learned_latency(600.0), max_interval_s=60.0)
    look = sweeps.interval()  # the first look, which finds the spell quiet
    assert sweeps.quiet_until() > 300.0 > 2 * look  # the fresh job cannot be done for minutes

    async def resume_one() -> None:
        await clock.sleep(look + 10.0)
        tracked[resumed.request_id or ""] = resumed

    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(sweeps.loop)
        tg.start_soon(resume_one)
        await clock.sleep(300.0)
        tg.cancel_scope.cancel()
    assert history.reads and history.reads[0] <= look + 10.0 + 60.0


async def test_before_a_kind_is_learned_the_fastest_finish_a_sweep_showed_stands_for_its_typical_time():
    clock = FakeClock(1_000.0)
    quick, slow = swept_job(1, 0.0), swept_job(2, -2_000.0)
    history = HistoryPages([history_row(j.request_id or "", "COMPLETED") for j in (quick, slow)])
    sweeps, _, _ = sweep_stage(clock, by_rid(quick, slow), history)
    assert sweeps._typical(SWEEP_KEY) is None
    await sweeps.sweep()
    assert sweeps.hits == 2
    ages = [shown_age(j, history_row(j.request_id or "", "COMPLETED"), None, clock.now()) for j in (quick, slow)]
    assert ages[0] < ages[1]
    assert sweeps._typical(SWEEP_KEY) == pytest.approx(ages[0])
