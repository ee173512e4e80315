"""A row without an id keeps the id its request was made under.

A row without an id gets one from a hash of its model and the parameters
it sends (``jobs.derived_id``): a default the model's spec sends is among
them, a default left to the API is not.  So the same request can derive
another id: a default written out in the row, or a spec that now sends a
default it left to the API (a newer batchgen, a ``--models`` override).
Under the new id the folder knows no job, and the row would be made and
paid again.  A job is what it asks for (``identity.fingerprint``, every
default filled in), so before a run (or ``status``, ``validate``) compares
the manifest with the folder, such a row takes the id of the job the
folder made of the same request: a job of a derived id of the same model,
the same fingerprint and the same occurrence and ``repeat`` suffix, that
no row of the manifest claims.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..jobs import JobSpec, derived_prefix
from ..store.ledger import Replay
from .identity import fingerprint

_TAIL = re.compile(r"-[0-9a-f]{12}((?:-[0-9]+)?(?:-r[0-9]+)?)")


def keep_made_ids(jobs: list[JobSpec], replay: Replay | None) -> list[JobSpec]:
    """``jobs``, each row of a derived id the folder has no job of renamed to the derived id its request
    was made under (see the module's account); the others as they are."""
    if replay is None or not replay.jobs:
        return jobs
    lost = [job for job in jobs if job.id not in replay.jobs and _tail(job.id, job.model) is not None]
    if not lost:
        return jobs
    claimed = {job.id for job in jobs}
    made: dict[tuple[str, str, str], list[str]] = {}
    for job_id, rec in replay.jobs.items():
        key = None if job_id in claimed else _made_key(job_id, rec)
        if key is not None:
            made.setdefault(key, []).append(job_id)
    renamed: dict[str, str] = {}
    for job in lost:
        candidates = made.get((job.model, fingerprint(job.model, job.params), str(_tail(job.id, job.model))))
        if candidates:
            renamed[job.id] = candidates.pop(0)
    return [replace(job, id=renamed[job.id]) if job.id in renamed else job for job in jobs]


def _made_key(job_id: str, rec: dict[str, Any]) -> tuple[str, str, str] | None:
    model, params = rec.get("model"), rec.get("params")
    if not isinstance(model, str) or not isinstance(params, dict):
        return None  # never sent (deferred before its submit): nothing was paid for it
    tail = _tail(job_id, model)
    return None if tail is None else (model, fingerprint(model, params), tail)


def _tail(job_id: str, model: str) -> str | None:
    """The occurrence and ``repeat`` suffix of a derived id of ``model`` (``""`` for none); None for an id
    not derived."""
    prefix = derived_prefix(model)
    if not job_id.startswith(prefix):
        return None
    match = _TAIL.fullmatch(job_id, len(prefix))
    return match[1] if match else None
