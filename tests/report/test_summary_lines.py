"""What the user reads at the end of a run, before one (the dry run's plan), during one (the progress line
and panel) and of a folder (``status``): every figure, every hint, in full.

These lines are how a user, or a cron mail, learns what was spent, what is left, and which command goes on
without paying twice; a wrong figure or a missing hint is a promise broken in plain sight."""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console

from batchgen.config import LimitSettings, OutputSettings, Settings
from batchgen.engine.outcome import RunReport, Snapshot, error_text, refused_as_sent, rerun_cannot_settle
from batchgen.jobs import JobSpec, StopReason
from batchgen.manifest import Manifest
from batchgen.report import summary
from batchgen.store.ledger import Replay
from batchgen.store.local import OutputDir
from batchgen.store.shards import Shard, shard_of

OUT = OutputDir("/o")
TEN = Manifest("m.yaml", [JobSpec(f"j{i}", "kling-text2video", {"prompt": "p"}) for i in range(10)], [])
WHERE = "  videos: /o/videos   ledger: /o/ledger.jsonl   results: /o/results.csv"


def test_the_summary_of_a_run_out_of_credits_says_everything_and_how_to_go_on():
    report = RunReport(
        states=Counter({"completed": 3, "failed": 2, "expired": 1, "deferred": 2, "submitted": 1, "pending": 1}),
        failures=[("a", "content policy"), ("c", "gone"), ("b", "content policy")],
        stop_reason=StopReason.CREDITS, balance=0.5, spend=1.5, submitted=4, skipped=2, reattached=1, requests=17,
        rate_limited=3, job_seconds=[200, 10, 30, 100, 20],
        media_warnings=Counter({"low_fps": 1, "duration_mismatch": 2}), report_page=Path("/o/report.html"),
    )  # fmt: skip
    command = "batchgen run m.yaml --out /o"
    lines = summary.summary_lines(report, OUT, TEN, resume_command=command, retry_command=command)
    assert lines == [
        "10 jobs: 1 pending, 1 submitted, 3 completed, 2 failed, 1 expired, 2 deferred",
        "  2 already done; 1 re-attached from an earlier run; 4 submitted now",
        "  spend $1.50 in this folder; 17 API requests now, 3 answered 429",
        "  time per job p50 30s, p95 3.3 min",
        "  failures by reason:",
        "    2 x content policy (e.g. a, b)",
        "    1 x gone (e.g. c)",
        "  videos kept with warnings: 2 duration_mismatch, 1 low_fps (not what was asked for; see report.html)",
        "Stopped submitting: out of credits (balance reported: $0.50); 2 jobs deferred. Top up, then resume.",
        WHERE,
        "  report: /o/report.html",
        "2 jobs failed on the server; running again does not retry them. --retry-failed submits them again "
        "(paid again): batchgen run m.yaml --out /o --retry-failed",
        "1 job lost or expired (the video cannot be fetched again); --resubmit-lost makes it again (paid again): "
        "batchgen run m.yaml --out /o --resubmit-lost",
        "To resume: batchgen run m.yaml --out /o  (add --retry-failed to submit the 2 failed jobs again; add "
        "--resubmit-lost to make the 1 lost job again: paid again)",
    ]


def test_a_run_stopped_at_the_spend_cap_offers_a_cap_that_covers_the_deferred_jobs():
    report = RunReport(states=Counter({"completed": 2, "deferred": 8}), stop_reason=StopReason.SPEND_CAP, spend=0.56,
                       submitted=2)  # fmt: skip
    lines = summary.summary_lines(report, OUT, TEN, resume_command="RESUME", spend=3.0, cap_command="CAP")
    assert lines == [
        "10 jobs: 2 completed, 8 deferred",
        "  2 submitted now",
        "  spend $3.00 in this folder; 0 API requests now, 0 answered 429",  # the folder's spend, not the run's
        "Stopped submitting at the spend cap (for the folder's whole spend: $3.00 spent so far); 8 jobs deferred. "
        "The same cap stops here again: raise --max-spend to go on.",
        WHERE,
        "To resume, raise the cap (enough for the 8 deferred jobs): CAP",
    ]
    no_cap = summary.summary_lines(report, OUT, TEN, resume_command="RESUME")
    assert no_cap[-1] == "To resume: RESUME"
    balance_unknown = dataclasses.replace(report, stop_reason=StopReason.CREDITS)
    assert summary.summary_lines(balance_unknown, OUT, TEN, resume_command="R")[3] == (
        "Stopped submitting: out of credits; 8 jobs deferred. Top up, then resume."
    )


def test_an_interrupted_run_is_resumable_and_a_finished_one_offers_nothing_more():
    interrupted = RunReport(states=Counter({"completed": 9, "submitted": 1}), stop_reason=StopReason.INTERRUPTED)
    assert summary.summary_lines(interrupted, OUT, TEN, resume_command="RESUME") == [
        "10 jobs: 1 submitted, 9 completed",
        "  0 submitted now",
        "  spend $0.00 in this folder; 0 API requests now, 0 answered 429",
        "Interrupted: jobs in flight stay resumable; nothing is lost or paid twice by resuming.",
        WHERE,
        "To resume: RESUME",
    ]
    done = RunReport(states=Counter({"completed": 10}), spend=2.8, requests=40)
    assert summary.summary_lines(done, OUT, TEN, resume_command="RESUME") == [
        "10 jobs: 10 completed",
        "  0 submitted now",
        "  spend $2.80 in this folder; 40 API requests now, 0 answered 429",
        WHERE,
    ]
    pending = RunReport(states=Counter({"completed": 9, "pending": 1}))
    assert summary.summary_lines(pending, OUT, TEN, resume_command=None)[-1] == WHERE  # no command: no line
    assert summary.summary_lines(pending, OUT, TEN, resume_command="R")[-1] == "To resume: R"
    nothing = RunReport()
    assert summary.summary_lines(nothing, OUT, TEN, resume_command="R")[0] == "10 jobs: nothing"


def test_submits_of_unknown_outcome_count_as_sent_and_are_told_apart_from_failures():
    # Two submits sent now came back with no usable answer, a third was left so by an earlier run: the
    # history could not be read to settle any of them, and a download failed for now.
    report = RunReport(
        states=Counter({"completed": 6, "submitting": 3, "downloading": 1}), submitted=7, unsettled=2, spend=1.68,
        left=[("a", "history unreadable"), ("b", "history unreadable"), ("c", "history unreadable"),
              ("d", "download failed")],
    )  # fmt: skip
    lines = summary.summary_lines(report, OUT, TEN, resume_command="RESUME")
    assert lines == [
        "10 jobs: 3 submitting, 1 downloading, 6 completed",
        "  9 submitted now (2 of them with the outcome unknown)",
        "  spend $1.68 in this folder; 0 API requests now, 0 answered 429",
        "  3 submits of unknown outcome (2 sent now): each may have made a job on the server, charged if that job "
        "finishes and not counted in the spend above; the next run looks them up in the request history first "
        "(found, their videos are fetched) and sends one again only once the history shows it was never made",
        "  left for a later run, by reason:",
        "    3 x history unreadable (e.g. a, b, c)",
        "    1 x download failed (e.g. d)",
        WHERE,
        "To resume: RESUME",
    ]
    one = RunReport(states=Counter({"completed": 9, "submitting": 1}), submitted=9, unsettled=1)
    assert summary.summary_lines(one, OUT, TEN, resume_command="RESUME")[1:4] == [
        "  10 submitted now (1 of them with the outcome unknown)",
        "  spend $0.00 in this folder; 0 API requests now, 0 answered 429",
        "  1 submit of unknown outcome: it may have made a job on the server, charged if that job finishes and "
        "not counted in the spend above; the next run looks it up in the request history first (found, its video "
        "is fetched) and sends it again only once the history shows it was never made",
    ]
    earlier = RunReport(states=Counter({"completed": 9, "submitting": 1}), skipped=9)  # none sent now
    lines = summary.summary_lines(earlier, OUT, TEN, resume_command="RESUME")
    assert lines[1] == "  9 already done; 0 submitted now"
    assert lines[3].startswith("  1 submit of unknown outcome: it may have made a job")


