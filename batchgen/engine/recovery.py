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
later run, and nothing is resubmitted.  An image job is matched on its other
fields and the time (the history may keep its image whole, as a URL,
truncated, or not at all), and by the image's digest where the row holds it
whole; two candidates nothing tells apart attach neither.

A job whose record has expired (404 one hour after submission) is looked up
by request id in the history, which keeps the output URL for days.

The :class:`Reconciler` reads and decides; it writes nothing.  ``settle``
returns a verdict (:class:`Attach`, :class:`Resubmit` or :class:`Leave`) and
``recover_missing`` a finding (:class:`Found`, :class:`Failed` or
:class:`Gone`); the stage that holds the job acts on it through the book.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio

from ..api.answers import HISTORY_PAGE, HistoryRow, Result
from ..api.client import ApiClient
from ..api.gateway import Gateway
from ..api.ratelimit import Priority
from ..clock import Clock
from ..errors import ApiError, NotFound
from ..jobs import JobState, TrackedJob
from ..models.images import is_ref

# Run seconds to wait before each history look-up, while the history has not caught up.
LOOKUP_DELAYS = (0.0, 10.0, 30.0, 60.0, 120.0, 300.0)
MIN_LAG_SAMPLES = 3  # our requests seen appearing in the history before its lag is trusted
LAG_MARGIN_S = 10.0  # run seconds added to twice the worst lag seen
MAX_PAGES = 10
RECORD_LIFE_S = 3600.0  # the API keeps a request's record this long after submission
CLOCK_SKEW_S = 120.0


