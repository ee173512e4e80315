"""A kind of job that outlives its records where no request history stands in: the run stops sending it once
jobs of it that waited for none died unfinished, and a later run tries one before it sends the rest."""

from __future__ import annotations

import itertools
import json
import signal
from pathlib import Path
from typing import Any

from batchgen.manifest import load_manifest
from batchgen.params import estimate_cost
from batchgen.store.ledger import read_ledger
from tests.helpers import (
    assert_transitions_are_legal,
    interrupt,
    ledger_events,
    many_jobs_yaml,
    run_batch,
    run_cli,
    write,
)

# records live a minute, a job takes five, and the request history answers 404: a job sent is paid, never fetched
OUTLIVED = {"time_scale": 200.0, "history": "off", "expiry_s": 60.0, "latency_sigma": 0.0, "tail_rate": 0.0}
SLOW = {"kling-2.6": 300.0}


def held_jobs(out) -> dict[str, dict]:
    jobs = read_ledger(out / "ledger.jsonl").jobs
    return {job_id: rec for job_id, rec in jobs.items() if rec.get("event") == "outlives_record"}


def test_a_kind_whose_jobs_outlive_their_records_alone_is_held_after_two_and_the_rest_are_not_sent(
    sim, tmp_path, monkeypatch, capsys
):
    server = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8, model="kling-2.6"))
    out = tmp_path / "out"
    capsys.readouterr()
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    said = " ".join(capsys.readouterr().out.split())
    # the first two went together (the second had one ahead: its death shows no length), then one alone: its
    # death is the second of one sent with none ahead
    assert len(server.state.submissions) == 3
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert sum(rec["state"] == "expired" for rec in jobs.values()) == 3
    # each lost job is told whether it waited: fewer in flight would not have saved the two that did not
    lost = [rec["error"]["detail"] for rec in jobs.values() if rec["state"] == "expired"]
    assert sum("none of ours waited ahead of it: jobs of its kind may take longer alone" in why for why in lost) == 2
    assert sum("with fewer in flight (--concurrency) jobs wait less" in why for why in lost) == 1
    held = held_jobs(out)
    assert len(held) == 5 and {rec["state"] for rec in held.values()} == {"deferred"}
    assert {json.dumps(rec["outlived"], sort_keys=True) for rec in held.values()} == {'{"died": 2, "made": 0}'}
    reason = next(iter(held.values()))["error"]["detail"]
    assert "jobs of its kind (kling-2.6, pro, 5 s) outlive their request records here" in reason
    assert "the next run sends one of them to try again" in reason
    assert "left for a later run, by reason" in said and "5 x not sent: jobs of its kind (kling-2.6" in said
    assert "credits ran out" not in said  # held by their own reason, not a stop's
    assert_transitions_are_legal(out)

    capsys.readouterr()
    run_cli("status", str(out))
    told = " ".join(capsys.readouterr().out.split())
    assert "outlive their request records" in told and "credits ran out or the spend cap" not in told
    capsys.readouterr()
    assert run_cli("validate", str(manifest), "--out", str(out)) == 0
    planned = " ".join(capsys.readouterr().out.split())
    assert "5 job(s) of kling-2.6, pro, 5 s: an earlier run found jobs of their kind outliving" in planned
    assert "one of them goes first, alone of its kind" in planned

    # the next run sends one of them, alone of its kind; it outlives its record too: the rest stay held
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    assert len(server.state.submissions) == 4
    held = held_jobs(out)
    assert len(held) == 4
    assert {json.dumps(rec["outlived"], sort_keys=True) for rec in held.values()} == {'{"died": 3, "made": 0}'}
    assert_transitions_are_legal(out)


def test_a_held_kind_whose_trial_makes_a_video_is_sent_again_and_its_trial_went_alone(sim, tmp_path, monkeypatch):
    slow = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8, model="kling-2.6"))
    out = tmp_path / "out"
    assert run_batch(manifest, out, slow, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    assert len(held_jobs(out)) == 5
    # the account's queue got faster: a job now takes ten seconds, well within its record's life
    fast = sim(seed=7, model_latency_s={"kling-2.6": 10.0}, **OUTLIVED)
    assert run_batch(manifest, out, fast, "--concurrency", "2", monkeypatch=monkeypatch) == 1  # (3 expired)
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert sum(rec["state"] == "completed" for rec in jobs.values()) == 5 and not held_jobs(out)
    sent = sorted(fast.state.jobs.values(), key=lambda job: job.submitted)
    assert len(sent) == 5
    assert sent[1].submitted >= sent[0].finish  # the trial alone, until it had made its video
    # then two at a time again, as --concurrency allows (one at a time, it would still be on trial)
    assert any(later.submitted < earlier.finish for earlier, later in itertools.pairwise(sent[1:]))
    assert_transitions_are_legal(out)


def test_where_the_history_stands_in_for_records_no_kind_is_held(sim, tmp_path, monkeypatch):
    server = sim(seed=6, model_latency_s=SLOW, **{**OUTLIVED, "history": "on"})
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4, model="kling-2.6"))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 0
    assert not held_jobs(out) and not any(e["event"] == "outlives_record" for e in ledger_events(out))
    assert len(server.state.submissions) == 4


