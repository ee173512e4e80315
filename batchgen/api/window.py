"""Finding a rate limit the server will not describe: 429s that carry no hint.

A server that answers 429 without ``Retry-After`` or a reset time still tells
a careful client two things: how many calls it admitted before it said no,
and when it starts admitting again.  For a sliding window of ``W`` seconds
that admits ``L`` calls, a client that sent faster than ``L / W`` from a quiet
start sees its first ``L`` calls admitted from ``a`` (the first of them) and
the next refused until ``a + W``.

So on the first hintless 429 (at ``t``) the :class:`WindowFinder` takes the
run of calls admitted since ``t - W_ref`` (``W_ref``: the window learned
before, else the configured one) and holds every call back except a single
probe at moments spread geometrically after the run began:
``a + (t - a) * g^k``.  A probe answered 429 costs nothing on the server's
side (refused calls do not count); the first probe admitted, sent at ``p``,
ends the cooldown with ``W = p - a`` (never shorter than the truth, at most
``g`` times longer) and ``L`` = the run's length (never more than the truth
from a quiet start).  Pacing at ``L`` per ``W`` then sees no more 429s, at a
rate within ``1 / g`` of the limit, about one window after the first 429.
Once the window is known, a later episode probes first at ``a + W`` and the
limit only ever comes down (a later run may include calls already outside
the server's window).

Calls already on their way when the first 429 arrived belong to the same
overload: their 429s change nothing.  Pure logic on run seconds, no clock.
"""

from __future__ import annotations

import bisect
import math

PROBE_GROWTH = 1.2  # each probe this much later (from the run's start) than the last
KEEP_WINDOWS = 4  # admitted calls are remembered this many reference windows


class WindowFinder:
    """Learns (window, limit) from admitted calls and the first probe admitted after a hintless 429."""

    def __init__(self, *, window_s: float, growth: float = PROBE_GROWTH) -> None:
        if window_s <= 0 or growth <= 1:
            raise ValueError("window_s must be positive and growth above 1")
        self.assumed = window_s
        self.growth = growth
        self.window: float | None = None  # learned
        self.limit: int | None = None  # learned: calls admitted per window
        self._admitted: list[float] = []  # send times of admitted calls, sorted
        self.cooling = False
        self._t429 = 0.0
        self._start = 0.0  # the run's first admitted call
        self._span = 0.0
        self._count = 0
        self._k = 0
        self._ended_at = -math.inf  # the probe that ended the last cooldown was sent then
        self.episodes = 0  # readouts
        self.probes = 0

    @property
    def reference(self) -> float:
        return self.window if self.window is not None else self.assumed

    def admitted(self, sent_at: float, now: float) -> tuple[float, int] | None:
        """A call sent at ``sent_at`` was answered without a 429.  Returns the learned
        (window, limit) when this call was a probe that ends a cooldown."""
        bisect.insort(self._admitted, sent_at)
        horizon = now - KEEP_WINDOWS * self.reference
        if self._admitted[0] < horizon:
            del self._admitted[: bisect.bisect_left(self._admitted, horizon)]
        if not self.cooling:
            return None
        if sent_at < self._t429:
            if sent_at >= self._start:
                self._count += 1  # admitted before the server said no: part of the run
            return None
        self.cooling = False
        self._ended_at = sent_at
        window = max(sent_at - self._start, self._span)
        if self.window is not None and self._k <= 1:
            window = max(window, self.window)  # the known window reopened on time: keep it
        self.window = window
        limit = max(1, self._count)
        self.limit = limit if self.limit is None else min(self.limit, limit)
        return self.window, self.limit

    def rejected(self, sent_at: float, now: float) -> float:
        """A 429 without a hint for a call sent at ``sent_at``.  Returns when the next probe may go
        (``now`` for a late answer to a call sent before the last cooldown ended)."""
        if not self.cooling and sent_at < self._ended_at:
            return now
        if not self.cooling:
            self.cooling = True
            self.episodes += 1
            self._t429 = now
            first = bisect.bisect_right(self._admitted, now - self.reference)
            run = self._admitted[first:]
            self._start = run[0] if run else sent_at
            self._count = len(run)
            self._span = max(now - self._start, 1e-3 * self.reference)
            self._k = 0
        return self.next_probe(now)

    def next_probe(self, now: float) -> float:
        """The next probe moment after ``now`` (call when a probe has been sent, too)."""
        while True:
            if self._k == 0 and self.window is not None:
                at = self._start + self.window
            else:
                at = self._start + self._span * self.growth ** max(1, self._k)
            if at > now:
                return at
            self._k += 1
            if self._k > 400:  # a stuck clock; never spin
                return now + self._span
            if math.isinf(at):
                return now + self._span

    def probe_sent(self, now: float) -> float:
        """A probe was granted at ``now``; returns when the one after it may go."""
        self.probes += 1
        self._k += 1
        return self.next_probe(now)

    def __repr__(self) -> str:
        learned = f"{self.limit} per {self.window:.3g}s" if self.window is not None else "unknown"
        return f"WindowFinder({learned}, cooling={self.cooling}, episodes={self.episodes}, probes={self.probes})"
