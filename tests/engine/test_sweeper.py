"""History sweeps at unit level: when they run, how far they read, what they judge (fake clock, no server)."""

from __future__ import annotations

import logging
import math
import random
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from batchgen.api.answers import HistoryRow
from batchgen.api.gateway import Gateway as RealGateway
from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.engine.cadence import LONGEST_GAP_FRACTION
from batchgen.engine.messages import Replan, Shown
from batchgen.engine.poller import Poller
from batchgen.engine.pollplan import SCOUTS, LatencyModel, PollPlan, latency_key
from batchgen.engine.sweeper import DEEP_EVERY, Sweeper
from batchgen.jobs import JobSpec, TrackedJob
from batchgen.retry import RetryPolicy
from tests.engine.doubles import SeenRows
from tests.engine.doubles import history_row as row
from tests.engine.doubles import swept_job as job
from tests.helpers import Outbox, schedule_poller

MODEL = "kling-text2video"


class History:
    """Pages of the request history, newest first; counts the pages read."""

    def __init__(self, rows: list[HistoryRow]) -> None:
        self.rows = rows
        self.pages: list[int] = []

    async def history(self, *, page: int, per_page: int) -> list[HistoryRow]:
        self.pages.append(page)
        return self.rows[(page - 1) * per_page : page * per_page]


class ShortPages(History):
    """Five rows a page whatever was asked for, and nothing said of it."""

    async def history(self, *, page: int, per_page: int) -> list[HistoryRow]:
        return await super().history(page=page, per_page=min(per_page, 5))


class SlowHistory(History):
    """Pages that take ``seconds`` of the fake clock to come back (the round trip), noting when each was sent."""

    def __init__(self, rows: list[HistoryRow], clock: FakeClock, seconds: float) -> None:
        super().__init__(rows)
        self.clock, self.seconds = clock, seconds
        self.sent: list[float] = []

    async def history(self, *, page: int, per_page: int) -> list[HistoryRow]:
        self.sent.append(self.clock.now())
        await self.clock.sleep(self.seconds)
        return await super().history(page=page, per_page=per_page)


class Gateway:
    def __init__(self, clock: FakeClock) -> None:
        self.budget = RequestBudget(6000, clock=clock)

    async def call(self, priority: Any, fn: Any, **_: Any) -> Any:
        return await fn()


def sweeper(
    clock: FakeClock,
    jobs: dict[str, TrackedJob],
    history: History,
    latency: LatencyModel | None = None,
    gateway: Any = None,
) -> tuple[Sweeper, Outbox]:
    news = Outbox()
    sweeps = Sweeper(
        jobs=jobs, gateway=gateway or Gateway(clock), api=history, latency=latency or LatencyModel(),  # type: ignore[arg-type]
        reconciler=SeenRows(),  # type: ignore[arg-type]
        control=SimpleNamespace(interrupted=False),  # type: ignore[arg-type]
        clock=clock, min_interval_s=2.0, max_interval_s=60.0, news=news,  # type: ignore[arg-type]
    )  # fmt: skip
    return sweeps, news


async def test_a_straggler_far_down_the_history_is_read_for_only_by_every_fourth_sweep():
    clock = FakeClock(10_000.0)
    # 150 jobs in flight: 149 recent ones on the first page, one straggler three pages down.
    recent = [job(i, 9_000.0) for i in range(149)]
    straggler = job(999, 5_000.0)
    jobs = {j.request_id or "": j for j in [straggler, *recent]}
    others = [row(f"x{i}", "COMPLETED") for i in range(200)]
    rows = [row(j.request_id or "") for j in recent[:99]] + [row(j.request_id or "") for j in recent[99:]] + others
    rows += [row("r00999")]
    history = History(rows)
    sweeps, _ = sweeper(clock, jobs, history)
    reads = []
    for _ in range(DEEP_EVERY):
        history.pages.clear()
        await sweeps.sweep()
        reads.append(len(history.pages))
    assert reads[: DEEP_EVERY - 1] == [2] * (DEEP_EVERY - 1)  # the two pages that hold 149 of the 150
    assert reads[-1] == 4  # the deep one reads on to the straggler
    assert sweeps.healthy


