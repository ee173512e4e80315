"""Crash safety and resume: kills, interrupts, ambiguous submits, expiry, locks, a full disk."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from batchgen.api.answers import output_of
from batchgen.engine.submitter import Submitter
from batchgen.errors import LockHeld
from batchgen.store.ledger import read_ledger
from batchgen.store.local import OutputDir
from batchgen.store.mp4 import mp4_problem
from tests.helpers import (
    KEY,
    assert_transitions_are_legal,
    charges_per_job,
    interrupt,
    ledger_events,
    many_jobs_yaml,
    poll_until,
    run_batch,
    run_cli,
    spawn,
    wait_for,
    write,
)


def assert_every_job_completed(out: Path, count: int) -> None:
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert len(jobs) == count
    assert {rec["state"] for rec in jobs.values()} == {"completed"}
    for rec in jobs.values():
        assert mp4_problem(out / rec["file"]) is None
    videos = sorted(p.name for p in (out / "videos").iterdir() if p.suffix == ".mp4")
    assert len(videos) == count


@pytest.mark.slow
def test_random_sigkills_never_pay_twice_or_lose_a_video(sim, tmp_path):
    # Submits are answered 0.15 s after the job is created, so a kill can land while a POST is in flight.
    server = sim(time_scale=100, latency_scale=0.3, workers=8, seed=11, submit_answer_delay_s=0.15)
    jobs = 40
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(jobs))
    out = tmp_path / "out"
    rng = random.Random(1234)
    kills = posts_in_flight = 0
    finished = False
    while kills < 20 and not finished:
        size = ledger_size(out)
        submitted = len(server.state.submissions)
        proc = spawn(manifest, out, server, "--concurrency", "4")
        # Kill only a run that is doing something: it has written to the ledger or sent a submit since the last kill.
        progressed = poll_until(
            lambda proc=proc, size=size, submitted=submitted: (
                proc.poll() is not None or ledger_size(out) > size or len(server.state.submissions) > submitted
            )
        )
        phase = rng.choice(("submit", "poll", "download"))
        if phase == "submit":  # inside a POST: the job exists on the server, its answer has not arrived
            poll_until(lambda proc=proc: proc.poll() is not None or server.state.submits_in_flight > 0, timeout=3.0)
        elif phase == "download":  # between a result and its 'completed' line
            seen = len(ledger_events(out))
            poll_until(lambda proc=proc, n=seen: proc.poll() is not None or _new_results(out, n), timeout=3.0)
        else:
            poll_until(lambda proc=proc: proc.poll() is not None, timeout=rng.uniform(0.0, 0.3))
        if proc.poll() is None and progressed:
            in_flight = server.state.submits_in_flight > 0
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            posts_in_flight += in_flight
        else:
            proc.wait()
            finished = proc.returncode == 0
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    final = spawn(manifest, out, server, "--concurrency", "4")
    _, stderr = final.communicate(timeout=120)
    assert final.returncode == 0, stderr.decode()
    assert_every_job_completed(out, jobs)
    assert_transitions_are_legal(out)
    assert not list((out / ".partial").iterdir())
    per_job = charges_per_job(server)
    assert len(per_job) == jobs and set(per_job.values()) == {1}, per_job  # nobody paid twice
    settled = sum(1 for e in ledger_events(out) if e["event"] in ("reconciled", "reconciled_absent"))
    print(f"\n{kills} kills, {posts_in_flight} with a POST in flight; {len(server.state.submissions)} submissions "
          f"for {jobs} jobs; {settled} unknown submits settled through the history; "
          f"{server.state.duplicate_submissions()} duplicate submissions")  # fmt: skip
    assert kills >= 12
    assert posts_in_flight > 0 and settled > 0
    assert server.state.duplicate_submissions() == 0


def ledger_size(out: Path) -> int:
    try:
        return (out / "ledger.jsonl").stat().st_size
    except FileNotFoundError:
        return 0


def _new_results(out: Path, skip: int) -> bool:
    return any(e["event"] == "result" for e in ledger_events(out)[skip:])


def test_ambiguous_submits_are_reconciled_not_paid_twice(sim, tmp_path, monkeypatch):
    server = sim(seed=3, rates={"submit_error_after": 0.3, "submit_drop_after": 0.1, "submit_error_before": 0.1})
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(20))
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, monkeypatch=monkeypatch)
    assert code == 0
    assert_every_job_completed(out, 20)
    assert_transitions_are_legal(out)
    assert set(charges_per_job(server).values()) == {1}
    assert server.state.duplicate_submissions() == 0
    events = Counter(e["event"] for e in ledger_events(out))
    assert events["submit_unknown"] >= 3 and events["reconciled"] >= 3


def test_sigterm_stops_cleanly_and_the_rerun_resumes(sim, tmp_path):
    server = sim(time_scale=100, latency_scale=0.1, seed=5)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(12))
    out = tmp_path / "out"
    code, _, stderr = interrupt(manifest, out, server, signal.SIGTERM, after_submitted=4, concurrency=4)
    assert code == 130, stderr
    states = Counter(rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values())
    assert states["submitted"] >= 1 and "deferred" not in states
    # Nothing partial anywhere: no temporary download left, and every video is a completed job's.
    assert not (out / ".partial").exists() or not list((out / ".partial").iterdir())
    completed = {rec["file"] for rec in read_ledger(out / "ledger.jsonl").jobs.values() if rec["state"] == "completed"}
    videos = {f"videos/{p.name}" for p in (out / "videos").glob("*.mp4")} if (out / "videos").exists() else set()
    assert videos == completed
    assert all(mp4_problem(out / name) is None for name in videos)
    submitted_before = len(server.state.submissions)
    final = spawn(manifest, out, server, "--concurrency", "4")
    _, stderr = final.communicate(timeout=120)
    assert final.returncode == 0, stderr.decode()
    assert_every_job_completed(out, 12)
    assert server.state.duplicate_submissions() == 0
    assert len(server.state.submissions) == 12 >= submitted_before


def test_a_second_run_on_the_same_folder_exits_5_naming_the_holder(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    holder = OutputDir(tmp_path / "out")
    holder.prepare()
    holder.lock()
    try:
        assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 5
    finally:
        holder.unlock()
    assert f"process {os.getpid()}" in capsys.readouterr().err
    assert server.state.submissions == []


def test_a_lock_left_by_a_killed_run_is_taken_over(sim, tmp_path, monkeypatch):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    out.mkdir()
    # A process takes the folder's lock the way a run does, and is killed while holding it.
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from batchgen.store.local import OutputDir; import sys, time; "
         f"d = OutputDir({str(out)!r}); d.lock(); print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with pytest.raises(LockHeld):  # it really holds the lock while it lives
        OutputDir(out).lock()
    holder.kill()
    holder.wait()
    holder.stdout.close()
    assert (out / ".lock").read_text().strip() == str(holder.pid)  # its pid is still in the file
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 2


@pytest.mark.parametrize("ids", ["same", "bare"])  # the history spells ids as submits do, or without dashes
def test_expired_record_is_recovered_from_the_history(sim, tmp_path, monkeypatch, ids):
    import httpx

    server = sim(time_scale=2000, expiry_s=400.0, history_ids=ids)
    manifest = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n  - id: late\n    prompt: late\n")
    submitted = httpx.post(f"{server.url}/v2/kling-text2video", json={"prompt": "late"}, headers={"x-api-key": KEY})
    rid = submitted.json()["request_id"]
    out = tmp_path / "out"
    out.mkdir()
    line = {"v": 1, "ts": "2026-01-01T00:00:00.000Z", "job_id": "late", "event": "submitted", "state": "submitted",
            "model": "kling-text2video", "request_id": rid}  # fmt: skip
    (out / "ledger.jsonl").write_text(json.dumps(line) + "\n")
    wait_for(lambda: server.state.live_job(rid) is None)  # the record has expired
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    rec = read_ledger(out / "ledger.jsonl").jobs["late"]
    assert rec["state"] == "completed" and rec["request_id"] == rid
    assert len(server.state.submissions) == 1  # recovered, not resubmitted


def _sent_by_an_earlier_run(server, out: Path, job_id: str, prompt: str, *, fetch_failed: bool = False) -> str:
    """A job an earlier run sent (its 'submitting' and 'submitted' lines), as a run killed after its POST;
    ``fetch_failed``: and whose video that run failed to fetch (left 'downloading')."""
    import httpx

    answer = httpx.post(f"{server.url}/v2/kling-text2video", json={"prompt": prompt}, headers={"x-api-key": KEY})
    rid = answer.json()["request_id"]
    out.mkdir()
    lines = [
        {"v": 1, "ts": "2026-01-01T00:00:00.000Z", "job_id": job_id, "event": "submitting", "state": "submitting",
         "model": "kling-text2video", "params": {"prompt": prompt}},
        {"v": 1, "ts": "2026-01-01T00:00:00.001Z", "job_id": job_id, "event": "submitted", "state": "submitted",
         "model": "kling-text2video", "request_id": rid},
    ]  # fmt: skip
    if fetch_failed:  # its result read (the job done), its download cut off
        result = f"{server.url}/v2/requests/{rid}"
        wait_for(lambda: httpx.get(result, headers={"x-api-key": KEY}).json().get("status") == "COMPLETED")
        url, _ = output_of(httpx.get(result, headers={"x-api-key": KEY}).json())
        lines += [
            {"v": 1, "ts": "2026-01-01T00:00:00.002Z", "job_id": job_id, "event": "result", "state": "downloading",
             "output_url": url, "cost": 0.28},
            {"v": 1, "ts": "2026-01-01T00:00:00.003Z", "job_id": job_id, "event": "download_failed",
             "state": "downloading", "output_url": url, "error": {"detail": "the download was cut off"}},
        ]  # fmt: skip
    (out / "ledger.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return rid


@pytest.mark.parametrize("fetch_failed", [False, True])
def test_a_job_in_flight_whose_row_was_removed_is_fetched_not_left_paid_for_and_lost(
    sim, tmp_path, monkeypatch, capsys, fetch_failed
):
    # A run was stopped with 'gone' in flight, and its row taken out of the manifest: the next run went by the
    # manifest alone, never fetched the video the API made and charged, and exited 0 with status saying
    # "all jobs completed" and the job "counted in the spend", where its cost was not.  So too for a job whose
    # video that run failed to fetch.
    server = sim()
    out = tmp_path / "out"
    rid = _sent_by_an_earlier_run(server, out, "gone", "a row since removed", fetch_failed=fetch_failed)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    assert run_cli("status", str(out), "--manifest", str(manifest), "--json") == 0
    assert json.loads(capsys.readouterr().out)["lines"][1] == (
        "  1 more job in the ledger not in the manifest (rows removed, or another manifest's): counted in the "
        "spend alone; 1 of them in flight, whose videos the next run fetches (charged once made)"
    )
    assert run_cli("run", str(manifest), "--out", str(out), "--dry-run") == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "  note: 1 job(s) in flight have no row in the manifest any more (gone): the run fetches their videos "
        "(charged once made), never making them again"
    )
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert "1 job(s) in flight have no row in" in capsys.readouterr().err
    rec = read_ledger(out / "ledger.jsonl").jobs["gone"]
    assert rec["state"] == "completed" and rec["request_id"] == rid
    assert mp4_problem(out / rec["file"]) is None
    assert len(server.state.submissions) == 3 and server.state.total_charged() == pytest.approx(3 * 0.28)
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["spend_usd"] == pytest.approx(3 * 0.28) and status["finished"] is True


def test_a_job_in_flight_whose_row_was_removed_is_never_made_again_even_with_resubmit_lost(sim, tmp_path, monkeypatch):
    server = sim(time_scale=5000)
    server.state.script("stall")  # its record expires: the video can never be had
    out = tmp_path / "out"
    _sent_by_an_earlier_run(server, out, "gone", "a row since removed")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    assert run_batch(manifest, out, server, "--resubmit-lost", monkeypatch=monkeypatch) == 1
    assert read_ledger(out / "ledger.jsonl").jobs["gone"]["state"] == "expired"
    assert [body["prompt"] for _, _, body in server.state.submissions] == ["a row since removed", "scene number 0"]


def test_a_stalled_job_expires_with_a_clear_message(sim, tmp_path, monkeypatch, capsys):
    server = sim(time_scale=5000)
    server.state.script("stall")
    manifest = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n  - id: stuck\n    prompt: x\n")
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 1
    rec = read_ledger(tmp_path / "out" / "ledger.jsonl").jobs["stuck"]
    assert rec["state"] == "expired" and "--resubmit-lost" in rec["error"]["detail"]
    polls = [t for t, route, _ in server.state.log if route in ("/v2/requests/{rid}/status", "/v2/requests/{rid}")]
    job = server.state.jobs[rec["request_id"]]
    assert polls and min(polls) < job.submitted + 3600 - 600  # polled well before expiry
    assert server.state.total_charged() == 0
    capsys.readouterr()
    assert run_batch(manifest, tmp_path / "out", server, "--resubmit-lost", monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 2


def test_resubmit_lost_makes_a_job_anew_once_in_a_run_however_often_it_is_lost(sim, tmp_path, monkeypatch):
    # Every attempt stalls until its record expires: --resubmit-lost made it anew each time, paid again and again
    # while the run lasted.  Once in a run; the next run given the flag makes it once more.
    server = sim(time_scale=5000)
    server.state.script("stall", 3)
    manifest = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n  - id: stuck\n    prompt: x\n")
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--resubmit-lost", monkeypatch=monkeypatch) == 1
    assert len(server.state.submissions) == 2
    rec = read_ledger(out / "ledger.jsonl").jobs["stuck"]
    assert rec["state"] == "expired" and rec["error"]["detail"].startswith("lost again after this run made it anew")
    assert run_batch(manifest, out, server, "--resubmit-lost", monkeypatch=monkeypatch) == 0  # the third stalls
    assert len(server.state.submissions) == 4  # made once more, lost, made anew once, and done


def test_a_job_lost_after_a_credit_stop_is_left_expired_not_made_anew_even_with_resubmit_lost(
    sim, tmp_path, monkeypatch, capsys
):
    # The first job stalls until its record expires; the second's submit finds the account out of credits and
    # stops the run.  The lost job is not made anew once the run has stopped submitting: left expired with the
    # word why (not 'deferred', as if a stop had kept it from being sent), for a run with --resubmit-lost.
    server = sim(time_scale=2000, credits=0.3)
    server.state.script("stall")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--resubmit-lost", "--concurrency", "2", monkeypatch=monkeypatch) == 3
    states = {job_id: rec["state"] for job_id, rec in read_ledger(out / "ledger.jsonl").jobs.items()}
    assert sorted(states.values()) == ["deferred", "expired"], states
    assert len(server.state.submissions) == 1
    assert "1 jobs deferred" in capsys.readouterr().out


def test_a_lost_video_is_fetched_again_without_resubmitting(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    victim = sorted((out / "videos").glob("*.mp4"))[0]
    victim.unlink()
    other = sorted((out / "videos").glob("*.mp4"))[1]
    other.write_bytes(other.read_bytes()[:100])  # damaged
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert_every_job_completed(out, 3)
    assert len(server.state.submissions) == 3
    # the summary accounts for every job: the two fetched again are neither "already done" nor submitted
    assert "  1 already done; 2 fetched again (not paid again); 0 submitted now" in capsys.readouterr().out


def test_a_same_size_tampered_video_is_caught_by_verify_files(sim, tmp_path, monkeypatch):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    video = sorted((out / "videos").glob("*.mp4"))[0]
    stat = video.stat()
    data = bytearray(video.read_bytes())
    data[-1] ^= 0xFF  # same size; then restore the mtime so only a re-hash can tell
    video.write_bytes(bytes(data))
    os.utime(video, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    downloads = server.state.counters["/generations/{fid}.mp4"]
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert server.state.counters["/generations/{fid}.mp4"] == downloads  # the quick check trusts it
    assert run_batch(manifest, out, server, "--verify-files", monkeypatch=monkeypatch) == 0
    assert server.state.counters["/generations/{fid}.mp4"] == downloads + 1  # re-hashed, found, fetched again
    assert_every_job_completed(out, 2)
    assert len(server.state.submissions) == 2


def test_a_torn_ledger_tail_is_tolerated_on_resume(sim, tmp_path, monkeypatch):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    with open(out / "ledger.jsonl", "ab") as fh:
        fh.write(b'{"v":1,"ts":"2026-11-21T00:00:00Z","job_id":"job-000","event":"comp')
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 3
    assert read_ledger(out / "ledger.jsonl").torn_tail is False


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_a_clear_error_and_the_run_resumes(sim, small_disk, monkeypatch, capsys):
    server = sim()
    manifest = write(small_disk.parent / "m.yaml", many_jobs_yaml(12))
    out = small_disk / "out"
    code = run_batch(manifest, out, server, "--concurrency", "12", monkeypatch=monkeypatch)
    assert code == 7  # the output could not be written (DESIGN: exit 7)
    assert "full" in capsys.readouterr().err
    for video in (out / "videos").glob("*.mp4"):
        assert mp4_problem(video) is None  # nothing partial in videos/
    read_ledger(out / "ledger.jsonl")  # still readable
    subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert_every_job_completed(out, 12)
    assert server.state.duplicate_submissions() == 0


def interrupt_simulated(manifest: Path, out: Path) -> None:
    """A ``--simulate`` run stopped by Ctrl-C once 3 jobs are submitted."""
    argv = [sys.executable, "-m", "batchgen", "run", str(manifest), "--out", str(out), "--simulate",
            "--time-scale", "100", "--concurrency", "3", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: sum(e["state"] == "submitted" for e in ledger_events(out)) >= 3)
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, stdout


def test_an_interrupted_simulated_run_resumes_to_exit_0(tmp_path, capsys):
    from tests.helpers import (
        assert_transitions_are_legal,
        ledger_events,
        many_jobs_yaml,
        write,
    )

    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    interrupt_simulated(manifest, out)
    assert (out / ".batchgen" / "simulator.json").exists()
    # The bare command: the simulator and its account are taken up again with the folder.
    assert run_cli("run", str(manifest), "--out", str(out)) == 0
    printed = capsys.readouterr()
    assert "expired" not in printed.out + printed.err and "6 jobs: 6 completed" in printed.out
    assert_every_job_completed(out, 6)
    assert_transitions_are_legal(out)
    assert not [e for e in ledger_events(out) if e["state"] == "expired"]


def test_a_simulated_run_whose_simulator_was_lost_says_so_and_blames_no_expiry(tmp_path, capsys):
    from tests.helpers import (
        many_jobs_yaml,
        write,
    )

    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    interrupt_simulated(manifest, out)
    (out / ".batchgen" / "simulator.json").unlink()  # as if the run had been killed outright
    assert run_cli("run", str(manifest), "--out", str(out)) == 1
    captured = capsys.readouterr()
    assert "no saved simulator" in captured.err and "--resubmit-lost" in captured.err
    lost = [rec for rec in read_ledger(out / "ledger.jsonl").jobs.values() if rec["state"] == "expired"]
    assert lost
    for rec in lost:
        detail = rec["error"]["detail"]
        assert "sooner than its record should expire" in detail and "records last 1 hour" not in detail
    assert run_cli("run", str(manifest), "--out", str(out), "--resubmit-lost") == 0
    assert_every_job_completed(out, 6)


def test_a_killed_simulated_run_resumes_from_the_simulators_autosave(tmp_path, capsys):
    from tests.helpers import (
        ledger_events,
        many_jobs_yaml,
        wait_for,
        write,
    )

    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    state = out / ".batchgen" / "simulator.json"
    argv = [sys.executable, "-m", "batchgen", "run", str(manifest), "--out", str(out), "--simulate",
            "--time-scale", "100", "--concurrency", "3", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def autosaved() -> bool:
        submitted = {e["request_id"] for e in ledger_events(out) if e["state"] == "submitted"}
        try:
            known = {job["request_id"] for job in json.loads(state.read_text())["jobs"]}
        except (OSError, ValueError):
            return False
        return len(submitted) >= 3 and submitted <= known

    wait_for(autosaved)
    proc.kill()
    proc.wait(timeout=30)
    assert run_cli("run", str(manifest), "--out", str(out)) == 0
    assert "expired" not in capsys.readouterr().out
    assert_every_job_completed(out, 6)


def test_a_submit_left_unknown_holding_the_only_slot_is_settled_by_the_next_run_with_the_jobs_after_it(
    sim, tmp_path, monkeypatch
):
    # The API goes down at the first submit and stays down past the run's bound: job-000 is left
    # 'submitting' (its POST may have been received), the rest unsent.  The next run, one job at a time,
    # must look it up with the history lagging: only a request sent after it can show the history caught
    # up, so while it is looked up its slot goes to the jobs after it.  Held by it, nothing was sent, the
    # look-up gave up, and it was left for a later run, every run.
    server = sim(seed=6, outage_s=100_000.0, outage_after_submits=0, history_lag_s=100.0)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 6
    assert read_ledger(out / "ledger.jsonl").jobs["job-000"]["state"] == "submitting"
    server.state.config.outage_s = 0.0
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert [e["event"] for e in ledger_events(out) if e["job_id"] == "job-000"].count("reconciled_absent") == 1
    assert set(charges_per_job(server).values()) == {1} and len(server.state.submissions) == 3


def test_a_request_sent_after_a_lost_submit_and_since_completed_settles_it_in_a_re_run(sim, tmp_path, monkeypatch):
    # job-001's POST is answered 502 before anything is made, while the request history answers 500: the run
    # cannot look it up.  job-002, sent after it, completes; the run is interrupted while job-000 (sent
    # first) still runs.  With the history back, the re-run sees job-000 listed unfinished (the history lists
    # requests as they are made) and takes job-002's POST time from the ledger: sent after the lost submit
    # and listed, it shows the history caught up, so job-001 (not listed: never made) is sent again.  The
    # ledger's view of job-002 had lost that time once its 'completed' line came: the re-run said "no
    # request of ours was sent after it" and left job-001 'submitting', every run.
    server = sim(seed=6, history="error", expiry_s=100_000.0)
    server.state.script("stall")  # job-000 runs until it is let finish below
    server.state.script("submit_error_before", after=1)  # job-001: not made
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3, model="kling-2.6"))
    out = tmp_path / "out"
    proc = spawn(manifest, out, server, "--concurrency", "2")
    wait_for(lambda: any(e["job_id"] == "job-002" and e["state"] == "completed" for e in ledger_events(out)))
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 130
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert [jobs[f"job-{i:03d}"]["state"] for i in range(3)] == ["submitted", "submitting", "completed"]
    server.state.config.history = "on"
    lines = len(ledger_events(out))
    proc = spawn(manifest, out, server, "--concurrency", "2")
    wait_for(
        lambda: any(
            e["job_id"] == "job-001" and e["event"] in ("completed", "settle_later") for e in ledger_events(out)[lines:]
        )
    )
    stalled = server.state.jobs[jobs["job-000"]["request_id"]]
    stalled.finish = server.state.clock.now()  # job-000 finishes now
    said = proc.communicate(timeout=30)[0].decode()
    assert proc.returncode == 0, said
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert [e["event"] for e in ledger_events(out) if e["job_id"] == "job-001"].count("reconciled_absent") == 1
    assert set(charges_per_job(server).values()) == {1} and len(server.state.submissions) == 3  # each made once


def test_a_failed_jobs_lost_retry_is_never_taken_for_its_earlier_failed_request(sim, tmp_path, monkeypatch):
    # job-000 failed on the server.  Its --retry-failed submit is answered 502 before anything is made, while
    # the request history answers 500: it is left submitting, and its ledger record names no request (a new
    # attempt).  The re-run looked it up and took the earlier failed request, of the same body and known to
    # the ledger as job-000's own, for the lost one: "job-000 failed", the retry never made, none sent again.
    server = sim(seed=6)
    server.state.script("fail")  # job-000's first request fails
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2, model="kling-2.6"))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 1
    (failed,) = [e["request_id"] for e in ledger_events(out) if e["event"] == "failed"]
    server.state.config.history = "error"
    server.state.script("submit_error_before")  # the retry: not made
    assert run_batch(manifest, out, server, "--retry-failed", monkeypatch=monkeypatch) == 6
    server.state.config.history = "on"
    write(tmp_path / "m.yaml", many_jobs_yaml(3, model="kling-2.6"))  # a row added: in flight, it settles the lost
    assert run_batch(manifest, out, server, "--retry-failed", monkeypatch=monkeypatch) == 0
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert {rec["state"] for rec in jobs.values()} == {"completed"} and jobs["job-000"]["request_id"] != failed
    assert len(server.state.submissions) == 4  # job-000 twice (failed, then made anew once), the others once
    assert set(charges_per_job(server).values()) == {1}


def _lost_then_titled(sim, tmp_path, monkeypatch, script: str, jobs: list[str]):
    """job-000's POST is answered 502 (``script``: before anything is made, or after), while the request history
    answers 500; the jobs after it complete.  Then the history answers, listing requests under their model's
    title (``Kling 2.6``): a look-up asking by the slug is shown none of them.  Returns the server, the manifest
    and the output folder.  Time runs 200-fold: a row added must be seen listed before it finishes (3 minutes),
    which at 2000-fold is 90 ms, and a loaded machine's look-ups come later than that."""
    server = sim(seed=6, history="error", history_model_names="titled", time_scale=200)
    server.state.script(script)
    manifest = write(tmp_path / "m.yaml", "jobs:\n" + "".join(
        f'  - {{id: job-{i:03d}, model: {model}, prompt: "scene number {i}"}}\n' for i, model in enumerate(jobs)
    ))  # fmt: skip
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 6
    server.state.config.history = "on"
    return server, manifest, out


