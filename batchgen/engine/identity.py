"""A job is its id *and* what it asks for: fingerprints, changed rows, and replacing them.

The fingerprint is a hash of the model and the normalised parameters with
each spec default filled in and each input image as its sha256 (not its
path: a moved folder is the same job, a replaced image a changed one), so ``mode: std`` written out and left to its
default are the same job, while any change the API would see is a different
one.  It is recorded on the ``submitting`` line (next to the ``params`` sent)
and carried forward by the ledger's replay; for an older ledger without it,
the recorded ``params`` and ``model`` give it.

Before anything is sent, every manifest row is compared with what the ledger
holds for its id.  A row whose fingerprint differs from a job that was sent
(submitting, submitted, downloading, completed, failed or expired) is a
*changed* job: the run stops with exit 2 naming the ids and fields, unless
``--replace-changed`` is given.  Then the earlier video and sidecar are moved
to ``videos/replaced/<id>.<n>.mp4`` (never overwritten in place), a
``replaced`` line records what was there before (request id, fingerprint,
what was paid), and the job is submitted anew.  A changed job still in flight
(submitting, submitted, downloading) is not replaced: its earlier request is
charged once made, and would be neither fetched nor counted
(:class:`ChangedInFlight`, exit 2).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, StorageError
from ..jobs import IN_FLIGHT, MAY_BE_CHARGED, UNFETCHED, Event, JobSpec, JobState
from ..models.images import identity_view
from ..params import Prices, defaults_of, estimate_cost
from ..store.ledger import Ledger, Replay
from ..store.local import OutputDir

# States in which the ledger's parameters were sent to the API (or made a video).
SENT_STATES = frozenset({"submitting", "submitted", "downloading", "completed", "failed", "expired"})
MAX_LISTED = 20


def normalised(model: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with every spec default filled in (unknown models: as given), each image as its sha256."""
    return {**defaults_of(model), **identity_view(params)}


