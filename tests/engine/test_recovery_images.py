"""Settling an image job's unknown submit, whatever the history keeps of its image (SEGMIND_API.md 5b)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from batchgen.api.answers import HistoryRow
from batchgen.api.gateway import Gateway
from batchgen.api.ratelimit import RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.engine.recovery import Reconciler
from batchgen.engine.verdicts import Attach, Leave
from batchgen.jobs import JobSpec, JobState, TrackedJob
from batchgen.retry import RetryPolicy
from tests.engine.test_recovery import _settle_on_clock
from tests.helpers import png_bytes

MODEL = "kling-test-image2video"
MINE, OTHER = png_bytes(320, 320, seed=1), png_bytes(320, 320, seed=2)


class History:
    date_ahead: float | None = None  # no Date header read

    def date_ahead_at(self, epoch: float) -> float | None:
        return self.date_ahead

    def __init__(self, rows: list[HistoryRow]) -> None:
        self.rows = rows

    async def history(self, **query: Any) -> list[HistoryRow]:
        page = query.get("page", 1)
        return self.rows[(page - 1) * 100 : page * 100]


def ref(data: bytes) -> dict[str, Any]:
    return {"path": "/x/a.png", "file": "a.png", "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def held(data: bytes, how: str) -> dict[str, Any]:
    """What a history row's body keeps of the image: whole base64, a URL, a truncated string (marked so, or cut
    where it still decodes), or nothing."""
    text = base64.b64encode(data).decode()
    image = {"whole": text, "data-uri": "data:image/png;base64," + text, "url": "https://cdn.example/i.png"}
    image["truncated"] = text[:200] + "..."
    image["cut"] = text[:200]  # truncated where it still decodes: the start of the image, not a whole one
    return {"prompt": "waves", "duration": "5", **({"image": image[how]} if how in image else {})}


def row(rid: str, body: dict[str, Any], created: float) -> HistoryRow:
    return HistoryRow(rid, MODEL, "QUEUED", body, None, None, created, None)


def setup(rows: list[HistoryRow], clock: FakeClock) -> tuple[Reconciler, TrackedJob]:
    gateway = Gateway(RequestBudget(10_000, clock=clock, burst=10_000), RetryPolicy(RetrySettings()), clock)
    rec = Reconciler(gateway=gateway, api=History(rows), clock=clock, max_attempts=6)  # type: ignore[arg-type]
    job = TrackedJob(
        JobSpec("j", MODEL, {"prompt": "waves", "duration": "5", "image": ref(MINE)}), JobState.SUBMITTING, 1
    )
    return rec, job


def settle(rows: list[HistoryRow], since: float, clock: FakeClock) -> Any:
    rec, job = setup(rows, clock)
    return rec.settle(job, since=since)


@pytest.mark.parametrize("how", ["whole", "data-uri", "url", "truncated", "cut", "absent"])
async def test_one_candidate_is_attached_whatever_the_history_keeps_of_the_image(how):
    clock = FakeClock()
    since = clock.epoch() - 5
    rows = [
        row("someone-else", {"prompt": "clouds", "duration": "5"}, since + 1),
        row("mine", held(MINE, how), since + 1),
    ]
    rec, job = setup(rows, clock)
    assert await _settle_on_clock(clock, rec, job, since) == Attach("mine")


@pytest.mark.parametrize("how", ["url", "truncated", "absent"])
async def test_two_candidates_nothing_tells_apart_attach_neither(how):
    clock = FakeClock()
    since = clock.epoch() - 5
    rows = [row("r1", held(MINE, how), since + 1), row("r2", held(OTHER, how), since + 2)]
    verdict = await settle(rows, since, clock)
    assert isinstance(verdict, Leave) and verdict.state is JobState.SUBMITTING
    assert "none was attached" in verdict.detail and "not submitted again" in verdict.detail


@pytest.mark.parametrize("how", ["whole", "data-uri"])
async def test_a_row_that_keeps_the_image_whole_is_told_apart_by_its_digest(how):
    clock = FakeClock()
    since = clock.epoch() - 5
    rows = [row("theirs", held(OTHER, how), since + 1), row("mine", held(MINE, how), since + 2)]
    assert await settle(rows, since, clock) == Attach("mine")
    rec, job = setup([row("theirs", held(OTHER, how), since + 1)], clock)
    assert (await rec.find(job, since=since))[0] is None  # another image, whole: not ours


async def test_a_lone_candidate_is_not_attached_before_the_search_reaches_back_past_the_attempt():
    # One candidate on the first page, then a thousand rows of others, all newer than the attempt: another
    # candidate (the paid one) may lie further down, so neither is attached and nothing is sent again.
    clock = FakeClock()
    since = clock.epoch() - 5
    others = [row(f"x{i}", {"prompt": "clouds", "duration": "5"}, since + 2) for i in range(1100)]
    rec, job = setup([row("maybe", held(MINE, "url"), since + 3), *others], clock)
    verdict = await _settle_on_clock(clock, rec, job, since)
    assert isinstance(verdict, Leave) and verdict.state is JobState.SUBMITTING
    assert "has not caught up" in verdict.detail


async def test_rows_nothing_tells_apart_wait_for_another_look_up_and_the_one_it_leaves_is_attached():
    """Two rows match an image job and nothing tells them apart; another job's lost submit is being looked up
    meanwhile, and it takes one of them (its own, told apart by its time): the one left is attached."""
    clock = FakeClock()
    since = clock.epoch() - 5
    rec, job = setup([row("r1", held(MINE, "absent"), since + 1), row("r2", held(OTHER, "absent"), since + 2)], clock)
    waited: list[str] = []

    async def others_looked_up(waiting: TrackedJob, done: Any) -> None:
        assert waiting.spec.id in rec.torn and not done()
        waited.append(waiting.spec.id)
        rec.claimed.add("r2")  # the other job's look-up took its own row
        assert done()

    rec.others_looked_up = others_looked_up
    assert await rec.settle(job, since=since) == Attach("r1")
    assert waited == ["j"] and not rec.torn and not rec.torn_left


@pytest.mark.parametrize("unsettled", [True, False])
async def test_rows_nothing_tells_apart_are_named_and_a_re_run_is_promised_only_while_another_outcome_is_unknown(
    unsettled,
):
    clock = FakeClock()
    since = clock.epoch() - 5
    rec, job = setup([row("r1", held(MINE, "absent"), since + 1), row("r2", held(OTHER, "absent"), since + 2)], clock)
    rec.others_unsettled = lambda job: unsettled
    verdict = await rec.settle(job, since=since)
    assert isinstance(verdict, Leave) and verdict.state is JobState.SUBMITTING
    assert "(r1, r2)" in verdict.detail and "not submitted again" in verdict.detail
    assert verdict.rerun is unsettled and rec.torn_left == {"j"}
    if unsettled:
        assert "Run again later" in verdict.detail
    else:
        assert "cannot tell them apart" in verdict.detail and "give this row a new id" in verdict.detail


async def test_a_row_whose_list_of_images_lost_an_item_is_not_told_apart_by_the_ones_moved_up():
    # The job's element holds two images; the row keeps the second whole and leaves the first out, so the one
    # kept sits at another place than in the job: compared there, the row's own request would be taken for
    # another's (and, none left, the job sent again).  A list of another length says nothing of its images.
    clock = FakeClock()
    since = clock.epoch() - 5
    body = {
        "prompt": "waves",
        "duration": "5",
        "elements": [{"reference_image_urls": [base64.b64encode(OTHER).decode()]}],
    }
    rec = setup([row("mine", body, since + 1)], clock)[0]
    elements = [{"reference_image_urls": [ref(MINE), ref(OTHER)]}]
    job = TrackedJob(
        JobSpec("j", MODEL, {"prompt": "waves", "duration": "5", "elements": elements}), JobState.SUBMITTING, 1
    )
    assert await _settle_on_clock(clock, rec, job, since) == Attach("mine")


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("whole", "its image too, and were made about when it was sent"),
        ("absent", "its time, and the history does not keep its image whole"),
    ],
)
@pytest.mark.parametrize(("count", "named"), [(5, "(r0, r1, r2, r3, r4)"), (7, "(r0, r1, r2, r3, r4 and 2 more)")])
async def test_rows_nothing_tells_apart_are_told_by_what_they_match_and_the_ones_past_the_fifth_are_counted(
    how, why, count, named
):
    """The operator reads why the rows could not be told apart (the history kept the same picture whole, or did
    not keep it: only the time is left) and which rows to look at by hand, the first five and how many more."""
    clock = FakeClock()
    since = clock.epoch() - 5
    rec, job = setup([row(f"r{i}", held(MINE, how), since + 1 + i) for i in range(count)], clock)
    rec.others_unsettled = lambda job: False
    verdict = await rec.settle(job, since=since)
    assert isinstance(verdict, Leave) and verdict.state is JobState.SUBMITTING
    assert f"{count} requests in the history match this image job's other fields and {why} {named}," in verdict.detail


async def test_a_row_whose_list_holds_another_picture_past_its_first_is_not_taken_for_the_jobs():
    # Two rows keep the element's reference images whole; both begin with the job's first picture, and only
    # "mine" holds its second too.  Every image of the list is compared: "theirs" (another job's paid request)
    # is not attached to this job, nor does it make the two rows a pair nothing tells apart.
    clock = FakeClock()
    since = clock.epoch() - 5
    third = png_bytes(320, 320, seed=3)

    def body(*images: bytes) -> dict[str, Any]:
        views = [base64.b64encode(image).decode() for image in images]
        return {"prompt": "waves", "duration": "5", "elements": [{"reference_image_urls": views}]}

    rec = setup([row("theirs", body(MINE, third), since + 2), row("mine", body(MINE, OTHER), since + 1)], clock)[0]
    elements = [{"reference_image_urls": [ref(MINE), ref(OTHER)]}]
    job = TrackedJob(
        JobSpec("j", MODEL, {"prompt": "waves", "duration": "5", "elements": elements}), JobState.SUBMITTING, 1
    )
    assert await _settle_on_clock(clock, rec, job, since) == Attach("mine")
