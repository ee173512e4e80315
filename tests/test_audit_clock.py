"""Audit of ``batchgen/clock.py``: the fake clock every timing test runs on keeps time as the real one would (its
wall clock where it was set, sleeps woken in deadline order, a zero wait over at once)."""

from __future__ import annotations

import anyio
import pytest

from batchgen.clock import FakeClock


def test_a_fake_clock_started_late_reads_the_wall_time_it_was_given_and_moves_it_with_run_time():
    clock = FakeClock(30.0, epoch=1_800_000_000.0)
    assert clock.now() == 30.0 and clock.epoch() == pytest.approx(1_800_000_000.0, abs=1e-6)
    clock.advance(10.0)
    assert clock.epoch() == pytest.approx(1_800_000_010.0, abs=1e-6)


async def test_autojump_wakes_each_sleeper_at_its_own_deadline_earliest_first():
    clock = FakeClock()
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.now()))

    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(sleeper, "late", 5.0)
        tg.start_soon(sleeper, "soon", 1.0)
    assert woke == [("soon", 1.0), ("late", 5.0)]


async def test_a_fake_wait_of_no_time_is_over_at_once_without_the_clock_moving():
    clock = FakeClock(12.0)
    done: list[float] = []

    async def wait_nothing() -> None:
        await clock.sleep(0.0)
        await clock.wait(anyio.Event(), 0.0)
        done.append(clock.now())

    async with anyio.create_task_group() as tg:
        tg.start_soon(wait_nothing)
        await anyio.wait_all_tasks_blocked()
        parked = clock.sleepers
        tg.cancel_scope.cancel()
    assert done == [12.0] and parked == 0
