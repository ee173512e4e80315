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
  sent again (``batchgen/retry.py``: ``False``, ``True`` for the backoff formula, or a
  wait in run seconds).  :func:`retry_transient` is the hook for reads: 5xx
  and network errors.  A submit passes :func:`retry_unsent`: only errors that
  prove the request never reached the server, because the API has no
  idempotency key and a repeated POST is a second, billable job.
* **Shielding**: ``shield_s`` lets a call finish for at most that long after
  its caller was cancelled, so a shutdown never cuts a POST off mid-flight
  while it still may be answered.

When retries run out, the last error propagates unchanged.

* **Reachability**: every answer from the API (an error status too, except
  503 "service unavailable" and a refusal by something in front of it)
  shows the server is reachable.  When no call has reached it for
  ``unreachable_after_s`` run seconds (refused connections, timeouts, name
  errors, an outage's 503s, a gateway's refusals), the failing call raises
  :class:`ApiUnreachable` instead of waiting on: the run stops with exit 6,
  every job resumable.  A call that has had no answer since it began is
  retried (within the backoff) until that bound, whatever its own attempts and deadline: an API that cannot be
  reached is the run's condition, never one job's failure.
* **Silence**: while the API's last word is silence (two calls in a row unanswered, a submit of unknown
  outcome counting for two), :attr:`Gateway.heard` is False and the submitter sends no submit: each one sent
  into an outage is a submit of unknown outcome, looked up before it is ever sent again and, with no request
  history, never settled.  Any answer ends the silence (a poll's, a sweep's); where none comes,
  :meth:`Gateway.ask` asks the API with one call that pays for nothing (``probe``: the credit balance), a
  backoff's ceiling after the last unanswered call, longer after each ask unanswered, and at the reachability
  bound at the latest; where something in front of the API refuses that call's route, one submit asks.
* **Refused submits**: a submit answered by something that is not the API (a gateway's page, a redirect away)
  holds submits back too, and only a submit the API answers ends that: other routes' answers do not show the
  submits' way open.  While the API answers, each ask lets one submit go to see (while it is silent, the probe
  asks first); submits refused from the first to the latest for ``unreachable_after_s`` end the run (exit 6).
  An error raised here before anything was sent (an input image changed) is no one's word: it changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

import anyio

from ..clock import Clock
from ..errors import (
    AmbiguousSubmit,
    ApiUnreachable,
    GatewayRefusal,
    InputError,
    NetworkError,
    RateLimited,
    RouteTrouble,
    ServerError,
)
from ..retry import RetryHook, RetryPolicy, Verdict
from .hops import GRANTED
from .ratelimit import Priority, RequestBudget

T = TypeVar("T")
ABANDON_SHIELD_S = 30.0  # real seconds an on_abandon hook (a ledger write) may outlive a cancelled call
SILENT_AFTER = 2  # unanswered calls in a row (a submit of unknown outcome counts two) that hold submits back


def retry_transient(exc: Exception) -> Verdict:
    """Reads may be sent again after any 5xx or network error."""
    return isinstance(exc, ServerError | NetworkError)


def retry_unsent(exc: Exception) -> Verdict:
    """A submit may be sent again only when it surely never reached the server."""
    return isinstance(exc, NetworkError) and not exc.reached_server


def retry_never(exc: Exception) -> Verdict:
    """A call that is not to be sent again, whatever it got."""
    return False


class RoundTrip:
    """How long a kind of call takes from its grant to its answer (run seconds), averaged over the recent ones
    (0 before any was answered)."""

    WEIGHT = 0.2  # each answer's share in the average

    def __init__(self) -> None:
        self.seconds = 0.0
        self._seen = False

    def add(self, seconds: float) -> None:
        self.seconds += (self.WEIGHT if self._seen else 1.0) * (seconds - self.seconds)
        self._seen = True


