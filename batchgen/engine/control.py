"""How a run stops: the stop flags every stage reads, and the job boundary.

A run stops submitting for one of four reasons (``report.stop_reason``):
credits ran out (406), the spend cap, a signal, or a run-wide error (an auth
error, "invalid content type", a ledger or folder that cannot be written).
:meth:`RunControl.request_stop` stops new submissions and lets what is in
flight finish; :meth:`RunControl.abort` ends the run now, leaving in-flight
jobs ``submitted`` in the ledger for the next run to re-attach.

:meth:`RunControl.guard` is the job boundary: one job's errors are handled by
the stage that knows the job; run-wide errors end here and stop the run;
anything else is a bug and propagates to cancel the task group.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import anyio

from ..errors import (
    ApiUnreachable,
    AuthError,
    BatchgenError,
    InsufficientCredits,
    InvalidContentType,
    LedgerError,
    StorageError,
)
from ..jobs import StopReason
from .outcome import RunReport

RUN_WIDE = (AuthError, InvalidContentType, LedgerError, StorageError, ApiUnreachable)


class RunControl:
    """The stop flags of one run and the report they feed."""

    def __init__(self, report: RunReport, *, on_stop: Callable[[], None] | None = None) -> None:
        self.report = report
        self.stopping = False  # no new submissions
        self.done = anyio.Event()  # the run should end now
        self._on_stop = on_stop

    @property
    def interrupted(self) -> bool:
        return self.report.stop_reason == StopReason.INTERRUPTED

    def request_stop(self, reason: StopReason = StopReason.INTERRUPTED) -> None:
        """Stop submitting; in-flight jobs go on until :meth:`abort` or completion."""
        if not self.stopping:
            self.stopping = True
            interrupted = reason is StopReason.INTERRUPTED
            self.report.stop_reason = reason if interrupted else self.report.stop_reason or reason
        if self._on_stop is not None:
            self._on_stop()

    def abort(self) -> None:
        """Leave now: in-flight jobs stay 'submitted' in the ledger for the next run."""
        self.stopping = True
        self.done.set()

    def credit_stop(self, exc: InsufficientCredits) -> None:
        """A 406 "insufficient credits": stop submitting, remember the balance the API named.  After a signal the
        signal stays the reason (the run ends as interrupted, exit 130, starting nothing new); the next run meets
        the 406 anew if the balance still does not cover a job."""
        named = balance_from(exc.detail)  # the latest 406 names the balance as it is now
        if self.interrupted:
            if named is not None:
                self.report.balance = named
            return
        first = self.report.stop_reason != StopReason.CREDITS
        if first:
            self.report.stop_reason = StopReason.CREDITS
            self.report.stop_detail = exc.detail or str(exc)
        if named is not None:
            self.report.balance = named
        elif first:
            self.report.balance = None  # a reading from before the stop is stale
        self.request_stop(StopReason.CREDITS)

    def note_balance(self, balance: float) -> None:
        """A balance a result reported.  After a credit stop, results fetched late may carry a reading taken
        before the 406 (jobs in flight were still held): spending only lowers it, so the lowest is the latest."""
        current = self.report.balance
        if self.report.stop_reason != "credits" or current is None or balance < current:
            self.report.balance = balance

    def fatal(self, exc: BatchgenError) -> None:
        if self.report.fatal is None:
            self.report.fatal = exc
            self.report.stop_reason = (
                StopReason.AUTH
                if isinstance(exc, AuthError)
                else StopReason.UNREACHABLE
                if isinstance(exc, ApiUnreachable)
                else StopReason.FATAL
            )
            self.report.stop_detail = str(exc)
        self.abort()

    async def guard(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run one job's work; a run-wide error stops the run instead of escaping."""
        try:
            await work()
        except RUN_WIDE as exc:
            self.fatal(exc)


def balance_from(detail: str | None) -> float | None:
    """The balance an "insufficient credits" message names, if it names one."""
    if not detail:
        return None
    match = re.search(r"balance(?: is)?[^0-9-]*(-?[0-9]+(?:\.[0-9]+)?)", detail, re.IGNORECASE)
    return float(match.group(1)) if match else None
