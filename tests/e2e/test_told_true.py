"""What the operator is told is true in every path: caps, resume lines, balances (issue 23, money and data)."""

from __future__ import annotations

import errno
import json
import os
import shlex
import subprocess
import sys

import pytest

from batchgen.store.ledger import read_ledger
from tests.helpers import (
    KEY,
    assert_transitions_are_legal,
    charges_per_job,
    ledger_events,
    many_jobs_yaml,
    run_batch,
    run_cli,
    write,
)


def _line(printed: str, start: str) -> str:
    return next(line for line in printed.splitlines() if line.startswith(start))


def _resume_words(printed: str) -> list[str]:
    line = next(line for line in printed.splitlines() if line.startswith("To resume"))
    return shlex.split(line.split(": ", 1)[1])


def test_a_cap_from_the_environment_is_kept_and_beats_a_kept_cap(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))  # 8 x $0.28
    out = tmp_path / "out"
    monkeypatch.setenv("BATCHGEN_MAX_SPEND", "1")
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 3
    charged = server.state.total_charged()
    assert 0 < charged <= 1.0
    assert json.loads((out / ".batchgen" / "options.json").read_text())["max_spend"] == 1.0
    # Without the variable, the bare command still holds the cap it was given: nothing more is spent.
    monkeypatch.delenv("BATCHGEN_MAX_SPEND")
    capsys.readouterr()
    assert run_cli("run", str(manifest), "--out", str(out), "--quiet") == 3
    assert server.state.total_charged() == pytest.approx(charged)
    assert "--max-spend" in capsys.readouterr().out
    # The environment beats the kept value (flag > environment > kept > config > default), and is kept.
    monkeypatch.setenv("BATCHGEN_MAX_SPEND", "1.5")
    assert run_cli("run", str(manifest), "--out", str(out), "--quiet") == 3
    assert 1.0 < server.state.total_charged() <= 1.5
    assert json.loads((out / ".batchgen" / "options.json").read_text())["max_spend"] == 1.5
    # The flag beats the environment.
    assert run_cli("run", str(manifest), "--out", str(out), "--quiet", "--max-spend", "1.2") == 3
    assert server.state.total_charged() <= 1.5
    assert json.loads((out / ".batchgen" / "options.json").read_text())["max_spend"] == 1.2


