"""Audit of ``batchgen/engine/run.py``: the run's report tells the operator every job it lost and why."""

from __future__ import annotations

from tests.helpers import many_jobs_yaml, run_batch, write


def test_a_job_whose_record_expired_is_listed_among_the_failures_with_what_to_do(sim, tmp_path, monkeypatch, capsys):
    server = sim(time_scale=5000)
    server.state.script("stall")
    manifest = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n  - id: stuck\n    prompt: x\n")
    capsys.readouterr()
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 1
    told = capsys.readouterr().out
    assert "failures by reason" in told
    reasons = told.split("failures by reason", 1)[1]
    assert "--resubmit-lost" in reasons and "stuck" in reasons


def test_the_summary_counts_the_requests_answered_429_and_the_spend_of_this_run(sim, tmp_path, monkeypatch, capsys):
    server = sim(time_scale=5000)
    server.state.script("rate_limit", count=2)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    capsys.readouterr()
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 0
    told = capsys.readouterr().out
    spent = server.state.total_charged()
    assert spent > 0
    assert f"  spend ${spent:.2f} in this folder; " in told
    assert ", 2 answered 429" in told
