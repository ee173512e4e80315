"""Hostile server responses, secrets, and paths: bounded, contained, never leaked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from batchgen.store.ledger import read_ledger
from batchgen.store.mp4 import mp4_problem
from tests.helpers import (
    many_jobs_yaml,
    run_batch,
    write,
)

LIMITS = """retry:
  max_attempts: 2
  backoff_initial_s: 1
  backoff_max_s: 2
output:
  max_download_bytes: 1048576
  download_timeout_s: 1
"""

HOSTILE = [
    ("lying_size", "file_size says"),
    ("lying_length", "download"),
    ("endless", "exceeds 1048576 bytes"),
    ("drip", "download"),
    ("not_mp4", "is not a valid MP4"),  # right size everywhere, no MP4 inside
]


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("kind", "reason"), HOSTILE)
def test_a_hostile_response_fails_that_job_only(sim, tmp_path, monkeypatch, kind, reason):
    # a lying file_size is in the result's body, which a history row that links the video stands in for
    server = sim(output_host="127.0.0.2", history="off" if kind == "lying_size" else "on")
    server.state.script("hostile", kind=kind)  # the first job submitted
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    config = write(tmp_path / "c.yaml", LIMITS)
    before = files_under(tmp_path)
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--config", str(config), "--concurrency", "1", monkeypatch=monkeypatch)
    assert code == 1
    jobs = read_ledger(out / "ledger.jsonl").jobs
    bad = jobs["job-000"]
    assert bad["state"] in ("failed", "downloading")
    detail = bad["error"]["detail"] if isinstance(bad["error"], dict) else str(bad["error"])
    assert reason in detail, detail
    assert jobs["job-001"]["state"] == jobs["job-002"]["state"] == "completed"
    assert server.state.key_leaks == 0
    for video in (out / "videos").glob("*.mp4"):
        assert mp4_problem(video) is None
    assert not list((out / ".partial").iterdir())
    assert {p for p in files_under(tmp_path) - before if out not in p.parents} == set()


@pytest.mark.parametrize("kind", ["non_json", "redirect_api", "no_output", "huge", "bad_scheme"])
def test_an_answer_not_about_the_job_never_fails_it_the_history_brings_its_video(sim, tmp_path, monkeypatch, kind):
    """A proxy's page, a redirect to another host, COMPLETED without a usable link, an oversized
    answer: the job was made and paid, so its video comes from the request history's row instead of
    a failure (a job is failed only when the API says it failed)."""
    server = sim(output_host="127.0.0.2")
    server.state.script("hostile", kind=kind)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    config = write(tmp_path / "c.yaml", LIMITS)
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--config", str(config), "--concurrency", "1", monkeypatch=monkeypatch)
    assert code == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert server.state.key_leaks == 0 and server.state.duplicate_submissions() == 0


def test_an_output_redirected_to_another_host_is_fetched_without_the_key(sim, tmp_path, monkeypatch):
    """The result's link redirects to the output host: it is followed, and the key goes with neither hop.
    The history is off: a history row links the video directly, and a sweep that reads it first would
    fetch the video without asking for the result."""
    server = sim(output_host="127.0.0.2", history="off")
    server.state.script("hostile", kind="redirect_output")
    out = tmp_path / "out"
    assert run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(2)), out, server, monkeypatch=monkeypatch) == 0
    assert server.state.counters["/r/{fid}"] == 1
    assert server.state.key_leaks == 0


def test_the_key_appears_nowhere(sim, tmp_path):
    key = "SG_5ecre7c0ffee5eed"
    server = sim(output_host="127.0.0.2", api_keys=frozenset({key}))
    server.state.script("hostile", kind="echo_key")  # a server that quotes the key back in an error
    server.state.script("policy")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(5))
    out = tmp_path / "out"
    log_file = tmp_path / "run.log"
    done = subprocess.run(
        [sys.executable, "-m", "batchgen", "run", str(manifest), "--out", str(out), "--base-url", server.url,
         "--time-scale", "2000", "--debug", "--log-file", str(log_file), "--concurrency", "1"],
        env={**os.environ, "SEGMIND_API_KEY": key}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "moderation failed for key [REDACTED]" in (out / "ledger.jsonl").read_text()
    assert key not in done.stdout and key not in done.stderr
    for path in [log_file, *files_under(out)]:
        assert key.encode() not in path.read_bytes(), path
    assert server.state.key_leaks == 0
    assert server.state.counters["/generations/{fid}.mp4"] >= 3


def test_file_names_stay_in_the_output_folder(sim, tmp_path, monkeypatch):
    server = sim()
    config = write(tmp_path / "c.yaml", 'output:\n  filename: "{model}--{id}.mp4"\n')
    manifest = write(
        tmp_path / "m.yaml",
        "model: kling-1.6-text2video\njobs:\n  - id: ..dots\n    prompt: a\n  - id: x.mp4\n    prompt: b\n",
    )
    before = files_under(tmp_path)
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--config", str(config), monkeypatch=monkeypatch) == 2  # '..dots'
    manifest = write(
        tmp_path / "m.yaml",
        "model: kling-1.6-text2video\njobs:\n  - id: a..b\n    prompt: a\n  - id: x.mp4\n    prompt: b\n",
    )
    assert run_batch(manifest, out, server, "--config", str(config), monkeypatch=monkeypatch) == 0
    names = sorted(p.name for p in (out / "videos").glob("*.mp4"))
    assert names == ["kling-1.6-text2video--a..b.mp4", "kling-1.6-text2video--x.mp4.mp4"]
    assert {p for p in files_under(tmp_path) - before if out not in p.parents} == {manifest} - before


@pytest.mark.parametrize("link", ["videos", ".partial", "ledger.jsonl", "results.csv"])
def test_links_out_of_the_output_folder_are_refused(sim, tmp_path, monkeypatch, capsys, link):
    server = sim()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    target = elsewhere if link in ("videos", ".partial") else elsewhere / "file"
    (out / link).symlink_to(target)
    assert run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(1)), out, server, monkeypatch=monkeypatch) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []
    assert server.state.submissions == []


def test_a_video_served_with_a_wrong_content_type_is_kept_once_its_bytes_check_out(sim, tmp_path, monkeypatch):
    """The header does not make a video: one served as text/html whose bytes are the MP4 the API sized is paid
    for and kept, verified like any other (size, MP4 structure, sha256)."""
    server = sim(output_host="127.0.0.2")
    server.state.script("hostile", kind="wrong_content_type")
    out = tmp_path / "out"
    assert run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(2)), out, server, monkeypatch=monkeypatch) == 0
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert {rec["state"] for rec in jobs.values()} == {"completed"}
    assert mp4_problem(out / jobs["job-000"]["file"]) is None and server.state.duplicate_submissions() == 0