def test_a_lost_submit_paid_for_is_found_by_a_re_run_in_a_history_that_lists_its_model_under_a_title(
    sim, tmp_path, monkeypatch
):
    # job-000 was made (and charged).  The re-run, with nothing to send, had seen no row of kling-2.6 listed, so
    # it looked under the slug, found nothing, and said so every run: the paid video was never fetched.  Its
    # model's name not known, the look-up now reads every model's rows, and the title is no bar.
    server, manifest, out = _lost_then_titled(sim, tmp_path, monkeypatch, "submit_error_after", ["kling-2.6"] * 2)
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert set(charges_per_job(server).values()) == {1} and len(server.state.submissions) == 2  # job-000 not sent again


@pytest.mark.parametrize("after", ["kling-2.6", "kling-text2video"])
def test_a_lost_submit_a_re_run_cannot_settle_is_told_what_settles_it_not_promised_to_a_re_run(
    sim, tmp_path, monkeypatch, capsys, after
):
    # job-000 was not made; job-001, sent after it, of its model or another, completed.  A re-run with nothing
    # to send or watch reads every model's rows (kling-2.6's name is not known): job-001 is listed, after it,
    # but finished, and a history not seen to list a request before it finished may list a later, shorter
    # one first.  Only a request in flight can show that, so the same command does not settle job-000. The
    # re-run said "no request of ours was sent after it" (one was), or, knowing job-001's POST time, "Run
    # again later"; and where job-001 was of another model, that the name kling-2.6 is listed under is unknown.
    server, manifest, out = _lost_then_titled(sim, tmp_path, monkeypatch, "submit_error_before", ["kling-2.6", after])
    capsys.readouterr()
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 6
    said = " ".join((lambda t: t.out + t.err)(capsys.readouterr()).split())
    assert "no request of ours was sent after it" not in said and "Run again later" not in said
    assert "this run has not seen it list a request of ours before it finished" in said
    assert "No job is left to send" in said and "of kling-2.6, so the name" not in said
    assert "A plain re-run settles none of the 1 left: their reason above says what does" in said
    # a job sent after it settles it (as below): the ledger does not mark it as one no send settles (`status`)
    left = [rec["error"] for rec in read_ledger(out / "ledger.jsonl").jobs.values() if rec["state"] == "submitting"]
    assert len(left) == 1 and left[0].get("rerun") is False and "send_settles" not in left[0]
    # A row added to the manifest is a request in flight: the history lists it, and job-000 is settled
    with manifest.open("a") as rows:
        rows.write('  - {id: job-002, model: kling-2.6, prompt: "scene number 2"}\n')
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert set(charges_per_job(server).values()) == {1} and len(server.state.submissions) == 3  # each made once


