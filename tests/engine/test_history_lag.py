"""A request history that shows finishes late is caught from its own rows: a late show buys one
result call, which confirms the lag or not, and a confirmed lag switches sweeps off (fake clock,
no server)."""

from __future__ import annotations

import logging

import pytest

from batchgen.api.answers import HistoryRow
from batchgen.clock import FakeClock
from batchgen.engine.history_lag import CHECKS, LAG_TOLERANCE, LagWatch, credible_latency
from batchgen.engine.messages import Replan, Shown
from tests.engine.doubles import MODEL
from tests.engine.doubles import HistoryPages as History
from tests.engine.doubles import learned_latency as learned
from tests.engine.doubles import sweep_stage as make
from tests.engine.doubles import swept_job as job

MEDIAN = 100.0  # the learned median: a lag over a tenth of it (10 s) is late


def row(rid: str, status: str = "PENDING", latency_s: float | None = None) -> HistoryRow:
    url = f"http://127.0.0.1:9/{rid}.mp4" if status == "COMPLETED" else None
    return HistoryRow(rid, MODEL, status, {}, url, 0.28 if url else None, None, None, latency_s)


async def shown_late(count: int = 5, *, shown_pending_at: float = 200.0, latency_s: float = 100.0):
    """``count`` jobs sent at 0 s: a sweep at ``shown_pending_at`` shows them unfinished, the next (60 s
    later) shows them COMPLETED with ``latency_s``."""
    clock = FakeClock(shown_pending_at)
    jobs = {f"r{i:05d}": job(i, 0.0) for i in range(count)}
    history = History([row(rid) for rid in jobs])
    sweeps, news, _ = make(clock, jobs, history, latency=learned(MEDIAN))
    await sweeps.sweep()
    clock.advance(60.0)
    history.rows = [row(rid, "COMPLETED", latency_s) for rid in jobs]
    await sweeps.sweep()
    return sweeps, news, jobs


async def test_a_late_show_asks_one_result_and_a_confirmed_lag_switches_sweeps_off(caplog):
    sweeps, news, _ = await shown_late()
    shown = [item for item in news.sent if isinstance(item, Shown)]
    assert [item.check for item in shown] == [True, False, False, False, False]  # one check at a time
    assert sweeps.lag.late_shows == 5 and sweeps.lag.worst == pytest.approx(100.0)
    assert sweeps.sweeping  # a suspicion, not a verdict
    with caplog.at_level(logging.INFO, logger="batchgen"):
        sweeps.judge(shown[0].job, 100.0)  # its result: it finished 100 s before a sweep showed it unfinished
    assert sweeps.lag.confirmed and not sweeps.sweeping
    assert isinstance(news.sent[-1], Replan)  # every job is planned again, for polls alone
    assert "showed finished jobs unfinished up to 100 s after they had finished" in caplog.text


async def test_once_a_check_confirmed_the_lag_the_late_shows_that_follow_switch_sweeps_off():
    clock = FakeClock(200.0)
    jobs = {f"r{i:05d}": job(i, 0.0) for i in range(4)}
    history = History([row(rid) for rid in jobs])
    sweeps, news, _ = make(clock, jobs, history, latency=learned(MEDIAN))
    await sweeps.sweep()  # all four unfinished at 200 s
    clock.advance(60.0)
    history.rows = [row("r00000", "COMPLETED", 100.0)] + [row(rid) for rid in list(jobs)[1:]]
    await sweeps.sweep()  # one late show: checked
    sweeps.judge(jobs["r00000"], 100.0)
    assert sweeps.lag.confirmed and sweeps.sweeping  # one late show is not enough
    del jobs["r00000"]
    clock.advance(60.0)
    history.rows = [row(rid, "COMPLETED", 100.0) for rid in jobs]
    await sweeps.sweep()
    assert sweeps.lag.late_shows == 4 and not sweeps.sweeping  # stopped by the sweep's own rows
    assert any(isinstance(item, Replan) for item in news.sent[-3:])  # every job planned again, for polls


