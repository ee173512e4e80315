"""Recovery: settle submits of unknown outcome, and find outputs whose records expired.

The API has no idempotency key: every POST that reaches the server is a new,
billable job.  So a submit whose outcome is unknown (a 5xx answer, a timeout
after sending, a crash mid-POST) is never simply repeated.  Instead the
request history is searched for a request of the same model with exactly the
same body, created no earlier than the attempt and not already claimed by
another job in the ledger.  Found: the job is attached to it.  Absent, once
the history has demonstrably caught up past the attempt (see
:meth:`Reconciler.absence_is_conclusive`): it is submitted again.  The history
has not caught up, or cannot be read: the job is left ``submitting`` for a
later run, and nothing is resubmitted.

A job whose record has expired (404 one hour after submission) is looked up
by request id in the history, which keeps the output URL for days.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import anyio

from .errors import ApiError, NotFound
from .jobs import IN_FLIGHT, JobState
from .ratelimit import Priority
from .report import error_text
from .responses import HISTORY_PAGE, HistoryRow, parse_time

if TYPE_CHECKING:
    from .jobs import Live
    from .scheduler import Run

# Run seconds to wait before each history look-up, while the history has not caught up.
LOOKUP_DELAYS = (0.0, 10.0, 30.0, 60.0, 120.0, 300.0)
MIN_LAG_SAMPLES = 3  # our requests seen appearing in the history before its lag is trusted
LAG_MARGIN_S = 10.0  # run seconds added to twice the worst lag seen
MAX_PAGES = 10
CLOCK_SKEW_S = 120.0


def _same_body(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


class Reconciler:
    """Looks requests up in the history on behalf of a Run."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.claimed: set[str] = set()  # request ids that belong to some job
        self._lock = anyio.Lock()
        self._submitted: dict[str, float] = {}  # our request ids -> when we sent them (epoch, this machine)
        self._lags: dict[str, float] = {}  # request id -> how long it took to show up in the history

    def note_submitted(self, request_id: str, epoch: float) -> None:
        self._submitted.setdefault(request_id, epoch)

    def note_seen(self, request_id: str) -> None:
        """The history lists one of our requests: one more measurement of how far it lags."""
        sent = self._submitted.get(request_id)
        if sent is not None and request_id not in self._lags:
            self._lags[request_id] = max(0.0, time.time() - sent)

    def absence_is_conclusive(self, since: float, later_seen: bool) -> bool:
        """May "not in the history" be read as "never created"?

        Only once the history has caught up past the attempt: it lists a
        request of ours sent after it (clock-free evidence), or our requests
        have been seen to appear within a measured lag and the attempt is older
        than twice that lag.  Otherwise a lagging history could make a created,
        billable job look absent.
        """
        if later_seen:
            return True
        if len(self._lags) < MIN_LAG_SAMPLES:
            return False
        margin = LAG_MARGIN_S / self.run.clock.scale
        return time.time() - since > 2 * max(self._lags.values()) + margin

    async def find(self, job: Live, *, since: float) -> tuple[HistoryRow | None, bool]:
        """Search the history; returns (row, whether a request of ours sent after ``since`` was seen)."""
        payload = job.spec.payload()
        from_date = (datetime.fromtimestamp(since, UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
        api = self.run.api
        later_seen = False
        for page in range(1, MAX_PAGES + 1):
            rows = await self.run.call(
                Priority.RESULT,
                lambda page=page: api.history(model=job.spec.model, from_date=from_date, page=page),  # type: ignore[misc]
            )
            for row in rows:
                if row.request_id in self._submitted:
                    self.note_seen(row.request_id)
                    later_seen = later_seen or self._submitted[row.request_id] > since
            matches = [
                row
                for row in rows
                if row.model_name == job.spec.model
                and row.request_id not in self.claimed
                and (row.created_at is None or row.created_at >= since - CLOCK_SKEW_S)
                and _same_body(row.request_body, payload)
            ]
            if matches:
                return min(matches, key=lambda r: r.created_at or 0.0), later_seen
            oldest = min((r.created_at for r in rows if r.created_at is not None), default=None)
            if len(rows) < HISTORY_PAGE or (oldest is not None and oldest < since - CLOCK_SKEW_S):
                break
        return None, later_seen

    async def settle(self, job: Live, *, since: float) -> None:
        """Decide an unknown submit: attach to the request found, or resubmit, or wait."""
        run = self.run
        conclusive = False
        for delay in LOOKUP_DELAYS:
            if delay:
                await run.clock.sleep(delay)
            try:
                async with self._lock:
                    row, later_seen = await self.find(job, since=since)
                    if row is not None:
                        self.claimed.add(row.request_id)
            except ApiError as exc:
                await run._record(
                    job,
                    "reconcile_failed",
                    job.state,
                    error={
                        "detail": f"the request history could not be read ({exc}); the submit's outcome is "
                        "unknown, so the job was not submitted again. Run again later to settle it",
                    },
                )
                run._release_slot()
                return
            if row is not None:
                await run._record(job, "reconciled", job.state, error=None)
                # Our own time of the attempt, not the server's created_at: it needs
                # no clock agreement, and the record cannot expire before it + 1 hour.
                await run.attach(job, row.request_id, submitted_wall=since)
                return
            if self.absence_is_conclusive(since, later_seen):
                conclusive = True
                break
        if not conclusive:
            await run._record(
                job,
                "settle_later",
                job.state,
                error={
                    "detail": "the submit's outcome is unknown and the request history has not caught up with it "
                    "yet, so the job was not submitted again (that could pay twice). Run again later to settle it",
                },
            )
            run._release_slot()
            return
        if job.submit_attempts >= run.retry.max_attempts:
            await run._record(
                job,
                "submit_postponed",
                type(job.state)("pending"),
                error={
                    "detail": f"{job.submit_attempts} submits ended without an answer and no job was created; "
                    "run again later",
                },
            )
            run._release_slot()
            return
        await run._record(job, "reconciled_absent", job.state)
        await run.resubmit(job)

    async def recover_missing(self, job: Live) -> None:
        """The record is gone (404): take the output from the history, or expire the job."""
        run = self.run
        assert job.request_id is not None
        rid = job.request_id
        try:
            row = await run.call(Priority.RESULT, lambda: run.api.history_get(rid))
        except NotFound:
            row = None
        except ApiError as exc:
            await run.expire(
                job,
                f"the request's record has expired and the request history could not be "
                f"read ({exc}); run again later to retry the look-up",
            )
            return
        if row is not None and row.status == "COMPLETED" and row.generation_url:
            await run.begin_download(job, row.generation_url, None, row.cost)
        elif row is not None and row.status == "FAILED":
            await run.fail(job, {"http": 422, "detail": row.error or "FAILED (from the request history)"})
        else:
            await run.expire(
                job,
                f"request {rid} expired (records last 1 hour after submission) before its result was "
                "fetched, and the request history has no output for it; run again with --resubmit-lost "
                "to make it again (it will be paid for again)",
            )

    async def refresh_output(self, job: Live) -> bool:
        """Find a fresh output URL for a job whose download failed; True if found."""
        run = self.run
        if job.request_id is None:
            return False
        rid = job.request_id
        try:
            result = await run.call(Priority.RESULT, lambda: run.api.result(rid))
            if result.state == "COMPLETED" and result.output_url:
                job.output_url, job.file_size = result.output_url, result.file_size
                return True
        except NotFound:
            pass
        except ApiError:
            return False
        try:
            row = await run.call(Priority.RESULT, lambda: run.api.history_get(rid))
        except ApiError:
            return False
        if row.generation_url:
            job.output_url, job.file_size = row.generation_url, None
            return True
        return False


async def plan_resume(run: Run) -> dict[str, list[Live]]:
    """Sort the manifest's jobs by what the ledger says of them: skip, submit, poll, download or settle."""
    plan: dict[str, list[Live]] = {"submit": [], "poll": [], "download": [], "reconcile": []}
    known = run.replay.jobs
    claimed = {rec["request_id"] for rec in known.values() if rec.get("request_id")}
    run.reconciler.claimed.update(claimed)
    completed = [job for job in run.jobs if known.get(job.spec.id, {}).get("state") == JobState.COMPLETED]
    checks = await run.out.verify_many(
        [
            (
                run.out.video_path(job.spec.id, job.spec.model),
                known[job.spec.id].get("bytes"),
                known[job.spec.id].get("sha256"),
                known[job.spec.id].get("mtime_ns"),
            )
            for job in completed
        ],
        deep=run.verify_files,
    )
    intact = {job.spec.id for job, ok in zip(completed, checks, strict=True) if ok}
    for job in run.jobs:
        rec = known.get(job.spec.id)
        if rec is None:
            plan["submit"].append(job)
            continue
        state = JobState(rec["state"])
        job.state = state
        job.request_id = rec.get("request_id")
        job.output_url = rec.get("output_url")
        job.file_size = rec.get("file_size")
        job.cost = rec.get("cost")
        job.submitted_at = _run_time_of(run, rec.get("submitted_at"))
        job.submitted_wall = rec.get("submitted_at")
        if job.request_id and (sent := parse_time(job.submitted_wall)) is not None:
            run.reconciler.note_submitted(job.request_id, sent)
        job.error = error_text(rec.get("error"))
        if state is JobState.COMPLETED:
            if job.spec.id in intact:
                run.report.skipped += 1
                run._committed += job.cost or job.estimate or 0.0
                continue
            video = run.out.video_path(job.spec.id, job.spec.model)
            await run._record(
                job,
                "file_missing",
                JobState.DOWNLOADING,
                error={"detail": f"{video} is missing or damaged; fetching it again"},
            )
            plan["download"].append(job)
        elif state is JobState.DOWNLOADING:
            plan["download"].append(job)
        elif state is JobState.SUBMITTED:
            run.report.reattached += 1
            plan["poll"].append(job)
        elif state is JobState.SUBMITTING:
            plan["reconcile"].append(job)
        elif (state is JobState.FAILED and not run.retry_failed) or (
            state is JobState.EXPIRED and not run.resubmit_lost
        ):
            continue
        else:
            plan["submit"].append(job)
        if job.state in IN_FLIGHT:
            run._committed += job.cost or job.estimate or 0.0
    return plan


def _run_time_of(run: Run, wall_iso: str | None) -> float:
    """A ledger timestamp (real UTC) as a time on this run's clock."""
    when = parse_time(wall_iso)
    return run.clock.now() if when is None else run.clock.from_wall(when)
