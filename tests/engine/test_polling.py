"""The poll plan and the poll schedule: learning, probing, the expiry guard, the poll share (no sleeps)."""

from __future__ import annotations

import logging
import random

import pytest

from batchgen.engine.pollplan import MIN_SAMPLES, WINDOW, LatencyModel, PollPlan, latency_key
from batchgen.jobs import JobSpec, JobState, TrackedJob

KEY = ("kling-text2video", "std", 5)  # published ~320 s
MODEL = "kling-text2video"


def plan(model: LatencyModel | None = None, *, lo: float = 2.0, hi: float = 60.0, expiry: float = 3600.0) -> PollPlan:
    return PollPlan(
        model or LatencyModel(), min_interval_s=lo, max_interval_s=hi, expiry_s=expiry, expiry_margin_s=600.0
    )


def find(p: PollPlan, finish: float, *, submitted: float = 0.0, learn: bool = True) -> tuple[int, float, list[float]]:
    """Poll one job that finishes ``finish`` s after submission; returns (polls, detection delay, gaps)
    and, like the poller, teaches the model the bounds the polls saw."""
    now, polls, gaps, last_pending = submitted, 0, [], 0.0
    while True:
        when = p.next_poll(KEY, submitted, now, polls)
        gaps.append(when - now)
        now = when
        if now - submitted >= finish:
            if learn:
                p.latency.observe_finish(KEY, after=last_pending, by=now - submitted)
            return polls + 1, now - submitted - finish, gaps
        polls += 1
        last_pending = now - submitted


@pytest.mark.parametrize("finish", [3.2, 32.0, 320.0, 1600.0])
def test_before_learning_a_probe_finds_a_job_of_any_length_within_a_third_of_its_age(finish):
    polls, delay, gaps = find(plan(), finish, learn=False)
    assert gaps[0] == 2.0  # the first poll comes early, whatever the prior says
    assert max(gaps) <= 60.0
    assert delay <= max(2.0, min(60.0, finish / 2))
    assert polls <= 12 + finish / 60


def test_a_prior_100x_too_long_costs_a_few_polls_then_polls_follow_what_was_learned():
    p = plan()
    first = [find(p, 3.2 * (1 + 0.05 * i))[0] for i in range(MIN_SAMPLES)]
    assert sum(first) <= 3 * MIN_SAMPLES
    assert p.latency.learned(KEY)
    assert p.latency.median(KEY) == pytest.approx(3.5, rel=0.3)
    polls, delay, _ = find(p, 3.3)
    assert polls <= 3 and delay <= 2.0  # min_interval is the finest gap the user allows


def test_a_prior_5x_too_short_costs_the_first_jobs_only():
    p = plan()
    rng = random.Random(1)
    before = [find(p, 1600 * rng.uniform(0.9, 1.1)) for _ in range(MIN_SAMPLES)]
    assert all(delay <= 60.0 for _, delay, _ in before)  # max_interval_s bounds every gap
    after = [find(p, 1600 * rng.uniform(0.9, 1.1)) for _ in range(10)]
    assert sum(n for n, _, _ in after) / 10 < sum(n for n, _, _ in before) / MIN_SAMPLES / 2
    # learned: the first poll goes where it costs least; every gap after it stays within max_interval_s
    assert all(max(gaps[1:], default=0.0) <= 60.0 for _, _, gaps in after)
    assert sum(delay for _, delay, _ in after) / 10 <= 60.0


def test_max_interval_bounds_every_gap_the_first_included():
    p = plan(lo=0.5, hi=3.0)
    _, _, gaps = find(p, 300.0, learn=False)
    assert max(gaps) <= 3.0 and gaps[0] == 0.5


def test_a_budget_that_cannot_afford_max_interval_says_so_once_and_leaves_the_spacing_to_the_turns(caplog):
    p = plan(hi=3.0)
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        assert p.next_poll(KEY, 0.0, 10.0, 3, floor=8.0) == pytest.approx(13.0)  # the plan's gap: turns space it
        p.next_poll(KEY, 0.0, 20.0, 4, floor=8.0)
    warnings = [r for r in caplog.records if "cannot afford" in r.getMessage()]
    assert len(warnings) == 1 and "max_interval_s" in warnings[0].getMessage()
    assert p.budget_bound