class Gateway:
    """The request budget, the 429 gate and the retry policy behind one call."""

    def __init__(
        self, budget: RequestBudget, policy: RetryPolicy, clock: Clock, *, unreachable_after_s: float = math.inf
    ) -> None:
        self.budget = budget
        self.policy = policy
        self.clock = clock
        self.requests = 0  # calls sent, 429s included, and each redirect followed
        self.followed = 0  # ... of them redirects followed (a call's requests beyond its first)
        self.unreachable_after_s = unreachable_after_s
        self.last_reached = clock.now()  # when an answer last came from the server (run clock)
        # a call that pays for nothing, to ask the API whether it answers while it is silent (None: submits are
        # never held back for silence)
        self.probe: Callable[[], Awaitable[object]] | None = None
        self.silence = 0  # unanswered calls since the last answered one (a submit of unknown outcome counts two)
        self.silent_at = -math.inf  # when the latest unanswered call ended (run clock)
        self.silent_error = ""  # ... and what it got
        self.asked = 0  # asks (:meth:`ask`) unanswered in this silence
        self.one_through = False  # a submit may go as the ask: the probe's route is refused in front of the API
        # since when (run clock) something in front of the API has refused the submits' route, and no submit has
        # been answered by the API since (None: not refused).  Other routes' answers do not show it open again.
        self.submits_refused_at: float | None = None
        self.submits_refused_last = -math.inf  # ... the latest refusal
        self.submits_refused_error = ""  # ... and what it was

    @property
    def heard(self) -> bool:
        """Whether a submit may be sent: the API's last word was an answer, not silence (an outage's 503s, no
        answer, a refusal by something in front of it)."""
        return self.probe is None or (self.silence < SILENT_AFTER and self.submits_refused_at is None)

    @property
    def only_submits_refused(self) -> bool:
        """The API answers, but something in front of it refuses the submits' route: only a submit can ask."""
        return self.submits_refused_at is not None and self.silence < SILENT_AFTER

    def may_send(self) -> bool:
        """Whether a submit may be sent now: the API was heard, or this is the one submit let go as the ask
        (where the probe's own route is refused by something in front of the API, only a submit can ask)."""
        if self.heard:
            return True
        through, self.one_through = self.one_through, False
        return through

    def ask_at(self) -> float:
        """When the API is next to be asked (:meth:`ask`) whether it answers, while it is silent: a backoff's
        ceiling after the latest unanswered call, doubling with each ask unanswered, and at the reachability
        bound at the latest (run clock).  Where only its submits are refused, an ask lets a submit go (of
        unknown outcome, if refused again): the backoff's longest gap after the latest refusal."""
        settings = self.policy.settings
        wait = min(settings.backoff_max_s, settings.backoff_initial_s * 2.0 ** min(self.asked, 64))
        if self.only_submits_refused:  # each ask is a submit that may go into the refusal: the longest gap
            wait = settings.backoff_max_s
        since = self.last_reached if self.submits_refused_at is None else self.submits_refused_at
        return min(self.silent_at + wait, since + self.unreachable_after_s)

    async def ask(self) -> None:
        """Ask the API whether it answers, with one call of ``probe`` (not retried).  An answer of any kind
        ends the silence (not a hold on refused submits: there, once the API answers, one submit goes as the
        ask); none leaves it, and the next ask comes later.  Past ``unreachable_after_s`` without an answer (or
        of submits refused, from the first refusal to the latest) it raises :class:`ApiUnreachable`."""
        if self.probe is None:
            return
        if self.only_submits_refused:  # only a submit shows its route open again: one goes as the ask
            assert self.submits_refused_at is not None
            refused = self.submits_refused_last - self.submits_refused_at
            if refused >= self.unreachable_after_s:
                raise ApiUnreachable(
                    f"no submit has reached the API for {refused:.0f}s (api.unreachable_after_s is "
                    f"{self.unreachable_after_s:g}): something in front of it refuses them, the last time: "
                    f"{self.submits_refused_error}. Nothing is lost: check what stands between this machine and "
                    "the API, then run the same command again to resume",
                    seconds=refused,
                    last_error=self.submits_refused_error,
                )
            self.one_through = True
            self.asked += 1
            return
        try:
            await self.call(Priority.RESULT, self.probe, retry_on=retry_never)
        except ApiUnreachable:
            raise
        except GatewayRefusal:  # that route is refused in front of the API, whether it is up or not: one submit asks
            self.one_through = True
        except Exception:  # (answered or not, the call has noted which)
            pass
        if not self.heard:
            self.asked += 1

    def _heard_now(self, *, submit: bool) -> None:
        """An answer from the API (``submit``: to a submit, which shows the submits' route open)."""
        self.last_reached = self.clock.now()
        self.silence = 0
        if submit:
            self.submits_refused_at = None
        if self.submits_refused_at is None:
            self.asked = 0
        if self.heard:  # a submit let go as an ask not needed now does not outlive the hold
            self.one_through = False

    def _check_reached(self, exc: Exception, *, submit: bool) -> None:
        """Note an answer from the server; raise ApiUnreachable when there has been none for too long."""
        if isinstance(exc, InputError):  # raised here before anything was sent (an input image changed)
            return
        # a submit answered by something that is not the API (a gateway's page, a redirect away): its route is
        # not shown open, whatever answered it
        kept_out = submit and isinstance(exc, AmbiguousSubmit) and isinstance(exc.__cause__, RouteTrouble)
        if kept_out:
            now = self.clock.now()
            if self.submits_refused_at is None:
                self.submits_refused_at = now
            self.submits_refused_last, self.submits_refused_error = now, str(exc)
            self.silent_at = now  # (the next ask a backoff from now, whether the page is taken for an answer or not)
        if not _unanswered(exc):
            self._heard_now(submit=submit and not kept_out)
            return
        if not kept_out:  # (a refusal of the submits' route says nothing of whether the API answers)
            self.silence += 2 if isinstance(exc, AmbiguousSubmit) else 1
        self.silent_at, self.silent_error = self.clock.now(), str(exc)
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
        urgent_at: float = math.inf,
        ahead_at: float = math.inf,
        retry_on: RetryHook = retry_transient,
        shield_s: float = 0.0,
        on_abandon: Callable[[Exception | None], Awaitable[None]] | None = None,
        before: Callable[[], Awaitable[None]] | None = None,
        timed: RoundTrip | None = None,
    ) -> T:
        """Send ``fn()`` when the budget allows; retry within the policy as ``retry_on`` decides.

        ``urgent_at``: from then on (run seconds), a call still waiting for the budget is served as a
        :attr:`Priority.RESULT` call is; ``ahead_at``: ahead of every submit (:meth:`RequestBudget.acquire`).

        ``before()`` runs for each attempt once the budget has granted it, just before ``fn()``, and is
        not shielded: a cancel there, or an error it raises, sends nothing.

        ``timed`` learns the call's round trip, from the grant of its last request to its answer, when answered.

        ``on_abandon(last_error)`` runs (shielded, bounded) when the caller is
        cancelled *between* attempts — waiting for the budget or to retry —
        so it can record that nothing is in flight: ``None`` if nothing was
        sent yet, else the error of the last attempt.
        """
        started = self.clock.now()
        submit = priority is Priority.SUBMIT
        # errors the hook does not judge: what before() raised (no request went, nothing answered), and those
        # judged already (no answer since the call began), and ApiUnreachable (the run's end, not an answer)
        judged: list[BaseException] = []
        attempts = self.policy.attempts(
            self.clock,
            on=lambda exc: (
                False
                if exc in judged or isinstance(exc, ApiUnreachable)
                else self._verdict(exc, retry_on, submit=submit)
            ),
            wait_cap=self._wait_cap,
        )
        between = True  # not sending: waiting for the budget, or to retry (a cancel here abandons)
        try:
            async for attempt in attempts:
                with attempt:
                    granted = await self.budget.acquire(priority, rank, urgent_at=urgent_at, ahead_at=ahead_at)
                    if before is not None:
                        try:
                            await before()
                        except BaseException as exc:
                            self.budget.give_back(granted)  # nothing was sent
                            judged.append(exc)
                            raise
                    self.requests += 1
                    between = False
                    sent = [granted]  # when the request in flight was granted: the call's, then each redirect's
                    granted_call = GRANTED.set(partial(self._next_request, sent))
                    try:
                        value = await (_shielded(fn, shield_s) if shield_s > 0 else fn())
                    except RateLimited as exc:
                        between = True
                        self._heard_now(submit=submit)
                        self.budget.on_429(exc.retry_after, sent_at=sent[-1])
                        self.budget.release()
                        if not attempts.within_deadline():
                            raise
                        attempts.again_now(exc)  # the gate waits; no attempt is spent
                        continue
                    except Exception as exc:
                        between = True
                        self.budget.release()
                        if _unanswered(exc) and self.last_reached <= started:
                            # Nothing has answered since this call began: the API cannot be reached, the
                            # run's condition, not this call's.  Retry until the bound (past it _verdict
                            # raises ApiUnreachable), whatever the attempts and the deadline say.
                            verdict = self._verdict(exc, retry_on, submit=submit)
                            if verdict is not False:
                                attempts.again_later(exc, verdict, cap=self._wait_cap(exc))
                                continue
                            judged.append(exc)
                        raise  # the hook (_verdict) decides
                    except BaseException:
                        self.budget.release()
                        raise
                    finally:
                        GRANTED.reset(granted_call)
                    self.budget.release()
                    self.budget.succeeded(sent[-1])
                    self._heard_now(submit=submit)
                    if timed is not None:
                        timed.add(self.last_reached - sent[-1])
                    return value
        except anyio.get_cancelled_exc_class():
            if between:
                await _abandon(on_abandon, attempts.last)
            raise
        raise AssertionError("unreachable: the attempts end in a value or an error")

    async def _next_request(self, sent: list[float]) -> None:
        """A granted call is to make one request more (a redirect to follow, :mod:`.hops`): granted by the
        budget, and counted.  Its answer (a 429, or one admitted) is the budget's news of that request, sent
        when it was granted (``sent`` gets the moment), not of the call's first."""
        sent.append(await self.budget.another())
        self.requests += 1
        self.followed += 1

    def requests_per_call(self) -> float:
        """The requests a call has made, on average so far (1 where no redirect was followed): a plan of calls in
        a time takes that many times as many of the budget's requests."""
        return self.requests / max(1, self.requests - self.followed)

    def _verdict(self, exc: Exception, retry_on: RetryHook, *, submit: bool) -> Verdict:
        """Whether a failed call may be sent again (ApiUnreachable once nothing has answered for too long)."""
        self._check_reached(exc, submit=submit)
        return retry_on(exc)

    def _wait_cap(self, exc: Exception) -> float:
        """A call that got no answer is tried once more at the reachability bound, so the run stops within it."""
        if not _unanswered(exc):
            return math.inf
        return max(0.0, self.last_reached + self.unreachable_after_s - self.clock.now())


