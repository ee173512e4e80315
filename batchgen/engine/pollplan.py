"""When to poll each in-flight job: a schedule learned from what the server shows.

A status poll costs a request from the shared budget, so polling a 5-minute
job every 2 seconds wastes ~150 requests to learn one fact.  But the
published latency is only a prior: jobs run faster or slower with mode,
duration, queue backlog and cold boots.  So:

**Every observation teaches** (:class:`LatencyModel`).  A sample is a job's
submit-to-*finish* time, not the moment a poll noticed it: the server's own
measure when it has one (result ``metrics.total_time``, a history row's
``latency_ms``), kept within what our own polls saw; otherwise the midpoint
between the last poll that found the job unfinished and the one that found it
done.  Samples are kept per (model, mode, duration) and pooled per model; the
most specific group with enough samples answers.  Only the last ``window``
samples of a group count, so a backlog that builds up overnight is followed.

**Before anything is learned, probe** (:class:`PollPlan`).  A job's first poll
comes ``min_interval_s`` after submission and each later gap is half the job's
age, so the polls spread geometrically: a job of any length is found within a
third of its age (at most ``max_interval_s`` late) after a few polls, whether
the prior was 100x too long or 5x too short.  Once a group has enough samples
a job's first poll goes where it costs least over the recent samples (the
detection delay it leaves plus ``POLL_COST`` of a gap per poll; usually
between the earliest finishes and the median), then it is polled every few
percent of the median.

``min_interval_s`` is the shortest gap between two polls of a job, unless
jobs of its kind were learned to take under 20 times that: then the shortest
gap is 5% of their median (:meth:`PollPlan.shortest_gap`), since a floor sized
for minutes-long jobs would find a 3-second job a third of its length late.

Three bounds override the schedule.  ``max_interval_s`` caps every gap of a
probe (its first poll included) and every gap after a learned job's first
poll; where the request budget cannot afford it (``floor``, said once in the
log) the polls wait their turns for it (``schedule.py``), and the plan is
thriftier (fewer, later probes); a job that finishes before its learned
first poll (one that runs faster than most of its kind) may wait longer for
it, which is what keeps a learned job's polls few.  The expiry guard narrows it: a job
is always polled before its record expires (``expiry_s - expiry_margin_s``
after submission); a record found gone earlier than that shortens the guard
for the rest of the run (:meth:`PollPlan.records_expire_by`).  While history
sweeps find finished jobs (``sparse``) per-job polls are a rare safety net,
and until a kind is learned only a few of its oldest jobs (scouts) carry it.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..params import typical_latency

if TYPE_CHECKING:
    from ..jobs import JobSpec

log = logging.getLogger("batchgen")

LatencyKey = tuple[str, str, int]  # (model, mode, duration); mode "" and duration 0 pool a model

FIRST_POLL_QUANTILE = 0.02
GAP_FRACTION = 0.04
POLL_COST = 0.3  # a poll weighs as much as this share of a gap of detection delay, when placing the first
POLL_COST_THRIFTY = 1.0  # ... when the request budget cannot afford the planned gaps (polls cost makespan)
PROBE_GROWTH = 0.5  # while probing, each gap is this fraction of the job's age
SPARSE_FIRST_QUANTILE = 0.98  # with sweeps working, poll a job only once it is late:
SPARSE_FIRST_FACTOR = 2.0  # twice the 98th percentile (SweepCadence.straggler_age: jobs running count)
SPARSE_GAP_FACTOR = 10.0
SCOUTS = 2  # while sweeps work and a kind is not learned, this many of its jobs get safety-net polls, in turn
SHORT_GAP_FRACTION = 0.05  # jobs much shorter than min_interval_s may be polled every 5% of their median
MIN_SAMPLES = 4
LAST_LOOKS = 3  # polls into a record's last margin, where no history stands in for it: halfway to its end, and on
WINDOW = 64  # samples kept per group: older ones are forgotten


def latency_key(spec: JobSpec) -> LatencyKey:
    """The group a job's latency belongs to: its model, mode and duration."""
    params = spec.params
    try:
        duration = int(params.get("duration") or 5)
    except (TypeError, ValueError):
        duration = 5
    return (spec.model, str(params.get("mode") or ""), duration)


