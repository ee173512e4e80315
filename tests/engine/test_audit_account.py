"""Audit of ``batchgen/engine/account.py``: a folder resumed under a new key is taken for its own account only on
the new key's word about the folder's own requests, and the stop says truly what was found and what to do."""

from __future__ import annotations

from typing import Any

import pytest

from batchgen.api.answers import HistoryRow
from batchgen.engine.account import settle_key_change
from batchgen.errors import AccountChanged
from batchgen.store.ledger import Replay
from tests.engine.test_account import _Account, _folder, _Ledger


async def test_the_stop_for_another_account_counts_and_names_the_jobs_in_flight_alone():
    with pytest.raises(AccountChanged) as stopped:
        await settle_key_change(_Account(set()), _folder(), "new", _Ledger().append, adopt=False, where="out")  # type: ignore[arg-type]
    said = str(stopped.value)
    assert said.startswith("out: 2 job(s) in flight (e.g. queued) were submitted with another API key")
    assert "fingerprint old; this key's is new" in said and "--adopt-key" in said


async def test_a_history_row_of_another_request_is_no_word_that_the_new_key_knows_the_folders():
    class Loose(_Account):
        async def history_get(self, request_id: str) -> HistoryRow:
            self.asked.append(("history", request_id))
            return HistoryRow("someone-elses", "m", "COMPLETED", {}, None, None, None, None)

    ledger = _Ledger()
    with pytest.raises(AccountChanged, match="does not know request r-"):
        await settle_key_change(Loose(set()), _folder(), "new", ledger.append, adopt=False, where="out")  # type: ignore[arg-type]
    assert ledger.lines == []


async def test_an_unknown_request_is_what_the_stop_names_though_a_later_one_could_not_be_checked():
    class HalfDown(_Account):
        async def status(self, request_id: str) -> Any:
            if request_id == "r-f":
                self.status_down = True
            return await super().status(request_id)

    with pytest.raises(AccountChanged) as stopped:
        await settle_key_change(HalfDown(set()), _folder(), "new", _Ledger().append, adopt=False, where="out")  # type: ignore[arg-type]
    said = str(stopped.value)
    assert "this key's account does not know request r-q" in said and "could not be checked" not in said


async def test_a_finished_request_of_the_old_key_shows_the_same_account_where_no_job_in_flight_has_one():
    unsure = {"job_id": "unsure", "event": "submit_unknown", "state": "submitting", "key_fp": "old"}
    done = {"job_id": "done", "event": "completed", "state": "completed", "request_id": "r-done", "key_fp": "old"}
    replay, ledger = Replay({"unsure": dict(unsure), "done": dict(done)}, 2, False), _Ledger()
    api = _Account({"r-done"})
    await settle_key_change(api, replay, "new", ledger.append, adopt=False, where="out")  # type: ignore[arg-type]
    assert ("history", "r-done") in api.asked
    assert [(line["job_id"], line["event"], line["state"]) for line in ledger.lines] == [
        ("unsure", "key_changed", "submitting")
    ]
