"""The resume line after a stop at the spend cap gives a cap that covers what is left: the same cap would stop
at once, and one a cent short stops again before the last deferred job.  After failures with nothing else to
do it names the flag that takes them up (paid again), and never one that would only be refused again."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

import pytest

from batchgen.cli.nextstep import next_commands
from batchgen.cli.options import Options
from batchgen.config import LimitSettings, Settings
from batchgen.engine.outcome import RunReport
from batchgen.jobs import StopReason
from batchgen.manifest import load_manifest
from batchgen.report.exits import EXIT_CREDITS, EXIT_FAILED, EXIT_INTERRUPTED
from tests.helpers import many_jobs_yaml, write


def _cap_in(command: str) -> float:
    words = shlex.split(command)
    return float(words[words.index("--max-spend") + 1])


@pytest.mark.parametrize(("price", "cap"), [(0.125, 0.38), (0.1234, 0.38), (0.28, 0.84), (0.3333, 1.0)])
def test_the_raised_cap_covers_the_spend_and_every_deferred_job_to_the_cent_above(tmp_path, price, cap):
    manifest = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(3)))
    first, *rest = (job.id for job in manifest.jobs)
    jobs = {first: {"state": "completed", "cost": price}, **{job_id: {"state": "deferred"} for job_id in rest}}
    settings = Settings(
        limits=LimitSettings(max_spend_usd=0.2), prices={"kling-text2video": {"std": {5: price, 10: 2 * price}}}
    )
    args = argparse.Namespace(options=Options({"max_spend": 0.2}), manifest="m.yaml", shard=None, shards=None)
    report = RunReport(stop_reason=StopReason.SPEND_CAP)
    command = next_commands(report, EXIT_CREDITS, "batchgen run m.yaml", "out", args, manifest, settings, jobs)[0]
    assert _cap_in(command) == cap and cap + 1e-9 >= 3 * price  # the feeder allows 1e-9 of rounding
    assert command.startswith("batchgen run m.yaml --out out ")


def _after_failures(
    tmp_path, states: list[dict], *, shard: str | None = None, shards: int | None = None, stop: StopReason | None = None
) -> str:
    """The resume line after a run that exited 1 leaving its three jobs in ``states`` (``stop``: why it stopped)."""
    manifest = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(3)))
    jobs = {job.id: rec for job, rec in zip(manifest.jobs, states, strict=True)}
    args = argparse.Namespace(options=Options({}), manifest="m.yaml", shard=shard, shards=shards)
    return next_commands(
        RunReport(stop_reason=stop), EXIT_FAILED, "batchgen run m.yaml", "out", args, manifest, Settings(), jobs
    )[0]


DONE = {"state": "completed", "cost": 0.28}
FAILED = {"state": "failed", "request_id": "r-1", "error": {"http": 422, "detail": "content policy"}}
REFUSED = {"state": "failed", "error": {"http": 400, "detail": "prompt is too long"}}  # no request: never made
EXPIRED = {"state": "expired", "request_id": "r-2", "error": {"detail": "its output is gone"}}
HELD = {"state": "deferred", "event": "image_changed", "error": {"detail": "image.png changed"}}


@pytest.mark.parametrize(
    ("states", "command"),
    [
        ([DONE, FAILED, DONE], "batchgen run m.yaml --retry-failed"),
        ([DONE, EXPIRED, DONE], "batchgen run m.yaml --resubmit-lost"),
        ([FAILED, EXPIRED, DONE], "batchgen run m.yaml --retry-failed --resubmit-lost"),
        # refused as sent: sent again unchanged it is refused again, so no flag sends it
        ([DONE, REFUSED, REFUSED], "batchgen run m.yaml"),
        ([FAILED, REFUSED, DONE], "batchgen run m.yaml --retry-failed"),
        # a job held back (its image changed) is sent by the plain command: it pays for no failed job again
        ([FAILED, HELD, DONE], "batchgen run m.yaml"),
    ],
)
def test_after_failures_the_resume_line_names_the_flag_that_takes_them_up_and_no_other(tmp_path, states, command):
    assert _after_failures(tmp_path, states) == command


def test_a_shards_resume_line_names_its_shard_and_the_shard_count(tmp_path):
    command = _after_failures(tmp_path, [DONE, DONE, DONE], shard="2/3", shards=3)
    assert command == "batchgen run m.yaml"
    manifest = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(3)))
    jobs = {job.id: {"state": "deferred"} for job in manifest.jobs}
    settings = Settings(limits=LimitSettings(max_spend_usd=0.2))
    args = argparse.Namespace(options=Options({"max_spend": 0.2}), manifest="m.yaml", shard="2/3", shards=3)
    report = RunReport(stop_reason=StopReason.SPEND_CAP)
    resume = next_commands(report, EXIT_CREDITS, "batchgen run m.yaml", "out", args, manifest, settings, jobs)[0]
    assert resume.endswith(" --shard 2/3 --shards 3")


def test_a_spend_cap_stop_that_left_only_failures_names_the_flag_not_a_higher_cap(tmp_path):
    # the cap stopped the run, but nothing is deferred (it exited 1): a higher cap would send nothing
    command = _after_failures(tmp_path, [DONE, FAILED, DONE], stop=StopReason.SPEND_CAP)
    assert command == "batchgen run m.yaml --retry-failed"


def _after_the_cap(tmp_path, states: list[dict], cap: float, also: dict[str, dict] | None = None) -> str:
    """The resume line after a run the spend cap ``cap`` stopped, leaving its three jobs in ``states`` (and the
    folder's ledger the jobs of other manifests in ``also``)."""
    manifest = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(3)))
    jobs = {job.id: rec for job, rec in zip(manifest.jobs, states, strict=True)} | (also or {})
    settings = Settings(limits=LimitSettings(max_spend_usd=cap))
    args = argparse.Namespace(options=Options({"max_spend": cap}), manifest="m.yaml", shard=None, shards=None)
    report = RunReport(stop_reason=StopReason.SPEND_CAP)
    return next_commands(report, EXIT_CREDITS, "batchgen run m.yaml", "out", args, manifest, settings, jobs)[0]


