"""History sweeps, what each one finds and when the next one goes: every finished row of ours reaches the poller
whole, what a sweep showed is never held against the history, a sweep says it is under way exactly while it is,
a shallow sweep stops at its edge, and the loop's timing edges (fake clock, no server)."""

from __future__ import annotations

import logging

import anyio
import pytest

from batchgen.api.answers import HistoryRow
from batchgen.api.paging import ListingOrder
from batchgen.clock import FakeClock
from batchgen.engine.cadence import PROBE_SWEEP_FRACTION, SWEEPS_PER_JOB
from batchgen.engine.messages import Replan, Shown
from batchgen.engine.pollplan import LatencyModel
from batchgen.engine.survival import shown_age
from batchgen.errors import NotFound, ServerError
from tests.engine.doubles import (
    SWEEP_KEY,
    HistoryPages,
    TimedHistory,
    WaitingGateway,
    by_rid,
    history_row,
    learned_latency,
    run_sweep_loop,
    sweep_stage,
    swept_job,
)


async def test_every_finished_row_of_ours_reaches_the_poller_whole_and_the_reconciler_hears_of_every_one_seen():
    clock = FakeClock(1_000.0)
    jobs = [swept_job(i, 0.0) for i in range(3)]
    rows = [history_row("r00000", "COMPLETED"), history_row("r00001", "FAILED"), history_row("r00002")]
    sweeps, news, _ = sweep_stage(clock, by_rid(*jobs), HistoryPages([history_row("x1", "COMPLETED"), *rows]))
    await sweeps.sweep()
    shown = [m for m in news.sent if isinstance(m, Shown)]
    assert [(m.job, m.row) for m in shown] == [(jobs[0], rows[0]), (jobs[1], rows[1])]
    assert sweeps.reconciler.seen == ["r00000", "r00001", "r00002"]  # type: ignore[attr-defined]
    assert sweeps.shown_done == {"r00000", "r00001"} and sweeps.hits == 2


@pytest.mark.parametrize("order", ["poll first", "sweep first"])
async def test_a_job_a_sweep_showed_finished_is_never_held_against_the_history(order):
    clock = FakeClock(1_000.0)
    a = swept_job(1, 0.0)
    sweeps, _, _ = sweep_stage(clock, by_rid(a), HistoryPages([history_row("r00001", "COMPLETED")]))
    if order == "poll first":
        sweeps.poll_found_done("r00001")
    await sweeps.sweep()
    if order == "sweep first":
        sweeps.poll_found_done("r00001")
    sweeps.judge(a, finished_at=500.0)  # it had finished long before this sweep began
    assert sweeps.missed == 0 and sweeps.found_by_poll == set()


async def test_a_sweep_says_it_is_under_way_exactly_while_it_waits_for_or_reads_the_history():
    clock = FakeClock(1_000.0)
    pending: list[bool] = []

    class Watched(HistoryPages):
        async def history(self, *, page: int, per_page: int) -> list[HistoryRow]:
            pending.append(sweeps.pending)
            return await super().history(page=page, per_page=per_page)

    sweeps, _, _ = sweep_stage(clock, by_rid(swept_job(1, 0.0)), Watched([history_row("x1")]))
    assert sweeps.pending is False  # no sweep yet: first polls are not held for one
    await sweeps.sweep()
    assert pending == [True, True] and sweeps.pending is False  # one row, then the empty page past it


async def test_a_history_that_answers_it_is_not_there_stops_the_sweeps_for_the_run_and_says_why(caplog):
    clock = FakeClock(1_000.0)
    history = HistoryPages([], error=NotFound("HTTP 404: Not Found", status=404))
    sweeps, news, _ = sweep_stage(clock, by_rid(swept_job(1, 0.0)), history)
    with caplog.at_level(logging.INFO, logger="batchgen"):
        await sweeps.sweep()
    assert [r.getMessage() for r in caplog.records] == [
        "history sweeps are off for this run: the request history could not be read (HTTP 404: Not Found); polling "
        "each job instead"
    ]
    assert not sweeps.sweeping and sweeps._resume_at is None and isinstance(news.sent[-1], Replan)


