"""Each promise users rely on, checked where breaking it is cheapest to see.

Every test here fails when the promise it names is broken: the ``submitting``
line is on disk before the POST, ledger lines are fsynced, two identical rows
never share a request, ``completed`` is written only once the video is in
``videos/``, and a key logged through the package logger comes out redacted.
(The MP4 check, the expiry guard, the poll share and learning are tested in
test_hostile.py and test_polling.py.)
"""

from __future__ import annotations

import logging
import os

import anyio

from batchgen.cli.runner import run_jobs
from batchgen.clock import Clock, FakeClock
from batchgen.config import load_settings
from batchgen.engine.run import Run
from batchgen.jobs import JobState, TrackedJob
from batchgen.manifest import load_manifest
from batchgen.simulator import SimConfig, SimServer
from batchgen.store.ledger import Ledger, read_ledger
from batchgen.store.mp4 import mp4_problem
from tests.helpers import (
    KEY,
    ledger_events,
    many_jobs_yaml,
    run_batch,
    write,
)


def test_the_submitting_line_is_on_disk_before_the_server_creates_the_job(sim, tmp_path, monkeypatch):
    server = sim(seed=21)
    out = tmp_path / "out"
    seen: list[tuple[str, str | None]] = []

    def at_creation(job) -> None:  # runs in the simulator as it creates the (billable) job
        job_id = f"job-{int(job.body['prompt'].rsplit(' ', 1)[1]):03d}"
        states = [e["state"] for e in ledger_events(out) if e["job_id"] == job_id]
        seen.append((job_id, states[-1] if states else None))

    server.state.on_create.append(at_creation)
    assert run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(6)), out, server, monkeypatch=monkeypatch) == 0
    assert len(seen) == 6
    assert all(state == "submitting" for _, state in seen), seen


async def test_every_ledger_line_is_fsynced_before_append_returns(tmp_path, monkeypatch):
    path = tmp_path / "ledger.jsonl"
    synced: dict[int, int] = {}  # fd -> file size at its latest fsync
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        real_fsync(fd)
        synced[fd] = os.fstat(fd).st_size

    monkeypatch.setattr(os, "fsync", spy)  # the ledger's fsync, seen from outside
    late: list[str] = []
    async with Ledger(path, clock=FakeClock()) as ledger:

        async def append(job_id: str) -> None:
            await ledger.append(job_id, "submitting", JobState.SUBMITTING, params={"prompt": job_id})
            data = path.read_bytes()
            end = data.index(f'"job_id":"{job_id}"'.encode())
            end = data.index(b"\n", end) + 1
            if max(synced.values(), default=0) < end:
                late.append(job_id)

        async with anyio.create_task_group() as tg:
            for i in range(40):
                tg.start_soon(append, f"j{i}")
    assert synced, "the ledger never called fsync"
    assert late == []
    assert read_ledger(path).lines == 40


def test_two_identical_rows_with_ambiguous_submits_get_two_requests(sim, tmp_path, monkeypatch):
    server = sim(seed=4)
    server.state.script("submit_error_after", count=2)  # both jobs are created, both answers lost
    manifest = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n  - prompt: twin\n  - prompt: twin\n")
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 0
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert len(jobs) == 2 and {rec["state"] for rec in jobs.values()} == {"completed"}
    rids = {rec["request_id"] for rec in jobs.values()}
    assert len(rids) == 2 and rids == {rid for rid, _, _ in server.state.submissions}
    assert sum(1 for e in ledger_events(out) if e["event"] == "reconciled") == 2


async def test_completed_is_recorded_only_once_the_video_is_in_place(tmp_path):
    out = tmp_path / "out"
    early: list[str] = []
    checked: list[str] = []

    def on_event(event: str, job: TrackedJob) -> None:
        if event == "completed":
            video = out / "videos" / f"{job.spec.id}.mp4"
            checked.append(job.spec.id)
            if not video.exists() or mp4_problem(video) is not None or not video.with_suffix(".json").exists():
                early.append(job.spec.id)

    async with SimServer(SimConfig(time_scale=2000, api_keys=frozenset({KEY}), seed=2)) as server:
        settings = load_settings(overrides={"api": {"base_url": server.url}, "output": {"dir": str(out)}}, environ={})
        jobs = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(5))).jobs
        outcome = await run_jobs(jobs, settings, api_key=KEY, clock=Clock(2000), on_event=on_event)
    assert outcome.report.states["completed"] == 5
    assert len(checked) == 5 and early == []


def test_a_key_logged_through_the_package_logger_comes_out_redacted(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    log_file = tmp_path / "run.log"
    execute = Run.execute

    async def execute_and_leak(self: Run):
        logging.getLogger("batchgen").warning("the key is %s", os.environ["SEGMIND_API_KEY"])
        logging.getLogger("batchgen.api.client").error(f"echo {os.environ['SEGMIND_API_KEY']}")
        return await execute(self)

    monkeypatch.setattr(Run, "execute", execute_and_leak)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    code = run_batch(manifest, tmp_path / "out", server, "--log-file", str(log_file), monkeypatch=monkeypatch)
    assert code == 0
    captured = capsys.readouterr()
    text = log_file.read_text()
    assert "the key is [REDACTED]" in text and "echo [REDACTED]" in text
    for where in (text, captured.out, captured.err):
        assert KEY not in where
