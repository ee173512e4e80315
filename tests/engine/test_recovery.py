"""Recovery decisions, without a simulator: what an unknown submit's history look-up concludes."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import anyio
import pytest

from batchgen.api.answers import HistoryRow
from batchgen.api.gateway import Gateway
from batchgen.api.ratelimit import RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.engine.history_trouble import HistoryTrouble
from batchgen.engine.lookup import NotCaughtUp
from batchgen.engine.recovery import MAX_ROWS_ANY_ORDER, Reconciler
from batchgen.engine.verdicts import Attach, Failed, Found, Gone, Later, Leave, Link, Resubmit, Running
from batchgen.errors import NotFound, ServerError, SpelledOtherwise, TransientError
from batchgen.jobs import Event, JobSpec, JobState, TrackedJob
from batchgen.retry import RetryPolicy, set_testing

MODEL = "kling-text2video"


class FakeApi:
    """Serves a fixed request history (newest first, in pages of 100); counts look-ups."""

    date_ahead: float | None = None  # no Date header read, unless a test sets one
    history_answered: bool | None = False  # as if it answered no page (True once one is read)

    def date_ahead_at(self, epoch: float) -> float | None:
        return self.date_ahead

    def __init__(self, rows: list[HistoryRow] | Exception, by_id: dict[str, HistoryRow] | None = None) -> None:
        self.rows = rows
        self.by_id = by_id or {}
        self.calls = 0
        self.queries: list[dict[str, Any]] = []

    async def history(self, **query: Any) -> list[HistoryRow]:
        self.calls += 1
        self.queries.append(query)
        if isinstance(self.rows, Exception):
            raise self.rows
        self.history_answered = True
        page = query.get("page", 1)
        return self.rows[(page - 1) * 100 : page * 100]

    async def history_get(self, request_id: str) -> HistoryRow:
        self.calls += 1
        if isinstance(self.rows, Exception):
            raise self.rows
        if request_id not in self.by_id:
            raise NotFound("404")
        return self.by_id[request_id]


def row(rid: str, prompt: str, created: float, status: str = "QUEUED", url: str | None = None) -> HistoryRow:
    return HistoryRow(rid, MODEL, status, {"prompt": prompt}, url, 0.28 if url else None, created, None)


def reconciler(clock: FakeClock, api: FakeApi, *, max_attempts: int = 6, patience_s: float = 300.0) -> Reconciler:
    policy = RetryPolicy(RetrySettings(max_attempts=2))
    gateway = Gateway(RequestBudget(10_000, clock=clock, burst=10_000), policy, clock)
    return Reconciler(gateway=gateway, api=api, clock=clock, max_attempts=max_attempts, patience_s=patience_s)  # type: ignore[arg-type]


def tied(rec: Reconciler, since: float, ahead: float = 0.0) -> Reconciler:
    """A reconciler that saw the history stamp a request of ours answered before ``since``: the
    server's clock runs ``ahead`` seconds ahead of ours."""
    rec.note_submitted("tie", since - 30.0, made_by=since - 20.0, model="kling-text2video")
    rec.note_seen("tie", since - 20.0 + ahead)
    return rec


def job(prompt: str = "a fox", attempts: int = 1) -> TrackedJob:
    j = TrackedJob(JobSpec("j", MODEL, {"prompt": prompt}), JobState.SUBMITTING, 0.28)
    j.submit_attempts = attempts
    return j


async def test_a_created_job_is_attached_and_claimed():
    clock = FakeClock()
    since = clock.epoch() - 5
    rec = reconciler(clock, FakeApi([row("other", "a cat", since + 1), row("mine", "a fox", since + 1)]))
    assert await rec.settle(job(), since=since) == Attach("mine")
    assert "mine" in rec.claimed


async def test_a_request_claimed_by_another_job_is_never_attached_twice():
    clock = FakeClock()
    since = clock.epoch() - 5
    rec = tied(reconciler(clock, FakeApi([row("r1", "a fox", since + 1), row("r2", "a fox", since + 2)])), since)
    first, second = job(), job()
    assert await rec.settle(first, since=since) == Attach("r1")
    assert await rec.settle(second, since=since) == Attach("r2")  # two identical rows: two distinct requests


async def test_absence_is_not_trusted_until_the_history_has_caught_up():
    clock = FakeClock()
    since = clock.epoch() - 5
    api = FakeApi([row("someone-else", "a cat", since + 1)])
    rec = reconciler(clock, api)
    verdict = await _settle_on_clock(clock, rec, job(), since)
    assert isinstance(verdict, Leave) and verdict.event == "settle_later" and verdict.state is JobState.SUBMITTING
    assert api.calls >= 2  # it looked again while waiting for the history to catch up


async def test_absence_after_a_later_request_of_ours_was_seen_means_resubmit():
    clock = FakeClock()
    since = clock.epoch() - 5
    rec = reconciler(clock, FakeApi([row("ours-later", "a dog", since + 2)]))
    rec.note_submitted(
        "ours-later", since + 1, sent_from=since + 1, model="kling-text2video"
    )  # sent after the attempt, and listed
    assert await rec.settle(job(), since=since, until=since) == Resubmit()
    exhausted = await rec.settle(job(attempts=6), since=since, until=since)
    assert exhausted == Leave(
        Event.SUBMIT_POSTPONED,
        JobState.PENDING,
        "6 submits ended without an answer and no job was created; run again later",
    )


async def test_an_earlier_runs_request_shows_the_history_caught_up_only_by_when_its_post_went_out():
    # A re-run after a kill: "b" was sent just before the lost attempt and answered after it.  A history
    # that lags lists b and not yet the attempt's row; b's answer time is no evidence, its send time is.
    clock = FakeClock()
    since = clock.epoch() - 5
    rec = reconciler(clock, FakeApi([row("b", "a dog", since - 0.1)]))
    rec.note_submitted(
        "b", since + 0.3, model="kling-text2video"
    )  # answered after the attempt went out (an old ledger: no send time)
    _, later = await rec.find(job(), since=since)
    assert later is False
    verdict = await _settle_on_clock(clock, rec, job(), since)
    assert isinstance(verdict, Leave) and verdict.event == "settle_later"  # never made again on that
    rec = reconciler(clock, FakeApi([row("b", "a dog", since - 0.1)]))
    rec.note_submitted(
        "b", since + 0.3, posted=since - 0.2, model="kling-text2video"
    )  # its ledger line says when its POST went out
    _, later = await rec.find(job(), since=since)
    assert later is False
    # sent after the attempt went out, before that run ended: the attempt may have been made later still
    rec = reconciler(clock, FakeApi([row("c", "a dog", since + 1.1)]))
    rec.note_submitted("c", since + 1.3, posted=since + 1.0, model="kling-text2video")
    verdict = await _settle_on_clock(clock, rec, job(), since)
    assert isinstance(verdict, Leave) and verdict.event == "settle_later"
    # one of this run's, sent after it began (the earlier run had ended by then): evidence
    rec = reconciler(clock, FakeApi([row("d", "a dog", clock.epoch() + 1.1)]))
    rec.note_submitted("d", clock.epoch() + 1.3, sent_from=clock.epoch() + 1.0, model="kling-text2video")
    assert await rec.settle(job(), since=since) == Resubmit()


async def test_an_unreadable_history_leaves_the_job_for_later():
    clock = FakeClock()
    with set_testing():
        verdict = await reconciler(clock, FakeApi(ServerError("503")), patience_s=0).settle(job(), since=clock.epoch())
    assert isinstance(verdict, Leave) and verdict.event == "reconcile_failed" and "could not be read" in verdict.detail
    assert verdict.state is JobState.SUBMITTING
    assert verdict.detail.endswith("unknown, so the job was not submitted again. Run again later to settle it")


async def test_a_history_that_answers_404_leaves_the_job_with_what_settles_it_not_a_plain_rerun():
    # a later run meets the same answer: not "run again later", but what does settle it, and where to look
    clock = FakeClock()
    since = clock.epoch()
    with set_testing():
        api = FakeApi(NotFound("not found while reading the request history (HTTP 404: Not Found)", status=404))
        verdict = await reconciler(clock, api, patience_s=0).settle(job(), since=since)
    assert isinstance(verdict, Leave) and verdict.event == "reconcile_failed" and not verdict.rerun
    assert verdict.state is JobState.SUBMITTING
    when = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert verdict.detail == (
        "the request history answers that it is not there (not found while reading the request history (HTTP 404: "
        "Not Found)), and only it can show whether the submit made a job: the job was not submitted again (that "
        "could pay twice), and no run settles it while the history answers so. The same command settles it once "
        "the history answers again; or look for a kling-text2video request sent about "
        f"{when} in the account's request history and, if there is none, give this row a new id (paid again if the "
        "lost one was made)"
    )


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ({"r": row("r", "x", 0.0, "COMPLETED", "http://127.0.0.1/v.mp4")}, Found("http://127.0.0.1/v.mp4", 0.28)),
        ({"r": row("r", "x", 0.0, "FAILED")}, Failed),
        ({}, Gone),
    ],
)
async def test_an_expired_record_is_looked_up_by_id(history, expected):
    clock = FakeClock()
    j = job()
    j.request_id = "r"
    found = await reconciler(clock, FakeApi([], history)).recover_missing(j)
    assert found == expected if isinstance(expected, Found) else isinstance(found, expected)
    if isinstance(found, Gone):
        assert "--resubmit-lost" in found.detail


