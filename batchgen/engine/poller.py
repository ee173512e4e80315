"""The poller: the poll tasks that run one schedule of every in-flight job.

**The schedule** (``schedule.PollSchedule``, a heap ordered by each job's
next poll time, within its share of the request budget) is this stage's own
state.  The poller pops due jobs and runs a bounded number of poll tasks; a
finished job's result is fetched at the highest priority, its ``result`` line
written, and the job sent to the downloaders on their stream.  Jobs to track
come from the submitter on a stream; a job whose record and output are gone
goes to the submitter as :class:`messages.Lost`.

**Sweep finds.**  What the sweeper finds arrives as messages on the poller's
stream of sweep news.  A job a sweep shows COMPLETED is downloaded from the
history row's ``generation_url`` with no result call, once the run has seen
such a URL name the same file as the result's own output (until then each one
gets a result call, and the two are compared; one mismatch ends it for the
run: ``history_links.HistoryLinks``).

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
import logging
import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ..api.answers import UNFINISHED_STATES, Result, server_latency
from ..api.client import ApiClient
from ..api.gateway import Gateway, retry_never
from ..api.ratelimit import Priority
from ..clock import Clock
from ..errors import (
    BadResponse,
    GatewayRefusal,
    InsufficientCredits,
    NotFound,
    RequestRejected,
    RouteTrouble,
    ServerError,
    TransientError,
)
from ..jobs import JobState, TrackedJob
from .book import JobBook
from .control import RunControl
from .handover import Handover
from .life_cap import LifeCap
from .messages import Lost, Shown, SweepNews
from .pollplan import PollPlan, bounded_finish, latency_key
from .recovery import FEWER_IN_FLIGHT, WAITED_FOR_NONE, Reconciler
from .schedule import PollSchedule
from .stalls import stall_age
from .sweeper import Sweeper
from .verdicts import Failed, Found, Gone, Later, Running

log = logging.getLogger("batchgen")
T = TypeVar("T")

CONCURRENT_POLLS = 64


class Poller(PollSchedule):
    """The poll stage: the schedule (:class:`schedule.PollSchedule`) and the poll tasks it runs."""

    def __init__(
        self,
        *,
        book: JobBook,
        gateway: Gateway,
        api: ApiClient,
        plan: PollPlan,
        reconciler: Reconciler,
        control: RunControl,
        clock: Clock,
        min_interval_s: float,
        max_attempts: int,
        sweeper: Sweeper,
        life: LifeCap,
        news: MemoryObjectReceiveStream[SweepNews],
        downloads: MemoryObjectSendStream[TrackedJob],
        lost: MemoryObjectSendStream[Lost],
    ) -> None:
        """``sweeper`` reads the history for the jobs in ``sweeper.jobs`` (this poller's in-flight
        jobs, which it alone writes) and sends what it finds on ``news``."""
        super().__init__(
            gateway=gateway, plan=plan, clock=clock, sweeper=sweeper, life=life, min_interval_s=min_interval_s
        )
        self.book, self.api = book, api
        self.reconciler, self.control = reconciler, control
        self.max_attempts = max_attempts
        self.handover = Handover(book, reconciler, clock, downloads, lost)  # where a job goes from here
        self._news = news
        self._told_expiry = False
        self._comparing: set[str] = set()  # models whose first history link is being compared with a result
        self._held: dict[str, list[TrackedJob]] = {}  # per such model: jobs a sweep showed done, held meanwhile
        self._awaiting: dict[str, TrackedJob] = {}  # jobs whose first poll waits for the first sweep's answer
        # the job whose result call, on trial, was answered 404 (its request id), and that answer: told once its
        # status poll shows the record lives (a 404 of a record gone says nothing of how the endpoint answers)
        self._trial_missing: tuple[str, str] | None = None

    # ------------------------------------------------------------------ inboxes

    async def take_tracked(self, tracked: MemoryObjectReceiveStream[TrackedJob]) -> None:
        """Jobs the submitter sends once their request id is durable enter the schedule."""
        async with tracked:
            async for job in tracked:
                self.track(job)

    async def take_news(self) -> None:
        """What the sweeps find: a finished job is settled next; a change of health re-plans every job."""
        async with self._news:
            async for news in self._news:
                self.hear(news)

    def hear(self, news: SweepNews) -> None:
        """Act on one piece of sweep news."""
        if isinstance(news, Shown):
            job, row = news.job, news.row
            if row.status == "COMPLETED":  # (a row with no link cannot stand in for a record that dies)
                self.reconciler.links.shown(linked=bool(row.generation_url))
            if row.status == "COMPLETED" and row.latency_s is not None:
                job.server_latency = row.latency_s  # the history's measure, for learning
            elif news.unfinished_at is not None:  # no measure: learn from the sweeps' own bounds
                job.pending_age = max(job.pending_age, news.unfinished_at - job.submitted_at)
            if news.shown_at is not None and job.done_age is None:  # finished by then, not by when settled
                job.done_age = max(job.pending_age, news.shown_at - job.submitted_at)
            self.fetch_now(job, None if news.check else row)  # a check: settled by a result call
        else:
            self._replan(None)
            if not self.sweeper.sweeping:  # the history cannot be used: first polls held for it go now
                now = self.clock.now()
                for job in self._awaiting.values():
                    if job.state is JobState.SUBMITTED and not job.poll_running and not job.result_due:
                        self.schedule(job, now, at=now)
            self._awaiting.clear()

    # ------------------------------------------------------------------ poll tasks

    async def loop(self, tg: anyio.abc.TaskGroup) -> None:
        limiter = anyio.Semaphore(CONCURRENT_POLLS)
        clock = self.clock
        while not self.control.interrupted:  # after a signal, start nothing new
            now = clock.now()
            if self._heap and self._heap[0][0] <= now:
                _, (due, _, _), token, job = heapq.heappop(self._heap)
                if token != job.poll_token or job.state is not JobState.SUBMITTED or job.poll_running:
                    continue  # stale, finished, or being polled (it reschedules itself)
                if self._planned_again(job):
                    continue  # no request now (planned again): no turn taken
                if self.wait_turn(job, now, due):
                    continue  # the polls' share of the budget is taken: at its turn
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
            await self.granted(job)  # (if it sent nothing)
            job.poll_running = False
            limiter.release()

    # ------------------------------------------------------------------ one poll

    async def _poll(self, job: TrackedJob) -> None:
        assert job.request_id is not None
        rid = job.request_id
        if job.result_due:
            job.result_due = False
            links = self.reconciler.links
            # a record gone (found so, or past the life of records) leaves no result to compare the row's link
            # with: the row's is the only one, unless rows were found to link other files (then the result is
            # asked: a record that still lives gives the video, one gone leaves the history to say the rest)
            gone = job.record_gone or self.clock.now() - job.submitted_at >= self.plan.expiry
            linked = gone and links.history_urls is not False
            if job.swept is not None and (linked or links.trusts(job.spec.model, job.swept[0])):
                await self._settle_swept(job, *job.swept)
            elif job.swept is not None and links.history_urls is not False:
                await self._compare_or_hold(job)
            else:
                await self._fetch_result(job)
            return
        if job.record_gone:  # only the history speaks of it now
            await self._record_gone(job)
            return
        self._awaiting.pop(rid, None)
        # the polls that took turns are granted in the order they took them (they took them in the order due, the
        # one more likely done first): one ranked by how likely it is done when it asks would pass those that asked
        # before it, and while the budget is short the first to ask would wait for ever.  One at its record's expiry
        # guard, which takes no turn, is served as a result call is, before them and before submits, and so is one
        # still waiting for the budget when its guard comes: its record is about to die, and a video already paid
        # for comes before new work (a budget that 429s lowered may not have room for both).
        urgent_at = self.guard_poll_at(job)
        sent = self.clock.now()
        if self.result_polls is not False and await self._poll_result(job, urgent_at, sent):
            return
        status = await self._ask(job, Priority.POLL, lambda: self.api.status(rid), urgent_at=urgent_at)
        if status is None:
            return
        if self._trial_missing is not None and self._trial_missing[0] == rid:  # its record lives: the endpoint
            log.info(_RESULT_TRIAL_ENDED, self._trial_missing[1])  # answers 404 for a job unfinished
            self._trial_missing = None
        if status.state in UNFINISHED_STATES:
            self._unfinished(job, sent)
            return
        self._found_done(job, status.state)
        if status.state == "FAILED":
            self.untrack(job)
            await self.handover.fail(job, {"http": status.http, "detail": status.error or "FAILED without a message"})
            return
        await self._fetch_result(job)

    def _planned_again(self, job: TrackedJob) -> bool:
        """Whether a due status poll sends nothing now, planned again instead (it takes no turn): it waits for the
        first sweep, or it is a safety-net first poll now planned later."""
        if job.result_due or job.record_gone:
            return False  # (a result to fetch, a look-up in the history)
        return self._await_first_sweep(job) or self.planned_later(job)

    def _await_first_sweep(self, job: TrackedJob) -> bool:
        """Before the history has shown any job of ours, a job's first poll waits while a sweep is
        under way (queued behind submits, or reading): that one sweep may show it and every other job
        finished, or make per-job polls a sparse safety net.  Never past half its record's life."""
        sweeper = self.sweeper
        if job.polls or sweeper.healthy or not (sweeper.sweeping and sweeper.pending):
            return False
        now = self.clock.now()
        if now - job.submitted_at >= self.plan.guard / 2:
            return False
        self.schedule(job, now, at=now + self.min_interval_s)  # look again soon: the sweep may be answered
        self._awaiting[job.request_id or ""] = job
        return True

    async def _poll_result(self, job: TrackedJob, urgent_at: float, sent: float) -> bool:
        """Poll by asking for the result; False when a status poll must be made instead.
        Until one has answered QUEUED or PROCESSING these polls are trials: any error means
        the endpoint does not answer for unfinished jobs, and status polls are used from then on."""
        assert job.request_id is not None
        rid = job.request_id
        result: Result | None
        if self.result_polls:
            result = await self._ask(job, Priority.POLL, lambda: self.api.result(rid), urgent_at=urgent_at)
        else:
            try:
                result = await self.gateway.call(
                    Priority.POLL,
                    lambda: self.api.result(rid),
                    urgent_at=urgent_at,
                    retry_on=retry_never,
                    before=lambda: self.granted(job),
                )
            except GatewayRefusal:  # something in front of the API refused it: the endpoint told nothing
                self._unfinished(job, sent)
                return True
            except (NotFound, BadResponse, RequestRejected, InsufficientCredits, ServerError, RouteTrouble) as exc:
                if self.result_polls is None:
                    self.result_polls = False
                    self._trial_missing = (rid, str(exc)) if isinstance(exc, NotFound) else None
                    if self._trial_missing is None:
                        log.info(_RESULT_TRIAL_ENDED, exc)
                return False
            except TransientError:
                self._unfinished(job, sent)  # unknown either way: try again later
                return True
            if result.state in UNFINISHED_STATES:
                self.result_polls = True
        if result is None:
            return True
        if result.state in UNFINISHED_STATES:
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

    async def _fetch_result(self, job: TrackedJob) -> None:
        assert job.request_id is not None
        rid = job.request_id
        result = await self._ask(job, Priority.RESULT, lambda: self.api.result(rid))
        if result is None:
            return
        if result.state in UNFINISHED_STATES:  # a hint that was early
            job.done_age, job.swept = None, None
            self.schedule(job, self.clock.now())
            return
        await self._settle(job, result)

    async def _compare_or_hold(self, job: TrackedJob) -> None:
        """A sweep showed ``job`` finished with a link of a shape not yet trusted for its model.  One such
        job at a time per model gets a result call, which compares the two links; the others of that
        model wait for it (no request of their own), then settle from their rows if it matched, or
        one of them compares next if it did not tell."""
        model = job.spec.model
        if model in self._comparing:
            job.result_due = True  # settled next, once the comparison in flight has answered
            self._held.setdefault(model, []).append(job)
            return
        self._comparing.add(model)
        try:
            await self._fetch_result(job)
        finally:
            self._comparing.discard(model)
            now = self.clock.now()
            for held in self._held.pop(model, []):
                if held.state is JobState.SUBMITTED and held.result_due:
                    self.schedule(held, now)

    async def _settle_swept(self, job: TrackedJob, url: str, cost: float | None) -> None:
        """A sweep showed the job COMPLETED with its video's URL: download it without a result
        call (should that URL not give the video, the downloader asks the result for one)."""
        self._learn(job, None)  # from the row's latency_ms
        self.untrack(job)
        await self.handover.to_downloads(job, url, None, cost, from_history=True)

    async def _settle(self, job: TrackedJob, result: Result) -> None:
        """A finished job's result: learn from it, then fail it or hand it to the downloaders."""
        if job.swept is not None and result.output_url:
            self.reconciler.links.compare(job.spec.model, job.swept[0], result.output_url)
        if result.state == "COMPLETED":
            measured = server_latency(result.metrics)
            self._learn(job, measured)
            assert job.done_age is not None
            self.sweeper.judge(job, job.submitted_at + (measured if measured is not None else job.done_age))
        self.untrack(job)
        if result.state == "FAILED":
            await self.handover.fail(job, {"http": result.http, "detail": result.error or "FAILED without a message"})
            return
        if not result.output_url:  # finished and paid: its link must come from elsewhere
            await self.handover.look_elsewhere(
                job, "the API reported COMPLETED but gave no output URL", cost=result.cost
            )
            return
        if result.remaining_credits is not None:
            self.control.note_balance(result.remaining_credits)
        queue_s = result.metrics.get("queue_time")
        await self.handover.to_downloads(job, result.output_url, result.file_size, result.cost, queue_s=queue_s)

    async def _ask(
        self, job: TrackedJob, priority: Priority, fn: Callable[[], Awaitable[T]], *, urgent_at: float = math.inf
    ) -> T | None:
        """One status or result call for a job; None when the job was handled otherwise.

        404: the record is gone, so recover from the history.  Transient errors
        (5xx, network, 429 past its deadline) never fail a job: it is polled
        again, and at worst its record expires and the history takes over.  An
        answer that is not the API speaking about the job (a redirect away, a
        proxy's page, a malformed or refused answer) never fails it either:
        it is trouble on that route.  The job's video is then taken from the
        link a history sweep showed, if any; after ``retry.max_attempts`` such
        answers in a row it is looked up in the history (:meth:`Handover.look_elsewhere`).
        """
        try:
            value = await self.gateway.call(priority, fn, urgent_at=urgent_at, before=lambda: self.granted(job))
        except NotFound:
            if self._trial_missing is not None and self._trial_missing[0] == job.request_id:
                # its status is gone too: the trial's 404 said the record was gone, not how the endpoint answers
                self._trial_missing, self.result_polls = None, None
            self.record_gone_at(job.request_id or "", self.clock.now() - job.submitted_at)
            await self._record_gone(job)
            return None
        # a credit refusal (the account out of credits) on a read is a refusal of this call, not of the job:
        # the job was made, and it is polled on, or looked for in the history, as after any other refusal
        except (RouteTrouble, BadResponse, RequestRejected, InsufficientCredits) as exc:
            job.poll_errors += 1
            if job.swept is not None:  # the history showed it finished, with its link: fetch that
                url, cost = job.swept
                self.untrack(job)
                await self.handover.to_downloads(job, url, None, cost, from_history=True)
            elif job.poll_errors >= self.max_attempts:
                self.untrack(job)
                await self.handover.look_elsewhere(job, str(exc))
            else:
                job.polls += 1
                self.schedule(job, self.clock.now())
            return None
        except TransientError:
            job.polls += 1
            self.schedule(job, self.clock.now())
            return None
        if job.done_age is None:  # once it is known done, only its result counts: troubles there add up
            job.poll_errors = 0
        return value

    async def _record_gone(self, job: TrackedJob) -> None:
        """The job's record is gone (404): what the request history says of it decides.  A request it shows
        unfinished (a record that lives shorter than the job, or a stall) may yet finish and be paid: it is
        watched there, a look-up by id in place of each poll (and the sweeps), while a job of its kind could
        still be running (:func:`stalls.stall_age`); past that it is taken for stalled, lost (made anew only with
        ``--resubmit-lost``)."""
        found = await self.reconciler.recover_missing(job)
        now = self.clock.now()
        shown = isinstance(found, Running)  # the history showed it: it stands in, and a stall says nothing of length
        if isinstance(found, Running):
            made, began = self._stall_clock(job)
            if now < self._stall_from(job, began):
                job.record_gone = True
                job.polls += 1
                job.pending_age = max(job.pending_age, now - job.submitted_at)
                self.schedule(job, now)  # looked at again by when it would be taken for stalled (stalls_at)
                return
            found = self.reconciler.stalled(job, found.status, now - made, now - began if began > made else None)
        outlived = None  # its kind's tallies, where its death says that jobs of the kind outlive their records
        if isinstance(found, Gone | Later) and job.done_age is None:
            # most likely still in the account's queue, or on its workers (a stalled job, or one the history could
            # not be read for, too): it holds its place ahead of the jobs sent after it until it would be through
            # (one the history could not be read for may yet be found by a later run: no sign of its kind's length)
            kind = latency_key(job.spec) if isinstance(found, Gone) and not shown else None
            outlived = self.life.died(job.request_id or "", kind)
            if outlived is not None and isinstance(found, Gone):  # it did not wait: fewer in flight would not help
                found = Gone(found.detail.replace(FEWER_IN_FLIGHT, WAITED_FOR_NONE))
        elif isinstance(found, Found) and (found.latency_s is not None or job.done_age is not None or job.record_gone):
            self._learn(job, found.latency_s)  # a finish this run saw, or the row's measure of it: one to learn
        self.untrack(job)
        if isinstance(found, Found | Failed):
            self.finishes.add(job.submitted_at, now)  # (its history row showed it finished: not in done_age)
        else:  # given up, or left: the jobs watched behind it wait for it no longer; the first of them, if no other
            # job is ahead of it now, may be taken for stalled at once (the others wait behind that one still)
            first = min(
                (o for o in self.by_request.values() if o.record_gone and o.submitted_at > job.submitted_at),
                key=lambda other: other.submitted_at,
                default=None,
            )
            if first is not None and not first.poll_running:
                self.schedule(first, now)
        await self.handover.recovered(job, found, outlived=outlived)

    def _stall_clock(self, job: TrackedJob) -> tuple[float, float]:
        """A job watched in the history: when it was known made, and when it had surely begun its own time on a
        worker (run seconds).  It was made when this run's answer, or its attaching, said (a job found in the
        history is dated from the earliest its lost POST may have gone, which may be well before it was made).
        It began no sooner than the last job of ours sent before it was seen finished, for it waits behind them in
        the account's queue; while one of them is still polled or watched, it may still be waiting (now)."""
        made = job.submitted_at if job.made_by is None else max(job.submitted_at, job.made_by)
        began = max(made, self.finishes.last_before(job.submitted_at))
        for other in self.by_request.values():
            if other is job or other.submitted_at >= job.submitted_at:
                continue
            if other.done_age is None:
                return made, self.clock.now()
            began = max(began, other.submitted_at + other.done_age)  # seen finished, its result not yet had
        return made, began

    def _stall_from(self, job: TrackedJob, began: float) -> float:
        return began + stall_age(self.latency, latency_key(job.spec), self.reconciler.slowest_listing())

    def stalls_at(self, job: TrackedJob) -> float:
        """When a job watched in the history (its record died while it showed the job unfinished) is taken for
        stalled, in run seconds (:mod:`stalls`)."""
        return self._stall_from(job, self._stall_clock(job)[1])

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
        took = bounded_finish(job.pending_age, job.done_age, server)
        self.sweeper.queue.finished(job, took)
        bracketed = job.pending_age > 0 or server is not None
        self.life.finished(job.request_id or "", took, bracketed=bracketed, seen=job.done_age)
        self.life.kinds.made(key)
        if self.latency.observe(key, took):
            self._replan(key)

    def record_gone_at(self, request_id: str, age: float) -> None:
        """A request's record was found gone ``age`` seconds after its submit (by this run, or by an earlier
        one as its ledger says): records may live shorter than configured."""
        if age < 2 * self.min_interval_s or not self.plan.records_expire_by(age):
            return
        self.reconciler.records_found_to_last = self.plan.expiry  # what a job lost to it is told
        self.replan()  # (a poll planned at the guard as it was would come after the record died)
        if not self._told_expiry:
            self._told_expiry = True
            log.warning(
                "request %s was gone %.0fs after submission, sooner than polling.expiry_s: records live "
                "shorter than configured, so every job is now polled within %.0fs of submission; "
                "lower polling.expiry_s to match",
                request_id,
                age,
                self.plan.guard,
            )


_RESULT_TRIAL_ENDED = "the result endpoint did not answer for an unfinished job (%s): polling status"
