"""Audit of ``batchgen/report/pace.py``: the pace file tells the run's requests, 429s and limit as they were."""

from __future__ import annotations

import json
from types import SimpleNamespace

import anyio

from batchgen.report import pace
from batchgen.report.pace import PACE_FILE, PacePoint, pace_line, read_pace, record_pace


class _Clock:
    def __init__(self, scale: float) -> None:
        self.scale = scale

    def epoch(self) -> float:
        return 1_796_212_800.125


def _run(scale: float = 1.0, rpm: int = 37):
    counters = SimpleNamespace(requests=412, throttled=2, spend=12.6, completed=40)

    def snapshot():
        return SimpleNamespace(
            requests=counters.requests,
            throttled=counters.throttled,
            spend=counters.spend,
            states={"completed": counters.completed, "processing": 3},
        )

    run = SimpleNamespace(
        snapshot=snapshot,
        clock=_Clock(scale),
        settings=SimpleNamespace(limits=SimpleNamespace(requests_per_minute=rpm)),
    )
    return run, counters


def test_a_pace_line_holds_the_runs_counters_and_the_limit_it_ran_under():
    run, _ = _run(scale=500, rpm=37)
    line = pace_line(run, "3f2a9c1e")
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    record = json.loads(line)
    assert record == {
        "ts": "2026-12-02T12:00:00.125Z",
        "t": 1_796_212_800.125,
        "run": "3f2a9c1e",
        "requests": 412,
        "throttled": 2,
        "rpm": 37,
        "scale": 500,
        "spend": 12.6,
        "completed": 40,
    }


def test_torn_and_unreadable_pace_lines_are_skipped_and_the_rest_read_oldest_first(tmp_path):
    good = {"t": 20.0, "run": "a", "requests": 9, "throttled": 1, "rpm": 50, "scale": 500, "spend": 1.5}
    older = {**good, "t": 10.0, "requests": 4, "throttled": 0}
    lines = [
        json.dumps(good),
        '{"t": 30.0, "run": "a", "requ',  # torn: the run was killed mid-append
        json.dumps({**good, "t": 25.0, "requests": "many"}),  # not a number
        json.dumps({**good, "t": 26.0, "requests": None}),
        json.dumps({"t": 27.0, "run": "a"}),  # fields missing
        "",
        json.dumps(older),
    ]
    (tmp_path / PACE_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert read_pace(tmp_path) == [
        PacePoint(t=10.0, run="a", requests=4, throttled=0, rpm=50.0, scale=500.0, spend=1.5),
        PacePoint(t=20.0, run="a", requests=9, throttled=1, rpm=50.0, scale=500.0, spend=1.5),
    ]
    assert read_pace(tmp_path / "nowhere") == []


async def test_a_run_that_ends_leaves_a_last_pace_line_with_its_final_counters(tmp_path, monkeypatch):
    run, counters = _run(scale=1.0)  # a line every 15 s: the run below ends long before a second one is due
    first = anyio.Event()
    appended = pace._append

    def append(path, data):
        appended(path, data)
        anyio.from_thread.run_sync(first.set)

    monkeypatch.setattr(pace, "_append", append)
    async with anyio.create_task_group() as tg:
        tg.start_soon(record_pace, run, tmp_path)
        await first.wait()
        counters.requests, counters.throttled, counters.completed = 530, 5, 44
        tg.cancel_scope.cancel()
    lines = [json.loads(raw) for raw in (tmp_path / PACE_FILE).read_text().splitlines()]
    assert [(p["requests"], p["throttled"], p["completed"]) for p in lines] == [(412, 2, 40), (530, 5, 44)]
    assert lines[0]["run"] == lines[1]["run"]


async def test_pace_lines_come_every_fifteen_seconds_of_run_time_and_never_closer_than_a_fifth_of_a_second(
    tmp_path, monkeypatch
):
    waits: list[float] = []
    asked = anyio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        asked.set()
        await anyio.Event().wait()  # until the run ends

    monkeypatch.setattr(anyio, "sleep", sleep)
    for scale in (1.0, 50.0, 500.0):
        run, _ = _run(scale=scale)
        asked = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(record_pace, run, tmp_path)
            await asked.wait()
            tg.cancel_scope.cancel()
    assert waits == [15.0, 0.3, 0.2]
    assert len(read_pace(tmp_path)) == 6  # each run's first line and its last
