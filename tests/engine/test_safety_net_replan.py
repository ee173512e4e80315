"""A safety-net poll planned from a kind's first (fastest) finishes waits for what is known when it
comes due: planned again, later, with no request (fake clock, no server)."""

from __future__ import annotations

import pytest

from batchgen.api.ratelimit import RequestBudget
from batchgen.clock import FakeClock
from batchgen.engine.pollplan import SPARSE_FIRST_FACTOR, LatencyModel, PollPlan
from batchgen.engine.survival import Survival
from tests.engine.doubles import SWEEP_KEY as KEY
from tests.engine.doubles import swept_job as job
from tests.helpers import schedule_poller


def test_a_safety_net_poll_planned_from_the_first_fast_finishes_waits_for_what_is_known_when_it_is_due():
    """Sweeps work.  A job's safety-net poll was planned at twice the 98th percentile of the first four
    finishes (all ~100 s); by the time it is due, 60 more say jobs take up to 300 s.  It is planned
    again, later, and no request goes (this poller has no API: a request would fail the test)."""
    clock = FakeClock(1_000.0)
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=36_000.0, expiry_margin_s=600.0)
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan)
    poller.sweeper.healthy = True
    for _ in range(4):
        poller.latency.observe(KEY, 100.0)
    tracked = job(1, 1_000.0)
    poller.track(tracked)
    first = min(at for at, _, token, j in poller._heap if token == j.poll_token)
    assert first == pytest.approx(1_000.0 + SPARSE_FIRST_FACTOR * 100.0)
    for i in range(60):
        poller.latency.observe(KEY, 100.0 + 200.0 * i / 59)
    clock.advance(first - clock.now())
    assert poller.planned_later(tracked)
    later = min(at for at, _, token, j in poller._heap if token == j.poll_token)
    assert later == pytest.approx(1_000.0 + SPARSE_FIRST_FACTOR * poller.latency.quantile(KEY, 0.98))
    clock.advance(later - clock.now())
    assert not poller.planned_later(tracked)  # due by what is known now: it is polled
    tracked.polls = 1
    assert not poller.planned_later(tracked)  # only a first poll is planned from the samples


def test_a_due_safety_net_poll_that_now_goes_later_sends_no_request():
    clock = FakeClock(1_000.0)
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=36_000.0, expiry_margin_s=600.0)
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan)
    poller.sweeper.healthy = True
    for i in range(64):
        poller.latency.observe(KEY, 100.0 + 200.0 * i / 63)
    tracked = job(1, 0.0)  # 1,000 s old: twice the 98th percentile (~600 s) has passed
    poller.track(tracked)
    tokens = tracked.poll_token
    for i in range(64):
        poller.latency.observe(KEY, 1_000.0 + 200.0 * i / 63)  # the kind now takes 1,000-1,200 s
    assert poller._planned_again(tracked)  # due, but no request now (nor a turn)
    assert tracked.poll_token == tokens + 1 and tracked.polls == 0


def test_a_safety_net_poll_is_not_planned_from_a_waves_first_finishes_while_the_rest_of_the_wave_runs():
    """Sixteen jobs sent together: nine finished by 3.2 s, and the last sweep (at 3.25 s) showed the other
    seven running.  The nine are the wave's fastest; twice their 98th percentile (6.4 s) would poll jobs a
    sweep is about to show.  A job sent now is planned from the curve that counts the seven as running."""
    clock = FakeClock(3.3)
    plan = PollPlan(LatencyModel(), min_interval_s=0.02, max_interval_s=0.6, expiry_s=3_600.0, expiry_margin_s=6.0)
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan)
    sweeper = poller.sweeper
    sweeper.healthy = True
    finishes = [2.4 + 0.1 * i for i in range(9)]
    for seconds in finishes:
        poller.latency.observe(KEY, seconds)
    for i in range(7):
        running = job(i, 0.0)
        poller.track(running)
        sweeper._covered[running.request_id] = 3.25
    sweeper._swept_at = 3.25
    fresh = job(99, 3.3)
    poller.track(fresh)
    first = min(at for at, _, token, j in poller._heap if token == j.poll_token and j is fresh)
    curve = Survival(finishes, [3.25] * 7 + [0.0], median=poller.latency.median(KEY))
    assert first == pytest.approx(3.3 + SPARSE_FIRST_FACTOR * curve.age_unfinished(0.02))
    assert first - 3.3 > 2 * SPARSE_FIRST_FACTOR * poller.latency.quantile(KEY, 0.98)  # 6.4 s: far later
