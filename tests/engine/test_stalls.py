"""When a job whose record died while the history showed it unfinished is taken for stalled."""

from __future__ import annotations

from batchgen.engine.pollplan import LatencyModel
from batchgen.engine.stalls import stall_age


def test_a_job_is_taken_for_stalled_past_three_times_the_slowest_finish_or_listing_seen():
    latency = LatencyModel()
    key = ("kling-text2video", "std", 5)
    assert stall_age(latency, key, None) == 6 * latency.prior(key)  # before anything was seen: six times published
    latency.observe(key, 40.0)
    latency.observe(key, 60.0)
    assert stall_age(latency, key, None) == 180.0  # learned or not, the slowest finish seen
    # a history that lists requests once finished, 30 s behind: our requests were listed up to 100 s after their
    # POSTs, so one not listed at 180 s may yet be listed at 190 s
    assert stall_age(latency, key, 100.0) == 300.0
    assert stall_age(latency, key, 10.0) == 180.0
