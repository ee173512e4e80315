"""Exit codes: the one table of what each means, and how a run or an error maps onto it.

Scripts rely on these (README "Exit codes"); the CLI, the report page and the
Ray driver all read them from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..engine.outcome import RunReport
from ..errors import (
    ApiUnreachable,
    AuthError,
    BatchgenError,
    InputError,
    LedgerDamaged,
    LedgerError,
    LockHeld,
    OutputUnwritable,
    StorageError,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CREDITS = 3
EXIT_AUTH = 4
EXIT_LOCKED = 5
EXIT_UNREACHABLE = 6
EXIT_UNWRITABLE = 7
EXIT_INTERRUPTED = 130

MEANINGS = {
    EXIT_OK: "every job in the manifest is completed",
    EXIT_FAILED: "the run finished, but some jobs failed on the server or expired, or were not sent because their "
    "input image changed after it was checked or jobs of their kind outlive their records with nothing else to "
    "fetch them, or a finished job's video could not be downloaded whole (the next "
    "run tries again); or the API refused a request's content type (HTTP 406: a bug to "
    "report), which stopped the run at once (nothing paid is lost; re-run resumes)",
    EXIT_USAGE: "bad usage, config or manifest; nothing was submitted",
    EXIT_CREDITS: "stopped because credits ran out or the spend cap was reached; re-run after top-up resumes",
    EXIT_AUTH: "authentication or permission error; stopped at once",
    EXIT_LOCKED: "another run holds the lock on this output directory",
    EXIT_UNREACHABLE: "the API could not be reached (or could not say how jobs in flight stand) for a bounded time, "
    "or what answered the first submit was not the API (check --base-url); "
    "nothing is lost, re-run resumes",
    EXIT_UNWRITABLE: "the output could not be written (disk full, permission lost); free space, re-run resumes",
    EXIT_INTERRUPTED: "interrupted after a clean shutdown; re-run resumes",
}

# Most serious first: what a merged run reports when its shards disagree.
SEVERITY = (
    EXIT_AUTH,
    EXIT_USAGE,
    EXIT_LOCKED,
    EXIT_UNWRITABLE,
    EXIT_FAILED,
    EXIT_UNREACHABLE,
    EXIT_CREDITS,
    EXIT_INTERRUPTED,
)


def exit_code_for(exc: BatchgenError) -> int:
    """The exit code for an error that stopped a command before or outside a run."""
    if isinstance(exc, ApiUnreachable):
        return EXIT_UNREACHABLE
    if isinstance(exc, OutputUnwritable):
        return EXIT_UNWRITABLE
    if isinstance(exc, InputError | StorageError | LedgerDamaged):  # StorageError: the output folder is unusable
        return EXIT_USAGE  # at the start; LedgerDamaged: an edited ledger, read before anything is sent
    if isinstance(exc, LockHeld):
        return EXIT_LOCKED
    if isinstance(exc, AuthError):
        return EXIT_AUTH
    return EXIT_FAILED


def exit_code(report: RunReport, total: int) -> int:
    """The exit code of a run over ``total`` jobs."""
    if report.fatal is not None:
        if isinstance(report.fatal, StorageError | LedgerError):  # mid-run: the output could not be written
            return EXIT_UNWRITABLE
        return exit_code_for(report.fatal) if isinstance(report.fatal, AuthError | ApiUnreachable) else EXIT_FAILED
    if report.stop_reason == "interrupted":
        return EXIT_INTERRUPTED
    if report.states.get("completed", 0) == total:
        return EXIT_OK
    if report.stop_reason in ("credits", "spend_cap") and report.states.get("deferred", 0):
        return EXIT_CREDITS
    if _only_left_in_flight(report):
        return EXIT_UNREACHABLE
    return EXIT_FAILED


def _only_left_in_flight(report: RunReport) -> bool:
    """Nothing failed or expired; what is not completed is still in flight with the API (its answers
    could not be used, or its history could not be read): the API's trouble, not the jobs'."""
    states = report.states
    left = {state for state, n in states.items() if n and state != "completed"}
    return bool(left) and left <= {"submitting", "submitted"}


def merged_exit_code(codes: Sequence[int]) -> int:
    """0 when every shard finished cleanly; else the most serious shard's code."""
    for code in SEVERITY:
        if code in codes:
            return code
    return max(codes, default=EXIT_OK)


@dataclass(slots=True)
class Verdict:
    """How the run stands: the exit code it had (or would have) and what to do next."""

    code: int | None  # None while the run is going on
    resume_command: str | None = None
    running: bool = False
    refresh_s: float | None = None
