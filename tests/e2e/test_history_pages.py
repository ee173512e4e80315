"""A request history whose pages hold fewer rows than asked for, and do not say so; one not listed newest first."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime

import pytest

from batchgen.simulator import SimConfig, SimServer
from batchgen.store.ledger import read_ledger
from tests.e2e.test_pacing import run_manifest, states
from tests.helpers import charges_per_job, interrupt, many_jobs_yaml, run_batch, spawn, write


def assert_paid_once(server, tmp_path, monkeypatch, jobs: int = 14) -> None:
    """Run ``jobs`` jobs at once against ``server``: each completed, each paid for once."""
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(jobs))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", str(jobs), monkeypatch=monkeypatch) == 0
    ledger = read_ledger(out / "ledger.jsonl").jobs
    assert sorted(rec["state"] for rec in ledger.values()) == ["completed"] * jobs
    assert server.state.duplicate_submissions() == 0
    assert len(server.state.submissions) == jobs


def test_an_unknown_submit_listed_past_a_short_page_is_attached_not_paid_again(sim, tmp_path, monkeypatch):
    """Five rows a page: the lost submit sits on the history's third page, under the later jobs' rows. A
    page shorter than asked for is not the history's end until a page has been seen to hold more."""
    server = sim(seed=41, history_page_cap=5, submit_answer_delay_s=0.1)
    server.state.script("submit_error_after")  # the first job is created and billable, its answer lost
    assert_paid_once(server, tmp_path, monkeypatch)


async def test_sweeps_read_on_past_pages_shorter_than_asked_for_and_find_every_job(tmp_path):
    """Five rows a page and twelve jobs in flight: a sweep that stopped at the first short page would
    never show the seven older ones, polls would find them finished, and sweeping would be switched off."""
    config = SimConfig(time_scale=2000, history_page_cap=5, seed=5)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(24))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=12)
        pages = sim.state.counters["/inference-request/request-history"]
    assert set(states(tmp_path / "out").values()) == {"completed"}
    sweeper = outcome.run.poller.sweeper
    assert sweeper.sweeping and sweeper.missed == 0
    assert sweeper.hits >= 16  # most jobs shown finished by a sweep (the last ones in flight are polled)
    assert sweeper.paging.longest == 5
    assert pages > sweeper.hits / 5  # sweeps read past the first page
    assert sim.state.duplicate_submissions() == 0


@pytest.mark.parametrize("seed", [5, 7])  # which submits are lost, and where their rows lie
@pytest.mark.parametrize("order", ["oldest", "unsorted"])
def test_an_unknown_submit_in_a_history_not_listed_newest_first_is_not_paid_again(
    sim, tmp_path, monkeypatch, order, seed
):
    """The server lists its rows oldest first, or in no order of time, whatever ``sort_order`` asks: a row
    older than the lost submit, or a request of ours made before it, proves nothing of the rows below."""
    server = sim(seed=seed, history_page_cap=5, history_order=order, rates={"submit_error_after": 0.3})
    assert_paid_once(server, tmp_path, monkeypatch)


@pytest.mark.parametrize("refused", [("per_page",), ("per_page", "sort_order")])
async def test_a_history_that_refuses_a_page_size_or_an_order_is_asked_without_them(tmp_path, refused):
    """HTTP 400 to ``per_page`` (and to ``sort_order``): pages are asked for at the server's defaults,
    sweeps go on with its page size, and lost submits are still found, not paid again."""
    config = SimConfig(time_scale=2000, history_refuses=frozenset(refused), rates={"submit_error_after": 0.2}, seed=7)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(30))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=12)
        duplicates, made = sim.state.duplicate_submissions(), len(sim.state.submissions)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    events = [json.loads(line)["event"] for line in (tmp_path / "out" / "ledger.jsonl").read_text().splitlines()]
    assert events.count("reconciled") >= 2  # submits whose answers were lost, found in the history
    sweeper = outcome.run.poller.sweeper
    assert sweeper.sweeping and sweeper.hits >= 12
    assert sweeper.paging.longest == 20  # the server's default page
    assert duplicates == 0
    assert made == 30


@pytest.mark.parametrize("offset", [-36_000.0, 36_000.0, -129_600.0, 40 * 86_400.0])
def test_an_unknown_submit_is_found_whatever_the_servers_clock_says(sim, tmp_path, monkeypatch, offset):
    """The server's clock (its rows' created_at, its Date header) ten hours behind this machine's, or
    ahead: a row made after the submit must not be read as made before it (nor the other way round).  A day
    and a half behind, a look-up asked from our clock's day before listed nothing, taken for the end: the
    lost submits were made again; forty days ahead, the span was refused.  It asks by the server's dates."""
    server = sim(seed=44, clock_offset_s=offset, history_page_cap=5)
    server.state.script("submit_error_after")
    server.state.script("submit_error_after")
    assert_paid_once(server, tmp_path, monkeypatch)