def test_an_unreadable_cap_in_the_environment_is_bad_usage(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BATCHGEN_MAX_SPEND", "ten")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    assert run_cli("run", str(manifest), "--out", str(tmp_path / "out"), "--simulate") == 2
    assert "BATCHGEN_MAX_SPEND must be a number, got 'ten'" in capsys.readouterr().err


def test_at_the_spend_cap_the_resume_line_raises_the_cap_and_completes(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--max-spend", "1", "--concurrency", "2", monkeypatch=monkeypatch) == 3
    printed = capsys.readouterr().out
    assert "The same cap stops here again: raise --max-spend to go on." in printed
    line = _line(printed, "To resume")
    assert line.startswith("To resume, raise the cap (enough for the ")
    words = _resume_words(printed)
    assert float(words[words.index("--max-spend") + 1]) == pytest.approx(6 * 0.28)
    assert "--max-spend 1.68" in json.loads((out / "report.json").read_text())["resume_command"]
    assert run_cli(*words[1:]) == 0  # the printed line resumes, and completes
    assert server.state.total_charged() == pytest.approx(6 * 0.28)


def test_jobs_that_fail_in_flight_leave_their_room_under_the_cap_to_the_jobs_after_them(sim, tmp_path, monkeypatch,
                                                                                        capsys):  # fmt: skip
    # A $1 cap, $0.28 jobs, slots for all, the first two fail on the server.  The fourth job was deferred at
    # once, while the first three still held their estimates, and the rest with it: one video made, $0.72 of
    # the cap unused, and "the same cap stops here again" said of a cap that made two more on the bare re-run.
    server = sim()
    server.state.script("fail", 2)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--max-spend", "1", "--concurrency", "8", monkeypatch=monkeypatch) == 3
    states = [rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()]
    assert sorted(states) == ["completed"] * 3 + ["deferred"] + ["failed"] * 2
    assert server.state.total_charged() == pytest.approx(3 * 0.28)
    assert "The same cap stops here again: raise --max-spend to go on." in capsys.readouterr().out
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 3  # the kept cap: it does
    assert server.state.total_charged() == pytest.approx(3 * 0.28)


def test_at_the_spend_cap_the_resume_line_covers_a_submit_of_unknown_outcome_too(sim, tmp_path, monkeypatch, capsys):
    # The fourth submit falls in an outage with the request history answering 500: it is left 'submitting',
    # and the cap defers the rest.  The next run pays for it first (attached, or sent again once the history
    # shows it was never made), so a cap that covered only the deferred jobs stopped that run again.
    server = sim(history="error", outage_s=30.0, outage_after_submits=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--max-spend", "1.5", "--concurrency", "4", monkeypatch=monkeypatch) == 3
    printed = capsys.readouterr().out
    jobs = read_ledger(out / "ledger.jsonl").jobs
    unknown = sum(1 for rec in jobs.values() if rec["state"] == "submitting")
    deferred = sum(1 for rec in jobs.values() if rec["state"] == "deferred")
    assert unknown and deferred  # the path under test
    line = _line(printed, "To resume")
    assert line.startswith(f"To resume, raise the cap (enough for the {deferred} deferred jobs and the {unknown} ")
    words = _resume_words(printed)
    assert float(words[words.index("--max-spend") + 1]) == pytest.approx(10 * 0.28)
    server.state.config.history = "on"
    assert run_cli(*words[1:]) == 0  # the printed line resumes, and completes
    assert sorted(charges_per_job(server).values()) == [1] * 10


def test_after_failures_the_resume_line_names_retry_failed(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    server.state.script("fail")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    # One job fails, and the cap defers some others: the resume line says what it leaves alone.
    assert run_batch(manifest, out, server, "--max-spend", "0.6", "--concurrency", "1", monkeypatch=monkeypatch) == 3
    printed = capsys.readouterr().out
    assert "1 job failed on the server" in printed
    # After the cap is raised, only the failure is left: the next step names --retry-failed, paid again.
    assert run_batch(manifest, out, server, "--max-spend", "5", monkeypatch=monkeypatch) == 1
    printed = capsys.readouterr().out
    assert "--retry-failed submits it again (paid again)" in printed
    assert json.loads((out / "report.json").read_text())["resume_command"].endswith("--retry-failed")


def test_after_a_stop_at_the_cap_the_retry_failed_line_covers_the_failed_jobs(sim, tmp_path, monkeypatch, capsys):
    # The line for failed jobs named the command with the cap in force, which the run had filled: run as
    # printed, it deferred every job it was meant to retry (exit 3, nothing sent).
    server = sim()
    server.state.script("fail")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--max-spend", "0.6", "--concurrency", "1", monkeypatch=monkeypatch) == 3
    line = _line(capsys.readouterr().out, "1 job failed on the server")
    words = shlex.split(line.split("(paid again): ", 1)[1])
    assert words[-1] == "--retry-failed" and float(words[words.index("--max-spend") + 1]) == pytest.approx(4 * 0.28)
    assert run_cli(*words[1:]) == 0  # the printed line retries it, and makes the deferred ones too
    assert server.state.total_charged() == pytest.approx(4 * 0.28)


def test_the_out_of_credits_summary_quotes_the_latest_balance(sim, tmp_path, monkeypatch, capsys):
    server = sim(credits=3 * 0.28 + 0.05)
    out = tmp_path / "out"
    assert run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(8)), out, server, "--concurrency", "4",
                     monkeypatch=monkeypatch) == 3  # fmt: skip
    printed = capsys.readouterr().out
    quoted = float(printed.split("(balance reported: $", 1)[1].split(")", 1)[0])
    assert quoted == pytest.approx(server.state.available(), abs=0.005)
    assert quoted < 0.28


@pytest.mark.parametrize("config", ["", "api:\n  unreachable_after_s: 20\n", "retry:\n  max_attempts: 1\n"])
def test_a_run_that_never_reached_the_api_exits_6_whatever_the_settings(
    tmp_path, monkeypatch, capsys, refused_port, config
):
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    extra = ["--config", str(write(tmp_path / "c.yaml", config))] if config else []
    code = run_cli("run", str(manifest), "--out", str(out), "--base-url", f"http://127.0.0.1:{refused_port}",
                   "--time-scale", "2000", "--quiet", *extra)  # fmt: skip
    captured = capsys.readouterr()
    assert code == 6, captured
    assert "Error: the API could not be reached for" in captured.err
    assert "failures by reason" not in captured.out and "failed" not in captured.out.split("\n")[0]
    states = {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()}
    assert states <= {"pending", "deferred"}
    assert "To resume: batchgen run" in captured.out


def test_a_submit_of_unknown_outcome_is_counted_as_sent_and_its_settling_is_told_true(
    sim, tmp_path, monkeypatch, capsys
):
    # The fourth submit falls in an outage (503: it may or may not have made a job), and the request
    # history answers 500, so this run cannot settle it: the job is left 'submitting'.
    server = sim(history="error", outage_s=30.0, outage_after_submits=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--concurrency", "4", monkeypatch=monkeypatch)
    printed = capsys.readouterr().out
    jobs = read_ledger(out / "ledger.jsonl").jobs
    unknown = sorted(job_id for job_id, rec in jobs.items() if rec["state"] == "submitting")
    assert unknown, printed  # the path under test: an unknown submit nothing could settle
    assert {rec["state"] for rec in jobs.values()} == {"completed", "submitting"}
    assert code == 6  # nothing failed; the API could not say how the unknown submits stand
    n = len(unknown)
    # Every job this run made, or may have made, counts as submitted now, the ones without a usable answer
    # too: here that is every POST the server received (none was refused, none sent again).
    assert f"  {server.state.submit_requests} submitted now ({n} of them with the outcome unknown)" in printed
    told = _line(printed, f"  {n} submit")
    assert "may have made a job on the server, charged if that job finishes and not counted in the spend" in told
    assert "the next run looks" in told and "up in the request history first" in told
    assert "failures by reason" not in printed  # none failed
    assert "left for a later run, by reason:" in printed
    assert f"To resume: batchgen run {manifest} --out {out}" in printed
    # The next run does what the summary said: it looks the submit up, finds it never made (the outage
    # answered before making anything), and sends it again; every job is paid once.
    server.state.config.history = "on"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    printed = capsys.readouterr().out
    assert f"  {10 - n} already done; {n} submitted now" in printed.splitlines()
    absent = {e["job_id"] for e in ledger_events(out) if e["event"] == "reconciled_absent"}
    assert absent == set(unknown)
    assert server.state.duplicate_submissions() == 0
    assert sorted(charges_per_job(server).values()) == [1] * 10
    assert_transitions_are_legal(out)


def test_the_report_and_status_list_an_unsettled_submit_as_left_for_a_later_run_not_as_a_failure(
    sim, tmp_path, monkeypatch, capsys
):
    # The world of the test above: a submit of unknown outcome the request history (500) cannot settle.
    server = sim(history="error", outage_s=30.0, outage_after_submits=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "4", monkeypatch=monkeypatch) == 6
    capsys.readouterr()
    jobs = read_ledger(out / "ledger.jsonl").jobs
    unknown = sorted(job_id for job_id, rec in jobs.items() if rec["state"] == "submitting")
    assert unknown and {rec["state"] for rec in jobs.values()} == {"completed", "submitting"}
    # The page: nothing failed; the unknown submit is left for a later run, with what that run does of it.
    page = (out / "report.html").read_text()
    assert "Failures by reason" not in page
    left = page.split("<h2>Left for a later run, by reason", 1)[1].split("<h2>", 1)[0]
    assert all(f"<code>{job_id}</code>" in left for job_id in unknown)
    assert "the request history could not be read" in left
    assert "the next run looks" in left and "up in the request history first" in left
    # status and status --json say the same from the ledger alone.
    assert run_cli("status", str(out)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  failures by reason:" not in lines
    assert any(line.startswith("  left for a later run, by reason as last recorded (by ") for line in lines)
    told = next(line for line in lines if line.startswith(f"  {len(unknown)} submit"))
    assert "may have made a job on the server" in told and "the next run looks" in told
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["failures"] == []
    assert sum(group["count"] for group in status["left"]) == len(unknown)
    assert {job_id for group in status["left"] for job_id in group["examples"]} <= set(unknown)


class _DiskFillsUp:
    """``os`` as the ledger sees it, on a disk with ``room`` bytes left: then every write fails with ENOSPC."""

    def __init__(self, room: int) -> None:
        self.room = room

    def write(self, fd: int, data: bytes | memoryview) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return os.write(fd, data)

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)


def test_a_full_disk_is_a_clean_stop_with_exit_7_and_the_resume_completes(sim, tmp_path, monkeypatch, capsys):
    from batchgen.store import ledger as ledger_module

    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(12))
    out = tmp_path / "out"
    monkeypatch.setattr(ledger_module, "os", _DiskFillsUp(room=6000))
    assert run_batch(manifest, out, server, "--concurrency", "3", monkeypatch=monkeypatch) == 7
    captured = capsys.readouterr()
    assert "Error: " in captured.err and "No space left on device" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert "To resume: batchgen run" in captured.out
    assert not [p for p in out.rglob("*") if p.suffix in (".part", ".tmp")]  # nothing partial kept
    assert_transitions_are_legal(out)
    monkeypatch.setattr(ledger_module, "os", os)  # space freed
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    states = {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()}
    assert states == {"completed"}
    assert server.state.duplicate_submissions() == 0


@pytest.mark.slow
def test_a_full_tmpfs_under_simulate_exits_7_and_resumes_without_losing_a_job(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        manifest = write(tmp_path / "m.yaml", many_jobs_yaml(40))
        command = [sys.executable, "-m", "batchgen", "run", str(manifest), "--simulate", "--out", str(disk / "o"),
                   "--quiet"]  # fmt: skip
        first = subprocess.run(command, capture_output=True, text=True, timeout=110)
        assert first.returncode == 7, first.stderr
        assert "Traceback" not in first.stderr and "Error: " in first.stderr
        subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
        second = subprocess.run(command, capture_output=True, text=True, timeout=110)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "40 jobs: 40 completed" in second.stdout
        assert '"event":"lost"' not in (disk / "o" / "ledger.jsonl").read_text()
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_simulated_account_that_cannot_be_saved_exits_7_and_says_what_is_lost(tmp_path, monkeypatch, capsys):
    # every job completed, but the account could not be written: a later --simulate run would not know its jobs
    from batchgen.simulator.state import SimState

    def full(self, path: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SimState, "save", full)
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(2)), tmp_path / "out"
    assert run_cli("run", str(manifest), "--out", str(out), "--simulate", "--time-scale", "2000", "--quiet") == 7
    said = capsys.readouterr().err
    assert f"the simulated account could not be saved in {out / '.batchgen' / 'simulator.json'}" in said
    assert "No space left on device" in said and "--resubmit-lost" in said


def test_shards_sharing_a_simulate_folder_keep_a_simulator_each(tmp_path):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(16))
    out = tmp_path / "out"
    runs = [
        subprocess.Popen([sys.executable, "-m", "batchgen", "run", str(manifest), "--simulate", "--out", str(out),
                          "--shard", f"{i}/2", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(2)
    ]  # fmt: skip
    for run in runs:
        stdout, stderr = run.communicate(timeout=110)
        assert run.returncode == 0, stdout + stderr
        assert "Traceback" not in stderr
    kept = sorted(p.name for p in (out / ".batchgen").glob("simulator*.json"))
    assert kept == ["simulator.0-of-2.json", "simulator.1-of-2.json"]
    assert all(json.loads((out / ".batchgen" / name).read_text())["jobs"] for name in kept)
    # A resume of each shard finds its own simulator: nothing is lost, nothing paid again.
    for i in range(2):
        command = [sys.executable, "-m", "batchgen", "run", str(manifest), "--simulate", "--out", str(out),
                   "--shard", f"{i}/2", "--quiet"]  # fmt: skip
        again = subprocess.run(command, capture_output=True, text=True, timeout=110)
        assert again.returncode == 0 and "already done" in again.stdout, again.stdout + again.stderr


@pytest.mark.parametrize("end", ["completes", "bad usage"])
def test_json_logs_without_a_log_file_are_json_on_every_stream_with_the_outcome(sim, tmp_path, end):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3) if end == "completes" else "jobs: [{prompt: 5}]\n")
    env = {**os.environ, "SEGMIND_API_KEY": KEY}
    done = subprocess.run(
        [sys.executable, "-m", "batchgen", "run", str(manifest), "--out", str(tmp_path / "out"), "--base-url",
         server.url, "--time-scale", "2000", "--log-format", "json"],
        env=env, capture_output=True, text=True, timeout=110,
    )  # fmt: skip
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line on every stream is JSON
    outcome = [r for r in records if r.get("event") == "outcome"]
    assert len(outcome) == 1 and outcome[0]["exit_code"] == done.returncode
    assert json.loads(done.stdout)["event"] == "outcome"
    if end == "completes":
        assert done.returncode == 0 and outcome[0]["states"] == {"completed": 3}
    else:
        assert done.returncode == 2
        assert any(r["message"].startswith("Error: ") for r in records)
    assert KEY not in done.stdout + done.stderr


@pytest.mark.slow
def test_status_of_an_object_store_folder_exits_0_thirty_times_in_a_row(sim, tmp_path, monkeypatch, capsys):
    pytest.importorskip("obstore")
    server = sim()
    out = f"file://{tmp_path / 'bucket'}"
    (tmp_path / "bucket").mkdir()
    assert run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(3)), out, server, monkeypatch=monkeypatch) == 0
    codes, outputs = [], set()
    for _ in range(30):
        done = subprocess.run([sys.executable, "-m", "batchgen", "status", out], capture_output=True, text=True,
                              timeout=60)  # fmt: skip
        codes.append(done.returncode)
        outputs.add(done.stdout)
    assert codes == [0] * 30  # never SIGABRT (134) at interpreter exit
    assert len(outputs) == 1 and "3 jobs in the ledger: 3 completed" in outputs.pop()