async def test_a_history_read_that_fails_for_now_pauses_the_sweeps_longer_each_time_until_one_shows_our_jobs(caplog):
    """A 503 past the gateway's retries: jobs are polled meanwhile, and the history is read again 60 s on, 120 s
    after a second failure in a row; once a sweep shows our jobs, they are its again and the pause starts over."""
    clock = FakeClock(1_000.0)
    job = swept_job(1, 0.0)
    history = HistoryPages([history_row(job.request_id or "")], error=ServerError("HTTP 503", status=503))
    sweeps, news, _ = sweep_stage(clock, by_rid(job), history)
    sweeps.healthy = True  # sweeps had shown our jobs
    with caplog.at_level(logging.INFO, logger="batchgen"):
        await sweeps.sweep()
        assert not sweeps.sweeping and not sweeps.working and isinstance(news.sent[-1], Replan)
        assert sweeps._resume_at == pytest.approx(1_060.0)
        clock.now_s = 1_060.0
        await sweeps._paused()
        assert sweeps.sweeping and not sweeps.healthy  # sweeping again, polled as at the start until one shows them
        await sweeps.sweep()
        assert sweeps._resume_at == pytest.approx(1_180.0)  # twice the pause
        clock.now_s = 1_180.0
        await sweeps._paused()
        history.error = None
        await sweeps.sweep()
    assert sweeps.working and isinstance(news.sent[-1], Replan)  # polls are the sparse safety net again
    said = [r.getMessage() for r in caplog.records]
    assert said == [
        "history sweeps pause: the request history could not be read (HTTP 503); polling each job instead, and "
        "reading it again in 60 s",
        "history sweeps pause: the request history could not be read (HTTP 503); polling each job instead, and "
        "reading it again in 120 s",
        "the request history answers again: history sweeps are back on",
    ]
    history.error = ServerError("HTTP 503", status=503)
    await sweeps.sweep()
    assert sweeps._resume_at == pytest.approx(1_240.0)  # a new spell: 60 s again


async def test_sweeps_stopped_for_good_while_paused_do_not_start_again():
    clock = FakeClock(1_000.0)
    history = HistoryPages([], error=ServerError("HTTP 503", status=503))
    sweeps, _, _ = sweep_stage(clock, by_rid(swept_job(1, 0.0)), history)
    await sweeps.sweep()
    sweeps.stop("the request history did not show jobs that had finished")
    clock.now_s = 1_060.0
    with anyio.fail_after(5):
        await sweeps.loop()  # returns at once: nothing left to wait for
    assert not sweeps.sweeping and sweeps._resume_at is None


async def test_a_shallow_sweep_stops_with_a_tenth_unseen_and_covers_only_what_it_saw():
    clock = FakeClock(1_000.0)
    jobs = [swept_job(i, 0.0) for i in range(20)]
    seen = [history_row(t.request_id or "") for t in jobs[:18]]
    later = [history_row(t.request_id or "") for t in jobs[18:]]
    history = HistoryPages(seen + [history_row(f"x{i}") for i in range(82)] + later)
    sweeps, _, _ = sweep_stage(clock, by_rid(*jobs), history)
    await sweeps.sweep()
    assert history.pages == [1]  # two of twenty unseen: a tenth, so it stops
    assert set(sweeps._covered) == {t.request_id for t in jobs[:18]}


class FivePerPage(HistoryPages):
    """A server that serves five rows a page, whatever is asked."""

    async def history(self, *, page: int, per_page: int) -> list[HistoryRow]:
        return await super().history(page=page, per_page=5)


async def test_a_sweep_reads_past_the_requests_of_ours_sent_after_the_job_it_looks_for():
    """Five rows a page.  The one job looked for was sent before twelve more requests of ours (younger, or
    finished), so it lies on the third page: a budget of pages for one job (two) would stop above it and
    count it looked for and not shown, and a poll that then found it finished would be held against the
    history.  Twelve of ours listed above it are worth the pages that show it."""
    clock = FakeClock(1_000.0)
    old = swept_job(1, 0.0)
    newer = [f"n{i}" for i in range(12)]
    history = FivePerPage([history_row(rid) for rid in newer] + [history_row(old.request_id or "")])
    sweeps, _, _ = sweep_stage(clock, by_rid(old), history)
    sent = {old.request_id or "": 100.0, **{rid: 200.0 + i for i, rid in enumerate(newer)}}
    sweeps.reconciler.order = ListingOrder({}, sent)
    await sweeps.sweep()
    assert history.pages == [1, 2, 3]
    assert set(sweeps._covered) == {old.request_id}
    assert sweeps._unfinished_at == {old.request_id: 1_000.0}  # seen, and seen unfinished


