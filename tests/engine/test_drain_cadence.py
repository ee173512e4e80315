"""Once nothing waits to be sent: finds may wait a small share of the run (fake clock, no server).

A freed slot then takes no new job, so a find that waits delays nothing but the batch's last
one; sweeps, and the last job's polls, may come ``DRAIN_RUN_SHARE`` of the run so far apart,
within the longest gap the user's ``polling.max_interval_s`` allows and before any record expires.
"""

from __future__ import annotations

import pytest

from batchgen.api.ratelimit import RequestBudget
from batchgen.clock import FakeClock
from batchgen.engine.cadence import DRAIN_FIRST_CHANCE, DRAIN_RUN_SHARE, TAIL_SWEEP_FRACTION
from batchgen.engine.pollplan import LatencyModel, PollPlan
from batchgen.jobs import TrackedJob
from tests.engine.doubles import swept_job as job
from tests.helpers import schedule_poller

KEY = ("kling-text2video", "", 5)


def poller_at(clock: FakeClock, *, max_interval_s: float = 60.0, expiry_s: float = 3600.0, median: float = 30.0):
    latency = LatencyModel()
    for i in range(16):
        latency.observe(KEY, median * (0.9 + 0.2 * i / 15))
    plan = PollPlan(latency, min_interval_s=2.0, max_interval_s=max_interval_s, expiry_s=expiry_s, expiry_margin_s=60.0)
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan)
    draining = [False]
    poller.sweeper.draining = lambda: draining[0]
    return poller, draining


def ten_in_flight(clock: FakeClock, *, sent_at: float):
    """Ten jobs sent at ``sent_at``, of a kind learned to take 27-33 s; sweeps have shown our jobs."""
    poller, draining = poller_at(clock, median=30.0)
    poller.sweeper.healthy = True
    for i in range(10):
        poller.track(job(i, sent_at))
    return poller, draining, poller.sweeper


def next_poll(poller, tracked: TrackedJob) -> float:
    return min(at for at, _, token, j in poller._heap if j is tracked and token == j.poll_token)


def test_finds_wait_no_longer_than_before_while_jobs_still_wait_to_be_sent():
    clock = FakeClock(0.0)
    poller, _ = poller_at(clock)
    clock.now_s = 5_000.0
    assert poller.sweeper.patience() == 0.0


def test_once_everything_is_sent_a_find_may_wait_a_share_of_the_run_within_the_longest_gap():
    clock = FakeClock(100.0)  # the sweeper starts counting the run here
    poller, draining = poller_at(clock, max_interval_s=60.0)
    draining[0] = True
    clock.now_s = 100.0 + 2_000.0
    assert poller.sweeper.patience() == pytest.approx(DRAIN_RUN_SHARE * 2_000.0)
    clock.now_s = 100.0 + 50_000.0  # a long run: the user's longest gap still bounds it
    assert poller.sweeper.patience() == pytest.approx(60.0)


def test_the_last_jobs_sweeps_while_the_batch_drains_come_a_share_of_the_run_apart():
    clock = FakeClock(0.0)
    poller, draining, sweeper = ten_in_flight(clock, sent_at=0.0)
    for i in range(1, 10):
        poller.untrack(sweeper.jobs[f"r{i:05d}"])
    clock.now_s = 3_000.0
    tail = TAIL_SWEEP_FRACTION * 30.0
    assert sweeper.interval() == pytest.approx(tail, rel=0.1)  # jobs still wait to be sent
    draining[0] = True
    assert sweeper.interval() == pytest.approx(DRAIN_RUN_SHARE * 3_000.0)  # 30 s, not 1.2 s


def test_the_last_job_in_flight_is_polled_a_share_of_the_run_apart_but_before_its_record_expires():
    clock = FakeClock(0.0)
    poller, draining = poller_at(clock, median=30.0, max_interval_s=600.0, expiry_s=3_000.0)
    poller.result_polls = True  # polls bring results: the last job is polled, not swept
    last = job(1, 2_800.0)
    last.polls = 3  # found unfinished three times: polled every few percent of the median
    clock.now_s = 2_900.0
    poller.track(last)
    assert next_poll(poller, last) - clock.now() == pytest.approx(poller.plan.gap(KEY))  # ~1.5 s
    draining[0] = True
    poller.schedule(last, clock.now())
    assert next_poll(poller, last) - clock.now() == pytest.approx(DRAIN_RUN_SHARE * 2_900.0)  # 29 s
    clock.now_s = 5_720.0  # 1% of the run is 57 s, but the record must be polled before it expires (5,740 s)
    poller.schedule(last, clock.now())
    assert next_poll(poller, last) == pytest.approx(2_800.0 + 3_000.0 - 60.0)


