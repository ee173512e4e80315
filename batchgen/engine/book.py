"""The job book: the live jobs of a run, and the only writer of their state.

Every change of a job's state goes through :meth:`JobBook.record`, which
checks it against ``jobs.TRANSITIONS`` (a forbidden step is a bug and raises)
and returns only once the ledger line is durable, so a stage can rely on
"record, then act".

The book also owns the two things every stage used to adjust by hand:

* **slots**: how many jobs are in flight, against ``limits.concurrency``.  A
  job takes a slot when the feeder hands it to a submitter (:meth:`take`) or
  when a resumed job is re-attached (:meth:`adopt`), and gives it back exactly
  once, in :meth:`finish` (or :meth:`drop` for a job that was never sent).
* **spend**: what the jobs in this folder count towards the spend cap.  Each
  job holds its estimate while it may be charged and its actual cost once the
  API reports one; a job that surely was not charged holds nothing.
  ``committed`` is the sum, kept in step by the book alone.

:meth:`finish` is idempotent: a second call for a job that already gave its
slot back and is in that state writes nothing and frees nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import anyio

from ..clock import Clock
from ..jobs import MAY_BE_CHARGED, TRANSITIONS, Event, JobState, TrackedJob
from ..store.output import Appender
from .outcome import error_text

Recheck = Callable[[], float] | None  # run seconds until a condition may change with no slot freed


class TransitionError(AssertionError):
    """A stage asked for a state change the job's life does not allow (a bug)."""


