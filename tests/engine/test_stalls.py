"""When a job whose record died while the history showed it unfinished is taken for stalled."""

from __future__ import annotations

import math

from batchgen.engine.pollplan import LatencyModel
from batchgen.engine.stalls import Finishes, stall_age


def test_a_job_is_taken_for_stalled_past_three_times_the_slowest_finish_or_listing_seen():
    latency = LatencyModel()
    key = ("kling-text2video", "std", 5)
    published = latency.prior(key)  # 320 s
    assert stall_age(latency, key, 10.0) == 6 * published  # before anything finished: six times published
    latency.observe(key, 40.0)
    latency.observe(key, 60.0)
    # two finishes may be the kind's fastest: six times published still, until it is learned
    assert stall_age(latency, key, 10.0) == 6 * published
    latency.observe(key, 50.0)
    latency.observe(key, 45.0)
    assert stall_age(latency, key, 10.0) == 180.0  # learned: three times the slowest finish seen
    # a history that lists requests once finished, 30 s behind: our requests were listed up to 100 s after their
    # POSTs, so one not listed at 180 s may yet be listed at 190 s (or, shown unfinished, be done by then)
    assert stall_age(latency, key, 100.0) == 300.0
    # no request of ours listed yet: how far behind the history is, and how stale a state it shows, is unknown
    assert stall_age(latency, key, None) == 6 * published


def test_the_last_finish_before_a_job_is_of_the_jobs_sent_before_it_whenever_each_was_sent():
    finishes = Finishes()
    finishes.add(1.0, 10.0)
    finishes.add(5.0, 20.0)
    finishes.add(3.0, 30.0)  # sent before the one that finished at 20 s: it answers for that one too
    finishes.add(9.0, 40.0)
    assert finishes.last_before(0.5) == -math.inf  # none was sent before it
    assert [finishes.last_before(sent) for sent in (2.0, 4.0, 6.0, 9.0, 10.0)] == [10.0, 30.0, 30.0, 30.0, 40.0]
