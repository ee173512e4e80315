"""A folder resumed under a new key (engine/account.py): the same account goes on, another one stops unless
adopted, and adopting never drops a video already paid for whose link needs no key."""

from __future__ import annotations

from typing import Any

import pytest

from batchgen.api.answers import HistoryRow, Status
from batchgen.engine.account import settle_key_change
from batchgen.errors import AccountChanged, NotFound, ServerError
from batchgen.store.ledger import Replay, carry_forward


class _Account:
    """The new key's view: the request ids its account knows, and whether its history can be read."""

    def __init__(self, knows: set[str], *, history_down: bool = False) -> None:
        self.knows, self.history_down = knows, history_down
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


def _folder() -> Replay:
    jobs: dict[str, dict[str, Any]] = {}
    for record in (
        {"job_id": "done", "event": "completed", "state": "completed", "request_id": "r-done", "key_fp": "old"},
        {"job_id": "queued", "event": "submitted", "state": "submitted", "request_id": "r-q", "key_fp": "old"},
        {"job_id": "fetching", "event": "result", "state": "downloading", "request_id": "r-f", "key_fp": "old",
         "output_url": "https://cdn.example/f.mp4", "cost": 0.28},
    ):  # fmt: skip
        carry_forward(jobs, str(record["job_id"]), dict(record))
    return Replay(jobs, 3, False)


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