def test_the_raised_cap_also_covers_a_submit_of_unknown_outcome_and_is_never_the_cap_that_stopped(tmp_path):
    # the next run pays for the unknown submit first (the job it made, or the one sent again), then the deferred
    unknown = {"state": "submitting", "error": {"detail": "no answer after sending"}}
    assert _cap_in(_after_the_cap(tmp_path, [DONE, unknown, {"state": "deferred"}], 0.3)) == 0.84
    # estimates held for jobs in flight stopped the run below what is left to pay: a cent above the cap
    assert _cap_in(_after_the_cap(tmp_path, [DONE, {"state": "deferred"}, {"state": "deferred"}], 5.0)) == 5.01


def test_after_failures_another_manifests_unfinished_job_in_the_folder_does_not_hide_the_flag(tmp_path):
    manifest = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(3)))
    states: list[dict[str, Any]] = [DONE, FAILED, DONE]
    jobs = {job.id: rec for job, rec in zip(manifest.jobs, states, strict=True)}
    jobs["another-manifests"] = {"state": "pending"}
    args = argparse.Namespace(options=Options({}), manifest="m.yaml", shard=None, shards=None)
    command = next_commands(RunReport(), EXIT_FAILED, "batchgen run m.yaml", "out", args, manifest, Settings(), jobs)[0]
    assert command == "batchgen run m.yaml --retry-failed"


def test_a_run_interrupted_with_only_failures_left_resumes_with_the_same_command(tmp_path):
    # the flags that pay again are named beside the resume line, never put in it for a run that did not end
    manifest = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(3)))
    states: list[dict[str, Any]] = [DONE, FAILED, EXPIRED]
    jobs = {job.id: rec for job, rec in zip(manifest.jobs, states, strict=True)}
    args = argparse.Namespace(options=Options({}), manifest="m.yaml", shard=None, shards=None)
    report = RunReport(stop_reason=StopReason.INTERRUPTED)
    command = next_commands(report, EXIT_INTERRUPTED, "batchgen run m.yaml", "out", args, manifest, Settings(), jobs)[0]
    assert command == "batchgen run m.yaml"


@pytest.mark.parametrize(
    ("ended", "cap", "caps"),
    [
        # [DONE, FAILED, deferred] under a cap of $0.30: the resume line covers the deferred job ($0.56 in all);
        # the command the summary adds --retry-failed to must cover the failed one as well ($0.84), or it stops
        # again
        (FAILED, 0.3, (0.56, 0.84)),
        # ... and one it adds --resubmit-lost to, a lost job made again, paid for again ($0.84 spent with it)
        ({**EXPIRED, "cost": 0.28}, 0.6, (0.84, 1.12)),
    ],
    ids=["failed", "lost"],
)
def test_after_a_cap_stop_the_line_for_failed_or_lost_jobs_has_a_cap_that_covers_them_too(tmp_path, ended, cap, caps):
    manifest = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(3)))
    states: list[dict[str, Any]] = [DONE, ended, {"state": "deferred"}]
    jobs = {job.id: rec for job, rec in zip(manifest.jobs, states, strict=True)}
    settings = Settings(limits=LimitSettings(max_spend_usd=cap))
    args = argparse.Namespace(options=Options({"max_spend": cap}), manifest="m.yaml", shard=None, shards=None)
    report = RunReport(stop_reason=StopReason.SPEND_CAP)
    resume, for_ended = next_commands(
        report, EXIT_CREDITS, "batchgen run m.yaml", "out", args, manifest, settings, jobs
    )
    assert (_cap_in(resume), _cap_in(for_ended)) == caps


def test_the_raised_cap_covers_a_job_the_ledger_has_no_line_for_yet(tmp_path):
    # the cap stopped the run before the third job was even written down: the next run pays for it too
    assert _cap_in(_after_the_cap(tmp_path, [DONE, {"state": "deferred"}, {}], 0.3)) == 0.84


def test_the_raised_cap_covers_what_another_manifests_jobs_may_have_been_charged_as_their_lines_say(tmp_path):
    sent = {"model": "kling-text2video", "params": {"prompt": "p", "duration": 10}, "request_id": "r-9"}
    others: dict[str, dict[str, Any]] = {
        "other-lost": {"state": "expired", **sent},  # may have finished, and been charged: $0.56 (10 s)
        "other-made-again": {"state": "completed", **sent, "cost": 0.56, "unreported_before": 0.28},
    }
    # paid: 0.28 + 0.56; may have been charged: 0.56 + 0.28; the two deferred jobs: 0.56
    deferred = {"state": "deferred"}
    assert _cap_in(_after_the_cap(tmp_path, [DONE, deferred, deferred], 0.3, also=others)) == 2.24


def test_a_run_that_left_a_video_downloading_resumes_with_the_same_command_not_one_that_pays_again(tmp_path):
    downloading = {"state": "downloading", "request_id": "r-3"}
    assert _after_failures(tmp_path, [FAILED, downloading, DONE]) == "batchgen run m.yaml"
