"""Audit of ``batchgen/engine/outcome.py``: what a run shows while it goes and ends with (time left, jobs left,
what the API refused) is what its jobs say."""

from __future__ import annotations

from batchgen.engine.outcome import Snapshot
from batchgen.report import summary


def _snap(states: dict[str, int], done_now: int) -> Snapshot:
    return Snapshot(total=sum(states.values()), states=states, done_now=done_now, elapsed_s=600.0, spend=2.8,
                    requests=40, throttled=0, paused_s=0.0, stop_reason=None, sweeping=False)  # fmt: skip


def test_a_run_with_no_job_left_unfinished_shows_no_time_left_to_wait_and_one_with_some_shows_their_time():
    ended = _snap({"completed": 8, "failed": 1, "deferred": 1}, done_now=10)
    assert ended.remaining == 0 and ended.rate_per_hour == 60.0
    assert ended.eta_s is None
    assert "ETA" not in summary.progress_line(ended)
    going = _snap({"completed": 8, "pending": 2}, done_now=8)
    assert going.remaining == 2 and going.eta_s == 2 / 48 * 3600
    assert summary.progress_line(going).endswith(", 48/h, ETA 2.5 min")
