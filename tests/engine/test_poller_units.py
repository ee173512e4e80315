"""The poll stage at the unit level: a finished job's result recorded and handed to the downloaders, a failed job
failed with the API's reason, a gone record recovered from the history (or sent on as lost), and an API that
answers badly never failing a job; the poller's own loop on a fake clock against a scripted API."""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest

from batchgen.api.answers import HistoryRow, Status
from batchgen.engine.history_links import HistoryLinks
from batchgen.engine.messages import Lost, Shown
from batchgen.engine.pollplan import LatencyModel, latency_key
from batchgen.errors import BadResponse, NetworkError, NotFound, RouteTrouble, ServerError
from batchgen.jobs import JobSpec, JobState, TrackedJob
from tests.engine.doubles import MODEL, PollApi, finished, pending
from tests.engine.doubles import POLL_LINK as LINK
from tests.engine.doubles import poll_stage as stage
from tests.engine.doubles import result_answer as done
from tests.engine.doubles import run_poller as run
from tests.engine.doubles import status_answer as status

A_LINK = "http://127.0.0.1:9/generations/a.mp4?sig=1"
B_LINK = "http://127.0.0.1:9/generations/b.mp4?sig=2"


async def test_a_finished_job_is_recorded_with_its_result_and_handed_to_the_downloaders():
    job = pending()
    api = PollApi(statuses=[status("PROCESSING"), status("PROCESSING"), status("COMPLETED")],
                  results=[done(credits=41.5, metrics={"queue_time": 2.5})])  # fmt: skip
    s = stage(api, [job])
    await run(s, lambda: bool(s.downloads.sent))
    assert s.downloads.sent == [job] and api.calls == ["status", "status", "status", "result"]
    [(job_id, event, state, fields)] = s.k.ledger.lines
    assert (job_id, event, state) == ("j", "result", "downloading")
    assert fields["output_url"] == LINK and fields["file_size"] == 1234 and fields["cost"] == 0.28
    assert fields["processing_at"] == "2027-01-15T08:00:02.500Z"  # the wall time of submit plus the queue time
    assert job.output_url == LINK and job.cost == 0.28 and not job.url_from_history
    assert job.finished_at is not None and job.polls == 2
    assert s.k.report.balance == 41.5  # the balance the result reported
    assert s.poller.by_request == {}  # no more polls for it


async def test_a_result_without_a_cost_keeps_the_estimate_held_and_no_queue_time_dates_nothing():
    job = pending()
    job.cost = 0.3
    s = stage(PollApi(statuses=[status("COMPLETED")], results=[done(cost=None, metrics={"queue_time": -1})]), [job])
    await run(s, lambda: bool(s.downloads.sent))
    fields = s.k.ledger.lines[0][3]
    assert fields["cost"] == 0.3 and fields["processing_at"] is None


async def test_a_failed_job_is_failed_with_the_apis_reason_and_frees_its_slot():
    jobs = [pending("a"), pending("b")]
    api = PollApi(statuses=[status("FAILED", "content policy")])
    s = stage(api, jobs)
    await run(s, lambda: s.k.book.in_flight == 0)
    assert [(line[0], line[1], line[3]["error"]) for line in s.k.ledger.lines] == [
        ("a", "failed", {"http": 200, "detail": "content policy"}),
        ("b", "failed", {"http": 200, "detail": "content policy"}),
    ]
    assert s.downloads.sent == [] and api.calls == ["status", "status"]  # no result call for a failure


async def test_a_failure_without_a_message_says_so():
    s = stage(PollApi(statuses=[status("COMPLETED")], results=[done(None, state="FAILED")]), [pending()])
    await run(s, lambda: s.k.book.in_flight == 0)
    assert s.k.ledger.lines[0][3]["error"] == {"http": 200, "detail": "FAILED without a message"}
    s = stage(PollApi(statuses=[status("FAILED")]), [pending()])
    await run(s, lambda: s.k.book.in_flight == 0)
    assert s.k.ledger.lines[0][3]["error"] == {"http": 200, "detail": "FAILED without a message"}


async def test_a_completed_job_without_a_link_is_looked_up_in_the_history_never_failed():
    job = pending()
    api = PollApi(statuses=[status("COMPLETED")], results=[done(None)])
    s = stage(api, [job])
    api.rows = [HistoryRow("r-j", MODEL, "COMPLETED", job.spec.payload(), LINK + "?h", 0.28, None, None)]
    await run(s, lambda: bool(s.downloads.sent))
    assert s.downloads.sent == [job] and job.output_url == LINK + "?h" and job.url_from_history
    assert [line[1] for line in s.k.ledger.lines] == ["result"]