def test_more_than_eight_reasons_show_the_eight_most_frequent_and_count_the_jobs_of_the_rest():
    failures = [(f"j{r}-{n}", f"reason {r}") for r in range(10) for n in range(10 - r)]
    report = RunReport(states=Counter({"failed": len(failures)}), failures=failures)
    lines = summary.summary_lines(report, OUT, TEN, resume_command=None)
    shown = [line for line in lines if line.startswith("    ")]
    eight = [f"    {10 - r} x reason {r} (e.g. " + ", ".join(f"j{r}-{n}" for n in range(min(3, 10 - r))) + ")"
             for r in range(8)]  # fmt: skip
    assert shown[:8] == eight
    assert shown[8:] == ["    and 3 jobs more, for 2 other reasons (each job's own is in results.csv's error column)"]


def test_an_image_jobs_look_up_reasons_group_whatever_the_number_of_requests_it_matched():
    """Left for later because the history cannot tell which of several requests is theirs: one reason, not one
    line per count (a line per count pushed jobs past the eight shown, out of the summary)."""
    tail = (
        " requests in the history match this image job's other fields and time, and the history does not keep "
        "its image whole ({}), so none was attached"
    )
    ids = [f"{n:032x}" for n in range(12)]  # opaque request ids, named in each job's reason
    left = [(f"s{n:02d}", f"{n}{tail.format(', '.join(ids[:n]))}") for n in range(2, 12)]
    report = RunReport(states=Counter({"submitting": len(left)}), left=left)
    lines = summary.summary_lines(report, OUT, TEN, resume_command=None)
    grouped = [line for line in lines if line.startswith("    ")]
    assert grouped == [f"    10 x several{tail.replace(' ({})', '')} (e.g. s02, s03, s04)"]


@pytest.mark.parametrize(
    ("seconds", "p50", "p95"),
    [([5.0], "5s", "5s"), ([89.4, 90.0], "89s", "1.5 min"), ([5399.0, 5400.0], "90.0 min", "1.5 h"),
     (list(map(float, range(1, 101))), "50s", "1.6 min"), (list(map(float, range(1, 21))), "10s", "19s"),
     ([5581.0, 5578.0], "1.5 h", "1.6 h")],
)  # fmt: skip
def test_time_per_job_is_read_as_its_median_and_95th_percentile(seconds, p50, p95):
    report = RunReport(states=Counter({"completed": 10}), job_seconds=seconds)
    assert summary.summary_lines(report, OUT, TEN, resume_command=None)[3] == f"  time per job p50 {p50}, p95 {p95}"


# --------------------------------------------------------------------------- the dry run


def _plan_settings() -> Settings:
    limits = dataclasses.replace(LimitSettings(), concurrency=2, requests_per_minute=30, max_spend_usd=1.0)
    return Settings(limits=limits, output=dataclasses.replace(OutputSettings(), dir="/o"))


PLAN = Manifest(
    "m.yaml",
    [JobSpec(f"j{i}", "kling-text2video", {"prompt": "p"}) for i in range(6)]
    + [JobSpec("k", "kling-2.1", {"prompt": "p", "aspect_ratio": "16:9", "duration": 5, "mode": "std"}),
       JobSpec("own", "own-model", {})],
    [],
)  # fmt: skip
FOLDER = Replay({"j0": {"state": "completed"}, "j1": {"state": "failed"}, "j2": {"state": "expired"},
                 "zz": {"state": "completed"}}, 4, False)  # fmt: skip
UPPER = (
    "(upper bound: 1 job(s) ask for a combination their model's page does not price, counted at the model's "
    "highest known price) (+ 1 jobs of models without a price)"
)


def test_the_plan_counts_what_is_left_to_do_what_it_costs_and_how_long_it_takes():
    assert summary.dry_run_lines(PLAN, _plan_settings(), FOLDER) == [
        "m.yaml: 8 valid jobs (1 kling-2.1, 6 kling-text2video, 1 own-model)",
        "  in /o: 1 of these already completed; 5 to do",
        "  1 failed job(s) will be left alone (--retry-failed submits them again, paid again)",
        "  1 lost or expired job(s) will be left alone (--resubmit-lost submits them again, paid again)",
        f"  estimated spend: $2.80 {UPPER}",  # 3 x $0.28 + $1.96 (the bound) for the five left
        "  estimated time: 14.0 min at concurrency 2 and 30 requests/min",
        # as a run counts it from the start: j0 (its charge never reported) and the lost j2 (it may yet be
        # charged) at $0.28 each; then, in order, the first of the three at $0.28 fits
        "  note: the spend cap $1.00 will defer 3 of the 5 jobs to do, by the estimated prices",
    ]


def test_the_plan_with_every_flag_that_pays_again():
    lines = summary.dry_run_lines(PLAN, _plan_settings(), FOLDER, retry_failed=True, resubmit_lost=True, changed=2,
                                  replaced=frozenset({"j0"}))  # fmt: skip
    assert lines == [
        "m.yaml: 8 valid jobs (1 kling-2.1, 6 kling-text2video, 1 own-model)",
        "  in /o: 0 of these already completed; 8 to do",
        "  1 failed job(s) will be submitted again (--retry-failed; paid again)",
        "  1 lost or expired job(s) will be submitted again (--resubmit-lost; paid again)",
        "  1 changed job(s) will be made anew (--replace-changed; paid again)",
        "  2 job(s) differ from what their ids were sent as: the run stops (exit 2) unless --replace-changed is given",
        f"  estimated spend: $3.64 {UPPER}",
        "  estimated time: 19.6 min at concurrency 2 and 30 requests/min",
        # j0 and j2's earlier requests at $0.28 each from the start; then j0 made anew fits, and the job of no
        # known price
        "  note: the spend cap $1.00 will defer 6 of the 8 jobs to do, by the estimated prices",
    ]


