"""The run's flow, seen from outside: never more jobs in flight than asked, and a request id on disk
before its job is ever polled.  Through the CLI; the ledger and the simulator say what happened."""

from __future__ import annotations

import os
import time

from tests.helpers import assert_transitions_are_legal, ledger_events, many_jobs_yaml, run_batch, write

IN_FLIGHT = {"submitting", "submitted", "downloading"}


def test_never_more_jobs_in_flight_than_the_concurrency(sim, tmp_path, monkeypatch):
    server = sim(seed=71, workers=32)
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(15))
    assert run_batch(manifest, out, server, "--concurrency", "3", monkeypatch=monkeypatch) == 0
    states: dict[str, str] = {}
    most = 0
    for event in ledger_events(out):  # the ledger's order is the order things happened in
        states[event["job_id"]] = event["state"]
        most = max(most, sum(1 for state in states.values() if state in IN_FLIGHT))
    assert most == 3  # used, and never passed
    # The simulator agrees: never more than three of our jobs created and not yet finished.
    jobs = sorted(server.state.jobs.values(), key=lambda job: job.submitted)
    for job in jobs:
        alive = [other for other in jobs if other.submitted <= job.submitted < other.finish]
        assert len(alive) <= 3
    assert_transitions_are_legal(out)


def test_a_request_id_is_on_disk_before_its_job_is_ever_polled(sim, tmp_path, monkeypatch):
    server = sim(seed=72, history="off")  # no sweeps: every job is polled by its id
    out = tmp_path / "out"
    early: list[str] = []
    polled: list[str] = []
    live_job = server.state.live_job

    def polled_by_id(rid: str):  # runs in the simulator on each status or result call
        polled.append(rid)
        durable = {e.get("request_id") for e in ledger_events(out) if e["state"] == "submitted"}
        if rid not in durable:
            early.append(rid)
        return live_job(rid)

    server.state.live_job = polled_by_id
    real_fsync = os.fsync

    def slow_disk(fd: int) -> None:  # a loaded disk: each ledger commit takes a while (a fault, not a wait)
        time.sleep(0.05)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_disk)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    assert run_batch(manifest, out, server, "--concurrency", "8", monkeypatch=monkeypatch) == 0
    assert len(set(polled)) == 8
    assert early == []