async def test_an_expired_record_not_found_dashed_is_asked_bare_as_a_request_of_its_own():
    # The history has not shown how it spells ids; asked dashed, it has no such request.  Asked again bare in the
    # same call, the second request went out on the first one's grant: two requests for one place in the budget,
    # a 429 at a tight limit every time (and look-ups retried behind it, while polls waited).  Each is granted.
    class Bare(FakeApi):
        async def history_get(self, request_id: str) -> HistoryRow:
            self.calls += 1
            raise SpelledOtherwise(f"not found while looking up request {request_id} in the history", status=404)

        async def history_get_bare(self, request_id: str) -> HistoryRow:
            self.calls += 1
            return self.by_id[request_id]

    clock = FakeClock()
    j = job()
    j.request_id = "r"
    rec = reconciler(clock, Bare([], {"r": row("r", "a fox", 0.0, "COMPLETED", url="http://127.0.0.1:9/r.mp4")}))
    found = await rec.recover_missing(j)
    assert found == Found("http://127.0.0.1:9/r.mp4", 0.28, None)
    assert rec.api.calls == 2 and rec.gateway.requests == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("answered", "expected"),
    [
        (None, Running(None)),  # not asked for a page yet (a resumed run's first poll): it may lag
        (True, Running(None)),  # it answers pages: a request not listed may lag there, or be listed once finished
        (False, Gone),  # it answered a page 404: there is no history to wait for
    ],
)
async def test_a_record_gone_that_the_history_does_not_list_is_watched_unless_there_is_no_history(answered, expected):
    api = FakeApi([], {"u": row("u", "x", 0.0, "PENDING")})
    api.history_answered = answered
    rec = reconciler(FakeClock(), api)
    gone, unfinished = job(), job()
    gone.request_id, unfinished.request_id = "r", "u"
    found = await rec.recover_missing(gone)
    assert found == expected if isinstance(expected, Running) else isinstance(found, expected)
    assert await rec.recover_missing(unfinished) == Running("PENDING")  # listed unfinished: watched, whatever


@pytest.mark.parametrize("listed", [False, True])
async def test_a_job_watched_too_long_is_told_stalled_or_unknown_to_the_api_by_what_the_history_listed(listed):
    clock = FakeClock(start=5000.0)
    rec = reconciler(clock, FakeApi([]))
    if listed:  # a request of ours was seen listed: the history knows this account's requests
        rec.note_submitted("o", clock.epoch())
        rec.note_listed(row("o", "x", clock.epoch(), "COMPLETED", "http://127.0.0.1/o.mp4"))
    j = job()
    j.request_id, j.submitted_at = "r", 5000.0 - 1800.0
    detail = rec.stalled(j, None, 1800.0).detail
    if listed:
        assert detail.startswith("its record is gone (404) and the request history does not list it at least 30 min")
        assert "it looks stalled (charged only if it ever finishes)" in detail
    else:  # none of ours ever was (another account's, a server that lost its requests): the API does not know it
        assert detail.startswith("the API does not know request r (404), sent 30 min ago")
    pending = rec.stalled(j, "PENDING", 1800.0).detail
    assert pending.startswith("its record is gone (404) and the request history still shows it PENDING at least 30")


class OutageApi(FakeApi):
    """Answers 502 until ``fails`` look-ups have been made, then serves its history.  (A 503 is no answer
    at all: the gateway itself retries it up to the reachability bound, see tests/api/test_gateway_reach.py.)"""

    def __init__(self, rows: list[HistoryRow], fails: int) -> None:
        super().__init__(rows)
        self.fails = fails

    async def history(self, **query: Any) -> list[HistoryRow]:
        if self.fails > 0:
            self.fails -= 1
            self.calls += 1
            raise ServerError("502 Bad Gateway", status=502)
        return await super().history(**query)


async def test_an_unknown_submit_whose_look_up_falls_in_an_outage_is_settled_once_the_api_answers():
    clock = FakeClock()
    since = clock.epoch() - 5
    api = OutageApi([row("theirs", "a fox", since + 1)], fails=4)
    with set_testing(attempts=1):
        verdict = await _settle_on_clock(clock, reconciler(clock, api), job(), since)
    assert verdict == Attach("theirs")
    assert api.calls == 5 and api.fails == 0


async def test_an_outage_longer_than_the_patience_leaves_the_job_for_later():
    clock = FakeClock()
    api = OutageApi([], fails=10_000)
    with set_testing(attempts=1):
        verdict = await _settle_on_clock(clock, reconciler(clock, api, patience_s=60.0), job(), clock.epoch())
    assert isinstance(verdict, Leave) and verdict.event == "reconcile_failed" and verdict.state is JobState.SUBMITTING
    assert 3 <= api.calls <= 20


async def _settle_on_clock(clock: FakeClock, rec: Reconciler, j: TrackedJob, since: float) -> Any:
    """Settle while moving the fake clock past each look-up delay."""
    verdict: list[Any] = []

    async def work() -> None:
        verdict.append(await rec.settle(j, since=since))

    async with anyio.create_task_group() as tg:
        tg.start_soon(work)
        while not verdict:
            await anyio.wait_all_tasks_blocked()
            clock.advance(10.0)
    return verdict[0]


class FailingHistory(FakeApi):
    """Answers every look-up 500, and notes when (run seconds)."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(ServerError("500 Internal Server Error", status=500))
        self.clock = clock
        self.at: list[float] = []

    async def history(self, **query: Any) -> list[HistoryRow]:
        self.at.append(self.clock.now())
        return await super().history(**query)

    async def history_get(self, request_id: str) -> HistoryRow:
        self.at.append(self.clock.now())
        return await super().history_get(request_id)


@pytest.mark.parametrize("look", ["recover_missing", "look_up", "refresh_output"])
async def test_look_ups_by_request_id_share_the_spell_of_a_history_in_trouble(look):
    """Five jobs whose records expired (or whose answers cannot be used, or whose links failed) while the
    history answers 500: each asked on its own with the gateway's retries, 30 requests in all and more; one
    spell for all of them asks on the same schedule as for a single unknown submit, and tells each."""
    clock = FakeClock()
    api = FailingHistory(clock)
    rec = reconciler(clock, api)
    waiting = jobs(5)
    for i, j in enumerate(waiting):
        j.request_id = f"r{i}"
    answers: list[Any] = []

    async def ask(j: TrackedJob) -> None:
        if look == "refresh_output":  # its result is asked first: gone (404), so the history is asked
            rec.api = ResultApi(NotFound("404"))  # type: ignore[assignment]
            rec.api.history_get = api.history_get  # type: ignore[method-assign]
        answers.append(await getattr(rec, look)(j))

    with set_testing():
        async with clock.autojump(), anyio.create_task_group() as tg:
            for j in waiting:
                tg.start_soon(ask, j)
    assert api.at == [0.0, 0.0, 5.0, 15.0, 35.0, 75.0, 155.0, 300.0]
    if look == "refresh_output":
        assert answers == [None] * 5  # could not be asked: tried again later, never taken for "no link"
    else:
        assert all(isinstance(a, Later) and "could not be read" in a.detail for a in answers)


def jobs(count: int) -> list[TrackedJob]:
    return [TrackedJob(JobSpec(f"j{i}", MODEL, {"prompt": f"p{i}"}), JobState.SUBMITTING, 0.28) for i in range(count)]


async def _settle_all(clock: FakeClock, rec: Reconciler, waiting: list[TrackedJob], since: float) -> list[Any]:
    """Settle every job at once, time jumping to the next deadline whenever all of them wait."""
    verdicts: dict[str, Any] = {}

    async def work(j: TrackedJob) -> None:
        verdicts[j.spec.id] = await rec.settle(j, since=since)

    async with clock.autojump(), anyio.create_task_group() as tg:
        for j in waiting:
            tg.start_soon(work, j)
    return [verdicts[j.spec.id] for j in waiting]


@pytest.mark.parametrize("count", [1, 5])
async def test_a_history_answering_500_is_probed_once_for_every_job_waiting_then_all_are_told_at_once(count):
    """However many unknown submits wait, the history is asked on one schedule: the first look-up with the
    gateway's retries (2 here), then one request per probe, 5, 10, 20, 40, 80 s apart, until the patience
    (300 s) is spent; then every job is left 'submitting', none is sent again."""
    clock = FakeClock()
    api = FailingHistory(clock)
    rec = reconciler(clock, api)
    with set_testing():  # the gateway's backoff is 0; the probes' waits are on the clock
        verdicts = await _settle_all(clock, rec, jobs(count), clock.epoch())
    assert api.at == [0.0, 0.0, 5.0, 15.0, 35.0, 75.0, 155.0, 300.0]
    assert [(v.event, v.state) for v in verdicts] == [(Event.RECONCILE_FAILED, JobState.SUBMITTING)] * count
    # each is told the spell, the job whose look-up ended it too (not the last look-up's words, which name its
    # request: another job's, for all but one), so the summary gives them one reason
    spell = "the request history could not be read (every look-up in the request history failed for 300 s, the last "
    assert all(spell + "with HTTP 500)" in v.detail for v in verdicts)


async def test_a_look_up_soon_after_the_history_gave_up_is_told_at_once_and_a_later_one_asks_again():
    clock = FakeClock()
    api = FailingHistory(clock)
    rec = reconciler(clock, api)
    with set_testing():
        await _settle_all(clock, rec, jobs(1), clock.epoch())
        asked = len(api.at)
        # Within the patience after the spell gave up: the same verdict, no request, no wait.
        clock.advance(299.0)
        (told,) = await _settle_all(clock, rec, jobs(1), clock.epoch())
        assert told.event == Event.RECONCILE_FAILED and len(api.at) == asked and clock.now() == 599.0
        # Later the history is asked again, and it has been mended: the job is found.
        clock.advance(1.0)
        since = clock.epoch() - 5
        api.rows = [row("theirs", "p0", since + 1)]
        assert await _settle_all(clock, rec, jobs(1), since) == [Attach("theirs")]
        assert len(api.at) == asked + 1 and rec.trouble.began is None


async def test_an_outage_long_after_a_spell_gave_up_is_ridden_out_as_a_new_spell_not_given_up_at_once():
    """The history gave up at 300 s; 600 s later it fails again: a new spell, with the gateway's retries and
    the probes' schedule again, not the old spell past its patience, which would tell the job at once."""
    clock = FakeClock()
    api = FailingHistory(clock)
    rec = reconciler(clock, api)
    with set_testing():
        await _settle_all(clock, rec, jobs(1), clock.epoch())
        clock.advance(600.0)
        start, asked = clock.now(), len(api.at)
        (told,) = await _settle_all(clock, rec, jobs(1), clock.epoch())
    assert [at - start for at in api.at[asked:]] == [0.0, 0.0, 5.0, 15.0, 35.0, 75.0, 155.0, 300.0]
    assert (told.event, told.state) == (Event.RECONCILE_FAILED, JobState.SUBMITTING)


