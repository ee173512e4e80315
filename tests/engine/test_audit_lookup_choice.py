"""Audit of ``batchgen/engine/lookup.py``: which of several matching history rows a lost submit's look-up takes.
Another run of the account may send the same body moments before the lost submit (a shard, the same manifest run
elsewhere): its row is not the lost one's, and attaching it leaves the lost one paid for with no video."""

from __future__ import annotations

from batchgen.clock import FakeClock
from batchgen.engine.verdicts import Attach
from tests.engine.test_recovery import FakeApi, job, reconciler, row, tied
from tests.engine.test_recovery_images import MINE, held
from tests.engine.test_recovery_images import row as image_row
from tests.engine.test_recovery_images import setup as image_setup


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