PER_SECOND_SPEC = """\
slug: kling-per-second
title: Kling priced by the second
kind: text-to-video
source: {page: https://www.segmind.com/models/kling-per-second/api, read: 2026-12-05}
latency_s: 100
params:
  prompt: {type: string, required: true, max_length: 2500, description: the video}
  duration: {type: enum, values: [3, 5, 10], wire: string, default: 5, send_default: true, description: seconds}
  mode: {type: enum, values: [std, pro], default: std, send_default: true, description: mode}
price:
  source: test fixture
  by: [mode]
  per_second:
    - {mode: std, usd: 0.05}
    - {mode: pro, usd: 0.1}
"""


def test_the_resume_line_of_a_batch_of_a_user_model_names_its_spec_file_and_completes(
    sim, tmp_path, monkeypatch, capsys
):
    # A model given with --models is not kept with the folder: a resume line without the spec file was refused
    # at once ("unknown model"), nothing resumed.
    spec = write(tmp_path / "kling-per-second.yaml", PER_SECOND_SPEC)
    server = sim(extra_specs=(str(spec),))
    manifest = write(
        tmp_path / "m.yaml",
        "model: kling-per-second\nmatrix:\n  name: ps\n  prompt: [a cat, a dog]\n  duration: [3, 10]\n"
        "  mode: [std, pro]\n",
    )  # 2 x (0.15 + 0.5 + 0.3 + 1.0) = $3.90
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--models", str(spec), "--max-spend", "1.5", "--concurrency", "2",
                     monkeypatch=monkeypatch) == 3  # fmt: skip
    words = _resume_words(capsys.readouterr().out)
    assert words[words.index("--models") + 1] == str(spec)
    assert float(words[words.index("--max-spend") + 1]) == pytest.approx(3.9)
    assert f"--models {spec}" in json.loads((out / "report.json").read_text())["resume_command"]
    assert run_cli(*words[1:]) == 0  # the printed line resumes, and completes
    assert sorted(charges_per_job(server).values()) == [1] * 8
    assert server.state.total_charged() == pytest.approx(3.9)


