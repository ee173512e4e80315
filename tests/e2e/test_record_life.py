"""With no request history (it answers 404), a job's video can be had only while its record lives: a job still in
the account's queue when its record dies is lost.  Once the run sees its jobs wait that long, it keeps no more in
flight than finish within a safe share of a record's life, and counts the jobs whose records died ahead of the
ones it sends next, for as long as they would take."""

from __future__ import annotations

import collections
import logging
from pathlib import Path

import anyio
import pytest

from batchgen.cli.runner import run_jobs
from batchgen.clock import Clock
from batchgen.config import load_settings
from batchgen.manifest import load_manifest
from batchgen.simulator import SimConfig, SimServer
from batchgen.store.ledger import read_ledger
from tests.e2e.test_pacing import run_manifest, states
from tests.helpers import KEY, many_jobs_yaml, write


def _polls_gone(sim: SimServer) -> list[float]:
    return [at for at, route, status in sim.state.log if route == "/v2/requests/{rid}" and status == 404]


@pytest.mark.parametrize(
    ("records_s", "workers", "concurrency"),
    [
        # One worker, jobs of about 320 s, records of an hour and 14 jobs in flight: the first wave's last few
        # wait longer than their records live.  Sent at the configured 14 in flight, every later job would die.
        (3600.0, 1, 14),
        # Records live a quarter of the hour configured (polling.expiry_s keeps its default): most of the first
        # wave of 20 dies, and those jobs hold the account's two workers for an hour more.  A job sent as soon as
        # ours in flight are few again would wait behind them and die too.
        (900.0, 2, 20),
    ],
)
async def test_no_job_sent_after_a_record_died_in_the_queue_is_lost(tmp_path, records_s, workers, concurrency):
    config = SimConfig(time_scale=1000, history="off", workers=workers, expiry_s=records_s, seed=2)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(30))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=concurrency)
        gone = _polls_gone(sim)
        sent_at = {job.request_id: job.submitted for job in sim.state.jobs.values()}
        duplicates = sim.state.duplicate_submissions()
    found = states(tmp_path / "out")
    told = collections.Counter(found.values())
    assert told["expired"] >= 1 and gone  # the world bites: the first wave was deeper than a record's life
    first_death = min(gone)
    ledger = read_ledger(tmp_path / "out" / "ledger.jsonl").jobs
    later = [job_id for job_id, rec in ledger.items() if sent_at[rec["request_id"]] > first_death]
    assert len(later) >= 5  # a good part of the batch was sent after it
    assert all(found[job_id] == "completed" for job_id in later), {job_id: found[job_id] for job_id in later}
    assert told["completed"] + told["expired"] == 30 and duplicates == 0
    assert outcome.run.submitter.life.told


@pytest.mark.parametrize(
    ("records_s", "workers", "concurrency", "stopped_at"),
    [
        # The first world above, stopped while its first wave still waits on the one worker (hours of it).
        (3600.0, 1, 14, 1500.0),
        (3600.0, 1, 14, 4000.0),
        # The second, stopped once most of its first wave's records died: those jobs hold the two workers for an
        # hour more, and the records' shorter life is known only from the first run's ledger.
        (900.0, 2, 20, 1500.0),
    ],
)
async def test_a_resumed_run_counts_the_jobs_an_earlier_run_left_waiting_in_the_queue(
    tmp_path, records_s, workers, concurrency, stopped_at
):
    # The run is stopped part-way and run again on the same folder.  The jobs the first run left in flight, and
    # those whose records died unfinished, are re-attached or known from its ledger: they are counted ahead of
    # the jobs the second run sends, their age shows the wait, and the first run's finishes and dead records
    # tell the throughput and the records' life.  Each job the second run sends finishes within its record's
    # life.  (At a slower time scale than the other worlds here: where the first run stops is a moment of real time.)
    config = SimConfig(time_scale=1000, history="off", workers=workers, expiry_s=records_s, seed=2)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(30))
    out = tmp_path / "out"
    async with SimServer(config) as sim:
        with anyio.move_on_after(Clock(config.time_scale).real(stopped_at)):
            await run_manifest(manifest, sim, out, concurrency=concurrency)
        earlier = {job.request_id for job in sim.state.jobs.values()}
        outcome = await run_manifest(manifest, sim, out, concurrency=concurrency)
        duplicates = sim.state.duplicate_submissions()
    ledger = read_ledger(out / "ledger.jsonl").jobs
    later = {job_id: rec["state"] for job_id, rec in ledger.items() if rec["request_id"] not in earlier}
    assert len(later) >= 8  # the second run sent a good part of the batch
    assert all(state == "completed" for state in later.values()), later
    assert len(ledger) == 30 and duplicates == 0
    assert outcome.run.submitter.life.told


