"""The request budget on a fake clock: the window, the 429 gate, the climb back."""

from __future__ import annotations

import math
import random

import anyio
import anyio.lowlevel
import pytest

from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.clock import FakeClock


def admit(budget: RequestBudget, clock: FakeClock, seconds: range) -> None:
    """Calls sent at each of ``seconds`` and answered without a 429."""
    for second in seconds:
        clock.now_s = float(second)
        budget.succeeded(float(second))


def cool_down_after_ten(budget: RequestBudget, clock: FakeClock) -> None:
    """Ten calls admitted, one a second from 0 s, then a 429 without a hint at 10 s."""
    admit(budget, clock, range(10))
    clock.now_s = 10.0
    budget.on_429(None, sent_at=10.0)


def learn_ten_per_thirty(budget: RequestBudget, clock: FakeClock) -> None:
    """... a probe sent at 29 s refused and the one at 30 s admitted: the server admits 10 calls per 30 s."""
    cool_down_after_ten(budget, clock)
    clock.now_s = 29.0
    budget.on_429(None, sent_at=29.0)
    clock.now_s = 30.0
    budget.succeeded(30.0)


async def test_no_window_ever_holds_more_than_the_limit():
    clock = FakeClock()
    budget = RequestBudget(20, clock=clock, window=60.0)
    sent: list[float] = []

    async def caller(n: int) -> None:
        for _ in range(n):
            await budget.acquire(Priority.POLL)
            sent.append(clock.now())
            clock.advance(0.25)  # the answer takes a quarter second
            budget.release()

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(caller, 20)
        while len(sent) < 100:
            for _ in range(10):  # let every caller run up to its next wait
                await anyio.lowlevel.checkpoint()
            clock.advance(2.0)
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 60.0) <= 20
    assert sent[-1] - sent[0] >= 4 * 60.0  # 100 calls at 20 a minute take at least four windows


async def test_a_429_without_a_hint_starts_a_cooldown_of_single_probes():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock)
    for second in range(10):  # ten calls admitted, one a second
        clock.now_s = float(second)
        budget.succeeded(float(second))
    clock.now_s = 10.0
    closed = budget.on_429(None, sent_at=10.0)
    assert closed > 0 and budget.finder.cooling and not budget.gate_open
    assert budget.limit == 60  # nothing is lowered until the server shows what it admits
    assert budget.on_429(None, sent_at=9.9) == pytest.approx(closed)  # the same overload: same probe time
    clock.advance(closed)
    probe = await budget.acquire(Priority.POLL)  # one probe goes out ...
    assert not budget.gate_open  # ... and the gate shuts behind it
    budget.release()
    budget.succeeded(probe)  # admitted: the window is from the run's first call to the probe
    assert budget.gate_open and not budget.finder.cooling
    assert budget.finder.window == pytest.approx(probe) and budget.limit == 10
    # the server still held the run at 10 s: the window is between 9.9 s (10 s less 1% for latency) and the
    # probe's 15 s, so the pace tries their geometric mean
    assert budget.finder.lower == pytest.approx(9.9)
    assert budget.window == pytest.approx(math.sqrt(9.9 * probe))
    assert budget.throttled == 2
    assert budget.wait_time(probe) == pytest.approx(budget.window / 10)  # the probe took the token


def test_after_an_overload_the_limit_climbs_back_towards_the_configured_figure():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock)
    budget.on_429(5.0)
    low = budget.limit
    assert low < 60
    for _ in range(60):  # clean windows, one after another
        clock.advance(60.0)
        budget.wait_time(clock.now())
    assert budget.limit > low
    assert budget.limit >= low + 0.5 * (60 - low)
    assert repr(budget).startswith("RequestBudget(limit=")


def test_the_gate_reports_how_long_it_stays_closed():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0, rng=random.Random(1))
    assert budget.closed_for() == 0.0 and budget.gate_open
    delay = budget.on_429(10.0)
    assert 10.0 <= delay <= 13.0 and budget.closed_for() == delay
    clock.advance(5.0)
    assert budget.closed_for() == pytest.approx(delay - 5.0) and not budget.gate_open
    clock.advance(delay)
    assert budget.closed_for() == 0.0 and budget.gate_open
    text = repr(budget)
    assert "per 60s" in text and "in_flight=0" in text and "gate=open" in text and "waiters=0" in text


