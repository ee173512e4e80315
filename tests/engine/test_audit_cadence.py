"""Audit of ``batchgen/engine/cadence.py``: while the batch drains, its first look waits for its last finds."""

from __future__ import annotations

import pytest

from batchgen.clock import FakeClock
from batchgen.engine.cadence import DRAIN_FIRST_CHANCE, DRAIN_MODEL_JOBS
from tests.engine.doubles import swept_job as job
from tests.engine.test_drain_cadence import poller_at


def test_with_more_jobs_in_flight_than_the_drain_reckons_with_its_first_look_waits_for_the_youngest_not_the_oldest():
    """Three hundred jobs sent at 0 s and ten at 20 s, of a kind learned to take 27-33 s; the batch drains at
    47.5 s.  The old ones are surely done: the first look waits until the ten young ones are likely done too
    (51.6 s), as it would with those ten alone in flight."""
    clock = FakeClock(0.0)
    poller, draining = poller_at(clock, median=30.0)
    sweeper = poller.sweeper
    sweeper.healthy = True
    old = DRAIN_MODEL_JOBS + 44
    for i in range(old):
        poller.track(job(i, 0.0))
    for i in range(old, old + 10):
        poller.track(job(i, 20.0))
    draining[0] = True
    clock.now_s = 47.5
    finishes = sorted(30.0 * (0.9 + 0.2 * i / 15) for i in range(16))
    needed = next(f for k, f in enumerate(finishes, 1) if (k / 16) ** 10 >= DRAIN_FIRST_CHANCE)
    assert sweeper.quiet_until() == pytest.approx(20.0 + needed, abs=0.01)
