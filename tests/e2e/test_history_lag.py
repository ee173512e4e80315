"""A request history that shows finishes late is caught from its own rows, and one whose latency
leaves out the time queued is not taken for one (the simulator plays both; the client is told
neither)."""

from __future__ import annotations

from batchgen.engine.history_lag import CHECKS
from batchgen.simulator import SimConfig, SimServer
from tests.e2e.test_pacing import run_manifest, states
from tests.helpers import many_jobs_yaml, write


async def test_a_history_lagging_half_a_job_is_caught_from_its_rows_and_polls_take_over(tmp_path):
    # Jobs take ~320 s; the history shows the account as it was 150 s ago.  The safety-net polls come
    # too late to catch that (a sweep has shown each job finished before), so only the rows can.
    config = SimConfig(time_scale=2000, history_lag_s=150.0, seed=9)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(24))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=8)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    sweeper = outcome.run.poller.sweeper
    assert sweeper.lag.confirmed and sweeper.lag.late_shows >= 3
    assert not sweeper.sweeping  # switched off: every job polled on time instead
    assert sweeper.lag.worst < 150.0  # a lower bound of the lag: a sweep shows no job later than the lag
    assert sim.state.duplicate_submissions() == 0


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
