"""Audit of ``batchgen/report/summary.py``: status tells the truth of a folder: finished only when every job is
and the manifest still reads, videos kept with warnings counted as videos in place of the manifest's jobs, the
folder's spend and every charge beside it (jobs made and not fetched, its jobs outside the manifest included, and
every earlier request lost, added up), changed rows counted exactly, the shards a killed run still leases; the run's
summary counts the videos fetched again or kept in place and says at which prices it counts the charges no answer
reported; the dry run's plan sends again what each flag says and nothing else, bounds only the jobs still to do,
and for a kind on trial counts only its jobs still to do and names the latest submit of unknown outcome it waits
on, with the time a job it made would be through."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batchgen.clock import iso_utc, parse_time
from batchgen.config import OutputSettings, Settings
from batchgen.engine.outcome import CONFIG_PRICES, RunReport
from batchgen.jobs import JobSpec
from batchgen.manifest import Manifest
from batchgen.report import summary
from batchgen.store.ledger import Replay
from batchgen.store.local import OutputDir


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


def test_status_adds_up_the_earlier_requests_lost_of_every_job_made_anew_beside_the_spend():
    job = {"model": "kling-text2video", "params": {"prompt": "p"}}
    jobs = {
        "a": {**job, "state": "completed", "request_id": "r1", "cost": 0.28, "unreported_before": 0.28},
        "b": {**job, "state": "completed", "request_id": "r2", "cost": 0.28, "unreported_before": 0.56},
        "c": {**job, "state": "completed", "request_id": "r3", "cost": 0.28},
    }
    status = _status(jobs)
    assert (status["unreported_earlier"], status["unreported_earlier_usd"]) == (2, 0.84)
    assert status["lines"][1] == (
        "  spend $0.84; 2 jobs have earlier requests whose charge no answer reported (lost before their videos were "
        "fetched, or set aside by --replace-changed): not in it, they may have been charged about $0.84 more (as "
        "estimated; the spend cap counts it)"
    )


def test_status_does_not_call_a_folder_finished_while_the_manifest_its_last_run_was_given_no_longer_reads():
    status = _status({"a": {"state": "completed", "cost": 0.28}}, unread="line 3: not a mapping")
    assert status["finished"] is False
    assert "  all jobs completed" not in status["lines"]
    assert status["lines"][1] == (
        "  the manifest the folder's last run was given no longer reads (line 3: not a mapping): these are the "
        "ledger's jobs, and the next run stops on it; fix it, or name one with --manifest FILE"
    )


def _summary_of(report: RunReport) -> list[str]:
    manifest = Manifest("m.yaml", [JobSpec(f"j{i}", "kling-text2video", {"prompt": "p"}) for i in range(6)], [])
    return summary.summary_lines(report, OutputDir("/o"), manifest, resume_command=None)


def test_the_summary_counts_the_jobs_fetched_again_and_those_found_in_place_apart_from_those_submitted_now():
    report = RunReport(states=Counter({"completed": 6}), skipped=1, refetched=2, kept_in_place=3)
    assert _summary_of(report)[:2] == [
        "6 jobs: 6 completed",
        "  1 already done; 2 fetched again (not paid again); 3 found in place from an earlier run and kept; "
        "0 submitted now",
    ]


def test_the_summary_says_at_which_prices_it_counts_the_jobs_completed_with_no_charge_reported():
    report = RunReport(states=Counter({"completed": 6}), submitted=6, unpriced=2, unpriced_usd=0.8,
                       uncounted_priced=CONFIG_PRICES)  # fmt: skip
    assert _summary_of(report)[3] == (
        "  2 completed jobs are not in that spend, no answer having reported its charge: about $0.80 more at the "
        "config's prices (the catalogue's where it gives none), charged all the same"
    )


def test_the_plan_counts_as_an_upper_bound_only_the_jobs_still_to_do():
    params = {"prompt": "p", "aspect_ratio": "16:9", "duration": 5, "mode": "std"}
    jobs = [JobSpec(f"k{i}", "kling-2.1", params) for i in range(3)]
    folder = Replay({"k0": {"state": "completed", "cost": 1.96}}, 1, False)
    settings = Settings(output=dataclasses.replace(OutputSettings(), dir="/o"))
    lines = summary.dry_run_lines(Manifest("m.yaml", jobs, []), settings, folder)
    (line,) = [line for line in lines if line.startswith("  estimated spend: ")]
    assert line == (
        "  estimated spend: $3.92 (upper bound: 2 job(s) ask for a combination their model's page does not price, "
        "counted at the model's highest known price)"
    )


def test_status_of_a_manifest_none_of_whose_jobs_was_sent_still_gives_the_spend_of_the_folders_other_jobs():
    status = _status({"other": {"state": "completed", "cost": 0.28}}, manifest=["a"])
    assert status["lines"][:3] == [
        "OUT: 1 jobs in the manifest, 1 never submitted",
        "  1 more job in the ledger not in the manifest (rows removed, or another manifest's): counted in the "
        "spend alone",
        "  spend $0.28",
    ]
    assert status["spend_usd"] == 0.28


def test_status_against_the_manifest_counts_no_warning_of_a_video_outside_it():
    warned = [{"kind": "duration_mismatch", "detail": "4.2 s"}]
    jobs = {
        "a": {"state": "completed", "cost": 0.28},
        "other": {"state": "completed", "cost": 0.28, "warnings": warned},
    }
    status = _status(jobs, manifest=["a"])
    assert status["warnings"] == {}
    assert not [line for line in status["lines"] if "videos kept with warnings" in line]
    assert _status(jobs)["warnings"] == {"duration_mismatch": 1}


def test_status_against_the_manifest_counts_a_job_outside_it_made_and_not_fetched_beside_the_folders_spend():
    job = {"model": "kling-text2video", "params": {"prompt": "p"}}
    jobs = {
        "a": {**job, "state": "completed", "request_id": "r0", "cost": 0.28},
        "other": {**job, "state": "submitted", "request_id": "r1"},
    }
    status = _status(jobs, manifest=["a"])
    assert (status["unfetched"], status["unfetched_usd"]) == (1, 0.28)
    assert status["lines"][2] == (
        "  spend $0.28; 1 job made and not fetched is not in it, their charge not yet reported: about $0.28 more at "
        "the catalogue's prices, charged for each that completes"
    )


def test_the_resume_line_offers_to_pay_again_only_for_the_failed_jobs_not_refused_as_sent():
    report = RunReport(states=Counter({"completed": 3, "failed": 2, "pending": 1}), refused=1, submitted=5)
    lines = summary.summary_lines(report, OutputDir("/o"), Manifest("m.yaml", [], []), resume_command="R")
    assert lines[-1] == "To resume: R  (add --retry-failed to submit the 1 failed job again: paid again)"


def test_status_names_each_shard_a_killed_run_still_leases_and_when_a_run_on_it_starts():
    lease = "pid 4242, which is no longer running; its lease lapses in 40s"
    status = _status({"a": {"state": "completed", "cost": 0.28}}, lapsing={"shard-1-of-2": lease})
    assert status["lapsing_leases"] == {"shard-1-of-2": lease}
    assert status["lines"][-1] == f"  shard shard-1-of-2 is still leased to {lease}: a run on it starts once it has"
    assert not any("this folder now" in line for line in status["lines"])
