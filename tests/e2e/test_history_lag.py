"""A request history that shows finishes late is caught from its own rows; one whose latency leaves
out the time queued is not taken for one; one without latency still teaches the model (the simulator
plays each; the client is told none)."""

from __future__ import annotations

import statistics

import pytest

from batchgen.engine.history_lag import CHECKS
from batchgen.engine.pollplan import latency_key
from batchgen.simulator import SimConfig, SimServer
from tests.e2e.test_pacing import run_manifest, states
from tests.helpers import many_jobs_yaml, write

MODEL = "kling-text2video"


async def test_a_history_lagging_half_a_job_is_caught_from_its_rows_and_polls_take_over(tmp_path):
    # Jobs take ~320 s; the history shows the account as it was 150 s ago.  The safety-net polls come
    # too late to catch that (a sweep has shown each job finished before), so only the rows can.
    config = SimConfig(time_scale=1000, history_lag_s=150.0, seed=9)  # a busy machine's stalls stay small
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(24))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=8)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    sweeper = outcome.run.poller.sweeper
    assert sweeper.lag.confirmed and sweeper.lag.late_shows >= 3
    assert not sweeper.sweeping  # switched off: every job polled on time instead
    assert sweeper.lag.worst < 150.0  # a lower bound of the lag: a sweep shows no job later than the lag
    assert sim.state.duplicate_submissions() == 0


@pytest.mark.parametrize(("rpm", "swept"), [(50, True), (600, False)])
async def test_a_history_lagging_a_third_of_a_job_is_swept_on_while_polls_would_cost_more_videos_an_hour(
    tmp_path, rpm, swept
):
    # Jobs of ~15 s on ten workers, the history 5 s behind.  At 50 requests a minute polling each job would spend
    # the budget the submits need: the sweeps go on, finds 5 s late, for about 1.6 requests a video, not 2.2.
    # With twelve times the budget, polls cost nothing the run needs and find each job at once: sweeps stop.
    config = SimConfig(time_scale=20, history_lag_s=5.0, workers=10, seed=1, model_latency_s={MODEL: 15.0})
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(80))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=10, requests_per_minute=rpm)
        counters = sim.state.stats()["counters"]
        duplicates = sim.state.duplicate_submissions()
    assert set(states(tmp_path / "out").values()) == {"completed"} and duplicates == 0
    sweeper = outcome.run.poller.sweeper
    assert sweeper.lag.confirmed and sweeper.lag.late_shows >= 3  # the lag was seen either way
    assert sweeper.sweeping is swept
    polls = counters.get("/v2/requests/{rid}", 0)
    assert (polls <= 10) if swept else (polls >= 60)  # per-job polls: a safety net, or how each job is found


async def test_a_history_whose_latency_leaves_out_the_time_queued_keeps_its_sweeps(tmp_path):
    # Four workers for twelve jobs in flight: each waits in the queue for minutes, which its row's
    # latency_ms leaves out, so rows put finishes long before a sweep showed them unfinished.  One
    # result call says otherwise, and the rows are not asked again.
    config = SimConfig(time_scale=2000, history_latency="inference", workers=4, seed=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(24))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=12)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    sweeper = outcome.run.poller.sweeper
    assert sweeper.lag.late_shows >= 1 and sweeper.lag.refuted and not sweeper.lag.confirmed
    assert sweeper.lag.checks_left == CHECKS - 1  # one result call spent on it
    assert sweeper.sweeping and sweeper.hits >= 12
    assert sim.state.duplicate_submissions() == 0


@pytest.mark.parametrize("seed", [0, 3])
async def test_rows_without_latency_teach_the_model_from_the_sweeps_own_bounds(tmp_path, seed):
    # No latency_ms: a swept job's time lies between the last sweep that showed it unfinished and the
    # one that showed it finished.  Taken from its submit alone, it would be learned at about half.  Time runs 200-fold,
    # not faster: a sweep a busy machine sends late must not widen the bounds by minutes of run time (at 500-fold,
    # with four test workers on two cores, the learned median strayed past a fifth of the true one).
    config = SimConfig(time_scale=200, history_latency="none", seed=seed)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(24))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=12)
        true_median = statistics.median(job.finish - job.submitted for job in sim.state.jobs.values())
    assert set(states(tmp_path / "out").values()) == {"completed"}
    run = outcome.run
    key = latency_key(run.jobs[0].spec)
    assert run.poller.latency.learned(key)
    assert run.poller.latency.median(key) == pytest.approx(true_median, rel=0.2)


@pytest.mark.parametrize("odd", ["negative", "zero", "tiny", "absent", "huge"])
async def test_a_row_whose_latency_cannot_be_its_jobs_spends_no_check_and_no_refutation(tmp_path, odd):
    # An honest history, but one job's row gives a latency_ms no job has: negative, none, 0, 1 ms or a year.  Its
    # sweep-shown finish is not taken from it: it is no late show, buys no result call, and leaves the run's one
    # refutation of the rows' latency unspent (with it spent, a lag that came later would go unseen).
    config = SimConfig(time_scale=2000, seed=5, history_latency_odd={"scene number 5": odd})
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(12))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=12)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    sweeper = outcome.run.poller.sweeper
    assert sweeper.hits >= 6  # the sweeps showed jobs finished (the odd one among them: see the plant)
    assert sweeper.lag.late_shows == 0 and sweeper.lag.checks_left == CHECKS
    assert not sweeper.lag.refuted and sweeper.sweeping
    assert sim.state.duplicate_submissions() == 0
