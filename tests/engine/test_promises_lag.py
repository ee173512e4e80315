"""Never pay twice behind a lagging history: absence is judged against the worst lag seen, not the best.

The request history shows each request some time after it was sent, and not
always after the same time.  An unknown submit may be read as "never created"
(and sent again) only once the history has had time to show it however slowly
it showed any request of ours.  A fake clock and a scripted history; no
simulator, no sleeping.
"""

from __future__ import annotations

from typing import Any

from batchgen.api.answers import HistoryRow
from batchgen.api.gateway import Gateway
from batchgen.api.ratelimit import RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.engine.recovery import Reconciler
from batchgen.engine.verdicts import Attach, Resubmit
from batchgen.jobs import JobSpec, JobState, TrackedJob
from batchgen.retry import RetryPolicy
from tests.helpers import drive

MODEL = "kling-text2video"


def row(rid: str, prompt: str, created: float) -> HistoryRow:
    return HistoryRow(rid, MODEL, "QUEUED", {"prompt": prompt}, None, None, created, None)


def reconciler(clock: FakeClock, api: Any) -> Reconciler:
    gateway = Gateway(RequestBudget(10_000, clock=clock, burst=10_000), RetryPolicy(RetrySettings()), clock)
    return Reconciler(gateway=gateway, api=api, clock=clock, max_attempts=6)


def job(prompt: str) -> TrackedJob:
    j = TrackedJob(JobSpec("j", MODEL, {"prompt": prompt}), JobState.SUBMITTING, 0.28)
    j.submit_attempts = 1
    return j


class LaggingHistory:
    """The account's history as it shows at the fake clock's time: each row appears ``lag`` s after it
    was created."""

    date_ahead: float | None = None  # no Date header read

    def date_ahead_at(self, epoch: float) -> float | None:
        return self.date_ahead

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.rows: list[tuple[HistoryRow, float]] = []

    def add(self, rid: str, prompt: str, created: float, lag: float) -> None:
        self.rows.append((row(rid, prompt, created), lag))

    def visible(self) -> list[HistoryRow]:
        now = self.clock.epoch()
        shown = [r for r, lag in self.rows if (r.created_at or 0.0) + lag <= now]
        return sorted(shown, key=lambda r: -(r.created_at or 0.0))

    async def history(self, **query: Any) -> list[HistoryRow]:
        assert query["model"] == MODEL
        page = query.get("page", 1)
        return self.visible()[(page - 1) * 100 : page * 100]

    async def history_get(self, request_id: str) -> HistoryRow:
        raise AssertionError("not used here")


def lags_seen(clock: FakeClock, rec, lags: list[float]) -> None:
    """Our requests r0, r1, ... each sent now and seen in the history ``lag`` s later."""
    start = clock.epoch()
    for i, _ in enumerate(lags):
        rec.note_submitted(f"r{i}", start, model="kling-text2video")
    for i, lag in sorted(enumerate(lags), key=lambda p: p[1]):
        clock.advance(start + lag - clock.epoch())
        rec.note_seen(f"r{i}", model_name=MODEL, unfinished=True)  # (QUEUED: the lag is the history's own)


def test_absence_waits_for_the_slowest_lag_measured():
    clock = FakeClock()
    rec = reconciler(clock, LaggingHistory(clock))
    lags_seen(clock, rec, [5.0, 5.0, 5.0, 60.0])
    attempt = clock.epoch()
    clock.advance(30.0)  # past twice the fastest lag and the margin, far from twice the slowest
    assert not rec.absence_is_conclusive(attempt, later_seen=False)
    clock.advance(101.0)  # 131 s: past 2 x 60 s + the 10 s margin
    assert rec.absence_is_conclusive(attempt, later_seen=False)


async def test_an_unknown_submit_that_shows_up_as_late_as_the_slowest_one_is_attached_not_paid_again():
    clock = FakeClock()
    history = LaggingHistory(clock)
    rec = reconciler(clock, history)
    lags_seen(clock, rec, [2.0, 3.0, 2.0, 70.0])  # most show up at once, one took 70 s
    since = clock.epoch()
    history.add("mine", "a fox", since + 0.5, lag=70.0)  # created; its answer was lost
    verdict = await drive(clock, lambda: rec.settle(job("a fox"), since=since))
    assert verdict == Attach("mine"), verdict
    assert not isinstance(verdict, Resubmit)


async def test_a_submit_that_never_arrived_is_sent_again_once_even_the_slowest_lag_has_passed():
    clock = FakeClock()
    history = LaggingHistory(clock)
    rec = reconciler(clock, history)
    lags_seen(clock, rec, [2.0, 3.0, 2.0, 70.0])
    since = clock.epoch()
    verdict = await drive(clock, lambda: rec.settle(job("a fox"), since=since))
    assert verdict == Resubmit()
    assert clock.epoch() - since > 2 * 70.0  # not before the slowest lag had passed twice over
