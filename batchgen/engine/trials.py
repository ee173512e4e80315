"""One job at a time of a kind on trial (:class:`Trials`), and the feeder's line past those that wait (:class:`Lineup`).

A kind an earlier run held (:mod:`outliving`) is taken up on trial: one of its jobs is sent, the only one of its
kind in flight, until it makes a video or outlives its record.  That job is the kind's *claimant*.  The others of
its kind wait for it:

* while it holds a slot (its submit still to go out, or in flight), or while a job of the kind an earlier run left
  in flight is still in flight (its video, if it makes one, ends the trial).  The feeder sets them aside in its
  line: they take no slot, and jobs of other kinds go on past them (:class:`Lineup`);
* while its submit's outcome is unknown and nothing settled it (left 'submitting'), and a job it may have made
  would not be through yet: the others are not sent beside it, but held (``deferred``, event
  ``outlives_record``) for a later run, which sends one of them once it would be.  A job an earlier run left so
  is its kind's claimant in the next run, from its POST's time.

A claimant that gives up its slot with neither (refused, failed, pending again) lets the next job go as the trial.

The line also sets aside the jobs of a held kind while jobs of it are in flight (:meth:`Trials.hold_may_end`): a
video of theirs may end the hold, and then they are sent; once none is, they are held back for a later run.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from ..clock import Clock
from ..jobs import JobState, TrackedJob
from .book import JobBook
from .outliving import Outliving, describe
from .pollplan import LatencyKey, latency_key

log = logging.getLogger("batchgen")


class Trials:
    """Which job tries each kind on trial, and what the others of its kind do meanwhile."""

    def __init__(
        self,
        book: JobBook,
        clock: Clock,
        kinds: Callable[[], Outliving],
        through: Callable[[float], bool],
        never_made: Callable[[TrackedJob], bool],
    ) -> None:
        self._book, self._clock = book, clock
        self._kinds = kinds  # the run's kinds, held or on trial (the life cap's)
        self._through = through  # whether a job sent then (run seconds), if made, is through by now
        self._never_made = never_made  # whether a job left 'submitting' was shown never made (to be sent again)
        self._claimants: dict[LatencyKey, TrackedJob] = {}
        self._posted: dict[str, float] = {}  # a claimant's last POST (run seconds), by job id
        self._told: set[LatencyKey] = set()  # kinds whose jobs the log said are held for an unknown claimant

    def blocker(self, job: TrackedJob) -> TrackedJob | None:
        """The job of ``job``'s kind on trial that ``job`` waits for, or None: it may go (and claims the trial)."""
        kind = latency_key(job.spec)
        if not self._kinds().on_trial(kind):
            return None
        first = self._claimants.get(kind)
        if first is not None and first is not job and (first.holds_slot or self._unsettled(first)):
            return first
        for other in self._book.holding():  # an earlier run's, re-attached or being looked up
            if (
                other is not job
                and latency_key(other.spec) == kind
                and (other.request_id is not None or self._may_be_made(other))
            ):
                return other
        return None

    def _may_be_made(self, job: TrackedJob) -> bool:
        """Whether ``job``'s submit may have made a job nothing has shown yet: left 'submitting', and not shown
        never made (one shown so, waiting to be sent again, waits for the trial as any other does)."""
        return job.state is JobState.SUBMITTING and not self._never_made(job)

    def waits(self, job: TrackedJob) -> bool:
        """Whether ``job`` waits for the job trying its kind, in flight: sent once that one has ended its trial."""
        first = self.blocker(job)
        return first is not None and first.holds_slot

    def hold_may_end(self, job: TrackedJob) -> bool:
        """Whether ``job``'s kind is held while a job of it is in flight, whose video may end the hold: the feeder
        sets ``job`` aside until none is, rather than hold it back for the next run at once."""
        kind = latency_key(job.spec)
        return self._kinds().held(kind) is not None and any(
            other is not job and other.request_id is not None and latency_key(other.spec) == kind
            for other in self._book.holding()
        )

    def held(self, job: TrackedJob) -> str | None:
        """Why ``job`` is not sent: the job trying its kind may or may not have been made, and nothing settled it."""
        first = self.blocker(job)
        if first is None or first.holds_slot:
            return None
        kind = latency_key(job.spec)
        if kind not in self._told:
            self._told.add(kind)
            log.warning(
                "job %s of %s, a kind tried one job at a time, may or may not have been made and nothing settled it: "
                "the rest of them are not sent beside it (deferred, event outlives_record)",
                first.spec.id,
                describe(kind),
            )
        return (
            f"not sent: jobs of its kind ({describe(kind)}) outlived their request records here, and job "
            f"{first.spec.id} of the kind may or may not have been made (its submit's answer was lost, and nothing "
            "has settled it), so none is sent beside it while the kind is tried one job at a time; a later run looks "
            "that job up, and sends one of these to try the kind once a job it made would be through"
        )

    def claim(self, job: TrackedJob) -> None:
        """``job`` goes: if its kind is on trial, it tries it (none waits for another: :meth:`blocker`)."""
        kind = latency_key(job.spec)
        if self._kinds().on_trial(kind):
            self._claimants[kind] = job

    def posted(self, job: TrackedJob) -> None:
        """A POST of ``job`` goes out now: a claimant's, if it is left unsettled, is its kind's until it would be
        through."""
        if self._claimants.get(latency_key(job.spec)) is job:
            self._posted[job.spec.id] = self._clock.now()

    def resumed(self, jobs: Iterable[TrackedJob]) -> None:
        """Jobs an earlier run left 'submitting': each one of a kind on trial may have made the job trying it (the
        latest POST of each kind is its claimant)."""
        for job in jobs:
            at = job.posted_epoch if job.posted_epoch is not None else job.submitted_epoch
            kind = latency_key(job.spec)
            if at is None or not self._kinds().on_trial(kind):
                continue
            first = self._claimants.get(kind)
            sent = self._clock.from_wall(at)
            if first is None or sent > self._posted.get(first.spec.id, sent):
                self._claimants[kind] = job
                self._posted[job.spec.id] = sent

    def _unsettled(self, job: TrackedJob) -> bool:
        posted = self._posted.get(job.spec.id)
        return job.state is JobState.SUBMITTING and posted is not None and not self._through(posted)


