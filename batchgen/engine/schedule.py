"""The poll schedule: one heap of in-flight jobs ordered by their next poll time.

Every submitted job sits in one heap ordered by its next poll time
(``pollplan.PollPlan``).  Per-job polls may use at most ``POLL_SHARE`` of the
request budget while submits wait, so they are never starved, and all of it
(``POLL_SHARE_IDLE``) while none waits: results, and a submit that comes, still
go first, by their priority in the budget.  Polls take turns, one per
``1 / share`` of the budget's rate, in the order they came due
(:meth:`PollSchedule.wait_turn`), and are granted in that order; no more than
``ASKING`` of them wait for the budget at once (while calls that go first take
what it grants, turns come slower).  So while more polls are due than the share
affords, each waits its turn, and the jobs that came due first go first; once
fewer are due, each goes at its planned time.  A gap widened for every job in
flight (the jobs old enough to be done, over the share) would leave the last
jobs of a wave unpolled long after they finished once the wave's other jobs
were settled.  That figure only makes the plan thriftier and tells the
operator the budget binds.  The expiry guard still wins over everything.
While history sweeps find finished jobs, per-job polls become a sparse
safety net (a few scouts per kind not yet learned, in turn, stragglers and the
expiry guard; a straggler's first poll, planned from the samples then, is
planned again when it comes due, :meth:`PollSchedule.planned_later`); the
last job in flight is polled, not swept, once polls bring results.  The poll
tasks (``poller.Poller``) pop due jobs from it.
"""

from __future__ import annotations

import heapq
import itertools
import math

import anyio

from ..api.answers import HistoryRow
from ..api.gateway import Gateway
from ..api.ratelimit import Priority
from ..clock import Clock
from ..jobs import JobState, TrackedJob
from .life_cap import LifeCap, Request
from .pollplan import SCOUTS, LatencyKey, LatencyModel, PollPlan, latency_key
from .stalls import Finishes
from .sweeper import Sweeper

POLL_SHARE = 0.5  # of the request budget, at most, for per-job status polls while submits wait
POLL_SHARE_IDLE = 1.0  # ... and while none waits (results, and a submit that comes, still go first: their priority)
ASKING = 2  # status polls that took a turn and may wait for the budget at once: one to take a free slot, one behind