def test_the_plan_for_a_new_folder_and_a_cap_that_is_enough():
    priced = Manifest("m.yaml", [JobSpec("a", "kling-text2video", {"prompt": "p"})], [])
    settings = _plan_settings()
    assert summary.dry_run_lines(priced, settings, None) == [
        "m.yaml: 1 valid jobs (1 kling-text2video)",
        "  estimated spend: $0.28",
        "  estimated time: 5.3 min at concurrency 2 and 30 requests/min",
    ]
    assert summary.dry_run_lines(priced, settings, Replay({}, 0, False))[1] == "  estimated spend: $0.28"
    at_cap = dataclasses.replace(settings, limits=dataclasses.replace(settings.limits, max_spend_usd=0.28))
    assert not any("note" in line for line in summary.dry_run_lines(priced, at_cap, None))
    zero = dataclasses.replace(settings, limits=dataclasses.replace(settings.limits, max_spend_usd=0.0))
    assert (
        summary.dry_run_lines(priced, zero, None)[-1]
        == "  note: the spend cap $0.00 will defer the job to do, by the estimated prices"
    )
    no_cap = dataclasses.replace(settings, limits=dataclasses.replace(settings.limits, max_spend_usd=None))
    assert not any("note" in line for line in summary.dry_run_lines(PLAN, no_cap, None))


def test_the_time_estimate_is_the_longer_of_the_concurrency_and_the_request_budget():
    settings = _plan_settings()
    assert summary.estimate_seconds([], settings) == 0.0
    five = [JobSpec(f"j{i}", "kling-text2video", {}) for i in range(5)]
    assert summary.estimate_seconds(five, settings) == pytest.approx(3 * 320.23594)  # 3 waves of 2
    slow = dataclasses.replace(settings, limits=dataclasses.replace(settings.limits, requests_per_minute=0.5,
                                                                    concurrency=100))  # fmt: skip
    assert summary.estimate_seconds(five, slow) == pytest.approx(5 * 4 / 0.5 * 60)  # 4 requests a job
    mixed = [JobSpec("a", "kling-text2video", {}), JobSpec("b", "own-model", {})]
    assert summary.estimate_seconds(mixed, settings) == pytest.approx((320.23594 + 300.0) / 2)


# --------------------------------------------------------------------------- progress


def _snap(**changes) -> Snapshot:
    base = Snapshot(total=10, states={"completed": 4, "submitted": 2, "submitting": 1, "downloading": 1,
                                      "failed": 1, "expired": 1, "deferred": 0, "pending": 0},
                    done_now=4, elapsed_s=120, spend=1.12, requests=40, throttled=2, paused_s=30,
                    stop_reason=StopReason.CREDITS, sweeping=True)  # fmt: skip
    return dataclasses.replace(base, **changes)


def _panel(snap: Snapshot) -> list[str]:
    console = Console(width=120, record=True, color_system=None, file=io.StringIO())
    console.print(summary.progress_table(snap))
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_the_progress_line_counts_what_is_in_flight_the_pace_and_why_it_waits():
    assert summary.progress_line(_snap()) == (
        "progress: 4/10 completed, 3 in flight, 1 downloading, 1 failed, 1 expired, $1.12 spent, 120/h, "
        "ETA 2.0 min, paused 30s by a 429, out of credits: finishing jobs in flight"
    )
    quiet = _snap(states={"completed": 10, "deferred": 2}, done_now=0, paused_s=0, stop_reason=None, spend=0.0)
    assert summary.progress_line(quiet) == (
        "progress: 10/10 completed, 0 in flight, 0 downloading, 2 deferred, $0.00 spent, 0/h"
    )
    assert summary.progress_line(_snap(stop_reason=StopReason.SPEND_CAP)).endswith(
        ", at the spend cap: finishing jobs in flight"
    )
    assert summary.progress_line(_snap(stop_reason=StopReason.INTERRUPTED)).endswith(", paused 30s by a 429, stopping")
    assert summary.progress_line(_snap(paused_s=0.4)).endswith(
        ", paused 0s by a 429, out of credits: finishing jobs in flight"
    )


def test_the_progress_panel_shows_the_bar_the_jobs_the_pace_and_why_it_waits():
    assert _panel(_snap()) == [
        "videos   ████████████░░░░░░░░░░░░░░░░░░ 4/10",
        "jobs     1 submitting, 2 submitted, 1 downloading, 4 completed, 1 failed, 1 expired",
        "pace     120 videos/h; 40 requests, 2 answered 429; finding finished jobs through the request history",
        "spend    $1.12",
        "ETA      2.0 min",
        "paused   rate limited (429): every call waits 30s",
        "credits  out of credits: no new submissions; finishing the jobs in flight",
    ]
    calm = _panel(_snap(paused_s=0, stop_reason=StopReason.SPEND_CAP, sweeping=False, done_now=0))
    assert calm == [
        "videos     ████████████░░░░░░░░░░░░░░░░░░ 4/10",
        "jobs       1 submitting, 2 submitted, 1 downloading, 4 completed, 1 failed, 1 expired",
        "pace       0 videos/h; 40 requests, 2 answered 429",
        "spend      $1.12",
        "ETA        estimating...",
        "spend cap  cap reached: no new submissions; finishing the jobs in flight",
    ]
    stopping = _panel(_snap(paused_s=0, stop_reason=StopReason.INTERRUPTED, total=0, states={}))
    assert stopping[0] == "videos    ░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░ 0/0"
    assert stopping[-1] == "stopping  interrupted: saving state; press Ctrl-C again to exit at once"
    assert _panel(_snap(paused_s=0, stop_reason=None))[-1] == "ETA     2.0 min"


# --------------------------------------------------------------------------- status


def _status(jobs: dict, **kwargs) -> dict:
    return summary.status_summary(Replay(jobs, len(jobs), False), Path("OUT"), **kwargs)


JOBS = {"a": {"state": "completed", "cost": 0.28}, "b": {"state": "submitted"},
        "c": {"state": "failed", "error": "plain text 5 s ago"}}  # fmt: skip
FAILED_HINT = (
    "  1 job failed on the server; running again does not retry it. --retry-failed submits it again (paid again): "
    "add --retry-failed"
)


def test_status_against_the_manifest_counts_the_jobs_never_submitted():
    told = _status(JOBS, manifest=[*JOBS, "x", "y", "z"])
    assert told["lines"] == [
        "OUT: 6 jobs in the manifest: 1 submitted, 1 completed, 1 failed, 3 never submitted",
        "  spend $0.28",
        "  failures by reason:",
        "    1 x plain text some time ago (e.g. c)",
        "  1 not finished: run the same 'batchgen run' again to resume them",
        "  3 never submitted: run the same 'batchgen run' again to submit them",
        FAILED_HINT,
    ]
    assert (told["never_submitted"], told["manifest_jobs"], told["finished"]) == (3, 6, False)
    assert told["failures"] == [{"reason": "plain text some time ago", "count": 1, "examples": ["c"],
                                 "details": {"c": "plain text 5 s ago"}}]  # fmt: skip
    all_sent = _status(JOBS, manifest=list(JOBS))
    assert all_sent["lines"][0] == "OUT: 3 jobs in the manifest: 1 submitted, 1 completed, 1 failed"
    assert all_sent["manifest_jobs"] == 3
    unknown = _status(JOBS)
    assert (
        unknown["lines"][0] == "OUT: 3 jobs in the ledger: 1 submitted, 1 completed, 1 failed"
        and unknown["manifest_jobs"] is None
    )
    nothing_yet = _status({}, manifest=["w", "x", "y", "z"])
    assert nothing_yet["lines"] == [
        "OUT: 4 jobs in the manifest, 4 never submitted",
        "  4 never submitted: run the same 'batchgen run' again to submit them",
    ]
    assert nothing_yet["finished"] is False and nothing_yet["manifest_jobs"] == 4
    half = _status({"a": {"state": "completed"}}, manifest=["a", "b"])
    assert half["finished"] is False and "  all jobs completed" not in half["lines"]
    whole = _status({"a": {"state": "completed"}}, manifest=["a"])
    assert whole["finished"] is True and "  all jobs completed" in whole["lines"]


