"""The poll stage, more promises at the unit level: polls more likely to find a job done go first when the budget
is short, a first poll waits for the first sweep at most half its record's life, a finished job teaches the latency
model the server's own measure, result polls once kept treat a 404 as a gone record, an early expiry is said
once with the record's true age, and jobs and sweep news arrive on the stage's streams (fake clock, scripted API)."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest

from batchgen.api.answers import HistoryRow, Result, Status
from batchgen.api.ratelimit import RequestBudget
from batchgen.clock import iso_utc
from batchgen.engine.messages import Replan, Shown, SweepNews
from batchgen.engine.pollplan import LatencyModel, latency_key
from batchgen.errors import NotFound, RouteTrouble, ServerError
from batchgen.jobs import TrackedJob
from tests.engine.doubles import MODEL, POLL_LINK, ByJobApi, PollStage, pending, poll_stage, run_poller
from tests.engine.doubles import UNFINISHED_RESULT as UNFINISHED
from tests.engine.doubles import result_answer as done
from tests.engine.doubles import status_answer as status


def staged(api: ByJobApi, ids: list[str], **kwargs: Any) -> PollStage:
    s = poll_stage(api, [pending(i) for i in ids], **kwargs)
    api.clock = s.k.clock
    return s


def calls(api: ByJobApi) -> list[tuple[str, str, float]]:
    return list(api.timed)


# ---------------------------------------------------------------------- order under a short budget


@pytest.mark.parametrize("result_polls", [False, True, None], ids=["status polls", "result polls", "result trials"])
async def test_when_the_budget_is_short_the_job_more_likely_done_is_polled_first(result_polls):
    ids = ["c", "young", "old"]
    api = ByJobApi(statuses={f"r-{i}": [status("PROCESSING")] for i in ids},
                   results={f"r-{i}": [UNFINISHED] for i in ids})  # fmt: skip
    s = staged(api, ids, result_polls=result_polls)
    s.k.gateway.budget = RequestBudget(6, clock=s.k.clock)  # one request every ten seconds
    api.result_s = 1.0  # so that trials are still asked when the later polls wait their turn
    c, young, old = s.k.book.jobs
    old.submitted_at = -500.0  # sent long before the others: far more likely done by now
    for job in (c, young, old):  # all due at the same moment, the young one ahead of the old in the schedule
        s.poller.track(job)
    await run_poller(s, lambda: len(api.timed) >= 3, limit_s=60.0, track=False)
    assert [rid for _, rid, _ in api.timed[:3]] == ["r-c", "r-old", "r-young"]


# ---------------------------------------------------------------------- the first sweep


async def test_a_first_poll_waits_for_the_first_sweep_at_most_half_its_records_life():
    api = ByJobApi(statuses={"r-j": [status("PROCESSING")]}, results={})
    s = staged(api, ["j"])
    sweeper = s.poller.sweeper
    sweeper.sweeping, sweeper.pending = True, True  # a first sweep that never answers
    [job] = s.k.book.jobs
    s.poller.plan.guard = 40.0  # records are polled within 40 s of their submit
    s.k.clock.now_s, job.submitted_at = 100.0, 100.5
    await run_poller(s, lambda: bool(api.timed), limit_s=300.0)
    [(call, _, when)] = api.timed
    # polled at its first look past half the guard (held polls look again every min_interval_s), not later
    assert call == "status" and 20.0 <= when - job.submitted_at < 20.0 + s.poller.min_interval_s


@pytest.mark.parametrize("why", ["sweeps have shown our jobs", "no sweep is under way", "it was polled before"])
async def test_a_first_poll_is_not_held_when_no_first_sweep_can_help(why):
    api = ByJobApi(statuses={"r-j": [status("PROCESSING")]}, results={})
    s = staged(api, ["j"])
    sweeper = s.poller.sweeper
    sweeper.sweeping = True
    sweeper.healthy, sweeper.pending = (True, True) if why == "sweeps have shown our jobs" else (False, False)
    if why == "it was polled before":  # only a job's first poll waits for the first sweep
        sweeper.pending = True
        s.k.book.jobs[0].polls = 1
    s.poller.plan.guard = 1_400.0  # a held first poll would go at 700 s
    await run_poller(s, lambda: False, limit_s=650.0, step_s=650.0)
    assert api.timed[0][2] <= 600.0  # at its planned time, never held until half the guard


async def test_jobs_held_for_the_first_sweep_are_not_polled_again_at_once_when_sweeps_stop_after_they_were():
    api = ByJobApi(statuses={"r-j": [status("PROCESSING")]}, results={})
    s = staged(api, ["j"])
    sweeper, clock = s.poller.sweeper, s.k.clock
    sweeper.sweeping, sweeper.pending = True, True
    [job] = s.k.book.jobs
    s.poller.track(job)
    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(s.poller.loop, tg)
        await clock.sleep(10.0)  # past the job's first poll (five probe intervals: 3 s)
        assert api.timed == []  # held while the first sweep is queued or reading
        sweeper.pending = False  # the first sweep has answered (and showed nothing): the held poll goes
        await clock.sleep(2.0)
        assert [when for _, _, when in api.timed] == [11.0]  # at its next look (every min_interval_s: 5, 7, ...)
        sweeper.stop("the request history could not be read (HTTP 503)")
        s.poller.hear(Replan())
        await clock.sleep(0.5)
        tg.cancel_scope.cancel()
    assert len(api.timed) == 1  # planned again, not polled again the moment sweeps stopped


# ---------------------------------------------------------------------- learning


@pytest.mark.parametrize("server_s", [None, "between", "beyond"])
async def test_a_finished_job_teaches_the_latency_model_the_servers_measure_within_what_its_polls_saw(server_s):
    api = ByJobApi(statuses={"r-j": [status("PROCESSING"), status("PROCESSING"), status("COMPLETED")]}, results={})
    s = staged(api, ["j"], latency=LatencyModel(min_samples=1))
    [job] = s.k.book.jobs
    s.k.clock.now_s = 1_000.0
    job.submitted_at = 1_000.0  # sent well after the run's clock began
    key = latency_key(job.spec)
    metrics: dict[str, Any] = {}

    class Measured(ByJobApi):
        async def result(self, request_id: str) -> Result:
            unfinished_at, done_at = self.timed[1][2] - 1_000.0, self.timed[2][2] - 1_000.0
            if server_s == "between":
                metrics["total_time"] = unfinished_at + 0.25 * (done_at - unfinished_at)
            elif server_s == "beyond":
                metrics["total_time"] = done_at + 100.0  # the server's clock runs ahead of what we saw
            self.timed.append(("result", request_id, self.clock.now()))
            return done(metrics=metrics)

    api.__class__ = Measured
    await run_poller(s, lambda: bool(s.downloads.sent))
    unfinished_at, done_at = api.timed[1][2] - 1_000.0, api.timed[2][2] - 1_000.0
    assert unfinished_at < done_at
    expected = {
        None: (unfinished_at + done_at) / 2,  # no measure: the middle of what the polls saw
        "between": unfinished_at + 0.25 * (done_at - unfinished_at),  # the server's own measure
        "beyond": done_at,  # kept within what the polls saw
    }[server_s]
    assert s.poller.latency.samples_of(key) == pytest.approx([expected])


def swept_with_trusted_links() -> tuple[ByJobApi, PollStage, TrackedJob]:
    """One job in flight, history links trusted, the clock at 100 s: a sweep is about to show it finished."""
    api = ByJobApi(statuses={"r-j": [status("PROCESSING")]}, results={})
    s = staged(api, ["j"], latency=LatencyModel(min_samples=1))
    [job] = s.k.book.jobs
    s.k.reconciler.links.compare(MODEL, POLL_LINK + "?row", POLL_LINK)
    s.poller.track(job)
    s.k.clock.now_s = 100.0
    return api, s, job


async def test_a_job_a_sweep_shows_finished_teaches_the_latency_model_the_rows_measure():
    api, s, job = swept_with_trusted_links()
    s.poller.hear(Shown(job, HistoryRow("r-j", MODEL, "COMPLETED", {}, POLL_LINK + "?row", 0.3, None, None, 42.0)))
    await run_poller(s, lambda: bool(s.downloads.sent), track=False)
    assert api.timed == [] and s.poller.latency.samples_of(latency_key(job.spec)) == [42.0]


async def test_a_swept_job_whose_row_has_no_latency_is_learned_between_the_sweeps_that_showed_it():
    _, s, job = swept_with_trusted_links()  # a sweep at 60 s showed it unfinished; this one shows it finished
    row = HistoryRow("r-j", MODEL, "COMPLETED", {}, POLL_LINK + "?row", 0.3, None, None)
    s.poller.hear(Shown(job, row, unfinished_at=job.submitted_at + 60.0))
    await run_poller(s, lambda: bool(s.downloads.sent), track=False)
    [sample] = s.poller.latency.samples_of(latency_key(job.spec)) or []
    assert sample == pytest.approx((60.0 + (100.0 - job.submitted_at)) / 2)  # not half its age at the find


async def test_a_swept_job_is_learned_finished_by_when_its_page_came_back_not_by_when_it_was_settled():
    # The page came back at 80 s; the news is heard, and the job settled, at 100 s (a busy machine).
    _, s, job = swept_with_trusted_links()
    row = HistoryRow("r-j", MODEL, "COMPLETED", {}, POLL_LINK + "?row", 0.3, None, None)
    s.poller.hear(Shown(job, row, unfinished_at=job.submitted_at + 60.0, shown_at=80.0))
    await run_poller(s, lambda: bool(s.downloads.sent), track=False)
    [sample] = s.poller.latency.samples_of(latency_key(job.spec)) or []
    assert sample == pytest.approx((60.0 + (80.0 - job.submitted_at)) / 2)


# ---------------------------------------------------------------------- result polls


async def test_once_result_polls_are_kept_a_404_there_is_a_gone_record_recovered_from_the_history():
    api = ByJobApi(statuses={}, results={"r-j": [UNFINISHED, NotFound("HTTP 404")]})
    s = staged(api, ["j"], result_polls=None)
    [job] = s.k.book.jobs
    api.rows = [HistoryRow("r-j", MODEL, "COMPLETED", job.spec.payload(), POLL_LINK + "?h", 0.3, None, None)]
    await run_poller(s, lambda: bool(s.downloads.sent))
    assert [call for call, _, _ in api.timed] == ["result", "result"]  # no status poll after either
    assert s.poller.result_polls is True and job.output_url == POLL_LINK + "?h"


async def test_a_trial_result_poll_answered_404_by_a_record_that_is_gone_leaves_the_trial_open(caplog):
    """The first job polled is one whose record is gone: its result call and its status poll both answer 404.
    That 404 said nothing of how the endpoint answers for an unfinished job: the next job polled is asked for its
    result (one request a poll), not polled by status and then asked for its result."""
    api = ByJobApi(
        statuses={"r-gone": [NotFound("HTTP 404")]},
        results={"r-gone": [NotFound("HTTP 404")], "r-live": [UNFINISHED, done()]},
    )
    s = staged(api, ["gone", "live"], result_polls=None)
    gone, _ = s.k.book.jobs
    gone.submitted_at = -10_000.0  # long past its record's life: polled first
    api.rows = [HistoryRow("r-gone", MODEL, "COMPLETED", gone.spec.payload(), POLL_LINK + "?g", 0.3, None, None)]
    with caplog.at_level(logging.INFO, logger="batchgen"):
        await run_poller(s, lambda: len(s.downloads.sent) >= 2)
    assert [(call, rid) for call, rid, _ in api.timed if rid == "r-live"] == [("result", "r-live")] * 2
    assert s.poller.result_polls is True
    assert "did not answer for an unfinished job" not in caplog.text  # it was never said of a record gone


async def test_a_trial_result_poll_that_is_refused_says_why_and_status_polls_take_over(caplog):
    api = ByJobApi(statuses={"r-j": [status("COMPLETED")]}, results={"r-j": [RouteTrouble("a redirect away"), done()]})
    s = staged(api, ["j"], result_polls=None)
    with caplog.at_level(logging.INFO, logger="batchgen"):
        await run_poller(s, lambda: bool(s.downloads.sent))
    assert [call for call, _, _ in api.timed] == ["result", "status", "result"]
    assert "the result endpoint did not answer for an unfinished job (a redirect away): polling status" in [
        r.getMessage() for r in caplog.records
    ]


async def test_a_trial_result_poll_that_meets_a_server_error_costs_one_request_and_status_polls_take_over():
    api = ByJobApi(statuses={"r-j": [status("PROCESSING"), status("COMPLETED")]},
                   results={"r-j": [ServerError("HTTP 503", status=503), done()]})  # fmt: skip
    s = staged(api, ["j"], result_polls=None)
    await run_poller(s, lambda: bool(s.downloads.sent))
    assert [call for call, _, _ in api.timed] == ["result", "status", "status", "result"]  # not retried in place
    assert s.poller.result_polls is False


# ---------------------------------------------------------------------- erring polls


async def test_a_poll_that_errs_counts_as_a_poll_so_the_next_ones_are_spaced_out():
    trouble = [RouteTrouble("a redirect away")]
    api = ByJobApi(statuses={"r-j": [*trouble, status("PROCESSING"), status("PROCESSING")]}, results={})
    s = staged(api, ["j"])
    [job] = s.k.book.jobs
    job.submitted_at = -1_000.0  # an old job: its polls are a minute apart, after the first
    await run_poller(s, lambda: len(api.timed) >= len(trouble) + 2, limit_s=300.0)
    times = [when for _, _, when in api.timed]
    assert times[0] == 2.0 and times[-1] - times[-2] == 60.0 and times[-2] - times[-3] >= 60.0


# ---------------------------------------------------------------------- expiry


async def test_an_early_expiry_names_the_records_true_age_and_is_said_once_even_as_the_guard_tightens(caplog):
    api = ByJobApi(statuses={"r-a": [status("PROCESSING")] * 3 + [NotFound("HTTP 404")],
                             "r-b": [status("PROCESSING"), NotFound("HTTP 404")]}, results={})  # fmt: skip
    s = staged(api, ["a", "b"])
    a, b = s.k.book.jobs
    s.k.clock.now_s = 500.0
    a.submitted_at = 500.0
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        s.poller.track(a)
        await run_poller(s, lambda: bool(s.lost.sent), track=False)
        gone_a = api.timed[-1][2] - 500.0
        b.submitted_at = s.k.clock.now()
        s.poller.track(b)
        await run_poller(s, lambda: len(s.lost.sent) == 2, track=False)
    gone_b = api.timed[-1][2] - b.submitted_at
    assert gone_b < gone_a  # b's record was gone younger still: the guard tightened again...
    assert s.poller.plan.expiry == gone_b
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # ... but it was said once
    assert warnings[0].startswith(f"request r-a was gone {gone_a:.0f}s after submission, sooner than polling.expiry_s")


@pytest.mark.parametrize("factor", [1.0, 0.999])
async def test_a_record_gone_within_two_minimum_intervals_of_its_submit_says_nothing_of_expiry(factor, caplog):
    api = ByJobApi(statuses={"r-j": [NotFound("HTTP 404")]}, results={})
    s = staged(api, ["j"])
    s.poller.min_interval_s = 1.0 / factor  # the first poll comes 2 s after the submit: twice this, or just under
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        await run_poller(s, lambda: bool(s.lost.sent))
    assert api.timed[0][2] == 2.0
    tightened = s.poller.plan.expiry == 2.0
    assert tightened == (factor == 1.0) and (len(caplog.records) == 1) == tightened


# ---------------------------------------------------------------------- what is recorded


async def test_a_completed_result_without_a_link_is_left_for_a_later_run_saying_so():
    api = ByJobApi(statuses={"r-j": [status("COMPLETED")]}, results={"r-j": [done(None)]})
    s = staged(api, ["j"])
    await run_poller(s, lambda: s.k.book.in_flight == 0)
    [(_, event, state, fields)] = s.k.ledger.lines
    assert (event, state) == ("unreachable", "submitted")
    assert fields["error"]["detail"] == (
        "its state or link could not be read from the API (the API reported COMPLETED but gave no output URL), and "
        "the request history has no link for it (the request history could not be read: no history of r-j); it was "
        "not failed and will not be made again: run again later to fetch it"
    )


async def test_a_queue_time_of_zero_dates_processing_from_the_submit():
    api = ByJobApi(statuses={"r-j": [status("COMPLETED")]}, results={"r-j": [done(metrics={"queue_time": 0})]})
    s = staged(api, ["j"])
    await run_poller(s, lambda: bool(s.downloads.sent))
    assert s.k.ledger.lines[0][3]["processing_at"] == "2027-01-15T08:00:00.000Z"


async def test_a_queue_time_longer_than_the_job_has_existed_never_dates_processing_after_now():
    api = ByJobApi(statuses={"r-j": [status("COMPLETED")]}, results={"r-j": [done(metrics={"queue_time": 864_000})]})
    s = staged(api, ["j"])
    await run_poller(s, lambda: bool(s.downloads.sent))
    assert s.k.ledger.lines[0][3]["processing_at"] <= iso_utc(s.k.clock.epoch())  # by when it was found done


async def test_a_job_a_sweep_shows_failed_is_failed_with_its_results_reason():
    api = ByJobApi(statuses={}, results={"r-j": [done(None, state="FAILED", error="content policy")]})
    s = staged(api, ["j"])
    [job] = s.k.book.jobs
    s.poller.track(job)
    s.poller.hear(Shown(job, HistoryRow("r-j", MODEL, "FAILED", {}, None, None, None, "policy")))
    await run_poller(s, lambda: s.k.book.in_flight == 0, track=False)
    assert [call for call, _, _ in api.timed] == ["result"]
    [(_, event, state, fields)] = s.k.ledger.lines
    assert (event, state, fields["error"]) == ("failed", "failed", {"http": 200, "detail": "content policy"})


# ---------------------------------------------------------------------- the streams


async def test_jobs_and_sweep_news_arrive_on_the_stages_streams():
    api = ByJobApi(statuses={"r-j": [status("PROCESSING")]}, results={"r-j": [done()]})
    send_job, tracked = anyio.create_memory_object_stream[TrackedJob](1)
    send_news, news = anyio.create_memory_object_stream[SweepNews](1)
    s = staged(api, ["j"], news=news)
    [job] = s.k.book.jobs
    s.k.reconciler.links.compare(MODEL, POLL_LINK + "?row", POLL_LINK)
    async with s.k.clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(s.poller.take_tracked, tracked)
        tg.start_soon(s.poller.take_news)
        tg.start_soon(s.poller.loop, tg)
        await send_job.send(job)
        await s.k.clock.sleep(5.0)
        assert s.poller.by_request == {"r-j": job} and api.timed[0][:2] == ("status", "r-j")
        row = HistoryRow("r-j", MODEL, "COMPLETED", {}, POLL_LINK + "?row", 0.3, None, None, 3.0)
        await send_news.send(Shown(job, row))
        await s.k.clock.sleep(5.0)
        assert s.downloads.sent == [job] and job.output_url == POLL_LINK + "?row"
        await send_job.aclose()
        await send_news.aclose()
        await s.k.clock.sleep(1.0)
        tg.cancel_scope.cancel()


async def test_a_poll_that_keeps_meeting_server_errors_is_polled_again_later_and_the_job_still_finishes():
    api = ByJobApi(statuses={"r-j": [ServerError("HTTP 503", status=503)] * 12 + [status("COMPLETED")]},
                   results={"r-j": [done()]})  # fmt: skip
    s = staged(api, ["j"])
    await run_poller(s, lambda: bool(s.downloads.sent))
    assert [call for call, _, _ in api.timed] == ["status"] * 13 + ["result"]  # more than one poll's tries
    assert s.downloads.sent == [s.k.book.jobs[0]] and [line[1] for line in s.k.ledger.lines] == ["result"]


async def test_learning_one_kind_leaves_the_polls_planned_for_another_kind_as_they_were():
    api = ByJobApi(statuses={"r-a": [status("COMPLETED")], "r-b": [status("PROCESSING")]},
                   results={"r-a": [done(metrics={"total_time": 2.0})]})  # fmt: skip
    jobs = [pending("a"), pending("b")]
    jobs[1].spec = type(jobs[1].spec)("b", "kling-2.5-turbo", dict(jobs[1].spec.params))
    s = poll_stage(api, jobs, latency=LatencyModel(min_samples=1))
    api.clock = clock = s.k.clock
    a, b = jobs
    s.poller.track(b)
    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(s.poller.loop, tg)
        await clock.sleep(1.0)
        a.submitted_at = 1.0
        s.poller.track(a)  # polled at 3 s, done: its kind is learned then
        await clock.sleep(3.5)
        tg.cancel_scope.cancel()
    assert s.poller.latency.learned(latency_key(a.spec)) and not s.poller.latency.learned(latency_key(b.spec))
    assert [when for _, rid, when in api.timed if rid == "r-b"] == [2.0, 4.0]  # as planned at its first poll


async def test_a_poll_whose_every_try_meets_a_server_error_counts_as_a_poll_and_the_job_still_finishes():
    class Failing(ByJobApi):
        async def status(self, request_id: str) -> Status:
            if self.clock.now() < 30.0:  # every try of the first poll meets a 500
                self.timed.append(("status", request_id, self.clock.now()))
                raise ServerError("HTTP 500", status=500)
            return await super().status(request_id)

    api = Failing(statuses={"r-j": [status("PROCESSING"), status("PROCESSING"), status("COMPLETED")]},
                  results={"r-j": [done()]})  # fmt: skip
    s = staged(api, ["j"])
    [job] = s.k.book.jobs
    job.submitted_at = -1_000.0  # an old job: its polls are a minute apart, after the first
    await run_poller(s, lambda: bool(s.downloads.sent), limit_s=400.0)
    later = [when for call, _, when in api.timed if call == "status" and when >= 30.0]
    gaps = [later[1] - later[0], later[2] - later[1]]
    assert len(later) == 3 and gaps == pytest.approx([60.0, 60.0])  # counted as a poll: not planned as a first
    assert s.downloads.sent == [job] and [line[1] for line in s.k.ledger.lines] == ["result"]