async def test_a_result_that_puts_the_finish_later_than_its_row_refutes_the_rows_for_the_run():
    # latency_ms leaves out the time queued: the row puts the finish at 100 s, the result at 195 s
    sweeps, news, _ = await shown_late()
    first = next(item for item in news.sent if isinstance(item, Shown) and item.check)
    sweeps.judge(first.job, 195.0)
    assert sweeps.lag.refuted and not sweeps.lag.confirmed and sweeps.sweeping
    late_shows = sweeps.lag.late_shows
    assert not sweeps.lag.shown_done("r00009", 200.0, 100.0, MEDIAN)  # no more checks, nothing counted
    assert sweeps.lag.late_shows == late_shows and sweeps.lag.checks_left == CHECKS - 1
    sweeps.lag.confirmed = True  # were a poll to find a miss later, the refuted rows still would not count
    assert not sweeps.lag.lags(1, 0.0)


async def test_shows_within_a_tenth_of_the_median_are_not_late():
    sweeps, news, _ = await shown_late(shown_pending_at=200.0 + LAG_TOLERANCE * MEDIAN - 1.0, latency_s=200.0)
    assert sweeps.lag.late_shows == 0 and sweeps.lag.telling == 5
    assert not any(item.check for item in news.sent if isinstance(item, Shown))


async def test_a_row_without_latency_tells_nothing():
    sweeps, news, _ = await shown_late(latency_s=None)  # type: ignore[arg-type]
    assert sweeps.lag.late_shows == 0 and sweeps.lag.telling == 0
    assert not any(item.check for item in news.sent if isinstance(item, Shown))


def test_checks_stop_at_the_runs_allowance_and_a_lag_needs_enough_late_shows_among_those_that_tell():
    lag = LagWatch(min_interval_s=2.0)
    checks = 0
    for i in range(CHECKS + 3):
        checks += lag.shown_done(f"r{i}", 200.0, 100.0, MEDIAN)
        lag.forget(f"r{i}")  # the checked job ended before its result said anything
    assert checks == CHECKS and lag.checks_left == 0 and lag.late_shows == CHECKS + 3
    assert not lag.confirmed and not lag.lags(3, 0.2)

    lag = LagWatch(min_interval_s=2.0)
    for i in range(20):  # twenty shows that could tell, of which three are late
        lag.shown_done(f"r{i}", 200.0 if i < 3 else 105.0, 100.0, MEDIAN)
    assert lag.result_says("r0", 100.0)  # confirmed...
    assert not lag.lags(3, 0.2)  # ...but three late shows of twenty are not more than a fifth
    assert not lag.lags(4, 0.0)  # ...nor enough, when four are needed
    for i in range(20, 23):
        lag.shown_done(f"r{i}", 200.0, 100.0, MEDIAN)
    assert lag.late_shows == 6 and lag.telling == 23
    assert lag.lags(3, 0.2)  # 6 of 23 > a fifth


def test_the_tolerance_is_min_interval_when_that_is_longer_than_a_tenth_of_the_typical_time():
    lag = LagWatch(min_interval_s=30.0)
    assert not lag.shown_done("r", 125.0, 100.0, MEDIAN)  # 25 s: within min_interval_s
    assert lag.shown_done("s", 135.0, 100.0, MEDIAN)


def test_a_show_exactly_the_tolerance_after_the_finish_is_not_late():
    lag = LagWatch(min_interval_s=2.0)
    tolerance = LAG_TOLERANCE * MEDIAN  # 10 s
    assert not lag.shown_done("r", 100.0 + tolerance, 100.0, MEDIAN)
    assert lag.late_shows == 0 and lag.telling == 1 and lag.checks_left == CHECKS
    assert lag.shown_done("s", 100.0 + tolerance + 0.5, 100.0, MEDIAN)  # more than it: late, and checked


def test_a_result_exactly_the_tolerance_before_the_sweep_confirms_no_lag_and_refutes_the_rows():
    lag = LagWatch(min_interval_s=2.0)
    assert lag.shown_done("r", 200.0, 100.0, MEDIAN)  # shown unfinished 100 s after its row's finish: checked
    assert not lag.result_says("r", 200.0 - LAG_TOLERANCE * MEDIAN)  # its result: no more than the tolerance
    assert not lag.confirmed and lag.refuted