def test_a_spell_that_gives_up_tells_its_latest_failure_not_its_first():
    """A spell that began with a 500 and ended on a 502 tells the jobs that ask after it gave up what the
    history answered last, as it now stands, in the spell's words: the last look-up's own name the request it
    was for, another job's."""
    clock = FakeClock()
    trouble = HistoryTrouble(clock, patience_s=300.0)
    first = ServerError("500 while looking up request r1 in the history", status=500, detail="Internal Server Error")
    last = ServerError("502 while looking up request r1 in the history", status=502, detail="Bad Gateway")
    assert not trouble.failed(first)
    clock.advance(300.0)
    assert trouble.failed(last)
    clock.advance(10.0)
    told = trouble.verdict()
    assert isinstance(told, TransientError) and told.status == 502
    assert str(told) == "every look-up in the request history failed for 300 s, the last with HTTP 502: Bad Gateway"


async def test_a_history_that_answers_a_look_up_by_id_with_a_404_ends_its_spell_of_trouble():
    """A spell of 500s begins; the next probe is answered (404: that request has no row): the history answers,
    and the spell is over.  Long after, one more 500 is ridden out as by any look-up outside a spell (the
    gateway's retries), not taken for the old spell running past its patience, which would tell the job at
    once that the history cannot be read."""
    clock = FakeClock()
    answers: list[Any] = [ServerError("500", status=500)] * 2 + [NotFound("404"), ServerError("500", status=500)]
    answers.append(row("r2", "p", clock.epoch(), status="COMPLETED", url="http://127.0.0.1:9/r2.mp4"))

    class Scripted(FakeApi):
        async def history_get(self, request_id: str) -> HistoryRow:
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

    rec = reconciler(clock, Scripted([]))
    first, second = jobs(2)
    first.request_id, second.request_id = "r1", "r2"
    with set_testing():
        async with clock.autojump():
            assert isinstance(await rec.recover_missing(first), Gone)
            await clock.sleep(400.0)
            assert await rec.recover_missing(second) == Found("http://127.0.0.1:9/r2.mp4", 0.28)
    assert answers == []


class DeepPagesFail(FailingHistory):
    """Serves page 1 of its history; every later page answers 500."""

    def __init__(self, clock: FakeClock, rows: list[HistoryRow]) -> None:
        super().__init__(clock)
        self.rows = rows
        self.pages: list[int] = []

    async def history(self, **query: Any) -> list[HistoryRow]:
        self.at.append(self.clock.now())
        self.pages.append(query.get("page", 1))
        if query.get("page", 1) > 1:
            raise ServerError("500 Internal Server Error", status=500)
        return await FakeApi.history(self, **query)


async def test_a_look_up_whose_later_page_fails_is_a_failure_and_the_spell_still_gives_up():
    """A look-up that read page 1 and then failed on page 2 is no answer: the spell goes on (page 1 answering
    does not begin it again), its probes wait 5, 10, 20 ... s and are not retried, and at the patience every job
    is left 'submitting'.  (Taking page 1 for an answer began a new spell at every probe: 5 s apart for ever.)"""
    clock = FakeClock()
    since = clock.epoch() - 5
    api = DeepPagesFail(clock, [row(f"o{i}", f"other {i}", since + 1 + i / 1000) for i in range(150)][::-1])
    rec = reconciler(clock, api)
    with set_testing(), anyio.fail_after(10):
        verdicts = await _settle_all(clock, rec, jobs(3), since)
    assert [(v.event, v.state) for v in verdicts] == [(Event.RECONCILE_FAILED, JobState.SUBMITTING)] * 3
    # the first look-up: page 1, then page 2 with the gateway's 2 attempts; each probe: page 1, page 2 once
    assert api.pages == [1, 2, 2] + [1, 2] * 6
    assert sorted(set(api.at)) == [0.0, 5.0, 15.0, 35.0, 75.0, 155.0, 300.0]


async def test_the_same_body_in_another_key_order_is_the_same_request():
    clock = FakeClock()
    since = clock.epoch() - 5
    body = {"prompt": "a fox", "duration": 5, "aspect_ratio": "16:9", "mode": "std"}
    shuffled = {k: body[k] for k in ("duration", "prompt", "mode", "aspect_ratio")}  # neither order is sorted
    listed = HistoryRow("r", MODEL, "QUEUED", shuffled, None, None, since + 1, None)
    j = TrackedJob(JobSpec("j", MODEL, body), JobState.SUBMITTING, 0.28)
    rec = reconciler(clock, FakeApi([listed]))
    assert await rec.settle(j, since=since) == Attach("r")


async def test_only_requests_of_the_same_model_and_no_older_than_the_attempt_match():
    clock = FakeClock()
    since = clock.epoch() - 1000
    other_model = HistoryRow("m", "kling-1.6-text2video", "QUEUED", {"prompt": "a fox"}, None, None, since + 1, None)
    too_old = row("old", "a fox", since - 500)  # before the attempt, by more than any clock skew
    rec = tied(reconciler(clock, FakeApi([other_model, too_old])), since)
    row_found, _ = await rec.find(job(), since=since)
    assert row_found is None
    skewed = row("skewed", "a fox", since - 60)  # stamped a minute early (a record stamped late is spared)
    row_found, _ = await tied(reconciler(clock, FakeApi([skewed])), since).find(job(), since=since)
    assert row_found is not None and row_found.request_id == "skewed"
    earliest = [row("later", "a fox", since + 20), row("earlier", "a fox", since + 10)]
    row_found, _ = await tied(reconciler(clock, FakeApi(earliest)), since).find(job(), since=since)
    assert row_found is not None and row_found.request_id == "earlier"


async def test_the_search_reads_further_pages_until_it_passes_the_attempt():
    clock = FakeClock()
    since = clock.epoch() - 1000
    newer = [row(f"n{i}", "other", since + 500 - i, "COMPLETED") for i in range(100)]
    mine = row("mine", "a fox", since + 10)
    api = FakeApi([*newer, mine])
    rec = tied(reconciler(clock, api), since)
    found, _ = await rec.find(job(), since=since)
    assert found is not None and found.request_id == "mine"
    assert [q["page"] for q in api.queries] == [1, 2]
    # no request of ours of the model listed yet: every model's rows are asked for (its name is not known)
    assert all(q["model"] is None and q["from_date"] for q in api.queries)
    older = [row(f"o{i}", "other", since - 1000 - i) for i in range(100)]
    api = FakeApi([*older, mine])
    found, _ = await tied(reconciler(clock, api), since).find(job(), since=since)
    assert found is None and len(api.queries) == 1  # the first page already went past the attempt