class Lineup:
    """The jobs the feeder has yet to hand over: in the manifest's order, but for the jobs of a kind on trial that
    wait for the job trying it, set aside (they take no slot, and jobs of other kinds go on past them) until it
    ends its trial (:meth:`Trials.waits`), and those of a held kind while jobs of it in flight may end the hold
    (:meth:`Trials.hold_may_end`)."""

    def __init__(self, jobs: Iterable[TrackedJob], trials: Trials) -> None:
        self._ahead = deque(jobs)
        self._aside: dict[LatencyKey, deque[TrackedJob]] = {}
        self._trials = trials
        self.current: TrackedJob | None = None  # taken from the line, not yet handed over

    def next(self, *, stopping: bool) -> TrackedJob | None:
        """The next job to hand over, or None: none now (:attr:`waiting` says whether some wait)."""
        for kind, waiting in self._aside.items():
            if stopping or not self._waits(waiting[0]):
                self.current = waiting.popleft()
                if not waiting:
                    del self._aside[kind]
                return self.current
        while self._ahead:
            job = self._ahead.popleft()
            if not stopping and self._waits(job):  # (so do those of its kind set aside before it)
                self._aside.setdefault(latency_key(job.spec), deque()).append(job)
                continue
            self.current = job
            return job
        self.current = None
        return None

    def set_aside(self, job: TrackedJob) -> bool:
        """Put ``job`` back at the head of its kind's waiting jobs if it waits now (a job of its kind went to try
        it while ``job`` waited for a slot): True if it did."""
        if not self._waits(job):
            return False
        self._aside.setdefault(latency_key(job.spec), deque()).appendleft(job)
        self.current = None
        return True

    @property
    def waiting(self) -> bool:
        """Whether jobs are set aside, waiting for their kind's trial."""
        return bool(self._aside)

    def ready(self) -> bool:
        """Whether a job set aside may go now."""
        return any(not self._waits(waiting[0]) for waiting in self._aside.values())

    def _waits(self, job: TrackedJob) -> bool:
        return self._trials.waits(job) or self._trials.hold_may_end(job)

    def left(self) -> Iterator[TrackedJob]:
        """The jobs not yet handed over, the one taken from the line first."""
        job = self.current
        if job is not None and not job.holds_slot and job.state is not JobState.DEFERRED:  # (handed over, or not sent)
            yield job
        yield from self._ahead
        for waiting in self._aside.values():
            yield from waiting
