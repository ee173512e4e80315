"""The store layer: shard selection, the object store, the segmented ledger and the lease (moto on loopback)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath

import pytest

from batchgen.errors import ConfigError, InputError, LedgerError, LockHeld
from batchgen.jobs import JobState
from batchgen.store.local import OutputDir
from batchgen.store.shards import Shard, parse_shard, shard_of
from tests.helpers import (
    S3,
)

SAMPLE = Path(__file__).resolve().parents[2] / "batchgen" / "simulator" / "templates"

# --------------------------------------------------------------------------- shards


def test_every_job_lands_in_exactly_one_shard_and_the_hash_is_stable():
    ids = [f"job-{i:04d}" for i in range(2000)]
    for count in (1, 2, 4, 8):
        owners = [[s for s in range(count) if Shard(s, count).owns(job)] for job in ids]
        assert all(len(o) == 1 for o in owners)
        sizes = [sum(1 for o in owners if o == [s]) for s in range(count)]
        assert min(sizes) > 2000 / count * 0.8  # spread evenly enough
    # Fixed values: the hash must never change between versions, or a resumed shard would lose jobs.
    assert [shard_of("collie-vr", 8), shard_of("job-0000", 8), shard_of("x", 3)] == [
        int.from_bytes(hashlib.sha256(s.encode()).digest()[:8], "big") % n
        for s, n in (("collie-vr", 8), ("job-0000", 8), ("x", 3))
    ]


@pytest.mark.parametrize(
    ("spec", "count", "env", "expected"),
    [
        ("2/4", None, {}, Shard(2, 4)),
        ("auto", 6, {"JOB_COMPLETION_INDEX": "5"}, Shard(5, 6)),
        ("auto", None, {"JOB_COMPLETION_INDEX": "1", "BATCHGEN_SHARDS": "3"}, Shard(1, 3)),
        ("auto", None, {"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "8"}, Shard(3, 8)),
        (
            "auto",
            None,
            {"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"},
            Shard(3, 4),
        ),
    ],
)
def test_parse_shard(spec, count, env, expected):
    assert parse_shard(spec, count=count, environ=env) == expected


@pytest.mark.parametrize(
    ("spec", "count", "env", "message"),
    [
        ("4/4", None, {}, "outside 0..3"),
        ("1-4", None, {}, "use I/N"),
        ("0/0", None, {}, "between 1 and"),
        ("1/4", 8, {}, "--shards says 8"),
        ("auto", None, {}, "neither JOB_COMPLETION_INDEX"),
        ("auto", None, {"JOB_COMPLETION_INDEX": "2"}, "BATCHGEN_SHARDS"),
        ("auto", 4, {"JOB_COMPLETION_INDEX": "x"}, "not a whole number"),
    ],
)
def test_bad_shard_specs_say_what_to_do(spec, count, env, message):
    with pytest.raises(ConfigError, match=message):
        parse_shard(spec, count=count, environ=env)


def test_a_sharded_local_folder_keeps_state_per_shard_and_videos_together(tmp_path):
    plain = OutputDir(tmp_path / "a")
    assert plain.ledger == tmp_path / "a" / "ledger.jsonl"  # unchanged without a shard
    sharded = OutputDir(tmp_path / "b", shard=Shard(1, 4))
    sharded.prepare()
    assert sharded.ledger == tmp_path / "b" / "shards" / "1-of-4" / "ledger.jsonl"
    assert sharded.videos == tmp_path / "b" / "videos"
    assert (tmp_path / "b" / "shards" / "1-of-4" / ".partial").is_dir()


# --------------------------------------------------------------------------- object store


def sample_video() -> bytes:
    return sorted(SAMPLE.glob("*.mp4"))[0].read_bytes()


async def chunks_of(data: bytes, size: int = 65536):
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_a_stored_video_is_trusted_only_at_its_recorded_size_and_deep_only_with_its_recorded_hash():
    # Objects never change once created, so presence and size are the quick check; --verify-files reads each
    # one back.  An object of another size (a copy cut short by hand), or other bytes, is fetched again.
    from obstore.store import MemoryStore

    from batchgen.store.objects import Bucket, ObjectStore

    store = ObjectStore("memory://out", bucket=Bucket("memory://out", MemoryStore()))
    data = b"v" * 100
    digest = hashlib.sha256(data).hexdigest()
    await store.bucket.put_create("videos/same.mp4", data)
    await store.bucket.put_create("videos/short.mp4", data[:60])
    await store.bucket.put_create("videos/other.mp4", b"w" * 100)
    items: list[tuple[PurePosixPath, int | None, str | None, int | None]] = [
        (PurePosixPath(f"videos/{name}.mp4"), 100, digest, None) for name in ("same", "short", "other", "gone")
    ]
    assert await store.verify_many(items) == [True, False, True, False]
    assert await store.verify_many(items, deep=True) == [True, False, False, False]
    store.close()


async def test_a_video_goes_up_whole_once_and_is_adopted_if_already_there(s3: S3, tmp_path):
    from batchgen.store.objects import ObjectStore

    store = ObjectStore(s3.url(), spool_dir=tmp_path / "spool")
    store.prepare()
    data = sample_video()
    dest = store.video_path("clip-1", "kling-text2video")
    assert dest == PurePosixPath("videos/clip-1.mp4")
    saved = await store.save_stream("clip-1", dest, chunks_of(data), content_length=len(data), file_size=None,
                                    max_bytes=1 << 30)  # fmt: skip
    assert saved.sha256 == hashlib.sha256(data).hexdigest() and saved.size == len(data)
    assert s3.keys("run/videos/") == {"run/videos/clip-1.mp4": data}
    # The same video again (a run killed before 'completed'): adopted, nothing replaced.
    again = await store.save_stream(
        "clip-1", dest, chunks_of(data), content_length=None, file_size=None, max_bytes=1 << 30
    )
    assert list(s3.keys("run/videos/")) == ["run/videos/clip-1.mp4"]
    assert not saved.path.exists()  # the first attempt's spool copy went when the second arrived
    assert await store.verify_many([(dest, len(data), saved.sha256, None)], deep=True) == [True]
    assert await store.verify_many([(store.video_path("nope", "m"), 10, None, None)]) == [False]
    # The spool copy is kept for the download stage's probe until the sidecar is written, then removed.
    assert again.path.read_bytes() == data
    await store.write_sidecar(dest, {"job_id": "clip-1"})
    assert not again.path.exists()
    store.close()
    assert list((tmp_path / "spool").rglob("*.part")) == []


async def test_a_bad_video_never_reaches_the_bucket(s3: S3, tmp_path):
    from batchgen.errors import DownloadError
    from batchgen.store.objects import ObjectStore

    store = ObjectStore(s3.url(), spool_dir=tmp_path / "spool")
    store.prepare()
    data = sample_video()
    dest = store.video_path("cut", "m")
    with pytest.raises(DownloadError, match="Content-Length says"):
        await store.save_stream("cut", dest, chunks_of(data[:-100]), content_length=len(data), file_size=None,
                                max_bytes=1 << 30)  # fmt: skip
    with pytest.raises(DownloadError, match="not a valid MP4"):
        await store.save_stream("cut", dest, chunks_of(data[:-100]), content_length=None, file_size=None,
                                max_bytes=1 << 30)  # fmt: skip
    assert s3.keys("run/") == {}
    store.close()
    assert list((tmp_path / "spool").iterdir()) == []  # its spool folder went with it


def test_an_exit_that_runs_no_cleanup_can_still_remove_the_open_stores_spools(s3: S3, tmp_path):
    from batchgen.store.objects import ObjectStore, remove_open_spools

    stores = [ObjectStore(s3.url(), spool_dir=tmp_path / "spool") for _ in range(2)]
    for store in stores:
        store.prepare()
    closed = ObjectStore(s3.url(), spool_dir=tmp_path / "spool")
    closed.prepare()
    closed.close()
    assert len(list((tmp_path / "spool").iterdir())) == 2
    remove_open_spools()  # what the CLI does before os._exit on a second signal
    assert list((tmp_path / "spool").iterdir()) == []
    for store in stores:
        store.close()  # and closing afterwards is harmless


async def test_a_spool_folder_removed_under_a_running_store_is_made_again_with_its_mark(s3: S3, tmp_path):
    import shutil

    from batchgen.store.objects import ObjectStore
    from batchgen.store.spools import MARK

    store = ObjectStore(s3.url(), spool_dir=tmp_path / "spool")
    store.prepare()
    assert store.spool is not None
    shutil.rmtree(store.spool)  # a cleaner of the spool folder
    data = sample_video()
    await store.save_stream("clip", PurePosixPath("videos/clip.mp4"), chunks_of(data), content_length=None,
                            file_size=None, max_bytes=1 << 30)  # fmt: skip
    assert s3.keys("run/videos/")["run/videos/clip.mp4"] == data
    assert (store.spool / MARK).is_file()  # a later run may remove it if this one is killed
    store.close()


async def test_a_different_object_in_the_way_is_moved_aside_not_overwritten(s3: S3, tmp_path):
    from batchgen.store.objects import Bucket, ObjectStore

    await Bucket(s3.url()).put("videos/clip.mp4", b"an older, different video")
    store = ObjectStore(s3.url(), spool_dir=tmp_path)
    data = sample_video()
    await store.save_stream("clip", PurePosixPath("videos/clip.mp4"), chunks_of(data), content_length=None,
                            file_size=None, max_bytes=1 << 30)  # fmt: skip
    keys = s3.keys("run/videos/")
    assert keys["run/videos/clip.mp4"] == data
    aside = [k for k in keys if ".replaced-" in k]
    assert len(aside) == 1 and keys[aside[0]] == b"an older, different video"
    store.close()


class VanishingBucket:
    """A bucket where an object is in the way of the first create, and gone by the time it is read."""

    def __init__(self, inner) -> None:
        self.inner, self.in_the_way = inner, True

    async def put_create(self, key: str, data: bytes) -> bool:
        if self.in_the_way:
            return False
        return await self.inner.put_create(key, data)

    async def get(self, key: str) -> bytes | None:
        if self.in_the_way:
            self.in_the_way = False  # deleted between the create and the read
            return None
        return await self.inner.get(key)

    def __getattr__(self, name):
        return getattr(self.inner, name)


async def test_an_object_in_the_way_that_vanishes_is_created_anew_not_taken_as_stored(s3: S3, tmp_path):
    from batchgen.store.objects import Bucket, ObjectStore

    store = ObjectStore(s3.url(), spool_dir=tmp_path, bucket=VanishingBucket(Bucket(s3.url())))  # type: ignore[arg-type]
    data = sample_video()
    await store.save_stream("clip", PurePosixPath("videos/clip.mp4"), chunks_of(data), content_length=None,
                            file_size=None, max_bytes=1 << 30)  # fmt: skip
    assert s3.keys("run/videos/") == {"run/videos/clip.mp4": data}
    store.close()


# --------------------------------------------------------------------------- segmented ledger


async def test_segments_replay_in_order_and_compact(s3: S3):
    from batchgen.store.objects import Bucket
    from batchgen.store.segments import SegmentLedger, compact, read_segments

    bucket = Bucket(s3.url())
    found = await read_segments(bucket, "0-of-1")
    assert found.next_seq == 1 and found.replay.jobs == {}
    ledger = SegmentLedger(bucket, "0-of-1", next_seq=1)
    await ledger.append("a", "submitted", JobState.SUBMITTED, request_id="r-a", model="m")
    await ledger.append("b", "submitted", JobState.SUBMITTED, request_id="r-b", model="m")
    await ledger.append("a", "completed", JobState.COMPLETED, sha256="x")
    assert ledger.fsyncs == 3
    found = await read_segments(bucket, "0-of-1")
    assert found.next_seq == 4
    assert found.replay.jobs["a"]["state"] == "completed" and found.replay.jobs["a"]["request_id"] == "r-a"
    assert await compact(bucket, "0-of-1", found)
    assert sorted(s3.keys("run/ledger/")) == ["run/ledger/0-of-1/000000000003.snapshot.jsonl"]
    again = await read_segments(bucket, "0-of-1")
    assert again.replay.jobs == found.replay.jobs and again.next_seq == 4
    more = SegmentLedger(bucket, "0-of-1", next_seq=again.next_seq)
    await more.append("b", "completed", JobState.COMPLETED)
    final = await read_segments(bucket, "0-of-1")
    assert final.replay.jobs["b"]["state"] == "completed" and final.replay.jobs["b"]["request_id"] == "r-b"


async def test_a_result_line_rides_with_the_next_segment_and_a_crash_before_it_leaves_the_job_submitted(s3: S3):
    from batchgen.store.objects import Bucket
    from batchgen.store.segments import SegmentLedger, read_segments

    bucket = Bucket(s3.url())
    ledger = SegmentLedger(bucket, "0-of-1", next_seq=1)
    await ledger.append("a", "submitting", JobState.SUBMITTING, model="m")
    await ledger.append("a", "submitted", JobState.SUBMITTED, request_id="r-a")
    with s3.requests() as seen:
        await ledger.append("a", "result", JobState.DOWNLOADING, output_url="https://cdn/a.mp4", cost=0.28)
    assert seen.puts() == 0 and ledger.fsyncs == 2  # nothing written yet: it waits for company
    assert ledger.jobs["a"]["state"] == "downloading"  # the run's own view has it
    # A crash now: the next run finds the job submitted, with its request id, to poll again (never to submit).
    crashed = (await read_segments(bucket, "0-of-1")).replay.jobs["a"]
    assert crashed["state"] == "submitted" and crashed["request_id"] == "r-a"
    with s3.requests() as seen:
        await ledger.append("a", "completed", JobState.COMPLETED, sha256="x", file="videos/a.mp4")
    assert seen.puts("run/ledger/") == 1  # the result line and the completed line: one segment
    lines = s3.keys("run/ledger/")["run/ledger/0-of-1/000000000003.jsonl"].decode().splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["result", "completed"]
    done = (await read_segments(bucket, "0-of-1")).replay.jobs["a"]
    assert done["state"] == "completed" and done["cost"] == 0.28 and done["request_id"] == "r-a"


async def test_close_writes_riding_lines_and_folds_the_run_into_one_snapshot(s3: S3):
    from batchgen.store.objects import Bucket
    from batchgen.store.segments import SegmentLedger, read_segments

    bucket = Bucket(s3.url())
    ledger = SegmentLedger(bucket, "0-of-1", next_seq=1)
    for job in ("a", "b"):
        await ledger.append(job, "submitted", JobState.SUBMITTED, request_id=f"r-{job}")
    await ledger.append("b", "completed", JobState.COMPLETED, sha256="y")
    await ledger.append("a", "result", JobState.DOWNLOADING, output_url="https://cdn/a.mp4")  # stopped mid-download
    await ledger.close()
    assert list(s3.keys("run/ledger/")) == ["run/ledger/0-of-1/000000000004.snapshot.jsonl"]
    with s3.requests() as seen:
        found = await read_segments(bucket, "0-of-1")
    assert [method for method, _ in seen.seen] == ["GET", "GET"]  # one listing, one object
    assert found.replay.jobs["a"]["state"] == "downloading" and found.replay.jobs["a"]["output_url"]
    assert found.replay.jobs["b"]["state"] == "completed" and found.next_seq == 5


async def test_a_writer_that_collided_leaves_no_snapshot_when_it_closes(s3: S3):
    from batchgen.store.objects import Bucket
    from batchgen.store.segments import SegmentLedger, read_segments

    bucket = Bucket(s3.url())
    first = SegmentLedger(bucket, "0-of-1", next_seq=1)
    second = SegmentLedger(bucket, "0-of-1", next_seq=1)
    await first.append("a", "submitted", JobState.SUBMITTED, request_id="r1")
    await second.append("b", "result", JobState.DOWNLOADING)  # riding: nothing written yet
    with pytest.raises(LedgerError, match="written by another run"):
        await second.append("b", "completed", JobState.COMPLETED)
    await second.close()
    assert list(s3.keys("run/ledger/")) == ["run/ledger/0-of-1/000000000001.jsonl"]
    assert list((await read_segments(bucket, "0-of-1")).replay.jobs) == ["a"]


async def test_two_writers_on_one_shard_collide_and_the_loser_stops(s3: S3):
    from batchgen.store.objects import Bucket
    from batchgen.store.segments import SegmentLedger, read_segments

    bucket = Bucket(s3.url())
    first = SegmentLedger(bucket, "0-of-2", next_seq=1)
    second = SegmentLedger(bucket, "0-of-2", next_seq=1)
    await first.append("a", "submitted", JobState.SUBMITTED, request_id="r1")
    with pytest.raises(LedgerError, match="written by another run"):
        await second.append("a", "submitted", JobState.SUBMITTED, request_id="r2")
    with pytest.raises(LedgerError):  # and it stays stopped
        await second.append("b", "submitted", JobState.SUBMITTED, request_id="r3")
    jobs = (await read_segments(bucket, "0-of-2")).replay.jobs
    assert jobs == {"a": jobs["a"]} and jobs["a"]["request_id"] == "r1"


async def test_a_damaged_or_missing_segment_is_named(s3: S3):
    from batchgen.store.objects import Bucket
    from batchgen.store.segments import read_segments

    bucket = Bucket(s3.url())
    await bucket.put("ledger/0-of-1/000000000001.jsonl", b'{"job_id":"a","state":"pending"}\n')
    await bucket.put("ledger/0-of-1/000000000003.jsonl", b'{"job_id":"a","state":"pending"}\n')
    with pytest.raises(LedgerError, match=r"000000000002\.jsonl is missing"):
        await read_segments(bucket, "0-of-1")
    await bucket.put("ledger/0-of-1/000000000002.jsonl", b"{not json\n")
    with pytest.raises(LedgerError, match=r"000000000002\.jsonl:1: malformed"):
        await read_segments(bucket, "0-of-1")


# --------------------------------------------------------------------------- lease


async def test_a_held_lease_refuses_a_second_run_and_an_expired_one_is_taken_over(s3: S3):
    from batchgen.store.lease import Lease
    from batchgen.store.objects import Bucket

    clock = [1000.0]
    bucket = Bucket(s3.url())
    holder = Lease(bucket, "1-of-4", ttl_s=30, now=lambda: clock[0])
    await holder.acquire()
    assert holder.holds()
    with pytest.raises(LockHeld, match="holds shard 1-of-4"):
        await Lease(bucket, "1-of-4", ttl_s=30, now=lambda: clock[0]).acquire()
    await Lease(bucket, "2-of-4", ttl_s=30, now=lambda: clock[0]).acquire()  # other shards are free
    clock[0] += 20
    await holder.renew()  # renewed: good for 30 s from now
    clock[0] += 20
    with pytest.raises(LockHeld):
        await Lease(bucket, "1-of-4", ttl_s=30, now=lambda: clock[0]).acquire()
    clock[0] += 11  # the holder stopped renewing (paused, or its machine died)
    assert not holder.holds()
    with pytest.raises(LedgerError, match="no longer holds shard 1-of-4"):
        holder.check()
    taker = Lease(bucket, "1-of-4", ttl_s=30, now=lambda: clock[0])
    await taker.acquire()
    assert taker.holds()
    await holder.renew()  # the paused holder wakes up: it collides with the taker's generation
    assert holder.lost and not holder.holds()
    await taker.release()
    after = Lease(bucket, "1-of-4", ttl_s=30, now=lambda: clock[0])
    await after.acquire()  # a released lease is free at once
    record = json.loads(s3.keys("run/lease/1-of-4/")[f"run/{after.key(after.generation)}"])
    assert record["holder"] == after.holder and record["expires_at"] == clock[0] + 30


async def test_the_segment_writer_stops_once_its_lease_is_gone(s3: S3):
    from batchgen.store.lease import Lease
    from batchgen.store.objects import Bucket
    from batchgen.store.segments import SegmentLedger

    clock = [0.0]
    bucket = Bucket(s3.url())
    lease = Lease(bucket, "0-of-1", ttl_s=10, now=lambda: clock[0])
    await lease.acquire()
    ledger = SegmentLedger(bucket, "0-of-1", next_seq=1, lease=lease)
    await ledger.append("a", "submitting", JobState.SUBMITTING)
    clock[0] = 11
    with pytest.raises(LedgerError, match="no longer holds"):
        await ledger.append("a", "submitted", JobState.SUBMITTED, request_id="r")
    assert len(s3.keys("run/ledger/")) == 1


async def test_shard_counts_cannot_change_under_one_out(s3: S3, tmp_path):
    from batchgen.store.output import check_shard_layout, open_output

    async with open_output(s3.url(), shard=Shard(0, 4)) as opened:
        await opened.ledger.append("a", "submitting", JobState.SUBMITTING)
    with pytest.raises(InputError, match="could be paid for twice"):
        await check_shard_layout(s3.url(), Shard(0, 2))
    await check_shard_layout(s3.url(), Shard(3, 4))
    async with open_output(tmp_path / "out") as opened:
        await opened.ledger.append("a", "submitting", JobState.SUBMITTING)
    with pytest.raises(InputError, match="could be paid for twice"):
        await check_shard_layout(tmp_path / "out", Shard(0, 2))


async def test_an_error_inside_a_held_lease_comes_out_as_itself_and_the_lease_is_released(s3: S3):
    from batchgen.errors import StorageError
    from batchgen.store.lease import Lease
    from batchgen.store.objects import Bucket

    bucket = Bucket(s3.url())
    lease = Lease(bucket, "0-of-1")
    with pytest.raises(StorageError, match="boom"):
        async with lease.kept():
            raise StorageError("boom")
    await Lease(bucket, "0-of-1").acquire()  # released: the next run takes the shard at once


async def test_a_long_run_compacts_as_it_goes_and_keeps_every_jobs_view(s3: S3, monkeypatch):
    from batchgen.store import segments
    from batchgen.store.objects import Bucket

    monkeypatch.setattr(segments, "COMPACT_AFTER", 4)
    bucket = Bucket(s3.url())
    ledger = segments.SegmentLedger(bucket, "0-of-1", next_seq=1)
    for i in range(10):
        await ledger.append(f"j{i % 3}", "submitted", JobState.SUBMITTED, request_id=f"r{i}", model="m")
    await ledger.append("j0", "completed", JobState.COMPLETED)
    names = sorted(k.rsplit("/", 1)[-1] for k in s3.keys("run/ledger/"))
    assert any(n.endswith(".snapshot.jsonl") for n in names) and len(names) < 11
    found = await segments.read_segments(bucket, "0-of-1")
    assert found.next_seq == 12
    assert found.replay.jobs == ledger.jobs
    assert ledger.jobs["j0"]["state"] == "completed" and ledger.jobs["j0"]["request_id"] == "r9"


class FlakyBucket:
    """A bucket whose next ``failures`` creates fail as an unavailable store would, some after landing."""

    def __init__(self, inner, failures: int, *, land: bool) -> None:
        self.inner, self.failures, self.land = inner, failures, land

    async def put_create(self, key: str, data: bytes) -> bool:
        from batchgen.errors import StoreUnavailable

        if self.failures:
            self.failures -= 1
            if self.land:  # the PUT reached the store; only its answer was lost
                await self.inner.put_create(key, data)
            raise StoreUnavailable(f"cannot create {key} (timed out)")
        return await self.inner.put_create(key, data)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.parametrize("land", [False, True])
async def test_a_segment_write_rides_out_an_unavailable_store(s3: S3, monkeypatch, land):
    from batchgen.config import RetrySettings
    from batchgen.store import segments
    from batchgen.store.objects import Bucket

    quick = RetrySettings(max_attempts=6, backoff_initial_s=1e-6, backoff_max_s=1e-6, deadline_s=60.0)
    monkeypatch.setattr(segments, "SEGMENT_RETRY", quick)  # the same tries, without the waits
    bucket = Bucket(s3.url())
    ledger = segments.SegmentLedger(FlakyBucket(bucket, 2, land=land), "0-of-1", next_seq=1)  # type: ignore[arg-type]
    await ledger.append("a", "submitted", JobState.SUBMITTED, request_id="r")
    await ledger.append("a", "completed", JobState.COMPLETED)
    found = await segments.read_segments(bucket, "0-of-1")
    assert found.next_seq == 3 and found.replay.jobs["a"]["state"] == "completed"
    stuck = segments.SegmentLedger(FlakyBucket(bucket, 99, land=False), "0-of-1", next_seq=3)  # type: ignore[arg-type]
    with pytest.raises(LedgerError, match="after 6 attempts"):
        await stuck.append("b", "submitting", JobState.SUBMITTING)


async def test_a_video_that_cannot_be_stored_yet_is_a_retryable_download_error(s3: S3, tmp_path):
    from batchgen.errors import DownloadError
    from batchgen.store.objects import Bucket, ObjectStore

    store = ObjectStore(s3.url(), spool_dir=tmp_path, bucket=FlakyBucket(Bucket(s3.url()), 1, land=True))  # type: ignore[arg-type]
    data = sample_video()
    dest = store.video_path("clip", "m")
    with pytest.raises(DownloadError, match="could not be stored yet") as caught:
        await store.save_stream("clip", dest, chunks_of(data), content_length=None, file_size=None, max_bytes=1 << 30)
    assert caught.value.retryable
    # the download stage tries again: the object that landed is adopted, not duplicated
    await store.save_stream("clip", dest, chunks_of(data), content_length=None, file_size=None, max_bytes=1 << 30)
    assert s3.keys("run/videos/") == {"run/videos/clip.mp4": data}
    store.close()


def test_a_store_error_that_running_again_can_mend_is_retried_and_one_it_cannot_stops_the_run_saying_why():
    """Credentials, permissions and a wrong path stay wrong however often the same command runs: they stop the
    run (StorageError).  A network fault or a 5xx passes: the caller retries it (StoreUnavailable).  A bucket
    that does not exist is named, with what to correct."""
    from obstore.exceptions import GenericError, PermissionDeniedError, UnauthenticatedError

    from batchgen.errors import StorageError, StoreUnavailable
    from batchgen.store.objects import Bucket

    bucket = Bucket("s3://films/run")
    for permanent in (PermissionDeniedError("Access Denied"), UnauthenticatedError("bad signature")):
        error = bucket._error("write", "videos/a.mp4", permanent)
        assert type(error) is StorageError
        assert "s3://films/run/videos/a.mp4" in str(error) and "credentials" in str(error)
    passing = bucket._error("write", "videos/a.mp4", GenericError("connection reset by peer"))
    assert isinstance(passing, StoreUnavailable) and "run the same command again" in str(passing)
    missing = bucket._error("list", "ledger/", GenericError("NoSuchBucket: The specified bucket does not exist"))
    assert type(missing) is StorageError
    assert "'films' does not exist" in str(missing) and "cannot help" in str(missing)


async def test_each_shard_writes_its_own_results_file_and_a_video_of_no_recorded_size_is_trusted_by_presence():
    from obstore.store import MemoryStore

    from batchgen.store.objects import Bucket, ObjectStore

    bucket = Bucket("memory://out", MemoryStore())
    for index in range(2):
        store = ObjectStore("memory://out", shard=Shard(index, 2), bucket=bucket)
        await store.write_results(f"shard {index}\n".encode())
    assert await bucket.get("results/0-of-2.csv") == b"shard 0\n"  # neither shard's rows overwrite the other's
    assert await bucket.get("results/1-of-2.csv") == b"shard 1\n"
    await bucket.put_create("videos/a.mp4", b"v" * 10)
    items: list[tuple[PurePosixPath, int | None, str | None, int | None]] = [
        (PurePosixPath("videos/a.mp4"), None, None, None),
        (PurePosixPath("videos/b.mp4"), None, None, None),
    ]
    assert await store.verify_many(items) == [True, False]
    # an object that is not there reads as absent, never as empty (a segment or a lease generation removed
    # between a listing and its read would otherwise be read as holding nothing)
    assert await bucket.get("videos/b.mp4") is None


def opened_stores(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict]]:
    """Each store obstore is asked to open from now on, as (URL, options), none opened."""
    import obstore.store

    opened: list[tuple[str, dict]] = []

    def from_url(u: str, **options: object) -> object:
        opened.append((u, options))
        return object()

    monkeypatch.setattr(obstore.store, "from_url", from_url)
    return opened


@pytest.mark.parametrize("url", ["s3://bucket/run", "S3://bucket/run", "s3a://bucket/run", "S3A://bucket/run"])
def test_an_s3_url_in_any_case_is_opened_at_the_configured_endpoint(monkeypatch, url):
    # AWS_ENDPOINT_URL names the store (a MinIO, a moto): a URL that skipped it would send the keys and the
    # videos to AWS itself
    from batchgen.store import objects

    opened = opened_stores(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    objects._open(url)
    assert opened == [(url.split("://")[0].lower() + "://bucket/run", {"endpoint": "http://127.0.0.1:9"})]