async def test_until_the_servers_clock_is_tied_to_ours_no_rows_time_proves_anything():
    # Ten hours behind: every row, the attempt's own among them, looks made long before it was sent
    clock = FakeClock()
    since = clock.epoch() - 1000
    behind = since - 36_000.0
    newer = [row(f"n{i}", "other", behind + 500 - i) for i in range(100)]
    api = FakeApi([*newer, row("mine", "a fox", behind + 5)])
    found, _ = await reconciler(clock, api).find(job(), since=since)
    assert found is not None and found.request_id == "mine" and len(api.queries) == 2
    # Once a request of ours, answered before the attempt, is seen stamped ten hours early: the same...
    rec = tied(reconciler(clock, FakeApi([*newer, row("mine", "a fox", behind + 5)])), since, ahead=-36_000.0)
    found, _ = await rec.find(job(), since=since)
    assert found is not None and found.request_id == "mine"
    # ... and a row older than the attempt by that clock proves its row is not further down
    rec = tied(reconciler(clock, api := FakeApi([*newer, row("old", "a fox", behind - 500)])), since, ahead=-36_000.0)
    found, _ = await rec.find(job(), since=since)
    assert found is None and len(api.queries) == 2
    # Untied, that row proves nothing, and is the only candidate: attached, not paid for again
    found, _ = await reconciler(clock, FakeApi([row("old", "a fox", behind - 500)])).find(job(), since=since)
    assert found is not None and found.request_id == "old"
    # Untied by rows, the API's Date header (ten hours behind too) stands in
    dated = FakeApi([*newer, row("old", "a fox", behind - 500)])
    dated.date_ahead = -36_000.0
    found, _ = await reconciler(clock, dated).find(job(), since=since)
    assert found is None and len(dated.queries) == 2
    # A clock seen ahead of ours is never trusted for more than ours: stamps may mean a later moment
    rec = tied(reconciler(clock, FakeApi([row("old", "a fox", since - 500)])), since, ahead=36_000.0)
    assert rec.stamps.earliest_stamp(since) == since - 120.0
    found, _ = await rec.find(job(), since=since)
    assert found is None


async def test_a_request_sent_while_the_attempt_was_unanswered_does_not_show_the_history_caught_up():
    # The attempt went out at since and its 5xx came back 30 s later; "z" was sent 10 s in (made first,
    # perhaps, while the attempt's body still uploaded).  A lagging history listing z says nothing of it.
    clock = FakeClock()
    since = clock.epoch() - 1000
    rec = reconciler(clock, FakeApi([row("z", "a dog", since + 11)]))
    rec.note_submitted("z", since + 12, made_by=since + 12, sent_from=since + 10, model="kling-text2video")
    _, later = await rec.find(job(), since=since, until=since + 30)
    assert later is False
    _, later = await rec.find(job(), since=since)  # the outcome's time not known (a resumed job): as before
    assert later is True
    rec.note_submitted(
        "w", since + 41, made_by=since + 41, sent_from=since + 40, model="kling-text2video"
    )  # sent after the 5xx came back
    rec.api.rows = [row("w", "a cat", since + 40.5), *rec.api.rows]  # type: ignore[attr-defined]
    _, later = await rec.find(job(), since=since, until=since + 30)
    assert later is True


async def test_answers_that_came_back_out_of_order_do_not_make_the_listing_look_out_of_order():
    # x was sent first and answered last; y, sent after x, was made after it or not: either order is newest first
    clock = FakeClock()
    since = clock.epoch() - 1000
    for order in (["y", "x"], ["x", "y"]):
        rec = reconciler(clock, FakeApi([row(rid, "other", None) for rid in order]))  # type: ignore[arg-type]
        rec.note_submitted("x", since - 10, made_by=since - 10, sent_from=since - 40, model="kling-text2video")
        rec.note_submitted("y", since - 20, made_by=since - 20, sent_from=since - 35, model="kling-text2video")
        await rec.find(job(), since=since)
        assert rec.order.newest_first, order


async def test_a_history_stamped_without_a_zone_is_not_read_against_the_date_header():
    # created_at "2027-01-15T10:00:00" (no zone) is read as this machine's local time, not the server's
    clock = FakeClock()
    since = clock.epoch() - 1000
    api = FakeApi([row("mine", "a fox", since - 7_200.0)])
    api.rows = [replace(r, stamp_zoned=False) for r in api.rows]  # type: ignore[union-attr]
    api.date_ahead = 0.0
    rec = reconciler(clock, api)
    found, _ = await rec.find(job(), since=since)
    assert rec.stamps.zoneless and found is not None and found.request_id == "mine"


async def test_a_request_answered_after_the_attempt_says_nothing_of_the_clock_then():
    # A clock that gains (a simulator's, scaled): a later request is stamped further ahead than the attempt
    clock = FakeClock()
    since = clock.epoch() - 1000
    rec = reconciler(clock, FakeApi([row("mine", "a fox", since + 50)]))
    rec.note_submitted("later", since + 100, made_by=since + 101, model="kling-text2video")
    rec.note_seen("later", since + 5000)  # 4,900 s ahead by then
    assert rec.stamps.earliest_stamp(since) is None
    found, _ = await rec.find(job(), since=since)
    assert found is not None and found.request_id == "mine"


def three_sent(clock: FakeClock) -> tuple[Reconciler, float]:
    """A reconciler that has seen three requests submitted now."""
    rec = reconciler(clock, FakeApi([]))
    sent = clock.epoch()
    for i in range(3):
        rec.note_submitted(f"r{i}", sent, model="kling-text2video")
    return rec, sent


@pytest.mark.parametrize(
    ("listed", "asked"),
    [
        ("kling-text2video", "kling-text2video"),
        ("segmind/kling-text2video", "kling-text2video"),  # the slug still matches
        ("Kling Text2Video", "Kling Text2Video"),  # it does not: the name is asked for
    ],
)
async def test_the_name_a_history_lists_a_models_requests_under_is_learned_from_ours(listed, asked):
    clock = FakeClock()
    rec = reconciler(clock, FakeApi([]))
    rec.note_submitted("r1", clock.epoch(), model="kling-text2video")
    rec.note_submitted("r2", clock.epoch(), model="kling-1.6-text2video")
    rec.note_seen("someone-elses", model_name="kling-text2video")  # not ours: says nothing
    rec.note_seen("r1", unfinished=True)  # listed before it finished (its model's name not read)
    names = rec.names
    assert names.asked("kling-text2video") is None  # not known: every model's rows are asked for...
    assert names.may_be("kling-text2video", "Kling Text2Video") and names.may_be("kling-text2video", "segmind/x")
    # ... but a row under another model's slug, bare or behind a prefix, is none of its
    assert not names.may_be("kling-text2video", "kling-1.6-text2video")
    assert not names.may_be("kling-text2video", "segmind/kling-2.6")
    rec.note_seen("r1", model_name=listed)
    assert names.asked("kling-text2video") == asked
    assert names.may_be("kling-text2video", listed) and not names.may_be("kling-text2video", "Something Else")
    # another model's name is not known by the same token: a history may name one by slug and one by title
    assert names.asked("kling-1.6-text2video") is None


async def test_a_lost_submit_of_a_model_none_of_ours_was_listed_under_is_looked_for_among_every_models_rows():
    """One model's requests listed under its slug: another's lost submit, listed under a title, was looked for
    by its slug, not found, and taken for never made (paid twice).  Its rows are read among every model's."""
    clock = FakeClock()
    since = clock.epoch() - 1000
    rows = [
        HistoryRow("r1", "kling-text2video", "QUEUED", {"prompt": "a dog"}, None, None, since + 20, None),
        HistoryRow("lost", "Kling 2.6", "QUEUED", {"prompt": "a fox"}, None, None, since + 10, None),
    ]
    api = FakeApi(rows)
    rec = tied(reconciler(clock, api), since)
    rec.note_submitted("r1", since + 5, model="kling-text2video")
    rec.note_seen("r1", model_name="kling-text2video")
    lost = TrackedJob(JobSpec("j", "kling-2.6", {"prompt": "a fox"}), JobState.SUBMITTING, 0.28)
    found, _ = await rec.find(lost, since=since)
    assert found is not None and found.request_id == "lost"
    assert api.queries[0]["model"] is None


async def test_absence_is_trusted_once_the_measured_lag_has_passed_twice_over():
    clock = FakeClock()
    rec, sent = three_sent(clock)
    assert not rec.absence_is_conclusive(sent, later_seen=False)  # no lag measured yet
    clock.advance(20.0)
    for i in range(3):
        rec.note_seen(f"r{i}")  # each showed up 20 s after it was sent, finished
    rec.note_seen("not-ours")
    attempt = clock.epoch()
    clock.advance(51.0)  # 2 x 20 s + the margin (10 s) passed
    # none of ours was seen listed unfinished: each lag holds its job's whole run, and a tail job's run may be
    # three times the others', so not before a record's life (an hour) has passed as well
    assert not rec.absence_is_conclusive(attempt, later_seen=False)
    clock.advance(3600.0)
    assert rec.absence_is_conclusive(attempt, later_seen=False)
    # a later request of ours listed proves it only once the history was seen to list one before it finished
    assert not rec.absence_is_conclusive(clock.epoch(), later_seen=True)
    rec.note_seen("r0", unfinished=True)
    assert rec.absence_is_conclusive(clock.epoch(), later_seen=True)
    # where it lists them unfinished, the lag is the history's own: twice it and the margin suffice
    attempt = clock.epoch()
    clock.advance(49.0)
    assert not rec.absence_is_conclusive(attempt, later_seen=False)
    clock.advance(2.0)
    assert rec.absence_is_conclusive(attempt, later_seen=False)


