"""How many of our jobs wait on the server for a worker, from the first jobs' times and the recent ones', and
the sweeps' pace it allows (fake clock, no server)."""

from __future__ import annotations

import math

import pytest

from batchgen.clock import FakeClock
from batchgen.engine.cadence import QUEUE_MARGIN, SWEEPS_PER_JOB
from batchgen.engine.pollplan import latency_key
from batchgen.engine.server_queue import FIRST_LEAST, FIRST_MOST, RECENT_LEAST, ServerQueue
from batchgen.jobs import JobSpec, JobState, TrackedJob
from tests.engine.doubles import learned_latency as learned
from tests.engine.doubles import sweep_stage as make
from tests.engine.doubles import swept_job
from tests.engine.test_probe_gap import in_flight


def job(i: int, at: float) -> TrackedJob:
    """Job ``i``, its POST sent by this run at ``at``."""
    tracked = swept_job(i, at)
    tracked.sent_at = at
    return tracked


def sent_and_finished(queue: ServerQueue, first: float, recent: float, *, count: int, model: str = "") -> None:
    """``count`` jobs sent in order: the first ``FIRST_MOST`` took ``first`` s, the others ``recent`` s."""
    for i in range(count):
        tracked = job(i, 0.0) if not model else other_kind(i, model)
        queue.sent(tracked)
        if i < FIRST_MOST:
            queue.finished(tracked, first)
        else:
            queue.finished(tracked, recent)


def other_kind(i: int, model: str) -> TrackedJob:
    tracked = TrackedJob(JobSpec(f"k{i}", model, {"prompt": f"p{i}"}), JobState.SUBMITTED, 0.28)
    tracked.request_id, tracked.submitted_at, tracked.sent_at = f"k{i:05d}", 0.0, 0.0
    return tracked


KEY = latency_key(job(0, 0.0).spec)


def test_jobs_that_took_twice_as_long_as_the_first_ones_say_half_the_slots_wait_for_a_worker():
    queue = ServerQueue()
    sent_and_finished(queue, 10.0, 20.0, count=32 + RECENT_LEAST)
    assert queue.waiting(KEY, 32) == pytest.approx(16.0)


def test_nothing_is_said_before_enough_first_and_recent_jobs_finished():
    queue = ServerQueue()
    sent_and_finished(queue, 10.0, 20.0, count=32 + RECENT_LEAST - 1)
    assert queue.waiting(KEY, 32) == 0.0
    queue = ServerQueue()
    sent_and_finished(queue, 10.0, 20.0, count=32 + RECENT_LEAST)
    assert queue.waiting(KEY, 2 * (FIRST_LEAST - 1) + 1) == 0.0  # too few slots: the first places that count
    # are fewer than FIRST_LEAST


def test_only_the_first_half_of_the_slots_stands_for_the_work_and_only_jobs_sent_once_they_were_full_are_recent():
    queue = ServerQueue()
    sent_and_finished(queue, 10.0, 20.0, count=8 + RECENT_LEAST)
    # with 8 slots the first 4 stand for the work, and the jobs from place 8 on are recent
    assert queue.waiting(KEY, 8) == pytest.approx(4.0)
    queue = ServerQueue()
    sent_and_finished(queue, 10.0, 20.0, count=40)
    assert queue.waiting(KEY, 40) == 0.0  # every recent job was sent before the 40 slots were filled


def test_recent_jobs_faster_than_the_first_ones_say_none_wait_and_each_kind_is_its_own():
    queue = ServerQueue()
    sent_and_finished(queue, 20.0, 10.0, count=32 + RECENT_LEAST)
    assert queue.waiting(KEY, 32) == 0.0
    sent_and_finished(queue, 10.0, 40.0, count=32 + RECENT_LEAST, model="kling-2.1")
    other = latency_key(other_kind(0, "kling-2.1").spec)
    assert queue.waiting(other, 32) == pytest.approx(24.0) and queue.waiting(KEY, 32) == 0.0


def test_a_job_that_left_without_finishing_and_one_sent_twice_count_once_or_not_at_all():
    queue = ServerQueue()
    for i in range(FIRST_MOST):
        tracked = job(i, 0.0)
        queue.sent(tracked)
        queue.sent(tracked)  # resumed and tracked again: still its first place
        if i == 0:
            queue.forget(tracked.request_id or "")  # failed: it stands for nothing
        queue.finished(tracked, 9.0)
    late = job(99, 0.0)
    queue.sent(late)
    assert queue._index[late.request_id or ""] == FIRST_MOST  # the eighth place is the next one's
    assert len(queue._first[KEY]) == FIRST_MOST - 1


