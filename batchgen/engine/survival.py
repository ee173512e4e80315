"""How likely a job of one kind is to have finished between two ages, counting the jobs still running.

The latency model keeps the finishes of recent jobs.  Read alone, those
are biased short while a wave is under way: when the first nine of sixteen
jobs sent together have finished, every sample is one of the fastest nine,
and the seven still running look older than "every job of the kind".  So
the jobs in flight count too, each as still running at the age a sweep (or
a poll) last saw it unfinished: the Kaplan-Meier estimate, which keeps them
at risk up to that age.

Past the last finish seen there are no samples.  A job there is expected
to finish at the rate the last quarter of the finishes came at (finishes per
second the jobs spent at risk from there on, those seen running past the
last finish included) while the jobs left past it are more than one of those
observed (at risk at the first finish; mid-wave, most of the kind may lie
there); once fewer would be left, it is an outlier, expected at one
finish per median, as a straggler of any kind is.  Neither rate is ever
below one per median.

:class:`Curves` builds each kind's curve from the jobs in flight,
:func:`expected_finds` sums those chances over them (the sweeper's test of
whether a due sweep is worth its request), and :func:`shown_age` reads a
finish off a history row.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping

from ..api.answers import HistoryRow
from ..jobs import TrackedJob
from .pollplan import LatencyKey, LatencyModel, bounded_finish, latency_key

TAIL_SHARE = 0.25  # the last quarter of the finishes sets the rate just past the last one


class Survival:
    """The share of jobs of one kind still unfinished at each age (submit to finish, seconds)."""

    __slots__ = ("_last", "_log_s", "_outlier", "_span", "_tail", "_times")

    def __init__(self, finishes: list[float], unfinished: list[float], median: float) -> None:
        """``finishes``: recent submit-to-finish times, sorted; ``unfinished``: for each job in
        flight, the age at which it was last seen unfinished; ``median``: the kind's median."""
        running = sorted(unfinished)
        self._outlier = 1.0 / median if median > 0 else 0.0
        self._times: list[float] = []
        self._log_s: list[float] = []  # log of the share unfinished just after each time in _times
        log_s, i, n = 0.0, 0, len(finishes)
        while i < n:
            at = finishes[i]
            j = bisect.bisect_right(finishes, at, lo=i)
            at_risk = (n - i) + (len(running) - bisect.bisect_left(running, at))
            log_s = log_s + math.log1p(-(j - i) / at_risk) if j - i < at_risk else -math.inf
            self._times.append(at)
            self._log_s.append(log_s)
            i = j
        self._last = finishes[-1] if finishes else 0.0
        k = min(n, max(2, math.ceil(TAIL_SHARE * n)))
        start = finishes[n - k - 1] if n > k else 0.0
        # every second a job spent at risk from ``start`` on, the ones seen running past the last finish included
        exposed = sum(max(0.0, x - start) for x in (*finishes, *running))
        rate = k / exposed if k and exposed > 0 else 0.0
        self._tail = max(rate, self._outlier)
        # the tail rate holds until the share left is one of the jobs observed (at risk at the first finish)
        observed = n + len(running) - bisect.bisect_left(running, finishes[0]) if finishes else len(running)
        left = (self._log_s[-1] if self._log_s else 0.0) + math.log(observed or 1)
        self._span = max(0.0, left) / self._tail if self._tail > 0 else 0.0

    def log_unfinished(self, age: float) -> float:
        """The log of the share of jobs still unfinished at ``age``."""
        if age <= self._last:
            index = bisect.bisect_right(self._times, age)
            return self._log_s[index - 1] if index else 0.0
        past = age - self._last
        near = min(past, self._span)
        base = self._log_s[-1] if self._log_s else 0.0
        return base - self._tail * near - self._outlier * (past - near)

    @property
    def last_finish(self) -> float:
        """The oldest age at which a recent job of the kind finished (0 before any): past it, the curve
        is the tail's extrapolation, not what was seen."""
        return self._last

    def age_unfinished(self, share: float) -> float:
        """The youngest age at which at most ``share`` (0..1) of the jobs are still unfinished: the
        inverse of :meth:`log_unfinished` (``inf`` when no rate is known past the last finish)."""
        if share >= 1:
            return 0.0
        target = math.log(share) if share > 0 else -math.inf
        index = bisect.bisect_left(self._log_s, -target, key=lambda log_s: -log_s)  # first at or below it
        if index < len(self._times):
            return self._times[index]
        drop = (self._log_s[-1] if self._log_s else 0.0) - target
        near = self._tail * self._span
        if drop <= near:
            return self._last + drop / self._tail if self._tail > 0 else self._last
        if self._outlier <= 0:
            return math.inf
        return self._last + self._span + (drop - near) / self._outlier

    def done_between(self, since: float, age: float) -> float:
        """The chance a job unfinished at age ``since`` has finished by age ``age`` (0..1)."""
        if age <= since:
            return 0.0
        before = self.log_unfinished(since)
        if before == -math.inf:  # every job seen at that age had finished by it
            return 1.0
        return max(0.0, 1.0 - math.exp(self.log_unfinished(age) - before))


