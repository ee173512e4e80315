"""When a job whose record died while the history showed it unfinished is taken for stalled."""

from __future__ import annotations

from batchgen.engine.pollplan import LatencyModel
from batchgen.engine.stalls import stall_age


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