def test_safety_net_polls_further_apart_than_max_interval_are_no_budget_shortfall_to_warn_of(caplog):
    """With history sweeps finding the jobs, the per-job polls are a rare safety net, meant further apart than
    max_interval_s: a floor past it there is no sign the budget cannot afford the polls, and is not told."""
    p = plan(hi=3.0)
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        assert p.next_poll(KEY, 0.0, 10.0, 3, floor=80.0, sparse=True) >= 10.0 + 3.0
    assert not [r for r in caplog.records if "cannot afford" in r.getMessage()] and not p.budget_bound


def test_the_expiry_guard_wins_and_a_short_record_life_tightens_it():
    p = plan(hi=10_000.0)
    assert p.next_poll(KEY, 0.0, 2900.0, 9, floor=5000.0) == 3000.0  # 3600 - 600
    assert not p.records_expire_by(3700.0)  # not sooner than configured
    assert p.records_expire_by(1200.0)
    assert p.guard == pytest.approx(1000.0)  # the margin keeps its share (1/6)
    assert p.next_poll(KEY, 0.0, 900.0, 9, floor=5000.0) == 1000.0
    assert not p.records_expire_by(1200.0) or p.guard == pytest.approx(1000.0)


def test_sparse_polls_are_a_rare_safety_net():
    p = plan()
    assert p.next_poll(KEY, 0.0, 0.0, 0, sparse=True) == 600.0  # 10 x max_interval until learned
    for _ in range(MIN_SAMPLES):
        p.latency.observe(KEY, 100.0)
    assert p.next_poll(KEY, 0.0, 0.0, 0, sparse=True) == 200.0  # twice the learned 98th percentile


def test_the_servers_own_measure_wins_within_what_our_polls_saw():
    model = LatencyModel()
    model.observe_finish(KEY, after=10.0, by=20.0, server_s=12.5)
    model.observe_finish(KEY, after=10.0, by=20.0, server_s=400.0)  # a clock that disagrees: kept in bounds
    model.observe_finish(KEY, after=10.0, by=20.0)  # no measure: the midpoint
    model.observe_finish(KEY, after=10.0, by=20.0, server_s=1.0)
    assert model.learned(KEY)
    assert model.quantile(KEY, 0.0) == 10.0
    assert model.quantile(KEY, 1.0) == 20.0
    assert sorted(model._group(KEY) or []) == [10.0, 12.5, 15.0, 20.0]


def test_groups_per_mode_and_duration_with_a_pooled_fallback():
    model = LatencyModel()
    pro10 = ("kling-text2video", "pro", 10)
    std5 = ("kling-text2video", "std", 5)
    for _ in range(MIN_SAMPLES):
        model.observe(std5, 30.0)
    assert model.median(std5) == 30.0
    assert model.median(("kling-text2video", "pro", 5)) == 30.0  # not learned itself: the model's pool
    for _ in range(MIN_SAMPLES):
        model.observe(pro10, 90.0)
    assert model.median(pro10) == 90.0 and model.median(std5) == 30.0
    other = ("kling-1.6-text2video", "std", 5)
    assert not model.learned(other) and model.prior(other) == pytest.approx(304.07888)
    became = [model.observe(other, 50.0) for _ in range(MIN_SAMPLES + 1)]
    assert became == [False] * (MIN_SAMPLES - 1) + [True, False]  # the moment a group is learned, once


def test_a_finish_at_age_zero_teaches_nothing_so_gaps_never_shrink_to_zero():
    """A resumed job sent "after" this run's clock began, or a negative server measure, gives a
    time of zero: learned, it made the median, every gap and the first poll's search divide by 0."""
    p = plan()
    for seconds in (0.0, -1.0) * MIN_SAMPLES:
        assert p.latency.observe_finish(KEY, after=0.0, by=0.0, server_s=seconds) is False
        assert p.latency.observe(KEY, seconds) is False
    assert not p.latency.learned(KEY) and p.latency.samples == 0
    for _ in range(MIN_SAMPLES):
        p.latency.observe(KEY, 0.001)  # tiny but real: a gap of 5% of it, never 0
    assert p.gap(KEY) > 0
    assert p.next_poll(KEY, 0.0, 0.0, 0) >= 0.0