async def test_an_api_that_keeps_answering_badly_fails_a_job_the_history_shows_failed_with_its_reason():
    """Neither left for a later run to poll (exit 6, "run again later to fetch it") nor made again: it failed."""
    job = pending()
    api = PollApi(statuses=[BadResponse("HTTP 200 with a proxy's page")])
    s = stage(api, [job])
    api.rows = [HistoryRow("r-j", MODEL, "FAILED", job.spec.payload(), None, None, None, "content policy")]
    await run(s, lambda: s.k.book.in_flight == 0)
    [(_, event, state, fields)] = s.k.ledger.lines
    assert (event, state, fields["error"]) == ("failed", "failed", {"http": 422, "detail": "content policy"})


async def test_an_api_that_keeps_answering_badly_leaves_the_job_for_a_later_run_never_failed():
    job = pending()
    api = PollApi(statuses=[BadResponse("HTTP 200 with a proxy's page")])
    s = stage(api, [job])
    await run(s, lambda: s.k.book.in_flight == 0)
    assert api.calls == ["status"] * 3  # retry.max_attempts answers in a row, then the history
    [(_, event, state, fields)] = s.k.ledger.lines
    assert (event, state) == ("unreachable", "submitted")
    assert fields["error"]["detail"] == (
        "its state or link could not be read from the API (HTTP 200 with a proxy's page), and the request history "
        "has no link for it (the request history could not be read: no history of r-j); it was not failed and "
        "will not be made again: run again later to fetch it"
    )


@pytest.mark.parametrize("trouble", [ServerError("HTTP 503", status=503), RouteTrouble("a redirect away")])
async def test_a_poll_that_errs_is_polled_again_and_the_job_still_finishes(trouble):
    job = pending()
    api = PollApi(statuses=[trouble, trouble, status("COMPLETED")], results=[done()])
    s = stage(api, [job])
    await run(s, lambda: bool(s.downloads.sent))
    assert s.downloads.sent == [job] and [line[1] for line in s.k.ledger.lines] == ["result"]


async def test_troubles_between_good_answers_never_add_up_to_giving_up():
    job = pending()
    bad = RouteTrouble("a redirect away")
    api = PollApi(
        statuses=[bad, bad, status("PROCESSING"), bad, bad, status("PROCESSING"), status("COMPLETED")],
        results=[done()],
    )
    s = stage(api, [job])
    await run(s, lambda: bool(s.downloads.sent))
    assert s.downloads.sent == [job] and [line[1] for line in s.k.ledger.lines] == ["result"]


async def test_a_gone_record_is_recovered_from_the_history_or_sent_on_as_lost():
    job = pending()
    api = PollApi(statuses=[NotFound("HTTP 404")])
    s = stage(api, [job])
    api.rows = [HistoryRow("r-j", MODEL, "COMPLETED", job.spec.payload(), LINK, 0.28, None, None)]
    await run(s, lambda: bool(s.downloads.sent))
    assert s.downloads.sent == [job] and job.output_url == LINK and s.lost.sent == []
    gone = pending()
    s = stage(PollApi(statuses=[NotFound("HTTP 404")]), [gone])
    await run(s, lambda: bool(s.lost.sent))
    [message] = s.lost.sent
    assert isinstance(message, Lost) and message.job is gone and s.k.ledger.lines == []


async def test_a_gone_record_whose_history_row_failed_fails_the_job():
    job = pending()
    api = PollApi(statuses=[NotFound("HTTP 404")])
    s = stage(api, [job])
    api.rows = [HistoryRow("r-j", MODEL, "FAILED", job.spec.payload(), None, None, None, "nsfw")]
    await run(s, lambda: s.k.book.in_flight == 0)
    assert [(line[1], line[2]) for line in s.k.ledger.lines] == [("failed", "failed")]
    assert "nsfw" in str(s.k.ledger.lines[0][3]["error"])


async def test_result_polls_are_tried_and_kept_once_the_result_endpoint_answers_an_unfinished_job():
    job = pending()
    api = PollApi(results=[finished(LINK, state="PROCESSING"), finished(LINK, state="PROCESSING"), done()])
    s = stage(api, [job], result_polls=None)
    await run(s, lambda: bool(s.downloads.sent))
    assert s.poller.result_polls is True and api.calls == ["result"] * 3  # one request a poll
    assert s.downloads.sent == [job] and job.polls == 2


