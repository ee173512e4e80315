"""Jobs in flight whose rows left the manifest: their videos are fetched, never made again.

A row removed from the manifest after its job was sent (a run stopped, the
manifest edited, the run started again) leaves a job the API is making or
has made: charged once made, whatever the manifest now says.  Every video
paid for ends up on disk, so a run takes such a job up as it takes up its
own jobs in flight (polled, its video downloaded and checked), marked
``fetch_only``: should its video be lost, it is not made again, even with
``--resubmit-lost`` (a row that is gone asks for nothing more).
"""

from __future__ import annotations

from typing import Any

from ..jobs import JobSpec, JobState
from ..store.ledger import Replay

# States of a job the API made or is making, with its request id: charged once made, its video still to fetch.
FETCHABLE = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING})


def in_flight_outside(jobs: list[JobSpec], replay: Replay | None) -> list[JobSpec]:
    """The jobs the folder has in flight that no row of ``jobs`` names (a row removed after its job was sent):
    each is charged once made, so its video is fetched like any other's; ``fetch_only``, it is never sent
    again (a row that is gone asks for nothing more)."""
    if replay is None:
        return []
    named = {job.id for job in jobs}
    return [
        JobSpec(id=job_id, model=rec["model"], params=rec["params"], source="ledger", fetch_only=True)
        for job_id, rec in replay.jobs.items()
        if job_id not in named and fetchable(rec)
    ]


def fetchable(rec: dict[str, Any]) -> bool:
    """Whether a job's ledger record is of a job the API made or is making, with what fetching it needs."""
    return (
        rec.get("state") in FETCHABLE
        and bool(rec.get("request_id"))
        and isinstance(rec.get("model"), str)
        and isinstance(rec.get("params"), dict)
    )
