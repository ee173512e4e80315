"""A folder resumed under a new key: the same account goes on; another account stops, unless adopted.

Every ledger line records ``key_fp``, a short fingerprint of the key that
wrote it (never the key).  When jobs in flight were submitted under another
fingerprint, a request id of theirs is looked up under the new key:

* the new key's request history (or its status endpoint) knows it: the same
  account (a rotated or re-issued key).  Each such job gets a ``key_changed``
  line (``previous_key_fp``) and the run goes on, re-attaching them.
* it does not: another account.  :class:`AccountChanged` stops the run before
  anything is sent (exit 2), naming ``--adopt-key``.  With ``adopt``, jobs in
  flight under the other account are written ``expired`` (event
  ``key_adopted``): this key cannot look them up, and they are made again,
  paid again, only with ``--resubmit-lost``.  A job already downloading goes
  on (its output link needs no key).

Nothing is guessed: when neither the history nor the status endpoint can say
(both unreadable, records expired), the account counts as another one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..api.client import ApiClient
from ..errors import AccountChanged, ApiError, AuthError, NotFound, SpelledOtherwise
from ..jobs import Event, JobState
from ..store.ledger import Replay, carry_forward

log = logging.getLogger("batchgen")
IN_FLIGHT = ("submitting", "submitted", "downloading")
PROBES = 3  # request ids looked up at most

Append = Callable[..., Awaitable[dict[str, Any]]]


async def settle_key_change(
    api: ApiClient, replay: Replay, fingerprint: str, append: Append, *, adopt: bool, where: str
) -> None:
    """Check (and record) a change of key before a run resumes the folder; see the module docstring.

    ``append`` is the ledger's (it stamps this key's fingerprint on every line);
    ``replay`` is updated in place with the lines written.
    """
    others = {
        job_id: rec
        for job_id, rec in replay.jobs.items()
        if rec.get("state") in IN_FLIGHT and rec.get("key_fp") not in (None, fingerprint)
    }
    if not others:
        return
    old = sorted({str(rec["key_fp"]) for rec in others.values()})
    evidence = [str(rec["request_id"]) for rec in others.values() if rec.get("request_id")]
    evidence += [
        str(rec["request_id"])
        for rec in replay.jobs.values()
        if rec.get("request_id") and rec.get("key_fp") in old and str(rec["request_id"]) not in evidence
    ]
    same, found = await _same_account(api, evidence[:PROBES])
    if same:
        for job_id, rec in others.items():
            record = await append(job_id, Event.KEY_CHANGED, JobState(rec["state"]), previous_key_fp=rec["key_fp"])
            carry_forward(replay.jobs, job_id, record)
        log.info(
            "the API key changed (fingerprint %s -> %s); this key's account knows the folder's requests, so the "
            "%d job(s) in flight go on under it (request %s)",
            ", ".join(old),
            fingerprint,
            len(others),
            found,
        )
        return
    example = next(iter(others))
    why = found or "none of them has a request id to check"
    if not adopt:
        raise AccountChanged(
            f"{where}: {len(others)} job(s) in flight (e.g. {example}) were submitted with another API key "
            f"(fingerprint {', '.join(old)}; this key's is {fingerprint}), and {why}: it is taken for another account. "
            "Run again with a key of that account so they are re-attached; or, to go on under this key anyway, "
            "add --adopt-key: the jobs in flight under the other account cannot be looked up with this key, so they "
            "are written expired (never submitted again unless you add --resubmit-lost, which pays again)"
        )
    adopted = 0
    for job_id, rec in others.items():
        if rec["state"] == "downloading":  # its output link needs no key
            record = await append(job_id, Event.KEY_CHANGED, JobState.DOWNLOADING, previous_key_fp=rec["key_fp"])
        else:
            adopted += 1
            detail = (
                f"submitted with another account's key (fingerprint {rec['key_fp']}); --adopt-key took the folder "
                "under a key that cannot look it up. Its video, if made, is with that account; --resubmit-lost makes "
                "it again (paid again)"
            )
            record = await append(
                job_id, Event.KEY_ADOPTED, JobState.EXPIRED, previous_key_fp=rec["key_fp"], error={"detail": detail}
            )
        carry_forward(replay.jobs, job_id, record)
    log.warning(
        "warning: --adopt-key: the folder goes on under a key of another account (fingerprint %s); %d job(s) in "
        "flight under the old account cannot be looked up and were written expired (--resubmit-lost makes them "
        "again, paid again)",
        fingerprint,
        adopted,
    )


async def _same_account(api: ApiClient, request_ids: list[str]) -> tuple[bool, str | None]:
    """(True, id) when the new key's account knows one of ``request_ids``; else (False, what was found):
    the id it does not know, or why none could be checked."""
    why: str | None = None
    for rid in request_ids:
        try:
            try:
                row = await api.history_get(rid)
            except SpelledOtherwise:
                row = await api.history_get_bare(rid)
            if row.request_id == rid:
                return True, rid
        except AuthError:
            raise
        except ApiError:
            pass  # not found, or the history could not be read: ask the record itself
        try:
            await api.status(rid)
            return True, rid
        except AuthError:
            raise
        except NotFound:
            why = f"this key's account does not know request {rid}"
        except ApiError as exc:
            why = why or f"whether this key's account knows request {rid} could not be checked ({exc})"
    return False, why
