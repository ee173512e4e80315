"""Backoff schedule and retry policy for transient API errors.

The delay before retry ``n`` (counting from 1) uses "full jitter"::

    delay(n) = uniform(0, min(backoff_max_s, backoff_initial_s * 2 ** (n - 1)))

unless the server gave a hint (``Retry-After`` / ``x-rate-limit-reset-at-utc``),
which wins.  A call is tried at most ``max_attempts`` times and never past
``deadline_s`` after its first attempt; when retries run out, the last error
propagates unchanged.  What may be retried at all is decided by the caller: a
submit only when the request surely did not reach the server or the server
answered 429/5xx (see ``scheduler.py``); a GET always.
"""

from __future__ import annotations

import random

from .config import RetrySettings


class RetryPolicy:
    """Applies ``retry`` settings (validated there) to one call.  Times are run seconds (see Clock)."""

    def __init__(self, settings: RetrySettings, *, rng: random.Random | None = None) -> None:
        self.settings = settings
        self.max_attempts = settings.max_attempts
        self.deadline_s = settings.deadline_s
        self._rng = rng or random.Random()

    def delay(self, retry_number: int, hint: float | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based)."""
        if hint is not None:
            return max(0.0, hint)
        ceiling = min(self.settings.backoff_max_s, self.settings.backoff_initial_s * 2 ** (retry_number - 1))
        return self._rng.uniform(0.0, ceiling)

    def may_retry(self, attempts_made: int, elapsed: float, next_delay: float) -> bool:
        """True if another attempt fits in both the attempt count and the deadline."""
        return attempts_made < self.max_attempts and elapsed + next_delay <= self.deadline_s