def test_a_run_the_spend_cap_stopped_still_gives_the_reason_of_a_submit_it_could_not_settle(
    sim, tmp_path, monkeypatch, capsys
):
    """The world above, with a cap that defers the last jobs: the stop is told, and so is why the unknown
    submit was left (the deferred jobs' reason is the stop's, said once)."""
    server = sim(history="error", outage_s=30.0, outage_after_submits=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--concurrency", "4", "--max-spend", "1.5", monkeypatch=monkeypatch)
    printed = capsys.readouterr().out
    jobs = read_ledger(out / "ledger.jsonl").jobs
    unknown = sorted(job_id for job_id, rec in jobs.items() if rec["state"] == "submitting")
    assert unknown and any(rec["state"] == "deferred" for rec in jobs.values()), printed
    assert code != 0 and "spend cap" in printed
    reasons = printed.split("left for a later run, by reason:", 1)[1]
    assert "the request history could not be read" in reasons and unknown[0] in reasons


def capped_batch(sim, tmp_path, monkeypatch, capsys, fault: tuple[str, int], retry: str):
    """10 jobs, 4 at a time, a spend cap that defers the last ones, ``fault`` scripted for the first submits and
    ``retry`` (one line of the config's retry section): the exit code, what was printed, the ledger's jobs."""
    server = sim()
    server.state.script(*fault)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    config = write(tmp_path / "c.yaml", f"retry:\n  {retry}\n")
    out = tmp_path / "out"
    code = run_batch(
        manifest, out, server, "--concurrency", "4", "--max-spend", "1.5", "--config", str(config),
        monkeypatch=monkeypatch,
    )  # fmt: skip
    return code, capsys.readouterr().out, read_ledger(out / "ledger.jsonl").jobs


def test_a_run_the_spend_cap_stopped_still_gives_the_reason_of_a_job_its_own_submits_left_pending(
    sim, tmp_path, monkeypatch, capsys
):
    """A submit answered 500 that made nothing, looked up and shown never made, its attempts spent: the job is
    pending again for a reason of its own, and a cap that defers the last jobs does not hide it (only the jobs
    the stop kept from being sent go without)."""
    code, printed, jobs = capped_batch(
        sim, tmp_path, monkeypatch, capsys, ("submit_error_before", 1), "max_attempts: 1"
    )
    assert jobs["job-000"]["state"] == "pending", (jobs["job-000"], printed)
    assert any(rec["state"] == "deferred" for rec in jobs.values()), printed
    assert code != 0 and "spend cap" in printed
    assert "left for a later run, by reason:" in printed, printed
    reasons = printed.split("left for a later run, by reason:", 1)[1]
    assert "ended without an answer" in reasons and "job-000" in reasons, printed


def test_a_resumed_run_stopped_before_it_looked_at_a_job_tells_its_reason_as_the_earlier_runs(
    sim, tmp_path, monkeypatch, capsys
):
    """The world above leaves a submit the request history (500) could not settle; the next run is stopped at
    once (the key refused as it reads the balance) and never looks it up: its summary does not tell the earlier
    run's reason as one it found, but as that run's, with when it was recorded; status says when too."""
    server = sim(history="error", outage_s=30.0, outage_after_submits=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "4", "--max-spend", "1.5", monkeypatch=monkeypatch) == 3
    capsys.readouterr()
    jobs = read_ledger(out / "ledger.jsonl").jobs
    unknown = sorted(job_id for job_id, rec in jobs.items() if rec["state"] == "submitting")
    assert unknown
    written = max(jobs[job_id]["ts"] for job_id in unknown)[:19].replace("T", " ") + " UTC"
    lines_before = (out / "ledger.jsonl").read_text().count("\n")
    server.state.config.api_keys = frozenset({"SG_another0000000"})  # the key is refused from now on
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 4
    printed = capsys.readouterr().out
    assert (out / "ledger.jsonl").read_text().count("\n") == lines_before  # this run wrote nothing of any job
    assert "left for a later run, by reason:" not in printed, printed
    heading = (
        "  left as an earlier run left them (this run recorded nothing new of them), by that run's "
        f"reason, recorded by {written}:"
    )
    assert heading in printed.splitlines(), printed
    assert "the request history could not be read" in printed.split(heading, 1)[1] and unknown[0] in printed
    page = (out / "report.html").read_text()  # the page, made from the ledger, says whose word the reason is
    left = page.split("<h2>Left for a later run, by reason", 1)[1].split("<h2>", 1)[0]
    assert "Each reason is as the run that found it recorded it" in left and f"recorded at {written}." in left
    assert run_cli("status", str(out)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"  left for a later run, by reason as last recorded (by {written}):" in lines, lines
    assert run_cli("status", str(out), "--json") == 0
    left = json.loads(capsys.readouterr().out)["left"]
    assert {job_id: group["recorded"][job_id] for group in left for job_id in group["examples"]} == {
        job_id: jobs[job_id]["ts"] for job_id in unknown
    }


def test_a_submit_refused_for_its_content_type_stops_the_run_with_the_truth_and_the_resume_pays_once(
    sim, tmp_path, monkeypatch, capsys
):
    """The fourth submit is answered 406 "Invalid content type" (the simulator's content_type fault): the run
    stops at once, exit 1 as README documents for it; the job is named with its reason (left for a later run,
    not failed), the error says what to do, and what was paid is kept: the next run completes every job, each
    paid once."""
    server = sim()
    server.state.script("content_type", after=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "3", monkeypatch=monkeypatch) == 1
    printed = capsys.readouterr()
    jobs = read_ledger(out / "ledger.jsonl").jobs
    # (a submit whose POST was in flight when the run stopped may be left 'submitting' too, its outcome unknown)
    refused = [
        job_id for job_id, rec in jobs.items() if rec["state"] == "submitting" and "406" in str(rec.get("error"))
    ]
    assert len(refused) == 1 and "failed" not in {rec["state"] for rec in jobs.values()}
    error = next(line for line in printed.err.splitlines() if line.startswith("Error: "))
    assert f"job {refused[0]}" in error and "HTTP 406: Invalid content type" in error, error
    assert "report it" in error and "nothing paid is lost" in error and "run the same command again" in error.lower()
    assert "failures by reason" not in printed.out
    reasons = printed.out.split("left for a later run, by reason:", 1)[1]
    assert "HTTP 406" in reasons and refused[0] in reasons, printed.out
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    group = next(group for group in status["left"] if "HTTP 406" in group["reason"])
    assert refused[0] in group["details"]
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert sorted(charges_per_job(server).values()) == [1] * 6 and server.state.duplicate_submissions() == 0
    assert_transitions_are_legal(out)


def test_a_run_the_spend_cap_stopped_still_gives_the_reason_of_jobs_a_429_past_the_deadline_left_pending(
    sim, tmp_path, monkeypatch, capsys
):
    """The first submits are answered 429 past the retry deadline: nothing was made, and those jobs are pending
    again for a reason of their own, which a cap that defers the last jobs does not hide."""
    code, printed, jobs = capped_batch(sim, tmp_path, monkeypatch, capsys, ("rate_limit", 3), "deadline_s: 0.5")
    pending = sorted(job_id for job_id, rec in jobs.items() if rec["state"] == "pending")
    assert pending and any(rec["state"] == "deferred" for rec in jobs.values()), printed
    assert code == 3 and "spend cap" in printed
    reasons = printed.split("left for a later run, by reason:", 1)[1].split("Stopped submitting", 1)[0]
    assert f"{len(pending)} x HTTP 429: rate_limit_exceeded" in reasons and pending[0] in reasons, printed


def test_rows_a_stop_deferred_and_then_removed_from_the_manifest_are_not_told_as_what_a_re_run_sends(
    sim, tmp_path, monkeypatch, capsys
):
    # The next run's report listed them under "a re-run with credits, or a higher --max-spend, submits them",
    # though no run sends a job whose row is gone; status said nothing of them but "counted in the spend alone".
    from batchgen.report.html import DEFERRED_TITLE, OUTSIDE_TITLE

    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))  # 4 x $0.28
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--max-spend", "0.6", monkeypatch=monkeypatch) == 3
    deferred = {job_id for job_id, rec in read_ledger(out / "ledger.jsonl").jobs.items() if rec["state"] == "deferred"}
    assert len(deferred) == 2
    kept = [f'  - id: job-{i:03d}\n    prompt: "scene number {i}"' for i in range(4) if f"job-{i:03d}" not in deferred]
    write(manifest, "model: kling-text2video\njobs:\n" + "\n".join(kept) + "\n")
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    for page in ((out / "report.html").read_text(), None):
        if page is None:  # 'batchgen report' alone, from the manifest kept with the folder
            assert run_cli("report", str(out)) == 0
            page = (out / "report.html").read_text()
        assert DEFERRED_TITLE not in page and "re-run resumes" not in page
        assert OUTSIDE_TITLE in page and all(f"<code>{i}</code>" in page for i in deferred)
        assert "Exit code 0" in page
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["finished"] and status["outside_manifest"] == 2
    assert "2 of them left unsent (2 deferred): a run of this manifest does not send them" in status["lines"][1]
    assert not any("then run again" in line for line in status["lines"])
    assert len(server.state.submissions) == 2
