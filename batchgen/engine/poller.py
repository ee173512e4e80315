"""The poller: one schedule for every in-flight job.

**The schedule.**  Every submitted job sits in one heap ordered by its next
poll time (``polling.PollPlan``).  The poller pops due jobs and runs a bounded
number of poll tasks; a finished job's result is fetched at the highest
priority and handed to the downloaders.  Per-job polls may use at most
``POLL_SHARE`` of the request budget: when more jobs are in flight than that
share can poll at the planned gap, the gap widens, so submits and result
fetches are never starved (only jobs old enough to be done count, and the
share grows to ``POLL_SHARE_IDLE`` while no submit waits).  The expiry guard
still wins over everything.  While history sweeps (``sweeper.py``) find
finished jobs, per-job polls become a sparse safety net (stragglers and the
expiry guard); the last job in flight is polled, not swept, once polls bring
results (a poll reads one record, a sweep may read pages).

**Sweep finds.**  A job a sweep shows COMPLETED is downloaded from the history
row's ``generation_url`` with no result call, once the run has seen such a
URL name the same file as the result's own output (until then each one gets
a result call, and the two are compared; one mismatch ends it for the run).

**One request per poll.**  A status poll that finds a job done is followed
by a result call; polling the result endpoint itself would save that second
request, but what it answers for an unfinished job is not documented.  So
polls start as trials of it: once one is answered with a clean QUEUED or
PROCESSING, polls ask the result endpoint for the rest of the run (a poll that
finds a job done then has its result too); the first error instead means
status polls for the rest of the run, and each job whose trial failed is
polled by status at once (so at most the polls already sent are spent).

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

from ..api.answers import HistoryRow, Result, server_latency
from ..api.client import ApiClient
from ..api.gateway import Gateway
from ..api.ratelimit import Priority
from ..clock import Clock
from ..errors import BadResponse, NotFound, RequestRejected, ServerError, TransientError
from ..jobs import JobState, TrackedJob
from .book import JobBook
from .control import RunControl
from .downloader import Downloader, Expire
from .pollplan import LatencyKey, LatencyModel, PollPlan, latency_key
from .recovery import Failed, Found, Later, Reconciler
from .sweeper import Sweeper

log = logging.getLogger("batchgen")
T = TypeVar("T")

POLL_SHARE = 0.5  # of the request budget, at most, for per-job status polls while submits wait
POLL_SHARE_IDLE = 0.8  # ... and while none waits
CONCURRENT_POLLS = 64
SCOUTS = 2  # while sweeps work and a kind is not learned, this many of its jobs get safety-net polls
UNFINISHED = ("QUEUED", "PROCESSING")


class Poller:
    """Owns the poll schedule of a run: one heap of in-flight jobs (and its sweeper)."""

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
        self.sweeper = Sweeper(
            self.by_request, gateway, api, self.latency, reconciler, control, clock,
            min_interval_s=min_interval_s, max_interval_s=plan.max_interval,
            on_done=self.fetch_now, on_healthy=lambda: self._replan(None), idle=self.polls_beat_sweeps,
            on_stop=lambda: self._replan(None),
        )  # fmt: skip
        self.result_polls: bool | None = None  # polls ask the result endpoint (None: on trial)
        self._scouts: dict[LatencyKey, set[str]] = {}  # per kind not learned yet: the jobs with safety-net polls
        self._due = (-math.inf, 0)  # (when counted, in-flight jobs that could be done by now)
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
        self.sweeper.peak = max(self.sweeper.peak, len(self.by_request))

    def _entry(self, job: TrackedJob, at: float) -> tuple[float, int, int, TrackedJob]:
        job.poll_token += 1  # older entries of this job are now stale
        return (at, next(self._seq), job.poll_token, job)

    def untrack(self, job: TrackedJob) -> None:
        if job.request_id is not None:
            before = self.polls_beat_sweeps()
            self.by_request.pop(job.request_id, None)
            self.sweeper.forget(job.request_id)
            for scouts in self._scouts.values():
                scouts.discard(job.request_id)
            if self.polls_beat_sweeps() and not before and self.sweeper.working:
                self._replan(None)  # the last job: polled, not swept
        job.result_due, job.swept = False, None
        job.poll_token += 1  # any heap entry left is stale

    def polls_beat_sweeps(self) -> bool:
        """One job left, and a poll brings its result: polling it costs one request, a sweep
        may read pages to find it (and needs a result call unless history links are trusted)."""
        return self.result_polls is True and len(self.by_request) == 1

    def schedule(self, job: TrackedJob, now: float, *, at: float | None = None) -> None:
        if job.result_due:
            at = now  # a sweep saw it finish while it was being polled
        if at is None:
            budget = self.gateway.budget
            share = POLL_SHARE if budget.waiting(Priority.SUBMIT) else POLL_SHARE_IDLE
            floor = self._could_be_done(now) / (share * budget.limit / budget.window)
            key = latency_key(job.spec)
            sparse = self.sweeper.working and not self.polls_beat_sweeps()
            scout = not sparse or self._scout(key, job)
            at = self.plan.next_poll(key, job.submitted_at, now, job.polls, floor=floor, sparse=sparse, scout=scout)
            if job.polls == 0 and self.sweeper.sweeping and not self.sweeper.healthy:
                # the first sweep that can show this job (past the grace of two intervals) comes first
                at = max(at, now + 5 * self.sweeper.interval())
        heapq.heappush(self._heap, self._entry(job, at))
        self._changed.set()

    def _scout(self, key: LatencyKey, job: TrackedJob) -> bool:
        """Whether ``job`` carries the safety-net polls of its kind (always, once the kind is learned)."""
        if self.latency.learned(key):
            self._scouts.pop(key, None)
            return True
        scouts = self._scouts.setdefault(key, set())
        assert job.request_id is not None
        if job.request_id in scouts or len(scouts) < SCOUTS:
            scouts.add(job.request_id)
            return True
        return False

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
                earliest[key] = self.latency.earliest(key) or 0.0
            count += now - job.submitted_at >= earliest[key]
        self._due = (now, count)
        return max(1, count)

    def wake(self) -> None:
        self._changed.set()

    def fetch_now(self, job: TrackedJob, row: HistoryRow | None = None) -> None:
        """The history says this job finished: settle it next (from the row's output URL
        once those are known to be the result's own, else with a result call)."""
        if job.state is JobState.SUBMITTED and not job.result_due:
            job.result_due = True
            job.swept = None
            if row is not None and row.status == "COMPLETED" and row.generation_url:
                job.swept = (row.generation_url, row.cost)
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
            if job.swept is not None and self.downloader.trusts(job.spec.model, job.swept[0]):
                await self._settle_swept(job, *job.swept)
            else:
                await self._fetch_result(job)
            return
        rank = -self.latency.likelihood_done(latency_key(job.spec), self.clock.now() - job.submitted_at)
        sent = self.clock.now()
        if self.result_polls is not False and await self._poll_result(job, rank, sent):
            return
        status = await self._ask(job, Priority.POLL, lambda: self.api.status(rid), rank=rank)
        if status is None:
            return
        if status.state in UNFINISHED:
            self._unfinished(job, sent)
            return
        self._found_done(job, status.state)
        if status.state == "FAILED":
            self.untrack(job)
            await self._fail(job, {"http": status.http, "detail": status.error or "FAILED without a message"})
            return
        await self._fetch_result(job)

    async def _poll_result(self, job: TrackedJob, rank: float, sent: float) -> bool:
        """Poll by asking for the result; False when a status poll must be made instead.
        Until one has answered QUEUED or PROCESSING these polls are trials: any error means
        the endpoint does not answer for unfinished jobs, and status polls are used from then on."""
        assert job.request_id is not None
        rid = job.request_id
        result: Result | None
        if self.result_polls:
            result = await self._ask(job, Priority.POLL, lambda: self.api.result(rid), rank=rank)
        else:
            try:
                result = await self.gateway.call(
                    Priority.POLL, lambda: self.api.result(rid), rank=rank, retry_on=_never
                )
            except (NotFound, BadResponse, RequestRejected, ServerError) as exc:
                if self.result_polls is None:
                    self.result_polls = False
                    log.info("the result endpoint did not answer for an unfinished job (%s): polling status", exc)
                return False
            except TransientError:
                self._unfinished(job, sent)  # unknown either way: try again later
                return True
            if result.state in UNFINISHED:
                self.result_polls = True
        if result is None:
            return True
        if result.state in UNFINISHED:
            self._unfinished(job, sent)
        else:
            self._found_done(job, result.state)
            await self._settle(job, result)
        return True

    def _unfinished(self, job: TrackedJob, sent: float) -> None:
        job.polls += 1
        job.pending_age = max(job.pending_age, sent - job.submitted_at)
        self.schedule(job, self.clock.now())

    def _found_done(self, job: TrackedJob, state: str) -> None:
        assert job.request_id is not None
        self._seen_done(job)
        if state == "COMPLETED":
            self.sweeper.poll_found_done(job.request_id)

    async def _fail(self, job: TrackedJob, error: dict[str, Any]) -> None:
        await self.book.finish(job, JobState.FAILED, "failed", error=error)

    async def _fetch_result(self, job: TrackedJob) -> None:
        assert job.request_id is not None
        rid = job.request_id
        result = await self._ask(job, Priority.RESULT, lambda: self.api.result(rid))
        if result is None:
            return
        if result.state in UNFINISHED:  # a hint that was early
            job.done_age, job.swept = None, None
            self.schedule(job, self.clock.now())
            return
        await self._settle(job, result)

    async def _settle_swept(self, job: TrackedJob, url: str, cost: float | None) -> None:
        """A sweep showed the job COMPLETED with its video's URL: download it without a result
        call (should that URL not give the video, the downloader asks the result for one)."""
        self._learn(job, None)  # from the row's latency_ms
        self.untrack(job)
        await self.downloader.begin(job, url, None, cost, from_history=True)

    async def _settle(self, job: TrackedJob, result: Result) -> None:
        """A finished job's result: learn from it, then fail it or hand it to the downloaders."""
        if job.swept is not None and result.output_url:
            self.downloader.compare_history_url(job.spec.model, job.swept[0], result.output_url)
        if result.state == "COMPLETED":
            measured = server_latency(result.metrics)
            self._learn(job, measured)
            assert job.done_age is not None
            self.sweeper.judge(job, job.submitted_at + (measured if measured is not None else job.done_age))
        self.untrack(job)
        if result.state == "FAILED":
            await self._fail(job, {"http": result.http, "detail": result.error or "FAILED without a message"})
            return
        if not result.output_url:
            await self._fail(job, {"detail": "the API reported COMPLETED but gave no output URL"})
            return
        if result.remaining_credits is not None:
            self.control.note_balance(result.remaining_credits)
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
        elif isinstance(found, Later):  # unknown: left submitted, for a later run to look up again
            await self.book.finish(job, JobState.SUBMITTED, "recover_later", error={"detail": found.detail})
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


def _never(exc: Exception) -> bool:
    return False
