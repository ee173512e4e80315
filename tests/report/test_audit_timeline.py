"""Audit of ``batchgen/report/timeline.py``: the report's rows say which jobs belong to the manifest and which
no run of it sends, when each was last recorded, and what each was charged (none reported is not free)."""

from __future__ import annotations

import json
from pathlib import Path

from batchgen.clock import parse_time
from batchgen.report.exits import Verdict
from batchgen.report.html import PageData, render_pages
from batchgen.report.timeline import load_rows


def _ledger(path: Path, *records: dict) -> Path:
    lines = [json.dumps({"v": 1, "ts": f"2026-11-21T12:00:0{n}.000Z", **rec}) for n, rec in enumerate(records)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_report_given_only_the_manifests_ids_marks_outside_only_the_jobs_whose_rows_are_gone(tmp_path):
    ledger = _ledger(
        tmp_path / "ledger.jsonl",
        {"job_id": "kept", "event": "deferred", "state": "deferred", "model": "kling-text2video"},
        {"job_id": "gone", "event": "deferred", "state": "deferred", "model": "kling-text2video"},
    )
    rows = {row.job_id: row for row in load_rows(ledger, manifest=["kept", "never-sent"])}
    assert set(rows) == {"kept", "gone"}
    assert not rows["kept"].outside and not rows["kept"].unsent_outside
    assert rows["gone"].outside and rows["gone"].unsent_outside
    assert not any(row.outside for row in load_rows(ledger))  # no manifest known: none is called outside


def test_a_jobs_row_is_dated_by_its_last_ledger_line_which_the_report_gives_as_when_its_reason_was_recorded(tmp_path):
    ledger = _ledger(
        tmp_path / "ledger.jsonl",
        {"job_id": "a", "event": "submitting", "state": "submitting", "model": "kling-text2video"},
        {"job_id": "a", "event": "submitted", "state": "submitted", "request_id": "r1"},
        {"job_id": "a", "event": "download_failed", "state": "downloading", "request_id": "r1",
         "error": {"kind": "download", "detail": "connection reset"}},
    )  # fmt: skip
    (row,) = load_rows(ledger)
    assert (row.state, row.error) == ("downloading", "connection reset")
    assert row.updated_at == parse_time("2026-11-21T12:00:02.000Z")
    data = PageData(rows=[row], verdict=Verdict(1, "batchgen run m.yaml"), generated_at="now", charts={}, thumbs={})
    (page,) = render_pages(data, title="t", page_size=10)
    assert "the latest was recorded at 2026-11-21 12:00:02 UTC." in page


def test_a_job_completed_with_no_charge_reported_reads_back_with_no_cost_not_as_free(tmp_path):
    ledger = _ledger(
        tmp_path / "ledger.jsonl",
        {"job_id": "a", "event": "submitted", "state": "submitted", "request_id": "r1", "model": "kling-text2video",
         "params": {"prompt": "p"}},
        {"job_id": "a", "event": "completed", "state": "completed", "file": "videos/a.mp4", "bytes": 2048},
        {"job_id": "b", "event": "completed", "state": "completed", "request_id": "r2", "cost": 0.28,
         "file": "videos/b.mp4", "bytes": 4096},
    )  # fmt: skip
    rows = {row.job_id: row for row in load_rows(ledger)}
    assert (rows["a"].cost, rows["a"].unreported) == (None, 0.28)
    assert (rows["b"].cost, rows["b"].unreported) == (0.28, 0.0)