def test_the_last_jobs_first_poll_waits_the_drains_gap_after_a_sweep_showed_it_unfinished():
    """The batch drains and a sweep at 2,900 s showed the last job still running, past its kind's time: that
    sweep was as good as a poll.  Its first poll then waits the drain's gap after it, not nothing (a request
    that could only say again what the sweep had just said)."""
    clock = FakeClock(0.0)
    poller, draining = poller_at(clock, median=30.0, max_interval_s=600.0, expiry_s=3_000.0)
    poller.result_polls = True  # polls bring results: the last job is polled, not swept
    draining[0] = True
    poller.sweeper.healthy = True  # sweeps have shown our jobs
    last = job(1, 2_800.0)
    clock.now_s = 2_900.0
    poller.sweeper._unfinished_at[last.request_id] = 2_900.0  # the sweep that began now showed it running
    poller.track(last)
    assert next_poll(poller, last) - clock.now() == pytest.approx(DRAIN_RUN_SHARE * 2_900.0)  # 29 s, not 0
    fresh = job(2, 2_800.0)  # no sweep showed this one: polled on the plan's own gap (~1.5 s)
    poller.untrack(last)
    poller.track(fresh)
    assert next_poll(poller, fresh) - clock.now() < 0.1 * DRAIN_RUN_SHARE * 2_900.0


def test_a_job_past_its_expiry_guard_is_not_held_back_by_the_drain():
    clock = FakeClock(0.0)
    poller, draining = poller_at(clock, median=30.0, max_interval_s=600.0, expiry_s=3_000.0)
    poller.result_polls = True
    draining[0] = True
    late = job(1, 0.0)
    late.polls = 5
    clock.now_s = 3_500.0  # past its guard (2,940 s): polled on the plan's own gap, never in the past
    poller.track(late)
    assert clock.now() < next_poll(poller, late) <= clock.now() + 600.0


def test_while_the_batch_drains_the_first_look_waits_until_every_job_in_flight_is_likely_done():
    """Ten jobs sent together at 20 s, of a kind learned to take 27-33 s.  Before the drain a sweep may go
    once the first could be done (47 s).  Once nothing waits to be sent only the last find sets the end:
    the first look waits until all ten are done with a chance of ``DRAIN_FIRST_CHANCE`` (the learned
    share done by then, to the tenth power), not merely until the last one could be."""
    clock = FakeClock(0.0)
    poller, draining, sweeper = ten_in_flight(clock, sent_at=20.0)
    clock.now_s = 47.5
    assert sweeper.quiet_until() <= clock.now()
    draining[0] = True
    finishes = sorted(30.0 * (0.9 + 0.2 * i / 15) for i in range(16))
    needed = next(f for k, f in enumerate(finishes, 1) if (k / 16) ** 10 >= DRAIN_FIRST_CHANCE)
    assert sweeper.quiet_until() == pytest.approx(20.0 + needed, abs=0.01)  # 51.6 s, not 47 s
    # once a look has shown nine of them finished, the one left sets the next
    for i in range(1, 10):
        poller.untrack(sweeper.jobs[f"r{i:05d}"])
    assert sweeper.quiet_until() <= clock.now()  # it is done by now with a chance of 1 in 16


def test_the_drains_first_look_never_waits_past_what_the_kinds_finishes_have_shown():
    """Early in a run: four finishes, all 27-28 s, and ten jobs sent at 20 s that a sweep at 49 s showed
    running (29 s old, past every finish).  Past 28 s the curve is only the tail's extrapolation (here
    all ten likely done only some 12 s on); once every job is past the slowest finish seen, the drain
    looks as it would without the curve."""
    clock = FakeClock(0.0)
    poller, draining = poller_at(clock, median=30.0)
    latency = LatencyModel()
    for seconds in (27.0, 27.3, 27.6, 28.0):
        latency.observe(KEY, seconds)
    sweeper = poller.sweeper
    sweeper.latency = latency
    sweeper.healthy = True
    for i in range(10):
        poller.track(job(i, 20.0))
        sweeper._covered[f"r{i:05d}"] = 49.0
    sweeper._swept_at = 49.0
    draining[0] = True
    clock.now_s = 49.5
    assert sweeper.quiet_until() == pytest.approx(clock.now())


def test_after_the_drains_first_look_the_jobs_it_left_are_looked_for_once_the_last_could_be_done():
    """The drain's first look waits until every job in flight is likely done; once it has gone, the jobs left
    are the slow ones, where few finishes were seen: the next look is not held back for all of them again."""
    clock = FakeClock(0.0)
    _, draining, sweeper = ten_in_flight(clock, sent_at=20.0)
    draining[0] = True
    clock.now_s = 47.5
    assert sweeper.quiet_until() > clock.now()  # the first look waits
    sweeper._drain_looked = True  # (as a sweep while the batch drains sets it)
    assert sweeper.quiet_until() <= clock.now()
