"""Pacing under rate limits, and a clean stop when credits run out or the spend cap is hit."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from anyio import wait_all_tasks_blocked

from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.cli.runner import run_jobs
from batchgen.clock import Clock
from batchgen.config import load_settings
from batchgen.manifest import load_manifest
from batchgen.simulator import SimConfig, SimServer
from batchgen.store.ledger import read_ledger
from tests.helpers import (
    KEY,
    many_jobs_yaml,
    run_batch,
    write,
)


async def run_manifest(path: Path, sim: SimServer, out: Path, **limits):
    settings = load_settings(
        overrides={"api": {"base_url": sim.url}, "limits": limits, "output": {"dir": str(out)}}, environ={}
    )
    jobs = load_manifest(path).jobs
    return await run_jobs(jobs, settings, api_key=KEY, clock=Clock(sim.state.config.time_scale))


def states(out: Path) -> dict[str, str]:
    return {job_id: rec["state"] for job_id, rec in read_ledger(out / "ledger.jsonl").jobs.items()}


def test_budget_window_and_gate_arithmetic():
    clock = Clock(scale=1.0)
    budget = RequestBudget(6, clock=clock, window=60.0, burst=6)
    now = clock.now()
    assert budget.wait_time(now) == 0.0
    budget.in_flight = 6  # six calls sent, none answered
    assert budget.wait_time(now) is None  # only an answer can free a slot
    for _ in range(6):
        budget.release()
    wait = budget.wait_time(clock.now())
    assert wait is not None and 59.0 < wait <= 60.1  # a slot frees a window after the first answer
    delay = budget.on_429(hint=30.0)
    assert 30.0 <= delay <= 33.0
    assert budget.limit < 6 and not budget.gate_open
    assert budget.wait_time(clock.now()) == pytest.approx(delay, abs=0.1)


async def test_waiters_are_served_by_priority():
    budget = RequestBudget(100, clock=Clock(scale=10_000), burst=10)
    budget.on_429(hint=1000.0)  # closed for ~0.1 s of real time
    order: list[str] = []

    async def want(name: str, priority: Priority) -> None:
        await budget.acquire(priority)
        order.append(name)

    async with anyio.create_task_group() as tg:
        tg.start_soon(want, "submit", Priority.SUBMIT)
        tg.start_soon(want, "poll", Priority.POLL)
        tg.start_soon(want, "result", Priority.RESULT)
        await wait_all_tasks_blocked()
        assert order == []
    assert order == ["result", "submit", "poll"]
    assert budget.granted_while_closed == 0


async def test_configured_at_4x_the_server_limit_finds_the_limit(tmp_path):
    rpm = 20
    config = SimConfig(time_scale=300, rpm=rpm, latency_scale=0.2, workers=32, seed=4)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(30))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", requests_per_minute=4 * rpm, concurrency=8)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    requests = sum(sim.state.counters.values()) - sim.state.counters["/generations/{fid}.mp4"]
    share = sim.state.rate_limited / requests
    print(f"\n429 share at 4x the limit: {sim.state.rate_limited}/{requests} = {share:.1%}")
    assert share <= 0.05
    assert outcome.run.budget.granted_while_closed == 0
    assert sim.state.duplicate_submissions() == 0


@pytest.mark.parametrize("factor", [1.0, 0.5])
async def test_at_or_below_the_server_limit_there_are_no_429s(tmp_path, factor):
    rpm = 30
    config = SimConfig(time_scale=300, rpm=rpm, latency_scale=0.2, workers=32, seed=5)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(20))
    async with SimServer(config) as sim:
        await run_manifest(manifest, sim, tmp_path / "out", requests_per_minute=rpm * factor, concurrency=8)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert sim.state.rate_limited == 0


async def test_credit_stop_defers_the_rest_and_a_top_up_resumes(tmp_path):
    config = SimConfig(time_scale=2000, credits=5 * 0.28 + 0.01, seed=6)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(15))
    out = tmp_path / "out"
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, out, concurrency=4)
        counts = outcome.report.states
        assert counts["completed"] == 5 and counts["deferred"] == 10
        assert outcome.report.stop_reason == "credits"
        assert outcome.report.balance == pytest.approx(0.01, abs=0.01)
        posts = sim.state.counters["/v2/{slug}"]
        assert posts <= 5 + 4  # after the first 406, only what was already in flight
        assert len(sim.state.submissions) == 5
        ledger = read_ledger(out / "ledger.jsonl").jobs
        deferred = [rec for rec in ledger.values() if rec["state"] == "deferred"]
        assert len(deferred) == 10
        assert all("Insufficient credits" in rec["error"]["detail"] for rec in deferred)

        sim.state.balance += 10.0  # top up
        again = await run_manifest(manifest, sim, out, concurrency=4)
        assert again.report.states["completed"] == 15
        assert len(sim.state.submissions) == 15
        assert sim.state.duplicate_submissions() == 0
        assert sim.state.total_charged() == pytest.approx(15 * 0.28)


async def test_spend_cap_defers_exactly_the_jobs_that_would_pass_it(tmp_path):
    manifest = write(
        tmp_path / "m.yaml",
        "model: kling-text2video\njobs:\n"
        + "".join(f"  - id: cheap-{i}\n    prompt: p{i}\n" for i in range(3))
        + "  - id: pro\n    prompt: expensive\n    mode: pro\n"
        + "  - id: cheap-last\n    prompt: last\n",
    )
    async with SimServer(SimConfig(time_scale=2000)) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", max_spend_usd=1.2)
    assert states(tmp_path / "out") == {
        "cheap-0": "completed", "cheap-1": "completed", "cheap-2": "completed",
        "pro": "deferred", "cheap-last": "completed",
    }  # fmt: skip
    assert outcome.report.stop_reason == "spend_cap"
    assert sim.state.total_charged() == pytest.approx(4 * 0.28)


async def test_invalid_content_type_is_a_bug_not_a_credit_stop(tmp_path):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    async with SimServer(SimConfig(time_scale=2000)) as sim:
        sim.state.script("content_type")
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=1)
    report = outcome.report
    assert report.stop_reason == "fatal"
    assert "bug" in str(report.fatal)
    assert "deferred" not in set(states(tmp_path / "out").values())


async def test_a_lagging_history_switches_sweeps_off_and_every_job_still_completes(tmp_path):
    # The history shows the account as it was 10 minutes ago: sweeps see our jobs unfinished long after
    # they finished.  Three waves of jobs: a single wave can be found by polls before any sweep has looked
    # for it.  Polls that find jobs the sweeps missed, or rows that show finishes late, switch sweeps off.
    config = SimConfig(time_scale=2000, history_lag_s=600.0, seed=8)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(24))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=8)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    poller = outcome.run.poller
    assert not poller.sweeper.sweeping  # switched itself off
    sweeper = poller.sweeper
    assert sweeper.missed >= 3 or (sweeper.lag.confirmed and sweeper.lag.late_shows >= 3)
    assert sim.state.duplicate_submissions() == 0


async def test_history_sweeps_find_finished_jobs_when_the_history_is_current(tmp_path):
    config = SimConfig(time_scale=1000, seed=9)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(12))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=12)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    poller = outcome.run.poller
    assert poller.sweeper.sweeping and poller.sweeper.healthy and poller.sweeper.hits >= 6


async def test_an_ambiguous_submit_waits_for_a_lagging_history_instead_of_paying_twice(tmp_path):
    # The submit's answer is lost but the job was created; the history shows it only 200 s later.
    config = SimConfig(time_scale=2000, history_lag_s=200.0, seed=10)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    async with SimServer(config) as sim:
        sim.state.script("submit_error_after")
        await run_manifest(manifest, sim, tmp_path / "out", concurrency=1)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert len(sim.state.submissions) == 3 and sim.state.duplicate_submissions() == 0
    assert len(sim.state.charges) == 3


async def test_an_unsettled_submit_is_left_for_a_later_run_not_resubmitted(tmp_path):
    # The history lags longer than the run is willing to wait: the job stays 'submitting'.
    config = SimConfig(time_scale=2000, history_lag_s=2000.0, seed=11)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    async with SimServer(config) as sim:
        sim.state.script("submit_error_after")
        first = await run_manifest(manifest, sim, out, concurrency=1)
        assert states(out) == {"job-000": "submitting", "job-001": "completed"}
        assert "not caught up" in (first.run.jobs[0].error or "")
        assert [job_id for job_id, _ in first.report.left] == ["job-000"]  # the summary names it, not as failed
        assert first.report.failures == []
        assert (first.report.submitted, first.report.unsettled) == (1, 1)  # both sent now; one outcome unknown
        assert len(sim.state.submissions) == 2  # nothing was sent twice
        created = min(job.submitted for job in sim.state.jobs.values())
        # Until the history has caught up with the job (it may already have, on a slow machine).
        await anyio.sleep(max(0.0, sim.state.clock.real_delay(created + 2000.0 - sim.state.clock.now())) + 0.01)
        await run_manifest(manifest, sim, out, concurrency=1)  # the history has caught up now
    assert set(states(out).values()) == {"completed"}
    assert len(sim.state.submissions) == 2 and len(sim.state.charges) == 2


def test_sweeps_space_out_when_more_of_our_jobs_wait_for_a_worker_than_a_sweep_finds(sim, tmp_path, monkeypatch):
    """24 jobs in flight on an account of 8 workers: 16 of them wait on the server.  Once the first jobs' times
    and the later ones' show that, a sweep comes when about that many are done (each find frees a slot while the
    workers take queued jobs), not every 2.5 finds: 41-44 history requests before, under 36 now; every video made
    once."""
    server = sim(time_scale=100.0, workers=8, latency_scale=0.1)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(96))
    assert run_batch(manifest, tmp_path / "out", server, "--concurrency", "24", monkeypatch=monkeypatch) == 0
    counters = server.state.stats()["counters"]
    assert counters["/v2/{slug}"] == 96
    assert counters["/inference-request/request-history"] < 36


async def test_redirects_the_server_counts_are_granted_by_the_budget_and_counted_as_requests(tmp_path):
    # Every poll and result is redirected within the API, and the server counts each redirect against the
    # rate window: each call is two requests.  Granted as one, the run sent twice the rate it was told (429s
    # came back), and its summary counted half the requests it sent.
    rpm = 30
    config = SimConfig(time_scale=300, rpm=rpm, latency_scale=0.2, workers=32, seed=5, history="off",
                       redirect_routes=frozenset({"status", "result"}), redirect_to="same",
                       redirect_counted=True)  # fmt: skip
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(12))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", requests_per_minute=rpm, concurrency=8)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert sim.state.redirects_served > 12  # polls and results, redirected
    assert sim.state.rate_limited == 0
    assert (
        outcome.run.gateway.requests == sum(sim.state.counters.values()) - sim.state.counters["/generations/{fid}.mp4"]
    )
