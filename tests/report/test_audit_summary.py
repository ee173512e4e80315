"""Audit of ``batchgen/report/summary.py``: status tells the truth of a folder: finished only when every job is,
videos kept with warnings counted as videos in place, jobs made and not fetched as those with a request and no
charge, changed rows counted exactly; the dry run's plan sends again what each flag says and nothing else, and for a
kind on trial counts only its jobs still to do and names the latest submit of unknown outcome it waits on, with
the time a job it made would be through."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batchgen.clock import iso_utc, parse_time
from batchgen.config import OutputSettings, Settings
from batchgen.jobs import JobSpec
from batchgen.manifest import Manifest
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


def _plan(retry_failed: bool, resubmit_lost: bool) -> list[str]:
    jobs = [JobSpec(f"j{i}", "kling-text2video", {"prompt": "p"}) for i in range(4)]
    folder = Replay({"j0": {"state": "failed"}, "j1": {"state": "failed"}, "j2": {"state": "expired"}}, 3, False)
    settings = Settings(output=dataclasses.replace(OutputSettings(), dir="/o"))
    return summary.dry_run_lines(
        Manifest("m.yaml", jobs, []), settings, folder, retry_failed=retry_failed, resubmit_lost=resubmit_lost
    )


def test_the_dry_run_counts_the_failed_jobs_as_to_do_with_retry_failed_alone_and_the_lost_ones_with_resubmit_lost():
    assert _plan(True, False)[1:4] == [
        "  in /o: 0 of these already completed; 3 to do",
        "  2 failed job(s) will be submitted again (--retry-failed; paid again)",
        "  1 lost or expired job(s) will be left alone (--resubmit-lost submits them again, paid again)",
    ]
    assert _plan(True, False)[4] == "  estimated spend: $0.84"
    assert _plan(False, True)[1:4] == [
        "  in /o: 0 of these already completed; 2 to do",
        "  2 failed job(s) will be left alone (--retry-failed submits them again, paid again)",
        "  1 lost or expired job(s) will be submitted again (--resubmit-lost; paid again)",
    ]
    assert _plan(False, True)[4] == "  estimated spend: $0.56"


def test_status_names_three_changed_rows_and_counts_the_rest_exactly():
    jobs = {name: {"state": "completed", "cost": 0.28} for name in "abcde"}
    status = _status(jobs, manifest=list(jobs), changed=["e", "d", "c", "b", "a"])
    (line,) = [line for line in status["lines"] if "of the manifest ask for" in line]
    assert line.startswith(
        "  5 rows of the manifest ask for something other than what their ids were sent as (a, b, c and 2 more): "
        "the next run stops (exit 2); run it with --replace-changed"
    )
    assert status["finished"] is False


def test_status_counts_the_warnings_of_videos_in_place_only_not_those_a_job_being_fetched_again_carried():
    warned = [{"kind": "duration_mismatch", "detail": "4.2 s"}]
    jobs: dict[str, dict[str, Any]] = {
        "kept": {"state": "completed", "cost": 0.28, "warnings": warned},
        "again": {"state": "downloading", "request_id": "r", "cost": 0.28, "warnings": warned},
        "lost": {"state": "expired", "warnings": [{"kind": "low_fps", "detail": "12"}]},
    }
    status = _status(jobs)
    assert status["warnings"] == {"duration_mismatch": 1}
    told = "  videos kept with warnings: 1 duration_mismatch (not what was asked for; see report.html)"
    assert told in status["lines"]
    assert summary.count_media_warnings(jobs) == {"duration_mismatch": 1}


def test_status_counts_as_made_and_not_fetched_only_the_jobs_with_a_request_and_no_charge_yet():
    job = {"model": "kling-text2video", "params": {"prompt": "p"}}
    jobs = {
        "done": {**job, "state": "completed", "request_id": "r0", "cost": 0.28},
        "made": {**job, "state": "submitted", "request_id": "r1"},
        "fetching": {**job, "state": "downloading", "request_id": "r2"},
        "unsent": {**job, "state": "pending"},
        "failed": {**job, "state": "failed", "request_id": "r3"},
    }
    status = _status(jobs)
    assert (status["unfetched"], status["unfetched_usd"]) == (2, 0.56)
    assert status["lines"][1] == (
        "  spend $0.28; 2 jobs made and not fetched are not in it, their charge not yet reported: about $0.56 more "
        "at the catalogue's prices, charged for each that completes"
    )


def test_the_dry_run_names_the_latest_submit_of_unknown_outcome_of_a_kind_on_trial_and_when_it_would_be_through():
    now = time.time()
    jobs = [JobSpec(f"k{i}", "kling-2.6", {"prompt": f"p{i}"}) for i in range(4)]
    known: dict[str, dict[str, Any]] = {
        "k0": {"state": "deferred", "ts": iso_utc(now - 1000.0), "outlived": {"died": 2, "made": 0}},
        "k1": {"state": "completed", "ts": iso_utc(now - 3000.0), "submitted_at": iso_utc(now - 3000.0)},
        "k2": {"state": "submitting", "posting_at": iso_utc(now - 300.0)},
        "k3": {"state": "submitting", "posting_at": iso_utc(now - 200.0)},
    }
    settings = Settings(output=dataclasses.replace(OutputSettings(), dir="/o"))
    lines = summary.dry_run_lines(Manifest("m.yaml", jobs, []), settings, Replay(known, 4, False))
    (line,) = [" ".join(line.split()) for line in lines if "outliving their request records" in line]
    assert line.startswith("3 job(s) of ")  # the completed one is not to do
    assert "job k3 of the kind, of unknown outcome, is looked up first" in line
    through = datetime.fromtimestamp((parse_time(known["k3"]["posting_at"]) or 0.0) + 2 * 3600.0, UTC)
    assert f"beside it before {through:%Y-%m-%d %H:%M:%S} UTC (twice polling.expiry_s after its POST)" in line