async def sweep_listed(config: SimConfig, tmp_path, *, jobs: int, listed: str = "oldest_first") -> tuple[int, int, int]:
    """Run ``jobs`` jobs, 12 in flight, against a history listed oldest first (or as ``listed`` names): every
    one completed, the listing seen so, sweeps on and never missing a job; (jobs a sweep showed finished,
    history pages read, polls and result calls)."""
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(jobs))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=12)
        counters = dict(sim.state.counters)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    sweeper = outcome.run.poller.sweeper
    assert getattr(outcome.run.reconciler.order, listed)
    assert sweeper.sweeping and sweeper.missed == 0
    polls = counters.get("/v2/requests/{rid}", 0) + counters.get("/v2/requests/{rid}/status", 0)
    return sweeper.hits, counters["/inference-request/request-history"], polls


async def test_a_history_listed_oldest_first_is_read_only_where_the_jobs_are(tmp_path):
    """Five rows a page, listed oldest first whatever is asked: the jobs in flight sit at the history's
    end, past the pages that hold the finished ones.  Read from the first page, sweeps ran out of pages
    before they reached them, polls found the jobs finished, and most jobs cost a poll and more pages."""
    config = SimConfig(time_scale=2000, history_page_cap=5, history_order="oldest", seed=8)
    hits, pages, polls = await sweep_listed(config, tmp_path, jobs=60)
    assert hits >= 48  # most jobs shown finished by a sweep
    assert pages <= 2 * 60 and polls <= 12  # before: 340 pages, 47 polls, and sweeps switched off


async def test_a_history_listed_oldest_first_below_earlier_days_requests_is_read_from_its_end(tmp_path):
    """Listed oldest first, under 2,000 rows of the days before (100 pages of 20): this run's jobs sit at
    the end.  Their pages are found once (doubling, then halving), then read where the jobs are; read
    from the first page, sweeps never reached them and every job was polled."""
    config = SimConfig(time_scale=2000, history_page_cap=20, history_order="oldest", history_backlog=2000, seed=9)
    hits, pages, polls = await sweep_listed(config, tmp_path, jobs=40)
    assert hits >= 30
    assert pages <= 3 * 40 and polls <= 40  # before: 0 shown, sweeps switched off, 170-200 polls


def test_a_run_stopped_with_jobs_in_flight_resumes_in_a_long_history_listed_oldest_first(sim, tmp_path):
    """Stopped with jobs in flight, resumed against a history listed oldest first under 2,000 rows of
    earlier days (100 pages of 20): the earlier run's jobs, whose send times the new run does not know,
    and the new run's own are all made and fetched once, and none is paid for twice."""
    server = sim(
        time_scale=100, latency_scale=0.5, seed=5, history_order="oldest", history_backlog=2000, history_page_cap=20
    )
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(24))
    out = tmp_path / "out"
    code, _, stderr = interrupt(manifest, out, server, signal.SIGTERM, after_submitted=8, concurrency=8)
    assert code == 130, stderr
    assert sum(rec["state"] == "submitted" for rec in read_ledger(out / "ledger.jsonl").jobs.values()) >= 4
    again = spawn(manifest, out, server, "--concurrency", "8")
    _, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr.decode()
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert server.state.duplicate_submissions() == 0 and len(server.state.submissions) == 24
    assert sorted(charges_per_job(server).values()) == [1] * 24


async def test_a_history_listed_oldest_first_finds_the_first_jobs_sent_next_to_the_later_ones(tmp_path):
    """Listed oldest first, three rows a page, under 500 rows of the days before: a job sent before any
    request this run has placed was known made (among the first submits) lies next to them, past the
    earlier days' 167 pages.  Looked for from page 1, sweeps read only earlier days' rows, counted every
    job they looked for as looked at, and the polls that found those finished were taken for misses."""
    config = SimConfig(time_scale=500, history_page_cap=3, history_order="oldest", history_backlog=500, seed=3)
    hits, pages, _ = await sweep_listed(config, tmp_path, jobs=40)  # asserts no job missed, sweeps on
    assert hits >= 36
    assert pages <= 130  # before: 156-200 pages, 1-3 jobs missed, in 2 runs of 6 sweeps switched off


