"""A job is its id and what it asks for: changed rows stop the run (exit 2) or are made anew, never ignored."""

from __future__ import annotations

import hashlib
import json
import signal
from pathlib import Path

import pytest

from batchgen.engine.identity import fingerprint
from batchgen.manifest import load_manifest
from batchgen.store.ledger import read_ledger
from tests.helpers import (
    assert_transitions_are_legal,
    interrupt,
    ledger_events,
    run_batch,
    run_cli,
    write,
)

REPO = Path(__file__).resolve().parents[2]

ABC = """model: kling-text2video
jobs:
  - id: a
    prompt: "{a}"
  - id: b
    prompt: "a blue boat"
  - id: c
    prompt: "a green field"
"""


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecar(out: Path, job_id: str) -> dict:
    return json.loads((out / "videos" / f"{job_id}.json").read_text())


def test_a_changed_prompt_stops_the_run_then_replace_changed_makes_it_anew(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    out = tmp_path / "out"
    assert run_batch(write(tmp_path / "m.yaml", ABC.format(a="red apple")), out, server, monkeypatch=monkeypatch) == 0
    red = sha(out / "videos" / "a.mp4")
    sent = len(server.state.submissions)
    capsys.readouterr()

    changed = write(tmp_path / "m.yaml", ABC.format(a="golden pear"))
    assert run_batch(changed, out, server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "a (" in err and "m.yaml:3): prompt differs" in err and "--replace-changed" in err
    assert " b (" not in err and " c (" not in err
    assert len(server.state.submissions) == sent  # nothing sent
    assert sha(out / "videos" / "a.mp4") == red

    assert run_batch(changed, out, server, "--replace-changed", monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == sent + 1  # only a, once
    assert server.state.submissions[-1][2]["prompt"] == "golden pear"
    assert sidecar(out, "a")["parameters"]["prompt"] == "golden pear"
    assert sha(out / "videos" / "replaced" / "a.1.mp4") == red  # the earlier video, kept aside
    assert json.loads((out / "videos" / "replaced" / "a.1.json").read_text())["parameters"]["prompt"] == "red apple"
    replaced = [e for e in ledger_events(out) if e["event"] == "replaced"]
    assert [(e["job_id"], e["previous"]["changed"], e["previous"]["state"]) for e in replaced] == [
        ("a", ["prompt"], "completed")
    ]
    assert_transitions_are_legal(out)
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert {rec["state"] for rec in jobs.values()} == {"completed"}
    assert jobs["a"]["fingerprint"] == fingerprint("kling-text2video", {"prompt": "golden pear"})
    # Spend agrees everywhere: the server's charges, the run's summary and status.
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["spend_usd"] == pytest.approx(server.state.total_charged())
    # The same manifest again: nothing changed, nothing sent.
    assert run_batch(changed, out, server, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == sent + 1


def test_replace_changed_refuses_a_row_whose_earlier_request_is_still_in_flight(sim, tmp_path, monkeypatch, capsys):
    # Its first video may yet arrive, paid: setting the job aside and sending the new row would pay twice for
    # the id and leave the first video to nothing.  The run is refused (exit 2) and nothing is sent.
    server = sim(time_scale=20, seed=7)
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", ABC.format(a="red apple"))
    code, _, stderr = interrupt(manifest, out, server, signal.SIGINT, after_submitted=3, concurrency=3)
    assert code == 130, stderr
    assert read_ledger(out / "ledger.jsonl").jobs["a"]["state"] == "submitted"
    sent = len(server.state.submissions)
    changed = write(tmp_path / "m.yaml", ABC.format(a="golden pear"))
    assert run_batch(changed, out, server, "--replace-changed", monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "still in flight" in err and "a (" in err
    assert len(server.state.submissions) == sent
    assert read_ledger(out / "ledger.jsonl").jobs["a"]["state"] == "submitted"


def test_a_model_fixed_after_a_failure_is_a_changed_job(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    out = tmp_path / "out"
    config = write(tmp_path / "c.yaml", "models:\n  passthrough: [kling-txt2video]\n")
    typo = write(tmp_path / "m.jsonl", '{"id": "x", "model": "kling-txt2video", "prompt": "a red kite"}\n')
    assert run_batch(typo, out, server, "--config", str(config), monkeypatch=monkeypatch) == 1
    assert read_ledger(out / "ledger.jsonl").jobs["x"]["state"] == "failed"
    sent = len(server.state.submissions)
    capsys.readouterr()

    fixed = write(tmp_path / "m.jsonl", '{"id": "x", "model": "kling-text2video", "prompt": "a red kite"}\n')
    assert run_batch(fixed, out, server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "x (" in err and "model differs" in err and "(now failed)" in err
    assert len(server.state.submissions) == sent
    assert run_batch(fixed, out, server, "--replace-changed", monkeypatch=monkeypatch) == 0
    assert read_ledger(out / "ledger.jsonl").jobs["x"]["state"] == "completed"
    assert not (out / "videos" / "replaced").exists()  # a failed job left no video to keep aside
    assert_transitions_are_legal(out)


LONG_A = "a very long prompt that starts the same way and then talks about a cat"
LONG_B = "a very long prompt that starts the same way and then talks about a dog"
MATRIX = """model: kling-text2video
matrix:
  name: pets
  prompt: ["{0}", "{1}"]
"""


def test_swapped_colliding_matrix_rows_keep_their_ids_and_videos(sim, tmp_path, monkeypatch):
    server = sim()
    out = tmp_path / "out"
    first = write(tmp_path / "m.yaml", MATRIX.format(LONG_A, LONG_B))
    ids = {job.id: job.params["prompt"] for job in load_manifest(first).jobs}
    assert len(ids) == 2 and all(len(i.split("-")[-1]) == 6 for i in ids)  # both suffixed from their content
    assert run_batch(first, out, server, monkeypatch=monkeypatch) == 0
    sent = len(server.state.submissions)

    swapped = write(tmp_path / "m.yaml", MATRIX.format(LONG_B, LONG_A))
    assert {job.id: job.params["prompt"] for job in load_manifest(swapped).jobs} == ids
    assert run_batch(swapped, out, server, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == sent  # nothing paid again
    for job_id, prompt in ids.items():
        assert sidecar(out, job_id)["parameters"]["prompt"] == prompt


def test_swapped_rows_with_given_ids_are_both_named(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    out = tmp_path / "out"
    rows = 'model: kling-text2video\njobs:\n  - id: one\n    prompt: "{0}"\n  - id: two\n    prompt: "{1}"\n'
    assert run_batch(write(tmp_path / "m.yaml", rows.format("cat", "dog")), out, server, monkeypatch=monkeypatch) == 0
    sent = len(server.state.submissions)
    capsys.readouterr()
    assert run_batch(write(tmp_path / "m.yaml", rows.format("dog", "cat")), out, server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "2 jobs in the manifest" in err and "one (" in err and "two (" in err and err.count("prompt differs") == 2
    assert len(server.state.submissions) == sent


def test_the_csv_example_into_the_yaml_examples_folder(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    out = tmp_path / "out"
    assert run_batch(REPO / "jobs" / "example.yaml", out, server, monkeypatch=monkeypatch) == 0
    sent = len(server.state.submissions)
    landscape = sha(out / "videos" / "shih-tzu-grass.mp4")
    capsys.readouterr()

    assert run_batch(REPO / "jobs" / "example.csv", out, server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    # collie-vr differs only by writing out the default mode: the same job
    assert "1 job in the manifest" in err and "shih-tzu-grass (" in err and "aspect_ratio differs" in err
    assert len(server.state.submissions) == sent

    assert run_batch(REPO / "jobs" / "example.csv", out, server, "--replace-changed", monkeypatch=monkeypatch) == 0
    assert sidecar(out, "shih-tzu-grass")["parameters"]["aspect_ratio"] == "9:16"
    assert sha(out / "videos" / "replaced" / "shih-tzu-grass.1.mp4") == landscape
    assert len(server.state.submissions) == sent + 2  # shih-tzu-grass anew, foggy-harbour new
    assert_transitions_are_legal(out)


def test_dry_run_and_validate_count_changed_jobs(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    out = tmp_path / "out"
    assert run_batch(write(tmp_path / "m.yaml", ABC.format(a="red apple")), out, server, monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    changed = write(tmp_path / "m.yaml", ABC.format(a="golden pear"))
    assert run_cli("run", str(changed), "--out", str(out), "--dry-run") == 2  # as the run would: it stops
    captured = capsys.readouterr()
    assert "1 job(s) differ from what their ids were sent as" in captured.out and "--replace-changed" in captured.err
    assert run_cli("run", str(changed), "--out", str(out), "--dry-run", "--replace-changed") == 0
    assert run_cli("validate", str(changed), "--out", str(out)) == 2  # as 'run' would: the row changed
    captured = capsys.readouterr()
    assert "1 job(s) differ" in captured.out and "--replace-changed" in captured.err


def test_a_fingerprint_fills_defaults_and_sees_every_change():
    plain = fingerprint("kling-text2video", {"prompt": "p"})
    assert plain == fingerprint("kling-text2video", {"prompt": "p", "mode": "std", "duration": 5})
    assert plain != fingerprint("kling-text2video", {"prompt": "p", "mode": "pro"})
    assert plain != fingerprint("kling-1.6-text2video", {"prompt": "p"})
    assert plain != fingerprint("kling-text2video", {"prompt": "p "})


def test_replay_carries_nothing_of_an_earlier_attempt_across_a_new_start(tmp_path):
    lines: list[dict[str, object]] = [
        {"job_id": "a", "event": "submitting", "state": "submitting", "params": {"prompt": "x"}},
        {"job_id": "a", "event": "submitted", "state": "submitted", "request_id": "r1"},
        {"job_id": "a", "event": "completed", "state": "completed", "cost": 0.28, "file": "videos/a.mp4"},
        {"job_id": "a", "event": "replaced", "state": "pending", "paid_before": 0.28},
        {"job_id": "b", "event": "submitted", "state": "submitted", "request_id": "r2", "params": {"prompt": "y"}},
        {"job_id": "b", "event": "result", "state": "downloading", "cost": 0.28},
        {"job_id": "b", "event": "lost", "state": "expired"},
        {"job_id": "b", "event": "submitting", "state": "submitting", "paid_before": 0.28, "params": {"prompt": "y"}},
    ]
    path = tmp_path / "ledger.jsonl"
    path.write_text("".join(json.dumps({"v": 1, "ts": "2026-11-21T12:00:00.000Z", **e}) + "\n" for e in lines))
    jobs = read_ledger(path).jobs
    assert "request_id" not in jobs["a"] and "cost" not in jobs["a"] and jobs["a"]["paid_before"] == 0.28
    assert jobs["b"]["state"] == "submitting" and "request_id" not in jobs["b"] and "cost" not in jobs["b"]
    assert jobs["b"]["paid_before"] == 0.28