async def test_a_re_run_trusts_absence_by_the_lag_of_its_own_requests_not_by_an_earlier_runs_first_seen_now():
    # An earlier run's submit came back unknown, and its three other requests were sent a second later; the
    # history lists requests only once they finish.  A re-run two hours on sees those three listed: the time
    # since their POSTs is no lag of the history's (they may have been listed long before).  Taken for one, it
    # put absence two hours and more out of reach of every re-run, however many requests of its own it sent
    # and saw listed ("Run again later" never came true).  Its own three, listed 20 s after their POSTs, show
    # the lag: twice that, the margin and a record's life have long passed since the lost submit.
    clock = FakeClock()
    lost = clock.epoch()
    clock.advance(7200.0)
    rec = reconciler(clock, FakeApi([]))
    for i in range(3):  # the earlier run's, from its ledger
        rec.note_submitted(f"e{i}", lost + 1.0, posted=lost + 1.0, model="kling-text2video")
        rec.note_seen(f"e{i}")
    assert not rec.absence_is_conclusive(lost, later_seen=True)  # nothing of this run's measures the lag yet
    sent = clock.epoch()
    for i in range(3):
        rec.note_submitted(f"r{i}", sent, made_by=sent + 1.0, sent_from=sent, model="kling-text2video")
    clock.advance(20.0)
    for i in range(3):
        rec.note_seen(f"r{i}")
    assert rec.absence_is_conclusive(lost, later_seen=True)
    # a submit of this run's, lost now, waits for the lag (and, rows listed only once finished, a record's life)
    attempt = clock.epoch()
    clock.advance(51.0)
    assert not rec.absence_is_conclusive(attempt, later_seen=False)
    clock.advance(3600.0)
    assert rec.absence_is_conclusive(attempt, later_seen=False)


async def test_an_expired_record_that_failed_keeps_the_servers_reason():
    clock = FakeClock()
    failed = HistoryRow("r", MODEL, "FAILED", {}, None, None, 0.0, "content_policy_violation")
    j = job()
    j.request_id = "r"
    assert await reconciler(clock, FakeApi([], {"r": failed})).recover_missing(j) == Failed(
        {"http": 422, "detail": "content_policy_violation"}
    )
    with set_testing():  # the gateway's backoff is 0; the spell's probes wait on the clock
        async with clock.autojump():
            later = await reconciler(clock, FakeApi(ServerError("503"))).recover_missing(j)
    # not Gone: that would let --resubmit-lost pay again for a video the history may still have
    assert isinstance(later, Later) and "could not be read" in later.detail and "run again later" in later.detail


class ResultApi(FakeApi):
    """A request history plus a result endpoint answering ``result``."""

    def __init__(self, result: Any, by_id: dict[str, HistoryRow] | None = None) -> None:
        super().__init__([], by_id)
        self.result_answer = result
        self.asked: list[str] = []

    async def result(self, request_id: str) -> Any:
        self.calls += 1
        self.asked.append(request_id)
        if isinstance(self.result_answer, Exception):
            raise self.result_answer
        return self.result_answer


def done(url: str | None, state: str = "COMPLETED", size: int | None = 123) -> Any:
    from batchgen.api.answers import Result

    return Result(state, url, size, 0.28, None, {}, None, 200)


@pytest.mark.parametrize(
    ("result", "history", "expected"),
    [
        (done("http://127.0.0.1/new.mp4"), {}, ("http://127.0.0.1/new.mp4", 123)),
        (done(None, "PROCESSING"), {"r": row("r", "x", 0.0, "COMPLETED", "http://127.0.0.1/h.mp4")},
         ("http://127.0.0.1/h.mp4", None)),
        (NotFound("404"), {"r": row("r", "x", 0.0, "COMPLETED", "http://127.0.0.1/h.mp4")},
         ("http://127.0.0.1/h.mp4", None, True)),  # (the record gone: no other link is to be had)
        (NotFound("404"), {"r": row("r", "x", 0.0, "COMPLETED", None)}, None),
        (NotFound("404"), {}, None),
        (ServerError("503"), {"r": row("r", "x", 0.0, "COMPLETED", "http://127.0.0.1/h.mp4")}, "unknown"),
    ],
)  # fmt: skip
async def test_a_fresh_output_link_is_looked_for_in_the_result_then_the_history(result, history, expected):
    clock = FakeClock()
    j = job()
    j.request_id, j.output_url, j.file_size = "r", "http://127.0.0.1/old.mp4", 99
    with set_testing():
        found = await reconciler(clock, ResultApi(result, history)).refresh_output(j)
    if isinstance(expected, tuple):
        assert found == Link(*expected)
    else:
        assert found is {"unknown": None, None: False}[expected]  # None: the API could not be asked
    assert (j.output_url, j.file_size) == ("http://127.0.0.1/old.mp4", 99)  # the downloader acts on the link
    j.request_id = None
    assert await reconciler(clock, ResultApi(result, history)).refresh_output(j) is False


@pytest.mark.parametrize("sent_after", [True, False])
async def test_unknown_submits_look_again_at_growing_intervals_then_leave(sent_after):
    clock = FakeClock()
    api = FakeApi([])
    rec = reconciler(clock, api)
    start, since = clock.now(), clock.epoch()
    if sent_after:  # a request of ours sent after it, not listed yet
        rec.note_submitted("r-later", since + 1.0, made_by=since + 1.5, sent_from=since + 1.0, model="kling-text2video")
    verdict = await _settle_on_clock(clock, rec, job(), since)
    assert verdict == Leave(
        Event.SETTLE_LATER,
        JobState.SUBMITTING,
        "the submit's outcome is unknown and the request history has not caught up with it yet, so the job was "
        "not submitted again (that could pay twice). Run again later to settle it"
        if sent_after
        # Nothing sent since: nothing can show it caught up, however late the next run comes
        else "the submit's outcome is unknown and the request history has not caught up with it as far as anything "
        "shows: no request of ours known to have been made was sent after it, and only one listed there can show "
        "that. The job was not submitted again (that could pay twice). A run that submits other jobs settles it once "
        "the history lists them",
    )
    assert api.calls == 6  # at 0, 10, 30, 60, 120 and 300 s after each other
    assert 520.0 <= clock.now() - start <= 540.0


async def test_a_lost_submit_with_no_job_left_to_send_is_told_a_later_run_finds_it_only_if_it_was_made():
    # a request of ours sent after it is not listed yet, and nothing is left to send in this manifest: a later
    # run finds the job if it was made; if it was not, none can show that, so the reason says where to look
    clock = FakeClock()
    rec = reconciler(clock, FakeApi([]))
    rec.more_to_send = lambda job, this_run=False: False
    since = clock.epoch()
    rec.note_submitted("r-later", since + 1.0, made_by=since + 1.5, sent_from=since + 1.0, model="kling-text2video")
    verdict = await _settle_on_clock(clock, rec, job(), since)
    assert isinstance(verdict, Leave) and verdict.rerun, verdict
    assert verdict.detail.endswith(
        "Run again later: a later run finds it if it was made; if it was not, only a request of ours sent after it "
        "and listed there can show that, and no job is left to send in this manifest (look for a kling-text2video "
        f"request sent about {datetime.fromtimestamp(since, UTC):%Y-%m-%d %H:%M:%S} UTC in the account's request "
        "history and, if there is none, give this row a new id)"
    ), verdict.detail


async def test_a_request_an_earlier_run_posted_after_the_lost_submit_is_one_sent_after_it():
    # its ledger line's posted_at says so: the history has only to list it, so a later run settles the job (not
    # "no request of ours was sent after it", which sends the operator to add a row)
    clock = FakeClock()
    rec = reconciler(clock, FakeApi([]))
    since = clock.epoch()
    rec.note_submitted("r-later", since + 1.0, posted=since + 1.0, model="kling-text2video")
    verdict = await _settle_on_clock(clock, rec, job(), since)
    assert isinstance(verdict, Leave) and verdict.detail.endswith("Run again later to settle it"), verdict


async def test_an_unknown_submit_waits_for_a_request_sent_after_it_no_longer_than_its_record_lives():
    # nothing sent after the lost submit, and this run may still send one (a job in flight that never ends): the
    # look-up waits for it, but not past the hour the lost submit's record lives (its video could no longer be had)
    clock = FakeClock()
    rec = reconciler(clock, FakeApi([]))
    rec.more_to_send = lambda job, this_run=False: True
    start, since, verdict = clock.now(), clock.epoch(), []

    async def work() -> None:
        verdict.append(await rec.settle(job(), since=since))

    async with anyio.create_task_group() as tg:
        tg.start_soon(work)
        while not verdict and clock.now() - start < 1.5 * rec.record_life_s:
            await anyio.wait_all_tasks_blocked()
            clock.advance(60.0)
        tg.cancel_scope.cancel()
    assert verdict and isinstance(verdict[0], Leave) and verdict[0].state is JobState.SUBMITTING
    assert rec.record_life_s <= clock.now() - start <= rec.record_life_s + 120.0


