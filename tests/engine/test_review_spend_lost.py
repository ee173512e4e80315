"""Review of commit 5cfaef9 (a lost request's estimate counts against --max-spend on every path, one rule; the
operator is told of it): each fault found, a test that failed until it was mended."""

from __future__ import annotations

import json

from batchgen.store.ledger import read_ledger
from tests.engine.test_review_spend_trials import _lost_one_then_capped, _words_after
from tests.helpers import many_jobs_yaml, run_batch, run_cli, write


def _remade_then_deferred(sim, tmp_path, monkeypatch, capsys):
    """A lost job (expired, its cost never reported) is made anew with --resubmit-lost under a cap that has no
    room left: the run remakes it at resume (its lost request's estimate moves to ``unreported_before``), then
    the cap defers it, unsent, with the two never-sent jobs."""
    manifest, out, server, price, _ = _lost_one_then_capped(sim, tmp_path, monkeypatch, capsys)
    code = run_batch(
        manifest, out, server, "--resubmit-lost", "--max-spend", f"{1.5 * price:.2f}", monkeypatch=monkeypatch
    )
    assert code == 3 and len(server.state.submissions) == 1  # nothing sent: the lost request fills the cap
    return manifest, out, server, price, capsys.readouterr().out


def test_a_lost_request_keeps_counting_after_its_job_made_anew_is_deferred_by_the_cap(
    sim, tmp_path, monkeypatch, capsys
):
    manifest, out, server, price, printed = _remade_then_deferred(sim, tmp_path, monkeypatch, capsys)
    lost = next(rec for rec in read_ledger(out / "ledger.jsonl").jobs.values() if rec.get("request_id"))
    assert lost["state"] == "deferred"  # (the cap kept its new request from being sent)
    # the lost request may still have been charged: the next run must count its estimate from the start, so a
    # cap with room for it and two more (3.5 x) sends two of the three jobs, not all three
    code = run_batch(
        manifest, out, server, "--resubmit-lost", "--max-spend", f"{3.5 * price:.2f}", monkeypatch=monkeypatch
    )
    sent = len(server.state.submissions)
    # and the resume line after the stop raised the cap for the lost request and the three jobs to send
    words = _words_after(printed, "To resume, raise the cap")
    raised = float(words[words.index("--max-spend") + 1])
    assert (sent, raised >= 4 * price - 0.01) == (1 + 2, True), (code, sent, raised, price)


def test_the_run_and_status_tell_alike_of_a_lost_request_whose_job_made_anew_was_deferred_unsent(
    sim, tmp_path, monkeypatch, capsys
):
    _, out, _, price, printed = _remade_then_deferred(sim, tmp_path, monkeypatch, capsys)
    monkeypatch.setattr("sys.argv", ["batchgen"])
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["unreported_earlier"], status["unreported_earlier_usd"]) == (1, round(price, 6))
    said = " ".join(printed.split())
    assert "1 job has earlier requests whose charge no answer reported" in said, said
    assert f"about ${price:.2f} more" in said and "made again" not in said, said  # (none was sent)


def test_a_replaced_completed_job_with_no_cost_reported_is_told_as_unreported_never_as_lost(
    sim, tmp_path, monkeypatch, capsys
):
    server = sim(seed=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    # the API's result gave no cost for it (the video was fetched, its charge never reported)
    ledger = out / "ledger.jsonl"
    lines = [json.loads(line) for line in ledger.read_text().splitlines()]
    for line in lines:
        line.pop("cost", None)
    ledger.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert read_ledger(ledger).jobs["job-000"]["state"] == "completed"
    write(manifest, many_jobs_yaml(1).replace("scene number 0", "another scene"))
    capsys.readouterr()
    assert run_batch(manifest, out, server, "--replace-changed", monkeypatch=monkeypatch) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert (out / "videos" / "replaced").is_dir()  # its video was fetched, and is kept
    monkeypatch.setattr("sys.argv", ["batchgen"])
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["unreported_earlier"] == 1 and "1 job has earlier requests whose charge" in printed, printed
    assert "lost before its video was fetched" not in printed and "was lost" not in printed, printed


def test_the_dry_runs_cap_note_counts_another_manifests_lost_request_as_the_run_does(
    sim, tmp_path, monkeypatch, capsys
):
    _, out, server, price, _ = _lost_one_then_capped(sim, tmp_path, monkeypatch, capsys)
    other = write(tmp_path / "b.yaml", many_jobs_yaml(2, model="kling-2.6", prefix="b"))
    cap = f"{2.5 * price:.2f}"  # the lost request (1) and one of b's jobs (1); the second would pass it
    assert run_cli("run", str(other), "--out", str(out), "--dry-run", "--max-spend", cap) == 0
    planned = " ".join(capsys.readouterr().out.split())
    sent = len(server.state.submissions)
    code = run_batch(other, out, server, "--max-spend", cap, monkeypatch=monkeypatch)
    assert (code, len(server.state.submissions) - sent) == (3, 1)  # the run defers one of b's two jobs
    assert "will defer 1 of the 2 jobs to do" in planned, planned
