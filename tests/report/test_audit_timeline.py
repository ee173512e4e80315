"""Audit of ``batchgen/report/timeline.py``: the report's rows say which jobs belong to the manifest and which
no run of it sends."""

from __future__ import annotations

import json
from pathlib import Path

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