async def test_the_edges_of_the_search_window():
    clock = FakeClock()
    since = clock.epoch() - 1000
    edge = row("edge", "a fox", since - 120.0)  # exactly the allowed clock skew before the attempt
    found, _ = await tied(reconciler(clock, FakeApi([edge])), since).find(job(), since=since)
    assert found is not None and found.request_id == "edge"
    undated = HistoryRow("undated", MODEL, "QUEUED", {"prompt": "a fox"}, None, None, None, None)
    dated = row("dated", "a fox", since + 0.5)
    found, _ = await tied(reconciler(clock, FakeApi([dated, undated])), since).find(job(), since=since)
    assert found is not None and found.request_id == "undated"  # no time: taken as the oldest
    rec = reconciler(clock, FakeApi([row("ours", "a dog", since + 5)]))
    rec.note_submitted(
        "ours", since, model="kling-text2video"
    )  # sent at the very moment of the attempt: not later than it
    _, later = await rec.find(job(), since=since)
    assert later is False
    pages = FakeApi([row(f"n{i}", "other", since + 5000 - i) for i in range(1100)])  # full, newer than the attempt
    with pytest.raises(NotCaughtUp):  # its row may lie further down: absence is not concluded
        await tied(reconciler(clock, pages), since).find(job(), since=since)
    assert len(pages.queries) == 10  # at most a thousand rows
    assert pages.queries[0]["from_date"] == "2027-01-14"  # the day before the attempt, in UTC


async def test_a_failed_record_without_a_reason_says_where_it_came_from():
    clock = FakeClock()
    j = job()
    j.request_id = "r"
    bare = HistoryRow("r", MODEL, "FAILED", {}, None, None, 0.0, None)
    assert await reconciler(clock, FakeApi([], {"r": bare})).recover_missing(j) == Failed(
        {"http": 422, "detail": "FAILED (from the request history)"}
    )


async def test_a_date_in_the_manifest_matches_its_text_in_the_history():
    clock = FakeClock()
    since = clock.epoch() - 5
    # YAML reads an unquoted 2026-01-02 as a date; the API got it (and lists it) as text.
    listed = HistoryRow("r", MODEL, "QUEUED", {"prompt": "a fox", "day": "2026-01-02"}, None, None, since + 1, None)
    j = TrackedJob(JobSpec("j", MODEL, {"prompt": "a fox", "day": date(2026, 1, 2)}), JobState.SUBMITTING, 0.28)
    assert await reconciler(clock, FakeApi([listed])).settle(j, since=since) == Attach("r")


async def test_the_lag_margin_is_in_run_seconds_and_exactly_twice_the_lag_is_not_enough():
    clock = FakeClock()
    rec, _ = three_sent(clock)
    clock.advance(20.0)
    for i in range(3):
        rec.note_seen(f"r{i}", unfinished=True)  # listed before they finished: the lags are the history's own
    attempt = clock.epoch()
    clock.advance(50.0)  # exactly 2 x 20 s + the 10 s margin: not yet past it
    assert not rec.absence_is_conclusive(attempt, later_seen=False)
    clock.scale = 10.0  # against a simulator 10x faster, the 10 run-second margin is 1 s of wall time
    assert rec.absence_is_conclusive(attempt, later_seen=False)  # 50 s > 2 x 20 s + 1 s
    assert not rec.absence_is_conclusive(attempt + 9.5, later_seen=False)  # 40.5 s is not


@pytest.mark.parametrize(
    ("age", "why"),
    [
        (3600.0, "request r expired (records last 1 hour after submission; it was sent 1 hour ago) before its "
                 "result was fetched"),
        (2400.0, "the API does not know request r (404), sent 40 min ago, sooner than its record should expire "
                 "(1 hour after submission)"),
        (30.0, "the API does not know request r (404), sent 30 s ago, sooner than its record should expire "
               "(1 hour after submission)"),
        (1200.0, "the API does not know request r (404), sent 20 min ago, sooner than its record should expire "
                 "(1 hour after submission; this run found a record gone 9 min after its submit)"),
    ],
)  # fmt: skip
async def test_a_record_gone_without_output_says_why_and_what_to_do(age, why):
    # the history answers 404 (there is none): it was not searched, so it is not said to lack the output.  A record
    # found gone sooner than configured (by the poller, at 540 s) is told beside the configured life, never for it.
    clock = FakeClock(start=5000.0)
    j = job()
    j.request_id, j.submitted_at = "r", 5000.0 - age
    found = reconciler(clock, FakeApi([], {}))
    found.records_found_to_last = 540.0 if age == 1200.0 else None
    assert await found.recover_missing(j) == Gone(
        f"{why}, and there is no request history to find its output in (it answers 404); run again with "
        "--resubmit-lost to make it again (a new request, paid for as any other; whatever the lost one was charged "
        "stays paid)"
    )


async def test_a_record_gone_unfinished_without_a_history_says_how_long_it_was_seen_running_and_what_helps():
    clock = FakeClock(start=5000.0)
    j = job()
    j.request_id, j.submitted_at, j.pending_age = "r", 5000.0 - 3600.0, 3000.0
    gone = await reconciler(clock, FakeApi([], {})).recover_missing(j)
    assert isinstance(gone, Gone) and (
        "(it answers 404); it was still unfinished 50 min after it was sent: without a history a job must finish "
        "within its record's life, and with fewer in flight (--concurrency) jobs wait less in the account's queue; "
        "run again with --resubmit-lost" in gone.detail
    )


async def test_a_record_gone_without_a_history_after_its_job_was_seen_finished_is_not_said_to_have_run_too_long():
    # a status poll found it COMPLETED at 3050 s; its record died before the result call: it finished in time
    clock = FakeClock(start=5000.0)
    j = job()
    j.request_id, j.submitted_at, j.pending_age, j.done_age = "r", 5000.0 - 3600.0, 3000.0, 3050.0
    gone = await reconciler(clock, FakeApi([], {})).recover_missing(j)
    assert isinstance(gone, Gone) and "(it answers 404); run again with --resubmit-lost" in gone.detail
    assert "unfinished" not in gone.detail and "--concurrency" not in gone.detail


async def test_a_record_gone_and_never_listed_by_a_history_that_lists_none_of_ours_says_it_has_no_output():
    clock = FakeClock(start=5000.0)
    j = job()
    j.request_id, j.submitted_at = "r", 5000.0 - 7200.0
    api = FakeApi([], {})
    api.history_answered = True  # the history answers, and lists no request of ours
    assert reconciler(clock, api).stalled(j, None, 7200.0) == Gone(
        "request r expired (records last 1 hour after submission; it was sent 120 min ago) before its result was "
        "fetched, and the request history has no output for it; run again with --resubmit-lost to make it again "
        "(a new request, paid for as any other; whatever the lost one was charged stays paid)"
    )


async def test_a_fresh_link_is_asked_for_by_the_jobs_request_id_and_only_from_a_finished_result():
    clock = FakeClock()
    j = job()
    j.request_id = "r"
    history = {"r": row("r", "x", 0.0, "COMPLETED", "http://127.0.0.1/h.mp4")}
    api = ResultApi(done("http://127.0.0.1/not-yet.mp4", "PROCESSING"), history)
    assert await reconciler(clock, api).refresh_output(j) == Link(
        "http://127.0.0.1/h.mp4", None
    )  # not the unfinished result's
    assert j.output_url is None  # the reconciler writes no job field: the downloader acts on the link
    assert api.asked == ["r"]


async def test_lags_measured_while_searching_let_absence_be_trusted_later():
    clock = FakeClock()
    ours = [row(f"r{i}", "other", clock.epoch(), "PENDING") for i in range(3)]  # listed unfinished: lags its own
    api = FakeApi(ours)
    rec = reconciler(clock, api)
    for r in ours:
        rec.note_submitted(r.request_id, clock.epoch(), model="kling-text2video")
    attempt = clock.epoch() + 1.0  # after them: listing them is no proof the history caught up with it
    clock.advance(20.0)
    found, later = await rec.find(job(), since=attempt)
    assert found is None and later is False  # each took 20 s to appear
    clock.advance(40.0)  # 59 s after the attempt: more than twice the lag plus the margin
    assert rec.absence_is_conclusive(attempt, later_seen=False)
    assert await rec.settle(job(), since=attempt) == Resubmit()
    assert api.calls == 4  # one look (a page, and the empty one past it), and absence was conclusive at once


async def test_the_search_starts_the_day_before_the_attempt_in_utc_whatever_the_local_zone(monkeypatch):
    clock = FakeClock()
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        api = FakeApi([])
        since = 1_800_050_000.0  # 2027-01-15 21:53 UTC, already the 16th in Tokyo
        api.date_ahead = 0.0  # the server's Date header agrees with our clock
        await reconciler(clock, api).find(job(), since=since)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert api.queries[0]["from_date"] == "2027-01-14"


async def test_a_search_that_sees_none_of_ours_reports_no_later_request():
    clock = FakeClock()
    found, later = await reconciler(clock, FakeApi([])).find(job(), since=clock.epoch())
    assert found is None and later is False


