"""The request history in trouble: one spell of failed look-ups, shared by every job that looks one up.

A submit of unknown outcome is settled only from the request history
(:mod:`.recovery`).  When a look-up fails with a transient error (a 5xx, a
proxy's page, a dropped connection) after the gateway's own retries, the
history is in trouble for every job, not for that one alone: another job's
look-up would ask the same route the same question.  So the trouble is kept
here, once per run, and every look-up goes by it:

* The first failure begins a **spell**.  While it lasts, one look-up at a time
  probes the history, after each failure waiting ``PROBE_WAITS_S[n - 1]`` run
  seconds (5, 10, 20, 40, 80, then 160: doubling), and a probe is one request
  (:meth:`HistoryTrouble.retry_on` keeps the gateway from retrying it: this
  schedule is the backoff).  Every other job that wants a look-up waits for
  the probe.
* A look-up that is answered ends the spell.
* ``patience_s`` run seconds after the spell began (``api.unreachable_after_s``,
  long enough to ride out an outage), it gives up: every job waiting, and every
  job that asks in the ``patience_s`` after, is told the history could not be
  read, and no request is sent for it.  Later, a look-up begins a new spell.

So however many jobs wait, a spell costs the gateway's attempts for its first
look-up and one request per probe (a history answering 500 at the defaults: 6,
then 6 probes over 300 run seconds), and tells them all the same.  (A first
look-up that gets no answer at all, or a 503, is the whole API out of reach:
the gateway rides that out itself, up to the bound that stops the run.)
Nothing is ever submitted on its account: a job told so is left ``submitting``
for a later run.
"""

from __future__ import annotations

from ..api.gateway import retry_transient
from ..clock import Clock
from ..errors import TransientError
from ..retry import Verdict

PROBE_WAITS_S = (5.0, 10.0, 20.0, 40.0, 80.0, 160.0)  # run seconds before the next probe, after the nth failure


class HistoryTrouble:
    """Whether the request history is failing look-ups now, and what a look-up does about it (see above)."""

    def __init__(self, clock: Clock, *, patience_s: float) -> None:
        self.clock = clock
        self.patience_s = patience_s
        self.began: float | None = None  # run clock: the spell's first failure (None: no spell)
        self.error: TransientError | None = None  # the spell's latest failure
        self.failures = 0  # look-ups failed in this spell
        self._next = 0.0  # run clock: no probe before this
        self._gave_up: float | None = None  # run clock: when the spell ended without an answer

    def __repr__(self) -> str:
        state = "none" if self.began is None else "given up" if self._gave_up is not None else "probing"
        return f"<HistoryTrouble {state}, {self.failures} failures, patience {self.patience_s:g}s>"

    def verdict(self) -> TransientError | float:
        """Before a look-up: the error to tell the job at once (the spell gave up), or the run seconds to wait
        before looking (0: look now)."""
        now = self.clock.now()
        if self._gave_up is not None:
            if now - self._gave_up < self.patience_s:
                return self.told()
            self.answered()  # long enough ago: the next failure begins a new spell
        return 0.0 if self.began is None else max(0.0, self._next - now)

    def told(self) -> TransientError:
        """What every job is told once the spell gave up: the spell, not the last look-up's own words, which
        name the request that look-up was for (another job's, for all but one)."""
        exc, began, gave_up = self.error, self.began, self._gave_up
        assert exc is not None
        assert began is not None
        assert gave_up is not None
        answer = f"HTTP {exc.status}" if exc.status is not None else "no answer"
        detail = f": {exc.detail}" if exc.detail else ""
        return TransientError(
            f"every look-up in the request history failed for {gave_up - began:.0f} s, the last with {answer}{detail}",
            status=exc.status,
            detail=exc.detail,
        )

    def failed(self, exc: TransientError) -> bool:
        """A look-up failed with ``exc`` (after whatever retries :meth:`retry_on` allowed); True when the spell
        gives up with it."""
        now = self.clock.now()
        if self.began is None:
            self.began = now
        self.error = exc
        self.failures += 1
        waited = now - self.began
        if waited >= self.patience_s:
            self._gave_up = now
            return True
        wait = PROBE_WAITS_S[min(self.failures, len(PROBE_WAITS_S)) - 1]
        self._next = now + min(wait, self.patience_s - waited)
        return False

    def answered(self) -> None:
        """A look-up was answered: no spell."""
        self.began, self.error, self.failures, self._next, self._gave_up = None, None, 0, 0.0, None

    def retry_on(self, exc: Exception) -> Verdict:
        """The gateway's retry hook for a history page: its own retries while no spell is on; none in a spell
        (a probe is one request)."""
        return self.began is None and retry_transient(exc)
