"""Audit of ``batchgen/cli/nextstep.py``: the resume line the operator is given is one that works when pasted
into a shell, and names the flag that takes up this manifest's failed jobs whatever else the folder holds; after a
cap stop the line for lost jobs covers making them again, and the command the summary adds flags to has none."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from batchgen.cli.nextstep import next_commands
from batchgen.cli.options import Options
from batchgen.config import LimitSettings, Settings
from batchgen.engine.outcome import RunReport
from batchgen.jobs import StopReason
from batchgen.manifest import load_manifest
from batchgen.report.exits import EXIT_CREDITS, EXIT_FAILED
from tests.helpers import many_jobs_yaml, write

DONE: dict[str, Any] = {"state": "completed", "cost": 0.28}
FAILED: dict[str, Any] = {"state": "failed", "request_id": "r-1", "error": {"http": 422, "detail": "content policy"}}
REFUSED: dict[str, Any] = {"state": "failed", "error": {"http": 400, "detail": "prompt is too long"}}


def test_a_models_file_whose_path_has_a_space_is_one_word_of_the_resume_line(tmp_path):
    manifest = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(3)))
    states: list[dict[str, Any]] = [DONE, {"state": "deferred"}, {}]
    jobs = {job.id: rec for job, rec in zip(manifest.jobs, states, strict=True)}
    settings = Settings(limits=LimitSettings(max_spend_usd=0.3))
    spec = "my specs/kling v2.yaml"
    args = argparse.Namespace(
        options=Options({"max_spend": 0.3}), manifest="m.yaml", shard=None, shards=None, models=[spec]
    )
    report = RunReport(stop_reason=StopReason.SPEND_CAP)
    resume, for_failed = next_commands(
        report, EXIT_CREDITS, "batchgen run m.yaml", "out", args, manifest, settings, jobs
    )
    for command in (resume, for_failed):
        words = shlex.split(command)
        assert words[words.index("--models") + 1] == spec


def test_another_manifests_refused_jobs_in_the_folder_do_not_hide_the_flag_for_this_ones_failure(tmp_path):
    manifest = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(3)))
    jobs = {job.id: rec for job, rec in zip(manifest.jobs, [DONE, FAILED, DONE], strict=True)}
    jobs["another-manifests-a"] = REFUSED
    jobs["another-manifests-b"] = REFUSED
    args = argparse.Namespace(options=Options({}), manifest="m.yaml", shard=None, shards=None)
    command = next_commands(RunReport(), EXIT_FAILED, "batchgen run m.yaml", "out", args, manifest, Settings(), jobs)[0]
    assert command == "batchgen run m.yaml --retry-failed"


EXPIRED: dict[str, Any] = {"state": "expired", "request_id": "r-2", "cost": 0.28}


def test_after_failures_only_the_resume_line_carries_the_flags_the_summary_lines_add_them_themselves(tmp_path):
    manifest = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(3)))
    jobs = {job.id: rec for job, rec in zip(manifest.jobs, [DONE, FAILED, EXPIRED], strict=True)}
    args = argparse.Namespace(options=Options({}), manifest="m.yaml", shard=None, shards=None)
    resume, base = next_commands(
        RunReport(), EXIT_FAILED, "batchgen run m.yaml", "out", args, manifest, Settings(), jobs
    )
    assert resume == "batchgen run m.yaml --retry-failed --resubmit-lost"
    assert base == "batchgen run m.yaml"
