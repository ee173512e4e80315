"""When the API cannot be reached, the run stops within a bound (exit 6), its ledger consistent and resumable;
a video that cannot be fetched again becomes 'lost', which --resubmit-lost acts on."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from batchgen.store.ledger import read_ledger
from tests.helpers import (
    KEY,
    assert_transitions_are_legal,
    many_jobs_yaml,
    run_batch,
    run_cli,
    write,
)


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound but never listening, and held for the test.
    A port closed before use could be taken meanwhile, even as the client's own source port (a TCP
    self-connect then answers the client with its own request), which makes the submit ambiguous."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def test_an_unreachable_api_stops_the_run_with_exit_6_and_it_resumes(sim, tmp_path, monkeypatch, capsys, refused_port):
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    config = write(tmp_path / "c.yaml", "api:\n  unreachable_after_s: 60\n")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(60))
    out = tmp_path / "out"
    dead = f"http://127.0.0.1:{refused_port}"
    code = run_cli("run", str(manifest), "--out", str(out), "--base-url", dead, "--config", str(config),
                   "--time-scale", "1000", "--quiet")  # fmt: skip
    assert code == 6
    captured = capsys.readouterr()
    assert "the API could not be reached for" in captured.err and "api.unreachable_after_s is 60" in captured.err
    assert "could not connect" in captured.err  # the Error: line names what happened
    assert "To resume: batchgen run" in captured.out
    jobs = read_ledger(out / "ledger.jsonl").jobs
    # Every attempt was refused before a byte was sent, so no submit can be ambiguous. (If anything had
    # answered on the port, say another process's server on a port given back too early, submits would
    # rightly be left 'submitting': the errors say which.)
    errors = [rec["error"]["detail"] for rec in jobs.values() if rec.get("error")]
    assert all("could not connect" in error for error in errors), errors
    # Nothing was created, so nothing is left 'submitting' to settle; every job is where a re-run picks it up.
    assert {rec["state"] for rec in jobs.values()} <= {"pending", "deferred"}
    assert len(jobs) < 60  # it stopped early: most jobs were never even tried
    assert_transitions_are_legal(out)

    server = sim()  # the API is back, at a new address
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert server.state.duplicate_submissions() == 0


def test_a_video_that_cannot_be_fetched_again_is_lost_and_resubmit_lost_makes_it_again(
    sim, tmp_path, monkeypatch, capsys
):
    server = sim()
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    first_spend = server.state.total_charged()
    (out / "videos" / "job-000.mp4").unlink()
    server.state.config.output_ttl_s = 0.0  # the output link is gone...
    server.state.config.expiry_s = 0.0  # ...and so is the request's record
    capsys.readouterr()

    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    printed = capsys.readouterr().out
    rec = read_ledger(out / "ledger.jsonl").jobs["job-000"]
    assert rec["state"] == "expired" and rec["event"] == "lost"
    assert "cannot be recovered" in rec["error"]["detail"] and "--resubmit-lost" in rec["error"]["detail"]
    assert "1 job lost or expired" in printed and "--resubmit-lost makes it again (paid again)" in printed
    assert f"spend ${first_spend:.2f} in this folder" in printed  # the lost video was paid for
    assert run_cli("status", str(out), "--json") == 0
    assert json.loads(capsys.readouterr().out)["spend_usd"] == pytest.approx(first_spend)
    # A plain re-run is a clear no-op for it, not an endless 'downloading'.
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    assert read_ledger(out / "ledger.jsonl").jobs["job-000"]["state"] == "expired"

    server.state.config.output_ttl_s = 7 * 86400.0
    server.state.config.expiry_s = 3600.0
    capsys.readouterr()
    assert run_batch(manifest, out, server, "--resubmit-lost", monkeypatch=monkeypatch) == 0
    printed = capsys.readouterr().out
    assert (out / "videos" / "job-000.mp4").exists()
    total = server.state.total_charged()
    assert total > first_spend
    assert f"spend ${total:.2f} in this folder" in printed
    assert run_cli("status", str(out), "--json") == 0
    assert json.loads(capsys.readouterr().out)["spend_usd"] == pytest.approx(total)
    assert_transitions_are_legal(out)
