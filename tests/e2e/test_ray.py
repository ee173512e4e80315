"""--ray on a local Ray cluster: one actor per shard, one killed mid-run, the key nowhere in Ray's records."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest

from batchgen.cli.raydriver import shard_argv
from batchgen.report.exits import merged_exit_code
from tests.helpers import (
    S3,
    assert_bucket_complete,
    charges_per_job,
    many_jobs_yaml,
    run_cli,
    wait_for,
    write,
)


def test_merged_exit_code_is_the_most_serious():
    assert merged_exit_code([0, 0, 0]) == 0
    assert merged_exit_code([0, 3, 1]) == 1
    assert merged_exit_code([130, 3]) == 3
    assert merged_exit_code([0, 5, 4]) == 4


def test_shard_argv_drops_ray_flags_and_pins_the_shard(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["run", "m.yaml", "--ray", "10.0.0.1:6379", "--shards", "4", "--out", "s3://b/p", "--config", "c.yaml"]
    assert shard_argv(argv, 2, 4, ray_address="10.0.0.1:6379") == [
        "run", str(tmp_path / "m.yaml"), "--out", "s3://b/p", "--config", str(tmp_path / "c.yaml"),
        "--shard", "2/4", "--quiet",
    ]  # fmt: skip
    assert shard_argv(["run", "m.yaml", "--ray", "--shards=2", "--out=o"], 0, 2, ray_address=None) == [
        "run", str(tmp_path / "m.yaml"), "--out", str(tmp_path / "o"), "--shard", "0/2", "--quiet",
    ]  # fmt: skip


@pytest.mark.slow
def test_ray_runs_four_shards_survives_a_killed_actor_and_never_sees_the_key(
    sim, s3: S3, tmp_path, monkeypatch, capsys
):
    ray = pytest.importorskip("ray")
    from ray._private import state as gcs  # the GCS tables; the state API needs the dashboard, which is off

    key = "SG_" + secrets.token_hex(12)
    server = sim(time_scale=100, latency_scale=0.3, workers=16, seed=31, api_keys=frozenset({key}))
    count = 24
    ids = [f"job-{i:03d}" for i in range(count)]
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(count))
    # The killed actor's spool folder stays behind (a kill runs no cleanup): keep it in this test's folder.
    config = write(tmp_path / "c.yaml", f"output:\n  spool_dir: {tmp_path / 'spool'}\n")
    monkeypatch.delenv("SEGMIND_API_KEY", raising=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)  # the cluster never had the key
    try:
        monkeypatch.setenv("SEGMIND_API_KEY", key)  # the driver's environment only
        killed: list[str] = []

        def kill_one_actor() -> None:
            wait_for(lambda: len(s3.keys("run/ledger/1-of-4/")) >= 3, timeout=90)
            for name in ray.util.list_named_actors():
                if name.endswith("-shard-1"):
                    ray.kill(ray.get_actor(name), no_restart=False)
                    killed.append(name)

        killer = threading.Thread(target=kill_one_actor, daemon=True)
        killer.start()
        code = run_cli(
            "run", str(manifest), "--out", s3.url(), "--base-url", server.url, "--time-scale", "100",
            "--concurrency", "3", "--ray", "--shards", "4", "--progress-every", "1", "--config", str(config),
        )  # fmt: skip
        killer.join(5)
        assert code == 0
        assert killed  # one actor was killed mid-run ...
        restarted = [a for a in gcs.actors().values() if a["Name"] == killed[0]]
        assert restarted and restarted[0]["NumRestarts"] >= 1  # ... restarted, and its shard finished
        printed = capsys.readouterr()
        assert "1 shard(s) finished on a restarted actor" in printed.out
        assert "completed (jobs seen so far) across 4 shards" in printed.err  # merged progress lines
        assert f"{len(ids)} jobs in the ledger: {len(ids)} completed" in printed.out
        assert_bucket_complete(s3, ids)
        per_job = charges_per_job(server)
        assert len(per_job) == count and set(per_job.values()) == {1}  # nobody paid twice
        assert server.state.duplicate_submissions() == 0
        # The key is in none of Ray's records: actor and task tables, the session's files and logs.
        records = repr(gcs.actors()) + repr(gcs.jobs())
        assert key not in records and "shard-1" in records
        session = Path("/tmp/ray/session_latest").resolve()
        leaks = [p for p in session.rglob("*") if p.is_file() and not p.is_symlink() and _holds(p, key.encode())]
        assert leaks == []
    finally:
        ray.shutdown()


def _holds(path: Path, needle: bytes) -> bool:
    try:
        return needle in path.read_bytes()
    except OSError:
        return False