def test_status_of_a_folder_runs_hold_now_names_them_and_leaves_the_work_to_them():
    shards = _status(JOBS, live={"1-of-2": "host y pid 2", "0-of-2": "host x pid 1"}, manifest=[*JOBS, "x", "y"])
    assert shards["lines"] == [
        "OUT: 5 jobs in the manifest: 1 submitted, 1 completed, 1 failed, 2 never submitted",
        "  2 runs (0-of-2 host x pid 1; 1-of-2 host y pid 2) hold this folder now: these figures are as of the "
        "latest ledger lines; do not start another run on it",
        "  spend $0.28",
        "  failures by reason:",
        "    1 x plain text some time ago (e.g. c)",
        "  1 not finished: the runs in progress work on them",
        FAILED_HINT,
    ]
    assert shards["running"] is True and shards["live_runs"] == {"1-of-2": "host y pid 2", "0-of-2": "host x pid 1"}
    one = _status(JOBS, live={"0-of-2": "host x pid 1"})
    assert one["lines"][1].startswith("  a run (0-of-2 host x pid 1) holds this folder now: ")
    assert "  1 not finished: the run in progress works on them" in one["lines"]
    both = _status(JOBS, live={"0-of-2": "host x pid 1"}, held_by=7)
    assert both["lines"][1].startswith("  2 runs (process 7; 0-of-2 host x pid 1) hold this folder now: ")
    assert both["live_runs"] == {"0-of-2": "host x pid 1", "": "process 7"}
    idle = _status(JOBS)
    assert idle["running"] is False and idle["live_runs"] == {}


def test_status_lists_jobs_left_for_a_later_run_apart_from_failures_as_the_summary_does():
    """A submit the history could not settle and a download that failed for now are not failures: status says
    so under their own title (``"left"`` in the JSON) and, as the summary does, what the next run does of the
    submit of unknown outcome; while a run holds the folder it may be settling them, and says no more."""
    unread = "the request history could not be read (HTTP 500); the submit's outcome is unknown"
    jobs = {"a": {"state": "completed", "cost": 0.28}, "b": {"state": "failed", "error": {"detail": "no"}},
            "c": {"state": "submitting", "error": {"detail": unread}, "ts": "2026-12-01T01:02:03.456Z"},
            "d": {"state": "submitting"},
            "e": {"state": "downloading", "error": {"detail": "connection reset"}, "ts": "2026-12-02T04:05:06.7Z"},
            "f": {"state": "submitted"}}  # fmt: skip
    told = _status(jobs)
    assert told["lines"] == [
        "OUT: 6 jobs in the ledger: 2 submitting, 1 submitted, 1 downloading, 1 completed, 1 failed",
        "  spend $0.28",
        "  2 submits of unknown outcome: each may have made a job on the server, charged if that job finishes and "
        "not counted in the spend above; the next run looks them up in the request history first (found, their "
        "videos are fetched) and sends one again only once the history shows it was never made",
        "  failures by reason:",
        "    1 x no (e.g. b)",
        # (each reason is the word of the run that wrote it: when, said, as a run stopped early writes none)
        "  left for a later run, by reason as last recorded (by 2026-12-02 04:05:06 UTC):",
        f"    1 x {unread} (e.g. c)",
        "    1 x connection reset (e.g. e)",
        "  4 not finished: run the same 'batchgen run' again to resume them",
        FAILED_HINT,
    ]
    assert told["failures"] == [{"reason": "no", "count": 1, "examples": ["b"], "details": {"b": "no"}}]
    assert told["left"] == [
        {"reason": unread, "count": 1, "examples": ["c"], "details": {"c": unread},
         "recorded": {"c": "2026-12-01T01:02:03.456Z"}},
        {"reason": "connection reset", "count": 1, "examples": ["e"], "details": {"e": "connection reset"},
         "recorded": {"e": "2026-12-02T04:05:06.7Z"}},
    ]  # fmt: skip
    held = _status(jobs, held_by=7)
    assert "  not finished, by reason as last recorded (by 2026-12-02 04:05:06 UTC):" in held["lines"]
    assert not any(line.startswith("  left for a later run") for line in held["lines"])
    assert not any("unknown outcome" in line for line in held["lines"]) and held["left"] == told["left"]
    assert _status(JOBS)["left"] == []


def test_a_failures_reason_drops_what_makes_each_job_unique_so_reasons_group():
    detail = "job j-1 failed: request 0A1B2C3D-0000-4444-8888-123456789abc 12.5 s ago; j-10, xj-1, v.j-1 not j-1."
    assert summary.reason_of(detail, "j-1") == "job … failed: request … some time ago; j-10, xj-1, v.j-1 not …."
    assert summary.reason_of(detail) == "job j-1 failed: request … some time ago; j-10, xj-1, v.j-1 not j-1."
    ages = "3 minutes ago, 2 h ago, 5ms ago, 1 hour ago, 4 sec ago, 1 min ago, 7 seconds ago, 2 hours ago"
    assert summary.reason_of(ages) == ", ".join(["some time ago"] * 8)
    assert summary.reason_of("a 5 s agony, 12 days ago") == "a 5 s agony, 12 days ago"
    # the spans from a job's own moments go too (a record found gone, how long it was unfinished): one reason for
    # the jobs a world lost alike, not one a tenth of a minute; the spans of the run's config stay
    spans = [
        "records last 20 min after submission; this run found a record gone 20.4 min after its submit; it was "
        f"still unfinished {unfinished} after it was sent, at least {made} after it was made and 1 hour after "
        "the last job sent before it finished"
        for unfinished, made in (("19.6 min", "5 s"), ("20 min", "1.2e+03 s"))
    ]
    assert {summary.reason_of(text) for text in spans} == {
        "records last 20 min after submission; this run found a record gone some time after its submit; it was "
        "still unfinished some time after it was sent, at least some time after it was made and some time after "
        "the last job sent before it finished"
    }
    groups = summary.group_failures([("a-1", "a-1 timed out 3 s ago"), ("b-2", "b-2 timed out 40 s ago")])
    assert groups == [("… timed out some time ago", 2, ["a-1", "b-2"])]
    # an id that is a plain word is the id only where the reason names the job
    worded = "job a's image is not a JPEG: give a JPEG for job a"
    assert summary.reason_of(worded, "a") == "job …'s image is not a JPEG: give a JPEG for job …"
    assert summary.group_failures([("a", worded), ("cat", worded.replace("job a", "job cat"))]) == [
        ("job …'s image is not a JPEG: give a JPEG for job …", 2, ["a", "cat"])
    ]


