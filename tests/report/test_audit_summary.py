"""Audit of ``batchgen/report/summary.py``: status tells the truth of a folder: finished only when every job is,
videos kept with warnings counted as videos."""

from __future__ import annotations

from pathlib import Path

from batchgen.report import summary
from batchgen.store.ledger import Replay


def _status(jobs: dict, **kwargs) -> dict:
    return summary.status_summary(Replay(jobs, len(jobs), False), Path("OUT"), **kwargs)


def test_a_folder_with_no_job_recorded_is_not_called_finished():
    status = _status({})
    assert status["finished"] is False
    assert status["lines"] == ["OUT: no job recorded yet (nothing was submitted)"]
    assert _status({}, manifest=[])["finished"] is False


def test_a_video_kept_with_two_warnings_of_one_kind_counts_once():
    warned = {"state": "completed", "cost": 0.28,
              "warnings": [{"kind": "duration_mismatch", "detail": "4.2 s"},
                           {"kind": "duration_mismatch", "detail": "again"},
                           {"kind": "aspect_mismatch", "detail": "1:1"}]}  # fmt: skip
    status = _status({"a": warned, "b": {"state": "completed", "cost": 0.28, "warnings": []}})
    assert status["warnings"] == {"duration_mismatch": 1, "aspect_mismatch": 1}
    (line,) = [line for line in status["lines"] if line.startswith("  videos kept with warnings: ")]
    kinds = line.removeprefix("  videos kept with warnings: ").removesuffix(
        " (not what was asked for; see report.html)"
    )
    assert kinds == "1 aspect_mismatch, 1 duration_mismatch"  # ties by name: the same line whatever the hash seed
    assert status["finished"] is True and "  all jobs completed" in status["lines"]
