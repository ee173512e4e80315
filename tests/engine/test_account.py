"""A folder resumed under a new key (engine/account.py): the same account goes on, another one stops unless
adopted, and adopting never drops a video already paid for whose link needs no key."""

from __future__ import annotations

from typing import Any

import pytest

from batchgen.api.answers import HistoryRow, Status
from batchgen.engine.account import settle_key_change
from batchgen.errors import AccountChanged, NotFound, ServerError, SpelledOtherwise
from batchgen.store.ledger import Replay, carry_forward


class _Account:
    """The new key's view: the request ids its account knows, and whether its history can be read."""

    def __init__(self, knows: set[str], *, history_down: bool = False, status_down: bool = False) -> None:
        self.knows, self.history_down, self.status_down = knows, history_down, status_down
        self.asked: list[tuple[str, str]] = []

    async def history_get(self, request_id: str) -> HistoryRow:
        self.asked.append(("history", request_id))
        if self.history_down:
            raise ServerError("reading the request history (HTTP 500)", status=500)
        if request_id not in self.knows:
            raise NotFound(f"looking up request {request_id} in the history", status=404)
        return HistoryRow(request_id, "m", "PENDING", {}, None, None, None, None)

    async def status(self, request_id: str) -> Status:
        self.asked.append(("status", request_id))
        if self.status_down:
            raise ServerError(f"polling request {request_id} (HTTP 503)", status=503)
        if request_id not in self.knows:
            raise NotFound("not found", status=404)
        return Status("PROCESSING", None, {}, 200)


class _Ledger:
    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    async def append(self, job_id: str, event: str, state: Any, **fields: Any) -> dict[str, Any]:
        record = {"job_id": job_id, "event": str(event), "state": str(state), **fields, "key_fp": "new"}
        self.lines.append(record)
        return record


def _folder(*more: dict[str, Any]) -> Replay:
    jobs: dict[str, dict[str, Any]] = {}
    records: list[dict[str, Any]] = [
        {"job_id": "done", "event": "completed", "state": "completed", "request_id": "r-done", "key_fp": "old"},
        {"job_id": "queued", "event": "submitted", "state": "submitted", "request_id": "r-q", "key_fp": "old"},
        {"job_id": "fetching", "event": "result", "state": "downloading", "request_id": "r-f", "key_fp": "old",
         "output_url": "https://cdn.example/f.mp4", "cost": 0.28},
        *more,
    ]  # fmt: skip
    for record in records:
        carry_forward(jobs, str(record["job_id"]), dict(record))
    return Replay(jobs, len(jobs), False)


async def test_adopting_another_accounts_folder_keeps_a_paid_video_whose_link_needs_no_key():
    replay, ledger = _folder(), _Ledger()
    await settle_key_change(_Account(set()), replay, "new", ledger.append, adopt=True, where="out")  # type: ignore[arg-type]
    written = {line["job_id"]: (line["event"], line["state"]) for line in ledger.lines}
    assert written == {"queued": ("key_adopted", "expired"), "fetching": ("key_changed", "downloading")}
    assert replay.jobs["fetching"]["state"] == "downloading"
    assert replay.jobs["fetching"]["output_url"] == "https://cdn.example/f.mp4"  # fetched by the run, never lost


async def test_another_account_stops_the_run_before_anything_is_written_unless_adopted():
    replay, ledger = _folder(), _Ledger()
    with pytest.raises(AccountChanged, match="--adopt-key"):
        await settle_key_change(_Account(set()), replay, "new", ledger.append, adopt=False, where="out")  # type: ignore[arg-type]
    assert ledger.lines == []


async def test_a_new_key_of_the_same_account_goes_on_even_while_its_history_cannot_be_read():
    # The history answers 500: the record itself (status) says whether this key's account knows the request.
    api, replay, ledger = _Account({"r-q"}, history_down=True), _folder(), _Ledger()
    await settle_key_change(api, replay, "new", ledger.append, adopt=False, where="out")  # type: ignore[arg-type]
    assert ("status", "r-q") in api.asked
    written = {line["job_id"]: line["event"] for line in ledger.lines}
    assert written == {"queued": "key_changed", "fetching": "key_changed"}
    assert all(line["previous_key_fp"] == "old" for line in ledger.lines)
    assert replay.jobs["queued"]["state"] == "submitted"