async def test_result_polls_give_way_to_status_polls_at_the_first_refusal(caplog):
    job = pending()
    api = PollApi(statuses=[status("PROCESSING"), status("COMPLETED")], results=[NotFound("HTTP 404"), done()])
    s = stage(api, [job], result_polls=None)
    with caplog.at_level(logging.INFO, logger="batchgen"):
        await run(s, lambda: bool(s.downloads.sent))
    assert s.poller.result_polls is False
    assert api.calls == ["result", "status", "status", "result"]  # the trial, then status polls only
    assert s.downloads.sent == [job] and s.lost.sent == []  # a refused trial is not a gone record
    assert any("polling status" in r.getMessage() for r in caplog.records)


async def test_a_trial_result_poll_that_meets_a_transient_error_is_tried_again():
    job = pending()
    api = PollApi(results=[NetworkError("reset", reached_server=True), finished(LINK, state="QUEUED"), done()])
    s = stage(api, [job], result_polls=None)
    await run(s, lambda: bool(s.downloads.sent))
    assert api.calls == ["result"] * 3 and s.poller.result_polls is True and s.downloads.sent == [job]


async def test_a_job_a_sweep_showed_finished_is_fetched_by_its_result_until_history_links_are_trusted():
    job = pending()
    api = PollApi(statuses=[status("PROCESSING")], results=[done(LINK)])
    s = stage(api, [job])
    row = HistoryRow("r-j", MODEL, "COMPLETED", job.spec.payload(), LINK, 0.28, None, None, 12.0)
    for tracked in s.k.book.jobs:
        s.poller.track(tracked)
    s.poller.hear(Shown(job, row))
    assert job.server_latency == 12.0
    await run(s, lambda: bool(s.downloads.sent))
    assert "result" in api.calls and s.downloads.sent == [job] and job.output_url == LINK


async def test_once_a_history_link_matched_its_result_jobs_a_sweep_shows_finished_need_no_result_call():
    first, second = pending("a"), pending("b")
    api = PollApi(statuses=[status("PROCESSING")], results=[done(A_LINK)])
    s = stage(api, [first, second])
    for tracked in s.k.book.jobs:
        s.poller.track(tracked)
    row_a = HistoryRow("r-a", MODEL, "COMPLETED", {}, A_LINK, 0.28, None, None, 30.0)
    s.poller.hear(Shown(first, row_a))
    await run(s, lambda: first in s.downloads.sent, track=False)
    assert api.calls.count("result") == 1 and not first.url_from_history  # compared with the result's own link
    assert s.k.reconciler.links.trusts(MODEL, B_LINK)
    row_b = HistoryRow("r-b", MODEL, "COMPLETED", {}, B_LINK, 0.3, None, None, 40.0)
    s.poller.hear(Shown(second, row_b))
    await run(s, lambda: second in s.downloads.sent, track=False)
    assert api.calls.count("result") == 1  # the second needed no result call
    assert second.output_url == B_LINK and second.url_from_history and second.cost == 0.3
    (_, event, state, fields) = s.k.ledger.lines[-1]
    assert (event, state, fields["output_url"], fields["file_size"]) == ("result", "downloading", B_LINK, None)


async def test_a_record_gone_sooner_than_configured_tightens_the_guard_and_says_so_once(caplog):
    jobs = [pending("a"), pending("b")]
    s = stage(PollApi(statuses=[status("PROCESSING")] * 4 + [NotFound("HTTP 404")]), jobs)
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        await run(s, lambda: len(s.lost.sent) == 2)
    guard = s.poller.plan.guard
    assert guard < 3600.0  # every job is now polled before records die
    assert s.k.reconciler.records_found_to_last == s.poller.plan.expiry < 3600.0  # what the lost jobs are told
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("request r-a was gone ")
    assert warnings[0].endswith(
        f"s after submission, sooner than polling.expiry_s: records live shorter than configured, so every job is "
        f"now polled within {guard:.0f}s of submission; lower polling.expiry_s to match"
    )


async def test_a_record_gone_right_after_its_submit_says_nothing_of_expiry(caplog):
    s = stage(PollApi(statuses=[NotFound("HTTP 404")]), [pending()])
    s.poller.min_interval_s = 1_000.0  # every poll comes within two minimum intervals of the submit
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        await run(s, lambda: bool(s.lost.sent))
    assert [r for r in caplog.records if r.levelno == logging.WARNING] == []
    assert s.poller.plan.guard == 3000.0


