"""When sweeps go: the pace follows what the last sweep taught, the probe ends at a kind's first
finish, and a draining batch is not swept before its youngest job could be done (fake clock, no
server)."""

from __future__ import annotations

import pytest

from batchgen.api.answers import HistoryRow
from batchgen.clock import FakeClock
from batchgen.engine.cadence import LONGEST_GAP_FRACTION, PROBE_SWEEP_FRACTION, SWEEPS_PER_JOB
from batchgen.engine.pollplan import LatencyModel, latency_key
from tests.engine.doubles import SWEEP_KEY as KEY
from tests.engine.doubles import HistoryPages as History
from tests.engine.doubles import TimedHistory, by_rid
from tests.engine.doubles import learned_latency as learned
from tests.engine.doubles import run_sweep_loop as run_loop
from tests.engine.doubles import sweep_stage as make
from tests.engine.doubles import swept_job as job
from tests.engine.test_probe_gap import in_flight

# ---------------------------------------------------------------------- the sweep loop's pace


async def test_the_sweep_after_one_that_taught_the_model_comes_at_the_learned_pace():
    """Forty jobs probed every 30% of their age; the first sweep's finds teach the model (as the
    poller would, from what it sends) that they take ~100 s.  The next sweep comes at the learned
    pace, not a probe's interval reckoned before that sweep was read."""
    clock = FakeClock(100.0)
    latency = LatencyModel()
    jobs = in_flight([100.0] * 40, 100.0)
    sweeps, _, _ = make(clock, jobs, latency=latency, max_interval_s=60.0)
    sweeps.peak = 40
    reads: list[float] = []

    class Teaching:
        async def history(self, *, page: int, per_page: int) -> list[HistoryRow]:
            reads.append(clock.now())
            if not latency.learned(KEY):
                for i in range(64):
                    latency.observe(KEY, 50.0 + 100.0 * i / 63)
            return []

    sweeps.api = Teaching()  # type: ignore[assignment]
    await run_loop(sweeps, clock, 40.0)
    assert reads[0] == pytest.approx(100.0 + PROBE_SWEEP_FRACTION * 100.0)
    learned_pace = latency.median(KEY) / (SWEEPS_PER_JOB * 40)  # about 6 s
    assert reads[1] - reads[0] == pytest.approx(learned_pace, rel=0.01)


def test_after_a_kinds_first_finish_sweeps_come_at_the_pace_its_fastest_finish_sets_not_a_probes():
    """Forty jobs 100 s old, one of their kind seen to finish at 50 s (not learned yet): the probe
    (every 30% of 100 s, within a fifth of 50 s) is over; the fastest finish stands for the median."""
    clock = FakeClock(100.0)
    latency = LatencyModel()
    sweeps, _, _ = make(clock, in_flight([100.0] * 40, 100.0), latency=latency, max_interval_s=2.0)
    sweeps.peak = 40
    assert sweeps.interval() == pytest.approx(min(PROBE_SWEEP_FRACTION * 100.0, sweeps.longest_gap()))
    latency.observe(KEY, 50.0)
    assert not latency.learned(KEY)
    assert sweeps.longest_gap() == pytest.approx(LONGEST_GAP_FRACTION * 50.0)
    assert sweeps.interval() == pytest.approx(50.0 / (SWEEPS_PER_JOB * 40))


# ---------------------------------------------------------------------- a draining batch


def test_while_the_batch_drains_it_is_quiet_until_its_youngest_job_could_be_done():
    clock = FakeClock(1_000.0)
    latency = learned(median=100.0)  # the earliest finish: ~51 s
    old, young = job(1, 900.0), job(2, 990.0)
    sweeps, _, _ = make(clock, by_rid(old, young), latency=latency)
    earliest = latency.earliest(latency_key(old.spec))
    assert earliest is not None
    assert sweeps.quiet_until() == pytest.approx(900.0 + earliest)  # the old one could be done now
    sweeps.draining = lambda: True  # nothing waits to be sent: only the last find sets the end
    assert sweeps.quiet_until() == pytest.approx(990.0 + earliest)


async def test_a_draining_batch_is_swept_once_its_youngest_job_could_be_done_and_not_before():
    clock = FakeClock(1_000.0)
    latency = learned(median=100.0)
    history = History([])
    sweeps, _, _ = make(clock, by_rid(job(1, 850.0), job(2, 990.0)), history, latency=latency)
    earliest = latency.earliest(KEY)
    assert earliest is not None
    sweeps.peak = 40  # the last two of a batch: swept every few seconds once they could be done
    sweeps.draining = lambda: True
    await run_loop(sweeps, clock, 990.0 + earliest - 1_000.0 - 1.0)
    assert history.pages == []  # the old job may be done, but the young one cannot be: nothing to gain
    await run_loop(sweeps, clock, 30.0)
    assert history.pages != []


async def test_after_a_quiet_spell_the_sweep_comes_as_it_ends_not_an_interval_later():
    clock = FakeClock(1_000.0)
    latency = learned(median=100.0)
    history = TimedHistory(clock)
    sweeps, _, _ = make(clock, by_rid(job(1, 850.0), job(2, 990.0)), history, latency=latency)
    earliest = latency.earliest(KEY)
    assert earliest is not None
    sweeps.peak = 40
    sweeps.draining = lambda: True  # quiet until the young job could be done
    await run_loop(sweeps, clock, 60.0)
    assert history.reads and history.reads[0] == pytest.approx(990.0 + earliest)
