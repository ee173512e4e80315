"""Audit of ``batchgen/engine/lookup.py``: which of several matching history rows a lost submit's look-up takes.
Another run of the account may send the same body moments before the lost submit (a shard, the same manifest run
elsewhere): its row is not the lost one's, and attaching it leaves the lost one paid for with no video."""

from __future__ import annotations

import base64

from batchgen.clock import FakeClock
from batchgen.engine.verdicts import Attach, Resubmit
from batchgen.jobs import JobSpec, JobState, TrackedJob
from tests.engine.test_recovery import MODEL, FakeApi, in_no_order, job, reconciler, row, tied
from tests.engine.test_recovery_images import MINE, held, ref
from tests.engine.test_recovery_images import MODEL as IMAGE_MODEL
from tests.engine.test_recovery_images import row as image_row
from tests.engine.test_recovery_images import setup as image_setup
from tests.helpers import png_bytes


async def test_a_row_of_the_same_body_stamped_moments_before_the_send_is_not_taken_for_the_lost_one():
    clock = FakeClock()
    since = clock.epoch() - 1000
    # the server's clock tied to ours: a row stamped 30 s before the POST went is within the clocks' skew (it
    # may yet be the lost one's), but was in all likelihood made before it; the row made after it is the one
    rows = [row("mine", "a fox", since + 3), row("theirs", "a fox", since - 30)]
    rec = tied(reconciler(clock, FakeApi(rows)), since)
    found, _ = await rec.find(job(), since=since)
    assert found is not None and found.request_id == "mine"
    # with no row made after the POST, the one within the skew is still taken (a record may be stamped early)
    rec = tied(reconciler(clock, FakeApi([row("theirs", "a fox", since - 30)])), since)
    found, _ = await rec.find(job(), since=since)
    assert found is not None and found.request_id == "theirs"


async def test_an_image_row_keeping_the_image_whole_is_taken_over_one_that_cannot_say():
    """Of two rows alike but for the image, the one that keeps the job's image whole (its digest the same) is
    the lost submit's; the one keeping only a link says nothing against it, and does not make it a guess."""
    clock = FakeClock()
    since = clock.epoch() - 5
    rows = [image_row("linked", held(MINE, "url"), since + 2), image_row("mine", held(MINE, "whole"), since + 1)]
    rec, lost = image_setup(rows, clock)
    assert await rec.settle(lost, since=since) == Attach("mine")
    assert "mine" in rec.claimed and "linked" not in rec.claimed


async def test_in_a_read_in_no_order_a_later_request_seen_before_it_began_still_counts_after_one_seen_during_it():
    """Read in no order of time, a request of ours sent after the attempt's outcome came back unknown shows every
    page caught up only if it was listed before the read began.  Such a one, listed before another sent after the
    attempt but first seen in this read, still shows it: the attempt's absence is conclusive, and the job that was
    never made is sent again (not left for the operator to settle)."""
    clock = FakeClock()
    since = clock.epoch() - 100
    until = since + 1
    rows = [row("seen-before", "a dog", since + 10), *in_no_order(since, 50), row("seen-now", "a cow", since + 20)]
    rec = reconciler(clock, FakeApi(rows))
    rec.order.found("seen before")  # the listing was seen in no order of time earlier in the run
    rec.note_submitted("seen-before", since + 10, sent_from=since + 10, model=MODEL)
    rec.note_seen("seen-before", since + 10, model_name=MODEL, unfinished=True)  # listed, before the read
    rec.note_submitted("seen-now", since + 20, sent_from=since + 20, model=MODEL)
    clock.advance(5.0)
    assert await rec.find(job("a fox"), since=since, until=until) == (None, True)
    assert await rec.settle(job("a fox"), since=since, until=until) == Resubmit()


def webp(seed: int) -> bytes:
    """A WEBP-like image: a format with no end marker, so only its size shows a history row keeps it whole."""
    body = bytes((seed * 31 + i * 7) % 256 for i in range(600))
    return b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WEBP" + body