def test_a_lag_needs_more_than_the_share_of_telling_shows_not_just_as_many():
    lag = LagWatch(min_interval_s=2.0)
    for i in range(20):  # twenty shows that could tell, of which four are late
        lag.shown_done(f"r{i}", 200.0 if i < 4 else 105.0, 100.0, MEDIAN)
    assert lag.result_says("r0", 100.0)  # confirmed
    assert lag.late_shows == 4 and lag.telling == 20
    assert not lag.lags(4, 0.2)  # four of twenty is a fifth, not more than one
    lag.shown_done("r20", 200.0, 100.0, MEDIAN)
    assert lag.lags(4, 0.2)  # five of twenty-one is
    assert lag.lags(5, 0.2) and not lag.lags(6, 0.2)  # and five late shows are at least five, not six


def test_a_run_spends_at_most_six_result_calls_on_checking_late_shows():
    """Checks whose jobs end before their results say anything never settle the question: the run
    still stops checking after six (each check is a request)."""
    lag = LagWatch(min_interval_s=2.0)
    checks = 0
    for i in range(50):
        checks += lag.shown_done(f"r{i}", 200.0, 100.0, MEDIAN)
        lag.forget(f"r{i}")
    assert checks == 6


def test_a_check_that_does_not_confirm_refutes_nothing_once_a_poll_confirmed_the_lag_meanwhile():
    """A check is under way when a poll finds a job the sweeps missed (the sweeper then believes the
    lag: ``confirmed``).  The check's result putting its own job's finish later does not undo that."""
    lag = LagWatch(min_interval_s=2.0)
    for i in range(5):
        lag.shown_done(f"r{i}", 200.0, 100.0, MEDIAN)  # r0 is checked
    lag.confirmed = True  # as Sweeper.judge does for a miss a poll found
    assert lag.result_says("r0", 195.0)  # within the tolerance of the sweep: this one says nothing
    assert not lag.refuted
    assert lag.lags(3, 0.2)  # five late shows of five: the sweeps go off


def test_the_worst_lag_is_the_longest_a_sweep_showed_not_the_last():
    lag = LagWatch(min_interval_s=2.0)
    lag.shown_done("a", 300.0, 100.0, MEDIAN)  # 200 s late
    lag.shown_done("b", 150.0, 100.0, MEDIAN)  # 50 s late
    assert lag.worst == pytest.approx(200.0)


@pytest.mark.parametrize(
    ("latency_s", "seen_unfinished", "credible"),
    [
        (None, 0.0, False),
        (0.0, 0.0, False),  # a video made in no time
        (0.001, 0.0, False),
        (LAG_TOLERANCE * MEDIAN, 0.0, False),  # no job of the kind takes a tenth of its typical time
        (LAG_TOLERANCE * MEDIAN + 1.0, 0.0, True),
        (80.0, 90.0, False),  # a poll saw the job unfinished after the finish the row gives
        (95.0, 90.0, True),
        (90.0, 90.0, True),  # finished just as the poll saw it unfinished: not shorter than that age
        (1e9, 0.0, True),  # a finish after the row was shown is no late show (nothing to refute)
    ],
)
def test_a_rows_latency_counts_only_where_it_can_be_its_jobs_submit_to_finish(latency_s, seen_unfinished, credible):
    taken = credible_latency(latency_s, seen_unfinished=seen_unfinished, least=LAG_TOLERANCE * MEDIAN)
    assert taken == (latency_s if credible else None)


async def test_a_first_finish_far_sooner_than_published_keeps_its_rows_latency():
    """Nothing learned yet, and the first rows show jobs of the 320-s kind done in 3.2 s (a world a hundred times
    faster than published): a real measure, more than the thousandth of the published time no video job beats.
    Taken against a tenth of the published time, it was read as no latency, and the model learned the first
    finishes only from the sweeps' bounds."""
    clock = FakeClock(10.0)
    jobs = {f"r{i:05d}": job(i, 0.0) for i in range(3)}
    history = History([row(rid, "COMPLETED", 3.2) for rid in jobs])
    sweeps, news, _ = make(clock, jobs, history)
    await sweeps.sweep()
    shown = [item for item in news.sent if isinstance(item, Shown)]
    assert len(shown) == 3 and all(item.row.latency_s == pytest.approx(3.2) for item in shown)
    tiny = {"r00009": job(9, 0.0)}  # a video in a millisecond: still no measure
    sweeps, news, _ = make(clock, tiny, History([row("r00009", "COMPLETED", 0.001)]))
    await sweeps.sweep()
    assert [item.row.latency_s for item in news.sent if isinstance(item, Shown)] == [None]
