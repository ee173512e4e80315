"""Operator experience: summaries, status, dry-run estimates, progress lines, matrix and repeat."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from batchgen.manifest import load_manifest
from tests.helpers import (
    KEY,
    interrupt,
    many_jobs_yaml,
    run_batch,
    run_cli,
    write,
)

MATRIX = """model: kling-text2video
defaults: {negative_prompt: blurry}
matrix:
  name: pets
  prompt: ["A cat on a windowsill", "A dog in the snow"]
  aspect_ratio: ["16:9", "9:16"]
  duration: [5, 10]
jobs:
  - id: collie
    prompt: collie
    repeat: 3
"""


def test_matrix_and_repeat_expand_into_stable_readable_ids(tmp_path):
    first = [(j.id, j.params) for j in load_manifest(write(tmp_path / "a.yaml", MATRIX)).jobs]
    again = [(j.id, j.params) for j in load_manifest(write(tmp_path / "b.yaml", MATRIX)).jobs]
    assert first == again
    ids = [job_id for job_id, _ in first]
    assert ids[:3] == ["collie-r1", "collie-r2", "collie-r3"]
    assert "pets-a-cat-on-a-windowsill-16-9-5" in ids and "pets-a-dog-in-the-snow-9-16-10" in ids
    assert len(ids) == len(set(ids)) == 3 + 2 * 2 * 2
    params = dict(first)["pets-a-dog-in-the-snow-9-16-10"]
    assert params == {"negative_prompt": "blurry", "prompt": "A dog in the snow", "aspect_ratio": "9:16",
                      "duration": 10}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "model: kling-text2video\nmatrix:\n  name: x\n  prompt: []\n",
            "m.yaml:4: field 'prompt': an empty list would make no jobs",
        ),
        (
            "model: kling-text2video\njobs:\n  - prompt: y\n    repeat: 0\n",
            "m.yaml:4: field 'repeat': must be a whole number from 1 to 1000",
        ),
    ],
)
def test_matrix_and_repeat_problems(tmp_path, capsys, text, expected):
    assert run_cli("validate", str(write(tmp_path / "m.yaml", text))) == 2
    err = capsys.readouterr().err
    assert expected in err and "nothing was submitted" in err


def test_matrix_rerun_finds_the_same_jobs(sim, tmp_path, monkeypatch):
    server = sim()
    manifest = write(tmp_path / "m.yaml", MATRIX)
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 0
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 11


def test_summary_after_success(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    out = tmp_path / "out"
    assert run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(4)), out, server, monkeypatch=monkeypatch) == 0
    printed = capsys.readouterr().out
    assert "4 jobs: 4 completed" in printed
    assert "spend $1.12" in printed and "time per job p50" in printed
    assert str(out / "videos") in printed and str(out / "ledger.jsonl") in printed
    assert "To resume" not in printed


def test_summary_after_failures_groups_reasons_and_says_how_to_retry_them(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    server.state.script("policy", count=2)
    server.state.script("fail")
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(5))
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 1
    printed = capsys.readouterr().out
    assert "failures by reason" in printed
    assert "2 x HTTP 422: content_policy_violation" in printed
    assert "1 x HTTP 422: Provider error" in printed
    assert "3 jobs failed on the server; running again does not retry them" in printed
    assert f"--retry-failed submits them again (paid again): batchgen run {manifest} --out {out}" in printed
    assert "To resume" not in printed  # a plain re-run would do nothing for them
    capsys.readouterr()
    assert run_cli("status", str(out)) == 0
    status = capsys.readouterr().out
    assert "3 jobs failed on the server" in status and "--retry-failed" in status and "to resume" not in status
    assert run_cli("run", str(manifest), "--out", str(out), "--dry-run", "--retry-failed") == 0
    assert "3 failed job(s) will be submitted again (--retry-failed; paid again)" in capsys.readouterr().out
    assert run_batch(manifest, out, server, "--retry-failed", monkeypatch=monkeypatch) == 0


def test_summary_after_a_credit_stop(sim, tmp_path, monkeypatch, capsys):
    server = sim(credits=2 * 0.28 + 0.01)
    out = tmp_path / "out"
    assert run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(6)), out, server, "--concurrency", "2",
                     monkeypatch=monkeypatch) == 3  # fmt: skip
    printed = capsys.readouterr().out
    assert "Stopped submitting: out of credits (balance reported: $0.0" in printed
    assert "4 jobs deferred" in printed and "To resume:" in printed


def test_summary_after_an_interrupt(sim, tmp_path):
    server = sim(time_scale=50, latency_scale=0.5)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    code, text, _ = interrupt(manifest, out, server, signal.SIGINT, after_submitted=3, concurrency=3)
    assert code == 130
    assert "Interrupted: jobs in flight stay resumable" in text
    assert f"To resume: batchgen run {manifest} --out {out}" in text


def test_status_json_for_scripts(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    server.state.script("fail")
    out = tmp_path / "out"
    run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(3)), out, server, "--concurrency", "1",
              monkeypatch=monkeypatch)  # fmt: skip
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["states"] == {"completed": 2, "failed": 1}
    assert status["finished"] is False and status["spend_usd"] == pytest.approx(0.56)
    assert status["failures"] == [{"reason": "Provider error: generation failed, please try again", "count": 1,
                                   "examples": ["job-000"], "details": {
                                       "job-000": "Provider error: generation failed, please try again"}}]  # fmt: skip


def test_dry_run_estimates_spend_and_time(tmp_path, capsys):
    manifest = write(tmp_path / "m.yaml", MATRIX)
    assert run_cli("run", str(manifest), "--dry-run", "--concurrency", "4", "--max-spend", "2") == 0
    printed = capsys.readouterr().out
    assert "11 valid jobs (11 kling-text2video)" in printed
    # 3 x 0.28 + 4 x 0.28 (5 s) + 4 x 0.56 (10 s)
    assert "estimated spend: $4.20" in printed
    assert "estimated time: 16.0 min at concurrency 4" in printed  # 3 waves of ~320 s
    assert (
        "spend cap $2.00 will defer 5 of the 11 jobs to do, by the estimated prices" in printed
    )  # in order, the first six fit


def test_progress_lines_and_json_logs_without_a_terminal(sim, tmp_path):
    server = sim(time_scale=100, latency_scale=0.3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    log_file = tmp_path / "run.log"
    env = {**os.environ, "SEGMIND_API_KEY": KEY}
    done = subprocess.run(
        [sys.executable, "-m", "batchgen", "run", str(manifest), "--out", str(tmp_path / "out"), "--base-url",
         server.url, "--time-scale", "100", "--log-format", "json", "--log-file", str(log_file),
         "--progress-every", "1"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert lines and all({"ts", "level", "message"} <= set(line) for line in lines)
    assert any(line["message"].startswith("progress: ") for line in lines)
    assert log_file.read_text().count("\n") >= len(lines)
    assert any(line["message"] == "6 jobs: 6 completed" for line in lines)  # JSON logs: the summary is JSON too
    assert json.loads(done.stdout)["event"] == "outcome"


def test_status_says_when_a_run_holds_the_folder(sim, tmp_path, monkeypatch, capsys):
    from batchgen.store.local import OutputDir

    server = sim()
    out = tmp_path / "out"
    run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(2)), out, server, monkeypatch=monkeypatch)
    capsys.readouterr()
    holder = OutputDir(out)
    holder.lock()
    try:
        assert run_cli("status", str(out)) == 0
        assert f"a run (process {os.getpid()}) holds this folder now" in capsys.readouterr().out
        assert run_cli("status", str(out), "--json") == 0
        assert json.loads(capsys.readouterr().out)["running"] is True
    finally:
        holder.unlock()
    assert run_cli("status", str(out)) == 0
    assert "holds this folder" not in capsys.readouterr().out


def test_validate_and_dry_run_count_only_the_manifests_jobs(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    run_batch(write(tmp_path / "big.yaml", many_jobs_yaml(5)), tmp_path / "out", server, monkeypatch=monkeypatch)
    extra = '  - id: job-000\n    prompt: "scene number 0"\n'  # also in the folder's ledger
    small = write(tmp_path / "small.yaml", many_jobs_yaml(3, prefix="other") + extra)
    capsys.readouterr()
    # validate never reads a folder it was not given (./out exists here and holds 5 jobs)
    monkeypatch.chdir(tmp_path)
    assert run_cli("validate", str(small)) == 0
    text = capsys.readouterr().out
    assert "4 valid jobs" in text and "already completed" not in text
    assert run_cli("validate", str(small), "--out", "out") == 0
    assert "in out: 1 of these already completed; 3 to do" in capsys.readouterr().out
    assert run_cli("run", str(small), "--out", "out", "--dry-run") == 0
    assert "in out: 1 of these already completed; 3 to do" in capsys.readouterr().out