def fingerprint(model: str, params: dict[str, Any]) -> str:
    """A short, stable hash of what a job asks the API for."""
    text = json.dumps([model, normalised(model, params)], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Change:
    """A manifest row that asks for something other than what its id made before."""

    job: JobSpec
    state: str  # the job's state in the ledger
    fields: tuple[str, ...]  # the fields that differ ("model" and parameter names)

    def describe(self) -> str:
        where = f" ({self.job.source})" if self.job.source else ""
        verb = "differs" if len(self.fields) == 1 else "differ"
        return f"{self.job.id}{where}: {', '.join(self.fields)} {verb} from what this id was sent as (now {self.state})"


class ChangedJobs(InputError):
    """Rows whose parameters differ from what the ledger holds for their ids (exit 2)."""

    def __init__(self, changes: list[Change], out: str) -> None:
        self.changes = changes
        count, listed = len(changes), _listed(changes)
        super().__init__(
            f"{count} job{'s' if count != 1 else ''} in the manifest ask{'s' if count == 1 else ''} for something "
            f"other than what {out} holds for {'their ids' if count != 1 else 'its id'}; nothing was submitted:\n"
            + listed
            + "\nRun again with --replace-changed to make them anew (paid again; the earlier videos are kept in "
            "videos/replaced/), or give the changed rows new ids" + _in_flight_note(changes)
        )


def _in_flight_note(changes: list[Change]) -> str:
    """What :class:`ChangedJobs` adds for the rows --replace-changed would refuse (:class:`ChangedInFlight`)."""
    busy = [change.job.id for change in changes if change.state in IN_FLIGHT]
    if not busy:
        return ""
    shown = ", ".join(busy[:MAX_LISTED]) + (f" and {len(busy) - MAX_LISTED} more" if len(busy) > MAX_LISTED else "")
    return (
        f"; but --replace-changed cannot take {shown} yet (still in flight: the earlier request is charged once made): "
        f"give {'it a new id' if len(busy) == 1 else 'them new ids'}, or let {'it' if len(busy) == 1 else 'them'} "
        "finish first"
    )


class ChangedInFlight(InputError):
    """Changed rows whose earlier request is still in flight (exit 2, even with --replace-changed): made anew
    now, the earlier request would still be charged once made, its video never fetched and its cost in no
    spend.  Under a new id the row leaves the old id behind, whose request is then fetched as any job in flight
    without a row is; a submit of unknown outcome is looked up only while its row is there, so it is let settle
    first."""

    def __init__(self, changes: list[Change], out: str) -> None:
        self.changes = changes
        count, listed = len(changes), _listed(changes)
        one = count == 1
        super().__init__(
            f"{count} changed job{'' if one else 's'} in the manifest {'was' if one else 'were'} sent before and "
            f"{'is' if one else 'are'} still in flight in {out}: made anew now, {'its' if one else 'each'} earlier "
            "request would still be charged once made, its video never fetched and its cost counted in no spend, "
            "so --replace-changed cannot take "
            f"{'it' if one else 'them'} yet; nothing was submitted:\n"
            + listed
            + "\nGive the changed rows new ids (the earlier requests are then fetched under their old ids, never "
            "made again), or let them finish first (run with the rows as they were sent, then --replace-changed)"
            + (
                "; a submit of unknown outcome (now submitting) is looked up in the request history only while its "
                "row asks for what it sent: let it settle first"
                if any(c.state == JobState.SUBMITTING for c in changes)
                else ""
            )
        )


def _listed(changes: list[Change]) -> str:
    """The changes, one a line, the first MAX_LISTED of them and how many more."""
    listed = [f"  {c.describe()}" for c in changes[:MAX_LISTED]]
    if len(changes) > MAX_LISTED:
        listed.append(f"  ... and {len(changes) - MAX_LISTED} more")
    return "\n".join(listed)


def refuse_replacing_in_flight(changes: list[Change], out: str) -> None:
    """Raise :class:`ChangedInFlight` for the changes whose earlier request is still in flight, if any."""
    in_flight = [change for change in changes if change.state in IN_FLIGHT]
    if in_flight:
        raise ChangedInFlight(in_flight, out)


def recorded_fingerprint(rec: dict[str, Any]) -> str | None:
    """What the ledger says a job asked for, or None when it does not say."""
    if isinstance(rec.get("fingerprint"), str):
        return str(rec["fingerprint"])
    params, model = rec.get("params"), rec.get("model")
    if isinstance(params, dict) and isinstance(model, str):
        return fingerprint(model, params)
    return None


def find_changes(jobs: list[JobSpec], replay: Replay) -> list[Change]:
    """Every job whose row differs from what its id was sent as.

    The recorded parameters are compared as values (defaults filled in on
    both sides), which is what the fingerprint hashes; the fingerprint alone
    decides only for a record that kept no parameters.
    """
    changes = []
    for job in jobs:
        rec = replay.jobs.get(job.id)
        if rec is None or rec.get("state") not in SENT_STATES:
            continue
        params, model = rec.get("params"), rec.get("model")
        if isinstance(params, dict) and isinstance(model, str):
            same = model == job.model and (
                identity_view(params) == identity_view(job.params)
                or normalised(model, params) == normalised(job.model, job.params)
            )
        else:
            before = recorded_fingerprint(rec)
            same = before is None or before == fingerprint(job.model, job.params)
        if not same:
            changes.append(Change(job, str(rec["state"]), _changed_fields(job, rec)))
    return changes


def _changed_fields(job: JobSpec, rec: dict[str, Any]) -> tuple[str, ...]:
    fields = []
    old_model = rec.get("model")
    if old_model != job.model:
        fields.append("model")
    old = rec.get("params")
    if isinstance(old, dict):
        before = normalised(str(old_model), old)
        after = normalised(job.model, job.params)
        given = old.keys() | job.params.keys()  # a default filled in on one side only is no change to name
        fields += sorted(k for k in given if before.get(k) != after.get(k))
    return tuple(fields) or ("parameters",)


def charged(rec: dict[str, Any]) -> float | None:
    """What a job's ledger record says its request was charged, or None where no answer reported it: a charge of 0
    is none (only failed jobs are free; a line an earlier version wrote may hold a 0 not yet posted), as
    ``Handover.to_downloads`` takes an answer's."""
    cost = rec.get("cost")
    return float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) and cost else None


def spent_on(rec: dict[str, Any]) -> float:
    """What a job's ledger record says was paid: its cost plus what earlier, replaced attempts cost."""
    return float(rec.get("cost") or 0.0) + float(rec.get("paid_before") or 0.0)


def unreported_on(rec: dict[str, Any], estimate: float | None) -> float:
    """What a job's ledger record counts against the spend cap beyond what it was charged (as ``JobBook.adopt``
    holds a live job): ``estimate``, its request's, while that request may have been charged with no charge
    reported (a lost one too: it may have finished after its record died), and the estimates of its earlier
    requests lost so (``unreported_before``)."""
    before = float(rec.get("unreported_before") or 0.0)
    if charged(rec) is None and rec.get("state") in MAY_BE_CHARGED:
        return before + (estimate or 0.0)
    return before


