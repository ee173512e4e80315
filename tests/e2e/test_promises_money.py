"""Never pay twice, never lose a paid video, never spend past the cap: through the CLI and the simulator.

Each test states one promise users rely on and checks it where a user would
see it broken: the simulator's submissions and charges (what was paid), the
ledger and the files (what was kept), the exit code.  They are written for the
promise, not for the line that keeps it today.
"""

from __future__ import annotations

import json

import pytest

from batchgen.simulator import polls
from batchgen.simulator.replies import _error
from batchgen.store.ledger import read_ledger
from tests.helpers import (
    KEY,
    assert_transitions_are_legal,
    ledger_events,
    many_jobs_yaml,
    run_batch,
    run_cli,
    write,
)

PRICE = 0.28  # kling-text2video, std, 5 s


def submit_answers(server, status: int) -> int:
    """How many submits the simulator answered with ``status``."""
    return sum(1 for _, route, code in server.state.log if route == "/v2/{slug}" and code == status)


def test_in_flight_jobs_another_key_left_submitting_are_refused_not_paid_again(sim, tmp_path, monkeypatch, capsys):
    """A job left ``submitting`` (its POST's outcome unknown) under key A is A's account's to settle: a run
    with key B of another account must send nothing, not settle it against B's history (where it is absent)
    and make it again."""
    other = "SG_fedcba9876543210"
    server = sim(seed=31, history_lag_s=100_000.0, key_accounts={other: "other"})
    server.state.script("submit_error_after")  # created and billable, the answer lost
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch)
    left = {job: rec["state"] for job, rec in read_ledger(out / "ledger.jsonl").jobs.items()}
    assert "submitting" in left.values(), left  # the history never caught up: unsettled
    before = len(server.state.submissions)
    capsys.readouterr()

    monkeypatch.setenv("SEGMIND_API_KEY", other)
    code = run_cli("run", str(manifest), "--out", str(out), "--base-url", server.url, "--quiet",
                   "--time-scale", str(server.config.time_scale))  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2, err
    assert "another API key" in err
    assert len(server.state.submissions) == before  # nothing sent with the other key
    assert server.state.duplicate_submissions() == 0
    assert other not in err and KEY not in err


def test_after_a_credit_stop_no_submit_is_sent(sim, tmp_path, monkeypatch):
    """The first 406 "insufficient credits" stops submitting: jobs waiting for their turn to be POSTed (the
    budget spaces submits here, so each waits) are deferred, not sent to collect one 406 each.

    Submits 10 s apart are 5 ms apart at the default time scale: a loaded machine may not have read the 406
    in that time, which no real run sees. At 200 they are 50 ms apart."""
    server = sim(seed=32, credits=2 * PRICE + 0.01, time_scale=200)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--concurrency", "6", "--rpm", "6", monkeypatch=monkeypatch)
    assert code == 3
    jobs = read_ledger(out / "ledger.jsonl").jobs
    states = [rec["state"] for rec in jobs.values()]
    assert states.count("completed") == 2 and states.count("deferred") == 8
    # the job answered 406 and those deferred after it are given one reason (the report groups them as one)
    assert len({str(rec["error"]) for rec in jobs.values() if rec["state"] == "deferred"}) == 1
    # Submits are 10 s apart (6 a minute): the 406 is answered long before the next would go.
    assert submit_answers(server, 406) == 1, server.state.log
    assert submit_answers(server, 200) == 2
    assert_transitions_are_legal(out)


@pytest.mark.parametrize("status", [402, 400])
def test_a_balance_refused_as_402_or_a_400_that_says_so_stops_submitting_like_a_406(sim, tmp_path, monkeypatch, status):
    """Out of credits is documented as 406. A server that says it with 402 Payment Required, or with a 400
    whose text says so, means the same: read as a bad request, every job left would be sent to collect one
    refusal each and end 'failed' (to be paid for again only with --retry-failed), and the run end 1, not 3."""
    server = sim(seed=32, credits=2 * PRICE + 0.01, credits_status=status)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 3
    states = [rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()]
    assert states.count("completed") == 2 and states.count("deferred") == 4
    assert submit_answers(server, status) == 1 and submit_answers(server, 200) == 2
    server.state.config.credits_status = 406  # topped up: the same command resumes
    server.state.balance += 10.0
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 0
    assert server.state.duplicate_submissions() == 0


