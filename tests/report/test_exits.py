"""The exit code a run ends with, from what it left (README "Exit codes"): scripts branch on it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from batchgen.engine.outcome import RunReport
from batchgen.errors import (
    ApiUnreachable,
    AuthError,
    InputError,
    LedgerError,
    LedgerUnwritable,
    LockHeld,
    OutputUnwritable,
    StorageError,
)
from batchgen.jobs import StopReason
from batchgen.report.exits import (
    EXIT_AUTH,
    EXIT_CREDITS,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_UNWRITABLE,
    EXIT_USAGE,
    exit_code,
    exit_code_for,
    merged_exit_code,
)
from batchgen.report.publish import verdict_from
from batchgen.report.timeline import JobRow


def report(stop: StopReason | None = None, **states: int) -> RunReport:
    return RunReport(states=Counter(states), stop_reason=stop)


@pytest.mark.parametrize(
    ("run", "code"),
    [
        (report(completed=4), EXIT_OK),
        (report(StopReason.CREDITS, completed=4), EXIT_OK),  # the last job took the last credit: all done
        (report(completed=3, failed=1), EXIT_FAILED),
        (report(completed=3, expired=1), EXIT_FAILED),
        (report(StopReason.CREDITS, completed=2, deferred=2), EXIT_CREDITS),
        (report(StopReason.SPEND_CAP, completed=2, deferred=2), EXIT_CREDITS),
        # out of credits with nothing deferred: a top-up resumes nothing, the failure is what is left
        (report(StopReason.CREDITS, completed=3, failed=1), EXIT_FAILED),
        (report(StopReason.SPEND_CAP, completed=3, expired=1), EXIT_FAILED),
        (report(completed=2, submitted=1, submitting=1), EXIT_UNREACHABLE),  # only the API's trouble is left
        (report(completed=2, submitted=1, failed=1), EXIT_FAILED),
        # an input image changed after it was checked (deferred by no stop): not the API's trouble alone
        (report(completed=2, submitted=1, deferred=1), EXIT_FAILED),
        (report(StopReason.INTERRUPTED, completed=1, submitted=3), EXIT_INTERRUPTED),
        # interrupted in a folder an earlier credit stop left jobs deferred in: still the signal's code
        (report(StopReason.INTERRUPTED, completed=1, submitted=1, deferred=2), EXIT_INTERRUPTED),
    ],
)
def test_the_exit_code_says_what_the_run_left(run, code):
    assert exit_code(run, 4) == code


@pytest.mark.parametrize(
    ("fatal", "code"),
    [
        (AuthError("refused", status=401), EXIT_AUTH),
        (ApiUnreachable("no answer", seconds=300.0), EXIT_UNREACHABLE),
        (OutputUnwritable("disk full"), EXIT_UNWRITABLE),
        (LedgerUnwritable("disk full"), EXIT_UNWRITABLE),
        # the lease on an object store's shard was lost mid-run: the ledger can no longer be written
        (LedgerError("this run no longer holds shard 1-of-2"), EXIT_UNWRITABLE),
    ],
)
def test_a_run_wide_error_gives_its_own_code_whatever_the_jobs_left(fatal, code):
    run = report(StopReason.CREDITS, completed=1, deferred=3)
    run.fatal = fatal
    assert exit_code(run, 4) == code


@pytest.mark.parametrize(
    ("states", "code"),
    [
        (["completed", "completed"], EXIT_OK),
        (["completed", "failed"], EXIT_FAILED),
        (["completed", "expired"], EXIT_FAILED),
        (["completed", "deferred"], EXIT_CREDITS),  # held back by the cap or the credits: nothing failed
        (["completed", "failed", "deferred"], EXIT_CREDITS),
        (["completed", "submitted"], None),  # not finished: no exit code is claimed for it
        (["deferred", "submitting"], None),
    ],
)
def test_a_folder_without_a_kept_verdict_is_judged_from_its_jobs(tmp_path, states, code):
    # 'batchgen report DIR' on a folder whose last run wrote no report.json (killed, or the report off)
    rows = [JobRow(f"j{i}", state=state) for i, state in enumerate(states)]
    verdict = verdict_from(rows, tmp_path)
    assert (verdict.code, verdict.resume_command, verdict.running) == (code, None, False)


def test_a_folder_without_a_kept_verdict_tells_a_job_held_back_for_its_image_from_one_deferred_by_a_stop(tmp_path):
    # an input image changed after it was checked: the run exited 1 (README), not 3 (credits or the cap)
    held = JobRow("j1", state="deferred", held=True)
    assert verdict_from([JobRow("j0", state="completed"), held], tmp_path).code == EXIT_FAILED
    by_stop = JobRow("j2", state="deferred")
    assert verdict_from([JobRow("j0", state="completed"), held, by_stop], tmp_path).code == EXIT_CREDITS


def test_a_verdict_kept_by_a_refresh_while_the_run_went_on_is_not_the_runs_end(tmp_path):
    """A run killed after a refresh leaves report.json saying it is running: a report made later judges the jobs
    (all completed: 0), never takes the live page's "no verdict yet" for how the run ended."""
    (tmp_path / "report.json").write_text('{"exit_code": null, "resume_command": null, "running": true}')
    verdict = verdict_from([JobRow("a", state="completed"), JobRow("b", state="completed")], tmp_path)
    assert (verdict.code, verdict.running) == (EXIT_OK, False)


