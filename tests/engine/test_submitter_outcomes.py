"""What the submit stage does with each way a submit can end, at the unit level: an API unreachable for too
long, a 429 past the deadline, unknown submits counted until one is given up, an image's inline form refused
and sent in the other, a POST that was answered while the run was being cancelled, and a resumed job the
history shows was never made.  Each test checks the promise: never paid twice, nothing paid lost, and the
ledger saying what happened."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import anyio
import pytest

from batchgen.api.answers import HistoryRow, Submitted
from batchgen.api.ratelimit import RequestBudget
from batchgen.config import ApiSettings, RetrySettings, Settings
from batchgen.errors import AmbiguousSubmit, ApiUnreachable, NetworkError, RateLimited, RequestRejected, ServerError
from batchgen.jobs import JobSpec, JobState, TrackedJob
from tests.engine.doubles import MODEL, Kit, ScriptedApi, kit, pending, row_for, submitter
from tests.helpers import Outbox, png_bytes

IMAGE_MODEL = "kling-1.6-image2video"  # its `image` goes as a data: URI first


async def submit(k: Kit, job: TrackedJob) -> Outbox:
    stage, tracked = submitter(k)
    k.book.take(job)
    async with k.clock.autojump():
        await stage.submit(job)
    return tracked


def fields(k: Kit, event: str) -> list[dict[str, Any]]:
    return [line[3] for line in k.ledger.lines if line[1] == event]


# --------------------------------------------------------------------------- the API out of reach


async def test_an_api_out_of_reach_leaves_a_submit_that_never_arrived_pending_and_one_that_may_have_submitting():
    job = pending()
    k = kit(ScriptedApi(submits=[NetworkError("connection refused", reached_server=False), "never"]), [job])
    k.gateway.unreachable_after_s = 60.0
    k.gateway.last_reached = k.clock.now() - 120.0  # nothing has answered for two minutes
    stage, _ = submitter(k)
    k.book.take(job)
    with pytest.raises(ApiUnreachable) as caught:
        await stage.submit(job)
    assert len(k.api.posted) == 1 and job.state is JobState.PENDING and k.book.in_flight == 0
    assert [line[1:3] for line in k.ledger.lines] == [("submitting", "submitting"), ("submit_postponed", "pending")]
    assert fields(k, "submit_postponed")[0]["error"] == {"detail": str(caught.value)}
    assert str(caught.value).startswith("the API could not be reached for 120s (api.unreachable_after_s is 60)")

    maybe = pending("m")
    k = kit(ScriptedApi(submits=[AmbiguousSubmit("no answer after sending"), "never"]), [maybe])
    k.gateway.unreachable_after_s = 60.0
    k.gateway.last_reached = k.clock.now() - 120.0
    stage, _ = submitter(k)
    k.book.take(maybe)
    with pytest.raises(ApiUnreachable):
        await stage.submit(maybe)
    # It may exist: left 'submitting' for the next run to settle from the history, never sent again.
    assert len(k.api.posted) == 1 and maybe.state is JobState.SUBMITTING and k.ledger.events("m") == ["submitting"]


async def test_an_api_out_of_reach_leaves_a_submit_whose_connection_broke_after_sending_submitting():
    # the connection was reset once the body had gone out: the server may have made the job, so it is not
    # pending (a re-run would send it again and pay twice) but 'submitting', for the next run to look up
    maybe = pending("m")
    k = kit(ScriptedApi(submits=[NetworkError("connection reset after sending", reached_server=True), "never"]),
            [maybe])  # fmt: skip
    k.gateway.unreachable_after_s = 60.0
    k.gateway.last_reached = k.clock.now() - 120.0
    stage, _ = submitter(k)
    k.book.take(maybe)
    with pytest.raises(ApiUnreachable):
        await stage.submit(maybe)
    assert len(k.api.posted) == 1 and maybe.state is JobState.SUBMITTING and k.ledger.events("m") == ["submitting"]


# --------------------------------------------------------------------------- sent again, or not


async def test_a_429_past_the_deadline_leaves_the_job_pending_with_the_reason_and_sends_nothing_more():
    job = pending()
    refusals = [RateLimited("rate limited (HTTP 429: slow down)", retry_after=40.0, detail="slow down")] * 2
    k = kit(ScriptedApi(submits=[*refusals]), [job], settings=Settings(retry=RetrySettings(deadline_s=30.0)))
    tracked = await submit(k, job)
    assert len(k.api.posted) == 2 and tracked.sent == [] and k.book.in_flight == 0
    assert k.ledger.events() == ["submitting", "submitting", "submit_postponed"] and job.state is JobState.PENDING
    assert fields(k, "submit_postponed")[0]["error"] == refusals[-1].to_record()


@pytest.mark.parametrize(
    "trouble",
    [NetworkError("connection reset after sending", reached_server=True), ServerError("HTTP 503", status=503)],
)
async def test_a_submit_that_may_have_reached_the_server_is_never_sent_again_by_a_retry(trouble):
    job = pending()
    k = kit(ScriptedApi(submits=[trouble, "r-again"]), [job])
    await submit(k, job)
    assert len(k.api.posted) == 1 and job.request_id is None


async def test_unknown_submits_are_counted_and_the_job_is_given_up_for_this_run_after_the_last_attempt():
    job = pending()
    job.submit_attempts = 2  # two earlier submits of this run ended without an answer, and created nothing
    unknown = AmbiguousSubmit("no answer after sending", status=502, detail="bad gateway")
    k = kit(ScriptedApi(submits=[unknown, "never"]), [job])
    # A request of ours sent after this attempt is already listed: its absence is conclusive.
    later = k.clock.epoch() + 10_000.0
    k.reconciler.note_submitted("r-later", later, sent_from=later, model="kling-text2video")
    k.api.rows = [HistoryRow("r-later", MODEL, "QUEUED", {"prompt": "other"}, None, None, later, None)]
    await submit(k, job)
    assert len(k.api.posted) == 1 and job.state is JobState.PENDING and job.submit_attempts == 3
    assert k.ledger.events() == ["submitting", "submit_unknown", "submit_postponed"] and k.book.in_flight == 0
    assert fields(k, "submit_unknown")[0]["error"] == unknown.to_record()
    assert fields(k, "submit_postponed")[0]["error"] == {
        "detail": "3 submits ended without an answer and no job was created; run again later"
    }


async def test_an_unknown_submit_found_in_the_history_is_attached_and_carries_no_error_from_then_on():
    job = pending()
    unknown = AmbiguousSubmit("no answer after sending", status=502, detail="bad gateway")
    k = kit(ScriptedApi(submits=[unknown, "never"]), [job])
    k.api.rows = [row_for(job, "made-anyway", k.clock.epoch() + 1.0)]
    tracked = await submit(k, job)
    assert k.ledger.events() == ["submitting", "submit_unknown", "reconciled", "submitted"]
    assert fields(k, "submit_unknown")[0]["error"] == {"kind": "AmbiguousSubmit", "http": 502, "detail": "bad gateway"}
    assert fields(k, "reconciled")[0]["error"] is None and job.error is None
    assert job.request_id == "made-anyway" and tracked.sent == [job] and len(k.api.posted) == 1


async def test_an_accepted_submit_shows_the_history_has_caught_up_past_an_earlier_unknown_one():
    first, second = pending("a", prompt="a fox"), pending("b", prompt="a hen")
    k = kit(ScriptedApi(submits=[AmbiguousSubmit("no answer after sending"), "r-b", "r-a"]), [first, second])
    k.api.rows = [row_for(second, "r-b", k.clock.epoch() + 1.0)]  # b, sent after a's attempt, is listed; a is not
    stage, tracked = submitter(k)
    async with k.clock.autojump(), anyio.create_task_group() as tg:
        k.book.take(first)
        tg.start_soon(stage.submit, first)
        await k.clock.sleep(1.0)
        k.book.take(second)
        tg.start_soon(stage.submit, second)
    assert (first.request_id, second.request_id) == ("r-a", "r-b") and len(k.api.posted) == 3
    assert tracked.sent == [second, first]
    assert k.ledger.events("a") == ["submitting", "submit_unknown", "reconciled_absent", "submitting", "submitted"]


async def test_a_job_left_submitting_that_the_history_shows_was_never_made_is_sent_again_once():
    job = pending()
    k = kit(ScriptedApi(submits=["r-new"]), [job])
    job.submitted_epoch = k.clock.epoch() - 60.0  # the earlier run's attempt
    # its ledger line: sent after the lost POST was given up (the request timeout, 30 s, and slack)
    k.reconciler.note_submitted(
        "r-later", k.clock.epoch() - 10.0, posted=k.clock.epoch() - 10.5, model="kling-text2video"
    )
    k.api.rows = [HistoryRow("r-later", MODEL, "QUEUED", {"prompt": "other"}, None, None, k.clock.epoch() - 10.0,
                             None)]  # fmt: skip
    k.book.adopt(job, JobState.SUBMITTING, in_flight=True)
    stage, tracked = submitter(k)
    async with k.clock.autojump():
        await stage.settle_resumed(job)
    assert k.ledger.events() == ["reconciled_absent", "submitting", "submitted"]
    assert len(k.api.posted) == 1 and job.request_id == "r-new" and tracked.sent == [job]


# --------------------------------------------------------------------------- a POST answered during a stop


class HeldApi(ScriptedApi):
    """A submit that is answered only when the test says so."""

    def __init__(self) -> None:
        super().__init__(submits=["r1"])
        self.posting = anyio.Event()
        self.answer = anyio.Event()

    async def submit(self, model: str, params: dict[str, Any] | bytes | bytearray) -> Submitted:
        self.posting.set()
        await self.answer.wait()
        return await super().submit(model, params)


@pytest.mark.parametrize("timeout_s", [4.0, 30.0])
async def test_a_post_answered_while_the_run_is_cancelled_still_records_its_request_id(timeout_s):
    job = pending()
    api = HeldApi()
    k = kit(api, [job], settings=Settings(api=ApiSettings(request_timeout_s=timeout_s)))
    stage, _ = submitter(k)
    k.book.take(job)
    async with anyio.create_task_group() as tg:
        tg.start_soon(stage.submit, job)
        await api.posting.wait()
        tg.cancel_scope.cancel()
        api.answer.set()  # the server answers just after the cancel
    assert k.ledger.events() == ["submitting", "submitted"] and job.request_id == "r1"  # paid: never lost


# --------------------------------------------------------------------------- an image's inline form refused


class FormJudge(ScriptedApi):
    """A gateway that refuses an image sent as a data: URI (it wants the bare base64)."""

    def __init__(self, ids: list[str]) -> None:
        super().__init__(submits=ids)
        self.models: list[str] = []

    async def submit(self, model: str, params: dict[str, Any] | bytes | bytearray) -> Submitted:
        self.models.append(model)
        body: dict[str, Any] = params if isinstance(params, dict) else json.loads(params)
        if str(body.get("image", "")).startswith("data:"):
            self.posted.append(body)
            raise RequestRejected("HTTP 400", status=400, detail="image must be an https:// image URL")
        return await super().submit(model, params)


def image_job(tmp_path: Any, job_id: str, data: bytes) -> TrackedJob:
    path = tmp_path / f"{job_id}.png"
    path.write_bytes(data)
    image = {"path": str(path), "file": path.name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
             "format": "png"}  # fmt: skip
    return TrackedJob(JobSpec(job_id, IMAGE_MODEL, {"prompt": "waves", "image": image}), JobState.PENDING, 0.28)


async def test_an_image_refused_in_one_inline_form_is_sent_in_the_other_and_later_jobs_start_in_it(tmp_path):
    data = png_bytes(32, 32, seed=1)
    jobs = [image_job(tmp_path, name, data) for name in ("a", "b", "c")]
    api = FormJudge(["r-a", "r-b", "r-c"])
    k = kit(api, jobs)
    k.gateway.budget = RequestBudget(6000, clock=k.clock, burst=10.0)  # four POSTs in the same fake instant
    stage, tracked = submitter(k)
    async with k.clock.autojump():
        for job in jobs:
            k.book.take(job)
            await stage.submit(job)
    wanted = base64.b64encode(data).decode()
    assert [body["image"][:5] for body in api.posted] == ["data:", wanted[:5], wanted[:5], wanted[:5]]
    assert [body["image"] for body in api.posted[1:]] == [wanted] * 3  # one refusal in all: paid for nothing
    assert [job.request_id for job in jobs] == ["r-a", "r-b", "r-c"] and tracked.sent == jobs
    assert k.ledger.events("a") == ["submitting", "submitting", "submitted"]
    assert set(api.models) == {IMAGE_MODEL}
    assert all(job.state is JobState.SUBMITTED for job in jobs)


class SmallImageJudge(FormJudge):
    """The same gateway, which also refuses one image of its own accord (too small), in any form."""

    def __init__(self, ids: list[str], small: bytes) -> None:
        super().__init__(ids)
        self.small = base64.b64encode(small).decode()

    async def submit(self, model: str, params: dict[str, Any] | bytes | bytearray) -> Submitted:
        body: dict[str, Any] = params if isinstance(params, dict) else json.loads(params)
        if str(body.get("image", "")).endswith(self.small):
            self.posted.append(body)
            raise RequestRejected("HTTP 400", status=400, detail="image is too small")
        return await super().submit(model, params)


async def test_once_a_form_went_through_an_image_refused_in_it_is_failed_not_sent_in_the_other(tmp_path):
    small = png_bytes(8, 8, seed=2)
    good, bad = image_job(tmp_path, "a", png_bytes(32, 32, seed=1)), image_job(tmp_path, "b", small)
    api = SmallImageJudge(["r-a"], small)
    k = kit(api, [good, bad])
    k.gateway.budget = RequestBudget(6000, clock=k.clock, burst=10.0)
    stage, tracked = submitter(k)
    async with k.clock.autojump():
        for job in (good, bad):
            k.book.take(job)
            await stage.submit(job)
    assert len(api.posted) == 3 and tracked.sent == [good]  # a: refused form, then through; b: refused once
    assert k.ledger.events("b") == ["submitting", "failed"] and bad.state is JobState.FAILED
    assert bad.error is not None and "image is too small" in bad.error
