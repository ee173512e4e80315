"""The batch runner end to end: manifest in, verified videos, ledger and results out."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from batchgen.store.ledger import read_ledger
from batchgen.store.mp4 import mp4_problem
from tests.helpers import (
    decode_mp4,
    run_batch,
    run_cli,
    write,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "jobs"


def ledger_of(out: Path) -> dict[str, dict]:
    return read_ledger(out / "ledger.jsonl").jobs


def assert_all_completed(out: Path, count: int) -> None:
    jobs = ledger_of(out)
    assert len(jobs) == count
    for job_id, rec in jobs.items():
        assert rec["state"] == "completed", (job_id, rec)
        video = out / rec["file"]
        assert video.stat().st_size == rec["bytes"]
        assert mp4_problem(video) is None
        width, height, frames = decode_mp4(video)
        assert frames > 0 and width > 0 and height > 0
        sidecar = json.loads(video.with_suffix(".json").read_text())
        assert sidecar["request_id"] == rec["request_id"] and sidecar["sha256"] == rec["sha256"]
    with open(out / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["job_id"] for r in rows) == sorted(jobs)
    assert {r["state"] for r in rows} == {"completed"}


def test_quick_start_example_with_simulate(tmp_path, capsys):
    out = tmp_path / "out"
    code = run_cli("run", str(EXAMPLES / "example.yaml"), "--simulate", "--out", str(out))
    assert code == 0
    assert_all_completed(out, 6)
    printed = capsys.readouterr().out
    assert "6 jobs: 6 completed" in printed
    assert not list((out / ".partial").iterdir())


@pytest.mark.parametrize("name", ["example.yaml", "example.csv", "example.jsonl"])
def test_every_manifest_format_and_a_rerun_submits_nothing(sim, tmp_path, monkeypatch, name):
    server = sim()
    out = tmp_path / "out"
    assert run_batch(EXAMPLES / name, out, server, monkeypatch=monkeypatch) == 0
    jobs = ledger_of(out)
    assert_all_completed(out, len(jobs))
    assert {rec["model"] for rec in jobs.values()} == {"kling-text2video", "kling-1.6-text2video"}
    submitted = len(server.state.submissions)
    assert submitted == len(jobs)
    assert server.state.duplicate_submissions() == 0
    requests = sum(server.state.counters.values())

    assert run_batch(EXAMPLES / name, out, server, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == submitted
    assert sum(server.state.counters.values()) == requests  # not even a poll
    assert_all_completed(out, len(jobs))


def test_failed_jobs_exit_1_with_the_server_error_everywhere(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    server.state.script("policy")
    manifest = write(
        tmp_path / "m.yaml",
        "model: kling-1.6-text2video\njobs:\n  - id: only\n    prompt: something the filter dislikes\n",
    )
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    rec = ledger_of(out)["only"]
    assert rec["state"] == "failed"
    assert rec["error"]["http"] == 422 and "content_policy_violation" in rec["error"]["detail"]
    assert "content_policy_violation" in capsys.readouterr().out
    assert "content_policy_violation" in (out / "results.csv").read_text()
    assert not list((out / "videos").glob("*.mp4"))
    assert server.state.total_charged() == 0
    # A re-run does not submit a failed job again unless asked to.
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    assert len(server.state.submissions) == 1
    assert run_batch(manifest, out, server, "--retry-failed", monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 2


def test_invalid_manifest_exits_2_and_submits_nothing(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    manifest = write(
        tmp_path / "bad.csv",
        "id,model,prompt,mode,duration,cfg_scale\n"
        "a,kling-1.6-text2video,fine,pro,5,0.5\n"
        "b,kling-text2video,fine,std,7,0.5\n"
        "c,kling-text2video,,std,5,2\n",
    )
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "bad.csv:2: field 'mode'" in err and "pro mode is not offered" in err
    assert "bad.csv:3: field 'duration'" in err
    assert "bad.csv:4: field 'prompt'" in err and "bad.csv:4: field 'cfg_scale'" in err
    assert "Traceback" not in err
    assert sum(server.state.counters.values()) == 0
    assert not (tmp_path / "out").exists()


def test_validate_and_dry_run_submit_nothing(tmp_path, capsys):
    assert run_cli("validate", str(EXAMPLES / "example.yaml")) == 0
    printed = capsys.readouterr().out
    assert "6 valid jobs" in printed and "estimated spend: $3.78" in printed
    assert run_cli("run", str(EXAMPLES / "example.csv"), "--dry-run", "--out", str(tmp_path / "o")) == 0
    assert "3 valid jobs" in capsys.readouterr().out
    assert not (tmp_path / "o").exists()
    bad = write(tmp_path / "bad.yaml", "model: kling-text2video\njobs:\n  - prompt: x\n    colour: red\n")
    assert run_cli("validate", str(bad)) == 2
    assert "bad.yaml:4: field 'colour': unknown parameter" in capsys.readouterr().err


def test_status_reads_the_ledger_alone(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    server.state.script("fail")
    out = tmp_path / "out"
    assert run_batch(EXAMPLES / "example.jsonl", out, server, monkeypatch=monkeypatch) == 1
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["jobs"] == 3 and status["states"] == {"completed": 2, "failed": 1}
    assert status["finished"] is False
    assert status["failures"][0]["count"] == 1 and "Provider error" in status["failures"][0]["reason"]
    assert status["spend_usd"] > 0
    assert run_cli("status", str(out)) == 0
    assert "2 completed, 1 failed" in capsys.readouterr().out
    assert run_cli("status", str(tmp_path / "nowhere")) == 2


def test_missing_key_is_a_usage_error_naming_the_variable(tmp_path, capsys):
    assert run_cli("run", str(EXAMPLES / "example.yaml"), "--out", str(tmp_path / "o")) == 2
    assert "SEGMIND_API_KEY" in capsys.readouterr().err


def test_auth_failure_exits_4_before_submitting(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    monkeypatch.setenv("SEGMIND_API_KEY", "SG_ffffffffffffffff")
    code = run_cli("run", str(EXAMPLES / "example.yaml"), "--out", str(tmp_path / "o"), "--base-url", server.url)
    assert code == 4
    err = capsys.readouterr().err
    assert "SEGMIND_API_KEY" in err and "SG_ffffffffffffffff" not in err
    assert server.state.submissions == []
