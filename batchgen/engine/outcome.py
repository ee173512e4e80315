"""What a run ends with, and what it shows while it goes: plain data the engine fills in.

The engine writes these; ``report/`` and ``cli/`` read them to print summaries,
progress lines and exit codes.  Nothing here presents anything.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BatchgenError
from ..jobs import UNFINISHED, Event, StopReason

CATALOGUE_PRICES = "the catalogue's prices"  # what the jobs made and not fetched come to, as told ...
CONFIG_PRICES = "the config's prices (the catalogue's where it gives none)"  # ... where the config prices them


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The run at a glance, for progress displays (times in real seconds)."""

    total: int
    states: dict[str, int]
    done_now: int  # reached a final state in this run
    elapsed_s: float
    spend: float
    requests: int
    throttled: int
    paused_s: float  # how long the 429 gate stays closed from now
    stop_reason: StopReason | None
    sweeping: bool
    # what the jobs may have been charged with no charge reported yet, as estimated (not in the spend)
    unreported: float = 0.0

    @property
    def remaining(self) -> int:
        return sum(n for state, n in self.states.items() if state in UNFINISHED)

    @property
    def rate_per_hour(self) -> float:
        return self.done_now / self.elapsed_s * 3600 if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        rate = self.rate_per_hour
        return self.remaining / rate * 3600 if rate > 0 and self.remaining else None


@dataclass(slots=True)
class RunReport:
    """What happened; the CLI turns it into a summary and an exit code.

    Who writes what: ``engine.control.RunControl`` the stop (``stop_reason``,
    ``stop_detail``, ``fatal``, and ``balance`` from a 406), except the spend
    cap's ``stop_reason``, which the feeder sets; the submitter ``submitted``,
    the preflight ``balance`` and its warning; the poller ``balance`` from a
    result; the downloader ``job_seconds``; ``engine.resume`` ``skipped``,
    ``reattached`` and ``refetched``; ``Run`` the totals at the end (``states``, ``failures``,
    ``left``, ``left_earlier``, ``unsettled``, ``spend``, ``uncounted``, ``requests``, ``rate_limited``); the
    CLI ``media_warnings``, ``refused`` (both read off the ledger at the end), ``report_page`` and its own
    ``warnings``.

    ``left_earlier`` are jobs of ``left``'s kind whose reason is an earlier run's: this run wrote no line of them
    (a stop, or a run-wide error, came before it looked at them), so their reason is not something it found.

    ``held_back`` (written by the submitter) are jobs ``deferred`` for a reason of their own, not a stop: an
    input image that changed after it was checked (nothing was sent; the next run checks it anew), or a kind of
    job that outlives its records where nothing else can fetch them (:mod:`outliving`; the next run tries one).

    ``submitted`` counts submits of this run that a request id came back for
    (from the answer, or found in the request history); ``unsettled`` those
    sent in this run whose outcome is still unknown at its end (the job is
    left ``submitting``: the POST may have made a job).  Both were sent now.
    """

    states: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (job_id, reason)
    left: list[tuple[str, str]] = field(default_factory=list)  # (job_id, reason): unfinished, for a later run
    # (job_id, reason, when its line was written): unfinished, for a later run, as an earlier run left it and
    # recorded why: this run wrote no line of it (a stop came before it was looked at)
    left_earlier: list[tuple[str, str, str]] = field(default_factory=list)
    held_back: list[tuple[str, str]] = field(default_factory=list)  # (job_id, reason): deferred, not by a stop
    pending_own: set[str] = field(default_factory=set)  # jobs this run made pending for a reason of their own
    stop_reason: StopReason | None = None
    stop_detail: str | None = None
    balance: float | None = None
    spend: float = 0.0
    uncounted: int = 0  # jobs made (a request id) and not fetched at the end, their charge not yet reported ...
    uncounted_usd: float = 0.0  # ... and what they come to as estimated (not in ``spend``) ...
    uncounted_priced: str = CATALOGUE_PRICES  # ... and at what prices (both counts)
    counted: float = 0.0  # what the spend cap counted at the end: the spend, and estimates of charges not reported
    unpriced: int = 0  # jobs completed with no charge reported (charged all the same) ...
    unpriced_usd: float = 0.0  # ... and what they come to as estimated (not in ``spend``)
    earlier_unreported: int = 0  # jobs with earlier requests whose charge no answer reported (lost, set aside) ...
    earlier_unreported_usd: float = 0.0  # ... and their estimates (counted by the spend cap, not in ``spend``)
    submitted: int = 0
    unsettled: int = 0
    refused: int = 0  # failed jobs the API refused as sent (a 4xx but 422 to the submit): never made, never charged
    rerun_cannot_settle: int = 0  # jobs left for later that the same command run again cannot settle
    skipped: int = 0
    reattached: int = 0
    refetched: int = 0  # completed jobs whose file was missing or damaged, and downloads an earlier run left...
    kept_in_place: int = 0  # ... of which this many found their video in place (its link gone) and kept it
    requests: int = 0
    rate_limited: int = 0
    job_seconds: list[float] = field(default_factory=list)
    fatal: BatchgenError | None = None
    warnings: list[str] = field(default_factory=list)
    media_warnings: Counter[str] = field(default_factory=Counter)  # kind -> completed videos with it
    report_page: Path | None = None


def rerun_cannot_settle(record: dict[str, Any]) -> bool:
    """Whether a job's ledger record says the same command run again cannot settle it: a submit of unknown
    outcome left with no request of ours to come after it (its last line's error carries ``rerun: false``)."""
    error = record.get("error")
    return record.get("state") == "submitting" and isinstance(error, dict) and error.get("rerun") is False


HELD_BACK = frozenset({Event.IMAGE_CHANGED, Event.OUTLIVES_RECORD})  # the events of a job deferred by its own reason


def held_back(record: dict[str, Any]) -> bool:
    """Whether a job's ledger record says it was deferred for a reason of its own, not by a stop (credits, the
    spend cap): its input image changed after it was checked, or jobs of its kind outlive their records where
    nothing else can fetch them.  Nothing was sent, and the next run looks again."""
    return record.get("state") == "deferred" and record.get("event") in HELD_BACK


def refused_as_sent(record: dict[str, Any]) -> bool:
    """Whether a job's ledger record says the API refused its submit as sent (HTTP 400, or another 4xx its
    submit failed with: 413 for a body too large, 404 or 410 for a model it does not know; not 422, the API's
    word for a job that ran and failed): nothing was made or charged, and the same body would be refused
    again."""
    error = record.get("error")
    status = error.get("http") if isinstance(error, dict) else None
    return (
        record.get("state") == "failed"
        and not record.get("request_id")
        and isinstance(status, int)
        and 400 <= status < 500
        and status != 422
    )


def error_text(error: Any) -> str | None:
    if error is None:
        return None
    if isinstance(error, dict):
        detail = error.get("detail") or error.get("kind") or "unknown error"
        return f"HTTP {error['http']}: {detail}" if error.get("http") else str(detail)
    return str(error)