# --------------------------------------------------------------------------- counts at their edges


def test_a_stop_with_nothing_left_to_defer_says_so_with_a_zero():
    """Credits or the cap ran out as the last job was sent: the line still gives a true count (0), never a
    made-up one."""
    credits = RunReport(states=Counter({"completed": 10}), stop_reason=StopReason.CREDITS, spend=2.8)
    assert summary.summary_lines(credits, OUT, TEN, resume_command="R")[3] == (
        "Stopped submitting: out of credits; 0 jobs deferred. Top up, then resume."
    )
    cap = dataclasses.replace(credits, stop_reason=StopReason.SPEND_CAP)
    assert summary.summary_lines(cap, OUT, TEN, resume_command="R")[3] == (
        "Stopped submitting at the spend cap (for the folder's whole spend: $2.80 spent so far); 0 jobs deferred. "
        "The same cap stops here again: raise --max-spend to go on."
    )
    assert summary.summary_lines(cap, OUT, TEN, resume_command="R")[-1] == WHERE  # nothing to resume


def test_a_credit_stop_counts_as_deferred_only_the_jobs_it_held_back_not_one_whose_image_changed():
    report = RunReport(
        states=Counter({"completed": 7, "deferred": 3}), stop_reason=StopReason.CREDITS, spend=1.96,
        held_back=[("j9", "image.png changed after it was checked")],
    )  # fmt: skip
    lines = summary.summary_lines(report, OUT, TEN, resume_command="R")
    assert "Stopped submitting: out of credits; 2 jobs deferred. Top up, then resume." in lines
    assert "    1 x image.png changed after it was checked (e.g. j9)" in lines


def test_one_failed_and_two_lost_jobs_are_counted_in_the_right_number():
    report = RunReport(states=Counter({"completed": 6, "failed": 1, "expired": 2, "pending": 1}))
    command = "batchgen run m.yaml"
    lines = summary.summary_lines(report, OUT, TEN, resume_command=command, retry_command=command)
    assert lines[-3:] == [
        "1 job failed on the server; running again does not retry it. --retry-failed submits it again "
        "(paid again): batchgen run m.yaml --retry-failed",
        "2 jobs lost or expired (the video cannot be fetched again); --resubmit-lost makes them again (paid again): "
        "batchgen run m.yaml --resubmit-lost",
        "To resume: batchgen run m.yaml  (add --retry-failed to submit the 1 failed job again; add --resubmit-lost "
        "to make the 2 lost jobs again: paid again)",
    ]


def test_the_progress_before_any_video_counts_zero_completed_and_a_short_pause_shows():
    start = _snap(states={"submitted": 3, "pending": 7}, done_now=0, paused_s=0.5, stop_reason=None, spend=0.0)
    assert summary.progress_line(start) == (
        "progress: 0/10 completed, 3 in flight, 0 downloading, $0.00 spent, 0/h, paused 0s by a 429"
    )
    assert _panel(start)[-1] == "paused  rate limited (429): every call waits 0s"
    assert _panel(_snap(paused_s=0, stop_reason=None, done_now=0))[-1] == "ETA     estimating..."


def test_the_panels_labels_stand_out_in_bold_on_a_terminal():
    out = io.StringIO()
    console = Console(width=120, color_system="standard", force_terminal=True, file=out)
    console.print(summary.progress_table(_snap(stop_reason=None, paused_s=0)))
    shown = out.getvalue()
    for label in ("videos", "jobs", "pace", "spend", "ETA"):
        assert f"\x1b[1m{label}" in shown, label


def test_status_names_a_failure_without_a_message_by_its_state_and_an_unknown_state_as_such():
    told = _status({"a": {"state": "failed"}, "b": {"state": "expired", "error": None}, "c": {"cost": 0.1}})
    assert told["states"] == {"failed": 1, "expired": 1, "?": 1}
    assert told["failures"] == [
        {"reason": "failed", "count": 1, "examples": ["a"], "details": {"a": "failed"}},
        {"reason": "expired", "count": 1, "examples": ["b"], "details": {"b": "expired"}},
    ]
    assert told["lines"][:5] == [
        "OUT: 3 jobs in the ledger: 1 failed, 1 expired",
        "  spend $0.10",
        "  failures by reason:",
        "    1 x failed (e.g. a)",
        "    1 x expired (e.g. b)",
    ]


def test_status_of_one_job_that_did_not_complete_is_not_finished():
    for state in ("failed", "expired", "deferred", "pending", "submitted"):
        told = _status({"a": {"state": state}})
        assert told["finished"] is False, state
        assert "  all jobs completed" not in told["lines"], state


def test_status_shows_the_eight_most_frequent_reasons():
    jobs = {f"j{r}-{n}": {"state": "failed", "error": f"reason {r}"} for r in range(10) for n in range(10 - r)}
    told = _status(jobs)
    shown = [line for line in told["lines"] if " x reason " in line]
    assert shown == [f"    {10 - r} x reason {r} (e.g. " + ", ".join(f"j{r}-{n}" for n in range(min(3, 10 - r))) + ")"
                     for r in range(8)]  # fmt: skip
    assert "    and 3 jobs more, for 2 other reasons (each job's own is in results.csv's error column)" in told["lines"]
    assert len(told["failures"]) == 10  # the JSON keeps every reason


def test_status_says_what_to_do_about_deferred_jobs_and_who_holds_the_folder_in_full():
    told = _status({"a": {"state": "deferred"}, "b": {"state": "completed", "cost": 0.1}}, held_by=0)
    assert told["lines"] == [
        "OUT: 2 jobs in the ledger: 1 completed, 1 deferred",
        "  a run (another process) holds this folder now: these figures are as of the latest ledger lines; do not "
        "start another run on it",
        "  spend $0.10",
        "  1 deferred (credits ran out or the spend cap was reached): top up, or give a higher --max-spend, then run "
        "again",
    ]
    assert told["live_runs"] == {"": "another process"}


def test_status_spend_is_the_ledgers_sum_to_the_millionth_of_a_dollar():
    told = _status({"a": {"state": "completed", "cost": 0.12345678}, "b": {"state": "completed", "cost": 0.1},
                    "c": {"state": "completed", "cost": 0.2}})  # fmt: skip
    assert told["spend_usd"] == 0.423457
    float_noise = _status({"a": {"state": "completed", "cost": 0.1}, "b": {"state": "completed", "cost": 0.2}})
    assert float_noise["spend_usd"] == 0.3


def test_a_reason_without_a_job_id_keeps_every_word_but_request_ids_and_ages():
    detail = "key sk-XXXX was refused for job a-1 (XXXX) 3 s ago"
    assert summary.reason_of(detail) == "key sk-XXXX was refused for job a-1 (XXXX) some time ago"
    assert summary.group_failures([("a-1", detail), ("XXXX", "XXXX: no")]) == [
        ("key sk-XXXX was refused for job … (XXXX) some time ago", 1, ["a-1"]),
        ("…: no", 1, ["XXXX"]),
    ]


