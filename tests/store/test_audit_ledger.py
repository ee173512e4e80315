"""Audit of ``batchgen/store/ledger.py``: a ledger line keeps every fact it was given but the absent ones, and
the ledger file is writable by its owner alone."""

from __future__ import annotations

from batchgen.clock import FakeClock
from batchgen.jobs import JobState
from batchgen.store.ledger import Ledger, event_line, read_ledger


def test_a_line_keeps_a_zero_cost_a_zero_count_and_a_false_flag_and_leaves_out_only_none():
    record, _ = event_line(
        "a", "result", JobState.DOWNLOADING, {"cost": 0.0, "bytes": 0, "flag": False, "note": "", "gone": None}, ts="T"
    )
    assert record == {"v": 1, "ts": "T", "job_id": "a", "event": "result", "state": "downloading",
                      "cost": 0.0, "bytes": 0, "flag": False, "note": ""}  # fmt: skip


async def test_a_job_the_api_charged_nothing_reads_back_with_a_cost_of_zero_not_an_unknown_one(tmp_path):
    path = tmp_path / "l.jsonl"
    async with Ledger(path, clock=FakeClock()) as ledger:
        await ledger.append("a", "result", JobState.FAILED, request_id="r1", cost=0.0)
    assert read_ledger(path).jobs["a"]["cost"] == 0.0
