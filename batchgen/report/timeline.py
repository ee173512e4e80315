"""The run read back in full: one row per job with its parameters, outcome, media and timings.

``read_ledger`` keeps only each job's last line (its state).  The index and
the report also need *when* things happened and *what was asked for*, which
live on earlier lines: ``submitting`` carries the parameters, ``submitted``
the moment the API queued the job, ``result`` the moment it was seen
finished (and, when the API reported its queue time, when processing began),
``completed`` the moment the verified video was in place.  A job made again
(``--resubmit-lost``, ``--retry-failed``) starts a new cycle at its next
``submitting``, so the timings are those of the attempt that counts.

Jobs the manifest holds but the ledger never saw (a run stopped before
submitting them) come in as ``pending`` when the caller passes the specs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..clock import parse_time
from ..engine.identity import charged, unreported_charge
from ..engine.outcome import error_text, held_back, rerun_cannot_settle
from ..store.ledger import read_ledger
from ..store.media import Media

UNSENT = frozenset({"deferred", "pending", "submitting"})  # states no run goes on with but for the job's row


@dataclass(slots=True)
class JobRow:
    """Everything known about one job, flattened for the index and the report."""

    job_id: str
    state: str = "pending"
    model: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    file: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    cost: float | None = None
    paid_before: float = 0.0  # what earlier requests of this job cost (made again)
    # what its requests may have been charged with no charge reported (not in its cost): made and not fetched, or
    # completed with none, at the catalogue's prices; earlier requests lost so, as estimated
    unreported: float = 0.0
    error: str | None = None
    rerun: bool = True  # False: its last line says the same command run again cannot settle it
    held: bool = (
        False  # deferred for a reason of its own (an input image changed, ...: outcome.held_back), not by a stop
    )
    warnings: list[dict[str, str]] = field(default_factory=list)
    media: Media | None = None
    submitting_at: float | None = None  # epoch seconds
    queued_at: float | None = None
    processing_at: float | None = None
    detected_at: float | None = None
    downloaded_at: float | None = None
    updated_at: float | None = None
    meta: dict[str, str] = field(default_factory=dict)  # the manifest's annotation columns (meta.NAME)
    recorded: bool = True  # False: a row of the manifest the ledger has no line for (never submitted)
    # in the ledger, not in the manifest the page is made for (a row since removed, another manifest's)
    outside: bool = False

    @property
    def unsent_outside(self) -> bool:
        """Left unsent (deferred, pending, a submit not settled) by a row no longer in the manifest: no run
        sends it, or looks it up, unless its row is put back (a job in flight outside it is still fetched)."""
        return self.outside and self.state in UNSENT

    @property
    def prompt(self) -> str:
        return str(self.params.get("prompt") or "")


def _new_cycle(row: JobRow) -> None:
    row.queued_at = row.processing_at = row.detected_at = row.downloaded_at = None


def load_rows(
    ledger: Path, specs: dict[str, tuple[str, dict[str, Any]]] | None = None, manifest: Collection[str] | None = None
) -> list[JobRow]:
    """One row per job, in the order jobs first appear (manifest order when ``specs`` is given).

    ``specs`` maps job id -> (model, parameters) from the manifest; without it
    the parameters come from the ledger's latest ``submitting`` line (those of
    the request that counts: a row made anew with ``--replace-changed`` asked
    for something else the first time).  Raises LedgerError for a damaged
    ledger, exactly as a run would.  A job outside the manifest (``specs``, or without them the ids of
    ``manifest``, if known) is marked ``outside``.
    """
    rows: dict[str, JobRow] = {}
    for job_id, (model, params) in (specs or {}).items():
        rows[job_id] = JobRow(job_id, model=model, params=dict(params), recorded=False)
    given = set(rows)
    wanted = given if specs is not None else None if manifest is None else set(manifest)
    # One read: every line's timings as it comes, and each job's last state (every line validated).
    replay = read_ledger(ledger, lambda record: _apply(rows, record, given))
    for job_id, record in replay.jobs.items():
        row = rows.setdefault(job_id, JobRow(job_id))
        row.state = str(record.get("state"))
        row.model = row.model or record.get("model")
        row.request_id = record.get("request_id")
        row.cost = charged(record)
        row.paid_before = _number(record.get("paid_before")) or 0.0
        row.unreported = unreported_charge(record)
        row.updated_at = parse_time(record.get("ts"))
        row.error = error_text(record.get("error")) if row.state != "completed" else None
        row.rerun = not rerun_cannot_settle(record)
        row.held = held_back(record)
        if row.state == "completed":
            row.file = record.get("file")
            row.sha256 = record.get("sha256")
            row.bytes = record.get("bytes") if isinstance(record.get("bytes"), int) else None
            row.media = Media.from_record(record.get("media"))
            row.warnings = [w for w in record.get("warnings") or [] if isinstance(w, dict)]
        row.outside = wanted is not None and job_id not in wanted
    return list(rows.values())


def _apply(rows: dict[str, JobRow], record: dict[str, Any], given: set[str]) -> None:
    job_id = record["job_id"]
    row = rows.get(job_id)
    if row is None:
        row = rows[job_id] = JobRow(job_id)
    row.recorded = True
    event = record.get("event")
    at = parse_time(record.get("ts"))
    if event == "submitting":
        _new_cycle(row)
        row.submitting_at = at
        if isinstance(record.get("params"), dict) and job_id not in given:
            row.params = record["params"]
    elif event == "submitted":
        row.queued_at = parse_time(record.get("submitted_at")) or at
    elif event == "result":
        row.detected_at = at
        row.processing_at = parse_time(record.get("processing_at"))
    elif event == "completed":
        row.downloaded_at = at


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