async def test_a_poll_that_finds_a_job_done_counts_against_the_history_only_if_a_sweep_looked_far_enough():
    clock = FakeClock(10_000.0)
    recent = [job(i, 9_000.0) for i in range(149)]
    straggler = job(999, 5_000.0)
    jobs = {j.request_id or "": j for j in [straggler, *recent]}
    rows = [row(j.request_id or "") for j in recent] + [row(f"x{i}", "COMPLETED") for i in range(200)]
    rows += [row("r00999")]  # the history still shows it unfinished
    sweeps, _ = sweeper(clock, jobs, History(rows))
    await sweeps.sweep()  # shallow: stops before the straggler's page
    sweeps.poll_found_done("r00999")
    sweeps.judge(straggler, finished_at=9_500.0)
    assert sweeps.missed == 0  # no sweep looked that far after it finished
    for _ in range(DEEP_EVERY - 1):
        await sweeps.sweep()  # the last of these is deep
    sweeps.poll_found_done("r00999")
    sweeps.judge(straggler, finished_at=9_500.0)
    assert sweeps.missed == 1


def test_with_a_lag_kept_to_a_poll_find_is_the_historys_miss_only_past_that_lag():
    # sweeps went on behind a history 30 s late: a sweep that began 10 s after a job finished and showed it
    # unfinished saw the account as it was before that finish, and missed nothing; one 40 s after did miss it
    clock = FakeClock(1_000.0)
    a, b = job(1, 0.0), job(2, 0.0)
    sweeps, _ = sweeper(clock, {"r00001": a, "r00002": b}, History([]))
    sweeps._lag_kept = 30.0
    for late, found in ((10.0, a), (40.0, b)):
        sweeps._covered[found.request_id or ""] = 500.0 + late
        sweeps.poll_found_done(found.request_id or "")
        sweeps.judge(found, finished_at=500.0)
    assert sweeps.missed == 1


def test_a_lag_kept_to_is_said_once_however_often_a_later_show_is_later_still(caplog):
    # many slots and a request budget polls would spend: sweeps go on behind a lag that grows from 2 s to 5 s
    clock = FakeClock(1_000.0)
    sweeps, _ = sweeper(clock, {}, History([]))
    sweeps.peak, sweeps.gateway.budget.limit = 200, 20.0  # 20 requests a minute
    key = latency_key(job(1, 0.0).spec)
    with caplog.at_level(logging.INFO, logger="batchgen"):
        for worst in (2.0, 3.0, 5.0):
            sweeps.lag.worst = worst
            assert sweeps._lag_pays(key)
    assert [r.getMessage()[:60] for r in caplog.records] == [
        "the request history shows finished jobs up to 2 s late; hist"
    ]
    assert sweeps._lag_kept == 5.0  # misses are judged past the latest lag all the same


def test_sweeps_kept_behind_a_lag_go_on_while_they_promise_no_fewer_videos_than_polls():
    # budget-bound at 50 requests a minute: polls make 1200 videos an hour; sweeps, with the pages a find took
    clock = FakeClock(1_000.0)
    sweeps, _ = sweeper(clock, {}, History([]))
    sweeps.peak, sweeps.gateway.budget.limit = 400, 50.0
    sweeps.lag.worst, sweeps.hits = 5.0, 10
    key = latency_key(job(1, 0.0).spec)
    kept = []
    for pages in (12, 8, 12, 20):  # 1364, 1667, 1364 and 1000 videos an hour
        sweeps.pages_read = pages
        kept.append(sweeps._lag_pays(key))
    # short of the margin at first: not kept; past it: kept, and kept still where a later reckoning falls short
    # of the margin but not of polls (one low reckoning from few finds must not end them for good)
    assert kept == [False, True, True, False]


