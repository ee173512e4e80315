"""The one backoff formula, and the retry policy for transient API errors.

The wait before retry ``n`` (counting from 1) is "full jitter"::

    backoff(n) = uniform(0, min(backoff_max_s, backoff_initial_s * 2 ** (n - 1)))

unless the server gave a hint (``Retry-After`` / ``x-rate-limit-reset-at-utc``),
which wins.  It spaces the retries of one call; a 429 without a hint is not
retried on a timer but probed for the server's window (``ratewindow.py``).

Which errors are retried is the caller's hook, in the style of stamina's
``retry(on=...)``: a function of the error that answers ``False`` (give up),
``True`` (retry after ``backoff(n)``) or a number (retry after that many run
seconds).  A call is tried at most ``max_attempts`` times and never past
``deadline_s`` after its first attempt; when retries run out, the last error
propagates unchanged.

:func:`set_testing` is the test mode (as in stamina): waits become
zero and, optionally, attempts are capped, so a test of a retry path takes no
time at all.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..config import RetrySettings

# What a retry hook answers for an error: False, True, or a wait in run seconds.
Verdict = bool | float
RetryHook = Callable[[Exception], Verdict]

_testing: dict[str, int | None] | None = None


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
        capped = _testing.get("attempts") if _testing is not None else None
        return min(self.settings.max_attempts, capped) if capped else self.settings.max_attempts

    def backoff(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based): the formula above."""
        if _testing is not None:
            return 0.0
        ceiling = min(self.settings.backoff_max_s, self.settings.backoff_initial_s * 2 ** (retry_number - 1))
        return self._rng.uniform(0.0, ceiling)

    def wait_for(self, retry_number: int, verdict: Verdict) -> float | None:
        """The wait before retry ``retry_number`` as a hook answered it; None: do not retry."""
        if verdict is False:
            return None
        if verdict is True:
            return self.backoff(retry_number)
        return 0.0 if _testing is not None else max(0.0, float(verdict))

    def may_retry(self, attempts_made: int, elapsed: float, next_delay: float) -> bool:
        """True if another attempt fits in both the attempt count and the deadline."""
        return attempts_made < self.max_attempts and elapsed + next_delay <= self.deadline_s