async def test_an_image_with_no_end_marker_kept_whole_is_told_apart_by_its_size_and_digest():
    mine, other = webp(1), webp(2)
    assert not mine.endswith((b"IEND\xaeB`\x82", b"\xff\xd9"))
    clock = FakeClock()
    since = clock.epoch() - 5
    image = {**ref(mine), "path": "/x/a.webp", "file": "a.webp"}
    lost = TrackedJob(
        JobSpec("j", IMAGE_MODEL, {"prompt": "waves", "duration": "5", "image": image}), JobState.SUBMITTING, 1
    )
    body = {"prompt": "waves", "duration": "5"}
    theirs = image_row("theirs", {**body, "image": base64.b64encode(other).decode()}, since + 1)
    kept = image_row("mine", {**body, "image": base64.b64encode(mine).decode()}, since + 2)
    rec, _ = image_setup([theirs, kept], clock)
    assert await rec.settle(lost, since=since) == Attach("mine")  # not two rows nothing tells apart
    rec, _ = image_setup([theirs], clock)
    assert (await rec.find(lost, since=since))[0] is None  # another picture, kept whole: not the lost one's row


# A submit whose outcome came back unknown long after its POST went (a slow upload, an answer that never came):
# ``since`` is when it was sent, ``until`` five minutes later.  Its row may be stamped from ``since`` on.
SLOW = 300.0


async def test_a_slow_submits_row_made_soon_after_its_post_is_found():
    clock = FakeClock()
    since = clock.epoch() - 1000
    rec = tied(reconciler(clock, FakeApi([row("mine", "a fox", since + 5)])), since)
    found, _ = await rec.find(job(), since=since, until=since + SLOW)
    assert found is not None and found.request_id == "mine"


async def test_a_slow_submits_row_is_told_from_one_of_the_same_body_made_moments_before_its_post():
    clock = FakeClock()
    since = clock.epoch() - 1000
    rows = [row("mine", "a fox", since + 5), row("theirs", "a fox", since - 30)]
    rec = tied(reconciler(clock, FakeApi(rows)), since)
    found, _ = await rec.find(job(), since=since, until=since + SLOW)
    assert found is not None and found.request_id == "mine"


async def test_a_slow_submits_look_up_reads_on_past_a_page_of_rows_made_while_it_waited():
    # newest first: a page of other requests made after the POST went, while its answer was awaited; the lost
    # submit's row, made just after the POST, is on the page below
    clock = FakeClock()
    since = clock.epoch() - 1000
    newer = [row(f"n{i}", "a cat", since + 100 - 0.5 * i) for i in range(100)]
    api = FakeApi([*newer, row("mine", "a fox", since + 5)])
    rec = tied(reconciler(clock, api), since)
    found, _ = await rec.find(job(), since=since, until=since + SLOW)
    assert found is not None and found.request_id == "mine"
    assert [q["page"] for q in api.queries] == [1, 2]


async def test_a_row_with_one_image_cut_short_and_another_kept_whole_but_not_the_jobs_is_not_its_row():
    """Two images: a row that cuts the first short says nothing of it, but keeps the second whole, and it is
    another picture: not the lost submit's row (nor a candidate that makes its own a guess)."""
    clock = FakeClock()
    since = clock.epoch() - 5
    first, second, other = png_bytes(64, 64, seed=3), png_bytes(64, 64, seed=4), png_bytes(64, 64, seed=5)
    params = {
        "prompt": "waves",
        "duration": "5",
        "image": {**ref(first), "path": "/x/a.png", "file": "a.png"},
        "tail_image": {**ref(second), "path": "/x/b.png", "file": "b.png"},
    }
    lost = TrackedJob(JobSpec("j", IMAGE_MODEL, params), JobState.SUBMITTING, 1)

    def kept(tail: bytes) -> dict[str, str]:
        cut = base64.b64encode(first).decode()[:200]  # the start of the first image, not a whole one
        return {"prompt": "waves", "duration": "5", "image": cut, "tail_image": base64.b64encode(tail).decode()}

    theirs, mine = image_row("theirs", kept(other), since + 1), image_row("mine", kept(second), since + 2)
    rec, _ = image_setup([theirs, mine], clock)
    assert await rec.settle(lost, since=since) == Attach("mine")
    rec, _ = image_setup([theirs], clock)
    assert (await rec.find(lost, since=since))[0] is None
