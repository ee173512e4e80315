"""History sweeps, more promises at the unit level: a history that misses finished jobs is switched off (and
says why), a sweep reads only as far as it must and no further, sweeps keep their share of the budget and their
cadence, and the sweep loop sweeps only when a sweep could find something (fake clock, no server)."""

from __future__ import annotations

import logging

import anyio
import pytest

from batchgen.api.ratelimit import Priority
from batchgen.clock import FakeClock
from batchgen.engine.cadence import PROBE_SWEEP_FRACTION, SWEEPS_PER_JOB
from batchgen.engine.messages import Replan, Shown
from batchgen.engine.pollplan import LatencyModel
from batchgen.errors import ServerError
from batchgen.jobs import StopReason
from tests.engine.doubles import SWEEP_KEY as KEY
from tests.engine.doubles import HistoryPages as History
from tests.engine.doubles import TimedHistory, by_rid
from tests.engine.doubles import history_row as row
from tests.engine.doubles import learned_latency as learned
from tests.engine.doubles import run_sweep_loop as run_loop
from tests.engine.doubles import sweep_stage as make
from tests.engine.doubles import swept_job as job

# ---------------------------------------------------------------------- health


def test_a_history_that_never_shows_finished_jobs_is_switched_off_at_the_third_miss(caplog):
    clock = FakeClock(1_000.0)
    jobs = [job(i, 0.0) for i in range(4)]
    sweeps, news, _ = make(clock, by_rid(*jobs))
    for tracked in jobs:
        sweeps._covered[tracked.request_id or ""] = 900.0  # a sweep began at 900 s and did not show them
    with caplog.at_level(logging.INFO, logger="batchgen"):
        for tracked in jobs[:3]:
            assert sweeps.sweeping
            sweeps.poll_found_done(tracked.request_id or "")
            sweeps.judge(tracked, finished_at=800.0)
    assert not sweeps.sweeping and sweeps.missed == 3 and news.sent == [Replan()]
    assert [r.getMessage() for r in caplog.records] == [
        "history sweeps are off for this run: the request history did not show jobs that had finished; "
        "polling each job instead"
    ]
    sweeps.stop("again")  # once off, it stays off and says nothing more
    assert news.sent == [Replan()] and len(caplog.records) == 1


def test_a_job_that_finished_after_the_last_sweep_began_is_not_the_historys_fault():
    clock = FakeClock(1_000.0)
    jobs = [job(i, 0.0) for i in range(4)]
    sweeps, news, _ = make(clock, by_rid(*jobs))
    for tracked in jobs:
        sweeps._covered[tracked.request_id or ""] = 900.0
        sweeps.poll_found_done(tracked.request_id or "")
        sweeps.judge(tracked, finished_at=900.0)  # finished as the sweep began: it could not show it
    assert sweeps.missed == 0 and sweeps.sweeping and news.sent == []


async def test_a_working_history_is_switched_off_only_when_it_misses_more_than_a_fifth_of_what_it_shows(caplog):
    clock = FakeClock(1_000.0)
    shown = [job(i, 0.0) for i in range(15)]
    missed = [job(100 + i, 0.0) for i in range(4)]
    history = History([row(t.request_id or "", "COMPLETED") for t in shown])
    sweeps, news, _ = make(clock, by_rid(*shown, *missed), history)
    await sweeps.sweep()
    assert sweeps.healthy and sweeps.hits == 15 and news.sent[0] == Replan()
    assert [m.job for m in news.sent[1:]] == shown and all(isinstance(m, Shown) for m in news.sent[1:])
    for tracked in missed:
        sweeps._covered[tracked.request_id or ""] = 1_000.0
    with caplog.at_level(logging.INFO, logger="batchgen"):
        for tracked in missed[:3]:  # 3 missed of 15 shown: a fifth, not more
            sweeps.poll_found_done(tracked.request_id or "")
            sweeps.judge(tracked, finished_at=500.0)
        assert sweeps.sweeping and sweeps.missed == 3
        sweeps.poll_found_done(missed[3].request_id or "")
        sweeps.judge(missed[3], finished_at=500.0)
    assert not sweeps.sweeping and news.sent[-1] == Replan()
    assert caplog.records[-1].getMessage() == (
        "history sweeps are off for this run: the request history misses too many finished jobs; polling each job "
        "instead"
    )