def test_status_does_not_promise_a_plain_re_run_settles_a_submit_whose_reason_says_it_does_not():
    """A submit of unknown outcome left with no job to send after it: the same command run again sends nothing
    that could show the history caught up, so status says what its reason says, not "run again"."""
    stuck = {"detail": "the submit's outcome is unknown ... add a row", "rerun": False}
    mixed = {"a": {"state": "submitting", "error": stuck}, "b": {"state": "downloading"}}
    assert _status(mixed)["lines"][-1] == (
        "  2 not finished: run the same 'batchgen run' again to resume them (a plain re-run does not settle 1 of "
        "them: their reason above says what does)"
    )
    alone = _status({"a": {"state": "submitting", "error": stuck}})["lines"]
    assert alone[-1] == "  1 not finished: a plain re-run settles none of the 1 left: their reason above says what does"


def test_status_does_not_say_no_plain_re_run_settles_a_submit_while_the_manifest_has_rows_still_to_send():
    """A row the ledger has never seen (added to the manifest, as the reason itself advises, or never reached
    by an interrupted run), or a job deferred or pending, is sent by the next run: once listed, its request
    settles the stuck submit.  Status may not say that a plain re-run settles none of them."""
    stuck = {"detail": "the submit's outcome is unknown ... add a row", "rerun": False}
    lines = _status({"a": {"state": "submitting", "error": stuck}}, manifest=["a", "b"])["lines"]
    assert not any("settles none" in line for line in lines), lines
    for other in ("pending", "deferred"):
        lines = _status({"a": {"state": "submitting", "error": stuck}, "b": {"state": other}})["lines"]
        assert not any("settles none" in line or "does not settle" in line for line in lines), lines


def test_status_still_says_a_plain_re_run_does_not_settle_a_submit_no_job_sent_after_it_settles():
    """A history answering 404, or rows nothing tells apart: the jobs the next run sends settle neither, so status
    says so of them beside the jobs a re-run goes on with."""
    stuck = {"detail": "the request history answers that it is not there ...", "rerun": False, "send_settles": False}
    jobs = {"a": {"state": "submitting", "error": stuck}, "b": {"state": "submitted"}, "c": {"state": "deferred"}}
    lines = _status(jobs, manifest=["a", "b", "c", "d"])["lines"]
    assert any(
        line.endswith("(a plain re-run does not settle 1 of them: their reason above says what does)") for line in lines
    ), lines


def test_the_plan_never_counts_a_job_already_sent_among_those_the_cap_defers():
    """A job in flight (sent by an earlier run, re-attached or downloaded now) is never deferred by the cap: it
    holds its spend first, and only the jobs still to send are deferred, in order."""
    two = Manifest("m.yaml", [JobSpec(name, "kling-text2video", {"prompt": "p"}) for name in "ab"], [])
    settings = dataclasses.replace(
        _plan_settings(), limits=dataclasses.replace(_plan_settings().limits, max_spend_usd=0.30)
    )
    downloading = Replay({"a": {"state": "downloading", "cost": 0.28}}, 1, False)
    low = dataclasses.replace(settings, limits=dataclasses.replace(settings.limits, max_spend_usd=0.2))
    lines = summary.dry_run_lines(Manifest("m.yaml", two.jobs[:1], []), low, downloading)
    assert not any("note" in line for line in lines), lines  # it is fetched, not deferred
    # a, in flight, holds $0.28 first: b, still to send, is the one deferred
    both = Replay({"a": {"state": "submitted"}}, 1, False)
    lines = summary.dry_run_lines(two, settings, both)
    assert (
        lines[-1] == "  note: the spend cap $0.30 will defer the 1 job to send of the 2 to do, by the estimated prices"
    ), lines
    capped = dataclasses.replace(settings, limits=dataclasses.replace(settings.limits, max_spend_usd=0.0))
    lines = summary.dry_run_lines(two, capped, both)
    assert (
        lines[-1] == "  note: the spend cap $0.00 will defer the 1 job to send of the 2 to do, by the estimated prices"
    ), lines


def test_the_plan_counts_what_the_folder_has_spent_before_the_jobs_it_sends():
    """$0.28 spent before in the folder, a cap of $2.24, jobs of $0.28, $1.96, $0.28, $0.28 in that order: the run
    sends the first, defers the second and sends the last two.  From nothing spent, the first two would fill the
    cap and the last two be deferred: 'at least 2' was told of a run that defers one."""
    big = JobSpec("k", "kling-2.1", {"prompt": "p", "aspect_ratio": "16:9", "duration": 5, "mode": "std"})
    small = [JobSpec(name, "kling-text2video", {"prompt": "p"}) for name in "abc"]
    manifest = Manifest("m.yaml", [small[0], big, *small[1:]], [])
    settings = dataclasses.replace(
        _plan_settings(), limits=dataclasses.replace(_plan_settings().limits, max_spend_usd=2.24)
    )
    folder = Replay({"zz": {"state": "completed", "cost": 0.28}}, 1, False)
    lines = summary.dry_run_lines(manifest, settings, folder)
    assert lines[-1] == "  note: the spend cap $2.24 will defer 1 of the 4 jobs to do, by the estimated prices", lines


def test_the_plan_defers_a_job_of_unknown_price_once_the_folder_has_spent_past_the_cap():
    """A run sends a job of unknown price at $0 against the cap: once the folder's spend is past the cap, not
    even that one is sent."""
    manifest = Manifest("m.yaml", [JobSpec("own", "own-model", {})], [])
    settings = dataclasses.replace(
        _plan_settings(), limits=dataclasses.replace(_plan_settings().limits, max_spend_usd=0.5)
    )
    folder = Replay({"zz": {"state": "completed", "cost": 0.84}}, 1, False)
    lines = summary.dry_run_lines(manifest, settings, folder)
    assert lines[-1] == "  note: the spend cap $0.50 will defer the job to do, by the estimated prices", lines
    assert not any("note" in line for line in summary.dry_run_lines(manifest, settings, None))


def test_a_sharded_folders_status_names_the_shard_of_each_job_a_run_is_still_to_send_or_resume():
    # Shards 0 and 2 of 3 ran; shard 2's run was killed.  "Run the same 'batchgen run' again" named no command
    # of the three, and the jobs of shard 1, which never ran, are sent by no re-run of the others.
    ids = {f"j{k}": shard_of(f"j{k}", 3) for k in range(60)}
    by_shard = {index: [i for i, s in ids.items() if s == index] for index in range(3)}
    jobs = {i: {"state": "completed", "cost": 0.28} for i in by_shard[0]}
    jobs |= {i: {"state": "submitted"} for i in by_shard[2][:2]}
    never = by_shard[1] + by_shard[2][2:]
    told = _status(jobs, manifest=list(ids), shards=[Shard(0, 3), Shard(2, 3)])
    assert told["lines"][-3:] == [
        "  2 not finished: run the 'batchgen run' of each one's shard (--shard 2/3) again to resume them",
        f"  {len(by_shard[2]) - 2} never submitted, of shards that ran: run the 'batchgen run' of each one's shard "
        "(--shard 2/3) again to send them",
        f"  {len(by_shard[1])} never submitted, of 1 shard not run here yet: run 'batchgen run' for each "
        "(--shard 1/3) to send them",
    ]
    assert told["never_submitted"] == len(never)
    unsharded = _status(jobs, manifest=list(ids))  # one folder, one command: the same run again
    assert unsharded["lines"][-2:] == [
        "  2 not finished: run the same 'batchgen run' again to resume them",
        f"  {len(never)} never submitted: run the same 'batchgen run' again to submit them",
    ]


