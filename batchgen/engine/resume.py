"""Resume: sort the manifest's jobs by what the ledger says of them.

Each job with a ledger record is adopted into the book in its recorded state
(no line is written for that), then put in one of five piles:

* finished and its video intact: skipped;
* finished but its video missing or damaged, or ``downloading``: fetched again
  (never submitted again);
* ``submitted``: re-attached to its request id and polled;
* ``submitting`` (the run stopped mid-POST): settled from the request history
  before anything is sent;
* never sent, deferred, or (with ``--retry-failed`` / ``--resubmit-lost``)
  failed or expired: submitted.

Finished videos are checked with one ``lstat`` each (size and mtime against
the ledger), or re-hashed with ``--verify-files``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from math import inf
from typing import Any

from ..clock import Clock, parse_time
from ..jobs import IN_FLIGHT, Event, JobSpec, JobState, TrackedJob
from ..params import Prices
from ..store.ledger import Replay
from ..store.output import Store
from .book import JobBook
from .identity import charged, counted_at_start
from .life_cap import Request
from .outcome import RunReport, error_text
from .outliving import holds
from .pollplan import LatencyKey, latency_key
from .recovery import Reconciler

CLOCK_SLACK_S = 5.0  # the POST may have left a moment before its line was stamped


@dataclass(slots=True)
class ResumePlan:
    submit: list[TrackedJob] = field(default_factory=list)
    poll: list[TrackedJob] = field(default_factory=list)
    download: list[TrackedJob] = field(default_factory=list)
    reconcile: list[TrackedJob] = field(default_factory=list)
    # of ``reconcile``: those whose submit was answered by something that is not the API (``url_check``)
    not_the_api: list[TrackedJob] = field(default_factory=list)
    # each request the ledger knows was made: its submit, when it was seen finished or None (epoch seconds),
    # whether it made a video, and its id
    lineup: list[Request] = field(default_factory=list)
    # each request whose record an earlier run found gone (404) with nothing to fetch: (its id, seconds after
    # its submit, by when it was found so)
    records_gone: list[tuple[str, float]] = field(default_factory=list)
    # each kind of job an earlier run held for outliving its records (``outliving``), with its tallies then
    outlived: dict[LatencyKey, tuple[int, int]] = field(default_factory=dict)

    @property
    def in_flight(self) -> list[TrackedJob]:
        return self.poll + self.download + self.reconcile


async def plan_resume(
    book: JobBook,
    replay: Replay,
    out: Store,
    reconciler: Reconciler,
    clock: Clock,
    report: RunReport,
    *,
    prices: Prices,
    retry_failed: bool,
    resubmit_lost: bool,
    verify_files: bool,
) -> ResumePlan:
    """Adopt every job the ledger knows into ``book`` and say what each needs next (``prices``: the config's,
    for what another manifest's jobs may have been charged with no charge reported)."""
    plan = ResumePlan()
    known = replay.jobs
    reconciler.claimed.update(rec["request_id"] for rec in known.values() if rec.get("request_id"))
    # ... and the requests a job made again had made before: its lost submit has the same body, but is not them
    reconciler.claimed.update(rid for rec in known.values() for rid in rec.get("ended_requests") or ())
    completed = [job for job in book.jobs if known.get(job.spec.id, {}).get("state") == JobState.COMPLETED]
    checks = await out.verify_many(
        [
            (
                out.video_path(job.spec.id, job.spec.model),
                known[job.spec.id].get("bytes"),
                known[job.spec.id].get("sha256"),
                known[job.spec.id].get("mtime_ns"),
            )
            for job in completed
        ],
        deep=verify_files,
    )
    intact = {job.spec.id for job, ok in zip(completed, checks, strict=True) if ok}
    for job in book.jobs:
        rec = known.get(job.spec.id)
        if rec is None:
            plan.submit.append(job)
            continue
        state = JobState(rec["state"])
        job.request_id = rec.get("request_id")
        job.output_url = rec.get("output_url")
        job.file_size = rec.get("file_size")
        job.cost = charged(rec)
        job.paid_before = float(rec.get("paid_before") or 0.0)
        job.unreported_before = float(rec.get("unreported_before") or 0.0)
        job.ended_requests = [str(rid) for rid in rec.get("ended_requests") or ()]
        # earlier requests of this job: paid, whatever it does now (those lost with no charge reported, at their
        # estimates: they may have been charged)
        book.count_spent(job.paid_before + job.unreported_before)
        job.submitted_wall = rec.get("submitted_at")
        sent = parse_time(job.submitted_wall)
        job.submitted_at = clock.now() if sent is None else clock.from_wall(sent)
        if job.request_id and sent is not None:
            reconciler.note_submitted(
                job.request_id,
                sent,
                posted=parse_time(rec.get("posted_at")),
                model=job.spec.model,
                body=params if isinstance(params := rec.get("params"), dict) else None,  # as it was sent
            )
        job.error = error_text(rec.get("error"))
        job.error_at = rec.get("ts") if job.error else None  # an earlier run's word, until this run writes one
        book.adopt(job, state, in_flight=state in IN_FLIGHT)
        if state is JobState.COMPLETED:
            if job.spec.id in intact:
                report.skipped += 1
                continue
            video = out.video_path(job.spec.id, job.spec.model)
            job.damaged = True
            book.adopt(job, state, in_flight=True)
            await book.record(
                job,
                Event.FILE_MISSING,
                JobState.DOWNLOADING,
                error={"detail": f"{video} is missing or damaged; fetching it again"},
            )
            report.refetched += 1
            plan.download.append(job)
        elif state is JobState.DOWNLOADING:
            report.refetched += 1
            plan.download.append(job)
        elif state is JobState.SUBMITTED:
            report.reattached += 1
            plan.poll.append(job)
        elif state is JobState.SUBMITTING:
            # The POST went out at about the time of its 'submitting' line, written just before it: its
            # ``posting_at`` (lines after it, such as 'settle_later', may be hours later).  A ledger of an
            # earlier version dates it only while that line is the last; else, or without a usable time:
            # as far back as a record lives.
            line = rec.get("ts") if rec.get("event") == Event.SUBMITTING else None
            sent = parse_time(rec.get("posting_at") or line) or clock.epoch() - reconciler.record_life_s
            job.posted_epoch = parse_time(rec.get("posting_at") or line)
            job.submitted_epoch = sent - CLOCK_SLACK_S
            # when that POST's outcome came back unknown, if the ledger says (of that POST: not before it)
            unknown = parse_time(rec.get("unknown_at"))
            posting = parse_time(rec.get("posting_at"))
            job.unknown_epoch = unknown if unknown is not None and posting is not None and unknown > posting else None
            plan.reconcile.append(job)
            if isinstance(error := rec.get("error"), dict) and error.get("kind") == "NotTheApi":
                plan.not_the_api.append(job)
        elif (state is JobState.FAILED and not retry_failed) or (state is JobState.EXPIRED and not resubmit_lost):
            continue
        else:
            # Sent as a new request: after a failed or expired one, or a deferred or postponed one that was
            # to be made again when it stopped (its ledger record still names the ended request and its cost)
            if job.request_id is not None or job.cost is not None:
                book.remake(job)  # what the ended request cost stays counted
            plan.submit.append(job)
    plan.lineup = lineup(known)
    plan.outlived = outlived(known, (job.spec for job in book.jobs))
    plan.records_gone = records_gone(known, clock)
    # The cap is for the folder's whole spend: jobs of other manifests count too, with what they may have been
    # charged with no charge reported (their requests still run, or were lost, and may finish and be charged)
    ours = {job.spec.id for job in book.jobs}
    others = {job_id: rec for job_id, rec in known.items() if job_id not in ours}
    book.count_spent(counted_at_start(others, (), prices))  # (at what their lines say was sent)
    return plan


def outlived(known: dict[str, dict[str, Any]], jobs: Iterable[JobSpec]) -> dict[LatencyKey, tuple[int, int]]:
    """Each kind of job an earlier run found outliving its records (``outliving``): the tallies of the latest of
    its jobs' lines that carry them (a death's ``expired`` line, a held job's), where they hold the kind and no
    job of it whose POST went out after that line made a video.  Every job the ledger knows counts, ``jobs`` (the
    manifest's) or another manifest's in the same folder (its kind read off its line's model and parameters): the
    kind is the account's, not the manifest's."""
    specs = {job.id: job for job in jobs}
    latest: dict[LatencyKey, tuple[float, int, int]] = {}
    made: dict[LatencyKey, float] = {}  # per kind: the latest POST of a job of it that made a video
    for job_id, rec in known.items():
        if (spec := specs.get(job_id) or _spec_of(job_id, rec)) is None:
            continue
        kind = latency_key(spec)
        at = parse_time(rec.get("ts"))
        counts = _counts(rec.get("outlived"))  # (a line whose tallies cannot be read is passed over)
        if counts is not None and at is not None and at > latest.get(kind, (-inf,))[0]:
            latest[kind] = (at, *counts)
        posted = parse_time(rec.get("posted_at") or rec.get("submitted_at"))  # (its answer may come much later)
        if rec.get("state") in MADE and posted is not None:
            made[kind] = max(made.get(kind, -inf), posted)
    return {
        kind: (died, videos)
        for kind, (at, died, videos) in latest.items()
        if holds(died, videos) and made.get(kind, -inf) <= at
    }


def _spec_of(job_id: str, rec: dict[str, Any]) -> JobSpec | None:
    """A job of another manifest as its ledger line gives it (its model and the parameters it was sent with)."""
    model, params = rec.get("model"), rec.get("params")
    return JobSpec(job_id, model, params) if isinstance(model, str) and isinstance(params, dict) else None


def _counts(tallies: Any) -> tuple[int, int] | None:
    """The tallies a ledger line carries (died, made), or None: it carries none, or not as counts."""
    if not isinstance(tallies, dict):
        return None
    counts = (tallies.get("died"), tallies.get("made"))
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts):
        return None
    return counts  # type: ignore[return-value]


