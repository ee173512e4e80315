"""Review: report.html's "not in the spend" cell says what the charges it counts are."""

from __future__ import annotations

import html
import json
import re

from batchgen.store.ledger import read_ledger
from tests.helpers import many_jobs_yaml, run_batch, write


def test_the_report_does_not_call_a_request_set_aside_by_replace_changed_lost(sim, tmp_path, monkeypatch, capsys):
    server = sim(seed=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    ledger = out / "ledger.jsonl"  # the API's result gave no cost for it: its charge was never reported
    lines = [json.loads(line) for line in ledger.read_text().splitlines()]
    for line in lines:
        line.pop("cost", None)
    ledger.write_text("".join(json.dumps(line) + "\n" for line in lines))
    write(manifest, many_jobs_yaml(1).replace("scene number 0", "another scene"))
    assert run_batch(manifest, out, server, "--replace-changed", monkeypatch=monkeypatch) == 0
    rec = read_ledger(ledger).jobs["job-000"]
    assert rec["state"] == "completed" and rec["cost"] and rec["unreported_before"]  # the new one's charge known
    assert list((out / "videos" / "replaced").glob("job-000.*.mp4"))  # the earlier one's video: fetched, kept
    page = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    cell = re.search(r"<th>(not in the spend[^<]*)</th><td[^>]*>([^<]*)</td>", page)
    assert cell is not None, "no 'not in the spend' cell"
    said = " ".join(cell.groups())
    assert "1 jobs" in said or "1 job" in said
    assert "lost" not in said or "replace" in said, said  # told only as lost, though it was set aside
