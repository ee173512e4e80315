"""The submit stage: the feeder, the submitters, and what a submit's answer means.

* The **feeder** hands jobs to the submitters over a bounded stream, never
  letting more than ``concurrency`` jobs be in flight (the book counts them),
  but one more while every one in flight is a submit of unknown outcome
  being looked up: only a request sent after theirs can show the history
  caught up with them;
  it stops at the first 406 "insufficient credits" or when the next job's
  estimated cost would pass the spend cap, and marks what is left
  ``deferred``.
* A **submitter** writes ``submitting``, POSTs, and writes ``submitted`` with
  the request id (fsynced) before the job is ever polled.  A submit is sent
  again only if it surely never reached the server or was refused with 429;
  an ambiguous one (5xx, or no answer after sending) is first settled from
  the request history (``recovery.Reconciler``), whose verdict this stage
  acts on: attach, resubmit, or leave it for a later run.  So no job is paid
  for twice.
* A job with a durable request id is sent to the poller on a stream.
* A job whose video can no longer be had arrives from the poller or the
  downloaders as :class:`messages.Lost` (:meth:`Submitter.take_lost`); in a
  task of this stage it is made again with ``--resubmit-lost``, keeping its
  slot, or else ends ``expired``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ..api.client import ApiClient
from ..api.gateway import Gateway, retry_unsent
from ..api.ratelimit import Priority
from ..clock import Clock, iso_utc
from ..config import Settings
from ..errors import (
    AmbiguousSubmit,
    ApiUnreachable,
    AuthError,
    BadResponse,
    ImageChanged,
    InsufficientCredits,
    InvalidContentType,
    NetworkError,
    NotFound,
    NotTheApi,
    PermanentError,
    RateLimited,
    RequestRejected,
    TransientError,
)
from ..jobs import Event, JobState, StopReason, TrackedJob
from ..models import catalogue
from ..models.images import holds_images, verify_images, wire_json
from ..models.price import passes_cap
from .balance import read_balance
from .book import JobBook
from .control import RunControl
from .identity import fingerprint
from .inline_forms import InlineForms
from .life_cap import LifeCap
from .messages import Lost
from .outcome import RunReport
from .pollplan import latency_key
from .recovery import Reconciler
from .resume import CLOCK_SLACK_S
from .trials import Lineup, Trials
from .verdicts import Attach, Leave

log = logging.getLogger("batchgen")
IMAGE_BODIES_AT_ONCE = 1  # each is the image, its base64 and its JSON: about 4x the file while it lives
LEDGER_SHIELD_S = 30.0  # real seconds a request id's ledger write may outlive a cancelled run
# the states of a job in flight whose estimate may yet be given back: its request may come to nothing
MAY_GIVE_BACK = (JobState.PENDING, JobState.SUBMITTING, JobState.SUBMITTED)


class Submitter:
    """Feeds, submits and settles jobs; sends each job to the poller once its request id is durable."""

    def __init__(
        self,
        *,
        book: JobBook,
        gateway: Gateway,
        api: ApiClient,
        reconciler: Reconciler,
        control: RunControl,
        clock: Clock,
        settings: Settings,
        tracked: MemoryObjectSendStream[TrackedJob],
        resubmit_lost: bool,
        life: LifeCap,
    ) -> None:
        self.book, self.gateway, self.api, self.reconciler = book, gateway, api, reconciler
        self.life = life  # how many may be in flight where a job must finish within its record's life
        self.control, self.clock, self.settings = control, clock, settings
        self._tracked = tracked
        self.resubmit_lost = resubmit_lost
        self.fed_all = False
        reconciler.more_to_send = self._more_to_send
        reconciler.others_looked_up = self._others_looked_up
        reconciler.others_unsettled = self._others_unsettled
        # Bounded so that a shutdown never waits on a POST for longer than one request can take.
        self._shield_s = settings.api.request_timeout_s + 5.0
        # Image bodies (megabytes of base64 each) are built and sent this many at a time, whatever the
        # number of submitters, so the run's memory does not grow with them.
        self._image_slots = anyio.CapacityLimiter(IMAGE_BODIES_AT_ONCE)
        self._asking = anyio.Lock()  # one submit at a time asks a silent API whether it answers again
        # why the log said submits wait (a silent API, or submits refused), and not yet that they go on
        self._told_why: str | None = None
        self._inline = InlineForms()  # which form each model's gateway takes an inlined image in
        self._settling = 0  # jobs whose submit's outcome is unknown, being looked up now
        self._looked_up: set[str] = set()  # ... their ids
        self._beside: TrackedJob | None = None  # the job last sent beyond the slots, beside them
        self._queued: set[str] = set()  # the ids of the jobs the feeder was given to send
        self._resend: set[str] = set()  # ... of jobs whose lost submit was shown never made, not yet sent again
        self._no_rerun: set[str] = set()  # ... of jobs left with the word that a plain re-run cannot settle them
        self._remade: set[str] = set()  # ... of jobs made anew in this run once their video was lost (once each)
        # the job handed over while no answer of the run had been the API's: the next waits for its submit's answer,
        # so a base URL that is not the API's is shown by one submit, not by a slot's worth (NotTheApi)
        self._probe: TrackedJob | None = None
        # one job at a time of a kind on trial
        self.trials = Trials(
            book,
            clock,
            lambda: self.life.kinds,
            lambda sent_at: self.life.through(sent_at),
            lambda job: job.spec.id in self._resend,
        )
        self._lineup = Lineup((), self.trials)  # the jobs the feeder has yet to hand over

    @property
    def report(self) -> RunReport:
        return self.control.report

    # ------------------------------------------------------------------ before the run

    async def preflight(self, to_submit: list[TrackedJob]) -> None:
        """Read the balance and warn when the batch's estimated cost exceeds it (``balance.py``)."""
        await read_balance(self.gateway, self.api, self.report, to_submit)

    # ------------------------------------------------------------------ feeder

    async def feed(self, send: MemoryObjectSendStream[TrackedJob], queue: list[TrackedJob]) -> None:
        limits = self.settings.limits
        cap = limits.max_spend_usd
        book = self.book
        self.fed_all = False
        self._queued = {job.spec.id for job in queue}
        self._lineup = lineup = Lineup(queue, self.trials)
        async with send:
            while (job := await self._next_in_line(lineup)) is not None:
                if not self.control.stopping and (why := self._kind_held(job)) is not None:
                    await self._keep_back(job, Event.OUTLIVES_RECORD, why, **self._kind_counts(job))
                    continue  # (it takes no slot first)
                cost, fits = job.estimate or 0.0, True
                while not self.control.stopping:
                    await book.until(
                        lambda: (self._may_send() and not self._probing()) or self.control.stopping,
                        clock=self.clock,
                        recheck=self.life.recheck_in,
                    )
                    fits = self.control.stopping or cap is None or await self._under_cap(cost, cap)
                    # (the wait for estimates given back may be long: the room it began in may have shrunk since)
                    if not fits or self.control.stopping or (self._may_send() and not self._probing()):
                        break
                if self.control.stopping:  # (perhaps while it waited for the jobs in flight)
                    await self._defer(job)
                    continue
                if not fits:
                    self.report.stop_reason = self.report.stop_reason or StopReason.SPEND_CAP
                    await self._defer(job, reason=f"the estimated spend would pass the cap of ${cap:.2f}")
                    continue
                if lineup.set_aside(job):  # another job of its kind went to try it meanwhile
                    continue
                book.take(job)
                lineup.current = None
                self.trials.claim(job)
                if book.in_flight > limits.concurrency:
                    self._beside = job
                if not self.api.spoken:
                    self._probe = job
                await send.send(job)
        self.fed_all = True
        book.wake()

    async def _next_in_line(self, lineup: Lineup) -> TrackedJob | None:
        """The next job to hand over (None: every one was), waiting while only jobs set aside are left (they wait
        for their kind's trial, or for jobs of a held kind in flight: :class:`trials.Lineup`)."""
        while (job := lineup.next(stopping=self.control.stopping)) is None and lineup.waiting:
            await self.book.until(
                lambda: self.control.stopping or lineup.ready(), clock=self.clock, recheck=self.life.recheck_in
            )
        return job

    async def _under_cap(self, cost: float, cap: float) -> bool:
        """Whether a job of estimate ``cost`` fits under the spend cap (``False`` too if the run stops meanwhile).
        Jobs in flight hold their estimates until the API says what they cost, and one that fails gives its
        estimate back: a job the cap would refuse waits for them first.  Deferred at once, it would be left
        unsent by a cap with room for it, and the summary's "the same cap stops here again" would be false."""
        book = self.book

        def fits() -> bool:
            return not passes_cap(book.committed, cost, cap)

        await book.until(lambda: fits() or not self._may_give_back() or self.control.stopping)
        return fits() and not self.control.stopping

    def _may_give_back(self) -> bool:
        """Whether a job in flight holds its estimate while its request may yet come to nothing: its submit
        still to go out or to be answered, or made with no cost reported yet (it may fail).  A submit of
        unknown outcome being looked up is not waited for: what settles it may be a request sent after it."""
        return any(
            job.cost is None and job.state in MAY_GIVE_BACK and job.spec.id not in self._looked_up
            for job in self.book.holding()
        )

    def _more_to_send(self, job: TrackedJob, this_run: bool = False) -> bool:
        """Whether a request of this run, or of a re-run, may still be sent after ``job``'s lost submit: a job
        not yet handed over, or deferred (a stop, the spend cap, a reason of its own) or pending again, one handed
        over whose POST is still to go out (waiting for the budget, or to be sent again after a 429), or, with
        ``--resubmit-lost``, one in flight that may be made again.  Jobs being looked up themselves send nothing
        until one is settled.  ``this_run``: by this run, before it ends: not after a stop, nor one that waits
        for a trial of unknown outcome (:meth:`_waits_on_unknown`), and a job not yet handed over only once a slot
        frees (a job in flight ends) or it may be sent beside submits being looked up."""
        if this_run and (self.control.stopping or self.report.stop_reason is not None):
            return False
        # a re-run sends what this run left unsent (rows not handed over, deferred by a stop or a reason of their
        # own, or pending again), and else only what a run with no stop would (below)
        if not this_run and (
            not self.fed_all or any(other is not job and self._left_unsent(other) for other in self.book.jobs)
        ):
            return True
        for other in self.book.jobs:
            if other is job or not other.holds_slot or self._waits_on_unknown(other):
                continue
            if other.state is JobState.SUBMITTING:
                if other.spec.id not in self._looked_up:
                    return True
            elif other.state in (JobState.SUBMITTED, JobState.DOWNLOADING):
                if self.resubmit_lost or not self.fed_all:
                    return True
            else:  # handed over, its POST not yet sent
                return True
        return self._fed_after(job) and self._may_send()

    def _fed_after(self, job: TrackedJob) -> bool:
        """Whether the feeder has a job to hand over that may be sent before the run ends."""
        return not self.fed_all and not all(map(self._waits_on_unknown, self._lineup.left()))

    def _waits_on_unknown(self, job: TrackedJob) -> bool:
        """Whether ``job`` waits for the job trying its kind (:mod:`trials`) while that one's submit's outcome is
        unknown: sent, if at all, only once its look-up has ended (one left so holds it back for a later run), so
        a look-up that waits for a request sent after it does not wait for ``job``.  (One of a held kind set aside
        while jobs of it are in flight is waited for: they end, and a video of theirs may end the hold.)"""
        first = self.trials.blocker(job)
        return first is not None and first.state is JobState.SUBMITTING

    async def _others_looked_up(self, job: TrackedJob, done: Callable[[], bool]) -> None:
        """Wait until ``done()``, or until none of the other jobs whose outcome is unknown now (sent, or lost and
        looked up) is so still, but those whose rows nothing tells apart either (or the run stops).  Jobs sent
        later made no row the look-up read."""
        rec = self.reconciler

        def in_flight(other: TrackedJob) -> bool:  # (a request of another model makes no row of this one's)
            return other.state is JobState.SUBMITTING and other.holds_slot and other.spec.model == job.spec.model

        def unknown(other: TrackedJob) -> bool:
            # one waiting so too is waited for only once one of its own rows is claimed: it looks again, and
            # may then prove one of this job's rows its own
            return in_flight(other) and (
                other.spec.id not in rec.torn or any(rid in rec.claimed for rid in rec.torn[other.spec.id])
            )

        now = [other for other in self.book.jobs if other is not job and in_flight(other)]
        await self.book.until(lambda: done() or self.control.stopping or not any(map(unknown, now)))

    def _others_unsettled(self, job: TrackedJob) -> bool:
        """Whether another job's outcome is still unknown, but for those whose rows nothing tells apart either
        (waiting or left so) and those left as a plain re-run cannot settle: its submit in flight or lost, it
        may yet prove one of ``job``'s rows its own."""
        rec = self.reconciler
        return any(
            other is not job
            and other.state is JobState.SUBMITTING
            and other.spec.model == job.spec.model  # (another model's request makes no row of this one's)
            and other.spec.id not in rec.torn
            and other.spec.id not in rec.torn_left
            and other.spec.id not in self._no_rerun  # (a re-run settles it no more than this run did)
            for other in self.book.jobs
        )

    def _left_unsent(self, job: TrackedJob) -> bool:
        """Whether a job is left for a re-run to send: pending or deferred, or one of this run's rows to send
        (a failed or expired one to be made again) that a stop kept from being sent."""
        if job.state in (JobState.PENDING, JobState.DEFERRED) or job.spec.id in self._resend:
            return True  # (a submit shown never made, kept by the stop from being sent again: a re-run sends it)
        return job.spec.id in self._queued and not job.posted

    def _held_back(self, job: TrackedJob) -> bool:
        """Whether a job handed over while the room had it must wait before its POST: its submit waited for the
        budget (a 429's cooldown), and meanwhile a job was seen to wait for a worker where no history stands in
        for a record, so the life cap shrank, and the jobs already sent fill it, or those whose records were found
        dead meanwhile do (still in the account's queue, they hold no slot of ours).  Sent anyway, it would wait
        in the account's queue past its record's life.  None waits with no job known made ahead of it: not beside
        submits of unknown outcome alone (a request sent after them is what settles them)."""
        sent = sum(1 for other in self.book.holding() if other is not job and other.request_id is not None)
        if not sent and not self.life.dead_ahead():
            return False
        return sent >= self.life.room(self.settings.limits.concurrency, sent)

    def _probing(self) -> bool:
        """Whether a job's submit is out before any answer of the run was the API's (the next waits for it)."""
        return self._probe is not None and not self.api.spoken

    def _answered(self, job: TrackedJob) -> None:
        """``job``'s submit was answered, or will not be sent: the next job may go, if it waited for it."""
        if self._probe is job:
            self._probe = None
            self.book.wake()

    def _may_send(self) -> bool:
        """Whether the next job may be sent: a slot is free, or every job in flight is a submit of unknown
        outcome being looked up and none is in flight beside them yet.  Only a request sent after such a
        submit, listed, shows the history caught up with it: with every slot held by them (one slot, or a
        killed run's), none would be sent and none settled, in this run or any later one.  One beside
        them, however it ends: a server erring on every submit would have each sent beside the last."""
        book, beside = self.book, self._beside
        if book.in_flight < self.life.room(self.settings.limits.concurrency, book.in_flight):
            return True
        return 0 < book.in_flight <= self._settling and (beside is None or not beside.holds_slot)

    async def _defer(self, job: TrackedJob, reason: str | None = None) -> None:
        """Mark a job not submitted because submission stopped (it holds no slot)."""
        if self._left_as_they_were() and reason is None:
            return
        why = reason or self.report.stop_detail or "submission stopped"
        await self.book.record(job, Event.DEFERRED, JobState.DEFERRED, error={"detail": why}, **self._kind_counts(job))

    async def _refused_content_type(self, job: TrackedJob, exc: InvalidContentType) -> None:
        """Leave a job whose submit was answered 406 "Invalid content type" 'submitting', with that reason: the
        run stops, and the next run looks the submit up before it sends it again (the answer may be a proxy's)."""
        why = (
            f"its submit was answered HTTP 406 ({exc.detail or 'Invalid content type'}): the request's content "
            "type refused, and the run stopped; the next run looks it up in the request history before sending "
            "it again"
        )
        await self._left_unknown(job, {"kind": type(exc).__name__, "detail": why})

    async def _left_unknown(self, job: TrackedJob, error: dict[str, Any]) -> None:
        """Leave a job 'submitting' as a submit of unknown outcome, for the next run to look up before it sends it
        again: the run stops without looking it up itself."""
        await self.book.record(
            job, Event.SUBMIT_UNKNOWN, JobState.SUBMITTING, error=error, unknown_at=iso_utc(self.clock.epoch())
        )

    async def _not_the_api(self, job: TrackedJob, exc: NotTheApi) -> NotTheApi:
        """The first submit was answered by something that is not the API: the job is left as that answer allows
        (a refusal made nothing: pending again; else its outcome is unknown, looked up by the next run), and the
        run stops with one line that says what answered, where, and what became of the job."""
        if exc.made:
            became = (
                f"Job {job.spec.id} may have been made all the same (an HTTP {exc.status} answer does not say it was "
                "not): the next run looks it up in the request history before it sends it again"
            )
        else:
            became = f"It refused job {job.spec.id}'s submit (HTTP {exc.status}): nothing was made or paid for"
        told = NotTheApi(f"{exc}. {became}", status=exc.status, made=exc.made, answered=exc.answered)
        self.control.fatal(told)  # before anything awaits: no other job is handed over after this answer
        error = {"kind": type(exc).__name__, "http": exc.status, "detail": exc.answered}
        if exc.made:
            error["detail"] = f"{exc.answered}; it may have made a job all the same"
            await _durably(self._left_unknown(job, error))
        else:
            await _durably(self.book.finish(job, Event.SUBMIT_POSTPONED, JobState.PENDING, error=error))
        return told

    async def _image_changed(self, job: TrackedJob, exc: ImageChanged) -> None:
        """Leave a job whose input image changed after it was checked, unsent, for the next run to check anew."""
        await self._keep_back(job, Event.IMAGE_CHANGED, str(exc))

    async def _keep_back(self, job: TrackedJob, event: Event, why: str, **fields: Any) -> None:
        """Leave a job unsent for a later run: deferred by a reason of its own, not by a stop (a line each time,
        though an earlier run deferred it)."""
        write = self.book.finish if job.holds_slot else self.book.record  # (one not handed over holds no slot)
        await _durably(write(job, event, JobState.DEFERRED, error={"detail": why}, **fields))
        self.report.held_back.append((job.spec.id, why))

    def _kind_held(self, job: TrackedJob) -> str | None:
        """Why ``job`` is not sent: jobs of its kind outlive their records, and nothing else could fetch it (or the
        job sent to try its kind may or may not have been made: none goes beside it)."""
        return self.life.kinds.held(latency_key(job.spec)) or self.trials.held(job)

    def _kind_counts(self, job: TrackedJob) -> dict[str, Any]:
        """The counts a line of ``job`` carries where its kind is held or on trial (a held job's line, or a stop's,
        which may replace a line that carried them): a later run takes the kind up from the latest of them."""
        kind, kinds = latency_key(job.spec), self.life.kinds
        return {"outlived": kinds.tallies(kind)} if kinds.held(kind) or kinds.on_trial(kind) else {}

    # ------------------------------------------------------------------ submitters

    async def loop(self, receive: MemoryObjectReceiveStream[TrackedJob]) -> None:
        async with receive:
            async for job in receive:
                await self.control.guard(lambda job=job: self.submit(job))  # type: ignore[misc]

    async def submit(self, job: TrackedJob) -> None:
        """Submit until the job has a request id, or ends for this run; it holds a slot throughout."""
        refused: dict[str, set[str]] = {}  # the inline forms each of its image fields was refused in
        try:
            while await self._submit_once(job, refused):
                pass
        finally:
            self._answered(job)

    async def _submit_once(self, job: TrackedJob, refused: dict[str, set[str]]) -> bool:
        """One submit and its consequences; True when it must be sent again."""
        book = self.book
        if self.control.stopping:
            if self._left_as_they_were():
                book.drop(job)
            else:
                await self._deferred_by_stop(job)
            return False
        if (why := self._kind_held(job)) is not None:
            await self._keep_back(job, Event.OUTLIVES_RECORD, why, **self._kind_counts(job))
            return False
        if self.trials.waits(job):  # (sent, not fed: the feeder sets those aside)
            await book.until(lambda: self.control.stopping or not self.trials.waits(job))
            return True
        self.trials.claim(job)
        payload = job.spec.payload()
        images = holds_images(payload)
        if images:
            try:  # the input image is checked against its digest before anything is written or sent
                async with self._image_slots:
                    await anyio.to_thread.run_sync(verify_images, payload)
            except ImageChanged as exc:
                await self._image_changed(job, exc)
                return False
        when: dict[str, float] = {}  # the last attempt's POST went out at: "epoch", and "now" on the run clock
        sent: dict[str, Any] = {}  # an image job's POST says here which inline forms it used, and if they were refused

        async def stamp() -> None:  # the budget has granted the POST
            if self.control.stopping:  # stopped while this submit waited for the budget: send nothing
                raise _Withdrawn
            if self._held_back(job) or self._kind_held(job):  # the room it was handed over in has shrunk since,
                raise _Held  # or its kind is now held: not yet
            if not self.gateway.may_send():  # the API has been silent since (an outage): not into it (last: a
                raise _Unheard  # submit let go as the ask is let go only by a submit that is then sent)
            await self._stamp(job, payload, when)
            if self.control.stopping:  # stopped while its line was written (an fsync): still nothing sent
                raise _Withdrawn
            job.posted = True  # from here on it may reach the server, whatever comes back

        try:
            try:
                # an image job takes its turn to build and send a body before it asks the budget for its POST, so
                # the time its 'submitting' line records (a look-up's lower bound for the job's row) is the POST's,
                # not that of the wait for another image job's upload
                async with self._image_slots if images else contextlib.nullcontext():
                    sub = await self.gateway.call(
                        Priority.SUBMIT,
                        lambda: self._post(job.spec.model, payload, images, sent, refused, job.spec.id),
                        before=stamp,
                        retry_on=retry_unsent,
                        shield_s=self._shield_s,
                        on_abandon=lambda last: self._abandoned(job, last, when),
                    )
            finally:
                self._answered(job)
        except (_Held, _Unheard) as held:  # granted, not sent: nothing this job sent was received (a submit is
            # sent again only when it surely was not), and it waits for its turn, or for the API to answer again
            try:
                if isinstance(held, _Unheard):
                    await self._until_heard()
                else:
                    await book.until(
                        lambda: self.control.stopping or not self._held_back(job), clock=self.clock,
                        recheck=self.life.recheck_in,
                    )  # fmt: skip
            except ApiUnreachable as exc:  # run-wide
                if job.state is JobState.SUBMITTING:  # its line says 'submitting', though nothing was sent
                    await self._unreached(job, exc)
                raise
            except anyio.get_cancelled_exc_class():  # the run ends
                await _durably(self._postponed(job, when))
                raise
            if not self.control.stopping:
                return True  # its turn now
            await self._withdrawn(job, when)
            return False
        except _Withdrawn:
            await self._withdrawn(job, when)
            return False
        except InsufficientCredits as exc:
            self.control.credit_stop(exc)
            await _durably(self._deferred_by_stop(job))
            return False
        except ImageChanged as exc:  # changed between the check above and the POST: nothing was sent
            await self._image_changed(job, exc)
            return False
        except NotTheApi as exc:  # run-wide: the base URL answers, but not as the API
            raise await self._not_the_api(job, exc) from exc
        except AmbiguousSubmit as exc:
            until = self.clock.epoch()  # made by now, if it was made
            # (for a later run: a request of ours sent after then, listed, shows the history caught up past it.
            # Its posted_at and this are both cut to the millisecond: a later millisecond is a later time.)
            await book.record(
                job, Event.SUBMIT_UNKNOWN, JobState.SUBMITTING, error=exc.to_record(), unknown_at=iso_utc(until)
            )
            job.submit_attempts += 1
            return await self.settle(job, since=when["epoch"], until=until)
        except AuthError as exc:  # run-wide; answered 401/403, refused: nothing was made, the job is pending again
            await _durably(book.finish(job, Event.SUBMIT_POSTPONED, JobState.PENDING, error=exc.to_record()))
            raise
        except InvalidContentType as exc:
            # run-wide: perhaps not the API's answer (a proxy's?), so the job stays 'submitting', its reason said,
            # for the next run to look up before it sends it again
            await _durably(self._refused_content_type(job, exc))
            raise InvalidContentType(
                f"the API refused the content type of job {job.spec.id}'s submit to model {job.spec.model} "
                f"(HTTP 406: {exc.detail or 'Invalid content type'}) though batchgen sends JSON: a bug in batchgen, "
                "or a proxy between it and the API that changed the request; report it. The run stopped at once; "
                "nothing paid is lost: jobs in flight stay resumable, and the next run looks this submit up in the "
                "request history before sending it again. Run the same command again to resume",
                status=exc.status,
                detail=exc.detail,
            ) from exc
        except ApiUnreachable as exc:
            cause = exc.__cause__
            if isinstance(cause, NetworkError) and not cause.reached_server:  # surely not created
                await self._unreached(job, exc)
            raise  # run-wide; a submit that may have been received stays 'submitting' for the next run
        except (RequestRejected, NotFound, BadResponse) as exc:
            if sent.get("again"):
                return True  # only the image's form was refused (nothing was created): send it in the other
            await _durably(book.finish(job, Event.FAILED, JobState.FAILED, error=exc.to_record()))
            return False
        except (TransientError, PermanentError) as exc:
            # Surely not created (refused connection, 429 past the deadline): back to pending, even if
            # the run is being cancelled just now.
            self.report.pending_own.add(job.spec.id)
            await _durably(book.finish(job, Event.SUBMIT_POSTPONED, JobState.PENDING, error=exc.to_record()))
            return False
        self._tell_heard()  # (a submit answered: where the run said submits wait, they go on)
        await self.attach(job, sub.request_id, sent=self.clock.epoch(), sent_at=when["now"], sent_from=when["epoch"])
        return False

    async def _unreached(self, job: TrackedJob, exc: ApiUnreachable) -> None:
        """A job the run's reachability bound stopped before anything it sent was received: pending again."""
        await _durably(self.book.finish(job, Event.SUBMIT_POSTPONED, JobState.PENDING, error={"detail": str(exc)}))

    async def _until_heard(self) -> None:
        """Wait while the API is silent (:attr:`Gateway.heard`: an outage's 503s, no answer), or its submits are
        refused in front of it: a submit sent into either has an unknown outcome, looked up before it is ever
        sent again, and with no request history never settled.  Any call answered ends a silence (a poll's, a
        sweep's), and only a submit answered by the API a refusal; where none is, one submit at a time asks
        (:meth:`Gateway.ask`: a call that pays for nothing, or, where only submits are refused, lets one go)
        when it is due.  The run's reachability bound still holds: past ``api.unreachable_after_s`` of silence,
        or of submits refused, the ask raises ApiUnreachable (exit 6)."""
        gateway, control = self.gateway, self.control
        async with self._asking:
            if gateway.heard or gateway.one_through or control.stopping:
                self._tell_heard()
                return
            refused = gateway.only_submits_refused
            why = _SUBMITS_REFUSED if refused else _API_SILENT
            if self._told_why != why:  # (said once, and again only where the reason has changed)
                self._told_why = why
                log.warning(why, gateway.submits_refused_error if refused else gateway.silent_error)
            while not (gateway.heard or gateway.one_through or control.stopping):
                if self.clock.now() < gateway.ask_at():
                    await self.book.until(
                        lambda: gateway.heard or control.stopping or self.clock.now() >= gateway.ask_at(),
                        clock=self.clock,
                        recheck=lambda: min(1.0, max(0.0, gateway.ask_at() - self.clock.now())),
                    )
                else:
                    await gateway.ask()
            self._tell_heard()

    def _tell_heard(self) -> None:
        """Say once that the API answers submits again, where the run said they wait."""
        if self._told_why is not None and self.gateway.heard:
            self._told_why = None
            log.warning("the API answers again: submits go on")

    async def _stamp(self, job: TrackedJob, payload: dict[str, Any], when: dict[str, float]) -> None:
        """Write an attempt's 'submitting' line once the budget has granted its POST, just before it goes
        out: the line dates the POST (a later run bounds when it may have been made by it, and ``posting_at``
        carries that past the lines after it), and a job stopped or killed while it waited for its turn
        has none, plainly never sent.  Every attempt writes one: one sent again after a 429 goes out later."""
        when["epoch"], when["now"] = self.clock.epoch(), self.clock.now()
        self.trials.posted(job)
        self._resend.discard(job.spec.id)
        self.report.pending_own.discard(job.spec.id)  # sent again: pending again only for a new reason
        # Cancelled while it is written, the line may still reach the ledger with a later group commit:
        # the gateway abandons the call (:meth:`_abandoned` says after it that nothing was sent).
        await self.book.record(
            job,
            Event.SUBMITTING,
            JobState.SUBMITTING,
            params=payload,
            fingerprint=fingerprint(job.spec.model, job.spec.params),
            paid_before=round(job.paid_before, 6) or None,
            ended_requests=job.ended_requests or None,
            posting_at=iso_utc(when["epoch"]),
        )

    async def _post(
        self,
        model: str,
        payload: dict[str, Any],
        images: bool,
        sent: dict[str, Any],
        refused: dict[str, set[str]],
        job_id: str = "",
    ) -> Any:
        """POST one body; an image job's body (its base64) exists only now, one at a time.  A refusal of an
        image's inline form is judged here, before the next image body is built, so it is paid once."""
        if not images:
            return await self.api.submit(model, payload)
        # (the caller holds an image slot: one body at a time)
        forms = self._inline.forms_for(model, payload, refused)
        body = await anyio.to_thread.run_sync(wire_json, catalogue.current().get(model), payload, forms)
        try:
            answer = await self.api.submit(model, body)
        except RequestRejected as exc:
            sent["again"] = self._inline.refused(model, exc, forms, refused, job_id)
            raise
        finally:
            del body
        self._inline.succeeded(model, forms)
        return answer

    async def _abandoned(self, job: TrackedJob, last: Exception | None, when: dict[str, float]) -> None:
        """The run ended between attempts of this submit: if none can have created a job, it is pending again."""
        if last is None or isinstance(last, RateLimited) or retry_unsent(last):
            await self._postponed(job, when)

    async def _withdrawn(self, job: TrackedJob, when: dict[str, float]) -> None:
        """The run stopped submitting while this submit waited, nothing of it sent that could make a job: pending
        again after a signal or an error, else (a credit stop, the spend cap) deferred."""
        if self._left_as_they_were():
            await _durably(self._postponed(job, when))
        else:
            await _durably(self._deferred_by_stop(job))

    async def _deferred_by_stop(self, job: TrackedJob) -> None:
        """A job handed over (it holds a slot) that a credit stop or the spend cap kept from being sent: deferred,
        with the stop's own words (every job it defers is given them: one reason, not two)."""
        await self.book.finish(
            job, Event.DEFERRED, JobState.DEFERRED, error=self._stop_error(), **self._kind_counts(job)
        )

    async def _postponed(self, job: TrackedJob, when: dict[str, float]) -> None:
        """A submit stopped with nothing sent: pending again.  Before any 'submitting' line of it (``when``
        is set as one is written) the ledger is left as it was, as for a job never handed out: a failed or
        expired job to be made again keeps naming its ended request, whose cost the next run counts once,
        where a 'pending' line would pass that request to the next 'submitting' line."""
        if "epoch" not in when and job.state is not JobState.SUBMITTING:
            self.book.drop(job)
            return
        await self.book.finish(
            job, Event.SUBMIT_POSTPONED, JobState.PENDING, error=self._stop_error(), **self._kind_counts(job)
        )

    def _left_as_they_were(self) -> bool:
        """Whether the stop leaves the jobs it kept from being sent as they were (pending, to be sent by the next
        run): a signal's, or an error's (a 406 "Invalid content type", a refused key, an API out of reach), not
        'deferred', which says credits ran out or the spend cap was met (``status`` tells the operator so)."""
        return self.report.stop_reason == StopReason.INTERRUPTED or self.report.fatal is not None

    def _stop_error(self) -> dict[str, Any]:
        return {"detail": self.report.stop_detail or "submission stopped"}

    async def settle(self, job: TrackedJob, *, since: float, until: float | None = None, resumed: bool = False) -> bool:
        """Act on the reconciler's verdict for an unknown submit (``resumed``: an earlier run's); True
        when it must be sent again."""
        self._looked_up.add(job.spec.id)  # until its verdict is acted on (a job left is finished first)
        try:
            return await self._settle(job, since=since, until=until, resumed=resumed)
        finally:
            self._looked_up.discard(job.spec.id)
            self.book.wake()  # a look-up waiting for the others' may go on

    async def _settle(self, job: TrackedJob, *, since: float, until: float | None, resumed: bool) -> bool:
        self._settling += 1
        self.book.wake()
        try:
            # an earlier run's is looked for from a little before its POST (``since``): the log names when it went
            verdict = await self.reconciler.settle(
                job, since=since, until=until, sent=job.posted_epoch if resumed else None, earliest=resumed
            )
        finally:
            self._settling -= 1
        if isinstance(verdict, Attach):
            await self.book.record(job, Event.RECONCILED, job.state, error=None)
            # Our own time of the attempt, not the server's created_at: it needs
            # no clock agreement, and the record cannot expire before it + 1 hour.  This run's attempt made it
            # no earlier than it was sent (an earlier attempt was surely unsent, or shown never made): listed,
            # it shows the history caught up past a submit given up before then, as any request of ours sent
            # after it (a job sent beside one being looked up may err too).  An earlier run's: nothing known.
            sent_from = None if resumed else since
            await self.attach(job, verdict.request_id, sent=since, sent_from=sent_from, resumed=resumed)
            return False
        if isinstance(verdict, Leave):
            # (a line that says a plain re-run cannot settle it, for `batchgen status` and the summary)
            error: dict[str, Any] = {"detail": verdict.detail}
            if not verdict.rerun:
                error["rerun"] = False
            if not verdict.send_settles:  # (for `status`: jobs left to send in the folder do not settle it either)
                error["send_settles"] = False
            self.report.rerun_cannot_settle += not verdict.rerun
            if verdict.state is JobState.PENDING:  # (its attempts spent, nothing made: its own reason, not a stop's)
                self.report.pending_own.add(job.spec.id)
            if not verdict.rerun:
                self._no_rerun.add(job.spec.id)
            if verdict.state is JobState.SUBMITTING:  # it may have made a job that waits in the account's queue
                self.life.unknown(self.clock.from_wall(since))
            await self.book.finish(job, verdict.event, verdict.state, error=error)
            return False
        await self.book.record(job, Event.RECONCILED_ABSENT, job.state)
        self._resend.add(job.spec.id)
        return True

    async def settle_resumed(self, job: TrackedJob) -> None:
        """A job a previous run left 'submitting': settle it, then go on as its verdict says."""

        async def work() -> None:
            since = job.submitted_epoch if job.submitted_epoch is not None else self.clock.epoch()
            # made by then, if it was made: its POST went out at most CLOCK_SLACK_S after ``since`` and was
            # given up within the request timeout, or the run that sent it ended first (before this one
            # began).  A request of ours sent after that shows the history caught up past it; one the
            # earlier run sent just after the POST may have been made first.
            # Where the ledger says when its outcome came back unknown, it was made by then.
            made_by = job.unknown_epoch if job.unknown_epoch is not None else since + CLOCK_SLACK_S + self._shield_s
            until = min(made_by, self.reconciler.started)
            if await self.settle(job, since=since, until=until, resumed=True):
                await self.submit(job)

        await self.control.guard(work)

    async def attach(
        self,
        job: TrackedJob,
        request_id: str,
        *,
        sent: float,
        sent_at: float | None = None,
        sent_from: float | None = None,
        resumed: bool = False,
    ) -> None:
        """Record a known request id (durably) and put the job on the poll schedule.  ``sent``: the epoch
        its record's life counts from; ``sent_at`` and ``sent_from``: the run-clock time and the epoch
        the POST that made it was sent (None for a request found in the history: an earlier attempt
        may have made it); ``resumed``: an earlier run's POST made it (re-attached, not submitted now)."""
        job.new_request(request_id)
        job.sent_at, job.made_by = sent_at, self.clock.now()
        job.submitted_epoch = sent
        self.reconciler.claimed.add(request_id)
        self.reconciler.note_submitted(
            request_id,
            sent,
            made_by=self.clock.epoch(),
            sent_from=sent_from,
            model=job.spec.model,
            body=None if resumed else job.spec.payload(),  # (an earlier run's: as its ledger line recorded it)
        )
        job.submitted_at = self.clock.from_wall(sent)
        if resumed:
            self.report.reattached += 1
        else:
            self.report.submitted += 1
        job.submitted_wall = iso_utc(sent)
        # when the POST that made it went out, for a later run's reconciler (a request sent after a lost
        # submit, and listed in the history, shows the history has caught up with that submit)
        posted = {"posted_at": iso_utc(sent_from)} if sent_from is not None else {}
        await _durably(
            self.book.record(job, Event.SUBMITTED, JobState.SUBMITTED, submitted_at=job.submitted_wall, **posted)
        )  # (the book wakes its waiters: its outcome is known, and a look-up waiting for the others' may go on)
        await self._tracked.send(job)

    # ------------------------------------------------------------------ lost videos

    async def take_lost(self, lost: MemoryObjectReceiveStream[Lost]) -> None:
        """Each lost job is made again or ended in a task of this stage (a resubmit may reconcile for minutes)."""
        async with lost, anyio.create_task_group() as tg:
            async for news in lost:
                work = partial(
                    self.expire, news.job, news.detail, event=news.event, http=news.http, outlived=news.outlived
                )
                tg.start_soon(self.control.guard, work)

    async def expire(
        self,
        job: TrackedJob,
        detail: str,
        *,
        event: Event = Event.EXPIRED,
        http: int | None = 404,
        outlived: dict[str, int] | None = None,
    ) -> None:
        """The video cannot be had (record expired, or the output lost): make it again with
        ``--resubmit-lost``, once in a run (a job lost every time it is made would be paid for again and again
        while the run lasts), else leave the job expired.  ``outlived``: its kind's tallies, for its line."""
        again = job.spec.id in self._remade
        if again:
            detail = f"lost again after this run made it anew, so not made again in this run: {detail}"
        error: dict[str, Any] = {"detail": detail} if http is None else {"http": http, "detail": detail}
        tallies = {} if outlived is None else {"outlived": outlived}
        if job.spec.fetch_only or again or not (self.resubmit_lost and not self.control.stopping):
            await self.book.finish(job, event, JobState.EXPIRED, error=error, **tallies)
            return
        await self.book.record(job, event, JobState.EXPIRED, error=error, **tallies)
        self._remade.add(job.spec.id)
        self.book.remake(job)  # what it cost stays counted against the spend cap
        await self.submit(job)  # a new job: keeps this one's slot


class _Withdrawn(Exception):  # control flow inside this module, never raised out of it
    """The run stopped submitting while a submit waited for its turn: it was not sent."""


_API_SILENT = (
    "the API is not answering (%s): no submit is sent until it answers again (one sent now could make a job it "
    "cannot say it made); asking it with a call that pays for nothing"
)
_SUBMITS_REFUSED = (
    "something in front of the API refuses its submits (%s), though its other routes answer: no submit is sent "
    "until one is let through; one at a time goes to see, each looked up in the request history before it is "
    "ever sent again"
)


class _Held(Exception):  # control flow inside this module, never raised out of it
    """The life cap has no room for a submit now that the budget granted it: it was not sent, and waits."""


class _Unheard(Exception):  # control flow inside this module, never raised out of it
    """The API has been silent (an outage) since this submit was granted: it was not sent, and waits."""


async def _durably(write: Awaitable[None]) -> None:
    """Finish a ledger write even if the run is being cancelled: a request id, or the news that a submit
    surely created nothing, must not be lost."""
    with anyio.move_on_after(LEDGER_SHIELD_S, shield=True):
        await write
