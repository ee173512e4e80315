"""The poller: one schedule for every in-flight job, and history sweeps that find many finished jobs at once.

**The schedule.**  Every submitted job sits in one heap ordered by its next
poll time (``polling.PollPlan``).  The poller pops due jobs and runs a bounded
number of poll tasks; a finished job's result is fetched at the highest
priority and handed to the downloaders.  Per-job polls may use at most
``POLL_SHARE`` of the request budget: when more jobs are in flight than that
share can poll at the planned gap, the gap widens, so submits and result
fetches are never starved (only jobs old enough to be done count, and the
share grows to ``POLL_SHARE_IDLE`` while no submit waits).  The expiry guard
still wins over everything.

**Sweeps.**  One request-history call lists up to 100 requests, newest first,
with their state.  Every few seconds the sweeper reads pages until it has
seen every in-flight job of ours older than a short grace (or a bounded number
of pages), and moves each one the history shows COMPLETED or FAILED to the
front of the schedule, straight to a result fetch, which confirms the state
itself: a history that lags or errs costs a request, never a wrong outcome.
Sweeps stay within ``SWEEP_SHARE`` of the budget and follow the learned
latency: every 2% of the median, or less often with few jobs in flight (a job
costs at most ~``SWEEPS_PER_JOB`` history pages, since queued work hides a
little delay), but every 3% while the batch drains, when each job's delay is
the batch's; before anything is learned they come every
quarter of the oldest in-flight job's age, so they find jobs of any length
early.  The sweeper validates itself: until the history has shown one of our
jobs, jobs are polled normally, and if status polls keep finding finished jobs
that a whole sweep begun after they had finished did not show (or, later,
more than a fifth as many as it did show), or the history cannot be read,
sweeping is switched off for the rest of the run.  When a job finished is
known from the result's own metrics; jobs that finished while batchgen was
stopped (a resume) or just after a sweep are found by polls first, and that
is not the history's fault.  While sweeps work, per-job polls
become a sparse safety net (stragglers and the expiry guard).

**Learning.**  Every finished job teaches the latency model
(``polling.LatencyModel``) its submit-to-finish time: the server's own measure
(result ``metrics``, else the history row's ``latency_ms``) within the bounds
our polls saw.  When a group of jobs (model, mode, duration) is first learned,
every job of that group still probing is re-planned from what was learned.
A 404 on a record younger than ``polling.expiry_s`` means records live
shorter than configured: the expiry guard tightens for the rest of the run.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

from .book import JobBook
from .client import ApiClient
from .clock import Clock
from .control import RunControl
from .downloader import Downloader, Expire
from .errors import ApiError, BadResponse, NotFound, RequestRejected, TransientError
from .gateway import Gateway
from .jobs import JobState, TrackedJob
from .polling import LatencyKey, LatencyModel, PollPlan, latency_key
from .ratelimit import Priority
from .recovery import Failed, Found, Reconciler
from .responses import HISTORY_PAGE, HistoryRow, server_latency

log = logging.getLogger("batchgen")
T = TypeVar("T")

POLL_SHARE = 0.5  # of the request budget, at most, for per-job status polls while submits wait
POLL_SHARE_IDLE = 0.8  # ... and while none waits
SWEEP_SHARE = 0.3  # of the request budget, at most, for history sweeps
SWEEP_TARGET_FRACTION = 0.02  # sweep every 2% of the median latency (mean delay ~1%)
TAIL_SWEEP_FRACTION = 0.03  # while the batch drains (under half the peak in flight), every 3% of it
MISSES_BEFORE_GIVING_UP = 3
MISSED_SHARE_LIMIT = 0.2  # finished jobs found by polls, not sweeps, as a share of sweep finds
CONCURRENT_POLLS = 64
SWEEPS_PER_JOB = 0.6  # history pages per job and typical latency, at most (few jobs in flight)
PROBE_SWEEP_FRACTION = 0.2  # before anything is learned, sweep every fifth of the oldest job's age


class Poller:
    """Owns the poll schedule of a run: one heap of in-flight jobs, and the history sweeps."""

    def __init__(
        self,
        book: JobBook,
        gateway: Gateway,
        api: ApiClient,
        plan: PollPlan,
        reconciler: Reconciler,
        downloader: Downloader,
        control: RunControl,
        clock: Clock,
        *,
        min_interval_s: float,
        max_attempts: int,
        expire: Expire,
    ) -> None:
        self.book, self.gateway, self.api, self.plan = book, gateway, api, plan
        self.latency: LatencyModel = plan.latency
        self.reconciler, self.downloader, self.control, self.clock = reconciler, downloader, control, clock
        self.min_interval_s = min_interval_s
        self.max_interval_s = plan.max_interval
        self.max_attempts = max_attempts
        self.expire = expire
        self._heap: list[tuple[float, int, int, TrackedJob]] = []  # (when, seq, token, job)
        self._seq = itertools.count()
        self._changed = anyio.Event()
        self.by_request: dict[str, TrackedJob] = {}  # jobs in the schedule (submitted, awaiting a terminal state)
        # sweeps
        self.sweeping = True
        self.sweep_healthy = False
        self.sweep_hits = 0
        self.missed_by_sweep = 0
        self._last_pages = 1
        self._peak = 1  # the most jobs in flight at once so far
        self._due = (-math.inf, 0)  # (when counted, in-flight jobs that could be done by now)
        self._shown_done: set[str] = set()  # jobs a sweep has shown finished
        self._found_by_poll: set[str] = set()  # finished jobs a status poll found before any sweep showed them
        self._swept_since = -math.inf  # when the last complete sweep began
        self._told_expiry = False

    # ------------------------------------------------------------------ schedule

    def track_many(self, jobs: list[TrackedJob]) -> None:
        """Resumed jobs enter the schedule together (one heapify, not a push each)."""
        now = self.clock.now()
        for job in jobs:
            self._enter(job)
            at = self.plan.next_poll(latency_key(job.spec), job.submitted_at, now, job.polls)
            self._heap.append(self._entry(job, at))
        heapq.heapify(self._heap)
        self._changed.set()

    def track(self, job: TrackedJob) -> None:
        """A job with a request id enters the schedule."""
        self._enter(job)
        self.schedule(job, self.clock.now())

    def _enter(self, job: TrackedJob) -> None:
        assert job.request_id is not None
        self.by_request[job.request_id] = job
        self._peak = max(self._peak, len(self.by_request))

    def _entry(self, job: TrackedJob, at: float) -> tuple[float, int, int, TrackedJob]:
        job.poll_token += 1  # older entries of this job are now stale
        return (at, next(self._seq), job.poll_token, job)

    def untrack(self, job: TrackedJob) -> None:
        if job.request_id is not None:
            self.by_request.pop(job.request_id, None)
            self._found_by_poll.discard(job.request_id)
            self._shown_done.discard(job.request_id)
        job.poll_token += 1  # any heap entry left is stale

    def schedule(self, job: TrackedJob, now: float, *, at: float | None = None) -> None:
        if job.result_due:
            at = now  # a sweep saw it finish while it was being polled
        if at is None:
            budget = self.gateway.budget
            share = POLL_SHARE if budget.waiting(Priority.SUBMIT) else POLL_SHARE_IDLE
            floor = self._could_be_done(now) / (share * budget.limit / budget.window)
            at = self.plan.next_poll(
                latency_key(job.spec),
                job.submitted_at,
                now,
                job.polls,
                floor=floor,
                sparse=self.sweeping and self.sweep_healthy,
            )
            if job.polls == 0 and self.sweeping and not self.sweep_healthy:
                at = max(at, now + 3 * self.sweep_interval())  # the first sweep may make this poll needless
        heapq.heappush(self._heap, self._entry(job, at))
        self._changed.set()

    def _could_be_done(self, now: float) -> int:
        """In-flight jobs old enough to be done (past their group's earliest learned finish):
        the jobs that share the poll budget.  Counted at most once per ``min_interval_s``."""
        counted_at, count = self._due
        if now - counted_at < self.min_interval_s:
            return max(1, count)
        count = 0
        earliest: dict[LatencyKey, float] = {}
        for job in self.by_request.values():
            key = latency_key(job.spec)
            if key not in earliest:
                learned = self.latency.learned(key)
                earliest[key] = self.latency.quantile(key, 0.02) if learned else 0.0
            count += now - job.submitted_at >= earliest[key]
        self._due = (now, count)
        return max(1, count)

    def wake(self) -> None:
        self._changed.set()

    def fetch_now(self, job: TrackedJob) -> None:
        """The history says this job finished: fetch its result next."""
        if job.state is JobState.SUBMITTED and not job.result_due:
            job.result_due = True
            self.schedule(job, self.clock.now(), at=self.clock.now())

    async def loop(self, tg: anyio.abc.TaskGroup) -> None:
        limiter = anyio.Semaphore(CONCURRENT_POLLS)
        clock = self.clock
        while not self.control.interrupted:  # after a signal, start nothing new
            now = clock.now()
            if self._heap and self._heap[0][0] <= now:
                _, _, token, job = heapq.heappop(self._heap)
                if token != job.poll_token or job.state is not JobState.SUBMITTED or job.poll_running:
                    continue  # stale, finished, or being polled (it reschedules itself)
                job.poll_running = True
                await limiter.acquire()
                tg.start_soon(self._poll_task, job, limiter)
                continue
            self._changed = anyio.Event()
            await clock.wait(self._changed, self._heap[0][0] - now if self._heap else math.inf)

    async def _poll_task(self, job: TrackedJob, limiter: anyio.Semaphore) -> None:
        try:
            await self.control.guard(lambda: self._poll(job))
        finally:
            job.poll_running = False
            limiter.release()

    # ------------------------------------------------------------------ one poll

    async def _poll(self, job: TrackedJob) -> None:
        assert job.request_id is not None
        rid = job.request_id
        if job.result_due:
            job.result_due = False
            await self._fetch_result(job)
            return
        rank = -self.latency.likelihood_done(latency_key(job.spec), self.clock.now() - job.submitted_at)
        sent = self.clock.now()
        status = await self._ask(job, Priority.POLL, lambda: self.api.status(rid), rank=rank)
        if status is None:
            return
        if status.state in ("QUEUED", "PROCESSING"):
            job.polls += 1
            job.pending_age = max(job.pending_age, sent - job.submitted_at)
            self.schedule(job, self.clock.now())
            return
        self._seen_done(job)
        if self.sweeping and status.state == "COMPLETED" and rid not in self._shown_done:
            self._found_by_poll.add(rid)  # judged once the result says when it finished
        if status.state == "FAILED":
            self.untrack(job)
            await self._fail(job, {"http": status.http, "detail": status.error or "FAILED without a message"})
            return
        await self._fetch_result(job)

    async def _fail(self, job: TrackedJob, error: dict[str, Any]) -> None:
        await self.book.finish(job, JobState.FAILED, "failed", error=error)

    async def _fetch_result(self, job: TrackedJob) -> None:
        assert job.request_id is not None
        rid = job.request_id
        result = await self._ask(job, Priority.RESULT, lambda: self.api.result(rid))
        if result is None:
            return
        if result.state in ("QUEUED", "PROCESSING"):  # a hint that was early
            job.done_age = None
            self.schedule(job, self.clock.now())
            return
        found_by_poll = rid in self._found_by_poll
        self.untrack(job)
        if result.state == "COMPLETED":
            measured = server_latency(result.metrics)
            self._learn(job, measured)
            if found_by_poll:
                self._judge_sweeps(job, measured)
        if result.state == "FAILED":
            await self._fail(job, {"http": result.http, "detail": result.error or "FAILED without a message"})
            return
        if not result.output_url:
            await self._fail(job, {"detail": "the API reported COMPLETED but gave no output URL"})
            return
        if result.remaining_credits is not None:
            self.control.report.balance = result.remaining_credits
        queue_s = result.metrics.get("queue_time")
        await self.downloader.begin(job, result.output_url, result.file_size, result.cost, queue_s=queue_s)

    async def _ask(
        self, job: TrackedJob, priority: Priority, fn: Callable[[], Awaitable[T]], *, rank: float = 0.0
    ) -> T | None:
        """One status or result call for a job; None when the job was handled otherwise.

        404: the record is gone, so recover from the history.  Transient errors
        (5xx, network, 429 past its deadline) never fail a job: it is polled
        again, and at worst its record expires and the history takes over.  A
        malformed answer fails the job after ``retry.max_attempts`` in a row.
        """
        try:
            value = await self.gateway.call(priority, fn, rank=rank)
        except NotFound:
            self._records_die_early(job)
            self.untrack(job)
            await self._recover(job)
            return None
        except (TransientError, BadResponse, RequestRejected) as exc:
            malformed = not isinstance(exc, TransientError)
            if malformed:
                job.poll_errors += 1
            if malformed and job.poll_errors >= self.max_attempts:
                self.untrack(job)
                await self._fail(job, exc.to_record())
                return None
            job.polls += 1
            self.schedule(job, self.clock.now())
            return None
        job.poll_errors = 0
        return value

    async def _recover(self, job: TrackedJob) -> None:
        """The record is gone (404): act on what the history says of it."""
        found = await self.reconciler.recover_missing(job)
        if isinstance(found, Found):
            await self.downloader.begin(job, found.url, None, found.cost)
        elif isinstance(found, Failed):
            await self._fail(job, found.error)
        else:
            await self.expire(job, found.detail)

    # ------------------------------------------------------------------ learning

    def _seen_done(self, job: TrackedJob) -> None:
        if job.done_age is None:
            job.done_age = self.clock.now() - job.submitted_at

    def _learn(self, job: TrackedJob, measured: float | None) -> None:
        """A finished job's submit-to-finish time teaches the model; a group learned
        for the first time re-plans the jobs of that group still probing."""
        self._seen_done(job)
        assert job.done_age is not None
        key = latency_key(job.spec)
        server = measured if measured is not None else job.server_latency
        if self.latency.observe_finish(key, after=job.pending_age, by=job.done_age, server_s=server):
            self._replan(key)

    def _judge_sweeps(self, job: TrackedJob, measured: float | None) -> None:
        """A poll found this job finished before any sweep showed it.  That is the history's
        fault only if a whole sweep began after the job had finished; jobs that finished
        while batchgen was stopped, or just after a sweep, are found by polls first."""
        assert job.done_age is not None
        finished_at = job.submitted_at + (measured if measured is not None else job.done_age)
        if self.sweeping and self._swept_since > finished_at:
            self.missed_by_sweep += 1
            self._check_sweep_health()

    def _replan(self, key: LatencyKey | None) -> None:
        """Plan again the polls of the jobs of group ``key`` (None: every job)."""
        now = self.clock.now()
        for job in list(self.by_request.values()):
            if not job.poll_running and not job.result_due and (key is None or latency_key(job.spec) == key):
                self.schedule(job, now)

    def _records_die_early(self, job: TrackedJob) -> None:
        age = self.clock.now() - job.submitted_at
        if age < 2 * self.min_interval_s or not self.plan.records_expire_by(age):
            return
        if not self._told_expiry:
            self._told_expiry = True
            log.warning(
                "request %s was gone %.0fs after submission, sooner than polling.expiry_s: records live "
                "shorter than configured, so every job is now polled within %.0fs of submission; "
                "lower polling.expiry_s to match",
                job.request_id,
                age,
                self.plan.guard,
            )

    # ------------------------------------------------------------------ sweeps

    def _check_sweep_health(self) -> None:
        if self.missed_by_sweep < MISSES_BEFORE_GIVING_UP:
            return
        if not self.sweep_healthy:
            self._stop_sweeping("the request history did not show jobs that had finished")
        elif self.missed_by_sweep > MISSED_SHARE_LIMIT * self.sweep_hits:
            self._stop_sweeping("the request history misses too many finished jobs")

    def _stop_sweeping(self, why: str) -> None:
        if self.sweeping:
            self.sweeping = False
            log.info("history sweeps are off for this run: %s; polling each job instead", why)

    def sweep_interval(self) -> float:
        job = next(iter(self.by_request.values()), None)
        key = latency_key(job.spec) if job is not None else ("", "", 0)
        if self.latency.learned(key):
            median = self.latency.median(key)
            if 2 * len(self.by_request) < self._peak:  # the last jobs: each one's delay is the batch's
                target = TAIL_SWEEP_FRACTION * median
            else:
                thrift = max(1, self._last_pages) * median / (SWEEPS_PER_JOB * self._peak)
                target = max(SWEEP_TARGET_FRACTION * median, thrift)
        else:  # probe: sweep often while the jobs are young, less as they age
            age = self.clock.now() - job.submitted_at if job is not None else 0.0  # the earliest tracked
            target = PROBE_SWEEP_FRACTION * age
        budget = self.gateway.budget
        affordable = max(1, self._last_pages) / (SWEEP_SHARE * budget.limit / budget.window)
        return max(min(target, self.max_interval_s), affordable, self.min_interval_s / 4)

    async def sweep_loop(self) -> None:
        while self.sweeping:
            await self.clock.sleep(self.sweep_interval())
            if not self.by_request or not self.sweeping or self.control.interrupted:
                continue
            await self.control.guard(self._sweep)

    async def _sweep(self) -> None:
        """Read the history, newest first, until every in-flight job past the grace was seen."""
        now = self.clock.now()
        grace = 2 * self.sweep_interval()
        remaining = {rid for rid, job in self.by_request.items() if now - job.submitted_at > grace}
        if not remaining:
            return
        max_pages = math.ceil(2.5 * len(remaining) / HISTORY_PAGE) + 1
        pages = 0
        began = now
        for page in range(1, max_pages + 1):
            try:
                rows = await self.gateway.call(Priority.POLL, _history_reader(self.api, page), rank=-2.0)
            except ApiError as exc:
                self._stop_sweeping(f"the request history could not be read ({exc})")
                return
            pages += 1
            for row in rows:
                job = self.by_request.get(row.request_id)
                if job is None:
                    continue
                remaining.discard(row.request_id)
                if not self.sweep_healthy:
                    self.sweep_healthy = True
                    self._replan(None)  # per-job polls become the sparse safety net
                self.reconciler.note_seen(row.request_id)
                if row.status in ("COMPLETED", "FAILED"):
                    self.sweep_hits += 1
                    self._found_by_poll.discard(row.request_id)
                    self._shown_done.add(row.request_id)
                    if row.status == "COMPLETED" and row.latency_s is not None:
                        job.server_latency = row.latency_s
                    self._seen_done(job)
                    self.fetch_now(job)
            if not remaining or len(rows) < HISTORY_PAGE:
                break
        self._last_pages = pages
        self._swept_since = began


def _history_reader(api: ApiClient, page: int) -> Callable[[], Awaitable[list[HistoryRow]]]:
    return lambda: api.history(page=page, per_page=HISTORY_PAGE)
