"""Audit of ``batchgen/engine/life_cap.py``: a job a submit of unknown outcome may have made keeps its slot for as
long as the jobs ahead of it in the account's queue say, so the run never sends more than finish within a record's
life."""

from __future__ import annotations

import math

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
