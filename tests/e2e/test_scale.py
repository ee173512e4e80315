"""Runs into an object store (moto on loopback) and sharded runs, against the simulator."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from batchgen.store.mp4 import mp4_problem
from tests.helpers import (
    KEY,
    S3,
    assert_bucket_complete,
    bucket_ledger,
    charges_per_job,
    many_jobs_yaml,
    run_batch,
    run_cli,
    wait_for,
    write,
)

REPO = Path(__file__).resolve().parents[2]


def spawn_shard(manifest: Path, out: str, server, *extra: str, cwd: Path, env: dict[str, str] | None = None):
    # A SIGKILL leaves the spool folder behind (nothing runs to remove it): keep it in the test's folder.
    full_env = {**os.environ, "SEGMIND_API_KEY": KEY, "TMPDIR": str(cwd / "tmp"), **(env or {})}
    argv = [sys.executable, "-m", "batchgen", "run", str(manifest), "--out", out, "--base-url", server.url,
            "--time-scale", str(server.config.time_scale), "--quiet", *extra]  # fmt: skip
    (cwd / "tmp").mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(argv, env=full_env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[bytes], timeout: float = 120) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err.decode()


def assert_paid_once(server, count: int) -> None:
    per_job = charges_per_job(server)
    assert len(per_job) == count and set(per_job.values()) == {1}, per_job
    assert server.state.duplicate_submissions() == 0


def test_a_run_into_s3_completes_with_every_video_verified_in_the_bucket(sim, s3: S3, tmp_path, monkeypatch, capsys):
    server = sim(seed=2)
    ids = [f"job-{i:03d}" for i in range(10)]
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    assert run_batch(manifest, s3.url(), server, monkeypatch=monkeypatch) == 0
    assert_bucket_complete(s3, ids)
    assert_paid_once(server, 10)
    results = s3.keys("run/results/")["run/results/0-of-1.csv"].decode().splitlines()
    assert len(results) == 11 and results[0].startswith("job_id,state")
    assert not list(Path(tmp_path).rglob("*.part"))
    assert not Path("s3:").exists()  # nothing of the run (kept options, a simulator's state) lands locally
    # A re-run finds everything done in the bucket: nothing is submitted again.
    before = len(server.state.submissions)
    assert run_batch(manifest, s3.url(), server, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == before
    # status reads the bucket
    assert run_cli("status", s3.url(), "--json") == 0
    capsys.readouterr()
    assert run_cli("status", s3.url()) == 0
    told = capsys.readouterr().out.splitlines()
    assert "  1 shard: 0-of-1 10 jobs, 10 completed" in told  # not "1 shards"
    assert told[0].startswith(f"{s3.url()}: 10 jobs")  # the bucket's URL as given, not read as a local path


def test_status_of_a_killed_unsharded_run_into_s3_resumes_it_with_the_same_command(sim, s3: S3, tmp_path, capsys):
    # An object store keeps an unsharded run's ledger as shard 0-of-1: status told the jobs a killed run left in
    # flight with "run the 'batchgen run' of each one's shard (--shard 0/1) again", a flag the run never had.
    server = sim(time_scale=100)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    proc = spawn_shard(manifest, s3.url(), server, cwd=tmp_path / "machine")
    wait_for(lambda: proc.poll() is not None or any(r["state"] == "submitted" for r in bucket_ledger(s3).values()))
    assert proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert run_cli("status", s3.url()) == 0
    told = capsys.readouterr().out.splitlines()
    assert any(line.endswith("not finished: run the same 'batchgen run' again to resume them") for line in told)
    assert not any("--shard" in line for line in told), told


def test_status_of_an_unsharded_run_into_s3_names_no_shard_for_what_is_left(sim, s3: S3, tmp_path, monkeypatch,
                                                                             capsys):  # fmt: skip
    # An object store keeps an unsharded run's ledger as shard 0-of-1: status told the jobs left to send or
    # resume with '--shard 0/1', a flag the run was never given, as if the folder were sharded.
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    assert run_batch(manifest, s3.url(), server, "--max-spend", "0.6", monkeypatch=monkeypatch) == 3
    capsys.readouterr()
    assert run_cli("status", s3.url()) == 0
    told = capsys.readouterr().out.splitlines()
    assert told[-1] == (
        "  4 deferred (credits ran out or the spend cap was reached): top up, or give a higher --max-spend, then run "
        "again"
    )
    assert not any("--shard" in line for line in told), told


def test_a_run_into_s3_writes_at_most_three_ledger_puts_per_video_and_leaves_one_snapshot(
    sim, s3: S3, tmp_path, monkeypatch
):
    server = sim(seed=4)
    count = 12
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(count))
    with s3.requests() as seen:
        assert run_batch(manifest, s3.url(), server, monkeypatch=monkeypatch) == 0
    assert_paid_once(server, count)
    # Durable lines per video: submitting, submitted, completed (the result line rides along), plus the
    # end-of-run snapshot; a video and its sidecar are one PUT each.
    assert seen.puts("run/ledger/") <= 3 * count + 1
    assert seen.puts("run/videos/") == 2 * count
    ledger = list(s3.keys("run/ledger/"))
    assert len(ledger) == 1 and ledger[0].endswith(".snapshot.jsonl"), ledger
    jobs = bucket_ledger(s3)
    assert {rec["state"] for rec in jobs.values()} == {"completed"} and all(r.get("cost") for r in jobs.values())


@pytest.mark.slow
def test_sigkills_then_resume_elsewhere_never_pay_twice_or_lose_a_video(sim, s3: S3, tmp_path):
    server = sim(time_scale=100, latency_scale=0.3, workers=8, seed=7)
    ids = [f"job-{i:03d}" for i in range(24)]
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(24))
    # The same worker started again (a Kubernetes pod or Ray actor restarted) presents its holder id.
    same_worker = {"BATCHGEN_LEASE_HOLDER": "worker-0"}
    rng = random.Random(99)
    kills = 0
    for attempt in range(5):
        config = write(tmp_path / f"c{attempt}.yaml", f"output:\n  spool_dir: {tmp_path / f'spool-{attempt}'}\n")
        proc = spawn_shard(manifest, s3.url(), server, "--concurrency", "4", "--config", str(config),
                     cwd=tmp_path / f"machine-{attempt}", env=same_worker)  # fmt: skip
        # Kill at a random point once it has written some segments (counted from the bucket).
        target = rng.randint(1, 12) + attempt * 6
        wait_for(lambda proc=proc, target=target: proc.poll() is not None or len(s3.keys("run/ledger/")) >= target)
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        kills += 1
        if attempt == 0:
            # Right after a kill the lease is still live: another machine's run is refused (exit 5).
            other = spawn_shard(manifest, s3.url(), server, cwd=tmp_path / "other")
            code, err = finish(other)
            assert code == 5 and "holds shard 0-of-1" in err, err
    config = write(tmp_path / "last.yaml", f"output:\n  spool_dir: {tmp_path / 'spool-last'}\n")
    final = spawn_shard(
        manifest, s3.url(), server, "--config", str(config), cwd=tmp_path / "machine-last", env=same_worker
    )
    code, err = finish(final)
    assert code == 0, err
    assert kills >= 3
    assert_bucket_complete(s3, ids)
    assert_paid_once(server, 24)
    assert list((tmp_path / "spool-last").iterdir()) == []  # the finished run left nothing in its spool


def test_a_second_run_on_the_same_shard_exits_5(sim, s3: S3, tmp_path, monkeypatch):
    server = sim(time_scale=100, latency_scale=1.0, seed=4)  # slow enough that the first run is still going
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    first = spawn_shard(manifest, s3.url(), server, "--shard", "1/2", cwd=tmp_path / "a")
    wait_for(lambda: first.poll() is not None or bool(s3.keys("run/ledger/1-of-2/")))
    assert first.poll() is None
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    code = run_cli("run", str(manifest), "--out", s3.url(), "--base-url", server.url, "--shard", "1/2", "--quiet")
    assert code == 5
    # The other shard is free.
    assert run_batch(manifest, s3.url(), server, "--shard", "0/2", monkeypatch=monkeypatch) == 0
    assert finish(first)[0] == 0


@pytest.mark.slow
@pytest.mark.parametrize("where", ["s3", "folder"])
def test_four_shards_in_parallel_cover_every_job_once_and_a_killed_shard_resumes_alone(
    where, sim, s3: S3, tmp_path, monkeypatch
):
    server = sim(time_scale=100, latency_scale=0.3, workers=16, seed=21)
    count = 40
    ids = [f"job-{i:03d}" for i in range(count)]
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(count))
    out = s3.url() if where == "s3" else str(tmp_path / "out")
    env = {"BATCHGEN_LEASE_HOLDER": "shard-worker"}  # each shard's worker restarted keeps its id
    procs = [
        spawn_shard(manifest, out, server, "--shard", f"{i}/4", "--concurrency", "3", cwd=tmp_path / f"w{i}", env=env)
        for i in range(4)
    ]

    def shard2_events() -> int:
        if where == "s3":
            return len(s3.keys("run/ledger/2-of-4/"))
        path = tmp_path / "out" / "shards" / "2-of-4" / "ledger.jsonl"
        return len(path.read_bytes().splitlines()) if path.exists() else 0

    wait_for(lambda: procs[2].poll() is not None or shard2_events() >= 4)
    killed = procs[2].poll() is None
    if killed:
        procs[2].send_signal(signal.SIGKILL)
        procs[2].communicate()
    for i in (0, 1, 3):
        code, err = finish(procs[i])
        assert code == 0, err
    # status merges the shards: shard 2 is unfinished
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    assert run_cli("status", out, "--json") == 0
    # the killed shard resumes alone
    again = spawn_shard(manifest, out, server, "--shard", "2/4", cwd=tmp_path / "w2-again", env=env)
    code, err = finish(again)
    assert code == 0, err
    assert killed
    assert_paid_once(server, count)
    owners: Counter[str] = Counter()
    if where == "s3":
        assert_bucket_complete(s3, ids)
        owners.update(rec["shard"] for rec in bucket_ledger(s3).values())
    else:
        for i in range(4):
            lines = (tmp_path / "out" / "shards" / f"{i}-of-4" / "ledger.jsonl").read_text().splitlines()
            jobs = {json.loads(line)["job_id"] for line in lines}
            owners[f"{i}-of-4"] = len(jobs)
        assert not (tmp_path / "out" / "ledger.jsonl").exists()
        assert len(list((tmp_path / "out" / "videos").glob("*.mp4"))) == count
    assert sum(owners.values()) == count and len(owners) == 4
    merged = tmp_path / "merged.csv"
    assert run_cli("status", out, "--results", str(merged)) == 0
    rows = merged.read_text().splitlines()
    assert len(rows) == count + 1 and all(",completed," in row for row in rows[1:])


def test_status_merges_shards_as_json(sim, s3: S3, tmp_path, monkeypatch, capsys):
    server = sim(seed=8)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    for i in range(2):
        assert run_batch(manifest, s3.url(), server, "--shard", f"{i}/2", monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert run_cli("status", s3.url(), "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["jobs"] == 8 and summary["states"] == {"completed": 8} and summary["finished"]
    assert set(summary["shards"]) == {"0-of-2", "1-of-2"}
    assert sum(sum(c.values()) for c in summary["shards"].values()) == 8
    assert summary["dir"] == s3.url()
    assert run_cli("status", s3.url(), "--results", "-") == 0
    table = capsys.readouterr().out.splitlines()  # the merged table alone, for a pipe
    assert table[0].startswith("job_id,state,") and len(table) == 9
    # a different shard count under the same --out is refused before anything is sent
    before = len(server.state.submissions)
    assert run_batch(manifest, s3.url(), server, "--shard", "0/3", monkeypatch=monkeypatch) == 2
    assert len(server.state.submissions) == before


def test_a_file_url_is_an_object_store_on_local_disk(sim, tmp_path, monkeypatch):
    pytest.importorskip("obstore")
    server = sim(seed=12)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    url = f"file://{tmp_path / 'store'}"
    assert run_batch(manifest, url, server, monkeypatch=monkeypatch) == 0
    videos = sorted((tmp_path / "store" / "videos").glob("*.mp4"))
    assert len(videos) == 4 and all(mp4_problem(v) is None for v in videos)
    assert sorted(p.name for p in (tmp_path / "store" / "ledger").iterdir()) == ["0-of-1"]
    before = len(server.state.submissions)
    assert run_batch(manifest, url, server, monkeypatch=monkeypatch) == 0  # resumes: nothing to do
    assert len(server.state.submissions) == before
    assert_paid_once(server, 4)


def test_jobs_in_flight_are_resumed_only_with_the_key_that_submitted_them(sim, tmp_path, monkeypatch, capsys):
    other = "SG_fedcba9876543210"
    # a key of another account (a key of the same account would re-attach them: test_api_worlds.py)
    server = sim(time_scale=100, latency_scale=1.0, seed=14, key_accounts={other: "other"})
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    out = tmp_path / "out"
    ledger = out / "shards" / "0-of-2" / "ledger.jsonl"
    first = spawn_shard(manifest, str(out), server, "--shard", "0/2", cwd=tmp_path / "a")
    wait_for(lambda: first.poll() is not None or b'"submitted"' in (ledger.read_bytes() if ledger.exists() else b""))
    first.send_signal(signal.SIGKILL)
    first.communicate()
    lines = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert {line["key_fp"] for line in lines} == {hashlib.sha256(KEY.encode()).hexdigest()[:8]}
    assert KEY not in ledger.read_text()
    before = len(server.state.submissions)
    monkeypatch.setenv("SEGMIND_API_KEY", other)
    code = run_cli("run", str(manifest), "--out", str(out), "--base-url", server.url, "--shard", "0/2", "--quiet")
    assert code == 2 and "submitted with another API key" in capsys.readouterr().err
    assert len(server.state.submissions) == before  # nothing sent with the wrong key
    assert run_batch(manifest, out, server, "--shard", "0/2", monkeypatch=monkeypatch) == 0
    per_job = charges_per_job(server)
    assert set(per_job.values()) == {1}


def test_a_missing_bucket_is_named_and_nothing_is_sent(sim, s3: S3, tmp_path, monkeypatch, capsys):
    server = sim(seed=15)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    missing = "s3://no-such-bucket-here/run"
    assert run_batch(manifest, missing, server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "s3://no-such-bucket-here/run/" in err
    assert "the bucket (or container) 'no-such-bucket-here' does not exist at this store's endpoint" in err
    assert "create it, or correct the bucket's name in --out s3://no-such-bucket-here/run" in err
    assert "run the same command again to resume" not in err  # the same command meets the same absence
    assert server.state.submissions == []
    # a dry run still estimates, and says what it could not read
    assert run_cli("run", str(manifest), "--out", missing, "--dry-run") == 0
    assert "the estimate ignores what s3://no-such-bucket-here/run already holds" in capsys.readouterr().err


async def _plant_lease(url: str, expires_at: float) -> None:
    from batchgen.store.objects import Bucket

    record = {"holder": "a-dead-machine", "host": "node-7", "pid": 4242, "expires_at": expires_at, "ttl_s": 60}
    await Bucket(url).put("lease/0-of-1/000000000007.json", json.dumps(record).encode())


def test_a_live_lease_refuses_and_an_expired_one_is_taken_over(sim, s3: S3, tmp_path, monkeypatch, capsys):
    import time

    import anyio

    server = sim(seed=16)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    anyio.run(_plant_lease, s3.url(), time.time() + 3600)  # a machine that holds the shard right now
    assert run_batch(manifest, s3.url(), server, monkeypatch=monkeypatch) == 5
    assert "host node-7, pid 4242" in capsys.readouterr().err and server.state.submissions == []
    anyio.run(_plant_lease, s3.url(), time.time() - 1)  # ... and once its lease has run out
    assert run_batch(manifest, s3.url(), server, monkeypatch=monkeypatch) == 0
    leases = sorted(k for k in s3.keys("run/lease/0-of-1/"))
    assert leases[-1] > "run/lease/0-of-1/000000000007.json"  # taken over with a newer generation
    assert_bucket_complete(s3, [f"job-{i:03d}" for i in range(3)])


def _spools(where: Path) -> list[Path]:
    return sorted(where.glob("batchgen-spool-*"))


def test_a_run_into_a_bucket_leaves_no_spool_folder_however_it_ends(sim, s3: S3, tmp_path, monkeypatch, capsys):
    import tempfile
    import time

    import anyio

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # where the spool folder goes without output.spool_dir
    server = sim(seed=18)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    anyio.run(_plant_lease, s3.url(), time.time() + 3600)
    assert run_batch(manifest, s3.url(), server, monkeypatch=monkeypatch) == 5  # refused after the spool was made
    assert _spools(temp) == []
    anyio.run(_plant_lease, s3.url(), time.time() - 1)
    assert run_batch(manifest, s3.url(), server, monkeypatch=monkeypatch) == 0  # three videos went through it
    assert _spools(temp) == []
    write(manifest, many_jobs_yaml(3).replace("scene number 1", "another scene"))
    assert run_batch(manifest, s3.url(), server, monkeypatch=monkeypatch) == 2  # a changed row: stopped in setup
    assert "another scene" not in str(server.state.submissions) and _spools(temp) == []
    capsys.readouterr()


@pytest.mark.parametrize("signals", [1, 2])
def test_ctrl_c_once_or_twice_leaves_no_spool_folder(sim, s3: S3, tmp_path, signals):
    # Each submit is answered only after 4 s (the job is made at once), so the run is mid-POST, shielded,
    # when the signals come: the second one is read after the first one's 1 s grace, and exits at once.
    server = sim(seed=19, submit_answer_delay_s=4.0)
    temp = tmp_path / "tmp"
    temp.mkdir()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    env = {"TMPDIR": str(temp), "PYTHONPATH": str(REPO)}  # this checkout's code, whatever is installed
    proc = spawn_shard(manifest, s3.url(), server, "--concurrency", "1", cwd=tmp_path / "w", env=env)
    wait_for(lambda: proc.poll() is not None or server.state.submits_in_flight > 0)
    assert proc.poll() is None and len(_spools(temp)) == 1  # the run's spool folder is where the test looks
    proc.send_signal(signal.SIGINT)
    assert proc.stderr is not None
    heard = proc.stderr.readline().decode()  # the first one is taken in before the second is sent
    assert heard.startswith("received SIGINT: stopping cleanly"), heard
    if signals == 2:
        proc.send_signal(signal.SIGINT)
    code, err = finish(proc)
    assert code == 130, err
    assert ("second signal, exiting now" in err) == (signals == 2), err
    assert _spools(temp) == []


def test_without_obstore_an_object_store_out_says_how_to_install_it(sim, tmp_path, monkeypatch, capsys):
    server = sim(seed=17)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    monkeypatch.setitem(sys.modules, "obstore", None)  # as on a core install: importing it fails
    monkeypatch.setitem(sys.modules, "obstore.store", None)
    assert run_batch(manifest, "s3://some-bucket/run", server, monkeypatch=monkeypatch) == 2
    assert "pip install 'batchgen[s3]'" in capsys.readouterr().err
    assert server.state.submissions == []


def test_simulate_into_a_bucket_keeps_nothing_locally(s3: S3, tmp_path):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    assert run_cli("run", str(manifest), "--simulate", "--out", s3.url(), "--quiet") == 0
    assert_bucket_complete(s3, [f"job-{i:03d}" for i in range(3)])
    assert sorted(p.name for p in Path().iterdir()) == ["m.yaml", "sample.mp4"]  # no 's3:' folder, no .batchgen


def test_report_of_a_sharded_or_object_store_out_names_what_it_is_and_the_status_that_covers_it(
    sim, tmp_path, monkeypatch, capsys
):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    out = tmp_path / "out"
    for i in range(2):
        assert run_batch(manifest, out, server, "--shard", f"{i}/2", monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert run_cli("report", str(out)) == 2
    err = capsys.readouterr().err
    assert f"{out} is sharded" in err and "has no ledger.jsonl" not in err
    assert f"'batchgen status {out}' summarises it" in err
    assert run_cli("status", str(out)) == 0  # the advice followed
    assert "4 jobs in the manifest: 4 completed" in capsys.readouterr().out
    assert run_cli("report", "s3://bucket/prefix") == 2
    err = capsys.readouterr().err
    assert "s3://bucket/prefix is in an object store" in err and "'batchgen status s3://bucket/prefix'" in err


def test_a_killed_shards_lease_is_told_as_lapsing_not_as_a_run_at_work_and_the_next_run_takes_it_then(
    sim, s3: S3, tmp_path, monkeypatch, capsys
):
    """kill -9 leaves its lease on the shard.  'status' does not say a run holds the folder and works on its
    jobs (none does), but when the lease lapses; a run started before then is told the same (exit 5), and the
    same command run once it has lapsed resumes the shard."""
    server = sim(time_scale=100, latency_scale=1.0, seed=4)  # slow enough to kill mid-run
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    config = write(tmp_path / "c.yaml", "output:\n  lease_ttl_s: 6\n")
    proc = spawn_shard(manifest, s3.url(), server, "--shard", "0/2", "--config", str(config), cwd=tmp_path / "a")
    wait_for(lambda: proc.poll() is not None or bool(s3.keys("run/ledger/0-of-2/")))
    assert proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    capsys.readouterr()
    assert run_cli("status", s3.url(), "--json") == 0
    told = json.loads(capsys.readouterr().out)
    assert told["running"] is False and told["live_runs"] == {}
    (lease,) = told["lapsing_leases"].values()
    assert f"pid {proc.pid}, which is no longer running; its lease lapses in" in lease
    assert not any("in progress" in line or "this folder now" in line for line in told["lines"])
    argv = ["run", str(manifest), "--out", s3.url(), "--base-url", server.url, "--time-scale", "100"]
    argv += ["--shard", "0/2", "--config", str(config), "--quiet"]
    code = run_cli(*argv)
    err = capsys.readouterr().err
    if code == 5:  # still leased: said so, and when it lapses
        assert f"no longer running on this host (host {socket.gethostname()}, pid {proc.pid})" in err
        assert "run the same command again then" in err
        wait_for(lambda: run_cli("status", s3.url(), "--json") == 0 and not json.loads(
            capsys.readouterr().out)["lapsing_leases"])  # fmt: skip
        code = run_cli(*argv)
    assert code == 0