async def test_a_submit_of_unknown_outcome_holds_its_slot_where_no_history_can_settle_it(tmp_path):
    # Half the submits are answered 5xx after the server made the job: with no history, none can be looked up,
    # and each such job waits in the account's queue on its one worker as the run's own do.  Sending another job
    # in its slot at once would pile the queue deeper than a record lives: every lost submit keeps its slot
    # until its job would be through, and no job the run can fetch is lost.
    config = SimConfig(
        time_scale=4000, history="off", workers=1, expiry_s=3600.0, seed=14, rates={"submit_error_after": 0.5}
    )
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(30))
    async with SimServer(config) as sim:
        await run_manifest(manifest, sim, tmp_path / "out", concurrency=8)
        made, duplicates = len(sim.state.jobs), sim.state.duplicate_submissions()
    ledger = read_ledger(tmp_path / "out" / "ledger.jsonl").jobs
    told = collections.Counter(rec["state"] for rec in ledger.values())
    assert told["submitting"] >= 10  # the world bites: a third of the batch or more left unknown
    assert told["completed"] + told["submitting"] == 30, told  # none expired
    # (no job sent after it settles it either: status says so beside jobs still to send)
    left = [rec["error"] for rec in ledger.values() if rec["state"] == "submitting"]
    assert all(error["rerun"] is False and error["send_settles"] is False for error in left)
    assert made == 30 and duplicates == 0


@pytest.mark.parametrize("history", ["off", "unlinked"])
async def test_no_more_jobs_are_sent_than_the_request_budget_can_poll_before_their_records_die(
    tmp_path, caplog, history
):
    # Records live 600 s (the user configured so), jobs take about 320 s on workers enough for all of them, and
    # the plan allows 3 requests a minute.  Twenty jobs in flight would take the budget 400 s to submit alone,
    # and the last polls would come after their records died: each a video paid for and never fetched.  The
    # budget can poll 5 jobs within the target (250 s of the 500-s guard, a submit and a poll or two each).
    # So too where a history answers but its rows link no video: until a finished row of ours shows a link,
    # it is not taken to stand in for a record (it was, until the first finished row showed none: 16 sent).
    shape = {"history": "off"} if history == "off" else {"history": "on", "history_url": "none"}
    # (at time scale 250: a loaded machine stalls a process 400 ms at times, 100 s here, the margin's length;
    # at 1000 that stall was 400 s of the world, and killed records no client could have polled)
    config = SimConfig(time_scale=250, workers=30, expiry_s=600.0, seed=3, **shape)  # type: ignore[arg-type]
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(20))
    async with SimServer(config) as sim:
        with caplog.at_level(logging.WARNING, logger="batchgen"):
            await _run_twenty(sim, manifest, tmp_path / "out", rpm=3)
        gone = _polls_gone(sim)
        most_in_flight = _most_in_flight(sim)
    told = collections.Counter(states(tmp_path / "out").values())
    if history == "off":
        assert told == {"completed": 20} and not gone
    else:  # (its sweeps share the budget the bound leaves the polls: one record of twenty may die, not ten)
        assert told["completed"] + told["expired"] == 20 and told["expired"] <= 1 and len(gone) <= 1, told
    assert most_in_flight <= 5
    assert any("can poll only 5 jobs within 250 s" in r.getMessage() for r in caplog.records)


async def test_where_the_api_redirects_each_poll_the_jobs_in_flight_are_as_few_as_the_budget_can_poll_so(
    tmp_path, caplog
):
    # The world above with no history and 2 requests a minute, but the API redirects every poll and result call
    # within itself, and the account counts each redirect: a poll is two requests of the budget.  The budget can
    # poll 3 jobs within the target as if a call were one request; it can poll 2 once the redirects are seen.
    config = SimConfig(time_scale=250, workers=30, expiry_s=600.0, seed=3, history="off",
                       redirect_routes=frozenset({"status", "result"}), redirect_to="same",
                       redirect_counted=True)  # fmt: skip
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(20))
    async with SimServer(config) as sim:
        with caplog.at_level(logging.WARNING, logger="batchgen"):
            await _run_twenty(sim, manifest, tmp_path / "out", rpm=2)
        most_in_flight = _most_in_flight(sim)
    assert collections.Counter(states(tmp_path / "out").values()) == {"completed": 20}
    assert any("can poll only 2 jobs within 250 s" in r.getMessage() for r in caplog.records)
    assert most_in_flight <= 3  # (the first wave's, sent before any redirect was seen)