def test_jobs_left_unsent_by_rows_since_removed_from_the_manifest_do_not_set_the_verdict(tmp_path):
    """No run sends a job whose row left the manifest: it is neither unfinished work nor held back by a stop."""
    gone = JobRow("old", state="deferred")
    gone.outside = True
    verdict = verdict_from([JobRow("a", state="completed"), gone], tmp_path)
    assert verdict.code == EXIT_OK
    assert verdict_from([gone], tmp_path).code == EXIT_OK  # every row removed: nothing left to do
    kept = JobRow("kept", state="pending")  # a row still in the manifest, left unsent: unfinished
    assert verdict_from([JobRow("a", state="completed"), gone, kept], tmp_path).code is None


def test_a_kept_verdict_is_the_last_runs_own(tmp_path):
    (tmp_path / "report.json").write_text('{"exit_code": 3, "resume_command": "batchgen run m.yaml", "running": false}')
    verdict = verdict_from([JobRow("a", state="deferred")], tmp_path)
    assert (verdict.code, verdict.resume_command) == (EXIT_CREDITS, "batchgen run m.yaml")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputError("m.yaml:3: unknown model"), EXIT_USAGE),
        # the output folder is unusable at the start (videos/ a symbolic link): nothing was submitted
        (StorageError("out/videos is a symbolic link"), EXIT_USAGE),
        (LockHeld("another batchgen run holds out", pid=12), EXIT_LOCKED),
        (OutputUnwritable("the disk is full"), EXIT_UNWRITABLE),
        # a ledger line written before the run starts (a key change settled) on a full disk
        (LedgerUnwritable("the disk is full"), EXIT_UNWRITABLE),
        (ApiUnreachable("no answer", seconds=300.0), EXIT_UNREACHABLE),
        (AuthError("refused", status=401), EXIT_AUTH),
    ],
)
def test_an_error_before_a_run_gives_its_own_code(error, code):
    assert exit_code_for(error) == code


@pytest.mark.parametrize(
    ("codes", "code"),
    [
        ([EXIT_OK, EXIT_OK], EXIT_OK),
        ([EXIT_OK, EXIT_CREDITS], EXIT_CREDITS),
        # a shard with failed jobs outranks one the API left unsettled: re-running settles only the latter
        ([EXIT_UNREACHABLE, EXIT_FAILED, EXIT_OK], EXIT_FAILED),
        ([EXIT_INTERRUPTED, EXIT_UNREACHABLE], EXIT_UNREACHABLE),
        ([EXIT_FAILED, EXIT_AUTH], EXIT_AUTH),
    ],
)
def test_a_sharded_run_exits_with_its_most_serious_shards_code(codes, code):
    assert merged_exit_code(codes) == code


# README "Running on Ray": the most serious shard's code, in this order (as the README says it)
MOST_SERIOUS_FIRST = (4, 2, 5, 7, 1, 6, 3, 130)


@pytest.mark.parametrize("rank", range(len(MOST_SERIOUS_FIRST) - 1))
def test_each_shard_code_outranks_the_next_in_the_readmes_order_whichever_shard_reports_it(rank):
    graver, lesser = MOST_SERIOUS_FIRST[rank], MOST_SERIOUS_FIRST[rank + 1]
    assert merged_exit_code([lesser, graver, EXIT_OK]) == graver
    assert merged_exit_code([graver, lesser]) == graver


def test_the_readme_states_the_shards_order_of_seriousness_the_code_uses():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    said = "most serious shard's exit code (" + ", ".join(map(str, MOST_SERIOUS_FIRST)) + ", in that order)"
    assert said in " ".join(readme.split())
