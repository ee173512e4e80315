"""When history sweeps go (:class:`SweepCadence`, the part of :class:`sweeper.Sweeper` that sets its pace).

* **Budget.**  Sweeps stay within ``SWEEP_SHARE`` of the request budget
  (``SWEEP_SHARE_IDLE`` while no submit waits).
* **Learned pace.**  Every 2% of the learned median, or less often with many
  jobs in flight: a job costs at most ~``SWEEPS_PER_JOB`` history pages, so a
  sweep finds about 2.5 jobs (the jobs queued on the server keep its workers
  busy meanwhile), or, once more of our jobs are seen queued for a worker
  (:class:`server_queue.ServerQueue`), about that many but ``QUEUE_MARGIN``.
  Every 4% while the batch drains, when each job's delay is the batch's.
  The pace is reckoned after each sweep, from what it showed.
* **The drain.**  Once nothing waits to be sent, a freed slot takes no new
  job and only the batch's last find sets when it ends: no sweep until the
  youngest job in flight could be done and every job is done with a chance
  of ``DRAIN_FIRST_CHANCE`` (or is past the slowest finish seen), and then
  sweeps (and the last job's polls) may be ``DRAIN_RUN_SHARE`` of the run so
  far apart (:meth:`SweepCadence.patience`).
* **Bounds.**  Never more than ``polling.max_interval_s`` apart (or a fifth
  of the learned median, when that is longer; before a kind is learned, a
  fifth of its fastest finish, or 30% of the age at which a sweep showed four
  of its jobs unfinished) while a job could be done; not at all while none
  could be (every job younger than the earliest finish learned for its kind).
* **Expected finds.**  A sweep that comes due goes only when the latency
  model expects at least ``EXPECTED_FINDS`` jobs (a tenth of those in
  flight, when fewer than 15 are) to have finished since a sweep last looked
  for them (each job's chance from its kind's :class:`survival.Survival`: the
  learned finish times and the jobs still running, given its age then and
  now); otherwise it is looked at again in half an interval.  That rule is
  off while the batch drains, while a kind in flight is not learned, and once
  the longest gap has passed since the last sweep.
* **The probe.**  Before anything is learned, sweeps come every 30% of the
  oldest in-flight job's age (or of the probe's start, while that job is
  younger), so they find jobs of any length early.  A sweep looks only for
  jobs older than two intervals and, before their kind's first finish, older
  than the probe's start: ``min_interval_s``, or a thousandth of the kind's
  published latency when that is longer (no video job is done sooner).  A
  kind's first finish ends that probe, and its fastest finish stands for the
  median until the kind is learned.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

from ..api.gateway import Gateway
from ..api.ratelimit import Priority
from ..clock import Clock
from ..jobs import TrackedJob
from .pollplan import MIN_SAMPLES, SPARSE_FIRST_FACTOR, SPARSE_FIRST_QUANTILE, LatencyKey, LatencyModel, latency_key
from .server_queue import ServerQueue
from .survival import Curves, Survival, expected_finds

SWEEP_SHARE = 0.3  # of the request budget, at most, for history sweeps while submits wait
SWEEP_SHARE_IDLE = 0.8  # ... and while none waits (the batch drains)
SWEEP_TARGET_FRACTION = 0.02  # sweep every 2% of the median latency (mean delay ~1%)
TAIL_SWEEP_FRACTION = 0.04  # while the batch drains (under half the peak in flight), every 4% of it
SWEEPS_PER_JOB = 0.4  # history pages per job and typical latency, at most: ~2.5 finds a sweep...
QUEUE_MARGIN = 1.0  # ... or the jobs seen queued on the server for a worker, but this many (ServerQueue)
PROBE_SWEEP_FRACTION = 0.3  # before anything is learned, sweep every 30% of the oldest job's age...
PROBE_START_SHARE = 0.001  # ... from when it is this share of its kind's published latency old (or min_interval_s)
EXPECTED_FINDS = 1.5  # outside the tail, a due sweep waits until the latency model expects this many finds...
EXPECTED_SHARE = 0.1  # ... or this share of the jobs in flight, when that is fewer (a few jobs in flight)
LONGEST_GAP_FRACTION = 0.2  # sweeps at least every max_interval_s, or every fifth of the median if longer
STALE_SAMPLES = 1.1  # a straggler age is reckoned again once the finishes learned grow by a tenth
DRAIN_FIRST_CHANCE = 0.05  # while the batch drains, the first look waits until every job is done with this chance
DRAIN_MODEL_JOBS = 256  # ... reckoned over the youngest this many in flight
DRAIN_HORIZON = 1.0  # ... and never put further off than the run so far
DRAIN_BISECTIONS = 24
DRAIN_RUN_SHARE = 0.01  # once nothing waits to be sent: sweeps, and the last job's polls, this share of the run apart


class SweepCadence:
    """The sweeps' pace, from the jobs in flight, the latency learned and what the last sweeps showed.

    :class:`sweeper.Sweeper` sets every attribute below and keeps them current as it sweeps;
    this part only reads them.
    """

    jobs: dict[str, TrackedJob]  # the poller's in-flight jobs by request id
    queue: ServerQueue  # how many of them wait on the server for a worker
    gateway: Gateway
    latency: LatencyModel
    clock: Clock
    min_interval_s: float
    max_interval_s: float
    draining: Callable[[], bool]  # nothing waits to be sent: only the batch's last find sets its end
    peak: int  # the most jobs in flight at once so far
    _started: float  # when the run began (run seconds)
    _last_pages: int  # pages the last sweep that was not a deep one read
    _swept_at: float  # when the last sweep began
    _covered: dict[str, float]  # request id -> when the last sweep that looked far enough began
    _unfinished_at: dict[str, float]  # request id -> when the page of the last sweep that showed it unfinished went
    _shown_fastest: dict[tuple[str, str, int], float]  # per kind: the fastest finish a row showed
    _drain_from: tuple[tuple[float, int, int], float]  # the stamp and time _all_done_from last reckoned
    _drain_looked: bool  # a sweep has gone while the batch drains
    _late: dict[LatencyKey, tuple[float, int, float]]  # per kind: (sweep and samples reckoned at, straggler age)

    def interval(self) -> float:
        """Seconds until the next sweep."""
        job = next(iter(self.jobs.values()), None)  # the earliest tracked
        key = latency_key(job.spec) if job is not None else ("", "", 0)
        median = self._typical(key)  # None before a first finish: probe
        if median is not None:
            if 2 * len(self.jobs) < self.peak:  # the last jobs: each one's delay is the batch's
                target = max(TAIL_SWEEP_FRACTION * median, self.patience())
            else:
                thrift = max(1, self._last_pages) * median * self._finds_a_sweep(key) / self.peak
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
        # (jobs queued on the server keep its workers busy while a sweep finds that many: no shorter than that)
        queued = typical * self._finds_queued(key) / self.peak
        return max(self.max_interval_s, LONGEST_GAP_FRACTION * typical, queued)

    def _finds_a_sweep(self, key: LatencyKey) -> float:
        """How many finished jobs a sweep may find at most: ``1 / SWEEPS_PER_JOB``, or more (:meth:`_finds_queued`)."""
        return max(1.0 / SWEEPS_PER_JOB, self._finds_queued(key))

    def _finds_queued(self, key: LatencyKey) -> float:
        """Where more of our jobs wait on the server for a worker than a sweep finds at the usual pace, that many
        less ``QUEUE_MARGIN`` (each find frees a slot the next job is sent in, while the workers take the queued
        ones: none idles); else 0.  The jobs in flight below the peak came out of the queue (the workers stay
        busy while it lasts): a batch that drains to as many as there are workers has none queued."""
        if not self.latency.learned(key):
            return 0.0
        queued = self.queue.waiting(key, self.peak) - max(0, self.peak - len(self.jobs))
        finds = queued - QUEUE_MARGIN
        return finds if finds > 1.0 / SWEEPS_PER_JOB else 0.0

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
            seen - job.submitted_at
            for rid, job in self.jobs.items()
            if (seen := self._unfinished_at.get(rid, -math.inf)) >= self._swept_at and latency_key(job.spec) == key
        ]
        if len(ages) < MIN_SAMPLES:
            return 0.0
        return sorted(ages, reverse=True)[MIN_SAMPLES - 1]

    def quiet_until(self) -> float:
        """Run seconds before which no in-flight job could be done (its kind's earliest learned
        finish lies ahead); ``now`` or earlier when one could be, or when a kind is not learned.
        While the batch drains, before which not every one could be, nor every one likely be
        (:meth:`_all_done_from`), until the drain's first sweep: only its last find sets when the run
        ends, and a sweep before the last job is likely done finds none that moves the end.  After
        it, the jobs left are the slow ones, where few finishes were seen (the curve steps from one
        to the next, and would hold a look back until the next)."""
        earliest: dict[tuple[str, str, int], float] = {}
        draining = self.draining()
        pick, first = (max, -math.inf) if draining else (min, math.inf)
        for job in self.jobs.values():
            key = latency_key(job.spec)
            if key not in earliest:
                at = self.latency.earliest(key)
                if at is None:
                    return -math.inf
                earliest[key] = at
            first = pick(first, job.submitted_at + earliest[key])
        if draining and first < self.clock.now() and not self._drain_looked:
            return max(first, self._all_done_from())
        return first

    def _all_done_from(self) -> float:
        """While the batch drains: the time from which every job in flight has finished with a chance of
        ``DRAIN_FIRST_CHANCE``, each by its kind's :class:`survival.Survival` from the age it was last
        seen unfinished.  The batch ends with its last find, and a look for it before then is nearly
        always wasted; once one has shown some jobs finished, those left set the next.  Only the
        ``DRAIN_MODEL_JOBS`` youngest count (their chance is never below every job's: the time is never
        later).  Never later than when every one of them is as old as its kind's slowest finish seen: past
        that the curves are extrapolation (with a few finishes, early in a run, far off).  Reckoned once a
        sweep and count of jobs in flight; ``-inf`` while a kind is not learned."""
        stamp = (self._swept_at, len(self.jobs), self.latency.samples)
        if self._drain_from[0] == stamp:
            return self._drain_from[1]
        now = self.clock.now()
        youngest = heapq.nlargest(DRAIN_MODEL_JOBS, self.jobs.items(), key=lambda item: item[1].submitted_at)
        curves = Curves(self.jobs, self.latency, self._seen_unfinished)
        looks: list[tuple[Survival, float, float]] = []  # (curve, age last seen unfinished, submitted at)
        for rid, job in youngest:
            curve = curves.of(latency_key(job.spec))
            if curve is None:
                return -math.inf
            looks.append((curve, self._seen_unfinished(rid, job), job.submitted_at))
        target = math.log(DRAIN_FIRST_CHANCE)
        seen_all = max(sent + curve.last_finish for curve, _, sent in looks)  # every one past what was seen

        def likely_by(at: float) -> bool:
            total = 0.0
            for curve, seen, sent in looks:
                chance = curve.done_between(seen, at - sent)
                if chance <= 0.0:
                    return False
                total += math.log(chance)
                if total < target:
                    return False
            return True

        if seen_all <= now:
            self._drain_from = (stamp, now)
            return now
        lo, step = now, max(self.min_interval_s, self.interval())
        hi = now + step
        while not likely_by(hi):
            lo, step = hi, 2 * step
            hi = now + step
            if step > DRAIN_HORIZON * max(1.0, now - self._started) or hi >= seen_all:
                break  # never planned past a horizon the curves cannot speak for
        for _ in range(DRAIN_BISECTIONS):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if likely_by(mid) else (mid, hi)
        at = max(now, min(lo, seen_all))
        self._drain_from = (stamp, at)
        return at

    def expected_finds(self, now: float, enough: float = math.inf) -> float | None:
        """How many in-flight jobs the latency model expects to have finished since a sweep last
        looked for them (or since they were sent); None while a kind in flight is not learned
        (:func:`survival.expected_finds`).  Counting stops once it reaches ``enough``."""
        return expected_finds(self.jobs, self.latency, self._seen_unfinished, now, enough)

    def _seen_unfinished(self, rid: str, job: TrackedJob) -> float:
        """The age at which ``job`` was last seen unfinished (by a sweep that looked for it, or a poll)."""
        return max(0.0, self._covered.get(rid, job.submitted_at) - job.submitted_at, job.pending_age)

    def straggler_age(self, key: LatencyKey) -> float | None:
        """The age past which a job of this kind gets a safety-net poll while sweeps work: twice the
        age by which ``SPARSE_FIRST_QUANTILE`` of its kind finish, read off its :class:`survival.Survival`
        (the recent finishes and its jobs in flight, each running at the age last seen unfinished).
        The finishes alone are the kind's fastest while a wave is under way, and would call a job late
        that a sweep is about to show.  None before the kind is learned.  Reckoned again after each
        sweep, or once a tenth more finishes have been learned (each reckoning reads every job in flight)."""
        latency = self.latency
        cached = self._late.get(key)
        if cached is not None and cached[0] == self._swept_at and latency.samples <= cached[1] * STALE_SAMPLES:
            return cached[2]
        curve = Curves(self.jobs, latency, self._seen_unfinished).of(key)
        if curve is None:
            return None
        age = SPARSE_FIRST_FACTOR * curve.age_unfinished(1.0 - SPARSE_FIRST_QUANTILE)
        self._late[key] = (self._swept_at, latency.samples, age)
        return age

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
