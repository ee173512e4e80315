"""What to make (JobSpec), how jobs are named, and the states a job passes through.

::

    pending ──► submitting ──► submitted ──► downloading ──► completed
       │             │              │   └──────────────────► failed / expired
       └─► deferred ◄┘ (credits or spend cap)

    any state ──► pending: the manifest row changed and --replace-changed makes it anew

A job id is either given (``[A-Za-z0-9][A-Za-z0-9._-]{0,127}``, unique) or
derived from a hash of the model and its parameters, so an unchanged manifest
always yields the same ids; identical jobs are told apart by occurrence.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_SLUG = re.compile(r"[^a-z0-9]+")


class JobState(StrEnum):
    PENDING = "pending"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    DOWNLOADING = "downloading"
    COMPLETED = "completed"
    FAILED = "failed"
    EXPIRED = "expired"
    DEFERRED = "deferred"


TERMINAL = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.EXPIRED})
IN_FLIGHT = frozenset({JobState.SUBMITTING, JobState.SUBMITTED, JobState.DOWNLOADING})
# Not finished: a later run goes on with it (a state name as text is found in it too).
UNFINISHED = IN_FLIGHT | {JobState.PENDING}


class Event(StrEnum):
    """Every event name a ledger line may carry (the values are what the ledger holds)."""

    SUBMITTING = "submitting"  # about to POST (the params, fingerprint)
    SUBMITTED = "submitted"  # the request id, durable before the job is polled
    SUBMIT_UNKNOWN = "submit_unknown"  # the POST's outcome is unknown: settled from the history
    SUBMIT_POSTPONED = "submit_postponed"  # surely nothing was created: pending again
    RECONCILED = "reconciled"  # an unknown submit was found in the history
    RECONCILED_ABSENT = "reconciled_absent"  # ... and surely not: sent again
    RECONCILE_FAILED = "reconcile_failed"  # the history could not be read: left for a later run
    SETTLE_LATER = "settle_later"  # the history has not caught up: left for a later run
    DEFERRED = "deferred"  # not submitted: credits ran out, the spend cap, a stop
    RESULT = "result"  # finished on the server: where its video is
    COMPLETED = "completed"  # the video is verified and in place
    DOWNLOAD_FAILED = "download_failed"  # the download failed for now: a later run tries again
    FILE_MISSING = "file_missing"  # a completed job's video is missing or damaged: fetched again
    FAILED = "failed"  # failed on the server, or refused
    RECOVER_LATER = "recover_later"  # its record expired and the history could not be read
    EXPIRED = "expired"  # its record expired with no output to be had
    LOST = "lost"  # its output can no longer be had
    REPLACED = "replaced"  # the manifest row changed: made anew (restarts the job's life)
    UNREACHABLE = "unreachable"  # its state or link could not be read from the API: left for a later run
    KEY_CHANGED = "key_changed"  # a new key of the same account carries on this job
    IMAGE_CHANGED = "image_changed"  # an input image changed after it was checked: nothing was sent
    OUTLIVES_RECORD = "outlives_record"  # jobs of its kind outlive their records, nothing to fetch them: not sent
    KEY_ADOPTED = "key_adopted"  # the folder was adopted under another account's key: written off here


class StopReason(StrEnum):
    """Why a run stopped submitting (``RunReport.stop_reason``; the values go to report.json)."""

    CREDITS = "credits"  # 406 insufficient credits
    SPEND_CAP = "spend_cap"  # the next job would pass limits.max_spend_usd
    INTERRUPTED = "interrupted"  # a signal
    AUTH = "auth"  # the API key was refused
    UNREACHABLE = "unreachable"  # no answer from the API for api.unreachable_after_s
    FATAL = "fatal"  # another run-wide error (invalid content type, ledger, folder)


# Which state may follow which in the ledger; anything else is a bug (the
# crash tests check every ledger they produce against this table).
TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.PENDING: frozenset({JobState.SUBMITTING, JobState.DEFERRED}),
    JobState.DEFERRED: frozenset({JobState.SUBMITTING, JobState.DEFERRED, JobState.PENDING}),
    JobState.SUBMITTING: frozenset(
        {JobState.SUBMITTED, JobState.PENDING, JobState.DEFERRED, JobState.FAILED, JobState.SUBMITTING}
    ),
    JobState.SUBMITTED: frozenset(
        {JobState.SUBMITTED, JobState.DOWNLOADING, JobState.FAILED, JobState.EXPIRED, JobState.PENDING}
    ),
    JobState.DOWNLOADING: frozenset(
        {JobState.DOWNLOADING, JobState.COMPLETED, JobState.FAILED, JobState.EXPIRED, JobState.PENDING}
    ),
    JobState.COMPLETED: frozenset({JobState.DOWNLOADING, JobState.SUBMITTING, JobState.PENDING}),
    # (a failed or expired job to be made again is deferred when submission stops before it is sent)
    JobState.FAILED: frozenset({JobState.SUBMITTING, JobState.DEFERRED, JobState.PENDING}),
    JobState.EXPIRED: frozenset({JobState.SUBMITTING, JobState.DOWNLOADING, JobState.DEFERRED, JobState.PENDING}),
}
# (Any state -> PENDING is a job made anew: a 'replaced' line, see identity.py.)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One video to make: a model and its parameters, validated and normalised."""

    id: str
    model: str
    params: dict[str, Any]
    source: str = ""  # "file:line" where the job was defined
    meta: dict[str, str] = field(default_factory=dict)  # annotation columns (``meta.NAME``): never sent
    fetch_only: bool = False  # a job in flight whose row left the manifest: its video is fetched, never remade

    def payload(self) -> dict[str, Any]:
        """The JSON body sent to the API."""
        return dict(self.params)