def _unanswered(exc: Exception) -> bool:
    """The call got no answer from the server (refused, reset, timed out, unresolvable), or only a 503:
    the service saying it is unavailable, which is what an outage answers on every route; or only the
    refusal of something in front of the API (:class:`GatewayRefusal`): the request did not reach it."""
    if isinstance(exc, NetworkError | GatewayRefusal):
        return True
    if isinstance(exc, AmbiguousSubmit):
        return exc.status in (None, 503) or isinstance(exc.__cause__, GatewayRefusal)
    return isinstance(exc, ServerError) and exc.status == 503


async def _abandon(hook: Callable[[Exception | None], Awaitable[None]] | None, last: Exception | None) -> None:
    if hook is not None:
        with anyio.move_on_after(ABANDON_SHIELD_S, shield=True):
            await hook(last)


async def _shielded(fn: Callable[[], Awaitable[T]], seconds: float) -> T:
    """Run ``fn()`` to its end even if the caller is cancelled, for at most ``seconds`` (real)."""
    result: list[T] = []
    with anyio.move_on_after(seconds, shield=True):
        result.append(await fn())
    if not result:
        # It may have been received: only the request history can tell.
        raise AmbiguousSubmit(f"the API did not answer within {seconds:g}s while the run was stopping")
    return result[0]
