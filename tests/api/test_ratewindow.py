"""429s without a hint, or with one the configured window cannot explain: the window and limit are found
from what the server admits (fake clock, no sleeps)."""

from __future__ import annotations

import logging
import math
from collections import deque

import pytest

from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.api.window import WindowFinder
from batchgen.clock import FakeClock


class SlidingWindowServer:
    """Admits ``limit`` calls per sliding ``window``; refused calls do not count; says nothing on a 429."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.log: deque[float] = deque()
        self.refused_until = -1.0
        self.admitted = self.refused = self.into_cooldown = 0

    def call(self, now: float) -> bool:
        while self.log and self.log[0] <= now - self.window:
            self.log.popleft()
        if now < self.refused_until:
            self.into_cooldown += 1
        if len(self.log) >= self.limit:
            self.refused += 1
            self.refused_until = max(self.refused_until, self.log[0] + self.window)
            return False
        self.log.append(now)
        self.admitted += 1
        return True


async def drive_calls(budget: RequestBudget, clock: FakeClock, server: SlidingWindowServer, calls: int) -> None:
    """Send ``calls`` calls as fast as the budget allows, answered at once."""
    while server.admitted + server.refused < calls:
        await drive(budget, clock, server, until=clock.now() + 1e-9)


async def drive(
    budget: RequestBudget,
    clock: FakeClock,
    server: SlidingWindowServer,
    until: float,
    *,
    hint: bool = False,
    delays: list[float] | None = None,
) -> list[float]:
    """Send calls as fast as the budget allows, answered at once; returns admitted send times.
    ``hint``: each 429 says when the server's window reopens (as a reset time does); ``delays``: one call at a
    time, each reaching the server ``delays[i]`` after it is sent (taken in turn) and answered as it arrives
    (the server's window counts arrivals, not sends)."""
    sent: list[float] = []
    i = 0
    while clock.now() < until:
        wait = budget.wait_time(clock.now())
        if wait is None or wait > 0:
            clock.advance(1e-3 if wait is None else max(wait, 1e-6))
            continue
        granted = await budget.acquire(Priority.SUBMIT)
        if delays:
            clock.advance(delays[i % len(delays)])
            i += 1
        ok = server.call(clock.now())
        budget.release()
        if ok:
            budget.succeeded(granted)
            sent.append(granted)
        else:
            budget.on_429(server.refused_until - granted if hint else None, sent_at=granted)
    return sent


async def test_no_hint_429s_at_4x_find_the_window_and_use_most_of_the_limit():
    clock = FakeClock()
    server = SlidingWindowServer(limit=20, window=10.0)  # 2 calls/s
    budget = RequestBudget(480, clock=clock)  # told 480/min: 4x the real 120/min
    admitted = await drive(budget, clock, server, until=200.0)
    assert budget.finder.window is not None and 10.0 <= budget.finder.window <= 12.0
    assert budget.finder.limit == 20
    # back at the limit within about two windows of the first 429
    first_429 = 20 / 8.0
    late = [t for t in admitted if t >= first_429 + 20.0]
    assert len(late) / (200.0 - first_429 - 20.0) >= 0.8 * 2.0
    # few calls sent into a cooldown, and the pace found holds
    calls = server.admitted + server.refused
    assert server.into_cooldown / calls <= 0.10
    # the first cooldown, then at most one 429 for each step the pace takes towards the window
    assert budget.finder.episodes <= 5 and server.refused <= 8


@pytest.mark.parametrize(("limit", "window"), [(5, 0.6), (8, 1.0), (80, 10.0)])
async def test_a_hinted_429_from_a_window_shorter_than_configured_keeps_the_rate(limit, window):
    """Near the plan's rate, counted by the server over a window far shorter than the one configured:
    a 429 with a reset time comes with a handful of calls in the configured window, and halving the
    rate on it (twice, as two such 429s would) leaves most of the limit unused for the rest of the run.
    The rate is kept instead, counted over the server's window, and the run keeps most of it, with few 429s."""
    clock = FakeClock()
    server = SlidingWindowServer(limit=limit, window=window)  # 8-8.3 calls/s
    budget = RequestBudget(600, clock=clock, window=60.0)  # told 10/s, counted over a minute
    admitted = await drive(budget, clock, server, until=120.0, hint=True)
    late = [t for t in admitted if t >= 20.0]
    assert len(late) / 100.0 >= 0.8 * limit / window  # most of the server's rate, after the first 20 s
    assert server.refused <= 6
    assert budget.window <= 1.5 * window  # counted over the server's window, not the configured minute


async def test_a_server_that_tightens_its_limit_is_followed():
    clock = FakeClock()
    server = SlidingWindowServer(limit=20, window=10.0)
    budget = RequestBudget(480, clock=clock)
    await drive(budget, clock, server, until=40.0)
    server.limit = 10  # the server tightens to 1 call/s
    await drive(budget, clock, server, until=120.0)
    refused = server.refused
    admitted = await drive(budget, clock, server, until=200.0)
    assert server.refused - refused <= 2  # settled
    assert len(admitted) / 80.0 >= 0.5  # and still using at least half of the new limit


def test_finder_arithmetic():
    finder = WindowFinder(window_s=60.0, growth=1.5)
    for i in range(10):
        assert finder.admitted(100.0 + i * 0.5, 100.0 + i * 0.5) is None
    probe = finder.rejected(104.6, 105.0)  # the run began at 100 and lasted 5 s
    assert finder.cooling and probe == pytest.approx(100.0 + 5.0 * 1.5)
    assert finder.rejected(104.7, 105.1) == probe  # a call already on its way: same overload
    assert finder.admitted(104.8, 105.2) is None  # admitted before the refusal: part of the run
    nxt = finder.probe_sent(probe)
    assert nxt == pytest.approx(100.0 + 5.0 * 1.5**2)
    assert finder.rejected(probe, probe) == nxt  # the probe was refused
    finder.probe_sent(nxt)
    learned = finder.admitted(nxt, nxt)
    assert learned is not None  # window = probe - run start, limit = the run
    assert learned[0] == pytest.approx(11.25) and learned[1] == 11
    assert not finder.cooling
    assert finder.rejected(104.9, nxt + 0.1) == nxt + 0.1  # a late 429 from the old overload changes nothing
    assert not finder.cooling


def test_finder_refuses_nonsense():
    with pytest.raises(ValueError, match="positive"):
        WindowFinder(window_s=0.0)
    with pytest.raises(ValueError, match="positive"):
        WindowFinder(window_s=1.0, growth=1.0)


@pytest.mark.parametrize("rpm", [240, 480, 600, 720])  # 2x, 4x, 5x and 6x the server's 120/min
@pytest.mark.parametrize("window", [60.0, 10.0])  # the wrong window, the right one
async def test_a_short_batch_at_several_times_the_limit_sends_few_calls_into_a_cooldown(rpm, window):
    clock = FakeClock()
    server = SlidingWindowServer(limit=20, window=10.0)
    budget = RequestBudget(rpm, clock=clock, window=window)
    await drive_calls(budget, clock, server, 30)
    assert server.into_cooldown <= 3  # 10% of a 30-call batch
    await drive_calls(budget, clock, server, 50)
    assert server.into_cooldown <= 5  # 10% of a 50-call batch
    assert budget.finder.limit == 20
    assert budget.finder.window is not None and budget.finder.lower < 10.0 <= budget.finder.window


async def test_the_pace_climbs_from_the_safe_end_to_within_a_tenth_of_the_window():
    clock = FakeClock()
    server = SlidingWindowServer(limit=20, window=10.0)
    budget = RequestBudget(600, clock=clock)  # 5x the limit, counted over a minute
    await drive_calls(budget, clock, server, 40)
    assert budget.finder.window is not None and budget.finder.window > 1.1 * budget.finder.lower  # still a bracket
    await drive_calls(budget, clock, server, 600)
    finder = budget.finder
    assert finder.window is not None and finder.lower < 10.0 <= finder.window <= 1.1 * finder.lower  # narrowed
    assert budget.window == finder.window  # and paced at the proven end
    assert server.refused <= 0.03 * 600  # each step up risked one 429, not a cooldown of probes
    assert server.into_cooldown <= 5


def test_finder_bounds_from_refused_and_admitted_calls():
    finder = WindowFinder(window_s=60.0, growth=1.5)
    for i in range(20):
        finder.admitted(i * 0.1, i * 0.1)  # 20 calls in 2 s from a quiet start
    first = finder.rejected(2.0, 2.0)
    assert first == pytest.approx(3.0)  # 2 s x 1.5
    assert finder.lower == pytest.approx(2.0 * 0.99)  # the server still held all 20 at 2 s
    finder.probe_sent(first)
    finder.rejected(first, first)  # refused at 3 s: still held them
    assert finder.lower == pytest.approx(3.0 * 0.99)
    learned = finder.admitted(4.5, 4.5)
    assert learned is not None and learned[0] == pytest.approx(4.5) and learned[1] == 20
    assert finder.pace() == pytest.approx(math.sqrt(4.5 * 2.97))  # the geometric mean of the bounds
    for k in range(1, 20):  # paced at 0.2 s from the probe: 4.7 s ... 8.3 s
        finder.admitted(4.5 + 0.2 * k, 4.5 + 0.2 * k)
    assert finder.window == pytest.approx(4.5)  # no call yet with 20 admitted in the 4.5 s before it
    finder.admitted(8.5, 8.5)  # admitted with 20 admitted since 4.5 s: the window is at most 4 s
    assert finder.window == pytest.approx(4.0 * 1.01)
    assert finder.pace() == pytest.approx(math.sqrt(4.04 * 2.97))
    finder.rejected(8.7, 8.7)  # refused with 20 admitted since 4.7 s: the window is longer than 4 s
    assert finder.lower == pytest.approx(4.0 * 0.99)
    assert finder.pace() == pytest.approx(finder.window)  # the bounds within a tenth: settled


def test_a_server_whose_window_is_the_configured_one_reopens_at_the_first_probe():
    finder = WindowFinder(window_s=10.0, growth=1.5)
    for i in range(20):
        finder.admitted(i * 0.25, i * 0.25)  # 20 calls in 5 s, then a 429
    first = finder.rejected(5.0, 5.0)
    assert first == pytest.approx(7.5)
    second = finder.probe_sent(first)
    assert second == pytest.approx(10.0 * 1.01)  # before 5 s x 1.5^2: the configured window's end
    assert finder.probe_sent(second) == pytest.approx(5.0 * 1.5**2)


def test_a_shorter_window_never_paces_faster_than_configured():
    clock = FakeClock()
    budget = RequestBudget(60, clock=clock, window=60.0)  # 1 call a second
    budget.limit = 20.0  # learned: the server admits 20 per window
    budget._set_window(12.0)  # the window narrowed: 12 calls in 12 s is all 1 call a second allows
    assert budget.configured == pytest.approx(12.0) and budget.limit == pytest.approx(12.0)


async def test_a_429_without_a_hint_on_the_first_call_starts_a_cooldown_and_the_run_goes_on():
    """The key's window already full when the run starts (another process spent it): the first call is
    refused with nothing admitted before it, which shows no window, and the probes find it all the same."""
    clock = FakeClock()
    server = SlidingWindowServer(limit=10, window=10.0)
    for _ in range(10):  # someone else's calls, just before ours
        assert server.call(0.0)
    clock.advance(1.0)
    budget = RequestBudget(120, clock=clock, window=10.0)
    admitted = await drive(budget, clock, server, until=60.0)
    assert server.refused >= 1 and budget.finder.episodes >= 1
    assert len(admitted) >= 0.8 * 10 * 4  # most of the limit over the 50 s after the others' window


def test_a_burst_answered_429_at_once_never_paces_faster_than_configured():
    """Three calls admitted in a millisecond, then a 429 that reopens at once: the window it shows is no
    shorter than those calls take at the configured rate, so the pace found never outruns that rate."""
    clock = FakeClock()
    budget = RequestBudget(600, clock=clock, window=60.0)  # 10 calls/s
    for _ in range(3):
        budget.finder.admitted(clock.now(), clock.now())
        clock.advance(0.0005)
    budget.on_429(0.0001, sent_at=clock.now())
    assert budget.window < 60.0  # read as a shorter window...
    assert budget.limit / budget.window <= 600 / 60 + 1e-9  # ...at no more than the configured rate


@pytest.mark.parametrize(("began", "said"), [(0.0, "sent just before this run"), (120.0, "another process using")])
def test_a_429_a_shorter_window_explains_is_told_with_what_else_may_explain_it(began, said, caplog):
    """Early in a run, the requests an earlier run of the key sent just before may fill the server's window; later,
    only another process using the key may: the log line says which, not that the window is shorter as a fact."""
    clock = FakeClock()
    budget = RequestBudget(600, clock=clock, window=60.0)
    clock.advance(began)
    for _ in range(3):
        budget.finder.admitted(clock.now(), clock.now())
        clock.advance(0.5)
    with caplog.at_level(logging.INFO, logger="batchgen"):
        budget.on_429(2.0, sent_at=clock.now())
    assert budget.window < 60.0 and said in caplog.text


async def test_no_hint_429s_with_calls_delayed_unevenly_keep_the_limit_found():
    # 3 calls per 10 s (18/min), told 100/min; each call takes 0.5 to 1.8 s to reach the server.  Bounds read off
    # send times alone put the window shorter than the server's once a late call was admitted, a later cooldown
    # then counted fewer of the calls the server still held, and the limit fell for the rest of the run.
    clock = FakeClock()
    server = SlidingWindowServer(limit=3, window=10.0)
    budget = RequestBudget(100, clock=clock)
    delays = [1.69, 1.52, 0.84, 0.52, 1.02, 0.81, 1.57, 0.61, 0.95, 1.17, 1.82, 1.01, 0.56]
    admitted = await drive(budget, clock, server, 1200.0, delays=delays)
    finder = budget.finder
    assert finder.limit == 3
    assert finder.window is not None and finder.lower < 10.0 <= finder.window  # the bounds hold the window
    late = [t for t in admitted if t >= 600.0]
    assert len(late) / 600.0 >= 0.75 * 3 / 10.0  # most of the server's rate, to the end


def test_a_late_answer_widens_the_bounds_never_narrows_them():
    finder = WindowFinder(window_s=60.0, growth=1.5)
    for i in range(20):
        finder.admitted(i * 0.1, i * 0.1)  # 20 calls in 2 s from a quiet start, answered at once
    first = finder.rejected(2.0, 2.0)
    finder.probe_sent(first)
    learned = finder.admitted(first, first + 0.5)  # the probe admitted, answered half a second after its send
    assert learned is not None and learned[0] == pytest.approx(first + 0.5)  # it may have arrived that late
    assert finder.delay == pytest.approx(0.5)


def _learned_at_four_and_a_half() -> WindowFinder:
    """20 calls in 2 s from a quiet start, a 429, a refused probe at 3 s, one admitted at 4.5 s: the window is
    at most 4.5 s, longer than 2.97 s, and the server admits 20 in it (as in the test of the bounds above)."""
    finder = WindowFinder(window_s=60.0, growth=1.5)
    for i in range(20):
        finder.admitted(i * 0.1, i * 0.1)
    first = finder.rejected(2.0, 2.0)
    finder.probe_sent(first)
    finder.rejected(first, first)
    assert finder.admitted(4.5, 4.5) is not None
    assert finder.window == pytest.approx(4.5) and finder.lower == pytest.approx(2.97) and finder.limit == 20
    return finder


def test_an_admitted_call_never_narrows_the_window_below_what_a_refused_call_proved():
    """A server that is no pure sliding window (a fixed window that resets each minute admits two runs back
    to back) may admit ``limit`` calls in a span shorter than the window's lower bound: that proves nothing
    about the window, and paced by it the run would go faster than the refusals showed the server allows."""
    finder = _learned_at_four_and_a_half()
    for k in range(1, 21):  # 20 admitted in the 2 s after the probe: below the lower bound of 2.97 s
        finder.admitted(4.5 + 0.1 * k, 4.5 + 0.1 * k)
    assert finder.window == pytest.approx(4.5)
    assert finder.pace() == pytest.approx(math.sqrt(4.5 * 2.97))


def test_calls_that_may_have_reached_the_server_late_prove_no_shorter_window():
    """With a recent call answered a second after its send, a call of ours sent less than a second before
    another may have reached the server after it: only the calls sent a delay before count towards the
    ``limit`` that bounds the window from above."""
    finder = _learned_at_four_and_a_half()
    finder.admitted(4.7, 5.7)  # answered a second after its send
    for k in range(1, 19):
        finder.admitted(4.7 + 0.2 * k, 4.7 + 0.2 * k)
    assert finder.delay == pytest.approx(1.0)
    finder.admitted(8.5, 8.5)  # 20 sent since 4.5 s, but only 15 of them surely before 7.5 s
    assert finder.window == pytest.approx(4.5)  # answered at once, it proved 4.04 s (test above)


def test_a_window_sixty_times_the_configured_one_is_found_in_few_probes():
    """Probes go at growing gaps from the run's start, so a window ``r`` times the run's span costs about
    ``log(r) / log(1.6)`` refused probes, not one for each span of time the cooldown lasts."""
    finder = WindowFinder(window_s=1.0)  # configured a minute too short
    for i in range(20):
        finder.admitted(i * 0.05, i * 0.05)  # 20 calls in a second, then a 429; the server reopens at 60 s
    at = finder.rejected(1.0, 1.0)
    probes = 0
    while at < 60.0:
        probes += 1
        nxt = finder.probe_sent(at)
        assert finder.rejected(at, at) == nxt
        at = nxt
    finder.probe_sent(at)
    learned = finder.admitted(at, at)
    assert learned is not None and 60.0 <= learned[0] <= 1.6 * 60.0
    assert probes + 1 <= math.ceil(math.log(60) / math.log(1.6)) + 2  # (one more at the configured window)


def test_a_429_on_the_very_first_call_spaces_its_probes_apart_not_one_each_instant():
    """Nothing admitted, the 429 answered the moment the call went: the run spans no time, yet the probes go
    at growing gaps (from a thousandth of the window), a few before the configured window, never a flood."""
    finder = WindowFinder(window_s=10.0)
    at = finder.rejected(0.0, 0.0)
    probes = 0
    while at < 10.0:
        assert at > 0.0 and probes < 20
        probes += 1
        nxt = finder.probe_sent(at)
        assert finder.rejected(at, at) == nxt and nxt > at
        at = nxt


def test_the_bounds_refusals_prove_allow_for_a_call_that_reached_the_server_late():
    """One of the run's calls was answered a second after its send, so it may have reached the server a second
    late: a refusal ``x`` seconds after the run began proves the window longer than ``x`` less that second."""
    finder = WindowFinder(window_s=60.0, growth=1.5)
    finder.admitted(0.0, 1.0)
    for i in range(1, 20):
        finder.admitted(i * 0.1, i * 0.1)
    assert finder.delay == pytest.approx(1.0)
    first = finder.rejected(2.0, 2.0)
    assert finder.lower == pytest.approx((2.0 - 1.0) * 0.99)
    finder.probe_sent(first)
    finder.rejected(first, first)  # the probe refused at 3 s
    assert finder.lower == pytest.approx((3.0 - 1.0) * 0.99)


def test_a_refused_probe_after_fewer_than_the_limit_got_through_proves_nothing_about_the_window():
    """A later overload where only 5 of the 20 learned got through: the limit fell, and a probe refused 4.5 s
    after them does not show the window longer than 4.5 s (the server may hold others' calls)."""
    finder = _learned_at_four_and_a_half()
    for i in range(5):
        finder.admitted(100.0 + 0.1 * i, 100.0 + 0.1 * i)
    probe = finder.rejected(100.5, 100.5)
    assert probe == pytest.approx(104.5)  # the known window first
    finder.probe_sent(probe)
    finder.rejected(probe, probe)
    assert finder.lower == pytest.approx(2.97)


def test_once_the_known_window_is_refused_the_probes_grow_from_the_run_as_before():
    finder = _learned_at_four_and_a_half()
    for i in range(20):
        finder.admitted(100.0 + 0.1 * i, 100.0 + 0.1 * i)
    probe = finder.rejected(102.0, 102.0)
    assert probe == pytest.approx(104.5)  # the known window first
    nxt = finder.probe_sent(probe)
    assert finder.rejected(probe, probe) == nxt == pytest.approx(100.0 + 2.0 * 1.5**3)  # then 2 s x 1.5^k
    assert finder.probe_sent(nxt) == pytest.approx(100.0 + 2.0 * 1.5**4)


def test_calls_answered_out_of_order_are_counted_by_when_they_were_sent():
    """Calls in flight together come back in any order: the run a 429 shows begins at the first sent, not the
    first answered, and the window it proves runs from there."""
    finder = WindowFinder(window_s=60.0, growth=1.5)
    for i in range(0, 20, 2):  # answered in pairs, the later-sent call first
        finder.admitted((i + 1) * 0.1, (i + 1) * 0.1 + 0.05)
        finder.admitted(i * 0.1, (i + 1) * 0.1 + 0.06)
    assert finder.admitted_since(-1.0) == pytest.approx([i * 0.1 for i in range(20)])
    first = finder.rejected(2.0, 2.0)
    finder.probe_sent(first)
    learned = finder.admitted(first, first)
    assert learned is not None and learned[0] == pytest.approx(first) and learned[1] == 20
