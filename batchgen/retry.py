"""The one retry shape: the backoff formula, and an attempts iterator every retry loop uses.

The wait before retry ``n`` (counting from 1) is "full jitter"::

    backoff(n) = uniform(0, min(backoff_max_s, backoff_initial_s * 2 ** (n - 1)))

unless the hook gives a wait of its own (the server's ``Retry-After`` /
``x-rate-limit-reset-at-utc``, a fixed look-up schedule), which wins.

Which errors are retried is the caller's hook, in the style of stamina's
``retry(on=...)``: a function of the error that answers ``False`` (give up),
``True`` (retry after ``backoff(n)``) or a number (retry after that many run
seconds).  A call is tried at most ``max_attempts`` times and never past
``deadline_s`` after its first attempt; when retries run out, the last error
propagates unchanged.

The loop has the shape of stamina's ``retry_context``::

    async for attempt in policy.attempts(clock, on=hook):
        with attempt:
            value = await something()

An error inside ``with attempt`` that the hook and the policy allow to retry
is swallowed, and the next iteration sleeps (on the run's clock) before the
next attempt; any other error leaves the ``with`` unchanged.  A body that ends
without an error ends the loop.  A caller that found another way to go on
(a fresh link) calls :meth:`Attempts.restart` and ``continue``s.

It lives in the shared vocabulary, not in ``api/``, because the store (the
object-store ledger's segment writes) retries with the same formula and must
not import the API layer.  :func:`set_testing` is the test mode (as in
stamina): waits become zero and, optionally, attempts are capped.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Protocol

from .config import RetrySettings

# What a retry hook answers for an error: False, True, or a wait in run seconds.
Verdict = bool | float
RetryHook = Callable[[Exception], Verdict]
MAX_DOUBLINGS = 64  # the backoff's doublings counted at most (its ceiling is reached long before)

_testing: dict[str, int | None] | None = None


class Sleeper(Protocol):
    """What the attempts read the time from and sleep on (``clock.Clock``)."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


@contextmanager
def set_testing(*, attempts: int | None = None) -> Iterator[None]:
    """Within the block, every backoff is 0 and (if given) at most ``attempts`` tries are made."""
    global _testing
    previous, _testing = _testing, {"attempts": attempts}
    try:
        yield
    finally:
        _testing = previous


