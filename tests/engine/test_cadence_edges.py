"""Edges of the sweeps' pace (cadence.py): which finish stands for a kind's median before it is
learned, what a poll's sighting counts for in the expected finds, a kind not learned never holding
a due sweep back, and jobs a lagging history did not list saying nothing of their length (fake
clock, no server)."""

from __future__ import annotations

import pytest

from batchgen.api.answers import HistoryRow
from batchgen.clock import FakeClock
from batchgen.engine.cadence import LONGEST_GAP_FRACTION, PROBE_SWEEP_FRACTION
from batchgen.engine.pollplan import LatencyModel
from tests.engine.doubles import MODEL
from tests.engine.doubles import SWEEP_KEY as KEY
from tests.engine.doubles import history_row as row
from tests.engine.doubles import swept_job as job
from tests.engine.test_probe_gap import MAX_INTERVAL, in_flight, swept
from tests.engine.test_sweeper import History, learned_uniform, sweeper


def completed(rid: str, latency_s: float) -> HistoryRow:
    return HistoryRow(rid, MODEL, "COMPLETED", {}, f"http://127.0.0.1:9/{rid}.mp4", 0.28, None, None, latency_s)


@pytest.mark.parametrize(("taught", "shown"), [(50.0, 30.0), (20.0, 30.0)])
async def test_before_a_kind_is_learned_the_fastest_finish_from_either_source_stands_for_its_median(taught, shown):
    """One finish taught to the model and one a sweep showed (not yet settled by the poller): the
    faster of the two bounds the gap between sweeps, whichever source it came from."""
    clock = FakeClock(100.0)
    latency = LatencyModel()
    latency.observe(KEY, taught)
    jobs = in_flight([100.0] * 4, 100.0)
    sweeps, _ = sweeper(clock, jobs, History([completed("r00000", shown)]), latency)
    sweeps.max_interval_s = MAX_INTERVAL
    await sweeps.sweep()
    assert not latency.learned(KEY)
    assert sweeps.longest_gap() == pytest.approx(LONGEST_GAP_FRACTION * min(taught, shown))


def test_a_poll_that_saw_a_job_unfinished_counts_in_the_expected_finds_like_a_sweep_that_did():
    """A job a status poll found unfinished a second ago is not expected to have finished since its
    submit: only its chance over that second counts, as for a job a sweep looked for then."""
    clock = FakeClock(150.0)
    latency = learned_uniform()  # 100-199 s
    polled = job(1, 0.0)
    polled.pending_age = 149.0  # a poll at 149 s found it unfinished
    sweeps, _ = sweeper(clock, {"r00001": polled}, History([]), latency)
    by_poll = sweeps.expected_finds(150.0)
    covered = job(2, 0.0)
    swept_too, _ = sweeper(clock, {"r00002": covered}, History([]), latency)
    swept_too._covered["r00002"] = 149.0  # a sweep at 149 s looked for it and did not see it finished
    by_sweep = swept_too.expected_finds(150.0)
    assert by_poll is not None and by_sweep is not None
    assert by_poll == pytest.approx(by_sweep)
    assert by_poll < 0.05  # not the ~half a job it would be from its submit on
    sweeps.peak = 1
    sweeps._swept_at = 145.0
    assert not sweeps.likely_to_find(150.0)  # so no sweep goes for it yet


async def test_while_a_kind_in_flight_is_not_learned_a_due_sweep_is_not_held_back_for_finds():
    """Before anything is learned the probe's sweeps go when due (the model expects nothing either
    way): not only once the longest gap has passed."""
    clock = FakeClock(1_000.0)
    jobs = in_flight([100.0] * 8, 1_000.0)
    sweeps, _ = sweeper(clock, jobs, History([row(rid) for rid in jobs]))
    sweeps.peak = len(jobs)  # not a draining tail
    await sweeps.sweep()
    assert sweeps.expected_finds(clock.now() + 1.0) is None
    assert clock.now() + 1.0 - sweeps._swept_at < sweeps.longest_gap()
    assert sweeps.likely_to_find(clock.now() + 1.0)


async def test_jobs_an_earlier_sweep_showed_unfinished_but_the_last_did_not_list_say_nothing_of_their_length():
    """A sweep saw four old jobs unfinished; the next, from a history that lags, listed none of them:
    only what the last sweep showed counts, so the gap is back to max_interval_s."""
    sweeps, clock = await swept([100.0, 90.0, 80.0, 70.0])
    assert sweeps.longest_gap() == pytest.approx(PROBE_SWEEP_FRACTION * 70.0)
    clock.advance(10.0)
    sweeps.api = History([])
    await sweeps.sweep()
    assert sweeps._swept_at == clock.now()  # the sweep went, and looked for them
    assert sweeps.longest_gap() == MAX_INTERVAL


def test_with_many_jobs_in_flight_a_due_sweep_goes_once_one_and_a_half_finds_are_expected():
    """Forty jobs in flight (a tenth of them would be four): a due sweep waits for 1.5 expected finds,
    no more."""
    clock = FakeClock(0.0)
    latency = learned_uniform()  # 100-199 s
    jobs = {f"r{i:05d}": job(i, 0.0) for i in range(40)}
    sweeps, _ = sweeper(clock, jobs, History([]), latency)
    sweeps.peak = 40
    sweeps._swept_at = 100.0
    expected = sweeps.expected_finds(104.0)
    assert expected is not None and 1.5 < expected < 4.0
    assert sweeps.likely_to_find(104.0)
    assert not sweeps.likely_to_find(100.5)  # under one expected find: not yet


def test_in_the_batchs_tail_a_due_sweep_is_not_held_back_for_finds():
    """Under half the peak in flight, each find's delay is the batch's: a due sweep goes at once, however few
    finds the model expects (the same forty jobs at a peak of 80 wait for 1.5 of them)."""
    clock = FakeClock(0.0)
    jobs = {f"r{i:05d}": job(i, 0.0) for i in range(40)}
    sweeps, _ = sweeper(clock, jobs, History([]), learned_uniform())
    sweeps._swept_at = 100.0
    sweeps.peak = 80
    assert not sweeps.likely_to_find(100.5)
    sweeps.peak = 81
    assert sweeps.likely_to_find(100.5)