class Curves:
    """Each kind's :class:`Survival` over the jobs in flight (by request id), built on first ask: the
    kind's recent finishes, and each of its jobs in flight as running at the age ``seen_unfinished``
    gives (0 if never seen).  One pass over the jobs in flight serves every kind."""

    __slots__ = ("_curves", "_jobs", "_latency", "_running", "_seen")

    def __init__(
        self,
        jobs: Mapping[str, TrackedJob],
        latency: LatencyModel,
        seen_unfinished: Callable[[str, TrackedJob], float],
    ) -> None:
        self._jobs = jobs
        self._latency = latency
        self._seen = seen_unfinished
        self._curves: dict[LatencyKey, Survival] = {}
        self._running: dict[LatencyKey, list[float]] | None = None  # per kind, the ages its jobs were seen unfinished

    def of(self, key: LatencyKey) -> Survival | None:
        """The curve of this kind; None while it is not learned."""
        curve = self._curves.get(key)
        if curve is None:
            latency = self._latency
            if not latency.learned(key):
                return None
            if self._running is None:
                self._running = {}
                for rid, job in self._jobs.items():
                    self._running.setdefault(latency_key(job.spec), []).append(self._seen(rid, job))
            curve = Survival(latency.samples_of(key) or [], self._running.get(key, []), latency.median(key))
            self._curves[key] = curve
        return curve


def expected_finds(
    jobs: Mapping[str, TrackedJob],
    latency: LatencyModel,
    seen_unfinished: Callable[[str, TrackedJob], float],
    now: float,
    enough: float = math.inf,
) -> float | None:
    """How many of ``jobs`` (in flight, by request id) are expected to have finished since they were
    last seen unfinished (``seen_unfinished``: that age; 0 if never), each by its kind's
    :class:`Survival`; None while a kind among them is not learned.  Counting stops at ``enough``."""
    total = 0.0
    curves = Curves(jobs, latency, seen_unfinished)
    for rid, job in jobs.items():
        if total >= enough:
            break
        curve = curves.of(latency_key(job.spec))
        if curve is None:
            return None
        age = now - job.submitted_at
        total += curve.done_between(min(age, seen_unfinished(rid, job)), age)
    return total


def shown_age(job: TrackedJob, row: HistoryRow, unfinished_at: float | None, shown_at: float) -> float:
    """A finished job's submit-to-finish time as a sweep saw it: the row's own measure kept within
    what was seen (unfinished at a sweep or a poll, finished by this page), else the middle of those."""
    swept = unfinished_at - job.submitted_at if unfinished_at is not None else 0.0
    after = max(swept, job.pending_age)  # a poll may have seen it unfinished later
    return bounded_finish(after, shown_at - job.submitted_at, row.latency_s)
