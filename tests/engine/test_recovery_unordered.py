"""Look-ups in a history in no order of time: a whole read, what it proves as of when, and what is kept of it."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from batchgen.api.answers import HistoryRow
from batchgen.clock import FakeClock
from batchgen.engine.recovery import MAX_ROWS_ANY_ORDER, Reconciler
from batchgen.engine.verdicts import Attach, Resubmit
from tests.engine.test_recovery import (
    FakeApi,
    _settle_on_clock,
    in_no_order,
    job,
    reconciler,
    row,
    tied,
)


def lagging(rec: Reconciler, sent: float, lag: float) -> None:
    """Three requests of ours, sent at ``sent``, each seen in the history ``lag`` s later: the lag measured."""
    for i in range(3):
        rec.note_submitted(f"r{i}", sent, model="kling-text2video")
        rec._lags[f"r{i}"] = lag
        # listed under its slug, unfinished (the lag is the history's own, and kept as set)
        rec.note_seen(f"r{i}", model_name="kling-text2video", unfinished=True)


class LaggingApi(FakeApi):
    """Serves its rows newest-unknown (as given), each only once ``lag`` run seconds after its created_at."""

    def __init__(self, rows: list[HistoryRow], clock: FakeClock, lag: float) -> None:
        super().__init__(rows)
        self.clock, self.lag = clock, lag

    async def history(self, **query: Any) -> list[HistoryRow]:
        self.calls += 1
        self.queries.append(query)
        now = self.clock.epoch()
        shown = [r for r in self.rows if r.created_at is None or r.created_at + self.lag <= now]  # type: ignore[union-attr]
        page = query.get("page", 1)
        return shown[(page - 1) * 100 : page * 100]


async def test_a_reused_whole_read_is_not_taken_for_absence_once_the_lag_has_passed():
    # A history in no order of time that lags 5 s (measured on three requests of ours).  The attempt is sent
    # at t, its outcome comes back unknown at t+1, another look-up reads the whole history at t+2 (the
    # attempt's row is not listed yet: it shows at t+5).  The attempt's own look-ups, at t+3 and after each
    # delay, take that read's rows again and again: they never see its row, and once 2 x 5 s + 10 s have
    # passed the absence is 'conclusive': the job is paid for twice.
    clock = FakeClock()
    since = clock.epoch()
    rows = in_no_order(since, 300)
    mine = row("mine", "a fox", since)  # made at t, listed from t+5
    rows.insert(150, mine)
    api = LaggingApi(rows, clock, lag=5.0)
    rec = tied(reconciler(clock, api), since)
    lagging(rec, since - 100, 5.0)
    clock.advance(2.0)
    assert await rec.find(job("a dog"), since=since - 50) == (None, False)  # a whole read, begun at t+2
    assert not rec.order.newest_first and rec._scans
    clock.advance(1.0)
    verdict = await _settle_on_clock(clock, rec, job("a fox"), since)
    assert verdict == Attach("mine")


async def test_a_look_up_does_not_take_its_own_first_read_again_on_its_retries():
    # The ordinary case: one lost submit, a history in no order that lags 5 s.  The look-up made at once
    # (t+1) reads the whole history before the attempt's row shows; 'not caught up yet', it looks again after
    # 10 s, 30 s... but each look again takes the rows of its own first read (begun after the outcome came back
    # unknown), never reads a page, and once twice the lag has passed, calls the job not made.
    clock = FakeClock()
    since = clock.epoch()
    rows = in_no_order(since, 300)
    rows.insert(150, row("mine", "a fox", since))
    api = LaggingApi(rows, clock, lag=5.0)
    api.date_ahead = 0.0
    rec = reconciler(clock, api)
    lagging(rec, since - 100, 5.0)
    clock.advance(1.0)
    verdict = await _settle_on_clock(clock, rec, job("a fox"), since)
    assert verdict == Attach("mine")


class SlowLaggingApi(LaggingApi):
    """... and each page takes ``per_page_s`` run seconds to come back."""

    def __init__(self, rows: list[HistoryRow], clock: FakeClock, lag: float, per_page_s: float) -> None:
        super().__init__(rows, clock, lag)
        self.per_page_s = per_page_s

    async def history(self, **query: Any) -> list[HistoryRow]:
        page = await super().history(**query)
        self.clock.advance(self.per_page_s)
        return page


async def test_absence_from_a_long_read_counts_as_of_when_the_read_began():
    # A history in no order of time, 2,500 rows (26 pages, a second each), that lags 5 s.  The look-up begins
    # a second after the attempt; the attempt's row shows at t+5 on page 2, already read.  The read ends at
    # t+27, past twice the lag and the margin (20 s) after the attempt: the absence it saw at t+1 is taken for
    # conclusive, and the job is paid for twice.
    clock = FakeClock()
    since = clock.epoch()
    rows = [row(f"other-{i}", "a cat", since - 86_400 + 30 * i) for i in range(2500)]  # all listed
    random.Random(5).shuffle(rows)
    rows.insert(150, row("mine", "a fox", since))
    api = SlowLaggingApi(rows, clock, lag=5.0, per_page_s=1.0)
    api.date_ahead = 0.0
    rec = reconciler(clock, api)
    lagging(rec, since - 100, 5.0)
    rec.order.found("seen before")  # the listing was seen in no order of time earlier in the run
    clock.advance(1.0)
    verdict = await _settle_on_clock(clock, rec, job("a fox"), since)
    assert verdict == Attach("mine")


async def test_a_history_in_no_order_of_exactly_the_cap_is_read_to_its_end():
    # 20,000 rows in no order: one more page (empty) proves the end, and a request of ours sent after the
    # attempt is listed.  The look-up stops at the cap without reading it and tells the operator the history
    # holds more rows than it read (untrue), leaving the job 'submitting' for every run to come.
    clock = FakeClock()
    since = clock.epoch() - 60
    rows = [row(f"other-{i}", "a cat", since - 86_400 + 4 * i) for i in range(MAX_ROWS_ANY_ORDER - 1)]
    random.Random(5).shuffle(rows)
    rows.insert(10_000, row("ours-later", "a dog", since + 2))
    api = FakeApi(rows)
    rec = tied(reconciler(clock, api), since)
    rec.note_submitted("ours-later", since + 1, sent_from=since + 1, model="kling-text2video")
    rec.note_seen("ours-later", since + 2)  # seen (by a sweep) before the look-up: caught up past the attempt
    assert await rec.settle(job(), since=since, until=since) == Resubmit()


@pytest.mark.parametrize("where", ["image", "elements"])
async def test_a_whole_read_kept_for_later_look_ups_keeps_no_image_bodies(where):
    # Image jobs whose rows keep the image whole (the simulator's default): the whole read kept in _scans holds
    # every row's body for the rest of the run (here 1,000 rows of 256 KiB: 256 MiB; up to 20,000 rows a query),
    # an image in a field or in a list's objects.
    clock = FakeClock()
    since = clock.epoch() - 60
    image = "A" * 262_144
    body = {"prompt": "x", "image": image} if where == "image" else {"prompt": "x", "elements": [{"f": image}]}
    rows = [HistoryRow(f"o{i}", "kling-text2video", "COMPLETED", body, None, None,
                       since - 86_400 + 60 * i, None) for i in range(1000)]  # fmt: skip
    random.Random(1).shuffle(rows)
    rec = tied(reconciler(clock, FakeApi(rows)), since)
    rec.order.found("seen before")
    await rec.find(job("a dog"), since=since)
    kept = sum(len(json.dumps(r.request_body)) for _, scan in rec._scans.values() for r in scan)
    assert kept < 16 * 2**20, f"{kept / 2**20:.0f} MiB of request bodies kept for the rest of the run"


async def test_a_later_request_of_ours_seen_late_in_a_read_in_no_order_does_not_show_the_pages_before_caught_up():
    # In no order of time, 5 s behind, a page a second: the lost submit's row is on page 2, read at t+2, before
    # it shows (t+5); a request of ours sent after the attempt is on page 10, read at t+10, when it shows.
    # Newest or oldest first that request would show every page read after it caught up; here the pages read
    # before it were not: absence is not concluded from it, and the next look-up finds the row.
    clock = FakeClock()
    since = clock.epoch()
    rows = [row(f"other-{i}", "a cat", since - 86_400 + 30 * i) for i in range(1200)]
    random.Random(5).shuffle(rows)
    rows.insert(150, row("mine", "a fox", since))
    rows.insert(950, row("ours-later", "a dog", since + 2))
    api = SlowLaggingApi(rows, clock, lag=5.0, per_page_s=1.0)
    api.date_ahead = 0.0
    rec = reconciler(clock, api)
    rec.note_submitted("ours-later", since + 2, sent_from=since + 2, model="kling-text2video")
    rec.order.found("seen before")  # the listing was seen in no order of time earlier in the run
    clock.advance(1.0)
    verdict = await _settle_on_clock(clock, rec, job("a fox"), since)
    assert verdict == Attach("mine")


async def test_a_fresh_read_after_a_reused_one_counts_as_of_when_it_began():
    # A history in no order of time that lags 150 s (three requests of ours): absence counts once 2 x 150 s
    # + 10 s have passed since the attempt.  The lost submit was never made.  Each look-up after the first
    # takes the whole read of the one before (begun after the outcome came back unknown), finds it too early,
    # and reads every page afresh; but that fresh read's absence is judged as of the reused read's start,
    # not its own.  The last look-up (520 s after the first) reads the history 520 s after the attempt, past
    # the 310 s, yet it is judged as of the 5th (220 s): the job is left 'submitting', 'not caught up yet'.
    clock = FakeClock()
    since = clock.epoch()
    api = FakeApi(in_no_order(since, 300))
    api.date_ahead = 0.0
    rec = reconciler(clock, api)
    lagging(rec, since - 1000, 150.0)
    rec.order.found("seen before")  # the listing was seen in no order of time earlier in the run
    clock.advance(1.0)
    verdict = await _settle_on_clock(clock, rec, job("a fox"), since)
    assert verdict == Resubmit()


async def test_find_as_of_reports_the_start_of_the_read_it_concluded_from():
    clock = FakeClock()
    since = clock.epoch()
    api = FakeApi(in_no_order(since, 300))
    rec = reconciler(clock, api)
    rec.order.found("seen before")
    clock.advance(1.0)
    await rec.find(job("a dog"), since=since)  # a whole read, begun at t+1, kept
    clock.advance(100.0)
    begun = clock.epoch()
    _, _, as_of = await rec._find_as_of(job("a fox"), since=since, until=None)  # reused, not conclusive: read again
    assert api.calls == 2 * 4  # it did read every page again, from t+101
    assert as_of == begun