def scout_gap(step: float, age: float, polls: int, turn: int) -> float:
    """The gap to a scout's next safety-net poll.  Scouts are sent together, so two polled at once
    would ask the same question twice: the ``turn``-th scout first polls ``2**turn`` steps out, then
    each at ``2**SCOUTS`` times its age.  Together they poll at ages doubling (one step, two, four...),
    one scout at a time: what one did alone, for the requests of one."""
    if not polls:
        return step * 2.0**turn
    return max(step, (2.0**SCOUTS - 1) * age)


def bounded_finish(after: float, by: float, server_s: float | None) -> float:
    """A job's submit-to-finish time from a job seen unfinished at age ``after`` and finished by age
    ``by``: the server's own measure kept within those bounds, else the middle of them."""
    after, by = max(0.0, min(after, by)), max(0.0, by)
    if server_s is not None and server_s >= 0:
        return min(by, max(after, server_s))
    return (after + by) / 2


def _as_key(key: LatencyKey | str) -> LatencyKey:
    return (key, "", 0) if isinstance(key, str) else key


class _Samples:
    """The last ``window`` samples of one group, with a sorted view."""

    __slots__ = ("_recent", "_sorted")

    def __init__(self, window: int) -> None:
        self._recent: deque[float] = deque(maxlen=window)
        self._sorted: list[float] | None = None

    def add(self, seconds: float) -> None:
        self._recent.append(seconds)
        self._sorted = None

    def __len__(self) -> int:
        return len(self._recent)

    def ordered(self) -> list[float]:
        if self._sorted is None:
            self._sorted = sorted(self._recent)
        return self._sorted


class LatencyModel:
    """Submit-to-finish times per (model, mode, duration) and per model, recent ones only."""

    def __init__(self, *, window: int = WINDOW, min_samples: int = MIN_SAMPLES) -> None:
        self._window = window
        self._min = min_samples
        self._groups: dict[LatencyKey, _Samples] = {}
        self.samples = 0  # readout: every sample taken (also a version: it changes with every sample)

    # ------------------------------------------------------------------ learning

    def observe(self, key: LatencyKey | str, seconds: float) -> bool:
        """One job's submit-to-finish time.  Returns True if this made its group learned.

        A time of zero or less teaches nothing (no job is done the moment it is sent: such a
        figure comes from clocks, e.g. a resumed job sent "after" this run's clock began, or a
        server measure that is negative), and a median of zero would make every gap zero."""
        key = _as_key(key)
        before = self.learned(key)
        if not seconds > 0:
            return False
        for group in {key, (key[0], "", 0)}:
            samples = self._groups.get(group)
            if samples is None:
                samples = self._groups[group] = _Samples(self._window)
            samples.add(seconds)
        self.samples += 1
        return not before and self.learned(key)

    def observe_finish(self, key: LatencyKey | str, *, after: float, by: float, server_s: float | None = None) -> bool:
        """A job was unfinished at age ``after`` and finished by age ``by`` (our own polls).

        ``server_s`` is the server's own submit-to-finish measure, when it gave
        one; it is kept within our bounds, since the server's clock started when
        it received the submit, not when we sent it."""
        return self.observe(key, bounded_finish(after, by, server_s))

    # ------------------------------------------------------------------ reading

    def _group(self, key: LatencyKey | str, least: int | None = None) -> list[float] | None:
        """The sorted samples of the most specific group with at least ``least`` (the learned minimum)."""
        key = _as_key(key)
        least = self._min if least is None else least
        for group in (key, (key[0], "", 0)):
            samples = self._groups.get(group)
            if samples is not None and len(samples) >= least:
                return samples.ordered()
        return None

    def learned(self, key: LatencyKey | str) -> bool:
        return self._group(key) is not None

    def samples_of(self, key: LatencyKey | str) -> list[float] | None:
        """The sorted recent samples that answer for ``key``, or None before it is learned."""
        return self._group(key)

    def prior(self, key: LatencyKey | str) -> float:
        model, _, duration = _as_key(key)
        return typical_latency(model) * (1.5 if duration >= 10 else 1.0)

    def quantile(self, key: LatencyKey | str, q: float) -> float:
        seen = self._group(key)
        if seen is None:
            return self.prior(key) * (0.5 if q < 0.5 else 1.0 + q)
        index = min(len(seen) - 1, max(0, round(q * (len(seen) - 1))))
        return seen[index]

    def fastest(self, key: LatencyKey | str) -> float | None:
        """The fastest recent finish of this kind, learned or not (None before any): a lower
        bound of its median from the first finish on."""
        seen = self._group(key, least=1)
        return seen[0] if seen else None

    def slowest(self, key: LatencyKey | str) -> float | None:
        """The slowest recent finish of this kind, learned or not (None before any)."""
        seen = self._group(key, least=1)
        return seen[-1] if seen else None

    def earliest(self, key: LatencyKey | str) -> float | None:
        """The age from which a job of this kind could be done (its fastest recent finishes);
        None before the kind is learned, when it could be done at any age."""
        return self.quantile(key, FIRST_POLL_QUANTILE) if self.learned(key) else None

    def median(self, key: LatencyKey | str) -> float:
        return self.quantile(key, 0.5)

    def likelihood_done(self, key: LatencyKey | str, age: float) -> float:
        """The share of recent jobs that had finished by ``age`` (0..1)."""
        seen = self._group(key)
        if seen is None:
            return min(1.0, age / (2 * self.prior(key)))
        return bisect.bisect_right(seen, age) / len(seen)