async def test_no_sweep_while_no_job_could_be_done_yet():
    clock = FakeClock(1_000.0)
    latency = LatencyModel()
    for _ in range(10):
        latency.observe((MODEL, "", 5), 300.0)
    young = job(1, 990.0)
    sweeps, _ = sweeper(clock, {young.request_id or "": young}, History([]), latency)
    earliest = latency.quantile(latency_key(young.spec), 0.02)
    assert sweeps.quiet_until() == pytest.approx(990.0 + earliest)  # nothing to find before then
    unknown = job(2, 999.0)
    unknown.spec = JobSpec("k", "kling-1.6-text2video", {"prompt": "x"})
    sweeps.jobs[unknown.request_id or ""] = unknown
    assert sweeps.quiet_until() == float("-inf")  # a kind not learned could be done any time


def scheduled(poller: Poller, tracked: TrackedJob) -> float:
    return min(at for at, _, token, j in poller._heap if j is tracked and token == j.poll_token)


def poller_with(clock: FakeClock) -> Poller:
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0)
    return schedule_poller(clock, RequestBudget(6000, clock=clock), plan)


def test_while_sweeps_work_only_a_few_scouts_of_a_kind_not_learned_get_safety_net_polls():
    clock = FakeClock(1_000.0)
    poller = poller_with(clock)
    poller.sweeper.healthy = True  # the history has shown our jobs
    jobs = [job(i, 1_000.0) for i in range(10)]
    for tracked in jobs:
        poller.track(tracked)
    soon = [t for t in jobs if scheduled(poller, t) <= 1_000.0 + 2**SCOUTS * 10 * 60.0]  # in turn
    assert len(soon) == SCOUTS
    assert all(scheduled(poller, t) == pytest.approx(1_000.0 + 3000.0) for t in jobs if t not in soon)  # the guard
    poller.sweeper.stop("the request history misses too many finished jobs")
    assert poller.sweeper._news.sent == [Replan()]  # type: ignore[attr-defined]  # the sweeper tells the poller
    poller.hear(Replan())
    assert all(scheduled(poller, t) <= 1_000.0 + 60.0 for t in jobs)  # ... which polls every job again


def test_the_last_job_in_flight_is_polled_not_swept_once_polls_bring_results():
    clock = FakeClock(1_000.0)
    poller = poller_with(clock)
    poller.sweeper.healthy = True
    for _ in range(10):
        poller.latency.observe((MODEL, "", 5), 300.0)
    first, last = job(1, 900.0), job(2, 900.0)
    poller.track(first)
    poller.track(last)
    assert scheduled(poller, last) == pytest.approx(900.0 + 2 * 300.0)  # two in flight: polled only once late
    assert not poller.polls_beat_sweeps()
    poller.result_polls = True
    poller.untrack(first)
    assert poller.polls_beat_sweeps()
    assert scheduled(poller, last) == pytest.approx(900.0 + 300.0)  # planned again: when jobs like it finish


def learned_uniform(low: float = 100.0, high: float = 199.0) -> LatencyModel:
    """A kind learned to take ``low`` to ``high`` seconds, evenly spread (64 samples)."""
    latency = LatencyModel()
    for i in range(64):
        latency.observe((MODEL, "", 5), low + (high - low) * i / 63)
    return latency


def test_the_expected_finds_count_each_job_from_when_a_sweep_last_looked_for_it():
    clock = FakeClock(150.0)
    latency = learned_uniform()
    a, b = job(1, 0.0), job(2, 0.0)
    sweeps, _ = sweeper(clock, {"r00001": a, "r00002": b}, History([]), latency)
    key = latency_key(a.spec)
    half = latency.likelihood_done(key, 150.0)
    assert sweeps.expected_finds(150.0) == pytest.approx(2 * half)  # never looked for: from their submit
    sweeps._covered["r00001"] = 140.0  # a sweep looked for job 1 at 140 s and did not see it finished
    before = latency.likelihood_done(key, 140.0)
    job1 = (half - before) / (1 - before)  # from 140 s on, as the samples say
    two = sweeps.expected_finds(150.0)
    assert two is not None
    # job 2, never looked for, counts from its submit; job 1 still running at 140 s is one more job
    # that had not finished by then, so job 2's chance is a little below the samples' share
    assert half - 1 / 64 < two - job1 < half
    straggler = job(3, -300.0)  # older than every sample, last looked for 20 s ago: 20 s of a ~150-s median
    sweeps.jobs["r00003"] = straggler
    sweeps._covered["r00003"] = 130.0
    three = sweeps.expected_finds(150.0)
    assert three is not None and three > two
    # past the samples' last span it counts at one finish per median since it was last looked for
    alone, _ = sweeper(clock, {"r00003": straggler}, History([]), latency)
    alone._covered["r00003"] = 130.0
    assert alone.expected_finds(150.0) == pytest.approx(1 - math.exp(-20.0 / latency.median(key)))
    unknown = job(4, 100.0)
    unknown.spec = JobSpec("k", "kling-1.6-text2video", {"prompt": "x"})
    sweeps.jobs["r00004"] = unknown
    assert sweeps.expected_finds(150.0) is None  # a kind not learned: no expectation