class PollSchedule:
    """The in-flight jobs (by request id) and when each is polled next."""

    def __init__(
        self, *, gateway: Gateway, plan: PollPlan, clock: Clock, sweeper: Sweeper, life: LifeCap, min_interval_s: float
    ) -> None:
        self.gateway, self.plan, self.clock, self.sweeper, self.life = gateway, plan, clock, sweeper, life
        self.latency: LatencyModel = plan.latency
        self.min_interval_s = min_interval_s
        self.max_interval_s = plan.max_interval
        # (when, (due, -likelihood done, seq), token, job): at the same moment (polls waiting for a turn), the one
        # that came due first, then the one more likely done, then the one pushed first
        self._heap: list[tuple[float, tuple[float, float, int], int, TrackedJob]] = []
        self._seq = itertools.count()
        self._changed = anyio.Event()
        # jobs in the schedule (submitted, awaiting a terminal state), by request id; the sweeper
        # reads the same dict, which only the schedule writes
        self.by_request: dict[str, TrackedJob] = sweeper.jobs
        self._result_polls: bool | None = None  # polls ask the result endpoint (None: on trial)
        self._scouts: dict[LatencyKey, dict[str, int]] = {}  # per kind not learned yet: its scouts and their turns
        self._due = (-math.inf, 0)  # (when counted, in-flight jobs that could be done by now)
        self._next_turn = -math.inf  # run seconds: the next status poll's turn (wait_turn)
        self._asking: set[str] = set()  # the jobs (request ids) whose polls took a turn and wait for the budget
        self.finishes = Finishes()  # when jobs of ours were seen finished, by when each was sent (this run's, and
        # an earlier run's as its ledger says)

    @property
    def result_polls(self) -> bool | None:
        """Whether polls ask the result endpoint (None: on trial)."""
        return self._result_polls

    @result_polls.setter
    def result_polls(self, value: bool | None) -> None:
        self._result_polls = value
        self.sweeper.idle = self.polls_beat_sweeps()

    # ------------------------------------------------------------------ schedule

    def track_many(self, jobs: list[TrackedJob], lineup: list[Request] | None = None) -> None:
        """Resumed jobs enter the schedule together (one heapify, not a push each); ``lineup``: every request
        the ledger knows was made (its submit, when a run saw it finished, whether it made a video)."""
        now = self.clock.now()
        for job in jobs:
            self._enter(job)
            at = self.plan.next_poll(latency_key(job.spec), job.submitted_at, now, job.polls)
            self._heap.append(self._entry(job, at))
        heapq.heapify(self._heap)
        earlier = [(job.request_id or "", job.submitted_at) for job in jobs if job.sent_at is None]
        self.life.attached(earlier, lineup or [])
        seen = sorted((left, sent) for sent, left, _, _ in lineup or [] if left is not None)
        for left, sent in seen:  # (in the order they finished)
            self.finishes.add(self.clock.from_wall(sent), min(self.clock.from_wall(left), now))
        self._changed.set()

    def track(self, job: TrackedJob) -> None:
        """A job with a request id enters the schedule."""
        self._enter(job)
        self.schedule(job, self.clock.now())

    def _enter(self, job: TrackedJob) -> None:
        assert job.request_id is not None
        self.by_request[job.request_id] = job
        self.sweeper.queue.sent(job)
        if job.sent_at is not None:  # a POST this run sent: its time in flight tells of the account's queue
            self.life.sent(job.request_id, job.submitted_at, len(self.by_request))
        self.sweeper.count_in_flight()
        self.sweeper.idle = self.polls_beat_sweeps()

    def _entry(
        self, job: TrackedJob, at: float, due: float | None = None, done: float = 0.0
    ) -> tuple[float, tuple[float, float, int], int, TrackedJob]:
        """A heap entry for ``job`` at ``at``; ``due``: when it came due, if earlier (a poll waiting for its turn),
        ``done``: how likely it is done by now (0..1)."""
        job.poll_token += 1  # older entries of this job are now stale
        return (at, (at if due is None else due, -done, next(self._seq)), job.poll_token, job)

    def untrack(self, job: TrackedJob) -> None:
        if job.request_id is not None:
            before = self.polls_beat_sweeps()
            self.by_request.pop(job.request_id, None)
            self.sweeper.forget(job.request_id)
            self.life.forget(job.request_id)
            for scouts in self._scouts.values():
                scouts.pop(job.request_id, None)
            self.sweeper.idle = self.polls_beat_sweeps()
            if self.sweeper.idle and not before and self.sweeper.working:
                self._replan(None)  # the last job: polled, not swept
        if job.done_age is not None:  # finished: the worker it held went to the next job in the account's queue
            self.finishes.add(job.submitted_at, job.submitted_at + job.done_age)
        job.result_due, job.swept = False, None
        job.poll_token += 1  # any heap entry left is stale

    def polls_beat_sweeps(self) -> bool:
        """One job left, and a poll brings its result: polling it costs one request, a sweep
        may read pages to find it (and needs a result call unless history links are trusted)."""
        return self.result_polls is True and len(self.by_request) == 1

    def schedule(self, job: TrackedJob, now: float, *, at: float | None = None, by: float = math.inf) -> None:
        """Put the job's next poll in the heap: at ``at``, or when the plan says, and no later than ``by`` (nor,
        for a job watched in the history once its record died, than when it would be taken for stalled)."""
        if job.record_gone:
            by = min(by, self.stalls_at(job))
        if job.result_due:
            at = now  # a sweep saw it finish while it was being polled
        if at is None:
            floor = self._could_be_done(now) * self.turn_gap()  # each job polled once in its turn: budget binds?
            key = latency_key(job.spec)
            sparse = self.sweeper.working and not self.polls_beat_sweeps()
            turn = self._scout(key, job) if sparse else 0
            scout = turn is not None
            # once nothing waits to be sent, a freed slot takes no new job: a job's later polls may wait, and a
            # sweep that showed it unfinished was as good as a poll
            shown = self.sweeper.shown_unfinished(job.request_id or "")
            patience = self.sweeper.patience() if (job.polls or shown is not None) and not sparse else 0.0
            late = self.sweeper.straggler_age(key) if sparse and not job.polls else None
            at = self.plan.next_poll(
                key,
                job.submitted_at,
                now,
                job.polls,
                floor=floor,
                sparse=sparse,
                scout=scout,
                patience=patience,
                late=late,
                turn=turn or 0,
            )
            if patience and shown is not None:  # (never past the expiry guard)
                at = max(at, min(shown + patience, job.submitted_at + self.plan.guard))
            look = self.sweeper.first_look()
            if job.polls == 0 and look:
                # the first sweep that can show this job (past the grace of two intervals) comes first, but
                # never past the expiry guard: the record must be polled before it expires
                at = max(at, min(now + look, job.submitted_at + self.plan.guard))
            at = max(now, min(at, by))
        heapq.heappush(self._heap, self._entry(job, at))
        self._changed.set()

    def stalls_at(self, job: TrackedJob) -> float:
        """When a job watched in the history is taken for stalled (run seconds; :class:`poller.Poller` knows)."""
        return math.inf

    def planned_later(self, job: TrackedJob) -> bool:
        """Whether a due safety-net first poll of a learned job now goes later: it was planned from
        the samples of its kind then (the first few learned are its fastest finishes), and the model
        now puts it later.  It is planned again there, and no request is made now; never the poll at its record's
        expiry guard, nor a look after it (:meth:`guard_poll_at`): one planned later would come after the
        record died."""
        key = latency_key(job.spec)
        if job.polls or job.result_due or not self.sweeper.working or self.polls_beat_sweeps():
            return False
        now = self.clock.now()
        if not self.latency.learned(key) or now >= self.guard_poll_at(job):
            return False
        at = self.plan.next_poll(key, job.submitted_at, now, 0, sparse=True, late=self.sweeper.straggler_age(key))
        if at <= now:
            return False
        heapq.heappush(self._heap, self._entry(job, at))
        self._changed.set()
        return True

    def _scout(self, key: LatencyKey, job: TrackedJob) -> int | None:
        """``job``'s turn among the scouts of its kind, which carry its safety-net polls (None: not
        one of them; 0 for every job once the kind is learned)."""
        if self.latency.learned(key):
            self._scouts.pop(key, None)
            return 0
        scouts = self._scouts.setdefault(key, {})
        assert job.request_id is not None
        turn = scouts.get(job.request_id)
        if turn is None and len(scouts) < SCOUTS:
            turn = scouts[job.request_id] = min(set(range(SCOUTS)) - set(scouts.values()))
        return turn

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

    def wait_turn(self, job: TrackedJob, now: float, due: float) -> bool:
        """Whether ``job``'s status poll, due since ``due``, must wait for its turn (it is put back in the heap at
        the next one).  Status polls go one per :meth:`turn_gap`: of those waiting, the one that came due first,
        and of those that came due together, the job more likely done by now.  A result to fetch, a record found
        gone, and the polls at and past its record's expiry guard (:meth:`guard_poll_at`) take no turn: none of
        them waits behind polls (nor does one wait past them for a turn: a turn may be further off than the
        record's margin).
        While ``ASKING`` polls that took turns still wait for the budget (calls that go first took what it grants),
        the next turn is a gap on: launched anyway, the polls would queue up there, one per job, and every job's next
        poll behind them."""
        urgent_at = self.guard_poll_at(job)
        if job.result_due or job.record_gone or now >= urgent_at:
            return False
        if now < self._next_turn or len(self._asking) >= ASKING:
            at = self._next_turn if now < self._next_turn else now + self.turn_gap()
            done = self.latency.likelihood_done(latency_key(job.spec), now - job.submitted_at)
            heapq.heappush(self._heap, self._entry(job, min(at, urgent_at), due, done))
            return True
        self._next_turn = now + self.turn_gap()
        self._asking.add(job.request_id or "")
        return False

    def guard_poll_at(self, job: TrackedJob) -> float:
        """When ``job``'s poll at its record's expiry guard is due: the guard, while the job was not yet seen
        unfinished there; then each :meth:`PollPlan.last_look` before the record dies (halfway to its end, as found),
        which takes no turn either; ``inf`` once none is left (the polls after those, until its record is gone, are
        polls as any)."""
        if job.pending_age < self.plan.guard:
            return job.submitted_at + self.plan.guard
        last = self.plan.last_look(job.pending_age)
        return math.inf if last is None else job.submitted_at + last

    async def granted(self, job: TrackedJob) -> None:
        """``job``'s poll was granted by the budget (or ends without a request): it waits there no more."""
        self._asking.discard(job.request_id or "")

    def turn_gap(self) -> float:
        """Run seconds between two status polls at their share of the request budget (as the run knows it)."""
        budget = self.gateway.budget
        share = POLL_SHARE if budget.waiting(Priority.SUBMIT) else POLL_SHARE_IDLE
        return budget.window / (share * budget.limit)

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

    def replan(self) -> None:
        """Plan every job's polls again (the plan's bounds changed: the history no longer stands in for records)."""
        self._replan(None)

    def _replan(self, key: LatencyKey | None) -> None:
        """Plan again the polls of the jobs of group ``key`` (None: every job)."""
        now = self.clock.now()
        for job in list(self.by_request.values()):
            if not job.poll_running and not job.result_due and (key is None or latency_key(job.spec) == key):
                self.schedule(job, now)
