"""A shard's lease never lapses while its holder lives: each renewal lands long before the lease it
renews runs out.  An object store on the local disk (``file://``); the lease's own records are read."""

from __future__ import annotations

import itertools
import json

import anyio
import pytest

pytest.importorskip("obstore")

from batchgen.store.lease import Lease
from batchgen.store.objects import Bucket


async def test_a_held_lease_is_renewed_well_before_each_generation_expires(tmp_path):
    ttl = 1.5
    bucket = Bucket(f"file://{tmp_path / 'store'}")
    lease = Lease(bucket, "0-of-1", ttl_s=ttl)
    lapses: list[float] = []
    async with lease.kept():
        with anyio.fail_after(60):
            while lease.generation < 5:  # four renewals, watched, not waited for by the clock
                if not lease.holds():
                    lapses.append(lease.now())
                await anyio.sleep(0.01)
    assert lapses == []
    records = [json.loads(await bucket.get(lease.key(g)) or b"{}") for g in range(1, 6)]
    assert [r["generation"] for r in records] == [1, 2, 3, 4, 5]
    for before, after in itertools.pairwise(records):
        written = after["expires_at"] - after["ttl_s"]  # when the renewal was made
        left = before["expires_at"] - written  # how long the renewed generation still had to run
        # Renewed with most of its time left: a lease renewed only as it runs out lapses on any delay,
        # and another machine may take the shard in that moment.
        assert left >= ttl / 2, (before, after)


# --------------------------------------------------------------------------- shards: every job in one shard, named


def test_a_jobs_shard_is_a_fixed_hash_of_its_id_the_same_on_every_machine():
    from batchgen.store.shards import Shard, shard_of

    # First eight bytes of SHA-256 of the UTF-8 id, big-endian, modulo the count: pinned values.
    assert [shard_of(j, 1000) for j in ("job-000", "a", "clip-17", "ünï")] == [785, 250, 640, 567]
    assert [shard_of(j, 7) for j in ("job-000", "a", "clip-17", "ünï")] == [5, 4, 6, 3]
    shard = Shard(5, 7)
    assert shard.owns("job-000") and not shard.owns("a")
    assert shard.name == "5-of-7" and str(shard) == "5/7"

    class Item:
        def __init__(self, ident: str) -> None:
            self.id = ident
            self.other = "a"

    items = [Item("job-000"), Item("a"), Item("clip-17")]
    assert [i.id for i in shard.select(items)] == ["job-000"]
    assert [i.id for i in Shard(4, 7).select(items, key="other")] == ["job-000", "a", "clip-17"]


def test_shard_bounds_and_names():
    from batchgen.errors import ConfigError
    from batchgen.store.shards import MAX_SHARDS, Shard, parse_name

    assert Shard(MAX_SHARDS - 1, MAX_SHARDS).count == 10_000
    with pytest.raises(ConfigError) as too_many:
        Shard(0, MAX_SHARDS + 1)
    assert str(too_many.value) == "the shard count must be between 1 and 10000, got 10001"
    with pytest.raises(ConfigError) as outside:
        Shard(-1, 4)
    assert str(outside.value) == (
        "shard index -1 is outside 0..3; indexes count from 0 (use --shard 0/4 to --shard 3/4)"
    )
    assert parse_name("2-of-8") == Shard(2, 8)
    assert parse_name("8-of-8") is None and parse_name("2of8") is None and parse_name("x-of-2") is None


@pytest.mark.parametrize(
    ("spec", "count", "env", "message"),
    [
        ("1-4", None, {}, "--shard '1-4': use I/N (e.g. --shard 0/4 for the first of four shards) or 'auto'"),
        ("1/4", 8, {}, "--shard 1/4 says 4 shards but --shards says 8; give one of them"),
        ("auto", None, {}, "--shard auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor "
                           "SLURM_ARRAY_TASK_ID (Slurm job array) is set; give the shard as --shard I/N"),
        ("auto", None, {"JOB_COMPLETION_INDEX": "2"}, "--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes "
         "Indexed Job) but not the shard count; pass --shards N or set BATCHGEN_SHARDS to the Job's completions"),
        ("auto", 4, {"JOB_COMPLETION_INDEX": " x "}, "--shard auto: JOB_COMPLETION_INDEX=' x ' is not a whole number"),
        ("auto", None, {"SLURM_ARRAY_TASK_ID": "2"}, "--shard auto: SLURM_ARRAY_TASK_ID is set but not "
         "SLURM_ARRAY_TASK_COUNT; pass --shards N"),
        ("auto", None, {"BATCHGEN_SHARDS": "two", "JOB_COMPLETION_INDEX": "1"},
         "--shard auto: BATCHGEN_SHARDS='two' is not a whole number"),
    ],
)  # fmt: skip
def test_every_bad_shard_message_in_full(spec, count, env, message):
    from batchgen.errors import ConfigError
    from batchgen.store.shards import parse_shard

    with pytest.raises(ConfigError) as caught:
        parse_shard(spec, count=count, environ=env)
    assert str(caught.value) == message


def test_auto_reads_this_processs_environment_and_trims_numbers(monkeypatch):
    from batchgen.store.shards import Shard, parse_shard

    for name in ("JOB_COMPLETION_INDEX", "BATCHGEN_SHARDS", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", " 6 ")
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "8")
    monkeypatch.setenv("SLURM_ARRAY_TASK_MIN", "2")
    assert parse_shard(" auto ") == Shard(4, 8)
    assert parse_shard("auto", count=5) == Shard(4, 5)  # --shards wins over the array's count
    monkeypatch.setenv("BATCHGEN_SHARDS", "6")
    assert parse_shard("auto") == Shard(4, 6)
    monkeypatch.setenv("JOB_COMPLETION_INDEX", "1")  # Kubernetes is asked first
    assert parse_shard("auto") == Shard(1, 6)
