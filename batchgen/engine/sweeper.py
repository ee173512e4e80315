"""History sweeps: one request-history call finds many finished jobs at once.

One history call lists up to 100 requests, newest first, with their state.
Every few seconds the sweeper reads pages until it has seen every in-flight
job of ours older than a short grace (or a bounded number of pages), and sends
each one the history shows COMPLETED or FAILED to the poller
(:class:`messages.Shown`, on the poller's stream of sweep news).  A FAILED one
gets a result call, which confirms the state and says why; a COMPLETED one is
downloaded from the row's ``generation_url`` once the run has seen that URL
match the result's own output URL (the first such jobs get a result call to
compare), else it gets a result call too.  A history that lags or errs costs
a request, never a wrong outcome.

A page may hold fewer rows than asked for and not be the history's last
(:mod:`..api.paging`): reading goes on past it while a job looked for could
be further down, that is, until every job not yet seen was sent after one
the sweep showed was known made (newest first, it would be listed above that
one), or a page is shorter than one seen before.

A job submitted long ago (a straggler) sits pages down the history; so that
it does not make every sweep read those pages, a sweep may stop with a tenth
of the jobs it looks for unseen, and every fourth reads on to see them all.

**Cadence.**  Sweeps stay within ``SWEEP_SHARE`` of the budget (more while no
submit waits) and follow the
learned latency: every 2% of the median, or less often with many jobs in
flight (a job costs at most ~``SWEEPS_PER_JOB`` history pages, so a sweep
finds about 2.5 jobs: the jobs queued on the server keep its workers busy
meanwhile), but every 4% while the batch drains, when each job's delay is
the batch's.  The pace is reckoned after each sweep, from what it showed.
Once nothing waits to be sent, a freed slot takes no new job
and only the batch's last find sets when it ends, so there is no sweep until
the youngest job in flight could be done, and then sweeps (and the last
job's polls) may be ``DRAIN_RUN_SHARE`` of the run so far apart
(:meth:`Sweeper.patience`).  Never more than ``polling.max_interval_s``
apart (or a fifth of the learned median, when that is longer; before a kind
is learned, a fifth of its fastest finish, or 30% of the age at which a
sweep showed four of its jobs unfinished) while a job could be done, and not at
all while none could be (every job younger than the earliest finish learned
for its kind).  A sweep that comes
due goes only when the latency model expects at least ``EXPECTED_FINDS`` jobs
(a tenth of those in flight, when fewer than 15 are)
to have finished since a sweep last looked for them (each job's chance from
its kind's :class:`survival.Survival`: the learned finish times and the jobs
still running, given its age then and now); otherwise it is looked
at again in half an interval.  That rule is off while the batch drains, while
a kind in flight is not learned, and once that longest gap has passed since
the last sweep.  Before anything is
learned they come every 30% of the oldest in-flight job's age (or of the
probe's start, while that job is younger), so they find jobs of any length
early.  A sweep looks only for jobs older than two intervals and, before
their kind's first finish, older than the probe's start: ``min_interval_s``,
or a thousandth of the kind's published latency when that is longer (no
video job is done sooner);
a kind's first finish ends that probe, and its fastest finish stands for the
median until the kind is learned.

**Health.**  Until the history has shown one of our jobs, jobs are polled
normally.  If status polls keep finding finished jobs that a whole sweep
begun after they had finished did not show (or, later, more than a fifth as
many as it did show), or the history cannot be read, sweeping is switched
off for the rest of the run.  When a job finished is known from the result's
own metrics; jobs that finished while batchgen was stopped (a resume) or just
after a sweep are found by polls first, and that is not the history's fault.
A history that shows finishes late is caught from its own rows
(:mod:`history_lag`): a sweep that showed a job unfinished well after the
finish a later row gives it makes that job settle with a result call, which
checks; once one confirms the lag, enough late shows switch sweeping off too.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable

from anyio.streams.memory import MemoryObjectSendStream

from ..api.answers import HISTORY_PAGE, HistoryRow
from ..api.client import ApiClient
from ..api.gateway import Gateway
from ..api.paging import HistoryPaging
from ..api.ratelimit import Priority
from ..clock import Clock
from ..errors import ApiError
from ..jobs import TrackedJob
from .control import RunControl
from .history_lag import LagWatch
from .messages import Replan, Shown, SweepNews
from .pollplan import MIN_SAMPLES, LatencyModel, latency_key
from .recovery import Reconciler
from .survival import expected_finds, shown_age

log = logging.getLogger("batchgen")

SWEEP_SHARE = 0.3  # of the request budget, at most, for history sweeps while submits wait
SWEEP_SHARE_IDLE = 0.8  # ... and while none waits (the batch drains)
SWEEP_TARGET_FRACTION = 0.02  # sweep every 2% of the median latency (mean delay ~1%)
TAIL_SWEEP_FRACTION = 0.04  # while the batch drains (under half the peak in flight), every 4% of it
MISSES_BEFORE_GIVING_UP = 3
MISSED_SHARE_LIMIT = 0.2  # finished jobs found by polls, not sweeps, as a share of sweep finds
SWEEPS_PER_JOB = 0.4  # history pages per job and typical latency, at most: ~2.5 finds a sweep
PROBE_SWEEP_FRACTION = 0.3  # before anything is learned, sweep every 30% of the oldest job's age...
PROBE_START_SHARE = 0.001  # ... from when it is this share of its kind's published latency old (or min_interval_s)
SHALLOW_MISS = 0.1  # a sweep may stop reading pages with this share of the jobs it looks for unseen...
DEEP_EVERY = 4  # ... except every 4th, which reads on until it has seen them all (stragglers)
EXPECTED_FINDS = 1.5  # outside the tail, a due sweep waits until the latency model expects this many finds...
EXPECTED_SHARE = 0.1  # ... or this share of the jobs in flight, when that is fewer (a few jobs in flight)
LONGEST_GAP_FRACTION = 0.2  # sweeps at least every max_interval_s, or every fifth of the median if longer
DRAIN_RUN_SHARE = 0.01  # once nothing waits to be sent: sweeps, and the last job's polls, this share of the run apart


class Sweeper:
    """Reads the request history for the poller's jobs and judges whether it can be trusted.

    Its interface with the poller is narrow: the poller tells it which jobs
    are in flight (``jobs``, read only here; :meth:`forget`), whether sweeps
    would help now (:attr:`idle`), and what polls found
    (:meth:`poll_found_done`, :meth:`judge`); it reads :attr:`working` and
    :meth:`first_look`.  Everything the sweeper finds goes the other way as
    messages on ``news`` (:class:`messages.Shown`, :class:`messages.Replan`).
    """

    def __init__(
        self,
        *,
        jobs: dict[str, TrackedJob],
        gateway: Gateway,
        api: ApiClient,
        latency: LatencyModel,
        reconciler: Reconciler,
        control: RunControl,
        clock: Clock,
        min_interval_s: float,
        max_interval_s: float,
        news: MemoryObjectSendStream[SweepNews],
        draining: Callable[[], bool] = lambda: False,
    ) -> None:
        self.jobs = jobs  # the poller's in-flight jobs by request id (read only)
        self.gateway, self.api, self.latency = gateway, api, latency
        self.reconciler, self.control, self.clock = reconciler, control, clock
        self.min_interval_s, self.max_interval_s = min_interval_s, max_interval_s
        self._news = news
        self.draining = draining  # nothing waits to be sent: only the batch's last find sets its end
        self._started = clock.now()
        self.idle = False  # set by the poller: polls do better than sweeps now (the last job in flight)
        self.sweeping = True
        self.healthy = False
        self.hits = 0
        self.missed = 0
        self.peak = 1  # the most jobs in flight at once so far (kept by the poller)
        self._last_pages = 1
        self._sweeps = 0
        self.shown_done: set[str] = set()  # jobs a sweep has shown finished
        self.found_by_poll: set[str] = set()  # finished jobs a status poll found before any sweep showed them
        self._covered: dict[str, float] = {}  # request id -> when the last sweep that looked far enough began
        self._unfinished_at: dict[str, float] = {}  # request id -> when the last sweep that showed it unfinished began
        self._swept_at = -math.inf  # when the last sweep began
        self._page_at = -math.inf  # when the page being read came back
        self.postponed = 0  # readout: due sweeps put off because the model expected too few finds
        self.pending = False  # a sweep waits for the budget or reads the history now
        self.lag = LagWatch(min_interval_s)  # late shows of finished jobs, and the result calls that check them
        self.paging = HistoryPaging()  # what the history's pages hold
        self._shown_fastest: dict[tuple[str, str, int], float] = {}  # per kind: the fastest finish a row showed

    @property
    def working(self) -> bool:
        """Sweeps run and have shown our jobs: per-job polls are a sparse safety net."""
        return self.sweeping and self.healthy

    def first_look(self) -> float:
        """Run seconds before a sweep can first show a job submitted now (0 once sweeps have
        shown our jobs, or have stopped): its first poll waits that long."""
        return 5 * self.interval() if self.sweeping and not self.healthy else 0.0

    def count_in_flight(self) -> None:
        """The poller's in-flight jobs changed: keep the peak (which sets the cadence)."""
        self.peak = max(self.peak, len(self.jobs))

    def forget(self, request_id: str) -> None:
        self.found_by_poll.discard(request_id)
        self.shown_done.discard(request_id)
        self._covered.pop(request_id, None)
        self._unfinished_at.pop(request_id, None)
        self.lag.forget(request_id)

    # ------------------------------------------------------------------ health

    def poll_found_done(self, request_id: str) -> None:
        """A status poll found this job finished; judged once its result says when it finished."""
        if self.sweeping and request_id not in self.shown_done:
            self.found_by_poll.add(request_id)

    def judge(self, job: TrackedJob, finished_at: float) -> None:
        """A finished job's result says it finished at ``finished_at`` (at the latest).  A job a sweep
        showed late is checked (:mod:`history_lag`).  A poll found ``job`` finished before any sweep
        showed it: that is the history's fault only if a sweep that looked far enough for it began
        after the job had finished."""
        assert job.request_id is not None
        if self.lag.result_says(job.request_id, finished_at):
            self._check_health()
        if job.request_id not in self.found_by_poll:
            return
        if self.sweeping and self._covered.get(job.request_id, -math.inf) > finished_at:
            self.missed += 1
            self.lag.confirmed = True  # the late shows are believed from now on
            self._check_health()

    def _check_health(self) -> None:
        if self.lag.lags(MISSES_BEFORE_GIVING_UP, MISSED_SHARE_LIMIT):
            self.stop(
                f"the request history showed finished jobs unfinished up to {self.lag.worst:.0f} s after they "
                "had finished"
            )
        if self.missed < MISSES_BEFORE_GIVING_UP:
            return
        if not self.healthy:
            self.stop("the request history did not show jobs that had finished")
        elif self.missed > MISSED_SHARE_LIMIT * self.hits:
            self.stop("the request history misses too many finished jobs")

    def stop(self, why: str) -> None:
        if self.sweeping:
            self.sweeping = False
            log.info("history sweeps are off for this run: %s; polling each job instead", why)
            self._news.send_nowait(Replan())  # every job is planned again for polls alone

    # ------------------------------------------------------------------ cadence

    def interval(self) -> float:
        """Seconds until the next sweep."""
        job = next(iter(self.jobs.values()), None)  # the earliest tracked
        key = latency_key(job.spec) if job is not None else ("", "", 0)
        median = self._typical(key)  # None before a first finish: probe
        if median is not None:
            if 2 * len(self.jobs) < self.peak:  # the last jobs: each one's delay is the batch's
                target = max(TAIL_SWEEP_FRACTION * median, self.patience())
            else:
                thrift = max(1, self._last_pages) * median / (SWEEPS_PER_JOB * self.peak)
                target = max(SWEEP_TARGET_FRACTION * median, thrift)
        else:  # probe: sweep often while the jobs are young, less as they age
            age = self.clock.now() - job.submitted_at if job is not None else 0.0
            target = PROBE_SWEEP_FRACTION * (max(age, self._probe_start(key)) if job is not None else age)
        budget = self.gateway.budget
        share = SWEEP_SHARE if budget.waiting(Priority.SUBMIT) else SWEEP_SHARE_IDLE
        affordable = max(1, self._last_pages) / (share * budget.limit / budget.window)
        return max(min(target, self.longest_gap()), affordable, self.min_interval_s / 4)

    def _probe_start(self, key: tuple[str, str, int]) -> float:
        """The age before which a probe sweep looks for no job of this kind: ``min_interval_s``, or a
        thousandth of the kind's published latency when that is longer.  A probe's sweeps come at a share
        of the age, so each halving of the age it starts at costs a few more sweeps, and a video job
        that finishes in a thousandth of its published time is found that little late."""
        return max(self.min_interval_s, PROBE_START_SHARE * self.latency.prior(key))

    def _grace(self, job: TrackedJob, grace: float, by_kind: dict[tuple[str, str, int], float]) -> float:
        """The age past which a sweep looks for ``job``: ``grace``, and before its kind's first finish
        no less than the probe's start for that kind (``by_kind``: the answers so far, one per kind)."""
        key = latency_key(job.spec)
        known = by_kind.get(key)
        if known is None:
            known = by_kind[key] = grace if self._typical(key) is not None else max(grace, self._probe_start(key))
        return known

    def patience(self) -> float:
        """Seconds a find may wait once nothing waits to be sent (0 before): a freed slot then takes
        no new job, so only the batch's last find sets when it ends, and a gap of a small share of
        the run so far costs at most that share of it."""
        if not self.draining():
            return 0.0
        return min(self.longest_gap(), DRAIN_RUN_SHARE * (self.clock.now() - self._started))

    def longest_gap(self) -> float:
        """The most seconds between two sweeps while a job could be done: ``max_interval_s``, or a
        fifth of the learned median when that is longer (a gap sized for minutes-long jobs would
        sweep hour-long ones every 1%, each sweep finding a fraction of a job).  Before the kind
        is learned, a fifth of its fastest finish seen so far stands for the median (it is never
        longer, so the gap never exceeds the learned one); before its first finish, the probe's
        own share (``PROBE_SWEEP_FRACTION``) of the age at which the last sweep showed
        ``MIN_SAMPLES`` jobs of the kind unfinished (the median lies below that age with a chance
        under 1 in 2**MIN_SAMPLES).  So probes of jobs far longer than ``max_interval_s`` need not
        all come that often."""
        job = next(iter(self.jobs.values()), None)  # the earliest tracked
        if job is None:
            return self.max_interval_s
        key = latency_key(job.spec)
        typical = self._typical(key)
        if typical is None:  # the probe's own share of an age the median very likely lies past (the
            # learned bound's fifth of a median may be shorter: a probe's gap may be up to 1.5 times it)
            return max(self.max_interval_s, PROBE_SWEEP_FRACTION * self._unfinished_age(key))
        return max(self.max_interval_s, LONGEST_GAP_FRACTION * typical)

    def _typical(self, key: tuple[str, str, int]) -> float | None:
        """The learned median of this kind; before it is learned, its fastest finish so far, which
        stands for it (never longer: the probe is over once jobs of the kind are seen to finish);
        None before any finish.  A finish a sweep has shown counts at once, before the poller
        has settled the job and taught the model (which may wait for a result call)."""
        if self.latency.learned(key):
            return self.latency.median(key)
        fastest = [x for x in (self.latency.fastest(key), self._shown_fastest.get(key)) if x is not None]
        return min(fastest) if fastest else None

    def _unfinished_age(self, key: tuple[str, str, int]) -> float:
        """The age at which the last sweep showed ``MIN_SAMPLES`` jobs of this kind unfinished (0 if
        it did not show that many: nothing is known of the kind's length).  A job it looked for but
        did not list (a history that lags) says nothing."""
        ages = [
            self._swept_at - job.submitted_at
            for rid, job in self.jobs.items()
            if self._unfinished_at.get(rid) == self._swept_at and latency_key(job.spec) == key
        ]
        if len(ages) < MIN_SAMPLES:
            return 0.0
        return sorted(ages, reverse=True)[MIN_SAMPLES - 1]

    def quiet_until(self) -> float:
        """Run seconds before which no in-flight job could be done (its kind's earliest learned
        finish lies ahead); ``now`` or earlier when one could be, or when a kind is not learned.
        While the batch drains, before which not every one could be: only its last find sets when
        the run ends, and a sweep before the youngest job could be done finds none that does."""
        earliest: dict[tuple[str, str, int], float] = {}
        pick, first = (max, -math.inf) if self.draining() else (min, math.inf)
        for job in self.jobs.values():
            key = latency_key(job.spec)
            if key not in earliest:
                at = self.latency.earliest(key)
                if at is None:
                    return -math.inf
                earliest[key] = at
            first = pick(first, job.submitted_at + earliest[key])
        return first

    def expected_finds(self, now: float, enough: float = math.inf) -> float | None:
        """How many in-flight jobs the latency model expects to have finished since a sweep last
        looked for them (or since they were sent); None while a kind in flight is not learned
        (:func:`survival.expected_finds`).  Counting stops once it reaches ``enough``."""
        return expected_finds(self.jobs, self.latency, self._seen_unfinished, now, enough)

    def _seen_unfinished(self, rid: str, job: TrackedJob) -> float:
        """The age at which ``job`` was last seen unfinished (by a sweep that looked for it, or a poll)."""
        return max(0.0, self._covered.get(rid, job.submitted_at) - job.submitted_at, job.pending_age)

    def likely_to_find(self, now: float) -> bool:
        """Whether a due sweep should go now: the model expects ``EXPECTED_FINDS`` jobs finished since
        they were last looked for (a tenth of the jobs in flight, when fewer than 15 are).  A sweep
        that finds nothing new costs a request and frees nothing.  Always while the batch drains
        (each job's delay is then the batch's), while a kind is not learned, and once
        :meth:`longest_gap` has passed since the last sweep."""
        if 2 * len(self.jobs) < self.peak or now - self._swept_at >= self.longest_gap():
            return True
        enough = min(EXPECTED_FINDS, EXPECTED_SHARE * len(self.jobs))
        expected = self.expected_finds(now, enough)
        return expected is None or expected >= enough

    async def loop(self) -> None:
        wait = self.interval()
        while self.sweeping:
            await self.clock.sleep(wait)
            wait = self.interval()
            if not self.jobs or not self.sweeping or self.control.interrupted or self.idle:
                continue  # nothing to find, or the poller does better without
            quiet = self.quiet_until() - self.clock.now()
            if quiet > 0:  # nothing could be done yet: a sweep would find nothing
                await self.clock.sleep(min(quiet, self.max_interval_s))
                wait = 0.0  # looked at again at once: the quiet spell may be over
                continue
            if not self.likely_to_find(self.clock.now()):
                self.postponed += 1
                wait /= 2  # look again sooner: the expectation grows with every job's age
                continue
            await self.control.guard(self.sweep)
            wait = self.interval()  # from what this sweep taught (a kind it made learned sweeps at its own pace)

    # ------------------------------------------------------------------ one sweep

    async def sweep(self) -> None:
        """Read the history, newest first, until every in-flight job past the grace was seen
        (or, but in every ``DEEP_EVERY``-th sweep, all but a few stragglers far down it)."""
        now = self.clock.now()
        grace = 2 * self.interval()
        graces: dict[tuple[str, str, int], float] = {}  # per kind, once a sweep
        remaining = {rid for rid, job in self.jobs.items() if now - job.submitted_at > self._grace(job, grace, graces)}
        if not remaining:
            return
        self._sweeps += 1
        self._swept_at = now
        deep = self._sweeps % DEEP_EVERY == 0
        enough = 0 if deep else math.floor(SHALLOW_MISS * len(remaining))
        paging = self.paging
        pages = 0
        looked = set(remaining)
        stopped_early = False
        made_by = math.inf  # the earliest a job this sweep showed was known made
        check = self.reconciler.order.listing()
        self.pending = True
        try:
            # pages of however many rows the server serves (learned as they are read)
            while pages < math.ceil(2.5 * len(looked) / paging.size()) + 1:
                page = pages + 1
                try:
                    rows = await self.gateway.call(Priority.POLL, _history_reader(self.api, page), rank=-2.0)
                except ApiError as exc:
                    self.stop(f"the request history could not be read ({exc})")
                    return
                pages += 1
                self._page_at = self.clock.now()
                last = paging.read(rows)
                newest_first = check.read(rows)
                for row in rows:
                    if (job := self.jobs.get(row.request_id)) is not None and job.made_by is not None:
                        made_by = min(made_by, job.made_by)
                    await self._read(row)
                    remaining.discard(row.request_id)
                if not remaining or last or (newest_first and not self._listed_further(remaining, made_by)):
                    break
                if len(remaining) <= enough:
                    stopped_early = True
                    break
        finally:
            self.pending = False
        if not deep:
            self._last_pages = pages  # what a sweep costs, which sets the cadence
        # every job it looked for, unless it stopped early: then the ones it saw
        for rid in looked - remaining if stopped_early else looked:
            self._covered[rid] = now

    def _note_finish(self, job: TrackedJob, row: HistoryRow, unfinished_at: float | None) -> None:
        """A sweep showed ``job`` finished: the fastest such finish of its kind stands for the kind's
        median at once (:meth:`_typical`)."""
        seconds = shown_age(job, row, unfinished_at, self._page_at)
        if seconds > 0:
            key = latency_key(job.spec)
            self._shown_fastest[key] = min(seconds, self._shown_fastest.get(key, math.inf))

    def _listed_further(self, unseen: set[str], made_by: float) -> bool:
        """Whether a job not yet seen may be listed on a later page, newest first: not once a job this
        sweep showed was made before it was sent (it would have been listed above that one)."""
        for rid in unseen:
            job = self.jobs.get(rid)
            if job is not None and (job.sent_at is None or job.sent_at <= made_by):
                return True
        return False

    async def _read(self, row: HistoryRow) -> None:
        job = self.jobs.get(row.request_id)
        if job is None:
            return
        if not self.healthy:
            self.healthy = True
            await self._news.send(Replan())  # per-job polls become the sparse safety net
        self.reconciler.note_seen(row.request_id, row.created_at)
        if row.status not in ("COMPLETED", "FAILED"):
            self._unfinished_at[row.request_id] = self._swept_at
            return
        self.hits += 1
        self.found_by_poll.discard(row.request_id)
        self.shown_done.add(row.request_id)
        check = False
        unfinished_at = self._unfinished_at.pop(row.request_id, None)
        if row.status == "COMPLETED":
            self._note_finish(job, row, unfinished_at)
            if row.latency_s is not None and unfinished_at is not None:
                typical = self._typical(latency_key(job.spec)) or row.latency_s
                check = self.lag.shown_done(row.request_id, unfinished_at, job.submitted_at + row.latency_s, typical)
        await self._news.send(Shown(job, row, check=check, unfinished_at=unfinished_at, shown_at=self._page_at))
        self._check_health()


def _history_reader(api: ApiClient, page: int) -> Callable[[], Awaitable[list[HistoryRow]]]:
    return lambda: api.history(page=page, per_page=HISTORY_PAGE)