class RetryPolicy:
    """Applies ``retry`` settings (validated there) to one call.  Times are run seconds (see Clock)."""

    def __init__(self, settings: RetrySettings, *, rng: random.Random | None = None) -> None:
        self.settings = settings
        self.deadline_s = settings.deadline_s
        self._rng = rng or random.Random()

    @property
    def max_attempts(self) -> int:
        return _capped(self.settings.max_attempts)

    def backoff(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based): the formula above."""
        if _testing is not None:
            return 0.0
        # (the doubling stops long past any ceiling: an uncounted retry's number has no bound, and 2 ** 1024
        # is past what a float holds)
        doublings = min(max(retry_number - 1, 0), MAX_DOUBLINGS)
        ceiling = min(self.settings.backoff_max_s, self.settings.backoff_initial_s * 2**doublings)
        return self._rng.uniform(0.0, ceiling)

    def wait_for(self, retry_number: int, verdict: Verdict) -> float | None:
        """The wait before retry ``retry_number`` as a hook answered it; None: do not retry."""
        if verdict is False:
            return None
        if verdict is True:
            return self.backoff(retry_number)
        return 0.0 if _testing is not None else max(0.0, float(verdict))

    def attempts(
        self,
        clock: Sleeper,
        *,
        on: RetryHook,
        max_attempts: int | None = None,
        deadline_s: float | None = None,
        wait_cap: Callable[[Exception], float] | None = None,
    ) -> Attempts:
        """The attempts of one call (see the module docstring); ``max_attempts`` and ``deadline_s``
        override the settings' for a loop with a bound of its own; ``wait_cap(error)`` bounds
        the wait after an error that may be retried (the gateway's reachability bound)."""
        return Attempts(
            self,
            clock,
            on,
            max_attempts=self.max_attempts if max_attempts is None else _capped(max_attempts),
            deadline_s=self.deadline_s if deadline_s is None else deadline_s,
            wait_cap=wait_cap,
        )


class Attempts:
    """The attempts of one call: an async iterator of :class:`Attempt` context managers."""

    def __init__(
        self,
        policy: RetryPolicy,
        clock: Sleeper,
        on: RetryHook,
        *,
        max_attempts: int,
        deadline_s: float = math.inf,
        wait_cap: Callable[[Exception], float] | None = None,
    ) -> None:
        self.policy, self.clock, self.on = policy, clock, on
        self.max_attempts, self.deadline_s, self.wait_cap = max_attempts, deadline_s, wait_cap
        self.started = clock.now()
        self.number = 0  # attempts made (counted ones)
        self._uncounted = 0  # attempts retried with :meth:`again_later`: the backoff still grows with them
        self.last: Exception | None = None  # the error of the latest attempt that was retried
        self._wait: float | None = None  # before the next attempt
        self._more = True

    def __aiter__(self) -> Attempts:
        return self

    async def __anext__(self) -> Attempt:
        if not self._more:
            raise StopAsyncIteration
        if self._wait:
            await self.clock.sleep(self._wait)
        self._wait = None
        self._more = False  # until this attempt's error is retried
        self.number += 1
        return Attempt(self)

    def retry(self, exc: Exception, verdict: Verdict) -> bool:
        """Whether ``exc``, answered ``verdict``, may be tried again; if so the next iteration waits
        for it.  (The hook's answer does this inside ``with attempt``; a caller that catches the
        error itself may ask again with an answer of its own.)"""
        delay = self.policy.wait_for(self.number, verdict)
        if delay is None or self.number >= self.max_attempts:
            return False
        if self.clock.now() - self.started + delay > self.deadline_s:
            return False
        if self.wait_cap is not None:
            delay = min(delay, self.wait_cap(exc))
        self.last, self._wait, self._more = exc, delay, True
        return True

    def again_now(self, exc: Exception) -> None:
        """Try again at once without counting the attempt (a 429: the rate gate does the waiting)."""
        self.number -= 1
        self.last, self._wait, self._more = exc, 0.0, True

    def again_later(self, exc: Exception, verdict: Verdict, *, cap: float = math.inf) -> None:
        """Try again after the wait ``verdict`` gives (at most ``cap``), whatever the count and the
        deadline, without counting the attempt: for a caller with a bound of its own (the gateway's
        reachability bound).  The backoff grows with such attempts all the same: an API out of reach is
        asked again at longer and longer gaps, not at the first retry's all along."""
        self._uncounted += 1
        delay = self.policy.wait_for(self.number + self._uncounted - 1, verdict)
        self.number -= 1
        self.last, self._wait, self._more = exc, min(delay or 0.0, cap), True

    def within_deadline(self) -> bool:
        return self.clock.now() - self.started <= self.deadline_s

    def restart(self) -> None:
        """Go on with a fresh count (another link was found): the next attempt comes at once."""
        self.number, self._uncounted, self._wait, self._more = 0, 0, None, True


class Attempt:
    """One attempt: ``with attempt:`` around the work; a retried error is swallowed."""

    def __init__(self, attempts: Attempts) -> None:
        self.attempts = attempts
        self.number = attempts.number

    def __enter__(self) -> Attempt:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if not isinstance(exc, Exception):
            return False  # done, or cancelled: nothing is retried
        return self.attempts.retry(exc, self.attempts.on(exc))


def _capped(attempts: int) -> int:
    capped = _testing.get("attempts") if _testing is not None else None
    return min(attempts, capped) if capped else attempts