def test_a_due_sweep_waits_until_the_model_expects_finds():
    clock = FakeClock(0.0)
    latency = learned_uniform()
    jobs = {f"r{i:05d}": job(i, 0.0) for i in range(10)}
    sweeps, _ = sweeper(clock, jobs, History([]), latency)
    sweeps.peak = 10
    sweeps._swept_at = 100.0  # swept a second ago
    assert sweeps.expected_finds(101.0) == pytest.approx(10 * latency.likelihood_done((MODEL, "", 5), 101.0))
    assert not sweeps.likely_to_find(101.0)  # a fraction of a job likely done: not worth a request yet
    assert sweeps.likely_to_find(120.0)  # about 2 of 10: past a tenth of those in flight
    sweeps._swept_at = 110.0
    for rid in jobs:
        sweeps._covered[rid] = 110.0  # a sweep at 110 s saw none of them finished
    assert not sweeps.likely_to_find(115.0)
    assert sweeps.likely_to_find(110.0 + sweeps.max_interval_s)  # never more than max_interval_s apart
    sweeps.peak = 30  # 10 of a peak of 30 left: the batch drains, each job's delay is the batch's
    assert sweeps.likely_to_find(115.0)


async def test_a_batch_swept_when_finds_are_expected_costs_fewer_pages_and_every_job_is_found():
    """A fake server whose jobs take 100-199 s: the same batch swept on the cadence alone, then only when
    the model expects finds.  Every job is found both ways; the second reads fewer pages."""

    async def run(gated: bool) -> tuple[int, int]:
        clock = FakeClock(99.0)  # from the earliest finish on (before it, no sweep goes either way)
        latency = learned_uniform()
        finish = {f"r{i:05d}": 100.0 + (i * 37 % 100) for i in range(40)}
        jobs = {rid: job(i, 0.0) for i, rid in enumerate(finish)}
        history = History([])
        sweeps, news = sweeper(clock, jobs, history, latency)
        sweeps.peak = len(jobs)
        if not gated:
            sweeps.likely_to_find = lambda now: True  # type: ignore[method-assign]
        found = 0
        while jobs:
            clock.now_s += 0.5
            now = clock.now()
            history.rows = [row(rid, "COMPLETED" if finish[rid] <= now else "PROCESSING") for rid in finish]
            if now - sweeps._swept_at >= 2.0 and sweeps.likely_to_find(now):  # the cadence: every 2 s
                await sweeps.sweep()
                done = [m.job.request_id or "" for m in news.sent if isinstance(m, Shown)]
                for rid in done[found:]:
                    jobs.pop(rid)
                    sweeps.forget(rid)
                found = len(done)
        return len(history.pages), found

    plain, found_plain = await run(gated=False)
    gated, found_gated = await run(gated=True)
    assert found_plain == found_gated == 40
    assert gated < 0.8 * plain