def test_a_sharded_folders_status_names_the_shard_whose_run_sends_its_deferred_jobs():
    # Both shards ran; shard 1's stopped at its cap with jobs deferred.  Each shard keeps its own cap and sends
    # its own jobs, so "give a higher --max-spend, then run again" named no command of the two.
    ids = {f"j{k}": shard_of(f"j{k}", 2) for k in range(20)}
    jobs = {i: {"state": "completed", "cost": 0.28} if s == 0 else {"state": "deferred"} for i, s in ids.items()}
    told = _status(jobs, manifest=list(ids), shards=[Shard(0, 2), Shard(1, 2)])
    deferred = sum(1 for s in ids.values() if s == 1)
    assert told["lines"][-1] == (
        f"  {deferred} deferred (credits ran out or the spend cap was reached): top up, or give a higher --max-spend, "
        "then run the 'batchgen run' of each one's shard (--shard 1/2) again"
    )
    unsharded = _status(jobs, manifest=list(ids))  # one folder, one command
    assert unsharded["lines"][-1].endswith("give a higher --max-spend, then run again")


def test_a_sharded_folders_status_names_the_shards_whose_runs_take_up_its_failed_and_lost_jobs():
    # --retry-failed and --resubmit-lost go to the run of the shard that holds each such job: "add --retry-failed"
    # named no command of the three
    ids = {f"j{k}": shard_of(f"j{k}", 3) for k in range(30)}
    failed = next(i for i, s in ids.items() if s == 2)
    lost = next(i for i, s in ids.items() if s == 0)
    jobs = {i: {"state": "completed", "cost": 0.28} for i in ids}
    jobs[failed], jobs[lost] = {"state": "failed", "request_id": "r1"}, {"state": "expired", "request_id": "r2"}
    told = _status(jobs, manifest=list(ids), shards=[Shard(0, 3), Shard(1, 3), Shard(2, 3)])
    assert told["lines"][-2].endswith(
        "(paid again): add --retry-failed to the 'batchgen run' of each one's shard (--shard 2/3)"
    )
    assert told["lines"][-1].endswith(
        "(paid again): add --resubmit-lost to the 'batchgen run' of each one's shard (--shard 0/3)"
    )
    assert _status(jobs, manifest=list(ids))["lines"][-1].endswith("(paid again): add --resubmit-lost")


def test_a_sharded_folders_status_leaves_to_a_live_run_only_its_own_shards_jobs():
    # Shard 0's run holds the folder; shard 2's was killed and shard 1's never started.  Status said "do not
    # start another run on it" and that the run in progress works on every unfinished job: shard 2's wait for
    # a run of shard 2, and shard 1's jobs, never submitted, were not told at all.
    ids = {f"j{k}": shard_of(f"j{k}", 3) for k in range(60)}
    by_shard = {index: [i for i, s in ids.items() if s == index] for index in range(3)}
    jobs = {i: {"state": "submitted"} for i in by_shard[0][:3] + by_shard[2][:2]}
    told = _status(jobs, manifest=list(ids), shards=[Shard(0, 3), Shard(2, 3)], live={"0-of-3": "process 7"})
    assert told["lines"][1] == (
        "  a run (0-of-3 process 7) holds this folder now: these figures are as of the latest ledger lines; do not "
        "start another run on that shard"
    )
    assert told["lines"][-4:] == [
        "  3 not finished: the run in progress works on them",
        "  2 not finished: run the 'batchgen run' of each one's shard (--shard 2/3) again to resume them",
        f"  {len(by_shard[2]) - 2} never submitted, of shards that ran: run the 'batchgen run' of each one's shard "
        "(--shard 2/3) again to send them",
        f"  {len(by_shard[1])} never submitted, of 1 shard not run here yet: run 'batchgen run' for each "
        "(--shard 1/3) to send them",
    ]
    held = _status(jobs, manifest=list(ids), held_by=7)  # one folder held: its run works on every job
    assert held["lines"][-1] == "  5 not finished: the run in progress works on them"
    assert "do not start another run on it" in held["lines"][1]


def test_a_live_shards_jobs_a_re_run_cannot_settle_are_not_counted_among_those_left():
    # Shard 0's run holds the folder; a job of it and one of shard 2's are each a submit no re-run settles.  Only
    # shard 2's is left with no run at work on it: "a plain re-run settles none of the 1 left", not "does not
    # settle 2 of them" (the live run's is its own to settle).
    stuck = {"state": "submitting", "error": {"detail": "no request of ours came after it", "rerun": False}}
    one = {index: next(f"j{k}" for k in range(100) if shard_of(f"j{k}", 3) == index) for index in (0, 2)}
    told = _status({one[0]: stuck, one[2]: stuck}, shards=[Shard(0, 3), Shard(2, 3)], live={"0-of-3": "process 7"})
    assert told["lines"][-2:] == [
        "  1 not finished: the run in progress works on them",
        "  1 not finished: a plain re-run settles none of the 1 left: their reason above says what does",
    ]


def test_the_reasons_an_earlier_run_left_are_said_to_be_recorded_by_the_latest_of_their_lines():
    title = summary.earlier_title(["2026-01-02T03:04:05.678Z", "2026-01-03T00:00:01.000Z", "2026-01-01T00:00:00Z"])
    assert title.endswith("by that run's reason, recorded by 2026-01-03 00:00:01 UTC")
    assert summary.earlier_title([]).endswith("by that run's reason")


def test_a_sharded_folders_status_without_the_manifest_does_not_call_shards_never_run_completed():
    # An object-store folder keeps no manifest: of 3 shards only 1-of-3 had run, and status said "all jobs
    # completed" ("finished": true) of a batch two thirds of which were never sent.
    jobs = {"a": {"state": "completed", "cost": 0.28}, "b": {"state": "completed", "cost": 0.28}}
    told = _status(jobs, shards=[Shard(1, 3)])
    assert told["finished"] is False and "  all jobs completed" not in told["lines"]
    assert told["lines"][-1] == (
        "  2 of 3 shards have no ledger here: not run yet, or no job is theirs; run them (--shard 0/3, --shard 2/3), "
        "or give --manifest FILE to count the manifest's jobs"
    )
    every = _status(jobs, shards=[Shard(0, 2), Shard(1, 2)])
    assert every["finished"] is True and every["lines"][-1] == "  all jobs completed"
    known = _status(jobs, shards=[Shard(1, 3)], manifest=["a", "b"])  # the manifest says which jobs there are
    assert known["finished"] is True and known["lines"][-1] == "  all jobs completed"


