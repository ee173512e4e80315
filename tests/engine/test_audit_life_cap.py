"""Audit of ``batchgen/engine/life_cap.py``: a job a submit of unknown outcome may have made keeps its slot for as
long as the jobs ahead of it in the account's queue say, and an earlier run's job for two records' lives, so the run
never sends more than finish within a record's life; and where nothing is held back the operator is told nothing."""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest

from batchgen.clock import FakeClock
from batchgen.engine.life_cap import LifeCap
from batchgen.engine.pollplan import LatencyModel, PollPlan

CONCURRENCY = 20


def test_a_lost_submit_sent_in_the_same_moment_as_jobs_of_ours_waits_behind_them_all():
    clock = FakeClock()
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0)
    cap = LifeCap(plan, clock, history_works=lambda: False)
    ids = [f"r{i}" for i in range(14)]
    for place, rid in enumerate(ids, start=1):
        cap.sent(rid, 0.0, place)  # a wave sent at once: one worker, a job every 320 s
    for place in range(3):
        clock.advance(320)
        cap.finished(ids[place], 320 * (place + 1))
    room = cap.room(CONCURRENCY, 11)
    assert cap.wait_seen and room == math.floor(1 / 320 * 1500)
    cap.unknown(0.0)  # its POST went out with the wave: behind the 11 of ours still in flight, itself the 12th
    assert cap.room(CONCURRENCY, 11) == room - 1
    clock.now_s = 12 * 320 - 1  # through once the 11 ahead of it and itself would be
    assert cap.room(CONCURRENCY, 11) == room - 1
    clock.now_s = 12 * 320 + 1
    assert cap.room(CONCURRENCY, 11) == room


def test_before_any_finish_the_job_in_flight_longest_shows_the_wait_though_jobs_sent_since_are_young():
    clock = FakeClock()
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0)
    cap = LifeCap(plan, clock, history_works=lambda: False)
    cap.sent("first", clock.now(), 1)
    clock.advance(1400)
    cap.sent("second", clock.now(), 2)
    assert cap.room(CONCURRENCY, 2) == CONCURRENCY  # no job of ours has waited past the target (1500 s) yet
    clock.advance(101)
    assert cap.room(CONCURRENCY, 2) == 2  # the first has: none more until one finishes
    assert cap.wait_seen and cap.told


def _cap(clock: FakeClock, *, expiry_s: float = 3600.0, margin_s: float = 600.0, **kwargs: Any) -> LifeCap:
    plan = PollPlan(
        LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=expiry_s, expiry_margin_s=margin_s
    )
    return LifeCap(plan, clock, history_works=lambda: False, **kwargs)


def test_an_earlier_runs_job_sent_more_than_one_record_life_ago_still_waits_ahead_in_a_resumed_run():
    # sent 5000 s before the resume, past its record's life of 3600 s but within two: where records die early a
    # job outlives its record in the queue, so the resumed run sees it waiting and does not fill every slot
    clock = FakeClock(6000.0)
    cap = _cap(clock)
    epoch = clock.epoch() - clock.now()
    cap.attached([("old", 1000.0)], [(epoch + 1000, None, False, "old")])
    assert cap.room(CONCURRENCY, 1) == 1 and cap.wait_seen


def test_a_request_budget_that_polls_exactly_the_concurrency_holds_nothing_back_and_tells_nothing(caplog):
    clock = FakeClock()
    # the target is 40 s; 0.25 requests a second poll 4 jobs in it (2.5 requests each): the concurrency, exactly
    cap = _cap(clock, expiry_s=100.0, margin_s=20.0, budget=lambda: 0.25)
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        assert cap.room(4, 0) == 4
    assert caplog.records == [] and cap.recheck_in() == math.inf


def test_a_cap_from_the_throughput_at_or_above_the_concurrency_holds_nothing_back_and_tells_nothing(caplog):
    clock = FakeClock()
    cap = _cap(clock)
    cap.sent("first", clock.now(), 1)
    clock.advance(100)
    cap.finished("first", 100.0)  # alone: 100 s
    for place in range(1, CONCURRENCY + 1):
        cap.sent(f"r{place}", clock.now(), place)
    clock.advance(400)
    cap.finished(f"r{CONCURRENCY}", 400.0)  # waited behind 19: a wait seen, 20 through in 400 s
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        assert cap.room(CONCURRENCY, CONCURRENCY - 1) == CONCURRENCY
    assert cap.wait_seen and caplog.records == [] and cap.recheck_in() == math.inf


def test_an_earlier_runs_video_its_ledger_dates_to_the_second_of_its_submit_does_not_stop_the_cap():
    clock = FakeClock(1000.0)
    cap = _cap(clock)
    epoch = clock.epoch() - clock.now()
    cap.attached([], [(epoch + 10, epoch + 10, True, "instant"), (epoch + 20, epoch + 320, True, "later")])
    assert cap.room(CONCURRENCY, 0) == CONCURRENCY and cap._rate() == pytest.approx(1 / 300)