def test_a_job_a_sweep_showed_finished_never_counts_as_missed_and_forgetting_a_job_forgets_it_all():
    clock = FakeClock(1_000.0)
    a = job(1, 0.0)
    sweeps, _, _ = make(clock, by_rid(a))
    sweeps.shown_done.add("r00001")
    sweeps._covered["r00001"] = 900.0
    sweeps.poll_found_done("r00001")
    sweeps.judge(a, finished_at=100.0)
    assert sweeps.missed == 0 and sweeps.found_by_poll == set()
    sweeps.shown_done.clear()
    sweeps.poll_found_done("r00001")
    sweeps.forget("r00001")
    assert sweeps.found_by_poll == set() and "r00001" not in sweeps._covered
    sweeps.judge(a, finished_at=100.0)
    assert sweeps.missed == 0
    sweeps.stop("off")
    sweeps.poll_found_done("r00001")  # once sweeps are off, nothing is judged
    assert sweeps.found_by_poll == set()


def test_an_unreadable_history_switches_sweeps_off_with_the_reason():
    clock = FakeClock(1_000.0)
    history = History([], error=ServerError("HTTP 503", status=503))
    sweeps, news, _ = make(clock, by_rid(job(1, 0.0)), history)
    anyio.run(sweeps.sweep)
    assert not sweeps.sweeping and news.sent == [Replan()] and history.pages == [1]


# ---------------------------------------------------------------------- cadence


def test_before_anything_is_learned_sweeps_come_at_a_share_of_the_oldest_jobs_age():
    clock = FakeClock(100.0)
    sweeps, _, _ = make(clock, by_rid(job(1, 0.0), job(2, 50.0)), max_interval_s=600.0)
    assert sweeps.interval() == pytest.approx(PROBE_SWEEP_FRACTION * 100.0)
    assert sweeps.first_look() == pytest.approx(5 * PROBE_SWEEP_FRACTION * 100.0)  # five intervals: a new job
    clock.now_s = 5_000.0
    assert sweeps.interval() == 600.0  # never more than max_interval_s apart
    empty, _, _ = make(FakeClock(100.0), {})
    assert empty.interval() == 0.5  # nothing in flight: the floor, a quarter of the minimum interval
    sweeps.healthy = True
    assert sweeps.first_look() == 0.0  # sweeps show our jobs: no wait for a first poll
    sweeps.healthy = False
    sweeps.stop("off")
    assert sweeps.first_look() == 0.0


def test_learned_sweeps_come_every_two_percent_of_the_median_or_less_often_with_few_jobs():
    clock = FakeClock(1_000.0)
    latency = learned()
    median = latency.median(KEY)
    many = {f"r{i:05d}": job(i, 900.0) for i in range(200)}
    sweeps, _, _ = make(clock, many, latency=latency, max_interval_s=1_000.0)
    sweeps.peak = 200
    assert sweeps.interval() == pytest.approx(0.02 * median)  # thrift (median / 80) is smaller
    sweeps._last_pages = 3
    assert sweeps.interval() == pytest.approx(3 * median / (SWEEPS_PER_JOB * 200))  # each sweep costs three pages
    few = {f"r{i:05d}": job(i, 900.0) for i in range(4)}
    sweeps, _, _ = make(clock, few, latency=latency, max_interval_s=1_000.0)
    sweeps.count_in_flight()
    assert sweeps.peak == 4
    assert sweeps.interval() == pytest.approx(median / (SWEEPS_PER_JOB * 4))  # at most ~0.4 pages per job and median
    sweeps.peak = 8  # half the peak left: not yet the tail
    assert sweeps.interval() == pytest.approx(median / (SWEEPS_PER_JOB * 8))
    sweeps.peak = 9  # under half the peak left: the batch drains
    assert sweeps.interval() == pytest.approx(0.04 * median)