class JobBook:
    """The live jobs, their ledger, their slots and their spend."""

    def __init__(
        self,
        jobs: Iterable[TrackedJob],
        ledger: Appender,
        *,
        on_event: Callable[[str, TrackedJob], None] | None = None,
    ) -> None:
        self.jobs = list(jobs)
        self.ledger = ledger
        self.on_event = on_event
        self.committed = 0.0
        self._holding: dict[str, TrackedJob] = {}  # the jobs in flight, by id
        self._changed = anyio.Event()

    # ------------------------------------------------------------------ state

    async def record(self, job: TrackedJob, event: Event, state: JobState, **fields: Any) -> None:
        """Write one event for ``job`` (durably) and move it to ``state``.  Every line records the estimates of
        the job's earlier requests lost with no charge reported (:meth:`remake`): a job made anew may be deferred,
        or held, before its new request's line is written, and a later run counts them from its latest line."""
        if state not in TRANSITIONS[job.state] and state is not job.state:
            raise TransitionError(f"bug: job {job.spec.id} may not go from {job.state} to {state} ({event})")
        if job.unreported_before:
            fields.setdefault("unreported_before", round(job.unreported_before, 6))
        await self.ledger.append(job.spec.id, event, state, model=job.spec.model, request_id=job.request_id, **fields)
        job.state = state
        job.error_at = None  # the job's reason, if any, is this run's from here on
        if "error" in fields:
            job.error = error_text(fields["error"])
        if state in MAY_BE_CHARGED or job.cost is not None:
            self._hold(job, job.cost if job.cost is not None else job.estimate or 0.0)
        if self.on_event is not None:
            self.on_event(event, job)
        self.wake()  # a wait on the jobs' states or holds looks again (the feeder's for estimates given back)

    async def finish(self, job: TrackedJob, event: Event, state: JobState, **fields: Any) -> None:
        """Record the job's last word in this run, free its slot and settle its spend, once.

        Its arguments are :meth:`record`'s, in the same order."""
        if not job.holds_slot and job.state is state:
            return
        await self.record(job, event, state, **fields)
        if job.cost is None and state not in MAY_BE_CHARGED:
            self._hold(job, 0.0)
        self._free(job)

    # ------------------------------------------------------------------ slots

    def take(self, job: TrackedJob) -> None:
        """The feeder hands ``job`` to a submitter: it is in flight and may be charged its estimate."""
        if job.holds_slot:
            raise TransitionError(f"bug: job {job.spec.id} took a slot twice")
        job.holds_slot = True
        self._holding[job.spec.id] = job
        self._hold(job, job.estimate or 0.0)

    def drop(self, job: TrackedJob) -> None:
        """Give back the slot of a job that was never sent (its state stays as it is)."""
        self._hold(job, 0.0)
        self._free(job)

    def adopt(self, job: TrackedJob, state: JobState, *, in_flight: bool) -> None:
        """A job as the ledger left it, at the start of a run: no line is written."""
        job.state = state
        if state in MAY_BE_CHARGED or job.cost is not None:
            self._hold(job, job.cost if job.cost is not None else job.estimate or 0.0)
        if in_flight and not job.holds_slot:
            job.holds_slot = True
            self._holding[job.spec.id] = job

    def remake(self, job: TrackedJob) -> None:
        """The job is to be made again, as a new request: what its last request cost moves from the job's
        own hold to the spend counted beyond the live jobs (it stays paid), and nothing of that request is
        kept but its id (``ended_requests``).  No line is written: the next ``submitting`` line records both.
        A request whose cost no answer reported (a lost one) counts against the cap at what the job held for it
        (its estimate: it may have finished, and been charged, after its record died), as
        ``unreported_before``, which the job's next line records, whatever it is."""
        cost = job.cost or 0.0
        job.paid_before += cost
        if job.request_id is not None and job.request_id not in job.ended_requests:
            job.ended_requests.append(job.request_id)
        counted = cost if job.cost is not None else job.held
        if job.cost is None:
            job.unreported_before += counted  # (the job's next line records it, for a later run)
        job.cost = job.request_id = job.output_url = None
        self._hold(job, 0.0)
        self.count_spent(counted)

    def count_spent(self, amount: float) -> None:
        """Spend the cap counts beyond the live jobs' own: other jobs of the folder, earlier attempts."""
        self.committed += amount

    def _free(self, job: TrackedJob) -> None:
        if job.holds_slot:
            job.holds_slot = False
            self._holding.pop(job.spec.id, None)
            self.wake()

    def _hold(self, job: TrackedJob, amount: float) -> None:
        self.committed += amount - job.held
        job.held = amount

    # ------------------------------------------------------------------ waiting

    def wake(self) -> None:
        """Wake everyone waiting in :meth:`until` to look again."""
        self._changed.set()

    async def until(self, ready: Callable[[], bool], *, clock: Clock | None = None, recheck: Recheck = None) -> None:
        """Wait until ``ready()`` holds; it is checked whenever a slot is freed or :meth:`wake` is called, and,
        with ``recheck``, once the run seconds it says have passed (on ``clock``)."""
        while not ready():
            if self._changed.is_set():
                self._changed = anyio.Event()
            if clock is None or recheck is None:
                await self._changed.wait()
            else:
                await clock.wait(self._changed, recheck())

    # ------------------------------------------------------------------ readouts

    @property
    def in_flight(self) -> int:
        """How many jobs hold a slot."""
        return len(self._holding)

    def holding(self) -> list[TrackedJob]:
        """The jobs in flight (each holds a slot)."""
        return list(self._holding.values())

    @property
    def spend(self) -> float:
        """What the API has said this run's jobs were charged: a job's cost once its result (or history row)
        reports one, whether its video is in place yet or not (a charged job whose download failed was paid
        for all the same); a job made again after its first request was lost adds what that one cost."""
        return sum((job.cost or 0.0) + job.paid_before for job in self.jobs)

    @property
    def unreported(self) -> float:
        """What this run's jobs may have been charged with no charge reported yet, as estimated: the estimates
        they hold with no cost once sent (in flight, made and not fetched, completed with none: not a job
        handed to a submitter that waits for the request budget, whose hold is the spend cap's reserve), and
        their earlier requests lost so.  The spend cap counts it (``committed``), beside the spend and the
        folder's other manifests' jobs."""
        return sum(
            (job.held if job.cost is None and job.state in MAY_BE_CHARGED else 0.0) + job.unreported_before
            for job in self.jobs
        )

    def __repr__(self) -> str:
        return f"JobBook(jobs={len(self.jobs)}, in_flight={self.in_flight}, committed=${self.committed:.2f})"
