"""The longest gap between sweeps before a kind of job is learned: ``max_interval_s`` until something
says the jobs are long, then a share of what says so; and the age a probe starts at (fake clock, no
server)."""

from __future__ import annotations

import pytest

from batchgen.clock import FakeClock
from batchgen.engine.cadence import LONGEST_GAP_FRACTION, PROBE_START_SHARE, PROBE_SWEEP_FRACTION
from batchgen.engine.pollplan import MIN_SAMPLES, LatencyModel
from tests.engine.doubles import WaitingGateway
from tests.engine.doubles import history_row as row
from tests.engine.doubles import swept_job as job
from tests.engine.test_sweeper import MODEL, History, sweeper

MAX_INTERVAL = 2.0


def in_flight(ages: list[float], now: float) -> dict:
    return {f"r{i:05d}": job(i, now - age) for i, age in enumerate(ages)}


async def swept(
    ages: list[float], now: float = 1_000.0, latency: LatencyModel | None = None, listed: int | None = None
):
    """A sweeper with jobs of these ages, after one sweep at ``now`` that showed the first ``listed``
    (all by default) unfinished and did not list the others."""
    clock = FakeClock(now)
    jobs = in_flight(ages, now)
    sweeps, _ = sweeper(clock, jobs, History([row(rid) for rid in list(jobs)[:listed]]), latency)
    sweeps.max_interval_s = MAX_INTERVAL
    await sweeps.sweep()
    return sweeps, clock


async def test_before_any_sweep_or_finish_the_longest_gap_is_max_interval():
    clock = FakeClock(1_000.0)
    sweeps, _ = sweeper(clock, in_flight([100.0] * 8, 1_000.0), History([]))
    sweeps.max_interval_s = MAX_INTERVAL
    assert sweeps.longest_gap() == MAX_INTERVAL


async def test_jobs_seen_unfinished_at_a_great_age_widen_the_gap_to_the_probes_share_of_the_fourth_oldest_age():
    """Eight jobs a sweep saw unfinished at ages 100..30 s: the kind's median is very likely past the
    fourth oldest's age (70 s), so sweeps may come the probe's 30% of that apart, not every 2 s."""
    sweeps, _ = await swept([100.0, 90.0, 80.0, 70.0, 60.0, 50.0, 40.0, 30.0])
    assert sweeps.longest_gap() == pytest.approx(PROBE_SWEEP_FRACTION * 70.0)
    assert sweeps.interval() == pytest.approx(PROBE_SWEEP_FRACTION * 70.0)  # the probe's 30% of 100 s is capped


async def test_fewer_jobs_than_a_kind_needs_to_be_learned_say_nothing_of_its_length():
    sweeps, _ = await swept([100.0] * (MIN_SAMPLES - 1))
    assert sweeps.longest_gap() == MAX_INTERVAL


async def test_jobs_a_sweep_looked_for_but_the_history_did_not_list_say_nothing_of_their_length():
    """A history that lags lists three of the four old jobs: the fourth was not shown unfinished."""
    sweeps, _ = await swept([100.0, 90.0, 80.0, 70.0], listed=3)
    assert sweeps.longest_gap() == MAX_INTERVAL


async def test_a_job_the_sweep_showed_finished_is_not_counted_unfinished():
    # FAILED: a COMPLETED row's finish would stand for the kind's length itself (test_sweeper_finds)
    clock = FakeClock(1_000.0)
    jobs = in_flight([100.0, 90.0, 80.0, 70.0], 1_000.0)
    rows = [row("r00000", "FAILED"), *(row(rid) for rid in list(jobs)[1:])]
    sweeps, _ = sweeper(clock, jobs, History(rows))
    sweeps.max_interval_s = MAX_INTERVAL
    await sweeps.sweep()  # the poller has not yet taken the finished one out of ``jobs``
    assert sweeps.longest_gap() == MAX_INTERVAL


async def test_only_jobs_the_last_sweep_looked_for_count_and_never_to_below_max_interval():
    sweeps, clock = await swept([100.0, 90.0, 80.0, 70.0])
    clock.advance(5.0)
    newer = job(9, clock.now())  # sent after the sweep: not seen unfinished by it
    sweeps.jobs[newer.request_id or ""] = newer
    assert sweeps.longest_gap() == pytest.approx(PROBE_SWEEP_FRACTION * 70.0)
    sweeps.jobs.pop("r00000")  # one of the four found done: three seen unfinished are not enough
    assert sweeps.longest_gap() == MAX_INTERVAL
    young, _ = await swept([5.0, 5.0, 5.0, 5.0])  # 30% of 5 s is under max_interval_s
    assert young.longest_gap() == MAX_INTERVAL