def counted_at_start(known: dict[str, dict[str, Any]], jobs: Iterable[JobSpec], prices: Prices) -> float:
    """What a run counts against the spend cap from its start, as ``engine.resume`` adopts the folder's ledger
    (``known``): what it says was paid, and what its jobs may have been charged with no charge reported, at the
    estimates of ``jobs`` (the manifest's) for their own records and at what other manifests' lines say was
    sent for theirs."""
    ours = {job.id: estimate_cost(job.model, job.params, prices) for job in jobs}
    return sum(
        spent_on(rec) + unreported_on(rec, ours[job_id] if job_id in ours else recorded_estimate(rec, prices))
        for job_id, rec in known.items()
    )


def unreported_charge(rec: dict[str, Any]) -> float:
    """What a job's ledger record leaves out of its spend that may have been charged, as ``status`` tells it: its
    request made and not fetched, or completed, with no charge reported (at the catalogue's prices), and its
    earlier requests lost so (as estimated)."""
    state = rec.get("state")
    made = rec.get("request_id") and charged(rec) is None and (state in UNFETCHED or state == JobState.COMPLETED)
    return (recorded_estimate(rec, {}) if made else 0.0) + float(rec.get("unreported_before") or 0.0)


def recorded_estimate(rec: dict[str, Any], prices: Prices) -> float:
    """What the request a job's ledger record names comes to at ``prices``, from the model and parameters it
    was sent with (0 for a model nothing prices)."""
    params = rec.get("params")
    return estimate_cost(str(rec.get("model") or ""), params if isinstance(params, dict) else {}, prices) or 0.0


async def set_aside(
    changes: list[Change], replay: Replay, ledger: Ledger, out: OutputDir, prices: Prices
) -> list[Path]:
    """Set each changed job aside: move its video and sidecar away, record ``replaced``; returns the moved files.
    The line carries what the job paid and, at ``prices``, what it may have been charged with no charge
    reported (a lost request's estimate): the spend cap counts both for good.

    The files move first: a crash before the ``replaced`` line leaves the job
    as it was (its video is fetched again, free, and the row is still a
    changed one); the other order could let the new video land on the old
    one's name while the old one was still there.
    """
    moved: list[Path] = []
    videos = out.videos
    aside = videos / "replaced"
    for change in changes:
        rec = replay.jobs[change.job.id]
        files = _files_of(rec, out.video_path(change.job.id, str(rec.get("model") or change.job.model)))
        targets = []
        if files:
            if aside.is_symlink():
                raise StorageError(f"{aside} is a symbolic link; replace it with a real folder")
            aside.mkdir(exist_ok=True)
            number = _next_number(aside, change.job.id)
            for path in files:
                target = aside / f"{change.job.id}.{number}{path.suffix}"
                try:
                    os.replace(path, target)
                except OSError as exc:
                    raise StorageError(f"cannot move {path} to {target} ({exc.strerror or exc})") from None
                targets.append(target)
            _fsync_dir(aside)
            _fsync_dir(videos)
        moved += targets
        await ledger.append(
            change.job.id,
            Event.REPLACED,
            JobState.PENDING,
            model=change.job.model,
            fingerprint=fingerprint(change.job.model, change.job.params),
            previous={
                "state": change.state,
                "model": rec.get("model"),
                "fingerprint": recorded_fingerprint(rec),
                "request_id": rec.get("request_id"),
                "changed": list(change.fields),
                "files": [str(t.relative_to(videos.parent)) for t in targets],
            },
            paid_before=round(spent_on(rec), 6) or None,
            unreported_before=round(unreported_on(rec, recorded_estimate(rec, prices)), 6) or None,
        )
    return moved


def _files_of(rec: dict[str, Any], video: Path) -> list[Path]:
    """The video and sidecar an earlier attempt left in ``videos/`` (at ``video``, or as its record names)."""
    name = rec.get("file")
    if isinstance(name, str) and (named := video.parent.parent / name).parent == video.parent:
        video = named
    if not video.is_file():
        return []
    found = [video]
    sidecar = video.with_suffix(".json")
    if sidecar.is_file():
        found.append(sidecar)
    return found


def _next_number(folder: Path, job_id: str) -> int:
    taken = [p.name[len(job_id) + 1 :].split(".")[0] for p in folder.glob(f"{job_id}.*")]
    return 1 + max((int(n) for n in taken if n.isdigit()), default=0)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
