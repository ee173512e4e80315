"""The poll plan and the poll schedule on a fake clock: the expiry guard, the poll share, learning."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from batchgen.clock import FakeClock
from batchgen.jobs import JobSpec, JobState, TrackedJob
from batchgen.poller import POLL_SHARE, Poller
from batchgen.polling import LatencyModel, PollPlan
from batchgen.ratelimit import RequestBudget

MODEL = "kling-text2video"


def plan(**bounds: float) -> PollPlan:
    settings = {"min_interval_s": 2.0, "max_interval_s": 60.0, "expiry_s": 3600.0, "expiry_margin_s": 600.0}
    return PollPlan(LatencyModel(), **{**settings, **bounds})


def submitted(job_id: str, at: float, polls: int = 0) -> TrackedJob:
    job = TrackedJob(JobSpec(job_id, MODEL, {"prompt": job_id}), JobState.SUBMITTED, 0.28)
    job.request_id, job.submitted_at, job.polls = f"r-{job_id}", at, polls
    return job


@pytest.mark.parametrize("floor", [0.0, 50_000.0])
def test_the_expiry_guard_wins_over_every_other_bound(floor):
    # Gaps far longer than the record's life, and a budget that cannot afford any poll: still polled in time.
    p = plan(max_interval_s=10_000.0, min_interval_s=5_000.0)
    for now in (0.0, 100.0, 2_999.0):
        for polls in (0, 1, 7):
            when = p.next_poll(MODEL, 0.0, now, polls, floor=floor)
            assert now <= when <= 3_000.0, (now, polls, when)
    assert p.next_poll(MODEL, 0.0, 2_900.0, 3, sparse=True) <= 3_000.0


def test_learned_latencies_bring_polls_to_when_jobs_finish():
    p = plan()
    for _ in range(30):
        p.latency.observe(MODEL, 30.0)
    first = p.next_poll(MODEL, 1_000.0, 1_000.0, 0)
    assert first - 1_000.0 <= 30.0  # not the published ~5 minutes
    later = p.next_poll(MODEL, 1_000.0, 1_031.0, 1)
    assert later - 1_031.0 <= 10.0  # a gap that is a small share of what jobs take
    assert p.latency.median(MODEL) == pytest.approx(30.0)


def test_per_job_polls_stay_within_their_share_of_the_budget():
    clock = FakeClock(10_000.0)
    budget = RequestBudget(60, clock=clock)  # one request a second
    poller = Poller(
        None, SimpleNamespace(budget=budget), None, plan(), None, None, None, clock,  # type: ignore[arg-type]
        min_interval_s=2.0, max_attempts=6, expire=None,  # type: ignore[arg-type]
    )  # fmt: skip
    jobs = [submitted(f"j{i}", clock.now() - 500.0, polls=3) for i in range(100)]
    poller.track_many(jobs)
    poller.schedule(jobs[0], clock.now())
    when = min(at for at, _, token, job in poller._heap if job is jobs[0] and token == job.poll_token)
    # 100 jobs on half of one request a second: each is polled at most every 200 s.
    assert when - clock.now() >= 100 / (POLL_SHARE * 1.0) - 1e-6
