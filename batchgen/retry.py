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
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Bounds for retrying one call.  Times are in run seconds (see Clock)."""

    max_attempts: int = 6
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 120.0
    deadline_s: float = 900.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("retry.max_attempts must be at least 1 (1 means: never retry)")
        if self.backoff_initial_s <= 0 or self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("retry.backoff_initial_s must be positive and at most retry.backoff_max_s")

    def delay(self, retry_number: int, hint: float | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based)."""
        if hint is not None:
            return max(0.0, hint)
        ceiling = min(self.backoff_max_s, self.backoff_initial_s * 2 ** (retry_number - 1))
        return self.rng.uniform(0.0, ceiling)

    def may_retry(self, attempts_made: int, elapsed: float, next_delay: float) -> bool:
        """True if another attempt fits in both the attempt count and the deadline."""
        return attempts_made < self.max_attempts and elapsed + next_delay <= self.deadline_s
