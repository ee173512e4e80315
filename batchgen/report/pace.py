"""The run's pace over time: ``OUT/pace.jsonl``, for the report's request and spend charts.

The ledger records jobs, not API calls, so the pace of requests and 429s is
kept beside it: while a run lasts, :func:`record_pace` appends one line every
:data:`EVERY_RUN_S` seconds of run time (at most :data:`MIN_REAL_S` apart in
real time) with the run's cumulative counters::

    {"ts": "...", "t": 1796212800.12, "run": "3f2a9c1e", "requests": 412, "throttled": 2,
     "rpm": 50, "scale": 1, "spend": 12.6, "completed": 40}

``run`` tells runs apart (counters start from zero in each), ``scale`` is
the clock's time scale (500 under ``--simulate``), so requests per minute are
per minute of the run's own time.  The file is a diagnostic: lines are
appended without fsync, and a torn or unreadable line is skipped on read.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from ..clock import iso_utc

if TYPE_CHECKING:
    from ..engine.run import Run

PACE_FILE = "pace.jsonl"
EVERY_RUN_S = 15.0
MIN_REAL_S = 0.2


@dataclass(frozen=True, slots=True)
class PacePoint:
    t: float  # epoch seconds
    run: str
    requests: int
    throttled: int
    rpm: float
    scale: float
    spend: float


def pace_line(run: Run, run_id: str) -> bytes:
    snap = run.snapshot()
    now = run.clock.epoch()
    record: dict[str, Any] = {
        "ts": iso_utc(now),
        "t": round(now, 3),
        "run": run_id,
        "requests": snap.requests,
        "throttled": snap.throttled,
        "rpm": run.settings.limits.requests_per_minute,
        "scale": run.clock.scale,
        "spend": round(snap.spend, 6),
        "completed": snap.states.get("completed", 0),
    }
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as fh:
        fh.write(data)


async def record_pace(run: Run, root: Path) -> None:
    """Append a pace line now and then until cancelled, and a last one on the way out."""
    path = root / PACE_FILE
    run_id = secrets.token_hex(4)
    every = max(MIN_REAL_S, EVERY_RUN_S / run.clock.scale)
    try:
        while True:
            await anyio.to_thread.run_sync(_append, path, pace_line(run, run_id))
            await anyio.sleep(every)
    finally:
        with anyio.CancelScope(shield=True), anyio.move_on_after(2):
            await anyio.to_thread.run_sync(_append, path, pace_line(run, run_id))


def read_pace(root: Path) -> list[PacePoint]:
    """Every readable pace line, oldest first."""
    try:
        text = (root / PACE_FILE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    points = []
    for raw in text.splitlines():
        try:
            rec = json.loads(raw)
            points.append(
                PacePoint(
                    t=float(rec["t"]),
                    run=str(rec["run"]),
                    requests=int(rec["requests"]),
                    throttled=int(rec["throttled"]),
                    rpm=float(rec["rpm"]),
                    scale=float(rec.get("scale") or 1.0),
                    spend=float(rec.get("spend") or 0.0),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    points.sort(key=lambda p: p.t)
    return points