def test_old_samples_are_forgotten_so_a_backlog_is_followed():
    model = LatencyModel()
    for _ in range(WINDOW):
        model.observe(KEY, 300.0)
    for _ in range(WINDOW // 2 + 1):
        model.observe(KEY, 900.0)  # a queue backlog builds up
    assert model.median(KEY) == 900.0
    assert model.likelihood_done(KEY, 400.0) < 0.5


def test_latency_key_reads_mode_and_duration():
    spec = JobSpec(id="a", model="kling-text2video", params={"prompt": "x", "mode": "pro", "duration": 10})
    assert latency_key(spec) == ("kling-text2video", "pro", 10)
    bare = JobSpec(id="b", model="kling-1.6-text2video", params={"prompt": "x"})
    assert latency_key(bare) == ("kling-1.6-text2video", "", 5)


def test_jobs_far_shorter_than_min_interval_are_polled_at_a_share_of_their_latency():
    rng = random.Random(5)
    jobs = [3.2 * rng.lognormvariate(0, 0.2) for _ in range(40)]
    p = plan(lo=2.0, hi=60.0)  # a floor of 2 s suits minutes-long jobs: these take ~3.2 s
    for finish in jobs[:20]:
        p.latency.observe(KEY, finish)
    assert p.shortest_gap(KEY) == pytest.approx(0.05 * p.latency.median(KEY))
    results = [find(p, finish, learn=False) for finish in jobs[20:]]
    assert sum(delay for _, delay, _ in results) / 20 < 0.25  # a 2-s floor: about 1 s, a third of the job
    assert max(max(gaps[1:], default=0.0) for _, _, gaps in results) <= 0.2
    assert sum(polls for polls, _, _ in results) / 20 <= 12
    slow = plan(lo=2.0, hi=60.0)
    for finish in jobs:
        slow.latency.observe(KEY, 100 * finish)  # ~320 s: more than 20 x min_interval_s
    assert slow.shortest_gap(KEY) == 2.0 and slow.gap(KEY) == pytest.approx(0.04 * slow.latency.median(KEY))


def test_when_the_budget_makes_gaps_coarse_the_first_poll_moves_later():
    rng = random.Random(5)
    p = plan(lo=0.01, hi=60.0)
    for _ in range(20):
        p.latency.observe(KEY, 320 * rng.lognormvariate(0, 0.2))
    fine = p.next_poll(KEY, 0.0, 0.0, 0)
    assert p.latency.quantile(KEY, 0.02) <= fine <= p.latency.quantile(KEY, 0.4)  # fine gaps: early on
    coarse = p.next_poll(KEY, 0.0, 0.0, 0, floor=60.0)  # the budget affords a poll a minute per job
    assert coarse > fine + 30.0  # polls cost makespan now: most jobs are found by the first one


def plan_with(**bounds: float) -> PollPlan:
    settings = {"min_interval_s": 2.0, "max_interval_s": 60.0, "expiry_s": 3600.0, "expiry_margin_s": 600.0}
    settings.update(bounds)
    return PollPlan(
        LatencyModel(),
        min_interval_s=settings["min_interval_s"],
        max_interval_s=settings["max_interval_s"],
        expiry_s=settings["expiry_s"],
        expiry_margin_s=settings["expiry_margin_s"],
    )


def submitted(job_id: str, at: float, polls: int = 0) -> TrackedJob:
    job = TrackedJob(JobSpec(job_id, MODEL, {"prompt": job_id}), JobState.SUBMITTED, 0.28)
    job.request_id, job.submitted_at, job.polls = f"r-{job_id}", at, polls
    return job


@pytest.mark.parametrize("floor", [0.0, 50_000.0])
def test_the_expiry_guard_wins_over_every_other_bound(floor):
    # Gaps far longer than the record's life, and a budget that cannot afford any poll: still polled in time.
    p = plan_with(max_interval_s=10_000.0, min_interval_s=5_000.0)
    for now in (0.0, 100.0, 2_999.0):
        for polls in (0, 1, 7):
            when = p.next_poll(MODEL, 0.0, now, polls, floor=floor)
            assert now <= when <= 3_000.0, (now, polls, when)
    assert p.next_poll(MODEL, 0.0, 2_900.0, 3, sparse=True) <= 3_000.0


def test_learned_latencies_bring_polls_to_when_jobs_finish():
    p = plan_with()
    for _ in range(30):
        p.latency.observe(MODEL, 30.0)
    first = p.next_poll(MODEL, 1_000.0, 1_000.0, 0)
    assert first - 1_000.0 <= 30.0  # not the published ~5 minutes
    later = p.next_poll(MODEL, 1_000.0, 1_031.0, 1)
    assert later - 1_031.0 <= 10.0  # a gap that is a small share of what jobs take
    assert p.latency.median(MODEL) == pytest.approx(30.0)
