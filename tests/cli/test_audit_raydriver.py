"""Audit of ``batchgen/cli/raydriver.py``: each shard's actor is given the run it was asked for (its own shard,
paths every node can read, the object-store ``--out`` as given), and the driver's progress counts what is done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchgen.cli.raydriver import RayRun, progress_text, shard_argv
from batchgen.errors import InputError


def test_each_shard_is_pinned_zero_based_and_quiet_whatever_the_flags_around_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["run", "m.yaml", "--shards=3", "--concurrency", "4", "--ray=10.0.0.1:6379", "--resubmit-lost"]
    assert [shard_argv(argv, i, 3, ray_address="10.0.0.1:6379") for i in range(3)] == [
        ["run", str(tmp_path / "m.yaml"), "--concurrency", "4", "--resubmit-lost", "--shard", f"{i}/3", "--quiet"]
        for i in range(3)
    ]


def test_a_log_file_and_a_local_out_are_made_absolute_and_an_object_store_out_is_kept_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    local = shard_argv(["run", "m.yaml", "--log-file", "logs/run.jsonl", "--out", "out"], 1, 2, ray_address=None)
    assert local == [
        "run", str(tmp_path / "m.yaml"), "--log-file", str(tmp_path / "logs" / "run.jsonl"),
        "--out", str(tmp_path / "out"), "--shard", "1/2", "--quiet",
    ]  # fmt: skip
    remote = shard_argv(["run", "m.yaml", "--out=gs://bucket/videos", "--log-file=run.log"], 0, 2, ray_address=None)
    assert remote == [
        "run", str(tmp_path / "m.yaml"), "--out", "gs://bucket/videos", "--log-file", str(tmp_path / "run.log"),
        "--shard", "0/2", "--quiet",
    ]  # fmt: skip


def test_a_ray_flag_without_an_address_keeps_the_argument_after_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["run", "m.yaml", "--ray", "--dry-run", "--shards", "2"]
    assert shard_argv(argv, 0, 2, ray_address=None) == [
        "run", str(tmp_path / "m.yaml"), "--dry-run", "--shard", "0/2", "--quiet",
    ]  # fmt: skip


def _ledger(folder: Path, states: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    lines = [json.dumps({"job_id": job_id, "event": state, "state": state}) for job_id, state in states.items()]
    (folder / "ledger.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_drivers_progress_counts_only_completed_jobs_across_every_shard(tmp_path):
    out = tmp_path / "out"
    _ledger(out / "shards" / "0-of-2", {"a": "completed", "b": "submitted", "c": "failed"})
    _ledger(out / "shards" / "1-of-2", {"d": "completed", "e": "polling"})
    assert progress_text(str(out), RayRun(codes={1: 0}), 2) == (
        "ray: 2/5 completed (jobs seen so far) across 2 shards; 1 shards done"
    )
    assert progress_text(str(tmp_path / "nothing-yet"), RayRun(), 2) == (
        "ray: 0/0 completed (jobs seen so far) across 2 shards; 0 shards done"
    )


def test_no_shards_is_refused_before_any_cluster_is_joined(monkeypatch):
    ray = pytest.importorskip("ray")
    from batchgen.cli.raydriver import run_on_ray

    joined: list[object] = []

    def join(*args: object, **kwargs: object) -> None:
        joined.append(args)
        pytest.fail("joined a cluster")

    monkeypatch.setattr(ray, "init", join)
    with pytest.raises(InputError, match="--shards must be at least 1 with --ray, got 0"):
        run_on_ray(["run", "m.yaml"], entry=lambda argv: 0, address="127.0.0.1:1", shards=0, key="k",
                   key_env="SEGMIND_API_KEY", out="out")  # fmt: skip
    assert joined == []