def test_with_one_job_in_flight_a_sweep_waits_for_a_tenth_of_a_chance_not_for_one_and_a_half_finds():
    clock = FakeClock(0.0)
    latency = learned_uniform()
    sweeps, _ = sweeper(clock, {"r00001": job(1, 0.0)}, History([]), latency)
    sweeps._swept_at = 100.0
    assert not sweeps.likely_to_find(101.0)
    assert sweeps.likely_to_find(112.0)  # 12 s into a 100-s spread: more than a tenth


def test_sweeps_of_jobs_far_longer_than_max_interval_come_at_least_every_fifth_of_their_median():
    """max_interval_s of 2 s against jobs learned to take 100-199 s: a due sweep still waits for the finds
    the model expects, up to a fifth of the median since the last sweep (not 2 s, when each sweep would
    find a fraction of a job); with max_interval_s above that fifth, max_interval_s stays the bound."""
    clock = FakeClock(0.0)
    latency = learned_uniform()
    jobs = {f"r{i:05d}": job(i, 0.0) for i in range(10)}
    sweeps, _ = sweeper(clock, jobs, History([]), latency)
    sweeps.max_interval_s = 2.0
    sweeps.peak = 10
    median = latency.median((MODEL, "", 5))
    assert sweeps.longest_gap() == pytest.approx(LONGEST_GAP_FRACTION * median)
    sweeps._swept_at = 110.0
    for rid in jobs:
        sweeps._covered[rid] = 110.0  # a sweep at 110 s saw none of them finished
    assert not sweeps.likely_to_find(110.0 + 2.0)  # past max_interval_s, too few finds expected
    assert sweeps.likely_to_find(110.0 + LONGEST_GAP_FRACTION * median)
    assert sweeps.interval() <= LONGEST_GAP_FRACTION * median
    sweeps.max_interval_s = 60.0
    assert sweeps.longest_gap() == 60.0
    unknown = job(1, 0.0)  # a kind not learned: max_interval_s, whatever else is known
    unknown.spec = JobSpec("k", "kling-1.6-text2video", {"prompt": "x"})
    alone, _ = sweeper(clock, {"r00001": unknown}, History([]), latency)
    alone.max_interval_s = 2.0
    assert alone.longest_gap() == 2.0


def made(i: int, sent: float, known: float) -> TrackedJob:
    """Job ``i`` sent at ``sent`` and known made (its submit's answer) at ``known``."""
    tracked = job(i, known)
    tracked.sent_at, tracked.made_by = sent, known
    return tracked


async def test_a_sweep_reads_past_pages_shorter_than_asked_for():
    # Twelve jobs in flight, five rows a page: the first page is not the history's end.
    clock = FakeClock(10_000.0)
    jobs = {j.request_id or "": j for j in (made(i, 9_000.0 + i, 9_000.5 + i) for i in range(12))}
    history = ShortPages([row(rid, "COMPLETED") for rid in reversed(jobs)])
    sweeps, news = sweeper(clock, jobs, history)
    await sweeps.sweep()
    assert history.pages == [1, 2, 3]
    assert {m.job.request_id for m in news.sent if isinstance(m, Shown)} == set(jobs)  # every one shown
    assert sweeps.paging.longest == 5


async def test_a_sweep_stops_once_the_jobs_it_has_not_seen_were_sent_after_one_it_saw_was_made():
    # The history lags: the five newest jobs are not listed yet.  Each was sent after the oldest job the
    # first page shows was made, so it would have been listed above that one: no further page is read.
    clock = FakeClock(10_000.0)
    listed = [made(i, 9_000.0 + i, 9_000.5 + i) for i in range(5)]
    unlisted = [made(i, 9_100.0 + i, 9_100.5 + i) for i in range(5, 10)]
    jobs = {j.request_id or "": j for j in listed + unlisted}
    older = [row(f"x{i}", "COMPLETED") for i in range(20)]  # someone's earlier requests, further down
    history = ShortPages([row(j.request_id or "") for j in reversed(listed)] + older)
    sweeps, _ = sweeper(clock, jobs, history)
    await sweeps.sweep()
    assert history.pages == [1]
    # One of them sent before the first page's jobs were made (a resumed job: not known) may lie below
    unlisted[0].sent_at = None
    history.pages.clear()
    await sweeps.sweep()
    assert history.pages == [1, 2, 3, 4, 5, 6]  # to the first page shorter than five: the end