def test_records_that_die_while_the_history_cannot_be_read_hold_no_kind(sim, tmp_path, monkeypatch):
    # the history answers 500: each job whose record died is left for a later run to look up, which may find
    # its video: no sign that its kind outlives its records
    server = sim(seed=6, model_latency_s=SLOW, **{**OUTLIVED, "history": "error"})
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4, model="kling-2.6"))
    out = tmp_path / "out"
    run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch)
    assert not any(e["event"] == "outlives_record" for e in ledger_events(out))
    assert len(server.state.submissions) == 4
    assert any(e["event"] == "recover_later" for e in ledger_events(out))


def test_a_held_kind_is_tried_one_job_at_a_time_where_the_earlier_runs_jobs_are_long_through(
    sim, tmp_path, monkeypatch
):
    # the operator's records are said to live 40 s: the first run's jobs, two such lives old by the next run,
    # are taken for through the account's queue, and nothing else keeps the next run's jobs of the kind from
    # going out together: only its trial does
    server = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8, model="kling-2.6"))
    config = write(tmp_path / "c.yaml", "polling:\n  expiry_s: 40\n  expiry_margin_s: 10\n")
    out = tmp_path / "out"
    flags = ("--concurrency", "2", "--config", str(config))
    assert run_batch(manifest, out, server, *flags, monkeypatch=monkeypatch) == 1
    first = len(server.state.submissions)
    assert len(held_jobs(out)) == 8 - first
    assert run_batch(manifest, out, server, *flags, monkeypatch=monkeypatch) == 1
    assert len(server.state.submissions) == first + 1  # one tried, alone, and held again
    assert len(held_jobs(out)) == 8 - first - 1


def test_a_trial_job_a_killed_run_left_in_flight_is_waited_for_before_another_of_its_kind_is_sent(
    sim, tmp_path, monkeypatch
):
    server = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8, model="kling-2.6"))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    # the next run sends its trial and is killed: the trial job is left in flight
    interrupt(manifest, out, server, signal.SIGKILL, after_submitted=4, concurrency=2)
    assert len(server.state.submissions) == 4
    trial = server.state.jobs[server.state.submissions[-1][0]]
    # the run after re-attaches it and sends no other job of its kind until its record has died (no sign either
    # way: it was not polled while it lived); then one, alone, whose death holds the rest again
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    assert len(server.state.submissions) == 5
    after = server.state.jobs[server.state.submissions[-1][0]]
    assert after.submitted >= trial.submitted + OUTLIVED["expiry_s"]
    assert len(held_jobs(out)) == 3
    assert_transitions_are_legal(out)


def trial_left_unknown(sim, tmp_path, monkeypatch) -> tuple[Path, Path, Any]:
    """Five jobs of a kind: the first run holds the kind, and the next run's trial is made with its answer lost (no
    history can say so, and nothing else settles it).  The manifest, the folder and the simulator."""
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(5, model="kling-2.6"))
    out = tmp_path / "out"
    server = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    assert len(server.state.submissions) == 3 and len(held_jobs(out)) == 2
    server.state.script("submit_drop_after")
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    assert len(server.state.submissions) == 4  # the trial alone: none beside a job it may have made
    return manifest, out, server


def test_a_trial_whose_submit_answer_is_lost_keeps_the_rest_of_its_kind_back_this_run_and_the_next(
    sim, tmp_path, monkeypatch
):
    manifest, out, server = trial_left_unknown(sim, tmp_path, monkeypatch)
    jobs = read_ledger(out / "ledger.jsonl").jobs
    trial = next(job_id for job_id, rec in jobs.items() if rec["state"] == "submitting")
    held = held_jobs(out)
    assert len(held) == 1 and trial not in held
    reason = next(iter(held.values()))["error"]["detail"]
    assert f"job {trial} of the kind may or may not have been made" in reason
    assert next(iter(held.values()))["outlived"] == {"died": 2, "made": 0}  # still on trial for the run after
    # run again soon after: the trial's job, if made, would not be through yet; it is looked up, and none goes
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    assert len(server.state.submissions) == 4 and len(held_jobs(out)) == 1
    assert_transitions_are_legal(out)


def test_a_job_lost_unfinished_keeps_counting_against_the_spend_cap_at_its_estimate(sim, tmp_path, monkeypatch, capsys):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3, model="kling-2.6"))
    job = next(iter(load_manifest(manifest).jobs))
    price = estimate_cost(job.model, job.params, {})
    assert price
    server = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    cap = f"{1.5 * price:.2f}"  # room for one job, not two
    out = tmp_path / "out"
    capsys.readouterr()
    code = run_batch(manifest, out, server, "--concurrency", "1", "--max-spend", cap, monkeypatch=monkeypatch)
    # the first job's record died before it finished: it may be charged (it finishes on the server), so its
    # estimate still counts, and the cap has no room for a second
    assert code == 3 and len(server.state.submissions) == 1
    said = " ".join(capsys.readouterr().out.split())
    assert f"1 job made and not fetched is not in that spend, their charge not yet reported: about ${price:.2f}" in said
    states = {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()}
    assert states == {"expired", "deferred"}
    capsys.readouterr()
    run_cli("status", str(out))
    assert f"1 job made and not fetched is not in it, their charge not yet reported: about ${price:.2f}" in " ".join(
        capsys.readouterr().out.split()
    )