@pytest.mark.parametrize("names", ["slug", "titled"])
@pytest.mark.parametrize("rows", [1, 2])
def test_a_lost_submit_a_history_listing_only_finished_requests_cannot_show_is_not_promised_to_an_added_row(
    sim, tmp_path, monkeypatch, capsys, rows, names
):
    # As above, in a history that lists a request only once it has finished, with a request of ours sent after
    # the lost submit (2 rows) or none (1): one sent after it may finish, and be listed, before it, so no
    # listing shows the history caught up with it (the lag a run trusts is its own requests', and a row added
    # gives too few).  Told to add a row, the operator added one: paid for, and job-000 was still left.  So
    # too where the history lists requests under their model's title, whose name a row of the model shows.
    server = sim(seed=6, history="error", history_shows="finished", history_model_names=names)
    server.state.script("submit_error_before")  # job-000: not made
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(rows, model="kling-2.6"))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 6
    server.state.config.history = "on"
    for count in (rows, rows + 1):  # the same manifest, then a row added
        write(tmp_path / "m.yaml", many_jobs_yaml(count, model="kling-2.6"))
        capsys.readouterr()
        assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 6
        told = capsys.readouterr()
        said = " ".join((told.out + told.err).split())
        assert "a history that lists requests only once they finish never shows it" in said
        assert "it settles this one" not in said and "Run again later" not in said
    assert read_ledger(out / "ledger.jsonl").jobs["job-000"]["state"] == "submitting"
    assert set(charges_per_job(server).values()) == {1} and len(server.state.submissions) == rows  # job-000 not sent