async def test_a_history_whose_sweeps_read_many_pages_for_each_job_they_show_gives_way_to_polls(tmp_path, caplog):
    """Five rows a page, in no order of time, under 500 rows of the days before: a sweep must read every page
    (over a hundred) to see the jobs it looks for, tens of pages for each finished job it shows, where polling
    a job takes a few requests.  Sweeping went on all run; it now gives way to polls once that is clear."""
    config = SimConfig(time_scale=2000, history_page_cap=5, history_order="unsorted", history_backlog=500, seed=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(40))
    with caplog.at_level("INFO", logger="batchgen"):
        async with SimServer(config) as sim:
            outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=12)
            counters = dict(sim.state.counters)
            duplicates = sim.state.duplicate_submissions()
    assert set(states(tmp_path / "out").values()) == {"completed"} and duplicates == 0
    sweeper = outcome.run.poller.sweeper
    assert not sweeper.sweeping and sweeper.hits >= 10
    assert "history pages for each finished job" in caplog.text
    polls = counters.get("/v2/requests/{rid}", 0) + counters.get("/v2/requests/{rid}/status", 0)
    assert counters["/inference-request/request-history"] + polls <= 450


async def test_sweeps_of_a_history_in_no_order_of_time_read_every_page_and_show_every_job(tmp_path):
    """Four rows a page, in no order of time: a job may be listed on any page.  Sweeps read the pages that
    list 2.5 rows for each job they looked for, as newest first, missed the jobs further down, and gave way
    to polls.  Read whole, each sweep shows every job finished, for about 3.5 pages a job (160 requests for
    40 jobs), and sweeps stay on."""
    config = SimConfig(time_scale=2000, history_page_cap=4, history_order="unsorted", seed=3)
    hits, pages, polls = await sweep_listed(config, tmp_path, jobs=40, listed="in_no_order")
    assert hits >= 30 and pages + polls <= 220


def server_clock_at(hour_utc: float) -> float:
    """The server clock's offset that has it read ``hour_utc`` now (within twelve hours of the machine's).  A
    look-up asks for the rows from the day before the attempt's by the server's date, so how much of a day-old
    backlog it reads moves with the time of day: the page counts below hold at the time they were measured."""
    now = datetime.now(UTC)
    ahead = (hour_utc * 3600.0 - (now.hour * 3600 + now.minute * 60 + now.second)) % 86400.0
    return ahead - 86400.0 if ahead > 43200.0 else ahead


# (the server's clock at 09:30 UTC: a look-up then reads four fifths of the backlog, the rest a day older)
LONG_OLDEST_FIRST = {"history_order": "oldest", "history_backlog": 3000, "history_page_cap": 20}


def test_lost_submits_under_a_long_history_listed_oldest_first_are_found_from_its_end(sim, tmp_path, monkeypatch):
    """Listed oldest first under 3,000 rows of the days before (150 pages of 20), submits whose answers
    were lost: a look-up read from page 1 stopped after a thousand rows, short of this run's rows, and left
    each one 'submitting', in this run and every later one (2,700 history pages for 20 jobs).  Read back
    from the end (found by galloping from the last one seen), each is found and attached in a few pages."""
    server = sim(seed=3, rates={"submit_error_after": 0.3}, clock_offset_s=server_clock_at(9.5), **LONG_OLDEST_FIRST)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(20))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "20", monkeypatch=monkeypatch) == 0
    assert set(states(out).values()) == {"completed"}
    events = [json.loads(line)["event"] for line in (out / "ledger.jsonl").read_text().splitlines()]
    assert events.count("reconciled") >= 3  # the path under test: lost answers, found in the history
    assert server.state.duplicate_submissions() == 0 and len(server.state.submissions) == 20
    # about 110 pages read back from the end; about 190 read from page 1 on, past the days before
    assert server.state.counters["/inference-request/request-history"] <= 150


def test_a_resumed_run_settles_lost_submits_in_a_long_history_listed_oldest_first_before_any_sweep(
    sim, tmp_path, monkeypatch
):
    """Submits fall in an outage (503: each may have made a job) while the history answers 500: the run
    leaves them 'submitting'.  The next run looks them up first, before any sweep has seen how the
    history is listed: its first page shows it oldest first, and the rest is read back from the end."""
    server = sim(seed=4, history="error", outage_s=30.0, outage_after_submits=3, clock_offset_s=server_clock_at(9.5),
                 **LONG_OLDEST_FIRST)  # fmt: skip
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "4", monkeypatch=monkeypatch) == 6
    unknown = [job_id for job_id, state in states(out).items() if state == "submitting"]
    assert unknown  # the path under test
    server.state.config.history, server.state.config.outage_s = "on", 0.0
    history = server.state.counters["/inference-request/request-history"]
    assert run_batch(manifest, out, server, "--concurrency", "4", monkeypatch=monkeypatch) == 0
    assert set(states(out).values()) == {"completed"}
    assert server.state.duplicate_submissions() == 0
    assert sorted(charges_per_job(server).values()) == [1] * len(server.state.submissions)
    assert server.state.counters["/inference-request/request-history"] - history <= 40 + 20 * len(unknown)