async def test_a_sweep_looks_for_every_job_older_than_two_intervals():
    clock = FakeClock(100.0)
    old, middle = swept_job(1, 0.0), swept_job(2, 30.0)
    sweeps, _, _ = sweep_stage(clock, by_rid(old, middle), HistoryPages([]), max_interval_s=600.0)
    assert sweeps.interval() == pytest.approx(PROBE_SWEEP_FRACTION * 100.0)  # a share of the oldest job's age
    await sweeps.sweep()
    assert set(sweeps._covered) == {"r00001", "r00002"}  # 70 s old, past the grace of two intervals (60 s)


# ---------------------------------------------------------------------- cadence


def test_one_job_alone_costs_at_most_about_sweeps_per_job_pages_per_median():
    clock = FakeClock(1_000.0)
    latency = learned_latency()
    sweeps, _, _ = sweep_stage(clock, by_rid(swept_job(1, 900.0)), latency=latency, max_interval_s=10_000.0)
    sweeps.count_in_flight()
    assert sweeps.peak == 1 and sweeps.interval() == pytest.approx(latency.median(SWEEP_KEY) / SWEEPS_PER_JOB)


def test_a_sweep_of_one_page_is_afforded_within_its_share_of_the_budget():
    clock = FakeClock(1_000.0)
    sweeps, _, _ = sweep_stage(clock, by_rid(swept_job(1, 999.0)), per_minute=6)
    assert sweeps.interval() == pytest.approx(1 / (0.8 * 0.1))


def test_a_straggler_counts_as_one_expected_find_and_one_is_enough_for_ten_jobs():
    clock = FakeClock(10_000.0)
    latency = learned_latency(median=100.0)  # every recent job took 50 to 150 s
    jobs = {f"r{i:05d}": swept_job(i, 9_990.0) for i in range(9)}  # young: none could be done yet
    straggler = swept_job(99, 0.0)
    jobs[straggler.request_id or ""] = straggler
    sweeps, _, _ = sweep_stage(clock, jobs, latency=latency, max_interval_s=60.0)
    sweeps.peak = 10
    sweeps._swept_at = 9_990.0  # swept 10 s ago: the longest gap has not passed
    sweeps._covered[straggler.request_id or ""] = 5_000.0  # last looked for 50 medians ago
    assert sweeps.expected_finds(10_000.0) == 1.0
    assert sweeps.likely_to_find(10_000.0)  # one find expected of ten jobs in flight: enough


def test_with_half_the_peak_left_a_due_sweep_still_waits_for_finds_and_goes_once_the_longest_gap_has_passed():
    clock = FakeClock(10_000.0)
    latency = learned_latency(median=100.0)
    jobs = {f"r{i:05d}": swept_job(i, 9_990.0) for i in range(5)}
    sweeps, _, _ = sweep_stage(clock, jobs, latency=latency, max_interval_s=60.0)
    sweeps.peak = 10  # half the peak left: not yet the batch draining
    sweeps._swept_at = 10_000.0 - 59.0
    assert not sweeps.likely_to_find(10_000.0)
    sweeps._swept_at = 10_000.0 - 60.0  # exactly the longest gap since the last sweep
    assert sweeps.likely_to_find(10_000.0)


# ---------------------------------------------------------------------- the loop


async def test_a_loop_that_began_with_nothing_to_look_for_sweeps_once_jobs_arrive():
    clock = FakeClock(100.0)
    history = HistoryPages([history_row("r00001", "COMPLETED")])
    sweeps, news, _ = sweep_stage(clock, {}, history)
    jobs = sweeps.jobs

    async def later() -> None:
        await clock.sleep(5.0)
        jobs.update(by_rid(swept_job(1, 0.0)))

    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(sweeps.loop)
        tg.start_soon(later)
        await clock.sleep(60.0)
        tg.cancel_scope.cancel()
    assert history.pages != [] and any(isinstance(m, Shown) for m in news.sent)


async def test_sweeps_switched_off_while_the_loop_waits_read_nothing_more():
    clock = FakeClock(100.0)
    history = HistoryPages([history_row("r00001")])
    sweeps, news, _ = sweep_stage(clock, by_rid(swept_job(1, 0.0)), history)
    wait = sweeps.interval()

    async def stop_soon() -> None:
        await clock.sleep(wait / 2)
        sweeps.stop("the request history misses too many finished jobs")

    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(sweeps.loop)
        tg.start_soon(stop_soon)
        await clock.sleep(300.0)
        tg.cancel_scope.cancel()
    assert history.pages == [] and news.sent == [Replan()]