def test_a_record_gone_where_there_is_no_request_history_is_not_said_to_lack_its_output(
    sim, tmp_path, monkeypatch, capsys
):
    # Records live a minute, the job takes five, and the request history answers 404 (there is none): the
    # job is lost.  The operator was told "the request history has no output for it", as if it had been
    # searched, where none could be.
    server = sim(seed=6, history="off", expiry_s=60.0, latency_sigma=0.0, model_latency_s={"kling-2.6": 300.0})
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1, model="kling-2.6"))
    out = tmp_path / "out"
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    told = capsys.readouterr()
    said = " ".join((told.out + told.err).split())
    assert "there is no request history to find its output in (it answers 404)" in said
    assert "the request history has no output for it" not in said
    assert read_ledger(out / "ledger.jsonl").jobs["job-000"]["state"] == "expired"


def test_a_job_sent_beside_an_unknown_submit_and_found_in_the_history_itself_settles_it(sim, tmp_path, monkeypatch):
    # job-000's POST is answered 502 before anything is made; job-001, sent beside it while it is looked
    # up, is answered 500 after it was made, and is found in the history.  Sent after job-000's outcome
    # came back unknown, and listed, it shows the history caught up past job-000: not listed means never
    # made, so job-000 is sent again in this run.  Taken for a request whose send time is unknown, it
    # showed nothing: job-000 was left 'submitting' ("no request of ours was sent after it"), every run.
    server = sim(seed=6, history_lag_s=30.0)
    server.state.script("submit_error_before")  # job-000: not made
    server.state.script("submit_error_after")  # job-001: made (and charged), its answer a 500
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert [e["event"] for e in ledger_events(out) if e["job_id"] == "job-000"].count("reconciled_absent") == 1
    assert set(charges_per_job(server).values()) == {1} and len(server.state.submissions) == 2  # each made once