async def test_a_limit_five_times_below_the_configured_one_loses_no_record_to_submits_held_back(tmp_path):
    # The account admits 3 requests a minute; the run is told 15 (limits.requests_per_minute), records of 600 s,
    # no history.  The 429s lower the budget, and the life cap's room with it, below the submits already handed a
    # slot: each is held back once the budget grants it.  Counted as sent, those grants spent the budget on nothing,
    # again and again, while the jobs in flight went unpolled: 12-13 of 20 records died, paid videos lost.  A grant
    # held back is given back; every video is fetched.
    config = SimConfig(time_scale=100, workers=30, expiry_s=600.0, seed=3, history="off", rpm=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(20))
    async with SimServer(config) as sim:
        await _run_twenty(sim, manifest, tmp_path / "out", rpm=15)
        gone = _polls_gone(sim)
        longest = max(job.finish - job.submitted for job in sim.state.jobs.values())
    assert longest < 500.0  # (no job outlived what a poll at its guard could catch)
    assert states(tmp_path / "out") == {f"job-{i:03d}": "completed" for i in range(20)} and not gone


async def _run_twenty(sim: SimServer, manifest: Path, out: Path, *, rpm: float) -> None:
    """Run ``manifest`` 20 in flight at ``rpm`` requests a minute, records configured to live 600 s (margin 100)."""
    settings = load_settings(
        overrides={
            "api": {"base_url": sim.url},
            "limits": {"concurrency": 20, "requests_per_minute": rpm},
            "polling": {"expiry_s": 600.0, "expiry_margin_s": 100.0},
            "output": {"dir": str(out)},
        },
        environ={},
    )
    await run_jobs(load_manifest(manifest).jobs, settings, api_key=KEY, clock=Clock(sim.state.config.time_scale))


def _most_in_flight(sim: SimServer) -> int:
    """The most jobs the account held unfinished at once (from each job's submit and finish)."""
    moments = sorted(
        [(job.submitted, 1) for job in sim.state.jobs.values()] + [(job.finish, -1) for job in sim.state.jobs.values()]
    )
    most = held = 0
    for _, step in moments:
        held += step
        most = max(most, held)
    return most


@pytest.mark.parametrize("history_url", ["none", "other"])
async def test_a_history_whose_rows_do_not_link_the_videos_does_not_stand_in_for_a_record(tmp_path, history_url):
    # The history answers, but its finished rows give no link (or one to another file, a preview): a job whose
    # record died in the account's queue could not be fetched from it.  As where no history answers (the first
    # world of the test above), the first wave is deeper than a record's life, and once the run sees its jobs
    # wait it keeps fewer in flight: no job sent after the first record died is lost.
    config = SimConfig(time_scale=1000, history="on", history_url=history_url, workers=1, expiry_s=3600.0, seed=2)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(30))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=14)
        gone = _polls_gone(sim)
        sent_at = {job.request_id: job.submitted for job in sim.state.jobs.values()}
        duplicates = sim.state.duplicate_submissions()
    found = states(tmp_path / "out")
    assert gone and duplicates == 0
    ledger = read_ledger(tmp_path / "out" / "ledger.jsonl").jobs
    later = [job_id for job_id, rec in ledger.items() if sent_at[rec["request_id"]] > min(gone)]
    assert len(later) >= 5
    assert all(found[job_id] == "completed" for job_id in later), {job_id: found[job_id] for job_id in later}
    assert outcome.run.submitter.life.wait_seen
    plan = outcome.run.poller.plan  # a job unfinished at its guard is looked at again before its record dies
    assert plan.last_look(plan.guard) == pytest.approx(plan.guard + (plan.expiry - plan.guard) / 2)
    # a dead record's row links no video: its job is written off as such, not left to download a preview forever
    assert set(found.values()) == {"completed", "expired"}
    if history_url == "other":
        told = [rec["error"]["detail"] for rec in ledger.values() if rec["state"] == "expired"]
        assert all("the request history's link for it is not its video" in detail for detail in told), told


async def test_where_the_history_links_the_videos_no_poll_is_spent_on_a_records_last_margin(tmp_path):
    # Its finished rows link the videos: a record that dies loses nothing, so a job unfinished at its expiry guard
    # is left to the sweeps (and the safety net's polls), with no looks into its record's last margin.
    config = SimConfig(time_scale=1000, history="on", seed=2)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=4)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    plan = outcome.run.poller.plan
    assert plan.last_look(plan.guard) is None
    # ... until its rows are found not to stand in: then every job is planned again, for its last looks
    assert outcome.run.reconciler.links.fell == outcome.run.poller.replan