def test_jobs_refused_as_sent_are_not_counted_again_among_the_jobs_failed_on_the_server():
    """Two failed, one of them refused as sent (HTTP 400): --retry-failed is offered for the other alone, in the
    summary and in ``status``."""
    report = RunReport(states=Counter({"completed": 8, "failed": 2}), refused=1, submitted=10)
    lines = summary.summary_lines(report, OUT, TEN, resume_command=None, retry_command="R")
    assert sum(line.startswith("1 job was refused by the API as sent") for line in lines) == 1, lines
    assert sum(line.startswith("1 job failed on the server; running again does not retry it.") for line in lines) == 1
    refused = {"state": "failed", "error": {"http": 400, "detail": "prompt is too long"}}
    told = _status({**JOBS, "r": refused})["lines"]
    assert sum(line.startswith("  1 job was refused by the API as sent") for line in told) == 1, told
    assert FAILED_HINT in told


def test_a_job_the_api_made_and_failed_with_a_4xx_is_not_told_as_refused_as_sent_nor_free_to_send_again():
    """A failed job with a request id was made (and may be charged): whatever HTTP status its error names, it is
    no submit "refused as sent, never charged"; only a 4xx to the submit itself (no request id) is, and never a 422."""
    made = {"state": "failed", "request_id": "r-1", "error": {"http": 400, "detail": "the server lost the clip"}}
    assert not refused_as_sent(made)
    assert refused_as_sent({"state": "failed", "error": {"http": 413, "detail": "too large"}})
    assert not refused_as_sent({"state": "failed", "error": {"http": 422, "detail": "ran and failed"}})
    told = _status({**JOBS, "c": made})["lines"]
    assert not any("refused by the API as sent" in line for line in told), told
    assert FAILED_HINT in told


def test_only_a_submit_left_of_unknown_outcome_is_told_a_re_run_cannot_settle():
    """``rerun: false`` in a record's error speaks of a submit of unknown outcome; a job in another state (made,
    failed, deferred) is settled or settled by a re-run whatever its last error carried."""
    stuck = {"state": "submitting", "error": {"detail": "no request of ours after it", "rerun": False}}
    assert rerun_cannot_settle(stuck)
    for state in ("submitted", "failed", "deferred", "completed"):
        assert not rerun_cannot_settle({**stuck, "state": state}), state
    assert not rerun_cannot_settle({**stuck, "error": {"detail": "x", "rerun": True}})


def test_a_reason_is_told_by_its_detail_and_its_http_status_and_by_its_kind_only_without_a_detail():
    assert error_text({"http": 422, "kind": "failed", "detail": "content policy"}) == "HTTP 422: content policy"
    assert error_text({"kind": "timeout", "detail": "no answer in 60 s"}) == "no answer in 60 s"
    assert error_text({"kind": "timeout"}) == "timeout"
    assert error_text({"http": 500}) == "HTTP 500: unknown error"
    assert error_text("plain") == "plain" and error_text(None) is None


def test_a_credit_stop_at_a_balance_of_nothing_says_so():
    report = RunReport(states=Counter({"completed": 2, "deferred": 8}), stop_reason=StopReason.CREDITS, balance=0.0)
    lines = summary.summary_lines(report, OUT, TEN, resume_command="R")
    assert "Stopped submitting: out of credits (balance reported: $0.00); 8 jobs deferred. Top up, then resume." in (
        lines
    )


def test_the_raised_cap_is_said_to_cover_the_submits_of_unknown_outcome_too():
    report = RunReport(states=Counter({"completed": 1, "submitting": 1, "deferred": 8}),
                       stop_reason=StopReason.SPEND_CAP)  # fmt: skip
    lines = summary.summary_lines(report, OUT, TEN, resume_command="R", cap_command="CAP")
    assert (
        lines[-1]
        == "To resume, raise the cap (enough for the 8 deferred jobs and the 1 submit of unknown outcome): CAP"
    )


def test_the_resume_line_says_which_of_the_jobs_left_a_plain_re_run_does_not_settle():
    report = RunReport(states=Counter({"completed": 8, "submitting": 2}), rerun_cannot_settle=1, unsettled=2)
    lines = summary.summary_lines(report, OUT, TEN, resume_command="R")
    assert lines[-1] == "To resume: R (a plain re-run does not settle 1 of them: their reason above says what does)"


def test_status_lists_a_job_held_back_by_its_image_apart_from_the_jobs_a_stop_deferred():
    held = {
        "state": "deferred",
        "event": "image_changed",
        "error": {"detail": "image 'a.png' changed after it was checked"},
    }
    capped = {"state": "deferred", "event": "deferred", "error": {"detail": "the estimated spend would pass the cap"}}
    told = _status({"a": {"state": "completed", "cost": 0.28}, "h": held, "d": capped})
    assert told["left"] == [
        {
            "reason": "image 'a.png' changed after it was checked",
            "count": 1,
            "examples": ["h"],
            "details": {"h": "image 'a.png' changed after it was checked"},
            "recorded": {"h": ""},  # (its line has no time)
        }
    ]
    assert ("  1 deferred (credits ran out or the spend cap was reached): top up, or give a higher --max-spend, "
            "then run again") in told["lines"]  # fmt: skip


def test_the_plan_counts_a_job_in_flight_whose_cost_is_known_once():
    """a, downloading, was charged $0.28 (its ledger line says): with b's $0.28 the cap of $0.56 is met, not
    passed, so nothing is deferred."""
    two = Manifest("m.yaml", [JobSpec(name, "kling-text2video", {"prompt": "p"}) for name in "ab"], [])
    settings = dataclasses.replace(
        _plan_settings(), limits=dataclasses.replace(_plan_settings().limits, max_spend_usd=0.56)
    )
    lines = summary.dry_run_lines(two, settings, Replay({"a": {"state": "downloading", "cost": 0.28}}, 1, False))
    assert not any("note" in line for line in lines), lines


def test_the_raised_cap_names_each_kind_of_job_it_covers_and_calls_none_deferred_that_was_not():
    """The raised cap is reckoned for every job not yet sent or settled (cli/nextstep.py): jobs left pending (a
    submit refused with nothing made) are counted under their own name, beside the deferred ones."""
    report = RunReport(
        states=Counter({"completed": 1, "deferred": 5, "pending": 2, "submitting": 1}),
        stop_reason=StopReason.SPEND_CAP,
        held_back=[("h", "image 'a.png' changed after it was checked")],
    )
    lines = summary.summary_lines(report, OUT, TEN, resume_command="R", cap_command="CAP")
    assert lines[-1] == (
        "To resume, raise the cap (enough for the 4 deferred jobs, the 2 pending (not sent: none was made), the 1 "
        "held back for a reason of its own and the 1 submit of unknown outcome): CAP"
    )


def test_the_progress_says_beside_the_spend_what_the_jobs_may_have_been_charged_with_none_reported():
    at_stake = _snap(unreported=0.84, paused_s=0, stop_reason=None)
    assert ", $1.12 spent (and about $0.84 in charges not yet reported), 120/h" in summary.progress_line(at_stake)
    assert "spend   $1.12 (and about $0.84 in charges not yet reported)" in _panel(at_stake)
    settled = _snap(unreported=0.004, paused_s=0, stop_reason=None)  # nothing, to the cent
    assert ", $1.12 spent, 120/h" in summary.progress_line(settled) and "spend   $1.12" in _panel(settled)