async def test_after_the_first_finish_a_fifth_of_the_fastest_finish_bounds_the_gap_until_the_kind_is_learned():
    latency = LatencyModel()
    latency.observe(MODEL, 50.0)  # one finish, at 50 s: not learned yet
    sweeps, _ = await swept([100.0, 90.0, 80.0, 70.0], latency=latency)
    assert not latency.learned(MODEL)
    assert sweeps.longest_gap() == pytest.approx(LONGEST_GAP_FRACTION * 50.0)
    for seconds in (30.0, 200.0, 300.0):  # learned: the median (200 s) answers, never the fastest (30 s)
        latency.observe(MODEL, seconds)
    assert latency.learned(MODEL)
    assert latency.fastest(MODEL) == 30.0
    assert sweeps.longest_gap() == pytest.approx(LONGEST_GAP_FRACTION * latency.median(MODEL))


async def test_a_probe_looks_for_no_job_younger_than_min_interval_or_a_thousandth_of_its_published_latency():
    """Before any finish, sweeps come at 30% of the oldest job's age, and look for no job younger than
    ``min_interval_s``, or a thousandth of its model's published latency when that is longer: each
    halving of the age a probe starts at would cost it a few sweeps."""
    clock = FakeClock(1_000.0)
    history = History([])
    sweeps, _ = sweeper(clock, in_flight([0.5, 0.2], 1_000.0), history)
    assert sweeps.min_interval_s == 2.0
    assert sweeps.interval() == pytest.approx(PROBE_SWEEP_FRACTION * 2.0)  # the probe's step at its start
    assert sweeps.first_look() == pytest.approx(5 * PROBE_SWEEP_FRACTION * 2.0)
    await sweeps.sweep()
    assert history.pages == []  # no job is 2 s old: no request
    clock.advance(1.6)  # ages 2.1 and 1.8
    await sweeps.sweep()
    assert history.pages == [1] and set(sweeps._covered) == {"r00000"}  # the younger one is not looked for
    assert sweeps.interval() == pytest.approx(PROBE_SWEEP_FRACTION * 2.1)
    start = PROBE_START_SHARE * sweeps.latency.prior(MODEL)
    assert start < 2.0  # min_interval_s was the longer
    fine, _ = sweeper(clock, in_flight([start / 4], clock.now()), History([]))
    fine.min_interval_s = start / 100  # a fine floor: a thousandth of the published latency is the start
    assert fine.interval() == pytest.approx(PROBE_SWEEP_FRACTION * start)
    clock.advance(start * 7 / 4)
    assert fine.interval() == pytest.approx(PROBE_SWEEP_FRACTION * 2 * start)


async def test_once_a_kind_has_finished_a_sweep_looks_for_its_young_jobs_past_the_grace_alone():
    latency = LatencyModel()
    latency.observe(MODEL, 1.0)  # a first finish: the probe is over
    clock = FakeClock(1_000.0)
    history = History([])
    sweeps, _ = sweeper(clock, in_flight([1.5, 1.2], 1_000.0), history, latency)
    sweeps.max_interval_s, sweeps.peak = MAX_INTERVAL, 100  # many in flight: sweeps often, a grace of 1 s
    assert 2 * sweeps.interval() == pytest.approx(1.0)
    await sweeps.sweep()  # jobs younger than the probe's start (2 s) but past the grace are looked for
    assert history.pages == [1] and len(sweeps._covered) == 2


async def test_the_ages_jobs_were_seen_unfinished_at_are_their_ages_when_the_page_went_not_when_the_sweep_began():
    """The sweep's page waits 40 s for the budget: the four oldest were unfinished at ages 140..110 s when the
    server read them, and the gap is the probe's share of 110 s, not of 70 s."""
    clock = FakeClock(1_000.0)
    jobs = in_flight([100.0, 90.0, 80.0, 70.0, 60.0], 1_000.0)
    sweeps, _ = sweeper(clock, jobs, History([row(rid) for rid in jobs]))
    sweeps.gateway = WaitingGateway(clock, sweeps.gateway.budget)  # type: ignore[assignment]
    sweeps.max_interval_s = MAX_INTERVAL
    await sweeps.sweep()
    assert sweeps.longest_gap() == pytest.approx(PROBE_SWEEP_FRACTION * 110.0)
