"""A request history that fails for a while (its reads answered 500 past the gateway's retries) pauses the sweeps,
not ends them: jobs are polled meanwhile, and once the history answers again its sweeps find the jobs, at a
request or two a video, not the several polls each that switching sweeps off for the rest of the run costs."""

from __future__ import annotations

from batchgen.config import RetrySettings
from batchgen.simulator import SimConfig, SimServer
from tests.e2e.test_pacing import run_manifest, states
from tests.helpers import many_jobs_yaml, write


async def test_a_history_failing_for_a_while_pauses_the_sweeps_and_they_go_on_once_it_answers(tmp_path):
    # After five good reads the next fourteen are answered 500: a sweep's six attempts fail, then the next
    # one's, 60 run seconds on; the third try, 120 s after that, is answered.  Sweeps were switched off for the
    # run at the first failure: 40 jobs then cost 180 polls and result calls, against about 50 with the sweeps
    # back on.
    attempts = RetrySettings().max_attempts
    config = SimConfig(time_scale=2000, seed=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(40))
    async with SimServer(config) as sim:
        sim.state.script("history_error", 2 * attempts + 2, after=5)
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=8)
        counters = sim.state.stats()["counters"]
    assert set(states(tmp_path / "out").values()) == {"completed"}
    sweeper = outcome.run.poller.sweeper
    assert sweeper.working  # back on once the history answered
    reads = counters["/inference-request/request-history"]
    assert reads > 5 + 2 * attempts + 2  # it was read again after the failures
    polls = counters.get("/v2/requests/{rid}", 0)
    assert polls < 2 * 40, counters  # not the several polls a job that sweeps switched off cost
    assert sim.state.duplicate_submissions() == 0