def test_a_job_is_sent_beside_unknown_submits_holding_more_slots_than_one_submitter_each_could_be_given(
    sim, tmp_path, monkeypatch
):
    # 33 slots, every first submit answered 502 before anything is made: each outcome is unknown, and each is
    # looked up holding its slot until a request of ours sent after it shows the history caught up.  The job
    # sent beside them needs a submitter of its own.  With one submitter fewer than the slots plus one, every
    # submitter held a look-up, the job beside found none, and every look-up gave up: 33 jobs left
    # 'submitting' for the next run, after a stall of the look-ups' whole bound.
    server = sim(seed=6, history_lag_s=30.0)
    for _ in range(33):
        server.state.script("submit_error_before")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(34))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "33", monkeypatch=monkeypatch) == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert sum(e["event"] == "reconciled_absent" for e in ledger_events(out)) == 33
    assert set(charges_per_job(server).values()) == {1} and len(server.state.submissions) == 34  # each made once


def test_a_concurrency_far_above_the_batch_starts_no_more_submitters_than_the_batch_can_use(sim, tmp_path, monkeypatch):
    # One submitter per slot, and one more, is what a batch can use: no more than one per job it hands over.
    # Started for every slot of --concurrency 100000, two jobs cost 100001 tasks (seconds, and most of a
    # gigabyte; a million slots, gigabytes) where the cap of 33 had cost nothing.
    server = sim(seed=6)
    started = []
    loop = Submitter.loop

    async def counted(self, receive):
        started.append(receive)
        await loop(self, receive)

    monkeypatch.setattr(Submitter, "loop", counted)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "100000", monkeypatch=monkeypatch) == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert len(started) == 3  # the two jobs, and one beside them