@pytest.mark.parametrize(("status", "text"), [(402, "Payment Required"), (403, "Insufficient balance")])
def test_a_credit_refusal_on_a_poll_does_not_end_the_run_nor_the_job_in_flight(
    sim, tmp_path, monkeypatch, status, text
):
    """A server may refuse reads too once the balance is spent.  A job in flight was made: it is polled on
    (or looked for in the history) and its video kept, as after any other refusal of a poll; the refusal,
    read as out of credits, once escaped the poller and ended the run with a traceback."""
    server = sim(seed=33)
    gate, refusals = polls._poll_gate, [status] * 2  # one per job: each is polled at least once

    def refusing(request):
        if refusals:
            return _error(refusals.pop(), text), None
        return gate(request)

    monkeypatch.setattr(polls, "_poll_gate", refusing)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 0
    assert not refusals  # every refusal was answered to a poll
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert len(server.state.submissions) == 2 and server.state.duplicate_submissions() == 0


def test_a_history_error_while_refreshing_a_link_does_not_declare_a_paid_video_lost(sim, tmp_path, monkeypatch):
    """A download that fails asks the API for a fresh link; if that look-up itself errs, whether the video
    can still be had is unknown: it is not declared lost (``expired``), and a later run gets it."""
    server = sim(seed=33)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    paid = server.state.total_charged()
    (out / "videos" / "job-000.mp4").unlink()
    server.state.config.output_ttl_s = 0.0  # the kept link fails for now ...
    server.state.config.expiry_s = 0.0  # ... the result record is gone (404) ...
    server.state.config.history = "error"  # ... and the history, the one place left to ask, answers 500

    code = run_batch(manifest, out, server, monkeypatch=monkeypatch)
    rec = read_ledger(out / "ledger.jsonl").jobs["job-000"]
    assert code != 0
    assert rec["state"] != "expired" and rec.get("event") != "lost", rec
    assert not any(e["job_id"] == "job-000" and e["event"] == "lost" for e in ledger_events(out))

    server.state.config.history = "on"  # the history is back: its row still links the video
    server.state.config.output_ttl_s = 7 * 86400.0
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert read_ledger(out / "ledger.jsonl").jobs["job-000"]["state"] == "completed"
    assert (out / "videos" / "job-000.mp4").exists()
    assert server.state.total_charged() == paid and len(server.state.submissions) == 2  # not paid again
    assert_transitions_are_legal(out)


def test_the_spend_cap_counts_what_other_manifests_spent_in_the_same_folder(sim, tmp_path, monkeypatch):
    """``--max-spend`` is for the folder: what a first manifest's jobs spent there counts against it."""
    server = sim(seed=34)
    out = tmp_path / "out"
    first = write(tmp_path / "a.yaml", many_jobs_yaml(3, prefix="a"))
    assert run_batch(first, out, server, monkeypatch=monkeypatch) == 0
    assert server.state.total_charged() == 3 * PRICE

    second = write(tmp_path / "b.yaml", many_jobs_yaml(3, prefix="b"))
    # Room for one more 0.28 job beside the 0.84 already spent, not for three.
    code = run_batch(second, out, server, "--max-spend", f"{4 * PRICE + 0.05:.2f}", monkeypatch=monkeypatch)
    assert code == 3
    jobs = read_ledger(out / "ledger.jsonl").jobs
    b_states = sorted(rec["state"] for job, rec in jobs.items() if job.startswith("b-"))
    assert b_states == ["completed", "deferred", "deferred"]
    assert server.state.total_charged() <= 4 * PRICE + 0.05 + 1e-9
    assert len(server.state.submissions) == 4 and len(server.state.charges) == 4


