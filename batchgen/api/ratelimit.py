"""The request budget shared by every API call, and the account-wide 429 gate.

One :class:`RequestBudget` paces the whole run.  A call may start when all of
these hold:

* **the gate is open.**  A 429 on any call closes it for every call until the
  server's hint (``Retry-After``, ``x-rate-limit-reset-at-utc``).  A 429
  without a hint starts a cooldown in which single probes go out at growing
  gaps, and the first probe admitted reopens the gate with the window and
  limit the server showed (:mod:`batchgen.ratewindow`);
* **a token is available.**  A token bucket refilled at ``limit / window``
  per second with a burst of 1/60 of a window's quota spreads calls out
  instead of firing a minute's worth at once.  It starts with one token (a
  burst passed in explicitly starts full): a run's first calls go out at the
  steady rate, so a limit configured too high is overrun by the ratio of the
  two rates only, which keeps the search for an undescribed window short
  (below);
* **the window has room.**  Every call counts from the moment it is sent
  until ``window`` seconds after its *answer* arrived, and at most ``limit``
  may count at once.  The server received each call between those two moments,
  so whatever sliding window of that length the server keeps can never hold
  more than ``limit`` of our calls: configured at or below the server's limit,
  the run sees no 429 at all, whatever the network latency.

``limit`` starts at the configured requests per minute, counted over
``window`` seconds (``limits.rate_window_s``).  A 429 with a hint means the
configured figure is too high: the limit drops multiplicatively (to what was
in the window when the server said no, but at most by half per step, and once
per overload), then climbs back additively after each clean window, up to
just under that ceiling; beyond it, it probes only every tenth window (and
never more often than once a minute).  So a limit the user set too high is
found, not hammered.  A hinted 429 that comes with fewer than half the limit
in the window, after a run of at least ``MIN_RUN`` admitted calls, with a
reset due before half the window has passed since the run began, is not
that: the server counts over a shorter window (a plan's "per minute"
enforced per second), and halving on each such 429 would leave most of its
rate unused.  The rate is kept, counted over that shorter window (the run's
first call to the reset), so calls are not bunched into bursts it refuses;
a 429 after that lowers the limit as any other.  A 429 the shorter window
does not explain either (a spurious one) lowers it as before.

Waiters are served by priority (results first, then submits, then polls) and,
within a priority, by rank then arrival.  Only the waiter at the head sleeps
on a timer; the others sleep until they reach the head.  Time is read only
through the injected :class:`~batchgen.clock.Clock`.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import random
from collections import deque
from dataclasses import dataclass, field
from enum import IntEnum

import anyio

from ..clock import Clock
from .window import WindowFinder

log = logging.getLogger("batchgen")


ABOVE_CEILING_WINDOWS = 10  # past the ceiling where the server said no, the limit rises every this many windows...
ABOVE_CEILING_S = 60.0  # ... and never more often than this (a short window found would otherwise try it often)
UNEXPLAINED = 0.5  # a hinted 429 with fewer than this share of the limit in the window, and a reset within this
MIN_RUN = 3  # share of it after a run of this many admitted calls: the server counts over a shorter window


class Priority(IntEnum):
    """What a call is for; lower values are served first."""

    RESULT = 0  # fetching a finished job's result (and account look-ups)
    SUBMIT = 1  # starting new work: only ever as many as free slots, and its service time is what overlaps
    POLL = 2  # a status poll or a history sweep


@dataclass(slots=True, order=True)
class _Waiter:
    priority: int
    rank: float
    seq: int
    event: anyio.Event = field(compare=False)
    done: bool = field(default=False, compare=False)


def _promote(waiter: _Waiter, now: float, urgent_at: float, ahead_at: float) -> bool:
    """Serve ``waiter`` as a result call once ``urgent_at`` has come, or ahead of every submit once ``ahead_at``
    has; True if that moved it."""
    if now >= urgent_at and (waiter.priority, waiter.rank) != (Priority.RESULT, 0.0):
        waiter.priority, waiter.rank = int(Priority.RESULT), 0.0
        return True
    if now >= ahead_at and waiter.priority > Priority.SUBMIT:
        waiter.priority, waiter.rank = int(Priority.SUBMIT), -math.inf
        return True
    return False


def _next_promotion(waiter: _Waiter, now: float, urgent_at: float, ahead_at: float) -> float:
    """When ``waiter`` is next moved ahead (:func:`_promote`), ``inf`` if never."""
    moments = [urgent_at] if now < urgent_at else []
    if now < ahead_at and waiter.priority > Priority.SUBMIT:
        moments.append(ahead_at)
    return min(moments, default=math.inf)


class RequestBudget:
    """Paces API calls: token bucket + sliding window + 429 gate, one clock."""

    def __init__(
        self,
        requests_per_minute: float,
        *,
        clock: Clock,
        window: float = 60.0,
        burst: float | None = None,
        min_limit: float = 1.0,
        max_hint_s: float = 3600.0,
        rng: random.Random | None = None,
    ) -> None:
        if requests_per_minute <= 0 or window <= 0:
            raise ValueError("requests_per_minute and window must be positive")
        self.clock = clock
        self.window = window
        self.configured = float(requests_per_minute) * window / 60.0
        self.limit = self.configured
        self.ceiling = math.inf
        self.min_limit = min(min_limit, self.configured)
        self._burst = burst
        self._max_hint = max_hint_s
        self._rng = rng or random.Random()
        now = clock.now()
        self._tokens = self.burst if burst is not None else min(1.0, self.burst)  # a chosen burst starts full
        self._tokens_at = now
        self._began = now  # requests of the key sent before then, by an earlier run, fill the server's window
        self._stamps: deque[float] = deque()
        self.in_flight = 0
        self._gate_until = -math.inf
        self._last_raise = now
        self._last_decrease = -math.inf
        self._clean_windows = 0
        self._step = max(1.0, self.configured * 0.02)
        self.finder = WindowFinder(window_s=window)
        self._waiters: list[_Waiter] = []
        self._probe_at = -math.inf  # when the last probe of a cooldown was granted
        self._seq = itertools.count()
        # readouts
        self.granted_while_closed = 0
        self.throttled = 0  # 429 answers seen

    # ------------------------------------------------------------------ state

    @property
    def burst(self) -> float:
        if self._burst is not None:
            return self._burst
        return max(1.0, self.limit / 60)

    def closed_for(self) -> float:
        """Run seconds until the 429 gate opens (0 when open)."""
        return max(0.0, self._gate_until - self.clock.now())

    @property
    def gate_open(self) -> bool:
        return self.clock.now() >= self._gate_until

    def _refill(self, now: float) -> None:
        rate = self.limit / self.window
        self._tokens = min(self.burst, self._tokens + (now - self._tokens_at) * rate)
        self._tokens_at = now

    @property
    def _above_every(self) -> int:
        """Clean windows between two tries above the ceiling."""
        return max(ABOVE_CEILING_WINDOWS, math.ceil(ABOVE_CEILING_S / self.window))

    def _recover(self, now: float) -> None:
        """Additive increase after each clean window: quickly up to just under the
        ceiling where the server last said no, then only every ``_above_every`` windows."""
        while self.limit < self.configured and now - self._last_raise >= self.window:
            self._last_raise += self.window
            self._clean_windows += 1
            if self.limit + self._step < self.ceiling or self._clean_windows % self._above_every == 0:
                self.limit = min(self.configured, self.limit + self._step)
                self.ceiling = max(self.ceiling, self.limit + self._step)
        if self.limit >= self.configured:
            self._last_raise = now

    def wait_time(self, now: float) -> float | None:
        """Run seconds until a call could start; 0 if now; None if only a release helps."""
        if now < self._gate_until:
            return self._gate_until - now
        self._recover(now)
        stamps = self._stamps
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        self._refill(now)
        waits = [0.0]
        if self.in_flight + len(stamps) >= math.floor(self.limit):
            if not stamps:
                return None
            waits.append(stamps[0] + self.window - now + 1e-6)
        if self._tokens < 1.0:
            short = (1.0 - self._tokens) * self.window / self.limit
            if now + short > now:  # a refill's rounding (a wait too small to move the clock) is no wait
                waits.append(short)
        return max(waits)

    # ------------------------------------------------------------------ waiting

    async def acquire(
        self, priority: Priority, rank: float = 0.0, *, urgent_at: float = math.inf, ahead_at: float = math.inf
    ) -> float:
        """Wait for a slot; returns when it was granted.  Call :meth:`release` once answered.  From ``urgent_at``
        (run seconds) on, a call still waiting is served as a :attr:`Priority.RESULT` is (a poll at its record's
        expiry guard: the last chance of a video paid for); from ``ahead_at`` on, ahead of every submit and
        behind the result calls (a sweep's page, once the submits waiting would fill the slots before its answer
        came back)."""
        waiter = _Waiter(int(priority), rank, next(self._seq), anyio.Event())
        heapq.heappush(self._waiters, waiter)
        try:
            while True:
                now = self.clock.now()
                # (at the head too: a call that asks after its moment must go behind it)
                if _promote(waiter, now, urgent_at, ahead_at):  # served from now on ahead of what it waited behind
                    heapq.heapify(self._waiters)
                    self._wake_head()
                until = _next_promotion(waiter, now, urgent_at, ahead_at) - now
                if self._waiters[0] is waiter:
                    wait = self.wait_time(now)
                    if wait == 0.0:
                        return self._grant(waiter)
                    await self.clock.wait(waiter.event, min(math.inf if wait is None else wait, until))
                elif until < math.inf:
                    await self.clock.wait(waiter.event, until)
                else:
                    await waiter.event.wait()
                waiter.event = anyio.Event()
        except BaseException:
            if not waiter.done:
                self._waiters.remove(waiter)
                heapq.heapify(self._waiters)
                self._wake_head()
            raise

    def _grant(self, waiter: _Waiter) -> float:
        """Grant the head ``waiter``; returns the moment granted (the one :meth:`give_back` is told of)."""
        now = self.clock.now()
        heapq.heappop(self._waiters)
        waiter.done = True
        self._tokens -= 1.0
        self.in_flight += 1
        if not self.gate_open:
            self.granted_while_closed += 1
        if self.finder.cooling:  # a probe: the gate stays shut for everyone else until the next one
            self._probe_at = now
            self._gate_until = self.finder.probe_sent(now)
        self._wake_head()
        return now

    def waiting(self, priority: Priority) -> bool:
        """Whether a call of ``priority`` is waiting for a slot."""
        return any(w.priority == priority for w in self._waiters)

    def count_waiting(self, priority: Priority) -> int:
        """How many calls of ``priority`` are waiting for a slot."""
        return sum(w.priority == priority for w in self._waiters)

    def _wake_head(self) -> None:
        if self._waiters:
            self._waiters[0].event.set()

    def release(self) -> None:
        """Record that a granted call has been answered (or given up)."""
        self.in_flight -= 1
        self._stamps.append(self.clock.now())
        self._wake_head()

    async def another(self) -> float:
        """A call granted and in flight is to make one request more (a redirect to follow): the request it made
        takes its place in the window (as :meth:`release` gives it), and the next waits for a grant as a result
        call does, ahead of submits; returns when it was granted (the moment :meth:`on_429` and
        :meth:`succeeded` are told of, from then on).  Its caller releases once, as before.  Should the wait end
        in an error (a cancel), the call holds its slot again, and the release still to come leaves one request
        more in the window than was sent: on the safe side."""
        self.release()
        try:
            return await self.acquire(Priority.RESULT)
        except BaseException:
            self.in_flight += 1
            raise

    def give_back(self, granted_at: float) -> None:
        """A call granted at ``granted_at`` was not sent after all (its caller found, once granted, that it must
        not go yet): it holds no place in the window, and its token goes to the next waiter.  Counted as sent, a
        call granted and held back again and again would spend the budget on nothing, ahead of the calls that
        wait behind it.  A probe of a cooldown not sent leaves the probe to the next waiter."""
        self.in_flight -= 1
        now = self.clock.now()
        self._refill(now)
        self._tokens = min(max(1.0, self.burst), self._tokens + 1.0)
        if self.finder.cooling and granted_at == self._probe_at:
            self.finder.probe_unsent()
            self._gate_until = min(self._gate_until, now)
        self._wake_head()

    # ------------------------------------------------------------------ 429

    def on_429(self, hint: float | None, sent_at: float | None = None) -> float:
        """A call was answered 429: close the gate and lower the limit.

        ``hint`` is the server's wait in run seconds, or None.  ``sent_at`` is
        when that call was granted: a 429 for a call sent before the last
        decrease belongs to the same overload and only keeps the gate closed.
        With a hint, the limit falls to what was in the window, but never below
        half of itself in one step (or, when the hint shows a window far shorter
        than ours, the rate is kept over that window).  Without one, a cooldown of single probes
        finds the window and limit (:meth:`succeeded` ends it).  Returns how
        long the gate stays closed.
        """
        now = self.clock.now()
        self.throttled += 1
        sent = now if sent_at is None else sent_at
        if hint is None or hint <= 0:
            return self._cool_down(sent, now)
        shorter = self._shorter_window(now, min(hint, self._max_hint))
        if shorter is not None:
            # too few calls in the window to explain it, and the server reopens long before the window
            # could clear: it counts over a shorter one (a plan's "per minute" enforced per second).  The
            # rate is kept, counted over that window, so calls are not bunched into bursts it refuses.
            # (or requests of the key that this run does not count fill its window: the rate is the same)
            others = (
                "requests of this key sent just before this run"
                if now - self._began < self.window
                else "another process using this key"
            )
            log.info(
                "a 429 that a window of about %.3gs explains, not %.3gs (or %s): pacing the same rate over that",
                shorter,
                self.window,
                others,
            )
            self._set_window(shorter)
        elif sent_at is None or sent_at >= self._last_decrease:
            observed = float(self.in_flight + len(self._stamps))
            old = self.limit
            self.limit = max(self.min_limit, min(old * 0.8, max(observed, old * 0.5)))
            self.ceiling = max(self.limit + self._step, min(old, observed) if observed else old)
            self._last_decrease = now
            self._clean_windows = 0
        self._last_raise = now
        self._tokens = 0.0
        self._tokens_at = now
        jitter = 0.0 if shorter is not None else self._rng.uniform(0, 0.05 * self.window)
        self._gate_until = max(self._gate_until, now + min(hint, self._max_hint) + jitter)
        self._wake_head()
        return self._gate_until - now

    def _shorter_window(self, now: float, hint: float) -> float | None:
        """The server's window, when a hinted 429 shows it far shorter than ours: fewer than
        ``UNEXPLAINED`` of the limit were in our window, after a run of at least ``MIN_RUN`` admitted,
        and the server admits again ``hint`` seconds on, so it holds the run's first call no longer
        than from then to the reset (at most: a reset time read against a whole-second ``Date`` may be
        a second late, which leaves the window longer, never shorter).  None otherwise."""
        run = self.finder.admitted_since(now - self.window)
        if len(run) < MIN_RUN or self.in_flight + len(self._stamps) >= UNEXPLAINED * self.limit:
            return None
        # never shorter than the run takes at the configured rate: a burst answered 429 at once would
        # show a window of a few milliseconds, and a limit of one call in it would outrun that rate
        held = max(now + hint - run[0], MIN_RUN * self.window / self.configured)
        return held if held < UNEXPLAINED * self.window else None

    def _cool_down(self, sent_at: float, now: float) -> float:
        """A 429 without a hint: hold calls back and let single probes find the window."""
        self._tokens = 0.0
        self._tokens_at = now
        self._gate_until = self.finder.rejected(sent_at, now)
        self._wake_head()
        return self._gate_until - now

    def succeeded(self, sent_at: float | None = None) -> None:
        """A call sent at ``sent_at`` was answered without 429.  A probe admitted during a
        cooldown sets the window and limit it revealed."""
        if sent_at is None:
            return
        now = self.clock.now()
        known = self.finder.window
        cooling = self.finder.cooling
        learned = self.finder.admitted(sent_at, now)
        if learned is None and cooling and not self.finder.cooling:  # a cooldown that showed nothing: over
            self._gate_until = now
            self._wake_head()
            return
        if learned is None:
            pace = self.finder.pace()
            if pace is not None and not self.finder.cooling and pace < self.window:
                self._set_window(pace)  # a shorter window proved (or tried): a little faster
                self._wake_head()
            return
        window, limit = learned
        if known is None or abs(window - known) > 1e-9 * known or limit < self.limit:
            log.info(
                "429s without a hint: the server admits about %d requests per %.3gs; pacing at that",
                limit,
                window,
            )
        self._set_window(self.finder.pace() or window)
        self.limit = max(self.min_limit, min(float(limit), self.configured))
        self.ceiling = self.limit + self._step
        self._last_decrease = now
        self._last_raise = now
        self._clean_windows = 0
        self._gate_until = now
        self._tokens = min(self._tokens, self.burst)
        self._wake_head()

    def _set_window(self, window: float) -> None:
        """Count calls over ``window`` seconds at the same configured rate (never faster than it)."""
        rate = self.configured / self.window
        self.window = window
        self.configured = rate * window
        self._step = max(1.0, self.configured * 0.02)
        self.limit = max(self.min_limit, min(self.limit, self.configured))

    def __repr__(self) -> str:
        return (
            f"RequestBudget(limit={self.limit:.1f}/{self.configured:g} per {self.window:g}s, "
            f"in_flight={self.in_flight}, window={len(self._stamps)}, "
            f"gate={'open' if self.gate_open else 'closed'}, waiters={len(self._waiters)})"
        )