def test_a_lost_submit_whose_look_ups_run_out_while_a_long_job_holds_the_other_slot_is_settled_in_the_same_run(
    sim, tmp_path, monkeypatch
):
    # Two slots; job-001's POST is answered 502 before anything is made, while job-000 runs for about 25 minutes.
    # Only a request of ours sent after the lost submit, listed, shows the history caught up with it, and
    # none can go until job-000 ends and frees its slot.  The look-ups ran out after about nine minutes and
    # left job-001 for a re-run (exit 6), though this run sent job-002 a quarter of an hour later.  Time runs
    # 500-fold: at 2,000, four test workers on two cores stretched a look-up's round trips past its patience.
    server = sim(seed=6, history_lag_s=30.0, model_latency_s={"kling-text2video": 1500.0}, time_scale=500.0)
    server.state.script("submit_error_before", after=1)  # job-001's POST, not job-000's
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert [e["event"] for e in ledger_events(out) if e["job_id"] == "job-001"].count("reconciled_absent") == 1
    assert set(charges_per_job(server).values()) == {1} and len(server.state.submissions) == 3  # each made once


def test_submits_left_unknown_with_no_job_left_to_send_are_not_promised_to_a_plain_re_run(
    sim, tmp_path, monkeypatch, capsys
):
    # Every submit is redirected away (a proxy moved the route): no job is made, every outcome is unknown,
    # and every row of the manifest is left 'submitting'.  With the route back, a plain re-run sends
    # nothing (no row is left to send), so nothing can show the history caught up: the same command
    # settles none of them, however often it runs.  What the operator is told must say what does.
    server = sim(seed=11, redirect_routes=frozenset({"submit"}), history_lag_s=40.0)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 6
    server.state.config.redirect_routes = frozenset()
    capsys.readouterr()
    for _ in range(2):
        assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 6
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"submitting"}
    assert len(server.state.submissions) == 0
    told = capsys.readouterr()
    said = told.out + told.err
    assert "A run that submits other jobs settles it" not in said and "To resume:" not in said
    assert "No job is left to send" in said and "new id" in said
    assert "A plain re-run settles none of the 2 left: their reason above says what does" in said
    assert run_cli("status", str(out)) == 0
    status = capsys.readouterr().out
    assert "2 not finished: a plain re-run settles none of the 2 left" in status
    assert "run the same 'batchgen run' again" not in status
    # A row added to the manifest is a request sent after them: once listed, it settles both
    write(tmp_path / "m.yaml", many_jobs_yaml(3))
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert set(charges_per_job(server).values()) == {1} and len(server.state.submissions) == 3


def test_the_report_page_does_not_promise_a_re_run_for_submits_no_plain_re_run_settles(sim, tmp_path, monkeypatch):
    # As above: every row is left 'submitting' with no job left to send, so the same command settles none of
    # them.  The summary says so; the report page may not say that a re-run resumes, nor list them under a
    # title saying that the same command run again goes on with them.
    server = sim(seed=11, redirect_routes=frozenset({"submit"}), history_lag_s=40.0)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 6
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert all(rec["error"].get("rerun") is False for rec in jobs.values())
    page = (out / "report.html").read_text()
    assert "re-run resumes" not in page and "To resume:" not in page
    assert "the same command run again goes on with them)" not in page


def test_a_video_in_place_without_its_completed_line_is_kept_once_its_link_is_gone(sim, tmp_path, monkeypatch, capsys):
    # A run killed after renaming a video into videos/ and before writing 'completed' (while it probed the
    # video) leaves the job downloading.  Output links last 7 days: a re-run after that found the link gone
    # and wrote the job lost, its paid video on disk, and advised --resubmit-lost (paid again).
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    ledger = out / "ledger.jsonl"
    lines = ledger.read_text().splitlines(keepends=True)
    ledger.write_text("".join(line for line in lines if '"event":"completed"' not in line))
    assert {rec["state"] for rec in read_ledger(ledger).jobs.values()} == {"downloading"}
    server.state.config.output_ttl_s = 0.0  # every output link is gone
    downloads, submissions = server.state.counters["/generations/{fid}.mp4"], len(server.state.submissions)
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert_every_job_completed(out, 3)
    assert server.state.counters["/generations/{fid}.mp4"] >= downloads + 3  # each link tried: gone
    assert len(server.state.submissions) == submissions and sorted(charges_per_job(server).values()) == [1] * 3
    told = capsys.readouterr().out
    assert (
        "lost" not in told and "fetched again" not in told and "3 found in place from an earlier run and kept" in told
    )


