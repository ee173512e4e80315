"""429s without a hint: the window and limit are found from what the server admits (fake clock, no sleeps)."""

from __future__ import annotations

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


async def drive(budget: RequestBudget, clock: FakeClock, server: SlidingWindowServer, until: float) -> list[float]:
    """Send calls as fast as the budget allows, answered at once; returns admitted send times."""
    sent: list[float] = []
    while clock.now() < until:
        wait = budget.wait_time(clock.now())
        if wait is None or wait > 0:
            clock.advance(1e-3 if wait is None else max(wait, 1e-6))
            continue
        granted = await budget.acquire(Priority.SUBMIT)
        ok = server.call(granted)
        budget.release()
        if ok:
            budget.succeeded(granted)
            sent.append(granted)
        else:
            budget.on_429(None, sent_at=granted)
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
    assert budget.finder.episodes <= 3


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
