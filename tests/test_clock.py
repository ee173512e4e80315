"""The run's clock: wall moments on the run clock at any time scale, run seconds in real seconds, and the
dates the ledger writes and reads back (a fake clock, no sleeps)."""

from __future__ import annotations

import time

import anyio
import pytest

from batchgen.clock import Clock, FakeClock, iso_utc, parse_time


def test_a_wall_moment_lies_as_far_back_on_the_run_clock_as_the_time_scale_makes_it_and_never_ahead():
    """Against a simulator N times faster, a job sent two real seconds ago (a resumed run's ledger says when)
    is 2N run seconds old: its polls, its expiry guard and its record's life are planned from that."""
    clock = FakeClock(1000.0)
    clock.scale = 50.0
    assert clock.from_wall(clock.epoch() - 2.0) == pytest.approx(1000.0 - 100.0)
    assert clock.from_wall(clock.epoch() + 5.0) == pytest.approx(1000.0)  # a moment ahead (skew): now, not later
    assert clock.real(100.0) == pytest.approx(2.0) and clock.real(-3.0) == 0.0
    assert clock.elapsed_real() == pytest.approx(20.0)  # rates shown to a person are per real second


def test_a_clock_needs_a_positive_scale():
    for scale in (0.0, -1.0):
        with pytest.raises(ValueError, match="positive"):
            Clock(scale)


def test_dates_read_back_as_the_moments_they_were_written(monkeypatch):
    moment = 1_800_000_000.125
    monkeypatch.setenv("TZ", "America/New_York")  # the ledger's dates are UTC whatever the machine's zone
    time.tzset()
    try:
        assert iso_utc(moment) == "2027-01-15T08:00:00.125Z"
        assert parse_time(iso_utc(moment)) == pytest.approx(moment)
        assert parse_time("2027-01-15T08:00:00", naive_utc=True) == pytest.approx(1_800_000_000.0)
        assert parse_time("2027-01-15T08:00:00") == pytest.approx(1_800_000_000.0 + 5 * 3600)  # local: New York
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert parse_time("Fri, 15 Jan 2027 08:00:00 GMT") == pytest.approx(1_800_000_000.0)  # an HTTP date
    assert parse_time("1800000000125") == pytest.approx(moment)  # epoch milliseconds
    assert parse_time(" 1800000000 ") == pytest.approx(1_800_000_000.0)
    assert parse_time("soon") is None and parse_time(1_800_000_000) is None and parse_time("") is None


async def test_a_fake_sleep_ends_when_time_reaches_its_deadline_exactly():
    clock = FakeClock()
    woke: list[float] = []

    async def sleeper() -> None:
        await clock.sleep(5.0)
        woke.append(clock.now())

    async with anyio.create_task_group() as tg:
        tg.start_soon(sleeper)
        await anyio.wait_all_tasks_blocked()
        clock.advance(4.0)
        await anyio.wait_all_tasks_blocked()
        assert woke == [] and clock.sleepers == 1
        clock.advance(1.0)
        await anyio.wait_all_tasks_blocked()
        assert woke == [5.0] and clock.sleepers == 0
    with pytest.raises(ValueError, match="backwards"):
        clock.now_s = 1.0