def test_sweeps_keep_within_their_share_of_the_budget():
    clock = FakeClock(1_000.0)
    sweeps, _, gateway = make(clock, by_rid(job(1, 999.0)), per_minute=6)  # a tenth of a request a second
    sweeps._last_pages = 2
    assert sweeps.interval() == pytest.approx(2 / (0.8 * 0.1))  # 80% while no submit waits
    gateway.budget.waiting = lambda priority: priority == Priority.SUBMIT  # type: ignore[method-assign]
    assert sweeps.interval() == pytest.approx(2 / (0.3 * 0.1))  # 30% while submits wait


# ---------------------------------------------------------------------- one sweep


async def test_a_sweep_looks_only_for_jobs_past_the_grace_and_reads_a_bounded_number_of_pages():
    clock = FakeClock(1_000.0)
    old = [job(i, 0.0) for i in range(150)]
    young = job(999, 999.0)
    foreign = [row(f"x{i}") for i in range(1_000)]  # none of ours: the history lags far behind
    history = History(foreign)
    latency = learned()
    sweeps, news, gateway = make(clock, by_rid(*old, young), history, latency=latency, max_interval_s=600.0)
    sweeps.peak = 151
    assert sweeps.interval() == pytest.approx(0.02 * latency.median(KEY))
    await sweeps.sweep()
    assert history.pages == [1, 2, 3, 4, 5]  # ceil(2.5 * 150 / 100) + 1 pages, then it gives up
    assert gateway.calls == [(Priority.POLL, -2.0)] * 5  # sweeps go before other polls
    assert sweeps._covered.keys() == {t.request_id for t in old}  # the young one was not looked for
    assert news.sent == [] and not sweeps.healthy
    assert sweeps.interval() == pytest.approx(5 * latency.median(KEY) / (SWEEPS_PER_JOB * 151))  # a sweep costs 5 pages


async def test_a_sweep_stops_at_the_end_of_the_history_and_at_the_last_job_it_looks_for():
    clock = FakeClock(1_000.0)
    mine = [job(i, 0.0) for i in range(3)]
    history = History([row(t.request_id or "") for t in mine] + [row(f"x{i}") for i in range(300)])
    sweeps, _, _ = make(clock, by_rid(*mine), history)
    await sweeps.sweep()
    assert history.pages == [1]
    short = History([row("x1")])  # one row: maybe all a page holds, so the next page is read, and is empty
    sweeps, _, _ = make(clock, by_rid(*mine), short)
    await sweeps.sweep()
    assert short.pages == [1, 2] and sweeps._covered.keys() == {"r00000", "r00001", "r00002"}


async def test_nothing_to_look_for_reads_nothing():
    clock = FakeClock(10.0)
    history = History([row("r00001")])
    sweeps, _, _ = make(clock, by_rid(job(1, 9.0)), history)
    await sweeps.sweep()
    assert history.pages == [] and sweeps._sweeps == 0


# ---------------------------------------------------------------------- the loop


async def test_the_loop_sweeps_on_its_cadence_and_shows_what_finished():
    clock = FakeClock(100.0)
    a, b = job(1, 0.0), job(2, 0.0)
    history = History([row("r00001", "COMPLETED"), row("r00002")])
    sweeps, news, _ = make(clock, by_rid(a, b), history)
    await run_loop(sweeps, clock, 35.0)
    assert history.pages == [1]  # one sweep: at 30% of the oldest job's age (30 s)
    assert [type(m) for m in news.sent] == [Replan, Shown] and news.sent[1].job is a


@pytest.mark.parametrize("why", ["idle", "interrupted", "no jobs", "off"])
async def test_the_loop_does_not_sweep_when_a_sweep_could_not_help(why):
    clock = FakeClock(100.0)
    history = History([row("r00001", "COMPLETED")])
    sweeps, news, _ = make(clock, {} if why == "no jobs" else by_rid(job(1, 0.0)), history)
    sweeps.idle = why == "idle"
    if why == "interrupted":
        sweeps.control.request_stop(StopReason.INTERRUPTED)
    if why == "off":
        sweeps.stop("off")
    await run_loop(sweeps, clock, 10.0 if why == "no jobs" else 300.0)  # with no jobs it looks every 0.5 s
    assert history.pages == [] and [m for m in news.sent if isinstance(m, Shown)] == []
    if why != "off":  # ... but it keeps looking, and sweeps once it could help
        sweeps.idle = False
        sweeps.control.report.stop_reason = None
        sweeps.jobs.update(by_rid(job(1, 0.0)))
        await run_loop(sweeps, clock, 300.0)
        assert history.pages != []