def test_the_status_of_a_folder_reports_the_same_spend_the_simulator_charged(sim, tmp_path, monkeypatch, capsys):
    """What ``status`` says was spent is what the account was charged (no job counted twice or missed)."""
    server = sim(seed=35)
    out = tmp_path / "out"
    for name, count in (("a", 3), ("b", 2)):
        manifest = write(tmp_path / f"{name}.yaml", many_jobs_yaml(count, prefix=name))
        assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    assert json.loads(capsys.readouterr().out)["spend_usd"] == round(server.state.total_charged(), 6)


@pytest.mark.parametrize("offset", [0.0, 600.0])
def test_a_lost_submit_is_settled_by_its_own_request_not_the_same_body_another_run_sent_just_before(
    sim, tmp_path, monkeypatch, offset
):
    """Another run of the account (a shard making another repeat of the same row, the same manifest run into
    another folder) sent the very same body a minute before this run's submit, whose answer was lost.  The
    history lists both; the lost submit is its own, the one made after it was sent: taking the other's would
    leave the request this run paid for unfetched, and put the other run's video in this folder.  So too where
    the server's clock runs ten minutes ahead of ours (both rows are stamped after the attempt by our clock)."""
    import urllib.request

    # server and machine clocks tick alike, the server's ``offset`` seconds ahead
    server = sim(time_scale=1.0, latency_scale=0.002, seed=5, clock_offset_s=offset)
    manifest = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n  - {id: cat, prompt: a cat}\n")
    body = json.dumps({"prompt": "a cat"}).encode()  # what this run sends for the row
    request = urllib.request.Request(
        f"{server.url}/v2/kling-text2video", data=body, headers={"x-api-key": KEY, "content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as answer:  # the other run's: made, paid, and not this folder's
        other = json.loads(answer.read())["request_id"]
    made = server.state.jobs[other]
    made.submitted, made.start, made.finish = made.submitted - 60, made.start - 60, made.finish - 60  # a minute ago
    server.state.script("submit_error_after")  # this run's: created and billable, the answer lost
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    (ours,) = [rid for rid, _, _ in server.state.submissions if rid != other]
    attached = [e["request_id"] for e in ledger_events(out) if e["event"] == "submitted"]
    assert attached == [ours]  # not the other run's request
    assert server.state.duplicate_submissions() == 1  # the other run's body, sent once more by this run: no more
    assert_transitions_are_legal(out)


def test_a_cap_given_to_one_shard_is_not_kept_for_another_sharing_its_folder(sim, tmp_path, monkeypatch, capsys):
    """With --shard the cap counts the shard's own spend, so each shard of a folder may be given its own.  A
    cap raised to resume one shard (as its summary says) must not become another's: a bare re-run of that
    other shard still stops at the cap it was given."""
    server = sim(seed=11)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(12))
    out = tmp_path / "out"
    for i in range(2):
        assert run_batch(manifest, out, server, "--shard", f"{i}/2", "--max-spend", "0.6", monkeypatch=monkeypatch) == 3
    told = capsys.readouterr().out
    assert "in shard 1-of-2;" in told and "for the shard's whole spend" in told
    assert run_batch(manifest, out, server, "--shard", "0/2", "--max-spend", "10", monkeypatch=monkeypatch) == 0
    assert run_batch(manifest, out, server, "--shard", "1/2", monkeypatch=monkeypatch) == 3  # its own cap, kept
    spent = {
        shard: sum(rec.get("cost") or 0.0 for rec in read_ledger(out / "shards" / shard / "ledger.jsonl").jobs.values())
        for shard in ("0-of-2", "1-of-2")
    }
    assert spent["1-of-2"] <= 0.6 and spent["0-of-2"] > 0.6
