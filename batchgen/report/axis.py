"""One time axis for every chart of a folder's report: run time, with the idle gaps between runs cut.

A folder resumed five times holds five runs, hours apart.  Drawn on the wall
clock, each run is a sliver and the idle time between them dominates.  So
the charts share one axis made of the runs' own spans laid end to end:

* a **segment** is one run: the span of one ``run`` id in ``pace.jsonl``
  (which also gives its clock's ``scale``), or, for moments no pace line
  covers (a run without a report), a cluster of ledger moments with no gap
  longer than :data:`IDLE_GAP_S` real seconds;
* inside a segment, time is the **run's own clock**: real seconds times the
  segment's scale (500 under ``--simulate``), the clock its rates, the p50
  and the ledger's durations are measured in, so one axis and one clock
  hold for every chart;
* between segments a fixed small gap (:data:`CUT_FRACTION` of the axis) is
  left and marked as a cut.

A moment in a cut (a job that waited, submitted in one run and fetched in a
later one) maps to the start of the next segment, so no bar spans idle time.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .pace import PacePoint

IDLE_GAP_S = 60.0  # real seconds without a ledger line or pace point: the folder was idle
CUT_FRACTION = 0.015
JOIN_S = 1.0  # real seconds: moments this close to a run belong to it


@dataclass(frozen=True, slots=True)
class Segment:
    start: float  # epoch seconds (real)
    end: float
    scale: float  # run seconds per real second
    offset: float  # where it begins on the axis (run seconds)

    @property
    def length(self) -> float:
        return (self.end - self.start) * self.scale


@dataclass(frozen=True, slots=True)
class RunAxis:
    """Epoch seconds -> seconds of run time, with the gaps between runs cut."""

    segments: tuple[Segment, ...]
    cut: float  # the width left for each cut, in run seconds

    @classmethod
    def build(cls, moments: Iterable[float], pace: Sequence[PacePoint] = ()) -> RunAxis:
        by_run: dict[str, list[PacePoint]] = {}
        for point in pace:
            by_run.setdefault(point.run, []).append(point)
        runs = [(min(p.t for p in ps), max(p.t for p in ps), max(ps[-1].scale, 1e-9)) for ps in by_run.values()]
        loose: list[list[float]] = []  # clusters of ledger moments no run's pace covers (scale 1)
        for t in sorted(moments):
            if any(a - JOIN_S <= t <= b + JOIN_S for a, b, _ in runs):
                continue
            if loose and t - loose[-1][1] <= IDLE_GAP_S:
                loose[-1][1] = t
            else:
                loose.append([t, t, 1.0])
        merged: list[list[float]] = []
        for a, b, s in sorted([*map(list, runs), *loose]):
            if merged and a <= merged[-1][1] + JOIN_S:  # overlapping (shards at once) or touching: one stretch
                merged[-1][1] = max(merged[-1][1], b)
                merged[-1][2] = max(merged[-1][2], s)
            else:
                merged.append([a, b, s])
        if not merged:
            merged = [[0.0, 1.0, 1.0]]
        total = sum(max(b - a, 0.0) * s for a, b, s in merged) or 1.0
        cut = total * CUT_FRACTION if len(merged) > 1 else 0.0
        segments, offset = [], 0.0
        for a, b, s in merged:
            segments.append(Segment(a, max(b, a), s, offset))
            offset += max(b - a, 0.0) * s + cut
        return cls(tuple(segments), cut)

    @property
    def total(self) -> float:
        last = self.segments[-1]
        return max(last.offset + last.length, 1e-9)

    @property
    def scaled(self) -> bool:
        return any(seg.scale != 1.0 for seg in self.segments)

    @property
    def cuts(self) -> list[float]:
        """Axis positions of the cuts (the middle of each gap left between runs)."""
        return [seg.offset - self.cut / 2 for seg in self.segments[1:]]

    def x(self, t: float) -> float:
        """Where epoch second ``t`` falls on the axis (run seconds)."""
        starts = [seg.start for seg in self.segments]
        i = bisect.bisect_right(starts, t) - 1
        if i < 0:
            return 0.0
        seg = self.segments[i]
        if t <= seg.end:
            return seg.offset + (t - seg.start) * seg.scale
        if i + 1 < len(self.segments):  # idle time between runs: drawn at the next run's start
            return self.segments[i + 1].offset
        return seg.offset + seg.length

    def label(self, unit: str) -> str:
        clock = "the run's own clock" + (" (simulated time)" if self.scaled else "")
        gaps = f"; {len(self.segments) - 1} idle gap(s) between runs cut (dashed)" if len(self.segments) > 1 else ""
        return f"{unit} of run time, {clock}{gaps}"