async def test_the_loop_waits_out_the_time_in_which_no_job_could_be_done():
    clock = FakeClock(100.0)
    latency = learned(median=1_000.0)  # the earliest of these jobs finish after ~500 s
    history = History([row("r00001", "COMPLETED")])
    sweeps, _, _ = make(clock, by_rid(job(1, 90.0)), history, latency=latency, max_interval_s=60.0)
    await run_loop(sweeps, clock, 300.0)
    assert history.pages == []
    await run_loop(sweeps, clock, 600.0)
    assert history.pages != []


async def test_a_due_sweep_is_put_off_while_too_few_finds_are_expected_and_looked_at_again_sooner():
    clock = FakeClock(99.0)
    latency = LatencyModel()
    for i in range(64):
        latency.observe(KEY, 100.0 + 99.0 * i / 63)  # jobs take 100 to 199 s
    jobs = {f"r{i:05d}": job(i, 0.0) for i in range(10)}
    history = TimedHistory(clock)
    sweeps, _, _ = make(clock, jobs, history, latency=latency, max_interval_s=600.0)
    sweeps.peak = 10
    interval = latency.median(KEY) / (SWEEPS_PER_JOB * 10)
    assert sweeps.interval() == pytest.approx(interval)  # about 38 s
    sweeps._swept_at = 130.0
    for rid in jobs:
        sweeps._covered[rid] = 130.0  # a sweep at 130 s saw none of them finished
    await run_loop(sweeps, clock, 60.0)
    # due at about 137 s, under one find expected: put off for half an interval, then it went
    assert sweeps.postponed == 1 and history.reads == [pytest.approx(99.0 + 1.5 * interval)]


async def test_listed_oldest_first_a_sweep_out_of_pages_counts_only_the_jobs_it_saw_as_looked_at():
    """Oldest first, the page budget says nothing of where a job lies: a sweep that ran out of it before
    reading back to its jobs' page did not look for them there, and a poll that finds them finished is
    not the history's fault (counted as looked at, three such polls switched sweeping off)."""
    clock = FakeClock(1_000.0)
    mine = [job(i, 0.0) for i in range(3)]
    rows = [row(f"x{i}") for i in range(200)] + [row(t.request_id or "") for t in mine]
    history = History(rows + [row(f"y{i}") for i in range(1_800)])  # ours on page 3 of 21
    sweeps, _, _ = make(clock, by_rid(*mine), history)
    order = sweeps.reconciler.order
    order.rising, order.rose = 9, {f"z{i}" for i in range(8)}  # seen listed oldest first
    await sweeps.sweep()
    assert 3 not in history.pages and len(history.pages) > 2  # the end sought, then back from it
    assert sweeps._covered == {}


@pytest.mark.parametrize("in_no_order", [False, True])
def test_sweeps_give_way_to_polls_once_they_read_more_than_eight_pages_for_each_job_they_show(caplog, in_no_order):
    """Eight pages a find; five where every sweep reads the whole history (in no order of time)."""
    clock = FakeClock(1_000.0)
    sweeps, news, _ = make(clock, by_rid(job(1, 0.0)))
    if in_no_order:
        order = sweeps.reconciler.order
        order.rising = order.falls = 100
        order.rose = {f"r{i}" for i in range(8)}
    limit = 5 if in_no_order else 8
    sweeps.hits, sweeps.pages_read = 9, 100  # too few shown to judge
    sweeps._check_cost()
    sweeps.hits, sweeps.pages_read = 10, 10 * limit  # at the limit: still cheaper than polling
    sweeps._check_cost()
    assert sweeps.sweeping and news.sent == []
    sweeps.pages_read = 10 * limit + 1
    with caplog.at_level(logging.INFO, logger="batchgen"):
        sweeps._check_cost()
    assert not sweeps.sweeping and isinstance(news.sent[-1], Replan)
    assert f"{limit} history pages for each finished job" in caplog.text
