"""Audit of ``batchgen/engine/run.py``: the run's report tells the operator every job it lost and why, and its
progress counts this run's own work (jobs it ended, requests it sent, 429s it met)."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen.cli.runner import Outcome, run_jobs
from batchgen.clock import Clock
from batchgen.config import load_settings
from batchgen.manifest import load_manifest
from batchgen.report.summary import progress_line
from batchgen.simulator import SimConfig, SimServer
from tests.helpers import KEY, many_jobs_yaml, run_batch, write


async def _run(manifest: Path, sim: SimServer, out: Path) -> Outcome:
    settings = load_settings(overrides={"api": {"base_url": sim.url}, "output": {"dir": str(out)}}, environ={})
    return await run_jobs(load_manifest(manifest).jobs, settings, api_key=KEY, clock=Clock(sim.state.config.time_scale))


def test_a_job_whose_record_expired_is_listed_among_the_failures_with_what_to_do(sim, tmp_path, monkeypatch, capsys):
    server = sim(time_scale=5000)
    server.state.script("stall")
    manifest = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n  - id: stuck\n    prompt: x\n")
    capsys.readouterr()
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 1
    told = capsys.readouterr().out
    assert "failures by reason" in told
    reasons = told.split("failures by reason", 1)[1]
    assert "--resubmit-lost" in reasons and "stuck" in reasons


def test_the_summary_counts_the_requests_answered_429_and_the_spend_of_this_run(sim, tmp_path, monkeypatch, capsys):
    server = sim(time_scale=5000)
    server.state.script("rate_limit", count=2)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    capsys.readouterr()
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 0
    told = capsys.readouterr().out
    spent = server.state.total_charged()
    assert spent > 0
    assert f"  spend ${spent:.2f} in this folder; " in told
    assert ", 2 answered 429" in told


async def test_the_progress_of_a_resumed_run_counts_only_the_jobs_it_ended_and_its_own_requests_and_429s(tmp_path):
    out = tmp_path / "out"
    async with SimServer(SimConfig(time_scale=5000, api_keys=frozenset({KEY}))) as sim:
        first = await _run(write(tmp_path / "a.yaml", many_jobs_yaml(2)), sim, out)
        assert first.report.states == {"completed": 2}
        sim.state.script("rate_limit", count=2)
        second = await _run(write(tmp_path / "b.yaml", many_jobs_yaml(5)), sim, out)
    snap = second.run.snapshot()
    assert (snap.total, snap.states, snap.remaining) == (5, {"completed": 5}, 0)
    assert snap.done_now == 3  # the two done before were this run's to skip, not to count in its pace
    assert (snap.requests, snap.throttled) == (second.report.requests, second.report.rate_limited)
    assert snap.throttled == 2 and snap.requests > snap.throttled


async def test_the_progress_counts_beside_the_spend_what_jobs_may_have_been_charged_with_none_reported(tmp_path):
    """A server whose answers give no charge: the progress says $0.00 spent, and beside it what the jobs may have
    been charged (their estimates, as the spend cap counts them), not $0.00 alone."""
    async with SimServer(SimConfig(time_scale=5000, api_keys=frozenset({KEY}), charges_shown="none")) as sim:
        done = await _run(write(tmp_path / "a.yaml", many_jobs_yaml(2)), sim, tmp_path / "out")
        charged = sim.state.total_charged()
    snap = done.run.snapshot()
    assert done.report.states == {"completed": 2} and charged > 0
    assert snap.spend == 0.0 and snap.unreported == pytest.approx(charged)  # (the simulator charges the estimates)
    assert f"$0.00 spent (and about ${charged:.2f} in charges not yet reported)" in progress_line(snap)