async def test_a_new_key_of_the_same_account_whose_history_spells_ids_bare_is_known_by_it():
    # Not found dashed (the spelling is not known yet), the request is asked again bare: the history knows it,
    # so the record is not asked.
    class Bare(_Account):
        async def history_get(self, request_id: str) -> HistoryRow:
            self.asked.append(("history", request_id))
            raise SpelledOtherwise(f"looking up request {request_id} in the history", status=404)

        async def history_get_bare(self, request_id: str) -> HistoryRow:
            self.asked.append(("bare", request_id))
            return HistoryRow(request_id, "m", "PENDING", {}, None, None, None, None)

    api, replay, ledger = Bare({"r-q"}), _folder(), _Ledger()
    await settle_key_change(api, replay, "new", ledger.append, adopt=False, where="out")  # type: ignore[arg-type]
    assert api.asked == [("history", "r-q"), ("bare", "r-q")]
    assert {line["job_id"]: line["event"] for line in ledger.lines} == {
        "queued": "key_changed",
        "fetching": "key_changed",
    }


async def test_a_new_key_of_the_same_account_leaves_every_job_in_the_state_it_was_in():
    # A submit of unknown outcome stays to be settled, a download stays a download: the key changes, nothing else.
    unsure = {"job_id": "unsure", "event": "submit_unknown", "state": "submitting", "key_fp": "old"}
    api, replay, ledger = _Account({"r-q", "r-f"}), _folder(unsure), _Ledger()
    await settle_key_change(api, replay, "new", ledger.append, adopt=False, where="out")  # type: ignore[arg-type]
    written = {line["job_id"]: (line["event"], line["state"]) for line in ledger.lines}
    assert written == {
        "queued": ("key_changed", "submitted"),
        "fetching": ("key_changed", "downloading"),
        "unsure": ("key_changed", "submitting"),
    }
    # the replay the run goes on with holds those lines (and what the earlier lines gave)
    assert {job_id: replay.jobs[job_id]["event"] for job_id in written} == dict.fromkeys(written, "key_changed")
    assert replay.jobs["fetching"]["output_url"] == "https://cdn.example/f.mp4"


async def test_a_request_the_new_key_cannot_check_does_not_decide_while_another_shows_the_same_account():
    # The first job's record is gone (history and status say 404); the second's is known: the same account.
    first = {"job_id": "a-first", "event": "submitted", "state": "submitted", "request_id": "r-gone", "key_fp": "old"}
    replay = Replay({"a-first": first, **_folder().jobs}, 4, False)
    api, ledger = _Account({"r-q"}), _Ledger()
    await settle_key_change(api, replay, "new", ledger.append, adopt=False, where="out")  # type: ignore[arg-type]
    assert ("history", "r-gone") in api.asked and ("history", "r-q") in api.asked
    assert {line["event"] for line in ledger.lines} == {"key_changed"}


async def test_a_folder_whose_lines_name_no_key_is_resumed_without_a_check():
    # A folder written before lines carried a key's fingerprint: no line says another key sent its jobs.
    replay = _folder()
    for rec in replay.jobs.values():
        del rec["key_fp"]
    api, ledger = _Account(set()), _Ledger()
    await settle_key_change(api, replay, "new", ledger.append, adopt=False, where="out")  # type: ignore[arg-type]
    assert api.asked == [] and ledger.lines == []


async def test_the_stop_for_another_account_says_whether_the_request_was_unknown_or_could_not_be_checked():
    with pytest.raises(AccountChanged) as unknown:
        await settle_key_change(_Account(set()), _folder(), "new", _Ledger().append, adopt=False, where="out")  # type: ignore[arg-type]
    assert "this key's account does not know request r-" in str(unknown.value)
    down = _Account(set(), history_down=True, status_down=True)
    with pytest.raises(AccountChanged) as unchecked:
        await settle_key_change(down, _folder(), "new", _Ledger().append, adopt=False, where="out")  # type: ignore[arg-type]
    said = str(unchecked.value)
    assert "could not be checked" in said and "HTTP 503" in said and "does not know" not in said


async def test_adopting_says_how_many_jobs_in_flight_were_written_expired(caplog):
    unsure = {"job_id": "unsure", "event": "submit_unknown", "state": "submitting", "key_fp": "old"}
    ledger = _Ledger()
    with caplog.at_level("WARNING", logger="batchgen"):
        await settle_key_change(_Account(set()), _folder(unsure), "new", ledger.append, adopt=True, where="out")  # type: ignore[arg-type]
    assert sum(line["state"] == "expired" for line in ledger.lines) == 2
    assert "2 job(s) in flight under the old account cannot be looked up and were written expired" in caplog.text