MADE = frozenset({JobState.COMPLETED, JobState.DOWNLOADING})
SEEN_FINISHED = MADE | {JobState.FAILED}


def lineup(known: dict[str, dict[str, Any]]) -> list[Request]:
    """Each request the ledger knows was made: its submit and, if a run saw it finished, the time of the line
    that says so (it left the account's queue by then), as epoch seconds; whether it made a video; its id."""
    found: list[Request] = []
    for rec in known.values():
        request_id = rec.get("request_id")
        sent = parse_time(rec.get("submitted_at")) if request_id else None
        if sent is not None:
            state = rec.get("state")
            left = parse_time(rec.get("ts")) if state in SEEN_FINISHED else None
            found.append((sent, left, state in MADE, str(request_id)))
    return found


def records_gone(known: dict[str, dict[str, Any]], clock: Clock) -> list[tuple[str, float]]:
    """Each request whose record an earlier run found gone (404) and its output nowhere (``expired``, HTTP 404):
    its id and how long after its submit (run seconds) the line saying so was written (its record lived no
    longer)."""
    found: list[tuple[str, float]] = []
    for rec in known.values():
        error = rec.get("error")
        if rec.get("state") != JobState.EXPIRED or not isinstance(error, dict) or error.get("http") != 404:
            continue
        sent, gone = parse_time(rec.get("submitted_at")), parse_time(rec.get("ts"))
        if rec.get("request_id") and sent is not None and gone is not None:
            found.append((str(rec["request_id"]), clock.from_wall(gone) - clock.from_wall(sent)))
    return found