class PollPlan:
    """Computes each job's next poll time (run seconds, on the run's clock)."""

    def __init__(
        self,
        model: LatencyModel,
        *,
        min_interval_s: float,
        max_interval_s: float,
        expiry_s: float,
        expiry_margin_s: float,
        stands_in: Callable[[], bool | None] | None = None,
    ) -> None:
        self.latency = model
        # the request history stands in for a record that dies (its rows link the videos; None: not known yet)
        self._stands_in = stands_in or (lambda: None)
        self.min_interval = min_interval_s
        self.max_interval = max_interval_s
        self.expiry = expiry_s
        self._margin_share = expiry_margin_s / expiry_s
        self.guard = expiry_s - expiry_margin_s
        self.budget_bound = False  # the budget has pushed a gap past max_interval_s
        self._first: dict[tuple[LatencyKey | str, float], tuple[int, float, float]] = {}  # -> (version, gap, age)

    def next_poll(
        self,
        key: LatencyKey | str,
        submitted_at: float,
        now: float,
        polls: int,
        *,
        floor: float = 0.0,
        sparse: bool = False,
        scout: bool = True,
        patience: float = 0.0,
        late: float | None = None,
        turn: int = 0,
    ) -> float:
        """When to poll next.  ``polls``: polls so far that found the job unfinished;
        ``floor``: how far apart the budget's share spaces a job's polls with every job that could be done
        polled in turn (the poll loop's turns do the spacing, :meth:`schedule.PollSchedule.wait_turn`: here it
        only makes the plan thriftier, and tells the operator where it binds); ``sparse``: history
        sweeps find finished jobs, so polls are only a safety net; ``scout``: while its
        kind is not learned, whether this job is one of the few that carry that net;
        ``patience``: the smallest gap once a late find delays no other job (the expiry
        guard still wins, and a job past its guard keeps the plan's own gap, or its :meth:`last_look` if
        sooner); ``late``: with sweeps working, the age past which a learned job is a straggler, given a first
        poll (else twice the learned 98th percentile); ``turn``: a scout's place among its kind's (0 first)."""
        age = max(0.0, now - submitted_at)
        latency = self.latency
        if sparse:
            if polls == 0 and latency.learned(key):
                if late is None:
                    late = SPARSE_FIRST_FACTOR * latency.quantile(key, SPARSE_FIRST_QUANTILE)
                when = submitted_at + max(late, self.min_interval)
            elif not scout and not latency.learned(key):
                when = submitted_at + self.guard  # the sweeps, the scouts, then the expiry guard
                if when <= now:
                    when = now + SPARSE_GAP_FACTOR * self.max_interval
            elif not latency.learned(key):  # a scout: its kind's scouts take turns (see scout_gap)
                when = now + scout_gap(SPARSE_GAP_FACTOR * self.max_interval, age, polls, turn)
            else:  # a safety net: further apart as the job ages
                when = now + max(SPARSE_GAP_FACTOR * self.max_interval, age if polls else 0.0)
        elif not latency.learned(key):
            growth = 2 * PROBE_GROWTH if floor > self.min_interval else PROBE_GROWTH  # thriftier when tight
            gap = self.min_interval if polls == 0 else growth * age
            when = now + min(self.max_interval, max(self.min_interval, gap))
        elif polls == 0:
            thrifty = floor > self.gap(key)
            shortest = self.shortest_gap(key)
            when = submitted_at + max(self._first_poll(key, POLL_COST_THRIFTY if thrifty else POLL_COST), shortest)
            if when < now:
                when = now + shortest
        else:
            when = now + self.gap(key)
        if not sparse and floor > self.max_interval and when < now + floor and not self.budget_bound:
            self.budget_bound = True
            log.warning(
                "the request budget cannot afford a poll of every job within polling.max_interval_s "
                "(%.3gs): polls are %.3gs apart; raise limits.requests_per_minute or lower "
                "limits.concurrency to poll more often",
                self.max_interval,
                floor,
            )
        # Never let a job's record expire unpolled; past the guard, look once more before it does.
        guard_at = submitted_at + self.guard
        if now < guard_at:
            when = min(max(when, now + patience), guard_at)
        elif (last := self.last_look(age)) is not None:
            when = min(when, submitted_at + last)
        return max(when, now)

    def last_look(self, age: float) -> float | None:
        """Where a job was seen unfinished ``age`` s after its submit, at or past its expiry guard, and no history
        stands in for its record: the age of its next poll before the record dies, the first of three looks into
        the record's last margin (the guard to its end, as found so far), each halfway to the end from the last,
        that is ``min_interval_s`` on (None: none is, or before the guard).  A job that finishes in most of that
        margin is found before its record dies, whatever the plan's own gap; one that outlives its record costs
        three polls more."""
        if age < self.guard or self._stands_in():
            return None
        margin = self.expiry - self.guard
        looks = (self.guard + margin * (1.0 - 0.5**k) for k in range(1, LAST_LOOKS + 1))
        return next((at for at in looks if at >= age + self.min_interval), None)

    def gap(self, key: LatencyKey | str) -> float:
        """The gap between polls once a learned job could be done."""
        return min(self.max_interval, max(self.shortest_gap(key), GAP_FRACTION * self.latency.median(key)))

    def shortest_gap(self, key: LatencyKey | str) -> float:
        """``min_interval_s``, unless jobs of this kind were learned to take under 20 times it:
        then 5% of their median, so that a job of a few seconds is not found a third of its
        length late (the request budget still bounds every poll)."""
        if not self.latency.learned(key):
            return self.min_interval
        return min(self.min_interval, SHORT_GAP_FRACTION * self.latency.median(key))

    def _first_poll(self, key: LatencyKey | str, poll_cost: float = POLL_COST) -> float:
        """The age of a learned job's first poll: the one that, followed by polls every
        :meth:`gap`, costs the least detection delay plus polls over the recent samples.
        With gaps fine against the spread that is the earliest finish (2nd percentile);
        with coarse gaps (``min_interval_s`` close to the latency) it is later, so that
        most jobs are found by the first poll instead of one gap after it."""
        gap = self.gap(key)
        cached = self._first.get((key, poll_cost))
        if cached is not None and cached[:2] == (self.latency.samples, gap):
            return cached[2]
        seen = self.latency.samples_of(key) or []
        best_at, best = self.latency.quantile(key, FIRST_POLL_QUANTILE), math.inf
        for start in [best_at, *seen]:
            cost = 0.0
            for finish in seen:
                late = max(0.0, finish - start)
                rounds = math.ceil(late / gap)
                cost += start + rounds * gap - finish + poll_cost * gap * rounds
            if cost < best - 1e-9:
                best_at, best = start, cost
        self._first[(key, poll_cost)] = (self.latency.samples, gap, best_at)
        return best_at

    def records_expire_by(self, age: float) -> bool:
        """A record was gone ``age`` seconds after submission, sooner than ``expiry_s``:
        records live shorter than configured.  Tightens the guard for the rest of the
        run (keeping the configured margin's share); True if it changed."""
        if age <= 0 or age >= self.expiry:
            return False
        self.expiry = age
        self.guard = min(self.guard, age * (1.0 - self._margin_share))
        return True
