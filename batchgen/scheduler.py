"""The run: feeder, submitters, one poller and downloaders in one anyio task group.

::

    feeder ──► submitters ──► poll schedule ◄──► poller ──► downloaders ──► ledger / videos
       ▲            │                                           │
       └── credit stop / spend cap        request budget + 429 gate (every API call)

* The **feeder** hands jobs to the submitters over a bounded stream, never
  letting more than ``concurrency`` jobs be in flight; it stops at the first
  406 "insufficient credits" or when the next job's estimated cost would pass
  the spend cap, and marks what is left ``deferred``.
* A **submitter** writes ``submitting``, POSTs, and writes ``submitted`` with
  the request id (fsynced) before the job is ever polled.  A submit is sent
  again only if it surely never reached the server or was refused with 429;
  an ambiguous one (5xx, or no answer after sending) is first looked up in the
  request history (``recovery.py``) so no job is paid for twice.
* The **poller** keeps every in-flight job in one schedule ordered by its next
  poll time (``polling.py``) and spawns bounded poll tasks.  A finished job's
  result is fetched at the highest priority and handed to the downloaders.
* **Downloaders** stream each video to a temporary file, verify and rename it,
  write the sidecar, and only then write ``completed``.

Errors of one job are caught at the job boundary and written to the ledger;
an auth error, a broken ledger or an unwritable folder stops the whole run;
anything else is a bug and cancels the group.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .client import ApiClient
from .clock import Clock
from .config import Settings
from .downloader import Downloader
from .errors import (
    AmbiguousSubmit,
    ApiError,
    AuthError,
    BadResponse,
    BatchgenError,
    InsufficientCredits,
    InvalidContentType,
    LedgerError,
    NetworkError,
    NotFound,
    PermanentError,
    RateLimited,
    RequestRejected,
    ServerError,
    StorageError,
    TransientError,
)
from .jobs import IN_FLIGHT, TERMINAL, JobSpec, JobState, Live
from .ledger import Ledger, Replay, iso_utc
from .params import estimate_cost
from .poller import Poller
from .polling import LatencyModel, PollPlan
from .ratelimit import Priority, RequestBudget
from .recovery import Reconciler, plan_resume
from .report import RunReport, Snapshot, error_text
from .responses import parse_time
from .retry import RetryPolicy
from .storage import OutputDir

T = TypeVar("T")
UNFINISHED = IN_FLIGHT | {JobState.PENDING}
log = logging.getLogger("batchgen")


class Run:
    """One invocation of ``batchgen run`` over one output folder."""

    def __init__(
        self,
        jobs: list[JobSpec],
        *,
        api: ApiClient,
        out: OutputDir,
        ledger: Ledger,
        replay: Replay,
        settings: Settings,
        clock: Clock,
        resubmit_lost: bool = False,
        retry_failed: bool = False,
        verify_files: bool = False,
        on_event: Callable[[str, Live], None] | None = None,
    ) -> None:
        self.api, self.out, self.ledger, self.settings, self.clock = api, out, ledger, settings, clock
        self.replay = replay
        self.resubmit_lost = resubmit_lost
        self.retry_failed = retry_failed
        self.verify_files = verify_files
        self.on_event = on_event
        limits, polling, retry = settings.limits, settings.polling, settings.retry
        self.budget = RequestBudget(
            limits.requests_per_minute,
            clock=clock,
            backoff_initial_s=retry.backoff_initial_s,
            backoff_max_s=retry.backoff_max_s,
        )
        self.retry = RetryPolicy(retry)
        self.latency = LatencyModel()
        self.plan = PollPlan(
            self.latency,
            min_interval_s=polling.min_interval_s,
            max_interval_s=polling.max_interval_s,
            expiry_s=polling.expiry_s,
            expiry_margin_s=polling.expiry_margin_s,
        )
        self.report = RunReport()
        self.jobs = [
            Live(spec, JobState.PENDING, estimate_cost(spec.model, spec.params, settings.prices)) for spec in jobs
        ]
        self.reconciler = Reconciler(self)
        self.stopping = False  # no new submissions
        self._inflight = 0
        self._slot_freed = anyio.Event()
        self.poller = Poller(self)
        self.downloader = Downloader(self)
        self._feeder_done = False
        self._all_done = anyio.Event()
        self._tg: TaskGroup | None = None
        self._download_send: MemoryObjectSendStream[Live] | None = None
        self._committed = 0.0  # estimated or actual spend of jobs submitted, for the spend cap
        self._started = time.monotonic()
        self._final_at_start = 0

    # ================================================================== entry

    async def execute(self) -> RunReport:
        self._started = time.monotonic()
        start_jobs = await plan_resume(self)
        self._final_at_start = sum(1 for job in self.jobs if job.state in TERMINAL)
        log.info(
            "%d jobs: %d already done, %d to re-attach, %d to recover, %d to submit",
            len(self.jobs), self.report.skipped, len(start_jobs["poll"]),
            len(start_jobs["download"]) + len(start_jobs["reconcile"]), len(start_jobs["submit"]),
        )  # fmt: skip
        if start_jobs["submit"]:
            try:
                await self._check_balance(start_jobs["submit"])
            except (AuthError, InvalidContentType) as exc:
                self._fatal(exc)
                return self._finish_report()
        send, receive = anyio.create_memory_object_stream[Live](max(4, self.settings.limits.download_concurrency * 2))
        submit_send, submit_receive = anyio.create_memory_object_stream[Live](0)
        self._download_send = send
        try:
            async with anyio.create_task_group() as tg:
                self._tg = tg
                # Resumed work counts against concurrency too (it may exceed it).
                self._inflight += len(start_jobs["poll"]) + len(start_jobs["download"]) + len(start_jobs["reconcile"])
                self.poller.track_many(start_jobs["poll"])
                for job in start_jobs["download"]:
                    tg.start_soon(self._queue_download, job)
                for job in start_jobs["reconcile"]:
                    tg.start_soon(self._reconcile_then_continue, job)
                tg.start_soon(self.poller.loop, tg)
                tg.start_soon(self.poller.sweep_loop)
                for _ in range(self.settings.limits.download_concurrency):
                    tg.start_soon(self.downloader.loop, receive.clone())
                for _ in range(min(self.settings.limits.concurrency, 32)):
                    tg.start_soon(self._submitter, submit_receive.clone())
                receive.close()
                submit_receive.close()
                tg.start_soon(self._feeder, submit_send, start_jobs["submit"])
                self._check_done()
                await self._all_done.wait()
                tg.cancel_scope.cancel()
        finally:
            send.close()
        return self._finish_report()

    async def _check_balance(self, to_submit: list[Live]) -> None:
        """Read the balance and warn when the batch's estimated cost exceeds it."""
        try:
            credits = await self.call(Priority.RESULT, self.api.credits)
        except (AuthError, InvalidContentType):
            raise
        except ApiError as exc:
            log.info("could not read the credit balance (%s); going on", exc)
            return
        self.report.balance = credits.total
        estimate = sum(job.estimate or 0.0 for job in to_submit)
        if estimate > credits.total:
            message = (
                f"the balance (${credits.total:.2f}) will not cover the estimated ${estimate:.2f} for "
                f"{len(to_submit)} jobs; the run will stop submitting when credits run out (exit 3)"
            )
            self.report.warnings.append(message)
            log.warning("warning: %s", message)

    @property
    def spend(self) -> float:
        """What the completed jobs cost."""
        return sum(job.cost or 0.0 for job in self.jobs if job.state is JobState.COMPLETED)

    @property
    def interrupted(self) -> bool:
        return self.report.stop_reason == "interrupted"

    def snapshot(self) -> Snapshot:
        states = Counter(str(job.state) for job in self.jobs)
        final = states.get("completed", 0) + states.get("failed", 0) + states.get("expired", 0)
        gate = self.budget.closed_for() / self.clock.scale
        return Snapshot(
            total=len(self.jobs),
            states=dict(states),
            done_now=max(0, final - self._final_at_start),
            elapsed_s=time.monotonic() - self._started,
            spend=self.spend,
            requests=self.report.requests,
            throttled=self.budget.throttled,
            paused_s=gate,
            stop_reason=self.report.stop_reason,
            sweeping=self.poller.sweeping and self.poller.sweep_healthy,
        )

    def request_stop(self, reason: str = "interrupted") -> None:
        """Stop submitting; in-flight jobs go on until :meth:`abort` or completion."""
        if not self.stopping:
            self.stopping = True
            self.report.stop_reason = reason if reason == "interrupted" else self.report.stop_reason or reason
        self._slot_freed.set()
        self.poller.wake()
        self._check_done()

    def abort(self) -> None:
        """Leave now: in-flight jobs stay 'submitted' in the ledger for the next run."""
        self.stopping = True
        self._all_done.set()

    # ================================================================== bookkeeping

    async def _record(self, job: Live, event: str, state: JobState, **fields: Any) -> None:
        job.state = state
        if "error" in fields:
            job.error = error_text(fields["error"])
        await self.ledger.append(job.spec.id, event, state, model=job.spec.model, request_id=job.request_id, **fields)
        if self.on_event is not None:
            self.on_event(event, job)

    def _take_slot(self) -> None:
        self._inflight += 1

    def _release_slot(self) -> None:
        self._inflight -= 1
        if self._inflight < 0:
            raise AssertionError("bug: a job's in-flight slot was released twice")
        self._slot_freed.set()
        self._check_done()

    def _check_done(self) -> None:
        if self._feeder_done and self._inflight <= 0:
            self._all_done.set()

    def _fatal(self, exc: BatchgenError) -> None:
        if self.report.fatal is None:
            self.report.fatal = exc
            self.report.stop_reason = "auth" if isinstance(exc, AuthError) else "fatal"
            self.report.stop_detail = str(exc)
        self.abort()

    async def guard(self, job: Live, work: Callable[[], Awaitable[None]]) -> None:
        """The job boundary: one job's errors go to the ledger, run-wide ones stop the run."""
        try:
            await work()
        except (AuthError, InvalidContentType, LedgerError, StorageError) as exc:
            self._fatal(exc)

    # ================================================================== API calls

    async def call(
        self,
        priority: Priority,
        fn: Callable[[], Awaitable[T]],
        *,
        rank: float = 0.0,
        safe_retry: bool = True,
        shield: bool = False,
    ) -> T:
        """One API call through the budget and the 429 gate, retried within the policy.

        429 answers are waited out at the gate and do not count as attempts
        (bounded by the deadline).  5xx and network errors are retried only if
        ``safe_retry``; a submit passes False and handles them itself, and
        ``shield`` so that a shutdown never cuts a POST off mid-flight.
        """
        attempts = 0
        started = self.clock.now()
        while True:
            granted = await self.budget.acquire(priority, rank)
            self.report.requests += 1
            try:
                with anyio.CancelScope(shield=shield):
                    value = await fn()
            except RateLimited as exc:
                self.budget.on_429(exc.retry_after, sent_at=granted)
                self.budget.release()
                if self.clock.now() - started > self.retry.deadline_s:
                    raise
                continue
            except (ServerError, NetworkError) as exc:
                self.budget.release()
                attempts += 1
                retryable = safe_retry or (isinstance(exc, NetworkError) and not exc.reached_server)
                delay = self.retry.delay(attempts)
                if not retryable or not self.retry.may_retry(attempts, self.clock.now() - started, delay):
                    raise
                await self.clock.sleep(delay)
                continue
            except BaseException:
                self.budget.release()
                raise
            self.budget.release()
            self.budget.succeeded()
            return value

    # ================================================================== feeder and submitters

    async def _feeder(self, send: MemoryObjectSendStream[Live], queue: list[Live]) -> None:
        cap = self.settings.limits.max_spend_usd
        async with send:
            for job in queue:
                while self._inflight >= self.settings.limits.concurrency and not self.stopping:
                    self._slot_freed = anyio.Event()
                    await self._slot_freed.wait()
                if self.stopping:
                    await self._defer(job)
                    continue
                cost = job.estimate or 0.0
                if cap is not None and self._committed + cost > cap + 1e-9:
                    self.report.stop_reason = self.report.stop_reason or "spend_cap"
                    await self._defer(job, reason=f"the estimated spend would pass the cap of ${cap:.2f}")
                    continue
                self._committed += cost
                self._take_slot()
                await send.send(job)
        self._feeder_done = True
        self._check_done()

    async def _defer(self, job: Live, reason: str | None = None) -> None:
        if self.report.stop_reason == "interrupted" and reason is None:
            return  # an interrupted run leaves unsubmitted jobs as they were
        why = reason or self.report.stop_detail or "submission stopped"
        await self._record(job, "deferred", JobState.DEFERRED, error={"detail": why})

    async def _submitter(self, receive: MemoryObjectReceiveStream[Live]) -> None:
        async with receive:
            async for job in receive:
                await self.guard(job, lambda job=job: self._submit(job))  # type: ignore[misc]

    async def _submit(self, job: Live) -> None:
        if self.stopping:
            self._committed -= job.estimate or 0.0
            await self._defer(job)
            self._release_slot()
            return
        payload = job.spec.payload()
        await self._record(job, "submitting", JobState.SUBMITTING, params=payload)
        since = time.time()
        try:
            sub = await self.call(
                Priority.SUBMIT, lambda: self.api.submit(job.spec.model, payload), safe_retry=False, shield=True
            )
        except InsufficientCredits as exc:
            self._committed -= job.estimate or 0.0
            self._credit_stop(exc)
            await self._record(job, "deferred", JobState.DEFERRED, error=exc.to_record())
            self._release_slot()
            return
        except AmbiguousSubmit as exc:
            await self._record(job, "submit_unknown", JobState.SUBMITTING, error=exc.to_record())
            job.submit_attempts += 1
            await self.reconciler.settle(job, since=since)
            return
        except (AuthError, InvalidContentType):
            raise  # run-wide: the job stays 'submitting' and is settled by the next run
        except (RequestRejected, NotFound, BadResponse) as exc:
            self._committed -= job.estimate or 0.0
            await self.fail(job, exc.to_record())
            return
        except (TransientError, PermanentError) as exc:
            # Surely not created (refused connection, 429 past the deadline): back to pending.
            self._committed -= job.estimate or 0.0
            await self._record(job, "submit_postponed", JobState.PENDING, error=exc.to_record())
            self._release_slot()
            return
        with anyio.CancelScope(shield=True):  # the request id must reach the ledger
            await self.attach(job, sub.request_id)

    async def attach(self, job: Live, request_id: str, *, submitted_wall: float | None = None) -> None:
        """Record a known request id (durably) and put the job on the poll schedule."""
        sent = time.time() if submitted_wall is None else submitted_wall
        job.request_id = request_id
        self.reconciler.claimed.add(request_id)
        self.reconciler.note_submitted(request_id, sent)
        job.submitted_at = self.clock.from_wall(sent)
        self.report.submitted += 1
        job.submitted_wall = iso_utc(sent)
        await self._record(job, "submitted", JobState.SUBMITTED, submitted_at=job.submitted_wall)
        self.poller.track(job)

    def _credit_stop(self, exc: InsufficientCredits) -> None:
        if self.report.stop_reason != "credits":
            self.report.stop_reason = "credits"
            self.report.stop_detail = exc.detail or str(exc)
            self.report.balance = _balance_from(exc.detail)
        self.request_stop("credits")

    async def _reconcile_then_continue(self, job: Live) -> None:
        since = parse_time(self.replay.jobs.get(job.spec.id, {}).get("ts")) or time.time() - 3600
        await self.guard(job, lambda: self.reconciler.settle(job, since=since - 5.0))

    async def resubmit(self, job: Live) -> None:
        """Submit again (the earlier attempt surely created nothing); keeps the job's slot."""
        await self.guard(job, lambda: self._submit(job))

    async def begin_download(self, job: Live, url: str, size: int | None, cost: float | None) -> None:
        job.output_url, job.file_size = url, size
        job.cost = cost if cost is not None else job.cost
        job.finished_at = job.finished_at or self.clock.now()
        await self._record(job, "result", JobState.DOWNLOADING, output_url=url, file_size=size, cost=job.cost)
        await self._queue_download(job)

    async def _queue_download(self, job: Live) -> None:
        assert self._download_send is not None
        await self._download_send.send(job)

    async def fail(self, job: Live, error: dict[str, Any]) -> None:
        if job.cost is None:
            self._committed -= job.estimate or 0.0
        await self._record(job, "failed", JobState.FAILED, error=error)
        self._release_slot()

    async def expire(self, job: Live, detail: str, *, event: str = "expired", http: int | None = 404) -> None:
        """The video cannot be had (record expired, or the output lost): make it again with
        --resubmit-lost, else leave the job expired."""
        error: dict[str, Any] = {"detail": detail} if http is None else {"http": http, "detail": detail}
        await self._record(job, event, JobState.EXPIRED, error=error)
        if self.resubmit_lost and not self.stopping:
            job.request_id = job.output_url = None
            job.cost = None
            await self._submit(job)  # a new job: keeps this one's slot and spend estimate
            return
        if job.cost is None:  # nothing was charged
            self._committed -= job.estimate or 0.0
        self._release_slot()

    # ================================================================== report

    def _finish_report(self) -> RunReport:
        report = self.report
        report.states = Counter(str(job.state) for job in self.jobs)
        report.spend = self.spend
        report.rate_limited = self.budget.throttled
        report.failures = [
            (job.spec.id, job.error or "no reason recorded")
            for job in self.jobs
            if job.state in (JobState.FAILED, JobState.EXPIRED)
            # unfinished for a reason of their own (a download that failed, a submit left for later)
            or (job.state in UNFINISHED and job.error and self.report.stop_reason is None)
        ]
        return report


def _balance_from(detail: str | None) -> float | None:
    if not detail:
        return None
    match = re.search(r"balance(?: is)?[^0-9-]*(-?[0-9]+(?:\.[0-9]+)?)", detail, re.IGNORECASE)
    return float(match.group(1)) if match else None
