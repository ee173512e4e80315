"""The poll stage with history sweeps: first polls held for the first sweep go at once when sweeps stop, jobs a
sweep shows finished together wait for one comparison of links and then settle from their rows, a sweep that ran
ahead of the result leaves the job polled again, and what polls find finished decides whether the history can be
trusted (the poller's own loop on a fake clock against a scripted API)."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest

from batchgen.api.answers import HistoryRow, Result
from batchgen.engine.messages import Replan, Shown
from batchgen.errors import RouteTrouble
from tests.engine.doubles import MODEL, UNFINISHED_RESULT, ByJobApi, PollStage, pending, poll_stage, run_poller
from tests.engine.doubles import result_answer as done
from tests.engine.doubles import status_answer as status

ROW_LINK = "http://127.0.0.1:9/generations/{}.mp4?sig=row"
RESULT_LINK = "http://127.0.0.1:9/generations/{}.mp4?sig=result"


def staged(api: ByJobApi, ids: list[str], *, result_polls: bool | None = False) -> PollStage:
    s = poll_stage(api, [pending(i) for i in ids], result_polls=result_polls)
    api.clock = s.k.clock
    return s


def shown(job: Any, *, link: str | None, latency_s: float | None = None, state: str = "COMPLETED") -> Shown:
    return Shown(job, HistoryRow(job.request_id, MODEL, state, {}, link, 0.3, None, None, latency_s))


async def test_first_polls_held_for_the_first_sweep_go_at_once_when_sweeps_are_switched_off():
    api = ByJobApi(statuses={"r-a": [status("PROCESSING")], "r-b": [status("PROCESSING")]}, results={})
    s = staged(api, ["a", "b"])
    sweeper, clock = s.poller.sweeper, s.k.clock
    sweeper.sweeping, sweeper.pending = True, True  # the first sweep is under way (it waits for the budget)
    for job in s.k.book.jobs:
        s.poller.track(job)
    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(s.poller.loop, tg)
        await clock.sleep(30.0)
        assert api.timed == []  # while it is under way, first polls wait for what it shows
        sweeper.stop("the request history could not be read (HTTP 503)")
        [replan] = s.news.sent
        assert isinstance(replan, Replan)
        s.poller.hear(replan)
        await clock.sleep(1.0)
        tg.cancel_scope.cancel()
    # polled the moment sweeps stopped (the second at the next turn of the polls' share of the budget)
    assert api.timed == [("status", "r-a", 30.0), ("status", "r-b", pytest.approx(30.0 + s.poller.turn_gap()))]


async def test_jobs_a_sweep_shows_finished_together_wait_for_one_comparison_then_settle_from_their_rows():
    ids = ["a", "b", "c"]
    api = ByJobApi(results={
        "r-a": [RouteTrouble("a redirect away")],  # the first comparison cannot tell
        "r-b": [done(RESULT_LINK.format("b"))],  # the next one can: the row's link is the result's file
        "r-c": [done(RESULT_LINK.format("c"))],
    })  # fmt: skip
    s = staged(api, ids)
    api.result_s = 1.0
    a, b, c = s.k.book.jobs
    for job in (a, b, c):
        s.poller.track(job)
        s.poller.hear(shown(job, link=ROW_LINK.format(job.spec.id)))
    await run_poller(s, lambda: len(s.downloads.sent) == 3, limit_s=200.0, track=False)
    assert [(call, rid) for call, rid, _ in api.timed] == [("result", "r-a"), ("result", "r-b")]  # one at a time
    assert s.downloads.sent == [a, b, c]
    assert (a.output_url, a.url_from_history, a.cost) == (ROW_LINK.format("a"), True, 0.3)  # its row, as the API erred
    assert {k: s.k.ledger.lines[0][3][k] for k in ("output_url", "file_size", "cost")} == {
        "output_url": ROW_LINK.format("a"), "file_size": None, "cost": 0.3,
    }  # fmt: skip
    assert (b.output_url, b.url_from_history) == (RESULT_LINK.format("b"), False)
    assert (c.output_url, c.url_from_history) == (ROW_LINK.format("c"), True)  # no result call of its own
    assert [line[1] for line in s.k.ledger.lines] == ["result"] * 3 and s.poller.by_request == {}


async def test_a_sweep_that_ran_ahead_of_the_result_leaves_the_job_polled_again_and_fetched_from_its_result():
    api = ByJobApi(
        statuses={"r-j": [status("COMPLETED")]},
        results={"r-j": [UNFINISHED_RESULT, done(RESULT_LINK.format("j"))]},
    )
    s = staged(api, ["j"])
    [job] = s.k.book.jobs
    s.poller.track(job)
    s.poller.hear(shown(job, link=ROW_LINK.format("j")))
    await run_poller(s, lambda: bool(s.downloads.sent), track=False)
    assert [call for call, _, _ in api.timed] == ["result", "status", "result"]
    assert api.timed[1][2] > api.timed[0][2]  # polled again later, as any unfinished job
    assert s.downloads.sent == [job] and job.output_url == RESULT_LINK.format("j") and not job.url_from_history
    [(_, event, state, fields)] = s.k.ledger.lines
    assert (event, state, fields["output_url"]) == ("result", "downloading", RESULT_LINK.format("j"))


def finished_at(seconds: float) -> Result:
    """A result whose server measure says the job finished ``seconds`` after it was sent."""
    return done(RESULT_LINK.format("x"), metrics={"total_time": seconds})


async def swept_at_100(api: ByJobApi, ids: list[str], *, result_polls: bool) -> PollStage:
    """The poll stage with ``ids`` in flight and sweeps on, after one sweep read at 100 s."""
    s = staged(api, ids, result_polls=result_polls)
    s.poller.sweeper.sweeping = True
    for job in s.k.book.jobs:
        s.poller.track(job)
    s.k.clock.now_s = 100.0
    await s.poller.sweeper.sweep()
    return s


@pytest.mark.parametrize("result_polls", [True, False], ids=["result polls", "status polls"])
async def test_finished_jobs_a_whole_sweep_begun_after_they_finished_did_not_show_switch_sweeps_off(
    result_polls, caplog
):
    ids = ["a", "b", "c"]
    api = ByJobApi(statuses={f"r-{i}": [status("COMPLETED")] for i in ids}, results={f"r-{i}": [finished_at(50.0)]
                for i in ids})  # fmt: skip
    s = await swept_at_100(api, ids, result_polls=result_polls)  # the history shows none of them
    sweeper = s.poller.sweeper
    assert sweeper.sweeping
    with caplog.at_level(logging.INFO, logger="batchgen"):
        await run_poller(s, lambda: len(s.downloads.sent) == 3, track=False)
    assert not sweeper.sweeping and sweeper.missed == 3  # each had finished at 50 s
    assert "history sweeps are off for this run: the request history did not show jobs that had finished; " \
        "polling each job instead" in [r.getMessage() for r in caplog.records]  # fmt: skip


@pytest.mark.parametrize("result_polls", [True, False], ids=["result polls", "status polls"])
async def test_a_job_that_finished_after_the_sweep_began_is_not_counted_against_the_history(result_polls):
    ids = ["a", "b", "c"]
    results = {"r-a": [finished_at(50.0)], "r-b": [finished_at(50.0)], "r-c": [finished_at(100.5)]}
    api = ByJobApi(statuses={f"r-{i}": [status("COMPLETED")] for i in ids}, results=results)
    s = await swept_at_100(api, ids, result_polls=result_polls)
    sweeper = s.poller.sweeper
    await run_poller(s, lambda: len(s.downloads.sent) == 3, track=False)
    assert sweeper.missed == 2 and sweeper.sweeping  # c finished half a second after the sweep began


async def test_a_job_a_sweep_shows_failed_gets_its_result_at_once_while_a_comparison_of_links_is_in_flight():
    api = ByJobApi(results={"r-a": [done(RESULT_LINK.format("a"))],
                            "r-f": [done(None, state="FAILED", error="content policy")]})  # fmt: skip
    s = staged(api, ["a", "f"])
    api.result_s = 1.0
    a, failed = s.k.book.jobs
    for job in (a, failed):
        s.poller.track(job)
    s.poller.hear(shown(a, link=ROW_LINK.format("a")))
    s.poller.hear(shown(failed, link=None, state="FAILED"))
    await run_poller(s, lambda: s.k.book.in_flight == 0, limit_s=200.0, track=False)
    assert sorted((call, rid) for call, rid, _ in api.timed) == [("result", "r-a"), ("result", "r-f")]
    assert all(when < 1.0 for _, _, when in api.timed)  # the failed one did not wait for the comparison's answer
    assert [(line[0], line[1]) for line in s.k.ledger.lines] == [("a", "result"), ("f", "failed")]


async def test_links_trusted_for_one_model_are_compared_again_for_another_one_job_at_a_time():
    other = "kling-2.5-turbo"
    api = ByJobApi(results={"r-b": [done(RESULT_LINK.format("b"))], "r-c": [done(RESULT_LINK.format("c"))]})
    jobs = [pending("b"), pending("c")]
    for job in jobs:
        job.spec = type(job.spec)(job.spec.id, other, dict(job.spec.params))
    s = poll_stage(api, jobs)
    api.clock, api.result_s = s.k.clock, 1.0
    s.k.reconciler.links.compare(MODEL, ROW_LINK.format("x"), RESULT_LINK.format("x"))  # trusted for MODEL only
    assert s.k.reconciler.links.history_urls is True
    for job in jobs:
        s.poller.track(job)
        s.poller.hear(shown(job, link=ROW_LINK.format(job.spec.id)))
    await run_poller(s, lambda: len(s.downloads.sent) == 2, limit_s=200.0, track=False)
    assert [(call, rid) for call, rid, _ in api.timed] == [("result", "r-b")]  # c waited, then needed none
    assert [job.url_from_history for job in jobs] == [False, True]


async def test_a_job_being_polled_when_a_sweep_shows_it_finished_is_settled_once_that_poll_has_answered():
    api = ByJobApi(statuses={"r-j": [status("PROCESSING")]}, results={"r-j": [done(RESULT_LINK.format("j"))]})
    s = staged(api, ["j"])
    api.status_s = 1.0  # the status poll takes a second to answer
    [job] = s.k.book.jobs
    s.poller.track(job)
    clock = s.k.clock
    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(s.poller.loop, tg)
        await clock.sleep(2.5)  # the first poll went at 2 s and is still out
        s.poller.hear(shown(job, link=ROW_LINK.format("j")))
        await clock.sleep(5.0)
        tg.cancel_scope.cancel()
    assert api.timed == [("status", "r-j", 2.0), ("result", "r-j", 3.0)]  # one request at a time for a job
    assert s.downloads.sent == [job]


async def test_jobs_of_two_models_a_sweep_shows_finished_are_compared_at_once_one_per_model():
    api = ByJobApi(results={"r-a": [done(RESULT_LINK.format("a"))], "r-b": [done(RESULT_LINK.format("b"))]})
    jobs = [pending("a"), pending("b")]
    jobs[1].spec = type(jobs[1].spec)("b", "kling-2.5-turbo", dict(jobs[1].spec.params))
    s = poll_stage(api, jobs)
    api.clock, api.result_s = s.k.clock, 1.0
    for job in jobs:
        s.poller.track(job)
        s.poller.hear(shown(job, link=ROW_LINK.format(job.spec.id)))
    await run_poller(s, lambda: len(s.downloads.sent) == 2, limit_s=200.0, track=False)
    assert sorted((rid, when < 1.0) for _, rid, when in api.timed) == [("r-a", True), ("r-b", True)]
