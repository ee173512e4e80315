"""When to poll each in-flight job: a schedule learned from the latencies seen so far.

A status poll costs a request from the shared budget, so polling a 5-minute
job every 2 seconds wastes ~150 requests to learn one fact.  Instead each job
is polled first when it could plausibly be done (a low quantile of the
latencies observed so far for its model, or half the model's published
average before any are seen), then at a gap that is a small fraction of the
expected latency, bounded by ``min_interval_s`` and ``max_interval_s``.

Two bounds override the schedule: the request budget may widen the gap
(``floor``, see ``poller.py``), and the expiry guard narrows it: a job is
always polled well before its record expires (``expiry_s - expiry_margin_s``
after submission).  While history sweeps find finished jobs (``sparse``), a
job is polled only once it is later than nearly all jobs seen so far, then
rarely.
"""

from __future__ import annotations

import bisect
from collections import defaultdict

from .params import typical_latency

FIRST_POLL_QUANTILE = 0.02
GAP_FRACTION = 0.04
SPARSE_FIRST_QUANTILE = 0.98  # with sweeps working, poll a job only once it is late
SPARSE_GAP_FACTOR = 5.0
_MIN_SAMPLES = 5


class LatencyModel:
    """Observed submit-to-finish times per model, kept sorted."""

    def __init__(self) -> None:
        self._seen: dict[str, list[float]] = defaultdict(list)

    def observe(self, model: str, seconds: float) -> None:
        bisect.insort(self._seen[model], max(0.0, seconds))

    def quantile(self, model: str, q: float) -> float:
        seen = self._seen.get(model)
        if not seen or len(seen) < _MIN_SAMPLES:
            return typical_latency(model) * (0.5 if q < 0.5 else 1.0 + q)
        index = min(len(seen) - 1, max(0, round(q * (len(seen) - 1))))
        return seen[index]

    def median(self, model: str) -> float:
        return self.quantile(model, 0.5)

    def likelihood_done(self, model: str, age: float) -> float:
        """The share of observed jobs that had finished by ``age`` (0..1)."""
        seen = self._seen.get(model)
        if not seen or len(seen) < _MIN_SAMPLES:
            return min(1.0, age / (2 * typical_latency(model)))
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
    ) -> None:
        self.latency = model
        self.min_interval = min_interval_s
        self.max_interval = max_interval_s
        self.guard = expiry_s - expiry_margin_s

    def next_poll(
        self, model: str, submitted_at: float, now: float, polls: int, *, floor: float = 0.0, sparse: bool = False
    ) -> float:
        """When to poll next.  ``floor``: the smallest gap the request budget allows;
        ``sparse``: history sweeps find finished jobs, so polls are only a safety net."""
        gap = min(self.max_interval, max(self.min_interval, GAP_FRACTION * self.latency.median(model)))
        if sparse:
            gap = SPARSE_GAP_FACTOR * self.max_interval
        if polls == 0:
            first = self.latency.quantile(model, SPARSE_FIRST_QUANTILE if sparse else FIRST_POLL_QUANTILE)
            when = submitted_at + max(first, self.min_interval)
        else:
            when = now + gap
        when = max(when, now + floor)
        # Never let a job's record expire unpolled.
        guard_at = submitted_at + self.guard
        if now < guard_at:
            when = min(when, guard_at)
        return max(when, now)