def test_sigterm_while_the_run_writes_its_report_lets_it_finish_and_exit_with_its_own_code(sim, tmp_path):
    # Once the jobs were settled the signal handlers were gone: a SIGTERM (systemctl stop) while the results
    # table and the report were written killed the process by the signal, with no report, no summary and
    # no exit code of its own.  Its results table is written first: the signal comes after it.
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(30))
    config = write(tmp_path / "c.yaml", "report:\n  page_size: 1\n")  # one page per video: a report that takes a while
    out = tmp_path / "out"
    proc = spawn(manifest, out, server, "--concurrency", "30", "--config", str(config))
    wait_for(lambda: (out / "results.csv").exists() or proc.poll() is not None)
    assert proc.poll() is None  # still writing the report
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr.decode()
    assert "received SIGTERM after the run ended" in stderr.decode()
    assert "30 jobs: 30 completed" in stdout.decode()
    assert json.loads((out / "report.json").read_text())["exit_code"] == 0
    assert_every_job_completed(out, 30)


# a console script an install made before cli/entry.py keeps (an editable install is not rewritten by a pull)
_OLD_SCRIPT = "import sys; from batchgen.cli.main import main_entry; sys.argv[0] = 'batchgen'; main_entry()"


@pytest.mark.parametrize("entry", [["-m", "batchgen"], ["-c", _OLD_SCRIPT]], ids=["module", "main_entry"])
def test_sigterm_before_the_run_watches_signals_is_a_clean_stop_with_exit_130(tmp_path, entry):
    # While the manifest is read (here a pipe the test holds open, so the read waits), SIGTERM ended the
    # process by the signal (exit -15), where SIGINT stops it cleanly: 'interrupted', exit 130.  So it did for
    # a console script that calls cli.main:main_entry, with the handler installed by cli/entry.py alone.
    manifest = tmp_path / "m.yaml"
    os.mkfifo(manifest)
    proc = subprocess.Popen(
        [sys.executable, *entry, "run", str(manifest), "--simulate", "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    writer: list[int] = []

    def reading() -> bool:  # a pipe's write end opens without waiting only once a reader holds it
        try:
            writer.append(os.open(manifest, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            return proc.poll() is not None
        return True

    wait_for(reading)
    try:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        for fd in writer:
            os.close(fd)
    assert proc.returncode == 130, stderr.decode()
    assert "Error: interrupted" in stderr.decode() and "Traceback" not in stderr.decode()


def test_the_manifest_is_read_off_the_event_loops_thread(tmp_path, monkeypatch):
    # The test above hung one run in ten to thirty: the manifest was read by the event loop's own thread, and a
    # SIGTERM the kernel handed another of the process's threads never interrupted that read (a pipe no one
    # writes to): the handler waits for the main thread, which waited for the pipe.  Read in a worker thread,
    # the event loop hears the signal.
    import threading

    import batchgen.cli.main as cli_main
    from batchgen.manifest import load_manifest as real

    on_main: list[bool] = []

    def spy(*args, **kwargs):
        on_main.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(cli_main, "load_manifest", spy)
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    assert run_cli("run", str(manifest), "--out", str(tmp_path / "out"), "--dry-run") == 0
    assert on_main == [False]


_SCRIPTS = re.search(r'^batchgen = "([\w.]+):(\w+)"$', (Path(__file__).parents[2] / "pyproject.toml").read_text(), re.M)
# A child that sends itself SIGTERM the moment the command starts importing the CLI's heavy modules (aiohttp),
# then starts the command through ENTRY: an event in the process, not a wait on the clock.
_SIGTERM_WHILE_IMPORTING = """
import importlib, os, runpy, signal, sys
class SigtermAtImport:
    def find_spec(self, name, path=None, target=None):
        if name == "aiohttp":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGTERM)
        return None
sys.meta_path.insert(0, SigtermAtImport())
how, sys.argv = sys.argv[1], ["batchgen", *sys.argv[2:]]
if how == "-m":
    runpy.run_module("batchgen", run_name="__main__")
else:
    module, function = {entry!r}
    getattr(importlib.import_module(module), function)()
"""


@pytest.mark.parametrize("entry", ["python -m batchgen", "the console script"])
def test_sigterm_while_the_cli_is_still_being_imported_is_a_clean_stop_with_exit_130(tmp_path, entry):
    # The handler was installed once the CLI was imported (~0.5 s): a SIGTERM before (systemctl stop just
    # after a start) met the default action, and the process ended by the signal (exit 143), not 130.
    assert _SCRIPTS is not None
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    script = _SIGTERM_WHILE_IMPORTING.format(entry=(_SCRIPTS[1], _SCRIPTS[2]))
    how = ["-m"] if entry.startswith("python") else ["script"]
    argv = ["run", str(manifest), "--simulate", "--out", str(out)]
    done = subprocess.run([sys.executable, "-c", script, *how, *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert "Error: interrupted" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()  # nothing read or written: the same command starts the batch
    again = subprocess.run([sys.executable, "-m", "batchgen", *argv, "--quiet"], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}


def test_sigterm_while_the_cli_is_still_being_imported_is_said_in_json_where_the_command_asks(tmp_path):
    # --log-format json: every line on every stream is JSON, and the outcome object ends stdout and the log file
    assert _SCRIPTS is not None
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    log = tmp_path / "run.log"
    script = _SIGTERM_WHILE_IMPORTING.format(entry=(_SCRIPTS[1], _SCRIPTS[2]))
    argv = [
        "run",
        str(manifest),
        "--simulate",
        "--out",
        str(tmp_path / "out"),
        "--log-format=json",
        "--log-file",
        str(log),
    ]
    done = subprocess.run([sys.executable, "-c", script, "-m", *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130, (done.returncode, done.stderr)
    (told,) = [json.loads(line) for line in done.stderr.splitlines()]
    assert (told["level"], told["message"]) == ("error", "Error: interrupted")
    outcome = json.loads(done.stdout)
    assert (outcome["event"], outcome["command"], outcome["exit_code"]) == ("outcome", "run", 130)
    assert [json.loads(line) for line in log.read_text().splitlines()] == [told, outcome]


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has a handler for SIGTERM (its SigCgt mask in /proc), or has ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    mask = next((line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), "0")
    return bool(int(mask, 16) >> (signal.SIGTERM - 1) & 1)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the handler from /proc")
def test_sigterm_sent_as_soon_as_a_run_takes_it_stops_the_run_cleanly_and_the_batch_resumes(tmp_path):
    # Sent the moment the process first handles SIGTERM (before anything: while the CLI is imported, or the
    # manifest read; or once the run watches signals), it ends with the README's 130, and the same command
    # run again finishes the batch, each job made once.
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "batchgen", "run", str(manifest), "--simulate", "--out", str(out)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: _catches_sigterm(proc.pid))
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, stderr.decode())
    told = stdout.decode() + stderr.decode()
    assert ("Error: interrupted" in told or "Interrupted:" in told) and "Traceback" not in told
    again = subprocess.run([*argv, "--quiet"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    events = ledger_events(out)
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert Counter(e["job_id"] for e in events if e["event"] == "submitted").most_common(1)[0][1] == 1


def test_a_completed_video_that_fails_its_check_is_not_kept_in_place_once_its_link_is_gone(
    sim, tmp_path, monkeypatch, capsys
):
    """A completed job's file holds another video of the same size (it is whole, and newer than the submit), and
    --verify-files finds it is not the one recorded: with the link gone it is lost, never kept as this job's."""
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    videos = sorted((out / "videos").glob("*.mp4"))
    by_size: dict[int, list[Path]] = {}
    for video in videos:
        by_size.setdefault(video.stat().st_size, []).append(video)
    first, second = next(pair for pair in by_size.values() if len(pair) > 1)[:2]
    assert first.read_bytes() != second.read_bytes()
    first.write_bytes(second.read_bytes())  # another job's video in its place
    server.state.config.output_ttl_s = 0.0  # every output link is gone
    capsys.readouterr()
    run_batch(manifest, out, server, "--verify-files", monkeypatch=monkeypatch)
    told = capsys.readouterr().out
    assert read_ledger(out / "ledger.jsonl").jobs[first.stem]["state"] == "expired"
    assert "found in place" not in told


def test_jobs_outliving_their_records_are_watched_in_the_history_and_fetched(sim, tmp_path, monkeypatch):
    # Records that live 30 s; jobs of about 5 minutes that wait their turn on 2 workers: a poll after that
    # minute answers 404 while the job waits or runs on, and is paid once it finishes.  Such a job was written
    # 'expired' (a paid video never fetched; --resubmit-lost would have paid for it again); the history shows
    # it PENDING, so it is watched there.
    server = sim(time_scale=1000, expiry_s=30.0, workers=2, history_lag_s=60.0)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "8", monkeypatch=monkeypatch) == 0
    assert_every_job_completed(out, 8)
    assert len(server.state.submissions) == 8 and len(charges_per_job(server)) == 8
    assert not any(e["event"] == "expired" for e in ledger_events(out))


def test_a_job_shown_unfinished_long_after_its_record_died_is_taken_for_stalled(sim, tmp_path, monkeypatch):
    # Records that live 2 minutes; one job stalls (its history row stays PENDING), the others take about 6.
    # Watched in the history once its record died, it is given up past three times their time: the run ends.
    server = sim(time_scale=5000, expiry_s=120.0)
    server.state.script("stall")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert sorted(rec["state"] for rec in jobs.values()) == ["completed"] * 3 + ["expired"]
    stuck = next(rec for rec in jobs.values() if rec["state"] == "expired")
    detail = stuck["error"]["detail"]
    told = re.search(r"the request history still shows it PENDING at least ([\d.]+) min after it was made", detail)
    assert told and "looks stalled" in detail and "--resubmit-lost" in detail
    assert float(told[1]) >= 3 * 5  # not before three times the others' time
    assert server.state.total_charged() == pytest.approx(3 * 0.28)


def test_a_lost_submit_an_earlier_run_left_is_told_with_the_time_its_post_went_out_not_the_search_bound(
    sim, tmp_path, monkeypatch
):
    # A resumed run looks an earlier run's lost submit up from 5 s before its POST, and its reason named that
    # bound as when the request was sent ("look for a ... request sent about HH:MM:SS"): 5 s early.
    from datetime import UTC, datetime

    server = sim(history="off", rates={"submit_drop_after": 1.0})  # made, the answer lost; no history to settle it
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    out = tmp_path / "out"
    for _ in range(2):  # the run that sent it, then one that resumes it
        run_batch(manifest, out, server, monkeypatch=monkeypatch)
        (rec,) = read_ledger(out / "ledger.jsonl").jobs.values()
        assert rec["state"] == "submitting", rec
        posted = datetime.fromisoformat(rec["posting_at"].replace("Z", "+00:00")).astimezone(UTC)
        assert (
            f"request sent about {posted:%Y-%m-%d %H:%M:%S} UTC in the account's request history"
            in (rec["error"]["detail"])
        ), rec["error"]["detail"]
    assert len(server.state.submissions) == 1


def test_a_job_that_waits_behind_longer_ones_for_a_worker_is_not_taken_for_stalled_when_its_record_dies(
    sim, tmp_path, monkeypatch
):
    # Two workers; records that live 2 minutes.  Four short jobs (30 s) teach their kind, four long ones (5 min)
    # hold both workers, and the last two short ones wait about 10 minutes behind them.  Their records die while
    # the history shows them PENDING, and three times the slowest short job is 3 minutes: they were given up as
    # stalled while still queued, and paid for when they ran.  They wait behind the jobs sent before them.
    server = sim(
        time_scale=500,
        expiry_s=120.0,
        workers=2,
        model_latency_s={"kling-1.6-text2video": 30.0, "kling-text2video": 300.0},
        latency_sigma=0.0,
        tail_rate=0.0,
    )
    kinds = ["kling-1.6-text2video"] * 4 + ["kling-text2video"] * 4 + ["kling-1.6-text2video"] * 2
    rows = [f'  - id: job-{i:02d}\n    model: {model}\n    prompt: "scene {i}"' for i, model in enumerate(kinds)]
    manifest = write(tmp_path / "m.yaml", "jobs:\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "10", monkeypatch=monkeypatch) == 0
    assert_every_job_completed(out, 10)
    assert len(server.state.submissions) == 10 and len(charges_per_job(server)) == 10