async def test_a_history_that_lists_ours_at_once_has_no_lag():
    clock = FakeClock()
    rec = reconciler(clock, FakeApi([]))
    for i in range(3):
        rec.note_submitted(f"r{i}", clock.epoch(), model="kling-text2video")
        rec.note_seen(f"r{i}", unfinished=True)  # listed the moment it was sent: a lag of 0 s
    attempt = clock.epoch()
    clock.advance(10.5)  # past 2 x 0 s + the 10 s margin
    assert rec.absence_is_conclusive(attempt, later_seen=False)


@pytest.mark.parametrize("oldest_on_page_1", [-120.0, 60.0])  # exactly the skew before the attempt; after it
async def test_the_search_goes_on_while_the_oldest_row_may_still_be_ours(oldest_on_page_1):
    clock = FakeClock()
    since = clock.epoch() - 1000
    newer = [row(f"n{i}", "other", since + 500 - i, "COMPLETED") for i in range(99)]
    newer.append(row("edge", "other", since + oldest_on_page_1))
    api = FakeApi([*newer, row("mine", "a fox", since + oldest_on_page_1)])
    found, _ = await reconciler(clock, api).find(job(), since=since)
    assert found is not None and found.request_id == "mine"
    assert [q["page"] for q in api.queries] == [1, 2]


class ShortPages(FakeApi):
    """Serves ``size`` rows a page whatever was asked for, and says nothing of it."""

    def __init__(self, rows: list[HistoryRow], size: int) -> None:
        super().__init__(rows)
        self.size = size

    async def history(self, **query: Any) -> list[HistoryRow]:
        self.calls += 1
        page = query.get("page", 1)
        assert isinstance(self.rows, list)
        return self.rows[(page - 1) * self.size : page * self.size]


async def test_a_page_shorter_than_asked_for_is_not_the_end_of_the_history():
    clock = FakeClock()
    since = clock.epoch() - 60
    later = [row(f"ours-{i}", f"later {i}", since + 30 - i) for i in range(12)]
    api = ShortPages([*later, row("mine", "a fox", since + 1)], size=5)
    rec = reconciler(clock, api)
    for i in range(12):
        rec.note_submitted(f"ours-{i}", since + 20, made_by=since + 21, sent_from=since + 20, model="kling-text2video")
    assert await rec.settle(job(), since=since) == Attach("mine")  # on the third page of five rows
    assert api.calls == 3


async def test_a_search_that_never_reached_past_the_attempt_concludes_nothing():
    # Full pages of other requests, all made after the attempt, for more rows than a look-up reads: the
    # attempt's row may lie further down, so its absence is not taken for "never created".
    clock = FakeClock()
    since = clock.epoch() - 60
    others = [row(f"other-{i}", "a cat", since + 30) for i in range(1200)]
    api = FakeApi([row("ours-later", "a dog", since + 40), *others])
    rec = reconciler(clock, api)
    rec.note_submitted(
        "ours-later", since + 20, made_by=since + 21, sent_from=since + 20, model="kling-text2video"
    )  # sent after the attempt
    rec.started = since  # this run's own attempt: its outcome came back unknown at once
    verdict = await _settle_on_clock(clock, rec, job(), since)
    assert isinstance(verdict, Leave) and verdict.event == "settle_later" and verdict.state is JobState.SUBMITTING


async def test_a_request_of_ours_made_before_the_attempt_ends_the_search():
    # Its answer came before the attempt was sent, so the attempt's row, if any, lies above it.
    clock = FakeClock()
    since = clock.epoch() - 60
    rows = [row(f"ours-{i}", f"later {i}", since + 30) for i in range(5)]
    rows += [row("ours-before", "a dog", since - 10), *(row(f"old-{i}", "a cat", since - 20) for i in range(20))]
    api = ShortPages(rows, size=5)
    rec = reconciler(clock, api)
    for i in range(5):
        rec.note_submitted(f"ours-{i}", since + 20, made_by=since + 21, sent_from=since + 20, model="kling-text2video")
    rec.note_submitted("ours-before", since - 12, made_by=since - 11, model="kling-text2video")
    assert await rec.settle(job(), since=since, until=since) == Resubmit()
    assert api.calls == 2  # the second page shows it: no further page is read


class SizedPages(FakeApi):
    """Pages of the sizes given, in turn (the last size repeats)."""

    def __init__(self, rows: list[HistoryRow], sizes: list[int]) -> None:
        super().__init__(rows)
        self.sizes = sizes

    async def history(self, **query: Any) -> list[HistoryRow]:
        self.calls += 1
        page = query.get("page", 1)
        bounds = [0]
        for n in range(page):
            bounds.append(bounds[-1] + self.sizes[min(n, len(self.sizes) - 1)])
        assert isinstance(self.rows, list)
        return self.rows[bounds[-2] : bounds[-1]]


async def test_a_look_up_takes_only_an_empty_page_for_the_end():
    # Twenty requests a page: a page of 21 rows (a request listed once per output), then a full page of 20.
    # The second is not the end, though shorter than the first; the lost submit lies on the third.
    clock = FakeClock()
    since = clock.epoch() - 60
    later = [row(f"ours-{i}", f"later {i}", since + 30) for i in range(41)]
    api = SizedPages([*later, row("mine", "a fox", since + 1)], sizes=[21, 20])
    rec = reconciler(clock, api)
    rec.note_submitted("ours-0", since + 20, made_by=since + 21, model="kling-text2video")
    assert await rec.settle(job(), since=since) == Attach("mine")


async def test_a_look_up_reads_a_thousand_rows_whatever_the_page_size_seen_before():
    clock = FakeClock()
    since = clock.epoch() - 60
    rec = reconciler(clock, FakeApi([row("x", "a cat", since - 500)]))
    assert await rec.find(job(), since=since) == (None, False)  # a one-row page read before: no page size taken
    api = ShortPages([row(f"other-{i}", "a cat", since + 30) for i in range(1500)], size=20)
    rec.api = api  # type: ignore[assignment]
    with pytest.raises(NotCaughtUp):
        await rec.find(job(), since=since)
    assert api.calls == 50  # 1,000 rows of 20 a page
    api = ShortPages(
        [*(row(f"other-{i}", "a cat", since + 30) for i in range(260)), row("mine", "a fox", since + 1)], 20
    )
    rec.api = api  # type: ignore[assignment]
    found, _ = await rec.find(job(), since=since)
    assert found is not None and found.request_id == "mine" and api.calls == 14  # on the 14th page


def listed_oldest_first(since: float, *, earlier: int, later: int, at: int | None = None) -> list[HistoryRow]:
    """A history listed oldest first, 100 rows a page: ``earlier`` rows of a day before the attempt, then
    ``later`` rows made after it; with ``at``, the attempt's own row listed at that index."""
    rows = [row(f"old-{i}", "a cat", since - 86_400 + i) for i in range(earlier)]
    rows += [row(f"new-{i}", "a dog", since + 30 + i) for i in range(later)]
    if at is not None:
        rows.insert(at, row("mine", "a fox", since + 5))
    return rows


async def test_a_look_up_in_a_history_listed_oldest_first_reads_back_from_its_end():
    # 5,000 rows of the day before (50 pages), this run's after them: read from the first page, the look-up
    # stopped at a thousand rows, short of the attempt, and never concluded.  Its first page shows the
    # listing oldest first; the end is found by galloping, and the pages are read back from it until one
    # lists a request made before the attempt, and one more.
    clock = FakeClock()
    since = clock.epoch() - 60
    api = FakeApi(listed_oldest_first(since, earlier=5000, later=150))
    rec = tied(reconciler(clock, api), since)
    assert await rec.find(job(), since=since) == (None, False)
    pages = [query["page"] for query in api.queries]
    assert rec.order.oldest_first
    assert pages[-4:] == [52, 51, 50, 49]  # back from the end: 50 lists a row of the day before; 49 the margin
    assert len(pages) <= 20  # not 53
    api.queries.clear()
    api.rows.append(row("mine", "a fox", since + 5))  # type: ignore[union-attr]
    assert (await rec.find(job(), since=since))[0] == api.rows[-1]  # type: ignore[index]
    assert len(api.queries) <= 5  # the end's last place is kept: a gallop of a page or two from it


async def test_a_row_listed_a_moment_out_of_order_above_the_first_older_one_is_still_found():
    # The attempt's row is listed last on the page above one whose first row was made a day before it: a
    # server that records a request a moment out of the order it lists them.  The page past the first that
    # lists an older request is read too: found, not taken for absent (and paid again).
    clock = FakeClock()
    since = clock.epoch() - 60
    rows = listed_oldest_first(since, earlier=4999, later=150, at=4999)  # "mine": the last row of page 50
    rows.insert(5000, row("old-late", "a cat", since - 86_400 + 5000))  # page 51 begins with an older row
    api = FakeApi(rows)
    rec = tied(reconciler(clock, api), since)
    found, _ = await rec.find(job(), since=since)
    assert found is not None and found.request_id == "mine"


