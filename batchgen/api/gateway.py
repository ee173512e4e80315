"""The gateway: every API call of a run passes through one ``await gateway.call(priority, fn)``.

::

    stage ──► gateway.call ──► budget.acquire (priority, 429 gate) ──► fn() ──► budget.release
                   ▲                                                      │
                   └──── 429: gate closed, wait, again (no attempt spent) ┤
                   └──── error: the hook says no / yes / yes after N s ◄──┘

* **Pacing**: the request budget and the account-wide 429 gate
  (``ratelimit.py``).  A 429 closes the gate for every call and does not use
  up an attempt; it is waited out until the retry deadline.
* **Retries**: the caller's hook decides, per error, whether a call may be
  sent again (``retry.py``: ``False``, ``True`` for the backoff formula, or a
  wait in run seconds).  :func:`retry_transient` is the hook for reads: 5xx
  and network errors.  A submit passes :func:`retry_unsent`: only errors that
  prove the request never reached the server, because the API has no
  idempotency key and a repeated POST is a second, billable job.
* **Shielding**: ``shield_s`` lets a call finish for at most that long after
  its caller was cancelled, so a shutdown never cuts a POST off mid-flight
  while it still may be answered.

When retries run out, the last error propagates unchanged.

* **Reachability**: every answer from the API (an error status too) shows
  the server is reachable.  When no call has reached it for
  ``unreachable_after_s`` run seconds (refused connections, timeouts, name
  errors), the failing call raises :class:`ApiUnreachable` instead of
  waiting on: the run stops with exit 6, every job resumable.  A call that
  has had no answer since it began is retried (within the backoff) until
  that bound, whatever its own attempts and deadline: an API that cannot be
  reached is the run's condition, never one job's failure.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from ..clock import Clock
from ..errors import AmbiguousSubmit, ApiUnreachable, NetworkError, RateLimited, ServerError
from .ratelimit import Priority, RequestBudget
from .retry import RetryHook, RetryPolicy, Verdict

T = TypeVar("T")
ABANDON_SHIELD_S = 30.0  # real seconds an on_abandon hook (a ledger write) may outlive a cancelled call


def retry_transient(exc: Exception) -> Verdict:
    """Reads may be sent again after any 5xx or network error."""
    return isinstance(exc, ServerError | NetworkError)


def retry_unsent(exc: Exception) -> Verdict:
    """A submit may be sent again only when it surely never reached the server."""
    return isinstance(exc, NetworkError) and not exc.reached_server


class Gateway:
    """The request budget, the 429 gate and the retry policy behind one call."""

    def __init__(
        self, budget: RequestBudget, policy: RetryPolicy, clock: Clock, *, unreachable_after_s: float = math.inf
    ) -> None:
        self.budget = budget
        self.policy = policy
        self.clock = clock
        self.requests = 0  # calls sent, 429s included
        self.unreachable_after_s = unreachable_after_s
        self.last_reached = clock.now()  # when an answer last came from the server (run clock)

    def _check_reached(self, exc: Exception) -> None:
        """Note an answer from the server; raise ApiUnreachable when there has been none for too long."""
        if not _unanswered(exc):
            self.last_reached = self.clock.now()
            return
        silent = self.clock.now() - self.last_reached
        if silent >= self.unreachable_after_s:
            raise ApiUnreachable(
                f"the API could not be reached for {silent:.0f}s (api.unreachable_after_s is "
                f"{self.unreachable_after_s:g}); the last attempt: {exc}. Nothing is lost: check the network "
                "or the base URL, then run the same command again to resume",
                seconds=silent,
                last_error=str(exc),
            ) from exc

    async def call(
        self,
        priority: Priority,
        fn: Callable[[], Awaitable[T]],
        *,
        rank: float = 0.0,
        retry_on: RetryHook = retry_transient,
        shield_s: float = 0.0,
        on_abandon: Callable[[Exception | None], Awaitable[None]] | None = None,
    ) -> T:
        """Send ``fn()`` when the budget allows; retry within the policy as ``retry_on`` decides.

        ``on_abandon(last_error)`` runs (shielded, bounded) when the caller is
        cancelled *between* attempts — waiting for the budget or to retry —
        so it can record that nothing is in flight: ``None`` if nothing was
        sent yet, else the error of the last attempt.
        """
        attempts = 0
        started = self.clock.now()
        last: Exception | None = None
        while True:
            try:
                granted = await self.budget.acquire(priority, rank)
            except anyio.get_cancelled_exc_class():
                await _abandon(on_abandon, last)
                raise
            self.requests += 1
            try:
                if shield_s > 0:
                    value = await _shielded(fn, shield_s)
                else:
                    value = await fn()
            except RateLimited as exc:
                self.last_reached = self.clock.now()
                self.budget.on_429(exc.retry_after, sent_at=granted)
                self.budget.release()
                if self.clock.now() - started > self.policy.deadline_s:
                    raise
                last = exc
                continue
            except Exception as exc:
                self.budget.release()
                self._check_reached(exc)
                attempts += 1
                delay = self.policy.wait_for(attempts, retry_on(exc))
                if delay is None:
                    raise
                if not self.policy.may_retry(attempts, self.clock.now() - started, delay) and not (
                    _unanswered(exc) and self.last_reached <= started  # silent since this call began
                ):
                    raise
                if _unanswered(exc):  # try once more at the bound, so the run stops within it
                    delay = min(delay, max(0.0, self.last_reached + self.unreachable_after_s - self.clock.now()))
                last = exc
                try:
                    await self.clock.sleep(delay)
                except anyio.get_cancelled_exc_class():
                    await _abandon(on_abandon, last)
                    raise
                continue
            except BaseException:
                self.budget.release()
                raise
            self.budget.release()
            self.budget.succeeded(granted)
            self.last_reached = self.clock.now()
            return value


def _unanswered(exc: Exception) -> bool:
    """The call got no answer from the server (refused, reset, timed out, unresolvable)."""
    return isinstance(exc, NetworkError) or (isinstance(exc, AmbiguousSubmit) and exc.status is None)


async def _abandon(hook: Callable[[Exception | None], Awaitable[None]] | None, last: Exception | None) -> None:
    if hook is not None:
        with anyio.move_on_after(ABANDON_SHIELD_S, shield=True):
            await hook(last)


async def _shielded(fn: Callable[[], Awaitable[T]], seconds: float) -> T:
    """Run ``fn()`` to its end even if the caller is cancelled, for at most ``seconds`` (real)."""
    result: list[T] = []
    with anyio.move_on_after(seconds if seconds != math.inf else math.inf, shield=True):
        result.append(await fn())
    if not result:
        # It may have been received: only the request history can tell.
        raise AmbiguousSubmit(f"the API did not answer within {seconds:g}s while the run was stopping")
    return result[0]
