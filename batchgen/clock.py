"""One clock for the whole run, with a time-scale factor and a fake for tests.

Every timing decision in batchgen (request budget, 429 gate, poll schedule,
backoff, expiry guard, history lag) and every timestamp it writes reads time
through this module; no other module calls ``time.time()`` or
``time.monotonic()`` (the object-store lease reads :func:`wall_now`, the Ray
driver's progress lines a :class:`Clock`).  Two kinds of time come out of it:

* ``now()``: monotonic run seconds.  In production the scale is 1.  Against
  the built-in simulator running ``N`` times faster, ``--simulate`` uses
  ``Clock(scale=N)``, so a "5-minute" job and a "60-second" rate window both
  shrink by the same factor and every ratio stays true.
* ``epoch()``: this machine's UTC wall clock, for the ledger's timestamps and
  for comparing our moments with the server's (request history, records that
  expire an hour after submission).

:class:`FakeClock` is the test mode: time stands still until a test moves it
by assignment (``clock.now_s = 30``) or :meth:`FakeClock.advance`, and
:meth:`Clock.sleep` / :meth:`Clock.wait` return when the fake time reaches
their deadline, so a unit test of the rate limiter or the retry policy never
sleeps.  Inside ``async with clock.autojump():`` it moves itself, like trio's
``MockClock(autojump_threshold=0)``: whenever every task is blocked, time
jumps to the earliest pending deadline.  HTTP timeouts are not scaled: they are about the network.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import anyio
import anyio.lowlevel


def wall_now() -> float:
    """This machine's UTC wall clock, in seconds since the epoch (for what is compared across
    machines, such as a lease's expiry in an object store)."""
    return time.time()


class Clock:
    """Monotonic run seconds plus UTC wall time."""

    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("the time scale must be positive")
        self.scale = scale
        self._mono0 = time.monotonic()

    def now(self) -> float:
        """Monotonic seconds (scaled) since the clock was made."""
        return (time.monotonic() - self._mono0) * self.scale

    def epoch(self) -> float:
        """This machine's UTC wall clock, in seconds since the epoch (not scaled)."""
        return wall_now()

    def elapsed_real(self) -> float:
        """Real seconds since the clock was made (for rates shown to a person)."""
        return self.now() / self.scale

    def from_wall(self, epoch: float) -> float:
        """A moment of the wall clock (epoch seconds) on the run clock; never in the future."""
        return self.now() - max(0.0, self.epoch() - epoch) * self.scale

    def real(self, seconds: float) -> float:
        """How many real seconds ``seconds`` of run time last."""
        return max(0.0, seconds) / self.scale

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(self.real(seconds))

    async def wait(self, event: anyio.Event, seconds: float) -> None:
        """Wait until ``event`` is set or ``seconds`` of run time pass (``inf``: no timeout)."""
        with anyio.move_on_after(self.real(seconds) if seconds != math.inf else math.inf):
            await event.wait()

    def __repr__(self) -> str:
        return f"Clock(scale={self.scale:g}, now={self.now():.3f})"


class FakeClock(Clock):
    """A clock that moves only when a test moves it.

    ``now_s`` is the run time and ``epoch_s`` the wall time; assigning to
    ``now_s`` (or calling :meth:`advance`) moves both and wakes every
    :meth:`sleep` and :meth:`wait` whose deadline has come.
    """

    def __init__(self, start: float = 0.0, *, epoch: float = 1_800_000_000.0) -> None:
        super().__init__(1.0)
        self._now = start
        self._epoch0 = epoch - start
        self._sleepers: list[tuple[float, anyio.Event]] = []

    @property
    def now_s(self) -> float:
        return self._now

    @now_s.setter
    def now_s(self, value: float) -> None:
        if value < self._now:
            raise ValueError("a fake clock never runs backwards")
        self._now = value
        due = [event for deadline, event in self._sleepers if deadline <= value]
        self._sleepers = [(deadline, event) for deadline, event in self._sleepers if deadline > value]
        for event in due:
            event.set()

    def advance(self, seconds: float) -> None:
        self.now_s = self._now + seconds

    @asynccontextmanager
    async def autojump(self) -> AsyncIterator[None]:
        """Within the block, whenever every other task is blocked, jump to the earliest deadline
        of a pending :meth:`sleep` or :meth:`wait` (time never moves while a task can run)."""
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._jump)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()

    async def _jump(self) -> None:
        while True:
            await anyio.wait_all_tasks_blocked()
            if self._sleepers:
                self.now_s = max(self._now, min(deadline for deadline, _ in self._sleepers))
            else:  # everything waits on something other than time: look again shortly
                await anyio.sleep(0.001)

    @property
    def epoch_s(self) -> float:
        return self._epoch0 + self._now

    def now(self) -> float:
        return self._now

    def epoch(self) -> float:
        return self.epoch_s

    @property
    def sleepers(self) -> int:
        """How many sleeps and waits are pending (tests use it to know a task is parked)."""
        return len(self._sleepers)

    async def sleep(self, seconds: float) -> None:
        await self.wait(anyio.Event(), seconds)

    async def wait(self, event: anyio.Event, seconds: float) -> None:
        if event.is_set():
            return
        if seconds <= 0:
            await anyio.lowlevel.checkpoint()
            return
        timer = anyio.Event()
        entry = (self._now + seconds, timer)
        if seconds != math.inf:
            self._sleepers.append(entry)
        try:
            async with anyio.create_task_group() as tg:

                async def first(which: anyio.Event) -> None:
                    await which.wait()
                    tg.cancel_scope.cancel()

                tg.start_soon(first, event)
                tg.start_soon(first, timer)
        finally:
            if entry in self._sleepers:
                self._sleepers.remove(entry)

    def __repr__(self) -> str:
        return f"FakeClock(now={self._now:.3f})"


def iso_utc(epoch: float) -> str:
    """Epoch seconds as ISO 8601 UTC with milliseconds, e.g. 2026-11-21T12:00:00.123Z."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: object, *, naive_utc: bool = False) -> float | None:
    """An ISO 8601 or HTTP date, or epoch seconds (or milliseconds), as epoch seconds; else None.  An ISO
    time that gives no zone is this machine's local time, or UTC with ``naive_utc`` (a header named so)."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        if naive_utc and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    try:
        return email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return value / 1000 if value > 1e11 else value