@pytest.mark.parametrize(("first_done_in", "swept_at"), [(0.0, 110.0), (0.5, 110.5)])
async def test_a_sweep_goes_the_moment_a_job_could_be_done_and_not_before(first_done_in, swept_at):
    clock = FakeClock(100.0)
    latency = LatencyModel()
    for _ in range(8):
        latency.observe(SWEEP_KEY, 45.0)  # every job of this kind takes 45 s (a fifth of it under 10 s)
    history = TimedHistory(clock)
    job = swept_job(1, 0.0)
    sweeps, _, _ = sweep_stage(clock, by_rid(job), history, latency=latency, max_interval_s=10.0)
    assert sweeps.interval() == 10.0  # the loop looks at 110 s first; quiet until the job could be done
    job.submitted_at = 110.0 - 45.0 + first_done_in  # done at the earliest at 110 s, or half a second later
    await run_sweep_loop(sweeps, clock, 150.0)
    assert history.reads[:1] == [swept_at]


async def test_a_finish_a_sweep_shows_sets_the_pace_at_once_before_the_poller_teaches_the_model():
    # three jobs of a kind never seen finish, 100 s old: sweeps probe at 30% of the oldest's age
    clock = FakeClock(100.0)
    jobs = [swept_job(i, 0.0) for i in range(3)]
    sweeps, _, _ = sweep_stage(clock, by_rid(*jobs), max_interval_s=10_000.0)
    sweeps.peak = 3
    assert sweeps.interval() == pytest.approx(PROBE_SWEEP_FRACTION * 100.0)
    done = HistoryRow("r00000", "kling-text2video", "COMPLETED", {}, "http://127.0.0.1:9/a.mp4", 0.28, None, None, 40.0)
    sweeps.api = HistoryPages([done, history_row("r00001"), history_row("r00002")])  # type: ignore[assignment]
    await sweeps.sweep()
    del sweeps.jobs["r00000"]  # as the poller untracks it; the model has learned nothing yet
    assert sweeps.latency.fastest(SWEEP_KEY) is None
    # the 40-s finish stands for the kind's median at once: a sweep finds ~SWEEPS_PER_JOB x 3 jobs a median
    assert sweeps.interval() == pytest.approx(40.0 / (SWEEPS_PER_JOB * 3))


def test_a_finish_shown_without_a_measure_counts_from_the_middle_of_what_the_sweeps_saw():
    job = swept_job(1, 10.0)
    row = history_row("r00001", "COMPLETED")
    assert shown_age(job, row, unfinished_at=50.0, shown_at=70.0) == pytest.approx(50.0)  # 40 to 60 s old
    measured = HistoryRow("r00001", "m", "COMPLETED", {}, None, None, None, None, 5.0)  # a clock out of step
    assert shown_age(job, measured, unfinished_at=50.0, shown_at=70.0) == pytest.approx(40.0)  # kept in bounds
    polled = swept_job(2, 0.0)
    polled.pending_age = 90.0  # a poll saw it unfinished at 90 s; no sweep had listed it
    tiny = HistoryRow("r00002", "m", "COMPLETED", {}, None, None, None, None, 0.001)
    assert shown_age(polled, tiny, unfinished_at=None, shown_at=100.0) == pytest.approx(90.0)


async def test_a_job_shown_unfinished_was_so_when_its_page_went_not_when_the_sweep_began():
    """A sweep begins at 1,000 s; its page waits 40 s for the budget, then goes.  The server read the row after
    that, so the job was unfinished at 1,040 s: taken from the sweep's begin, its finish would be bounded 40 s
    too early, and every learned time drawn low by the budget's waits."""
    clock = FakeClock(1_000.0)
    job = swept_job(1, 0.0)
    history = HistoryPages([history_row(job.request_id or "")])
    sweeps, news, passing = sweep_stage(clock, by_rid(job), history)
    sweeps.gateway = WaitingGateway(clock, passing.budget)  # type: ignore[assignment]
    await sweeps.sweep()
    assert sweeps.shown_unfinished(job.request_id or "") == pytest.approx(1_040.0)
    clock.now_s = 1_300.0
    history.rows = [history_row(job.request_id or "", "COMPLETED")]
    await sweeps.sweep()
    (shown,) = [m for m in news.sent if isinstance(m, Shown)]
    assert shown.unfinished_at == pytest.approx(1_040.0) and shown.shown_at == pytest.approx(1_342.0)
