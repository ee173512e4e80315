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
side (refused calls do not count); the first probe admitted, answered at
``p``, ends the cooldown with ``W = p - a`` (never shorter than the truth, at
most ``g`` times longer) and ``L`` = the run's length (never more than the
truth from a quiet start).

The server counts a call when it arrives, somewhere between its send and its
answer.  So every bound allows for that: an upper bound of the window runs
to a call's answer, and a lower bound, and the calls a cooldown counts as
still held, allow for a call reaching the server as late after its send as
the slowest recent answer came (:attr:`WindowFinder.delay`).  Read off send
times alone, a call that was slow to arrive and admitted put the window
shorter than the server's, and the next cooldown then missed calls the server
still held and lowered the limit for the rest of the run.  Pacing at ``L`` per ``W`` then sees no more 429s, at a
rate within ``1 / g`` of the limit, about one window after the first 429.
Once the window is known, a later episode probes first at ``a + W`` and the
limit only ever comes down (a later run may include calls already outside
the server's window).

Probes grow by ``g`` = 1.6, so a limit configured ``r`` times too high costs
about ``log(r) / log(1.6)`` refused probes (2 at 4x, 3 at 5-6x, where 1.2
cost 7-9),
and one more probe goes at the configured window itself (a server whose
window is the configured one but whose limit is lower reopens exactly
then).  The window found is then only an upper bound, up to ``g`` too long;
the refused probes give a lower bound (the server still held the run).
While the two are more than ``NARROW_UNTIL`` apart the client paces at their
geometric mean (:meth:`WindowFinder.pace`): every call the server admits with
``L`` admitted in the ``x`` seconds before its answer proves ``W <= x`` and lowers
the upper bound; a 429 at that pace raises the lower bound.  So the rate climbs
from the safe end toward the limit in a few steps, each risking one 429
rather than a cooldown's worth of probes.

Calls already on their way when the first 429 arrived belong to the same
overload: their 429s change nothing.  Pure logic on run seconds, no clock.
"""

from __future__ import annotations

import bisect
import math
from collections import deque

PROBE_GROWTH = 1.6  # each probe this much later (from the run's start) than the last
KEEP_WINDOWS = 4  # admitted calls are remembered this many reference windows
NARROW_UNTIL = 1.1  # the window's bounds are narrowed while further apart than this ratio
SLACK = 0.01  # bounds read off send times are widened by this share (latency differs per call)
DELAYS_KEPT = 64  # the answer delays of this many recent admitted calls bound how late a call may reach the server


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
        self._delays: deque[float] = deque(maxlen=DELAYS_KEPT)  # send to answer, of recent admitted calls
        self.cooling = False
        self._t429 = 0.0
        self._start = 0.0  # the run's first admitted call
        self._span = 0.0
        self._count = 0
        self._k = 0
        self._ended_at = -math.inf  # the probe that ended the last cooldown was sent then
        self._sent = 0  # probes sent in this cooldown
        self.lower = 0.0  # learned: the window is longer than this (the server still held a full run)
        self.episodes = 0  # readouts
        self.probes = 0

    @property
    def delay(self) -> float:
        """The longest a recent admitted call took from its send to its answer: how much later than it
        was sent a call may have reached the server (0 before any)."""
        return max(self._delays, default=0.0)

    @property
    def reference(self) -> float:
        return self.window if self.window is not None else self.assumed

    def admitted(self, sent_at: float, now: float) -> tuple[float, int] | None:
        """A call sent at ``sent_at`` was answered without a 429.  Returns the learned
        (window, limit) when this call was a probe that ends a cooldown."""
        bisect.insort(self._admitted, sent_at)
        self._delays.append(max(0.0, now - sent_at))
        horizon = now - KEEP_WINDOWS * self.reference
        if self._admitted[0] < horizon:
            del self._admitted[: bisect.bisect_left(self._admitted, horizon)]
        if not self.cooling:
            self._prove_upper(sent_at, now)
            return None
        if sent_at < self._t429:
            if sent_at >= self._start:
                self._count += 1  # admitted before the server said no: part of the run
            return None
        self.cooling = False
        self._ended_at = sent_at
        if not self._count:  # none of ours admitted before the 429 (the window was full of others'): nothing shown
            return None
        window = max(now - self._start, self._span)
        if self.window is not None and self._sent <= 1:
            window = max(window, self.window)  # the known window reopened on time: keep it
        self.window = window
        if self.lower >= window:  # the server changed: what was proved before no longer holds
            self.lower = window / self.growth
        limit = max(1, self._count)
        self.limit = limit if self.limit is None else min(self.limit, limit)
        return self.window, self.limit

    def _prove_upper(self, sent_at: float, now: float) -> None:
        """An admitted call with ``limit`` admitted in the ``x`` seconds before its answer: the window is at
        most ``x``."""
        if self.window is None or self.limit is None or self.window <= self.lower * NARROW_UNTIL:
            return
        # only calls sent a delay before it surely reached the server first
        i = bisect.bisect_left(self._admitted, sent_at - self.delay) - self.limit
        if i < 0:
            return
        bound = (now - self._admitted[i]) * (1 + SLACK)
        if self.lower < bound < self.window:
            self.window = bound

    def pace(self) -> float | None:
        """The window to pace by: the learned one, or, while its bounds are far apart, their geometric mean."""
        if self.window is None:
            return None
        if self.lower > 0 and self.window > self.lower * NARROW_UNTIL:
            return math.sqrt(self.window * self.lower)
        return self.window

    def rejected(self, sent_at: float, now: float) -> float:
        """A 429 without a hint for a call sent at ``sent_at``.  Returns when the next probe may go
        (``now`` for a late answer to a call sent before the last cooldown ended)."""
        if not self.cooling and sent_at < self._ended_at:
            return now
        if not self.cooling:
            self.cooling = True
            self.episodes += 1
            self._t429 = now
            run = self.admitted_since(now - self.reference - self.delay)  # what the server may still hold
            self._start = run[0] if run else sent_at
            self._count = len(run)
            self._span = max(now - self._start, 1e-3 * self.reference)
            self._k = 0
            self._sent = 0
            # the server still held what it had admitted: from a quiet start the whole run, later the last
            # ``limit`` calls (when fewer got through, the limit fell and this shows nothing about the window)
            before = run[: bisect.bisect_left(run, sent_at)]
            if self.limit is None:
                held = before[0] if before else None  # none before it: a 429 on the first call shows nothing
            else:
                held = before[-self.limit] if len(before) >= self.limit else None
            if held is not None:  # it reached the server no later than a delay after it was sent
                self.lower = max(self.lower, (sent_at - held - self.delay) * (1 - SLACK))
        elif sent_at >= self._t429 and (self.limit is None or self._count >= self.limit):
            # a probe refused: the server still held the run that began at _start
            self.lower = max(self.lower, (sent_at - self._start - self.delay) * (1 - SLACK))
        return self.next_probe(now)

    def admitted_since(self, since: float) -> list[float]:
        """Send times of the calls admitted after ``since`` (those remembered), oldest first."""
        return self._admitted[bisect.bisect_right(self._admitted, since) :]

    def next_probe(self, now: float) -> float:
        """The next probe moment after ``now`` (call when a probe has been sent, too)."""
        while True:
            if self._k == 0 and self.window is not None:
                at = self._start + self.window
            else:
                at = self._start + self._span * self.growth ** max(1, self._k)
            if at > now:
                break
            self._k += 1
            if self._k > 400:  # a stuck clock; never spin
                return now + self._span
            if math.isinf(at):
                return now + self._span
        if self.window is None:  # before anything is learned, the configured window gets a probe of its own
            prior = self._start + self.assumed * (1 + SLACK)
            if now < prior < at:
                return prior
        return at

    def probe_sent(self, now: float) -> float:
        """A probe was granted at ``now``; returns when the one after it may go."""
        self.probes += 1
        self._sent += 1
        return self.next_probe(now)

    def probe_unsent(self) -> None:
        """The probe last granted was not sent after all: the next one granted is this cooldown's probe."""
        self.probes -= 1
        self._sent -= 1

    def __repr__(self) -> str:
        learned = f"{self.limit} per {self.window:.3g}s" if self.window is not None else "unknown"
        return f"WindowFinder({learned}, cooling={self.cooling}, episodes={self.episodes}, probes={self.probes})"