def canonical(model: str, params: dict[str, Any]) -> str:
    return json.dumps([model, params], sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def derived_id(model: str, params: dict[str, Any], occurrence: int) -> str:
    """A stable id from the model and parameters; ``occurrence`` counts from 1."""
    digest = hashlib.sha256(canonical(model, params).encode()).hexdigest()[:12]
    return f"{derived_prefix(model)}-{digest}" + (f"-{occurrence}" if occurrence > 1 else "")


def varied_ids(prefix: str, combos: list[tuple[Any, ...]], *, dash_at_cut: bool = False) -> list[str]:
    """The ids of the jobs a block varies (a matrix's, an images block's): ``prefix`` plus a short slug of
    each varying value, readable and the same as long as the values are.  Values whose slugs clash (long
    prompts alike in their first words) all get a suffix hashed from their own values, so reordering the
    lists never moves an id to another job.  ``dash_at_cut``: a slug cut at 24 letters keeps a dash it ends
    in, as an images block's always have (an id made otherwise now would be a job made and paid again)."""
    readable = [_varied_id(prefix, combo, dash_at_cut) for combo in combos]
    clashes = {job_id for job_id, n in Counter(readable).items() if n > 1}
    return [
        f"{job_id}-{hashlib.sha256(json.dumps(list(combo), default=str).encode()).hexdigest()[:6]}"
        if job_id in clashes
        else job_id
        for combo, job_id in zip(combos, readable, strict=True)
    ]


def _varied_id(prefix: str, values: tuple[Any, ...], dash_at_cut: bool) -> str:
    cut = [_SLUG.sub("-", str(v).lower()).strip("-")[:24] for v in values]
    parts = [(part if dash_at_cut else part.strip("-")) or "x" for part in cut]
    return "-".join([prefix, *parts])[:120].rstrip("-._")


def derived_prefix(model: str) -> str:
    """What a derived id of ``model`` starts with (before ``-`` and its digest)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", model).strip("-")[:40] or "job"


# States of a job made and not fetched (at least not yet): where its request id has no cost reported, it may yet be
# charged (a lost one's request may finish after its record died).
UNFETCHED = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING, JobState.EXPIRED})
# States in which a job may have been charged (its spend counts until it is known): a lost job too, whose request
# may have finished, and been charged, after its record died.
MAY_BE_CHARGED = frozenset(
    {JobState.SUBMITTING, JobState.SUBMITTED, JobState.DOWNLOADING, JobState.COMPLETED, JobState.EXPIRED}
)


@dataclass(eq=False, slots=True)
class TrackedJob:
    """A job's working state during the run.

    Who writes what.  ``state``, ``error``, ``error_at``, ``holds_slot`` and ``held`` are
    written by ``engine.book.JobBook`` alone (every state change is a ledger
    line).  The other fields belong to the stage that holds the job, and a job
    is in one stage at a time (it travels between them on streams): before the
    run, ``engine.resume`` sets what the ledger recorded; the submitter its
    submit fields (``request_id``, ``submitted_*``, ``submit_attempts``,
    ``paid_before``, ``posted``, and ``cost``/``output_url`` cleared for a job made again);
    the poller its poll fields (``polls`` to ``poll_running``; the submitter clears them with
    :meth:`new_request` as it gives the job a request), and the
    result's ``output_url``, ``file_size``, ``cost``, ``finished_at`` and
    ``url_from_history`` as it writes the ``result`` line; the downloader a
    fresh ``output_url`` / ``file_size`` when a link had to be replaced.
    """

    spec: JobSpec
    state: JobState
    estimate: float | None
    request_id: str | None = None
    submitted_at: float = 0.0  # run clock
    submitted_epoch: float | None = None  # this machine's wall clock when it was sent
    # a job left 'submitting': when its last POST's outcome came back unknown (made by then, if at all), if known
    unknown_epoch: float | None = None
    submitted_wall: str | None = None  # ISO time recorded in the ledger
    # Run clock, this run's submits only: when the POST that made it was sent (it was created no later than its
    # answer, no earlier than this; None when found in the history or resumed), and when it was known made
    sent_at: float | None = None
    made_by: float | None = None
    polls: int = 0
    poll_errors: int = 0
    pending_age: float = 0.0  # the latest age (s after submit) at which a status poll found it unfinished
    done_age: float | None = None  # the age at which it was first seen finished
    server_latency: float | None = None  # submit-to-finish seconds, as the request history measured it
    output_url: str | None = None
    file_size: int | None = None
    cost: float | None = None
    finished_at: float | None = None
    error: str | None = None
    # the ledger time of an earlier run's line that gave ``error``, until this run writes a line of the job
    error_at: str | None = None
    submit_attempts: int = 0
    poll_token: int = 0  # bumps on every (re)schedule; older heap entries are stale
    result_due: bool = False  # a sweep saw it finished: settle it next (a result call, or the row's link)
    swept: tuple[str, float | None] | None = None  # ... with this output URL and cost (the history row's)
    url_from_history: bool = False  # its output URL came from the request history, not the result
    record_gone: bool = False  # its record died (404) while the history showed it unfinished: watched there
    poll_running: bool = False  # one poll task per job at a time
    holds_slot: bool = False  # counts against ``concurrency`` (set and cleared by the book)
    held: float = 0.0  # what it counts towards the spend cap (set by the book)
    paid_before: float = 0.0  # what earlier attempts of this id cost (replaced, or lost and made again)
    # the estimates of earlier requests of this id lost and made again with no charge reported (each may have
    # finished, and been charged, after its record died): counted against the spend cap, not in the spend
    unreported_before: float = 0.0
    # the requests of earlier attempts of this id made again (failed, expired): a lost submit's look-up never takes
    # one of them (the same body), though the ledger's current record names the new attempt alone
    ended_requests: list[str] = field(default_factory=list)
    posted: bool = False  # a POST of it went out in this run (answered or not)
    # an earlier run's submit of unknown outcome: when its POST went out, as that run's ledger recorded it (None:
    # not recorded); ``submitted_epoch`` is set a little before it, where the history is searched from
    posted_epoch: float | None = None
    damaged: bool = False  # completed, its video found missing or not the one recorded: the file in place is not it

    def new_request(self, request_id: str) -> None:
        """``request_id`` is now the job's request (made again, found in the history, re-attached): what polls
        learned of an earlier one (how often it was polled, when seen unfinished or finished, its record gone)
        is not of this one."""
        self.request_id = request_id
        self.polls = self.poll_errors = 0
        self.pending_age, self.done_age, self.server_latency = 0.0, None, None
        self.result_due, self.swept, self.url_from_history, self.record_gone = False, None, False, False