async def test_a_gone_record_the_history_cannot_say_anything_of_is_left_for_a_later_run():
    class NoHistory(PollApi):
        async def history(self, **_: Any) -> list[HistoryRow]:
            raise BadResponse("HTTP 200 with a proxy's page")

        async def history_get(self, request_id: str) -> HistoryRow:
            raise BadResponse("HTTP 200 with a proxy's page")

    job = pending()
    s = stage(NoHistory(statuses=[NotFound("HTTP 404")]), [job])
    job.sent_at = s.k.clock.now()  # sent by this run: the life cap counts it
    await run(s, lambda: s.k.book.in_flight == 0)
    [(_, event, state, fields)] = s.k.ledger.lines
    assert (event, state) == ("recover_later", "submitted") and s.lost.sent == []
    assert "proxy's page" in fields["error"]["detail"]
    # it holds no slot of this run, but most likely its place in the account's queue: counted ahead of later jobs
    assert s.poller.life.dead_ahead() == 1


async def test_a_job_taken_for_stalled_holds_its_place_in_the_account_queue_as_a_dead_record_does():
    # Its record gone, the history showing it PENDING long past the stall age: taken for stalled (lost), but a
    # job the history still shows waiting most likely holds its place ahead of the jobs sent after it.
    job = pending()

    class Pending(PollApi):
        async def history_get(self, request_id: str) -> HistoryRow:
            return HistoryRow(request_id, MODEL, "PENDING", job.spec.payload(), None, None, None, None)

    s = stage(Pending(statuses=[NotFound("HTTP 404")]), [job])
    job.submitted_at = job.sent_at = s.k.clock.now() - 5000.0  # sent by this run, long past the stall age
    await run(s, lambda: bool(s.lost.sent))
    [message] = s.lost.sent
    assert isinstance(message, Lost) and "looks stalled" in message.detail
    assert s.poller.life.dead_ahead() == 1


async def test_what_the_history_says_of_a_gone_record_carries_its_cost_and_the_lost_news_says_why():
    job = pending()
    api = PollApi(statuses=[NotFound("HTTP 404")])
    s = stage(api, [job])
    api.rows = [HistoryRow("r-j", MODEL, "COMPLETED", job.spec.payload(), LINK, 0.35, None, None)]
    await run(s, lambda: bool(s.downloads.sent))
    assert s.k.ledger.lines[-1][3]["cost"] == 0.35 and job.cost == 0.35
    gone = pending()
    s = stage(PollApi(statuses=[NotFound("HTTP 404")]), [gone])
    await run(s, lambda: bool(s.lost.sent))
    assert isinstance(s.lost.sent[0].detail, str) and "r-j" in s.lost.sent[0].detail


@pytest.mark.parametrize("row_status", ["COMPLETED", "FAILED", None])
async def test_an_api_that_keeps_answering_badly_defers_to_the_history_row(row_status):
    class Unreadable(PollApi):
        async def history_get(self, request_id: str) -> HistoryRow:
            if row_status is None:
                raise BadResponse("HTTP 200 with a login page")
            return await super().history_get(request_id)

    job = pending()
    api = Unreadable(statuses=[RouteTrouble("a redirect away")])
    s = stage(api, [job])
    if row_status is not None:
        url = LINK if row_status == "COMPLETED" else None
        api.rows = [HistoryRow("r-j", MODEL, row_status, job.spec.payload(), url, 0.4, None, "policy")]
    await run(s, lambda: s.k.book.in_flight == 0 or bool(s.downloads.sent))
    event, fields = s.k.ledger.lines[-1][1], s.k.ledger.lines[-1][3]
    if row_status == "COMPLETED":
        assert event == "result" and fields["cost"] == 0.4 and job.url_from_history and s.downloads.sent == [job]
    elif row_status == "FAILED":
        assert event == "failed" and "policy" in str(fields["error"])
    else:
        assert event == "unreachable" and "login page" in fields["error"]["detail"]


async def test_a_sweeps_sighting_the_result_calls_early_is_forgotten_and_never_fetched_later():
    """A sweep showed the job COMPLETED with a link, but its result says QUEUED (the row was early, or a
    preview's): the row's link is forgotten, and a later answer the poller cannot use does not fetch it."""
    job = pending()
    api = PollApi(statuses=[BadResponse("HTTP 200 with a proxy's page"), status("COMPLETED")],
                  results=[finished(A_LINK, state="QUEUED"), done(LINK)])  # fmt: skip
    s = stage(api, [job])
    for tracked in s.k.book.jobs:
        s.poller.track(tracked)
    s.poller.hear(Shown(job, HistoryRow("r-j", MODEL, "COMPLETED", job.spec.payload(), A_LINK, 0.28, None, None)))
    await run(s, lambda: bool(s.downloads.sent), track=False)
    assert s.downloads.sent == [job] and job.output_url == LINK and not job.url_from_history