def test_a_budget_needs_a_positive_rate_and_window():
    for rpm, window in ((0, 60.0), (-1, 60.0), (10, 0.0), (10, -1.0)):
        with pytest.raises(ValueError, match=r"^requests_per_minute and window must be positive$"):
            RequestBudget(rpm, clock=FakeClock(), window=window)


def test_the_limit_is_counted_over_the_window_and_the_burst_is_a_sixtieth_of_it():
    budget = RequestBudget(120, clock=FakeClock(), window=30.0)
    assert budget.configured == 60.0 and budget.limit == 60.0 and budget.burst == 1.0
    assert RequestBudget(600, clock=FakeClock()).burst == 10.0
    assert RequestBudget(600, clock=FakeClock(), burst=3.0).burst == 3.0
    assert RequestBudget(0.5, clock=FakeClock()).min_limit == 0.5  # never above what was configured
    assert RequestBudget(60, clock=FakeClock(), min_limit=2.0).min_limit == 2.0


async def calls(budget: RequestBudget, clock: FakeClock, n: int, gap: float) -> None:
    for _ in range(n):
        await budget.acquire(Priority.POLL)
        budget.release()
        clock.advance(gap)


async def test_tokens_refill_at_the_limit_per_window():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0)  # one token a second, a burst of one
    assert budget.wait_time(0.0) == 0.0
    await budget.acquire(Priority.POLL)
    budget.release()
    assert budget.wait_time(0.0) == pytest.approx(1.0)
    assert budget.wait_time(0.25) == pytest.approx(0.75)
    assert budget.wait_time(1.0) == 0.0
    assert budget.wait_time(5.0) == 0.0 and budget._tokens == 1.0  # never more than the burst


async def test_a_full_window_waits_for_its_oldest_call_or_for_a_release():
    clock = FakeClock()
    budget = RequestBudget(2, clock=clock, window=60.0, burst=10.0)
    clock.advance(100.0)  # a quiet while: tokens for both calls (a run starts with one)
    await budget.acquire(Priority.POLL)
    await budget.acquire(Priority.POLL)
    assert budget.in_flight == 2 and budget.wait_time(100.0) is None  # only an answer can help
    clock.advance(3.0)
    budget.release()
    assert budget.wait_time(103.0) == pytest.approx(60.0 + 1e-6)  # until the answer leaves the window
    clock.advance(7.0)
    budget.release()
    assert budget.in_flight == 0 and budget.wait_time(110.0) == pytest.approx(53.0 + 1e-6)
    assert budget.wait_time(163.0) == 0.0  # the first answer is out: room for one more
    assert repr(budget) == "RequestBudget(limit=2.0/2 per 60s, in_flight=0, window=1, gate=open, waiters=0)"


async def test_waiters_are_served_by_priority_then_rank_then_arrival():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0)
    order: list[str] = []

    async def call(name: str, priority: Priority, rank: float = 0.0) -> None:
        await budget.acquire(priority, rank)
        order.append(name)
        budget.release()

    await budget.acquire(Priority.POLL)  # takes the only token: everyone else queues
    budget.release()
    async with anyio.create_task_group() as tg:
        for name, priority, rank in [("poll", Priority.POLL, 0.0), ("submit-late", Priority.SUBMIT, 5.0),
                                     ("submit-early", Priority.SUBMIT, 1.0), ("submit-early-2", Priority.SUBMIT, 1.0),
                                     ("result", Priority.RESULT, 9.0)]:  # fmt: skip
            tg.start_soon(call, name, priority, rank)
        await anyio.wait_all_tasks_blocked()
        assert budget.waiting(Priority.SUBMIT) and budget.waiting(Priority.RESULT)
        assert "waiters=5" in repr(budget)
        while len(order) < 5:
            clock.advance(1.0)
            await anyio.wait_all_tasks_blocked()
    assert order == ["result", "submit-early", "submit-early-2", "submit-late", "poll"]
    assert not budget.waiting(Priority.POLL)