def _same_body(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _image_match(row: HistoryRow, images: dict[str, dict[str, Any]]) -> bool | None:
    """Does the row carry the job's images? True/False where it holds them whole, None where it cannot say.

    What the history keeps of an inlined image is undocumented (the base64, a
    URL, a truncated string, nothing), so only a field that decodes to a whole
    image (the image's size, or a PNG or JPEG that runs to its end marker) is
    compared, by digest.
    """
    verdict: bool | None = None
    for name, ref in images.items():
        value = row.request_body.get(name)
        if not isinstance(value, str):
            continue
        text = value.split(",", 1)[1] if value.startswith("data:") else value
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            continue
        whole = len(data) == ref.get("bytes") or data.endswith((b"IEND\xaeB`\x82", b"\xff\xd9"))
        if not whole:  # a truncated copy (or something else): it cannot say
            continue
        if hashlib.sha256(data).hexdigest() != ref["sha256"]:
            return False
        verdict = True
    return verdict


class _Ambiguous(Exception):
    """Two history rows match an image job and nothing tells them apart."""


# ---------------------------------------------------------------------- verdicts


@dataclass(frozen=True, slots=True)
class Attach:
    """The submit created ``request_id`` (now claimed): record it and poll it."""

    request_id: str


@dataclass(frozen=True, slots=True)
class Resubmit:
    """The submit surely created nothing: send it again."""


@dataclass(frozen=True, slots=True)
class Leave:
    """Decide nothing now: record ``event`` with ``detail`` and leave the job in ``state`` for a later run."""

    event: str
    state: JobState
    detail: str


Settlement = Attach | Resubmit | Leave


@dataclass(frozen=True, slots=True)
class Found:
    """The history kept the output of an expired record."""

    url: str
    cost: float | None


@dataclass(frozen=True, slots=True)
class Failed:
    """The history says the job FAILED."""

    error: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Gone:
    """No output can be had for it."""

    detail: str


@dataclass(frozen=True, slots=True)
class Later:
    """The history could not be read: whether its output can be had is unknown (never made again)."""

    detail: str


Recovery = Found | Failed | Gone | Later


class Reconciler:
    """Looks requests up in the request history and says what to do; writes nothing itself."""

    def __init__(self, gateway: Gateway, api: ApiClient, clock: Clock, *, max_attempts: int) -> None:
        self.gateway = gateway
        self.api = api
        self.clock = clock
        self.max_attempts = max_attempts
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
            self._lags[request_id] = max(0.0, self.clock.epoch() - sent)

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
        margin = LAG_MARGIN_S / self.clock.scale
        return self.clock.epoch() - since > 2 * max(self._lags.values()) + margin

    async def find(self, job: TrackedJob, *, since: float) -> tuple[HistoryRow | None, bool]:
        """Search the history; returns (row, whether a request of ours sent after ``since`` was seen)."""
        payload = job.spec.payload()
        images = {name: value for name, value in payload.items() if is_ref(value)}
        plain = {name: value for name, value in payload.items() if name not in images}
        found: list[HistoryRow] = []  # an image job's candidates, over every page read
        from_date = (datetime.fromtimestamp(since, UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
        api = self.api
        later_seen = False
        for page in range(1, MAX_PAGES + 1):
            rows = await self.gateway.call(
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
                and (
                    _same_body({k: v for k, v in row.request_body.items() if k not in images}, plain)
                    if images
                    else _same_body(row.request_body, payload)
                )
            ]
            if matches and not images:
                return min(matches, key=lambda r: r.created_at or 0.0), later_seen
            found += [row for row in matches if _image_match(row, images) is not False]
            oldest = min((r.created_at for r in rows if r.created_at is not None), default=None)
            if len(rows) < HISTORY_PAGE or (oldest is not None and oldest < since - CLOCK_SKEW_S):
                break
        if images and found:
            sure = [row for row in found if _image_match(row, images)]
            chosen = sure if sure else found
            if len(chosen) > 1:  # nothing tells them apart: attach neither, never resubmit on a guess
                raise _Ambiguous(f"{len(chosen)} requests in the history match")
            return chosen[0], later_seen
        return None, later_seen

    async def settle(self, job: TrackedJob, *, since: float) -> Settlement:
        """Decide an unknown submit sent at ``since`` (epoch): attach, resubmit, or leave it for later."""
        for delay in LOOKUP_DELAYS:
            if delay:
                await self.clock.sleep(delay)
            try:
                async with self._lock:
                    row, later_seen = await self.find(job, since=since)
                    if row is not None:
                        self.claimed.add(row.request_id)
            except _Ambiguous as exc:
                return Leave(
                    "settle_later",
                    job.state,
                    f"{exc} this image job's other fields and time, and the history does not keep its image "
                    "whole, so neither was attached and the job was not submitted again (that could pay "
                    "twice). Check the history (by the fields and time) and run again later",
                )
            except ApiError as exc:
                return Leave(
                    "reconcile_failed",
                    job.state,
                    f"the request history could not be read ({exc}); the submit's outcome is "
                    "unknown, so the job was not submitted again. Run again later to settle it",
                )
            if row is not None:
                return Attach(row.request_id)
            if self.absence_is_conclusive(since, later_seen):
                break
        else:
            return Leave(
                "settle_later",
                job.state,
                "the submit's outcome is unknown and the request history has not caught up with it "
                "yet, so the job was not submitted again (that could pay twice). Run again later to settle it",
            )
        if job.submit_attempts >= self.max_attempts:
            return Leave(
                "submit_postponed",
                JobState.PENDING,
                f"{job.submit_attempts} submits ended without an answer and no job was created; run again later",
            )
        return Resubmit()

    async def recover_missing(self, job: TrackedJob) -> Recovery:
        """The record is gone (404): look for its output in the history."""
        assert job.request_id is not None
        rid = job.request_id
        try:
            row = await self.gateway.call(Priority.RESULT, lambda: self.api.history_get(rid))
        except NotFound:
            row = None
        except ApiError as exc:
            return Later(
                f"the request's record has expired and the request history could not be "
                f"read ({exc}); run again later to retry the look-up"
            )
        if row is not None and row.status == "COMPLETED" and row.generation_url:
            return Found(row.generation_url, row.cost)
        if row is not None and row.status == "FAILED":
            return Failed({"http": 422, "detail": row.error or "FAILED (from the request history)"})
        age = self.clock.now() - job.submitted_at
        why = (
            f"request {rid} expired (records last 1 hour after submission; it was sent {age / 60:.0f} min ago) "
            "before its result was fetched"
            if age >= RECORD_LIFE_S
            else f"the API does not know request {rid} (404), sent only {age / 60:.0f} min ago, so it did not "
            "simply expire"
        )
        return Gone(
            f"{why}, and the request history has no output for it; run again with --resubmit-lost to make it "
            "again (it will be paid for again)"
        )

    async def refresh_output(self, job: TrackedJob) -> bool | None:
        """Find a fresh output URL for a job whose download failed: True if found, False if
        the API has none, None if it could not be asked (an error: try again later)."""
        if job.request_id is None:
            return False
        rid = job.request_id
        try:
            result = await self.gateway.call(Priority.RESULT, lambda: self.api.result(rid))
            if result.state == "COMPLETED" and result.output_url:
                job.output_url, job.file_size = result.output_url, result.file_size
                return True
        except NotFound:
            pass
        except ApiError:
            return None
        try:
            row = await self.gateway.call(Priority.RESULT, lambda: self.api.history_get(rid))
        except NotFound:
            return False
        except ApiError:
            return None
        if row.generation_url:
            job.output_url, job.file_size = row.generation_url, None
            return True
        return False

    async def result_of(self, job: TrackedJob) -> Result | None:
        """The job's result as the API gives it now; None if it could not be had."""
        rid = job.request_id
        if rid is None:
            return None
        try:
            return await self.gateway.call(Priority.RESULT, lambda: self.api.result(rid))
        except ApiError:
            return None