def test_a_history_link_is_trusted_only_in_the_shape_of_the_one_that_matched_its_result():
    """Scheme, host, first folder and suffix: a preview's link in another folder is never taken for the video."""
    links = HistoryLinks()
    links.compare(MODEL, A_LINK, A_LINK.replace("sig=1", "sig=9"))
    assert links.trusts(MODEL, B_LINK) and links.history_urls is True
    assert not links.trusts(MODEL, B_LINK.replace("/generations/", "/previews/"))
    assert not links.trusts(MODEL, B_LINK.replace(".mp4", ".jpg"))
    assert not links.trusts("another-model", B_LINK)


def test_a_job_a_sweep_shows_finished_again_keeps_the_first_sighting_as_the_bound_of_its_finish():
    """Its finish lies before the first page that showed it finished: a later sweep showing it again (before it
    is settled) says nothing more, and moving the bound later would teach the sweeps a slower kind."""
    job = pending()
    s = stage(PollApi(statuses=[status("PROCESSING")]), [job])
    s.poller.track(job)
    row = HistoryRow("r-j", MODEL, "COMPLETED", job.spec.payload(), LINK, 0.28, None, None)
    s.poller.hear(Shown(job, row, shown_at=job.submitted_at + 50.0))
    s.poller.hear(Shown(job, row, shown_at=job.submitted_at + 70.0))
    assert job.done_age == 50.0


async def test_a_job_the_lag_check_wants_is_settled_by_its_result_though_its_link_is_trusted():
    """History links are trusted, but this sighting came after the finish the row gives (a history that may
    lag): the job's result is asked for, and says whether it does."""
    first, second = pending("a"), pending("b")
    api = PollApi(statuses=[status("PROCESSING")], results=[done(A_LINK), done(B_LINK)])
    s = stage(api, [first, second])
    for tracked in s.k.book.jobs:
        s.poller.track(tracked)
    s.poller.hear(Shown(first, HistoryRow("r-a", MODEL, "COMPLETED", {}, A_LINK, 0.28, None, None, 30.0)))
    await run(s, lambda: first in s.downloads.sent, track=False)
    assert s.k.reconciler.links.trusts(MODEL, B_LINK) and api.calls.count("result") == 1
    row_b = HistoryRow("r-b", MODEL, "COMPLETED", {}, B_LINK, 0.3, None, None, 40.0)
    s.poller.hear(Shown(second, row_b, check=True))
    await run(s, lambda: second in s.downloads.sent, track=False)
    assert api.calls.count("result") == 2 and not second.url_from_history


async def test_a_job_found_in_the_history_after_a_lost_submit_is_dated_from_when_it_was_found_when_its_record_dies():
    # A lost POST is dated from the earliest it may have gone (a killed run's line, less a slack), which may be
    # long before the request was made.  Its record gone, the history showing it PENDING: dated so, it was past
    # six times the published time at once, taken for stalled, and its paid video never fetched.
    job = pending()

    class Unfinished(PollApi):
        look_ups = 0

        async def history_get(self, request_id: str) -> HistoryRow:
            self.look_ups += 1
            done = self.look_ups > 1
            state, url = ("COMPLETED", LINK) if done else ("PENDING", None)
            return HistoryRow(request_id, MODEL, state, job.spec.payload(), url, 0.28, None, None)

    api = Unfinished(statuses=[NotFound("HTTP 404")])
    s = stage(api, [job])
    job.submitted_at = s.k.clock.now() - 5000.0  # its lost POST's earliest: past the stall age of a job made then
    job.made_by = s.k.clock.now()  # found in the history, and attached, now
    await run(s, lambda: bool(s.downloads.sent or s.lost.sent))
    assert s.downloads.sent == [job] and s.lost.sent == [] and api.look_ups == 2


