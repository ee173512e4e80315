"""Audit of ``batchgen/engine/sweeper.py``: a history that keeps failing for now is read again at pauses that double
up to their cap, and the batch's last jobs are swept as often as a drain needs, however they were sent."""

from __future__ import annotations

import pytest

from batchgen.clock import FakeClock
from batchgen.engine.cadence import TAIL_SWEEP_FRACTION
from batchgen.engine.sweeper import READ_PAUSE_MAX_S, READ_PAUSE_S
from batchgen.errors import ServerError
from tests.engine.doubles import HistoryPages, by_rid, history_row, sweep_stage, swept_job
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