def in_no_order(since: float, count: int) -> list[HistoryRow]:
    """``count`` rows of other requests, made from a day before the attempt to after it, in no order of time."""
    rows = [row(f"other-{i}", "a cat", since - 86_400 + 90 * i) for i in range(count)]
    random.Random(5).shuffle(rows)
    return rows


async def test_look_ups_in_a_history_in_no_order_read_it_to_its_end_and_share_a_read_made_after_them():
    # 2,500 rows in no order of time: a row anywhere may be the attempt's, so a look-up reads to the empty
    # page (from page 1 it stopped at a thousand rows and left the job 'submitting' in every run to come).
    # Look-ups of attempts whose outcomes came back unknown before a whole read began take its rows.
    clock = FakeClock()
    since = clock.epoch() - 60
    rows = in_no_order(since, 2500)
    rows.insert(1700, row("mine", "a fox", since + 5))
    api = FakeApi(rows)
    rec = tied(reconciler(clock, api), since)
    assert await rec.find(job("a dog"), since=since) == (None, False)
    assert [query["page"] for query in api.queries] == list(range(1, 28))  # 26 pages of rows, then an empty one
    found, _ = await rec.find(job("a fox"), since=since)  # an earlier attempt: the same read answers
    assert found is not None and found.request_id == "mine" and api.calls == 27
    clock.advance(30)
    await rec.find(job("a dog"), since=clock.epoch() - 1)  # an attempt after that read began: read again
    assert api.calls == 2 * 27


async def test_a_whole_read_begun_before_an_attempts_outcome_came_back_is_not_taken_for_its_absence():
    """A history in no order was read whole at some moment; an attempt sent a minute before that read began
    came back unknown after it had begun (its body still uploading): the server may have made it after the
    read passed its page.  Its look-up reads afresh and finds it, rather than take the kept read's absence
    for "never made" (and pay again), however well the lag measured says the history keeps up."""
    clock = FakeClock()
    rows = in_no_order(clock.epoch(), 2500)
    api = FakeApi(rows)
    rec = reconciler(clock, api)
    for i in range(3):  # our requests show up at once, before they finish: absence counts 10 s after an attempt
        rec.note_submitted(f"seen-{i}", clock.epoch())
        rec.note_seen(f"seen-{i}", unfinished=True)
    since = clock.epoch() - 60
    assert await rec.find(job("a dog"), since=since) == (None, False)  # the whole read, kept
    clock.advance(20)
    rows.insert(1700, row("mine", "a fox", clock.epoch() - 10))  # made after the read began
    found, _ = await rec.find(job("a fox"), since=since, until=clock.epoch() - 15)
    assert found is not None and found.request_id == "mine"


async def test_a_history_in_no_order_longer_than_a_look_up_reads_leaves_the_job_and_says_what_to_do():
    clock = FakeClock()
    since = clock.epoch() - 60
    api = FakeApi(in_no_order(since, MAX_ROWS_ANY_ORDER + 100))
    rec = tied(reconciler(clock, api), since)
    verdict = await rec.settle(job(), since=since)
    assert isinstance(verdict, Leave) and verdict.event == "settle_later" and verdict.state is JobState.SUBMITTING
    assert "does not list its rows newest first" in verdict.detail and "new id" in verdict.detail
    assert "run again later" not in verdict.detail.lower()  # it would read the same
    assert api.calls == MAX_ROWS_ANY_ORDER // 100 + 1  # once (and a page past the cap, not empty)


class HeldHistory(FakeApi):
    """Its history pages wait for ``release`` (a long read: a history in no order read to its end at the
    run's rate); look-ups by id answer at once."""

    def __init__(self, rows: list[HistoryRow], by_id: dict[str, HistoryRow]) -> None:
        super().__init__(rows, by_id)
        self.release = anyio.Event()

    async def history(self, **query: Any) -> list[HistoryRow]:
        await self.release.wait()
        return await super().history(**query)


@pytest.mark.parametrize("look", ["recover_missing", "look_up", "refresh_output"])
async def test_a_look_up_by_id_does_not_wait_for_another_jobs_long_history_read(look):
    # An unknown submit's look-up reads the history (up to 200 pages in no order of time: minutes at 50 rpm).
    # A job whose record expired meanwhile asks the history for its row by id: one request, which claims
    # nothing.  Queued behind the whole read on the reconciler's lock, the poll (or download) waits minutes.
    clock = FakeClock()
    since = clock.epoch() - 5
    done = row("r", "x", since - 100, "COMPLETED", "http://127.0.0.1/v.mp4")
    api = HeldHistory([row("other", "a cat", since + 1)], {"r": done})
    rec = reconciler(clock, api)
    expired = job("a dog")
    expired.request_id = "r"
    if look == "refresh_output":  # a failed download: its result is gone (404), so the history is asked
        api.result = ResultApi(NotFound("404")).result  # type: ignore[attr-defined]
    got: list[Any] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(partial(rec.settle, job(), since=since))
        await anyio.wait_all_tasks_blocked()  # the search is reading, its first page not back yet
        with anyio.move_on_after(2.0):  # real seconds: the look-up by id needs none of the search's pages
            got.append(await getattr(rec, look)(expired))
        api.release.set()
        tg.cancel_scope.cancel()  # the search itself is of no interest here
    url = "http://127.0.0.1/v.mp4"
    assert got == [Link(url, None, record_gone=True) if look == "refresh_output" else Found(url, 0.28)]


class EndlessOldestFirst(FakeApi):
    """Lists oldest first; once ``endless``, every page number lists a full page (the history's last rows)."""

    endless = False

    async def history(self, **query: Any) -> list[HistoryRow]:
        page = query.get("page", 1)
        if self.endless and page > 1:
            self.calls += 1
            self.queries.append(query)
            return self.rows[-100:]  # type: ignore[index]
        return await super().history(**query)


async def test_an_oldest_first_history_with_no_end_in_reach_names_the_reach_it_searched():
    # The end was seen at page 51; the next look-up gallops from there, up to 1,024 times that (52,224 pages),
    # and finds none: the operator is told it found no end 'within 1,024 pages', fifty times short of the truth.
    clock = FakeClock()
    since = clock.epoch() - 60
    api = EndlessOldestFirst(listed_oldest_first(since, earlier=5000, later=150))
    rec = tied(reconciler(clock, api), since)
    assert await rec.find(job(), since=since) == (None, False)
    assert rec.order.oldest_first
    api.endless = True
    verdict = await rec.settle(job(), since=since)
    assert isinstance(verdict, Leave) and verdict.event == "settle_later"
    reached = max(query["page"] for query in api.queries)
    assert reached > 1024
    assert f"within {reached:,} pages" in verdict.detail or "1,024 pages" not in verdict.detail, verdict.detail


async def test_read_in_another_order_an_earlier_request_of_the_same_body_is_not_taken_for_the_lost_one():
    # Listed oldest first, nothing yet ties the server's clock to ours: a request with the same body made the
    # day before (the same manifest run in another folder), unclaimed, is on page 1, which the search for
    # the end reads first.  Taken at once, the job was attached to it (a video already paid and fetched there)
    # and the lost submit's own video never fetched.  Every page that may list the attempt is read, then the
    # last made is taken.
    clock = FakeClock()
    since = clock.epoch() - 60
    rows = listed_oldest_first(since, earlier=300, later=150, at=400)
    rows.insert(3, row("yesterday", "a fox", since - 86_000))
    rec = reconciler(clock, FakeApi(rows))
    found, _ = await rec.find(job(), since=since)
    assert found is not None and found.request_id == "mine"


@pytest.mark.parametrize(("ahead", "day"), [(None, None), (0.0, "2027-01-14"), (-129_600.0, "2027-01-13"),
                                            (40 * 86_400.0, "2027-02-23")])  # fmt: skip
async def test_the_search_window_starts_the_day_before_the_attempt_by_the_servers_clock(ahead, day):
    # A server whose clock runs 36 h behind ours, asked from our clock's day before, listed nothing: an empty
    # first page, taken for the end, called every lost submit never made (and it was made again).  One 40 days
    # ahead refused the span (over 31 days).  Nothing ties the clocks: the server's own window (7 days).
    clock = FakeClock()
    api = FakeApi([])
    api.date_ahead = ahead
    since = 1_800_050_000.0  # 2027-01-15 21:53 UTC
    await reconciler(clock, api).find(job(), since=since)
    assert api.queries[0].get("from_date") == day


async def test_how_long_a_request_took_to_be_listed_is_timed_from_its_post_not_its_answer():
    """A request whose answer came 75 s after its POST (a busy gateway, an upload), listed 10 s after that answer:
    it took 85 s to be listed, counted from when a lost submit's own clock starts, its POST.  Timed from the
    answer (10 s), a lost submit with a slow answer is taken for never made 65 s too soon, and paid twice."""
    clock = FakeClock()
    rec = reconciler(clock, FakeApi([]))
    posted = clock.epoch()
    clock.advance(75.0)
    rec.note_submitted("slow", clock.epoch(), made_by=clock.epoch(), sent_from=posted)
    clock.advance(10.0)
    rec.note_seen("slow", unfinished=True)
    assert rec.slowest_listing() == pytest.approx(85.0)