class Queued(PollApi):
    """Every record gone, but ``a``'s until ``a_done`` (fake seconds, if any), while it runs; the history shows each
    job PENDING, and ``a`` COMPLETED from then."""

    def __init__(self, a_done: float | None = None) -> None:
        super().__init__(statuses=[NotFound("HTTP 404")])
        self.a_done, self.clock = a_done, cast(Any, None)
        self.jobs: dict[str, TrackedJob] = {}

    async def status(self, request_id: str) -> Status:
        if request_id == "r-a" and self.a_done is not None and self.clock.now() < self.a_done:
            return status("PROCESSING")
        return await super().status(request_id)

    async def history_get(self, request_id: str) -> HistoryRow:
        body = self.jobs[request_id].spec.payload()
        if request_id == "r-a" and self.a_done is not None and self.clock.now() >= self.a_done:
            return HistoryRow(request_id, MODEL, "COMPLETED", body, LINK, 0.28, None, None)
        return HistoryRow(request_id, MODEL, "PENDING", body, None, None, None, None)


def queued_stage(
    api: Queued, a_seconds: int = 5, took: float = 1300.0
) -> tuple[Any, TrackedJob, TrackedJob, list[float]]:
    """a (of ``a_seconds``), then b 0.1 s later, sent long ago; 5-s jobs learned to take ``took`` s (10-s ones twice
    that; 1,300 s: their records died as configured, an hour after), and the history seen to list a request 2 s
    after its POST: a 5-s job is taken for stalled three times ``took`` after it began (a at 10 s, b at 10.1 s, each
    on its own), and looked at about once a minute.  Each loss is timed."""
    latency = LatencyModel()
    a = TrackedJob(JobSpec("a", MODEL, {"prompt": "a fox", "duration": a_seconds}), JobState.PENDING, 0.28)
    for _ in range(4):
        latency.observe(latency_key(pending().spec), took)
        latency.observe(latency_key(a.spec), 2 * took if a_seconds == 10 else took)
    b = pending("b")
    s = stage(api, [a, b], latency=latency)
    api.clock, clock, reconciler = s.k.clock, s.k.clock, s.k.reconciler
    api.jobs = {"r-a": a, "r-b": b}
    for rid in ("r-x", "r-y", "r-z"):
        reconciler.note_submitted(rid, clock.epoch() - 2.0)
        reconciler.note_seen(rid)
    a.submitted_at = a.sent_at = clock.now() - 3 * took + 10.0
    b.submitted_at = b.sent_at = a.submitted_at + 0.1
    times: list[float] = []
    lost = s.lost.send

    async def timed(message: Any) -> None:
        times.append(clock.now())
        await lost(message)

    s.lost.send = timed  # type: ignore[method-assign,assignment]
    return s, a, b, times


async def test_a_job_shown_pending_after_its_record_died_waits_for_the_jobs_sent_before_it_to_be_through():
    # b waits behind a, a 10-s job, in the account's queue: it is not taken for stalled while a is unfinished
    # (a finishes at 100 s, past b's own stall time), and its own time then runs from when a was seen finished (its
    # record gone, in the history: no poll saw it finish).
    s, a, b, _ = queued_stage(Queued(a_done=100.0), a_seconds=10)
    await run(s, lambda: False, limit_s=1000.0, step_s=500.0)
    assert s.downloads.sent == [a] and s.lost.sent == []
    assert list(s.poller.by_request.values()) == [b]  # still watched
    told = s.k.reconciler.stalled(b, "PENDING", 4990.0, 3900.0).detail
    assert "at least 83.2 min after it was made and 65 min after the last job sent before it finished" in told


async def test_jobs_shown_pending_after_their_records_died_are_given_up_together_once_none_ahead_moves():
    # a never finishes: given up, it frees no worker.  b behind it was waiting only for it: it is looked at again
    # at once and given up too, not a poll interval later (a chain of such jobs would take one interval each).
    s, a, b, times = queued_stage(Queued())
    await run(s, lambda: len(s.lost.sent) == 2, step_s=600.0)
    assert [message.job for message in s.lost.sent] == [a, b]
    assert 10.0 <= times[0] <= times[1] < times[0] + 1.0
    assert all("job sent before it" not in message.detail for message in s.lost.sent)  # none ahead finished


async def test_a_job_watched_in_the_history_is_looked_at_by_its_stall_time_when_the_polls_are_planned_again():
    # Both records died sooner than configured (an hour): each 404 plans every job's polls again, and a watched
    # job planned again lost its look at its stall time (due at 10 s, it came a poll gap later).
    s, a, _, times = queued_stage(Queued(), took=1190.0)
    await run(s, lambda: len(s.lost.sent) == 2, step_s=600.0)
    assert s.lost.sent[0].job is a and 10.0 <= times[0] < 11.0