def test_lost_submits_under_a_long_history_in_no_order_of_time_are_settled_by_reading_it_to_its_end(
    sim, tmp_path, monkeypatch
):
    """In no order of time under 3,000 rows of the days before (31 pages of 100), submits whose answers
    were lost: a row anywhere may be the lost one's, and a look-up that stopped at a thousand rows left 4
    of 20 'submitting', for every run to come.  Read to the empty page, each is found and attached."""
    server = sim(seed=3, rates={"submit_error_after": 0.3}, history_order="unsorted", history_backlog=3000)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(20))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "20", monkeypatch=monkeypatch) == 0
    assert set(states(out).values()) == {"completed"}
    events = [json.loads(line)["event"] for line in (out / "ledger.jsonl").read_text().splitlines()]
    assert events.count("reconciled") >= 3
    assert server.state.duplicate_submissions() == 0 and len(server.state.submissions) == 20


@pytest.mark.parametrize("seed", [3, 5, 7])
def test_lost_submits_in_a_lagging_history_in_no_order_of_time_are_not_paid_again(sim, tmp_path, monkeypatch, seed):
    """In no order of time, 20 s behind: a look-up's whole read, begun before a lost submit's row showed,
    taken again by its later look-ups and judged as of their time (past twice the lag), called it never
    made, and the job was made twice."""
    server = sim(seed=seed, rates={"submit_error_after": 0.3}, history_order="unsorted", history_backlog=300,
                 history_lag_s=20.0)  # fmt: skip
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(20))
    run_batch(manifest, tmp_path / "out", server, "--concurrency", "20", monkeypatch=monkeypatch)
    assert server.state.duplicate_submissions() == 0


async def test_a_history_crowded_with_the_accounts_other_requests_is_read_as_deep_as_ours_lie(tmp_path):
    """The account's other users (another shard's key, a team's tools) make 18 times this run's requests,
    listed among ours, and push each job of ours down the pages as they come.  Read as deep as this run's
    own requests since a job was sent, sweeps stopped pages short of the first jobs sent, took them for
    looked at and not shown, and polls then found them finished: sweeping was switched off, and a job
    waited up to six times its length to be found (3,781 s for the batch and 135 requests).  A sweep now
    reads as deep as rows are made, and sweeps stay on (2,247 s and 100 requests; 2,065 s and 68 with no
    other users)."""
    config = SimConfig(time_scale=500, account_others_per_min=40.0, seed=12)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(36))
    async with SimServer(config) as sim:
        outcome = await run_manifest(manifest, sim, tmp_path / "out", concurrency=12)
        jobs = list(sim.state.jobs.values())
        found_after = sorted(sim.state.first_fetch[job.request_id] - job.finish for job in jobs)
        services = sorted(job.finish - job.start for job in jobs)
        duplicates = sim.state.duplicate_submissions()
    assert set(states(tmp_path / "out").values()) == {"completed"} and duplicates == 0
    assert outcome.run.poller.sweeper.sweeping
    assert found_after[-1] < 4 * services[len(services) // 2], found_after[-5:]  # (before: 4-10 times)


def test_a_resumed_run_sweeps_a_crowded_history_for_the_jobs_an_earlier_run_sent(sim, tmp_path, monkeypatch):
    """The account's other users fill the history; a run is stopped with jobs in flight, and the next run takes
    them up.  Their sends are the earlier run's: a sweep that has not yet seen one reads as deep as the rows
    made since it was sent (the earlier run's ledger says when), and the run goes on to its end (a send this
    run did not make was taken for one at the dawn of time: the rows made since were infinite, and the run
    crashed on them)."""
    server = sim(time_scale=200.0, account_others_per_min=60.0, seed=4)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(16))
    out = tmp_path / "out"
    code, _, _ = interrupt(manifest, out, server, signal.SIGINT, after_submitted=8, concurrency=8)
    assert code == 130
    assert run_batch(manifest, out, server, "--concurrency", "8", monkeypatch=monkeypatch) == 0
    assert set(states(out).values()) == {"completed"} and server.state.duplicate_submissions() == 0