class _Queue:
    """A budget whose window has room, the calls it admitted, and a call that may be cancelled while it waits."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.budget = RequestBudget(60, clock=self.clock, window=60.0)
        self.got: list[str] = []
        self.scopes: list[anyio.CancelScope] = []
        self.ended = anyio.Event()

    async def call(self, name: str, priority: Priority) -> None:
        await self.budget.acquire(priority)
        self.got.append(name)

    async def cancellable(self) -> None:
        try:
            with anyio.CancelScope() as scope:
                self.scopes.append(scope)
                await self.call("first", Priority.RESULT)
        finally:
            self.ended.set()


async def _a_queue() -> _Queue:
    q = _Queue()
    await q.budget.acquire(Priority.POLL)
    q.budget.release()
    return q


async def test_a_cancelled_waiter_leaves_the_queue_and_the_next_one_goes():
    q = await _a_queue()
    clock, budget, got, call, scopes, ended = q.clock, q.budget, q.got, q.call, q.scopes, q.ended
    cancellable = q.cancellable

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, "other", Priority.POLL)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(cancellable)
        await anyio.wait_all_tasks_blocked()
        assert "waiters=2" in repr(budget) and budget.waiting(Priority.RESULT)
        scopes[0].cancel()
        await ended.wait()
        assert "waiters=1" in repr(budget) and not budget.waiting(Priority.RESULT)
        clock.advance(1.0)
    assert got == ["other"] and budget.in_flight == 1


async def test_a_cancelled_waiter_at_the_head_hands_the_timer_to_the_one_behind_it():
    """The head of the queue sleeps on a timer, the others until they reach the head: the head given up
    (a task cancelled at shutdown or by a timeout) must wake the next one, or it waits for an event
    that nothing else sets and the run hangs."""
    q = await _a_queue()
    clock, budget, got, call, scopes, ended = q.clock, q.budget, q.got, q.call, q.scopes, q.ended
    cancellable = q.cancellable

    async with anyio.create_task_group() as tg:
        tg.start_soon(cancellable)  # the head: it waits on the token's timer
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(call, "other", Priority.POLL)  # behind it: it waits to reach the head
        await anyio.wait_all_tasks_blocked()
        assert clock.sleepers == 1
        scopes[0].cancel()
        await ended.wait()
        await anyio.wait_all_tasks_blocked()
        assert clock.sleepers == 1, "the waiter now at the head sleeps on no timer"
        clock.advance(1.0)
    assert got == ["other"] and budget.in_flight == 1


async def test_a_probe_admitted_after_a_cooldown_that_showed_nothing_opens_the_gate_at_once():
    """The first call of a run refused without a hint (another process filled the key's window): nothing of
    ours was admitted before it, so the probe admitted shows no window, but it ends the cooldown, and the
    calls behind it go at once, not at the moment the next probe would have gone."""
    clock = FakeClock(100.0)
    budget = RequestBudget(60, clock=clock, window=60.0)
    budget.on_429(None, sent_at=100.0)
    assert budget.finder.cooling and budget.closed_for() > 0
    async with clock.autojump():
        probe = await budget.acquire(Priority.POLL)  # the probe
    gap = budget.closed_for()
    assert gap > 0  # everyone else waits for the next probe...
    clock.advance(gap / 2)  # (answered before it was due)
    budget.release()
    budget.succeeded(probe)
    assert not budget.finder.cooling and budget.closed_for() == 0.0  # ...until the probe is admitted


def test_after_a_hinted_429_the_limit_climbs_back_only_after_a_clean_window_from_the_429():
    """The clean windows that let the limit climb back count from the 429, not from the last climb before it:
    else a run whose limit last rose long ago would climb back past where the server said no at once."""
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0, rng=random.Random(1))
    clock.now_s = 600.0
    for _ in range(40):
        budget._stamps.append(599.0)
    budget.on_429(5.0, sent_at=600.0)
    assert budget.limit == pytest.approx(40.0)
    budget._stamps.clear()
    clock.now_s = 610.0  # the gate has opened: no clean window yet
    budget.wait_time(clock.now())
    assert budget.limit == pytest.approx(40.0)


def test_a_429_with_a_hint_lowers_the_limit_to_what_was_in_the_window():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0, rng=random.Random(7))
    for _ in range(40):
        budget._stamps.append(clock.now())
    budget.in_flight = 2
    delay = budget.on_429(5.0, sent_at=0.0)
    assert delay == pytest.approx(5.0 + random.Random(7).uniform(0, 3.0))
    assert budget.limit == 42.0 and budget.ceiling == pytest.approx(43.2)
    assert budget._tokens == 0.0 and budget.closed_for() == pytest.approx(delay)
    # A 429 for a call sent before that decrease is the same overload: the limit stays.
    clock.advance(1.0)
    budget.on_429(5.0, sent_at=0.0 - 1.0)
    assert budget.limit == 42.0
    # A later overload lowers it again, but never below half of itself in one step.
    budget._stamps.clear()
    budget.in_flight = 0
    clock.advance(1.0)
    budget.on_429(5.0, sent_at=clock.now())
    assert budget.limit == 21.0 and budget.ceiling == 42.0
    assert budget.throttled == 3


def test_a_later_429_with_a_shorter_hint_never_reopens_the_gate_before_the_server_said():
    # One call's 429 says "wait 60 s"; another call answered a moment later says 5 s (its own counter, or a
    # rounded hint): the gate stays closed until the longest wait, or the calls in between are refused too.
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0, rng=random.Random(2))
    first = budget.on_429(60.0, sent_at=0.0)
    clock.advance(1.0)
    second = budget.on_429(5.0, sent_at=0.5)
    assert first >= 60.0 and second == pytest.approx(first - 1.0)
    assert budget.closed_for() == pytest.approx(first - 1.0)
    clock.advance(10.0)
    assert not budget.gate_open and budget.wait_time(clock.now()) == pytest.approx(first - 11.0)


def test_a_429_never_lowers_the_limit_below_the_floor_nor_waits_past_the_longest_hint():
    clock = FakeClock()
    budget = RequestBudget(4, clock=clock, window=60.0, min_limit=3.0, max_hint_s=100.0, rng=random.Random(3))
    delay = budget.on_429(10_000.0)
    assert budget.limit == 3.0
    assert delay == pytest.approx(100.0 + random.Random(3).uniform(0, 3.0))


def test_a_zero_hint_is_no_hint():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock)
    clock.advance(5.0)
    budget.succeeded(1.0)
    closed = budget.on_429(0.0)
    assert budget.finder.cooling and budget.limit == 60.0 and closed == pytest.approx(budget.closed_for())


def test_the_climb_back_is_additive_per_clean_window_and_stops_at_the_configured_figure():
    clock = FakeClock()
    budget = RequestBudget(100, clock=clock, window=60.0)
    budget.on_429(1.0)
    assert budget.limit == 50.0 and budget.ceiling == 100.0
    clock.advance(59.0)
    budget.wait_time(clock.now())
    assert budget.limit == 50.0  # not a whole window yet
    clock.advance(1.0)
    budget.wait_time(clock.now())
    assert budget.limit == 52.0  # one step of 2% of the configured figure
    clock.advance(180.0)
    budget.wait_time(clock.now())
    assert budget.limit == 58.0
    clock.advance(60.0 * 100)
    budget.wait_time(clock.now())
    assert budget.limit == 100.0


def test_the_climb_back_never_passes_the_configured_figure_when_its_steps_do_not_meet_it():
    # 75 a minute climbs in steps of 1.5; from 59 (what was in the window at the 429) the steps reach 74 then
    # 75.5: the limit stops at 75, the rate the user set
    clock = FakeClock()
    budget = RequestBudget(75, clock=clock, window=60.0)
    budget._stamps.extend([0.0] * 59)
    budget.on_429(1.0)
    assert budget.limit == 59.0
    for _ in range(300):
        clock.advance(60.0)
        budget._stamps.clear()
        budget.wait_time(clock.now())
        assert budget.limit <= 75.0
    assert budget.limit == 75.0


def test_the_climb_back_slows_to_every_tenth_window_at_the_ceiling():
    clock = FakeClock()
    budget = RequestBudget(100, clock=clock, window=60.0)
    for _ in range(90):
        budget._stamps.append(0.0)
    budget.on_429(1.0)  # 90 were in the window: the ceiling is 90
    assert budget.limit == 80.0 and budget.ceiling == 90.0
    limits = []
    for _ in range(20):
        clock.advance(60.0)
        budget._stamps.clear()
        budget.wait_time(clock.now())
        limits.append(budget.limit)
    assert limits[:5] == [82.0, 84.0, 86.0, 88.0, 88.0]  # 88 + 2 would reach the ceiling: wait there
    assert limits[8:11] == [88.0, 90.0, 90.0]  # the tenth clean window probes one step higher


def test_a_probe_admitted_sets_the_window_and_limit_it_revealed(caplog):
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0)
    cool_down_after_ten(budget, clock)
    budget.succeeded(None)  # nothing to learn from an unknown send time
    assert budget.finder.cooling
    clock.now_s = 30.0
    with caplog.at_level("INFO", logger="batchgen"):
        budget.succeeded(30.0)
    assert not budget.finder.cooling and budget.gate_open
    assert budget.finder.window == 30.0 and budget.limit == 10.0
    # between the 9.9 s the run showed (less 1% for latency) and the probe's 30 s, the pace tries their
    # geometric mean, at the configured 1 call a second
    assert budget.window == pytest.approx(math.sqrt(9.9 * 30.0)) and budget.configured == pytest.approx(budget.window)
    assert budget.ceiling == 11.0 and budget._step == 1.0
    assert caplog.messages == ["429s without a hint: the server admits about 10 requests per 30s; pacing at that"]


def test_a_probe_that_shows_the_server_admits_more_than_configured_keeps_the_configured_rate():
    # the server admits 10 calls per 30 s; the user set 6 a minute: the run never goes faster than 6 a minute
    clock = FakeClock()
    budget = RequestBudget(6, clock=clock, window=60.0)
    learn_ten_per_thirty(budget, clock)
    assert not budget.finder.cooling and budget.gate_open
    assert budget.limit <= budget.configured
    assert budget.limit / budget.window * 60.0 == pytest.approx(6.0)


def test_a_closed_gate_shows_in_the_readout():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, rng=random.Random(1))
    budget.on_429(10.0)
    assert repr(budget) == "RequestBudget(limit=30.0/60 per 60s, in_flight=0, window=0, gate=closed, waiters=0)"


async def test_tokens_refill_at_the_limit_per_window_whatever_the_rate():
    clock = FakeClock()
    budget = RequestBudget(120, clock=clock, window=60.0)  # two tokens a second, a burst of two
    await budget.acquire(Priority.POLL)  # a run starts with one token, not the burst
    budget.release()
    assert budget.wait_time(0.0) == pytest.approx(0.5)
    assert budget.wait_time(0.25) == pytest.approx(0.25)  # half a token came back
    assert budget._tokens == pytest.approx(0.5)
    assert budget.wait_time(0.5) == 0.0
    assert budget.wait_time(5.0) == 0.0 and budget._tokens == 2.0  # a quiet while fills it to the burst
    budget = RequestBudget(30, clock=clock, window=60.0)  # one token every two seconds
    await budget.acquire(Priority.POLL)
    budget.release()
    assert budget.wait_time(0.5) == pytest.approx(1.5)
    assert budget._tokens == pytest.approx(0.25)


def test_a_closed_gate_waits_until_it_opens_whatever_the_tokens_and_window():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0, burst=5.0, rng=random.Random(2))
    delay = budget.on_429(10.0)
    assert budget.wait_time(clock.now()) == pytest.approx(delay)
    assert budget.wait_time(4.0) == pytest.approx(delay - 4.0)
    assert budget.wait_time(delay) == 0.0  # open again, with the tokens it gathered meanwhile


def test_a_429_for_a_call_sent_at_the_moment_of_the_decrease_is_a_new_overload():
    clock = FakeClock()
    budget = RequestBudget(100, clock=clock, window=60.0, rng=random.Random(4))
    clock.advance(3.0)
    budget.on_429(5.0, sent_at=2.0)
    assert budget.limit == 50.0
    budget.on_429(5.0, sent_at=3.0 - 1e-9)  # sent just before the decrease: the same overload
    assert budget.limit == 50.0
    budget.on_429(5.0, sent_at=3.0)  # sent at the moment of the decrease: it counts
    assert budget.limit == 25.0


def test_a_probe_admitted_restarts_the_climb_back_from_that_moment():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0)
    learn_ten_per_thirty(budget, clock)  # the server admits 10 per 30 s: limit 10, ceiling 11, step 1
    assert (budget.limit, budget.ceiling, budget.configured) == (10.0, 11.0, 30.0)
    budget.on_429(5.0, sent_at=29.0)  # sent before the probe answered: the same overload
    assert budget.limit == 10.0
    clock.now_s = 35.0  # the hint's gate is over: climb from the probe's answer, one window at a time
    limits = []
    for n in range(1, 11):
        clock.now_s = 30.0 + 30.0 * n
        budget.wait_time(clock.now())
        limits.append(budget.limit)
    assert limits == [10.0] * 9 + [11.0]  # at the ceiling: only the tenth clean window steps up


async def test_a_probe_that_shows_what_is_already_known_logs_nothing(caplog):
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0)
    learn_ten_per_thirty(budget, clock)  # learned: 10 per 30 s
    admit(budget, clock, range(100, 110))  # a quiet while later, the same 10 calls in a burst
    clock.now_s = 110.0
    reopen = budget.on_429(None, sent_at=110.0) + 110.0
    assert reopen == 130.0  # the known window: the first probe goes when the run's first call leaves it
    clock.now_s = reopen
    probe = await budget.acquire(Priority.POLL)
    budget.release()
    with caplog.at_level("INFO", logger="batchgen"):
        budget.succeeded(probe)
    assert budget.window == 30.0 and budget.limit == 10.0 and budget.gate_open
    assert caplog.messages == []


async def test_equal_waiters_are_served_in_arrival_order_and_an_unranked_call_goes_first():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0)
    order: list[str] = []

    async def call(name: str, *rank: float) -> None:
        await budget.acquire(Priority.POLL, *rank)
        order.append(name)
        budget.release()

    await budget.acquire(Priority.POLL)  # takes the only token: everyone else queues
    budget.release()
    async with anyio.create_task_group() as tg:
        tg.start_soon(call, "ranked", 0.5)
        await anyio.wait_all_tasks_blocked()
        for n in range(6):
            tg.start_soon(call, f"poll-{n}")
            await anyio.wait_all_tasks_blocked()
        while len(order) < 7:
            clock.advance(1.0)
            await anyio.wait_all_tasks_blocked()
    assert order == [f"poll-{n}" for n in range(6)] + ["ranked"]


async def test_a_waiter_on_a_full_window_sleeps_until_an_answer_then_until_it_leaves_the_window():
    clock = FakeClock()
    budget = RequestBudget(1, clock=clock, window=60.0, burst=5.0)
    await budget.acquire(Priority.POLL)
    granted: list[float] = []

    async def second() -> None:
        granted.append(await budget.acquire(Priority.POLL))

    async with anyio.create_task_group() as tg:
        tg.start_soon(second)
        await anyio.wait_all_tasks_blocked()
        assert clock.sleepers == 0  # nothing but an answer can help: no timer
        clock.advance(2.0)
        budget.release()
        await anyio.wait_all_tasks_blocked()
        assert clock.sleepers == 1 and granted == []
        clock.advance(60.0)  # the answer at 2 s is still in the window (by a microsecond)
        await anyio.wait_all_tasks_blocked()
        assert granted == []
        clock.advance(1.0)
    assert granted == [63.0]


def test_a_late_hintless_429_for_a_call_sent_before_the_probe_changes_nothing():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0)
    learn_ten_per_thirty(budget, clock)  # the probe sent at 30 ended the cooldown
    clock.now_s = 31.0
    assert budget.on_429(None, sent_at=29.5) == 0.0  # sent before it: the gate stays open
    assert budget.gate_open and not budget.finder.cooling
    assert budget.on_429(None, sent_at=30.5) > 0.0 and budget.finder.cooling  # sent after it: a new cooldown


async def test_a_hintless_429_empties_the_bucket_so_the_probe_still_waits_for_a_token():
    clock = FakeClock()
    budget = RequestBudget(6, clock=clock, window=60.0)  # a token every ten seconds
    budget.succeeded(0.0)
    clock.now_s = 5.0
    budget.on_429(None, sent_at=5.0)
    probe_at = 5.0 + budget.closed_for()
    assert probe_at == pytest.approx(8.0)  # the run began at 0: 5 s x 1.6
    assert budget.wait_time(probe_at) == pytest.approx(7.0)  # 0.3 of a token gathered since the 429


def test_a_probe_that_shows_a_lower_limit_in_the_known_window_is_logged(caplog):
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0)
    learn_ten_per_thirty(budget, clock)  # learned: 10 per 30 s
    admit(budget, clock, range(100, 108))  # later only 8 calls get through before a 429
    clock.now_s = 108.0
    budget.on_429(None, sent_at=108.0)
    clock.now_s = 130.0
    with caplog.at_level("INFO", logger="batchgen"):
        budget.succeeded(130.0)
    assert budget.window == 30.0 and budget.limit == 8.0
    assert caplog.messages == ["429s without a hint: the server admits about 8 requests per 30s; pacing at that"]


async def test_a_waiter_woken_when_the_oldest_answer_leaves_the_window_finds_room():
    clock = FakeClock()
    budget = RequestBudget(1, clock=clock, window=60.0, burst=5.0)
    await budget.acquire(Priority.POLL)
    clock.advance(3.0)
    budget.release()
    wait = budget.wait_time(3.0)
    assert wait is not None
    wake = 3.0 + wait
    assert wake > 63.0  # strictly after the answer at 3 s leaves the window ...
    assert budget.wait_time(wake) == 0.0  # ... so the call then goes at once


def test_defaults_a_floor_of_one_call_per_window_and_hints_of_at_most_an_hour():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, rng=random.Random(5))
    for _ in range(10):  # overload after overload, each a new one
        clock.advance(1.0)
        budget.on_429(1.0, sent_at=clock.now())
    assert budget.limit == 1.0
    delay = budget.on_429(10_000.0, sent_at=clock.now())
    assert delay == pytest.approx(3600.0 + _jitter(5, 11))
    assert RequestBudget(10, clock=clock, window=0.5).configured == pytest.approx(10 * 0.5 / 60)


def _jitter(seed: int, nth: int, window: float = 60.0) -> float:
    rng = random.Random(seed)
    for _ in range(nth - 1):
        rng.uniform(0, 0.05 * window)
    return rng.uniform(0, 0.05 * window)


def _cool_down_again_after_learning(budget: RequestBudget, clock: FakeClock) -> None:
    learn_ten_per_thirty(budget, clock)
    admit(budget, clock, range(100, 110))  # a quiet while later, the same 10 calls in a burst
    clock.now_s = 110.0
    budget.on_429(None, sent_at=110.0)


def test_a_window_that_differs_only_by_rounding_is_not_news(caplog):
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0)
    _cool_down_again_after_learning(budget, clock)
    clock.now_s = 130.0 + 1e-8
    with caplog.at_level("INFO", logger="batchgen"):
        budget.succeeded(130.0 + 1e-8)  # the probe admitted (answered at once): 30 s and 10 ns
    assert budget.window == pytest.approx(30.0) and budget.limit == 10.0
    assert caplog.messages == []


def test_a_late_probe_that_shows_a_longer_window_is_logged(caplog):
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0)
    _cool_down_again_after_learning(budget, clock)
    clock.now_s = 131.0
    budget.on_429(None, sent_at=130.0)  # the probe at the known window's end is refused
    clock.now_s = 136.0
    with caplog.at_level("INFO", logger="batchgen"):
        budget.succeeded(136.0)  # a later one is admitted (answered at once): the window is longer than thought
    assert budget.finder.window == 36.0 and budget.limit == 10.0
    # the server still held the burst at 130 s: the window is between 29.7 s and 36 s, the pace in between
    assert budget.finder.lower == pytest.approx(29.7)
    assert budget.window == pytest.approx(math.sqrt(29.7 * 36.0))
    assert caplog.messages == ["429s without a hint: the server admits about 10 requests per 36s; pacing at that"]


async def test_a_token_short_only_by_rounding_is_a_whole_one():
    # 0.01 s refills summed three times come to 0.9999999999999999 of a token: waiting the 1e-18 s left
    # would not move a fake clock (0.03 + 1e-18 == 0.03), and the call would wait for ever.
    clock = FakeClock()
    budget = RequestBudget(6000, clock=clock)
    async with clock.autojump():
        with anyio.fail_after(5):
            for _ in range(6):
                await budget.acquire(Priority.POLL)
                budget.release()
    assert clock.now() == pytest.approx(0.05)


async def test_a_call_that_becomes_urgent_at_the_head_of_the_queue_stays_ahead_of_a_submit_that_asks_later():
    """A poll waiting at the head of the queue when its ``urgent_at`` comes (the window full: only an answer
    helps) is served as a result call from then on: a submit that asks after that goes behind it.  Left a poll
    because it was at the head when its moment came, it was passed by the first submit to ask (its record may die
    meanwhile)."""
    clock = FakeClock()
    budget = RequestBudget(1, clock=clock, window=60.0, burst=5.0)  # (tokens to spare: only the window binds)
    await budget.acquire(Priority.RESULT)  # the window's one place, taken until it is answered
    order: list[str] = []

    async def call(name: str, priority: Priority, urgent_at: float = math.inf) -> None:
        await budget.acquire(priority, urgent_at=urgent_at)
        order.append(name)
        budget.release()

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, "poll", Priority.POLL, 5.0)
        await anyio.wait_all_tasks_blocked()
        clock.advance(10.0)  # its moment comes while it waits at the head
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(call, "submit", Priority.SUBMIT)
        await anyio.wait_all_tasks_blocked()
        budget.release()  # the answer: room for one call once it leaves the window
        await anyio.wait_all_tasks_blocked()
        clock.advance(61.0)
        await anyio.wait_all_tasks_blocked()
        assert order == ["poll"]
        tg.cancel_scope.cancel()


async def test_a_call_past_its_ahead_at_goes_before_every_submit_and_behind_the_result_calls():
    """From its ``ahead_at`` on, a poll (a sweep's page) waiting is served ahead of every submit, those that asked
    before it and after it, but never ahead of a result call, nor of a poll at its record's expiry guard."""
    clock = FakeClock()
    budget = RequestBudget(1, clock=clock, window=60.0, burst=5.0)  # (tokens to spare: only the window binds)
    await budget.acquire(Priority.RESULT)  # the window's one place, taken until it is answered
    order: list[str] = []

    async def call(name: str, priority: Priority, urgent_at: float = math.inf, ahead_at: float = math.inf) -> None:
        await budget.acquire(priority, urgent_at=urgent_at, ahead_at=ahead_at)
        order.append(name)
        budget.release()

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, "submit 1", Priority.SUBMIT)
        tg.start_soon(call, "page", Priority.POLL, math.inf, 5.0)
        tg.start_soon(call, "poll", Priority.POLL)
        await anyio.wait_all_tasks_blocked()
        clock.advance(10.0)  # the page's moment comes while it waits
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(call, "submit 2", Priority.SUBMIT)
        tg.start_soon(call, "result", Priority.RESULT)
        tg.start_soon(call, "guard", Priority.POLL, 0.0)
        await anyio.wait_all_tasks_blocked()
        for _ in range(6):  # each answer makes room for the next call once it leaves the window
            budget.release() if not order else None
            clock.advance(61.0)
            await anyio.wait_all_tasks_blocked()
        assert order == ["result", "guard", "page", "submit 1", "submit 2", "poll"]


class _RunningClock(FakeClock):
    """A fake clock that moves on a little at every reading, as a real one does between two readings."""

    def now(self) -> float:
        self._now += 1e-6
        return self._now


@pytest.mark.parametrize("clock_type", [FakeClock, _RunningClock])
async def test_a_probe_granted_but_not_sent_leaves_the_probe_to_the_next_call(clock_type):
    """In a cooldown without a hint, the call granted as the probe was held back by its caller and sent nothing:
    the gate stays shut for no probe that was never sent, and the next call goes as the probe at once.  The
    moment given back is the one the budget took for the probe: a second reading of a real clock is a later
    moment, and a probe not sent was never known as one (the gate stayed shut)."""
    clock = clock_type(100.0)
    budget = RequestBudget(60, clock=clock, window=60.0)
    budget.on_429(None, sent_at=100.0)
    async with clock.autojump():
        probe = await budget.acquire(Priority.SUBMIT)  # the probe...
    assert budget.closed_for() > 0 and budget.finder.probes == 1
    budget.give_back(probe)  # ... not sent
    assert budget.finder.probes == 0 and budget.closed_for() == 0.0 and budget.in_flight == 0
    granted = await budget.acquire(Priority.POLL)  # the probe now, at once
    assert granted - probe < 1e-3 and budget.finder.probes == 1 and budget.closed_for() > 0


async def test_a_granted_calls_next_request_takes_a_grant_of_its_own_and_a_cancel_while_waiting_loses_no_slot():
    # A redirect to follow is a request: the first takes its place in the window, and the next waits for a
    # grant, as a result call does.  With 2 a minute, a call and its redirect fill the window: the third waits.
    clock = FakeClock()
    budget = RequestBudget(2, clock=clock, burst=2.0)
    await budget.acquire(Priority.POLL)
    await budget.another()  # the redirect: granted at once (a place left in the window)
    assert budget.in_flight == 1 and budget.wait_time(clock.now()) == pytest.approx(60.0)  # the window is full
    with anyio.move_on_after(0.05) as waited:  # (real seconds: the fake clock never moves here)
        await budget.another()  # a second redirect: no place, and cancelled while it waits
    assert waited.cancelled_caught
    assert budget.in_flight == 1  # the call still holds its slot: its one release frees it
    budget.release()
    assert budget.in_flight == 0 and len(budget._stamps) == 3  # the two sent, and the cancelled one: no fewer
    clock.advance(60.0)
    assert budget.wait_time(clock.now()) == 0.0