def test_the_sweeps_space_out_to_find_about_as_many_jobs_as_wait_on_the_server_and_no_further_than_that():
    clock = FakeClock(1_000.0)
    latency = learned(median=100.0)
    sweeps, _, _ = make(clock, in_flight([50.0] * 32, 1_000.0), latency=latency, max_interval_s=1.0)
    sweeps.peak = 32
    median = latency.median(KEY)
    assert sweeps.interval() == pytest.approx(median / (SWEEPS_PER_JOB * 32))  # nothing known: ~2.5 a sweep
    sent_and_finished(sweeps.queue, median / 2, median, count=32 + RECENT_LEAST)  # half of them wait: 16
    finds = 16.0 - QUEUE_MARGIN
    assert sweeps.interval() == pytest.approx(median * finds / 32)
    assert sweeps.longest_gap() == pytest.approx(median * finds / 32)  # a gap that long is no longer forced


def test_first_jobs_quick_by_chance_are_no_queue():
    """Times that spread (5 s and 15 s, a mean of 10) and recent ones a fifth longer: the means alone would say
    a sixth of the slots wait (and sweeps space out, leaving workers idle if none do); within two standard
    errors of each other they say nothing."""
    queue = ServerQueue()
    for i in range(32 + RECENT_LEAST):
        tracked = job(i, 0.0)
        queue.sent(tracked)
        queue.finished(tracked, (5.0 if i % 2 else 15.0) if i < FIRST_MOST else 12.0)
    assert queue.waiting(KEY, 32) == 0.0


def test_a_tail_job_among_the_first_few_does_not_hide_the_queue():
    """Seven first jobs of 10 s and one of 30 s (a video three times the others' length), recent ones of 20 s:
    the work is the 10 s most took, and half the slots wait."""
    queue = ServerQueue()
    for i in range(32 + RECENT_LEAST):
        tracked = job(i, 0.0)
        queue.sent(tracked)
        queue.finished(tracked, (30.0 if i == 3 else 10.0) if i < FIRST_MOST else 20.0)
    assert queue.waiting(KEY, 32) == pytest.approx(16.0)


def test_the_jobs_in_flight_below_the_peak_come_out_of_the_queue_and_the_drain_sweeps_as_if_there_were_none():
    """32 in flight on 16 workers: 16 wait.  Once the batch drains to 24 in flight, 8 wait; at 8 in flight none
    does, and the tail's sweeps are no further apart than a fifth of the median (its patience: each find's
    delay is the batch's), not spaced for a queue that is gone."""
    clock = FakeClock(100_000.0)
    latency = learned(median=100.0)
    jobs = in_flight([50.0] * 32, 100_000.0)
    sweeps, _, _ = make(clock, jobs, latency=latency, max_interval_s=1.0)
    sweeps.peak = 32
    sweeps.draining = lambda: True  # nothing waits to be sent
    sweeps._started = 0.0  # a long run: its share is no bound
    median = latency.median(KEY)
    sent_and_finished(sweeps.queue, median / 2, median, count=32 + RECENT_LEAST)
    assert sweeps.longest_gap() == pytest.approx(median * (16.0 - QUEUE_MARGIN) / 32)
    for rid in list(jobs)[24:]:
        del jobs[rid]
    assert sweeps.longest_gap() == pytest.approx(median * (8.0 - QUEUE_MARGIN) / 32)
    for rid in list(jobs)[8:]:
        del jobs[rid]
    assert sweeps.longest_gap() == pytest.approx(0.2 * median)
    assert sweeps.patience() == pytest.approx(0.2 * median)


def test_jobs_an_earlier_run_sent_stand_for_nothing():
    """A resumed run re-attaches the jobs a killed run left in flight: they were not sent first by this run into
    free workers (they may have queued), and their times are known only as far as this run saw them (one found
    done at its first look, never seen unfinished, is taken at half its age).  Jobs of half the recent ones'
    times among them must not claim half the slots queued."""
    queue = ServerQueue()
    for i in range(32 + RECENT_LEAST):
        tracked = job(i, 0.0)
        if i < 16:
            tracked.sent_at = None  # re-attached, not sent now
        queue.sent(tracked)
        queue.finished(tracked, 10.0 if i < 16 else 20.0)
    assert queue.waiting(KEY, 32) == 0.0


def test_a_queue_is_claimed_only_as_far_as_the_spread_of_the_times_makes_it_sure():
    """The first jobs took 9 or 11 s and the recent ones 18 or 22 s: the bare medians (10 s and 20 s) would say
    half the slots wait, but each median is first moved two of its standard errors (read off the spread)
    towards the other, so fewer are claimed: a queue overstated would space the sweeps out too far."""
    queue = ServerQueue()
    for i in range(32 + RECENT_LEAST):
        tracked = job(i, 0.0)
        queue.sent(tracked)
        queue.finished(tracked, ((9.0, 11.0) if i < FIRST_MOST else (18.0, 22.0))[i % 2])
    error = 1.2533 * 1.4826 / math.sqrt(8)  # a median's standard error, eight times whose deviations are all 1 s
    alone, lately = 10.0 + 2 * error, 20.0 - 2 * 2 * error
    assert queue.waiting(KEY, 32) == pytest.approx(32 * (1 - alone / lately))  # about 11, not 16
