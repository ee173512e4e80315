"""From cron: with stdout and stderr thrown away, the log file alone tells how the run ended."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import (
    KEY,
    many_jobs_yaml,
    write,
)


def cron_run(manifest: Path, out: Path, log: Path, *extra: str, key: str | None = KEY) -> int:
    """The README's cron line: JSON logs to a file, stdout and stderr to /dev/null."""
    env = {k: v for k, v in os.environ.items() if k != "SEGMIND_API_KEY"}
    if key is not None:
        env["SEGMIND_API_KEY"] = key
    argv = [sys.executable, "-m", "batchgen", "run", str(manifest), "--out", str(out),
            "--log-format", "json", "--log-file", str(log), *extra]  # fmt: skip
    return subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60).returncode


def log_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_a_cron_run_leaves_its_summary_and_exit_code_in_the_log_file(sim, tmp_path):
    server = sim()
    server.state.script("fail")
    log = tmp_path / "batchgen.log"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    scale = ["--base-url", server.url, "--time-scale", str(server.config.time_scale), "--concurrency", "1"]
    assert cron_run(manifest, tmp_path / "out", log, *scale) == 1
    last = log_lines(log)[-1]
    assert last["event"] == "outcome" and last["command"] == "run" and last["exit_code"] == 1
    assert last["level"] == "error"  # a run that did not finish cleanly is an error in the log
    assert last["states"] == {"completed": 2, "failed": 1} and last["jobs"] == 3
    assert abs(last["spend_usd"] - server.state.total_charged()) < 1e-9
    assert "3 jobs: 2 completed, 1 failed" in last["message"] and "--retry-failed" in last["message"]
    assert KEY not in log.read_text()

    log.unlink()
    assert cron_run(manifest, tmp_path / "out", log, "--retry-failed") == 0  # options kept: same server
    last = log_lines(log)[-1]
    assert last["exit_code"] == 0 and last["states"] == {"completed": 3} and last["level"] == "info"

    # Another manifest into the same folder: the spend is the folder's, as the summary and 'status' say.
    log.unlink()
    other = write(tmp_path / "other.yaml", many_jobs_yaml(1, prefix="other"))
    assert cron_run(other, tmp_path / "out", log) == 0
    last = log_lines(log)[-1]
    assert last["states"] == {"completed": 1} and abs(last["spend_usd"] - server.state.total_charged()) < 1e-9
    assert f"spend ${server.state.total_charged():.2f} in this folder" in last["message"]


def test_a_cron_run_that_cannot_start_says_why_in_the_log_file(sim, tmp_path):
    server = sim()
    log = tmp_path / "batchgen.log"
    bad = write(tmp_path / "bad.yaml", "model: kling-text2video\njobs:\n  - prompt: x\n    duration: 7\n")
    assert cron_run(bad, tmp_path / "out", log, "--base-url", server.url) == 2
    lines = log_lines(log)
    assert any(e["level"] == "error" and "bad.yaml:4: field 'duration'" in e["message"] for e in lines)
    assert lines[-1]["event"] == "outcome" and lines[-1]["exit_code"] == 2

    log.unlink()
    good = write(tmp_path / "good.yaml", many_jobs_yaml(1))
    assert cron_run(good, tmp_path / "out2", log, "--base-url", server.url, key="SG_wrong") == 4
    lines = log_lines(log)
    assert any(e["level"] == "error" and e["message"].startswith("Error: ") for e in lines)
    assert lines[-1]["exit_code"] == 4 and "SG_wrong" not in log.read_text()

    log.unlink()
    assert cron_run(good, tmp_path / "out3", log, key=None) == 2
    assert "no API key" in log_lines(log)[-2]["message"] and log_lines(log)[-1]["exit_code"] == 2


def test_a_quiet_run_logs_its_summary_and_errors_alone(sim, tmp_path):
    """--quiet: the summary (the outcome line) and errors, no progress nor the run's other news."""
    server = sim()
    server.state.script("fail")
    log = tmp_path / "batchgen.log"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    scale = ["--base-url", server.url, "--time-scale", str(server.config.time_scale), "--concurrency", "1"]
    assert cron_run(manifest, tmp_path / "out", log, *scale, "--quiet", "--progress-every", "0.001") == 1
    lines = log_lines(log)
    assert lines[-1]["event"] == "outcome" and lines[-1]["exit_code"] == 1
    assert {line["level"] for line in lines} == {"info", "warning", "error"}  # the failure as it came, the summary
    summary = [line["message"] for line in lines[:-1] if line["level"] == "info"]
    assert summary[0] == "3 jobs: 2 completed, 1 failed"
    assert all(text in lines[-1]["message"] for text in summary)  # the summary's lines alone: no progress


def test_a_quiet_json_run_that_succeeds_still_gives_its_summary_and_outcome_as_records(sim, tmp_path):
    """--quiet leaves "only the summary and errors": under JSON the summary is records on stderr and in the
    log file, and the log file ends with the outcome object, though the run ended well (level info)."""
    server = sim()
    log = tmp_path / "batchgen.log"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    argv = [sys.executable, "-m", "batchgen", "run", str(manifest), "--out", str(tmp_path / "out"),
            "--base-url", server.url, "--time-scale", str(server.config.time_scale), "--quiet",
            "--log-format", "json", "--log-file", str(log), "--progress-every", "0.001"]  # fmt: skip
    env = {**os.environ, "SEGMIND_API_KEY": KEY}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    stderr = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    said = [record["message"] for record in stderr]
    assert said[0] == "2 jobs: 2 completed" and "  2 submitted now" in said
    assert any(line.startswith("  spend $") for line in said)
    assert not any(line.startswith("progress:") for line in said)  # quiet: no news
    assert json.loads(done.stdout)["event"] == "outcome"
    last = log_lines(log)[-1]
    assert last["event"] == "outcome" and last["exit_code"] == 0 and last["level"] == "info"
    assert last["states"] == {"completed": 2} and last["message"].startswith("2 jobs: 2 completed")
    assert [line["message"] for line in log_lines(log)[:-1]] == said


def test_a_debug_log_holds_every_job_event_and_not_the_report_drawings_font_look_ups(sim, tmp_path):
    server = sim()
    log = tmp_path / "batchgen.log"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    scale = ["--base-url", server.url, "--time-scale", str(server.config.time_scale), "--debug"]
    assert cron_run(manifest, tmp_path / "out", log, *scale) == 0
    lines = log_lines(log)
    assert (tmp_path / "out" / "report.html").exists()  # its charts were drawn
    events = [line["message"] for line in lines if line.get("logger", "").startswith("batchgen")]
    assert any(message.endswith(": completed") for message in events)
    assert [line["logger"] for line in lines if not line.get("logger", "").startswith(("batchgen", "aiohttp"))] == []
