"""What users read and what they may give: the index, ``status``, input refused before anything is paid.

Each test states one promise and checks it through the CLI and the files it
writes (``index.parquet``, ``status --json``), or the simulator's counters
(nothing sent for bad input).
"""

from __future__ import annotations

import json

import pytest

from batchgen.store.ledger import read_ledger
from tests.helpers import (
    KEY,
    many_jobs_yaml,
    run_batch,
    run_cli,
    write,
)

# --------------------------------------------------------------------------- the index


def test_the_index_holds_what_each_job_asked_for_and_defaults_only_where_it_asked_nothing(sim, tmp_path, monkeypatch):
    pq = pytest.importorskip("pyarrow.parquet")
    server = sim(seed=41)
    manifest = write(
        tmp_path / "m.yaml",
        "model: kling-text2video\njobs:\n"
        '  - id: asked\n    prompt: "a lighthouse at dusk"\n    duration: 10\n    aspect_ratio: "9:16"\n'
        '    cfg_scale: 0.8\n    negative_prompt: "no people"\n'
        '  - id: plain\n    prompt: "a quiet harbour"\n',
    )
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    rows = {row["job_id"]: row for row in pq.read_table(out / "index.parquet").to_pylist()}
    asked, plain = rows["asked"], rows["plain"]
    assert (asked["duration"], asked["aspect_ratio"], asked["cfg_scale"]) == (10, "9:16", pytest.approx(0.8))
    assert asked["negative_prompt"] == "no people" and asked["prompt"] == "a lighthouse at dusk"
    # What was sent, as the sidecar and the ledger say, agrees with the columns.
    sidecar = json.loads((out / "videos" / "asked.json").read_text())
    assert str(sidecar["parameters"]["duration"]) == "10"
    assert json.loads(asked["params_json"])["duration"] in (10, "10")
    # A job that asked nothing gets the model's documented defaults (5 s, 16:9), not an empty cell.
    assert (plain["duration"], plain["aspect_ratio"]) == (5, "16:9")
    assert plain["state"] == asked["state"] == "completed"
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert rows["asked"]["sha256"] == jobs["asked"]["sha256"]


# --------------------------------------------------------------------------- status across shards


@pytest.mark.parametrize("torn", ["0-of-2", "1-of-2"])
def test_status_reports_a_torn_ledger_tail_in_any_one_shard(sim, tmp_path, monkeypatch, capsys, torn):
    server = sim(seed=42)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    for shard in ("0/2", "1/2"):
        assert run_batch(manifest, out, server, "--shard", shard, monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    clean = json.loads(capsys.readouterr().out)
    assert clean["torn_tail"] is False and clean["jobs"] == 6
    with (out / "shards" / torn / "ledger.jsonl").open("ab") as fh:
        fh.write(b'{"v": 1, "ts": "2026-11-21T12:00:00Z", "job_id": "job-0')  # a crash mid-write
    assert run_cli("status", str(out), "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["torn_tail"] is True
    assert summary["jobs"] == 6 and summary["states"] == {"completed": 6}  # the torn line changes no job


# --------------------------------------------------------------------------- input refused before paying


@pytest.mark.parametrize("prompt", ['"   "', '"\\t \\n"', '""', '"\\u00a0\\u2003"'])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_prompt_of_only_white_space_is_refused_and_nothing_is_sent(
    sim, tmp_path, monkeypatch, capsys, prompt, command
):
    server = sim(seed=43)
    manifest = write(
        tmp_path / "m.yaml",
        f'model: kling-text2video\njobs:\n  - id: fine\n    prompt: "a cat"\n  - id: blank\n    prompt: {prompt}\n',
    )
    if command == "validate":
        code = run_cli("validate", str(manifest))
    else:
        code = run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "prompt" in err and "m.yaml" in err
    assert server.state.counters["/v2/{slug}"] == 0 and not server.state.submissions


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_blank_prompt_is_refused_in_every_manifest_format(tmp_path, capsys, fmt):
    if fmt == "csv":
        rows = "id,model,prompt\nfine,kling-text2video,a cat\nblank,kling-text2video,   \n"
        manifest = write(tmp_path / "m.csv", rows)
    else:
        manifest = write(
            tmp_path / "m.jsonl",
            '{"id": "fine", "model": "kling-text2video", "prompt": "a cat"}\n'
            '{"id": "blank", "model": "kling-text2video", "prompt": "  "}\n',
        )
    assert run_cli("validate", str(manifest)) == 2
    err = capsys.readouterr().err
    assert "prompt" in err and f"m.{fmt}" in err


# --------------------------------------------------------------------------- the key only over TLS


@pytest.mark.parametrize(
    "url",
    [
        "http://192.168.1.20:8000",
        "http://10.0.0.5",
        "http://172.16.4.4",
        "http://100.64.0.1",
        "http://169.254.169.254",
        "http://[fd00::1]:8080",
        "http://[::ffff:192.168.1.1]",
        "http://api.segmind.com",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
    ],
)
def test_plain_http_is_refused_for_any_host_that_is_not_this_machine(sim, tmp_path, monkeypatch, capsys, url):
    """The key travels in a header: over plain http:// only to this machine (loopback), never across a LAN."""
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    code = run_cli("run", str(manifest), "--out", str(tmp_path / "out"), "--base-url", url, "--quiet")
    err = capsys.readouterr().err
    assert code == 2, err
    assert "http" in err and KEY not in err
    config = write(tmp_path / "c.yaml", f"api:\n  history_url: {url}/history\n")
    code = run_cli("run", str(manifest), "--out", str(tmp_path / "out2"), "--config", str(config), "--quiet")
    assert code == 2, capsys.readouterr().err


def test_plain_http_to_loopback_is_allowed(sim, tmp_path, monkeypatch):
    server = sim(seed=44)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 0


# --------------------------------------------------------------------------- the results table


def test_a_results_table_that_cannot_be_written_is_told_and_the_paid_videos_and_exit_code_stand(
    sim, tmp_path, monkeypatch, capsys
):
    # results.csv is rewritten from the ledger at the end: when it cannot be (here a folder stands in its
    # place), the run still ends with its own code, every video in place, and says what to do.
    server = sim(seed=43)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    (out / "results.csv").mkdir(parents=True)
    (out / "results.csv" / "keep").write_text("x")
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    err = capsys.readouterr().err
    assert f"could not write {out / 'results.csv'}" in err and "the ledger is intact" in err
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert {job_id: rec["state"] for job_id, rec in jobs.items()} == {"job-000": "completed", "job-001": "completed"}
    assert sorted(p.name for p in (out / "videos").glob("*.mp4")) == ["job-000.mp4", "job-001.mp4"]


def test_a_download_cut_short_again_and_again_is_tried_until_the_video_is_whole(sim, tmp_path, monkeypatch):
    # A connection that drops mid-download is worth another try at once, not a failure left for the next run.
    server = sim(seed=44)
    server.state.script("truncate", count=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    job = read_ledger(out / "ledger.jsonl").jobs["job-000"]
    assert job["state"] == "completed"
    assert (out / "videos" / "job-000.mp4").stat().st_size == job["file_size"]
