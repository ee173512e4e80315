"""Review of the kind hold (holding a kind of job that outlives its records): the faults it found, each mended."""

from __future__ import annotations

import json

from batchgen.clock import FakeClock
from batchgen.store.ledger import read_ledger
from tests.engine.test_life_cap import cap_on
from tests.helpers import many_jobs_yaml, run_batch, write

# as tests/e2e/test_outliving.py: records live a minute, a job takes five, the history answers 404
OUTLIVED = {"time_scale": 200.0, "history": "off", "expiry_s": 60.0, "latency_sigma": 0.0, "tail_rate": 0.0}
SLOW = {"kling-2.6": 300.0}
KIND = ("kling-2.6", "pro", 5)


def test_a_kind_held_with_no_job_left_unsent_is_still_on_trial_for_resubmit_lost(sim, tmp_path, monkeypatch):
    server = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3, model="kling-2.6"))
    out = tmp_path / "out"
    # the first two go together, the third alone: its death is the second with no wait, and the kind is held
    # with nothing left to hold
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    assert len(server.state.submissions) == 3
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert {rec["state"] for rec in jobs.values()} == {"expired"}
    # the operator makes the lost jobs again: the kind is known to outlive its records, so one goes on trial
    run_batch(manifest, out, server, "--concurrency", "2", "--resubmit-lost", monkeypatch=monkeypatch)
    assert len(server.state.submissions) - 3 <= 1


def test_a_credit_stop_in_the_trial_run_keeps_the_kind_on_trial_for_the_run_after(sim, tmp_path, monkeypatch):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8, model="kling-2.6"))
    out = tmp_path / "out"
    first = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    assert run_batch(manifest, out, first, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    assert sum(rec.get("event") == "outlives_record" for rec in read_ledger(out / "ledger.jsonl").jobs.values()) == 5
    # the next run, on trial, finds the account out of credits: it stops (exit 3), nothing made
    broke = sim(seed=7, model_latency_s=SLOW, credits=0.0, **OUTLIVED)
    assert run_batch(manifest, out, broke, "--concurrency", "2", monkeypatch=monkeypatch) == 3
    # topped up, the run after still takes the kind up on trial: one job goes alone, and its death holds the rest
    topped = sim(seed=8, model_latency_s=SLOW, **OUTLIVED)
    run_batch(manifest, out, topped, "--concurrency", "2", monkeypatch=monkeypatch)
    assert len(topped.state.submissions) == 1


def test_a_reattached_job_whose_record_died_unpolled_is_no_sign_its_kind_outlives_records():
    clock = FakeClock(5000.0)
    cap = cap_on(clock)  # no history; records live an hour as configured
    epoch = clock.epoch() - clock.now()
    # a run killed just after it sent one job alone, at 0 s; the resume comes 5000 s on (within two lives)
    cap.attached([("old", 0.0)], [(epoch + 0, None, False, "old")])
    assert "old" in cap._sent
    cap.died("old", KIND)  # its first poll: 404, the record gone
    assert cap.kinds.tallies(KIND) == {"died": 0, "made": 0}


def test_stalled_jobs_watched_in_an_answering_history_hold_no_kind(sim, tmp_path, monkeypatch):
    server = sim(seed=6, **{**OUTLIVED, "history": "on", "time_scale": 600.0})
    server.state.script("stall", 2)  # the first two stay PROCESSING until their records expire
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4, model="kling-2.6"))
    out = tmp_path / "out"
    run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch)
    held = [rec for rec in read_ledger(out / "ledger.jsonl").jobs.values() if rec.get("event") == "outlives_record"]
    assert not held
    assert len(server.state.submissions) == 4


def test_a_trial_death_holds_the_kind_at_once_whatever_the_tallies_read(sim, tmp_path, monkeypatch):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8, model="kling-2.6"))
    out = tmp_path / "out"
    first = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    assert run_batch(manifest, out, first, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    ledger = out / "ledger.jsonl"
    lines = []
    for line in ledger.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event.get("event") == "outlives_record":
            event["outlived"] = {"died": "2", "made": 0}  # hand-edited: a count as text, read as none
        lines.append(json.dumps(event))
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    second = sim(seed=7, model_latency_s=SLOW, **OUTLIVED)
    assert run_batch(manifest, out, second, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    held = [rec for rec in read_ledger(ledger).jobs.values() if rec.get("event") == "outlives_record"]
    assert held  # the kind is on trial (the edited lines were read)
    assert len(second.state.submissions) == 1  # the trial alone: its death holds the kind again at once