class SlowPageStage:
    """Three jobs in flight, ten requests a second, history pages that take 0.3 s to come back; each submit sent
    through the budget notes when it went."""

    def __init__(self) -> None:
        self.clock = clock = FakeClock(10_000.0)
        self.gateway = RealGateway(
            RequestBudget(600, clock=clock), RetryPolicy(RetrySettings(), rng=random.Random(1)), clock
        )
        jobs = {j.request_id or "": j for j in (made(i, 9_000.0 + i, 9_000.5 + i) for i in range(3))}
        self.history = SlowHistory([row(rid) for rid in reversed(jobs)], clock, 0.3)
        self.sweeps, _ = sweeper(clock, jobs, self.history, gateway=self.gateway)
        self.submits: list[float] = []

    async def submit(self) -> None:
        await self.gateway.call(Priority.SUBMIT, self._sent)

    async def _sent(self) -> None:
        self.submits.append(self.clock.now())


async def test_a_sweeps_page_goes_ahead_of_the_submits_that_would_fill_the_slots_within_its_round_trip():
    # Ten requests a second; a page of the history takes 0.3 s to come back.  Eight submits wait for the budget,
    # each holding a slot: sent behind them, the page would be answered 0.3 s after the last slot was taken,
    # the budget idle meanwhile.  It goes once the submits left would take the budget for its round trip.
    s = SlowPageStage()
    async with s.clock.autojump():
        await s.sweeps.sweep()  # nothing waits: the page goes at once, and its round trip is learned
        assert s.history.sent == [10_000.0] and s.clock.now() == pytest.approx(10_000.3)
        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(s.submit)
            await anyio.lowlevel.checkpoint()  # (they wait in the budget's queue)
            await s.sweeps.sweep()
    page = s.history.sent[-1]
    assert len(s.submits) == 8
    assert 2 <= sum(at > page for at in s.submits) <= 4  # the page went before the last of them, not after all


async def test_a_sweep_begun_with_no_submit_waiting_lets_the_submits_that_ask_later_go_first():
    # No submit waits when the sweep begins (a cap on jobs in flight holds them, or every slot is taken): nothing
    # fills the slots before its answer, so it waits for the budget as a poll, and submits that ask meanwhile go
    # first.  Put ahead of them, sweeps went as often as the cadence allowed, and in a tight budget took the
    # requests the polls of records about to die needed.
    s = SlowPageStage()
    s.sweeps._page_trip.add(0.3)  # a page's round trip, learned
    await s.submit()  # the budget's token: the next call waits a tenth of a second
    async with anyio.create_task_group() as tg:
        tg.start_soon(s.sweeps.sweep)
        await anyio.wait_all_tasks_blocked()
        for _ in range(3):
            tg.start_soon(s.submit)
        await anyio.wait_all_tasks_blocked()
        for _ in range(20):
            s.clock.advance(0.1)
            await anyio.wait_all_tasks_blocked()
    assert len(s.submits) == 4 and len(s.history.sent) == 1
    assert all(at < s.history.sent[0] for at in s.submits)


async def test_in_a_history_shown_not_newest_first_a_sweep_reads_on_past_the_jobs_it_saw():
    # As above, but a row made later than one listed above it was read: no row's place proves anything
    clock = FakeClock(10_000.0)
    listed = [made(i, 9_000.0 + i, 9_000.5 + i) for i in range(5)]
    unlisted = [made(i, 9_100.0 + i, 9_100.5 + i) for i in range(5, 10)]
    jobs = {j.request_id or "": j for j in listed + unlisted}
    older = [row(f"x{i}", "COMPLETED") for i in range(20)]
    history = ShortPages([row(j.request_id or "") for j in reversed(listed)] + older)
    sweeps, _ = sweeper(clock, jobs, history)
    sweeps.reconciler.order.found("request x was made after one listed above it")
    await sweeps.sweep()
    assert history.pages == [1, 2, 3, 4, 5, 6]
