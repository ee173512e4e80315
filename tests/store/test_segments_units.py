"""The segmented ledger at the unit level: what a resume reads back, what two writers on one shard do, and what
compaction keeps (an in-memory bucket)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from obstore.store import MemoryStore

from batchgen.errors import LedgerError, StorageError, StoreUnavailable
from batchgen.jobs import JobState
from batchgen.store import segments
from batchgen.store.objects import Bucket
from batchgen.store.segments import SegmentLedger, compact, read_segments, segment_key, write_snapshot

SHARD = "0-of-1"


def bucket() -> Bucket:
    return Bucket("memory://out", MemoryStore())


def line(job_id: str, state: str, **fields: Any) -> bytes:
    return json.dumps({"job_id": job_id, "event": state, "state": state, **fields}).encode() + b"\n"


async def keys(b: Bucket) -> list[str]:
    return sorted(info.key.rsplit("/", 1)[-1] for info in await b.list(f"ledger/{SHARD}/"))


async def test_an_empty_prefix_is_an_empty_ledger_whose_first_segment_is_number_one():
    found = await read_segments(bucket(), SHARD)
    assert (found.replay.jobs, found.replay.lines, found.next_seq, found.segments) == ({}, 0, 1, 0)


async def test_each_append_is_one_new_segment_and_a_resume_reads_them_back_in_order():
    b = bucket()
    ledger = SegmentLedger(b, SHARD, next_seq=1)
    record = await ledger.append("a", "submitting", JobState.SUBMITTING, model="m", params={"prompt": "ü"})
    assert record["job_id"] == "a" and record["state"] == "submitting"
    await ledger.append("a", "submitted", JobState.SUBMITTED, request_id="r1")
    await ledger.append("b", "submitting", JobState.SUBMITTING, model="m")
    assert await keys(b) == ["000000000001.jsonl", "000000000002.jsonl", "000000000003.jsonl"]
    assert ledger.fsyncs == 3 and ledger.next_seq == 4 and ledger.since_snapshot == 3
    assert ledger.jobs["a"]["request_id"] == "r1" and ledger.jobs["a"]["params"] == {"prompt": "ü"}
    found = await read_segments(b, SHARD)
    assert found.next_seq == 4 and found.segments == 3 and found.replay.lines == 3
    assert found.replay.jobs["a"]["state"] == "submitted" and found.replay.jobs["a"]["request_id"] == "r1"
    assert found.replay.jobs["b"]["state"] == "submitting"
    assert ledger.path == "memory://out/ledger/0-of-1/"


async def test_a_resume_reads_from_the_newest_snapshot_and_ignores_what_it_covers_and_foreign_files():
    b = bucket()
    await b.put_create(segment_key(SHARD, 1), line("a", "pending"))
    await b.put_create(segment_key(SHARD, 2, snapshot=True), line("a", "submitted") + line("b", "pending"))
    await b.put_create(segment_key(SHARD, 2), line("a", "failed"))  # covered by the snapshot
    await b.put_create(segment_key(SHARD, 3), b"\n" + line("b", "submitted") + b"  \n")
    await b.put_create(f"ledger/{SHARD}/notes.txt", b"not a segment")
    found = await read_segments(b, SHARD)
    assert {k: v["state"] for k, v in found.replay.jobs.items()} == {"a": "submitted", "b": "submitted"}
    assert found.next_seq == 4 and found.segments == 1 and found.replay.lines == 3


async def test_a_compaction_cut_short_before_its_deletes_finished_resumes_from_the_newest_snapshot():
    # A run killed while deleting what its snapshot covers: an older snapshot is left, the segments between
    # the two are gone.  The newer snapshot holds them all; the older one is no place to start from.
    b = bucket()
    await b.put_create(segment_key(SHARD, 2, snapshot=True), line("a", "submitted"))
    await b.put_create(segment_key(SHARD, 5, snapshot=True), line("a", "completed") + line("b", "submitted"))
    await b.put_create(segment_key(SHARD, 6), line("c", "pending"))
    found = await read_segments(b, SHARD)
    assert {k: v["state"] for k, v in found.replay.jobs.items()} == {"a": "completed", "b": "submitted", "c": "pending"}
    assert found.next_seq == 7 and found.segments == 1


async def test_a_missing_segment_is_named_with_what_to_do():
    b = bucket()
    for seq in (1, 3):
        await b.put_create(segment_key(SHARD, seq), line("a", "pending"))
    with pytest.raises(LedgerError) as err:
        await read_segments(b, SHARD)
    assert str(err.value) == (
        "ledger segment memory://out/ledger/0-of-1/000000000002.jsonl is missing (the next one is 3); the ledger "
        "was edited. Restore the segment from a backup or versioning, then run again"
    )


async def test_a_damaged_line_is_named_by_segment_and_line():
    b = bucket()
    await b.put_create(segment_key(SHARD, 1), line("a", "pending") + b"\n" + b'{"job_id": "b"}\n')
    with pytest.raises(LedgerError) as err:
        await read_segments(b, SHARD)
    assert str(err.value) == (
        "memory://out/ledger/0-of-1/000000000001.jsonl:3: malformed ledger line (not a JSON event with job_id and "
        "state); the segment was edited or damaged. Restore it from a backup or versioning, and run again"
    )


class Vanishing(Bucket):
    """Lists segments whose reads then find nothing (as when a compaction deletes them meanwhile)."""

    def __init__(self, inner: Bucket, vanish: int) -> None:
        super().__init__(inner.url, inner.store)
        self.vanish, self.reads = vanish, 0

    async def get(self, key: str) -> bytes | None:
        self.reads += 1
        if self.reads <= self.vanish:
            return None
        return await super().get(key)


async def test_segments_compacted_away_while_being_read_are_listed_again_but_not_forever():
    b = bucket()
    await b.put_create(segment_key(SHARD, 1), line("a", "pending"))
    found = await read_segments(Vanishing(b, 2), SHARD)  # gone twice, there the third time
    assert found.replay.jobs["a"]["state"] == "pending"
    with pytest.raises(LedgerError) as err:
        await read_segments(Vanishing(b, 3), SHARD)
    assert str(err.value) == (
        "the ledger segments under memory://out/ledger/0-of-1/ keep disappearing while being read; is a "
        "compaction looping? Run again"
    )


async def test_compaction_writes_one_snapshot_then_deletes_only_what_it_covers():
    b = bucket()
    assert not await compact(b, SHARD, await read_segments(b, SHARD))  # nothing to compact
    ledger = SegmentLedger(b, SHARD, next_seq=1)
    for state in ("pending", "submitting", "submitted"):
        await ledger.append("a", state, JobState(state), note="é")
    assert await compact(b, SHARD, await read_segments(b, SHARD))
    assert await keys(b) == ["000000000003.snapshot.jsonl"]
    body = await b.get(segment_key(SHARD, 3, snapshot=True))
    assert body is not None and body.count(b"\n") == 1 and "é".encode() in body  # one line a job, as written
    found = await read_segments(b, SHARD)
    assert found.next_seq == 4 and found.segments == 0 and found.replay.jobs["a"]["state"] == "submitted"
    assert not await compact(b, SHARD, found)  # nothing since the snapshot
    more = SegmentLedger(b, SHARD, next_seq=found.next_seq, replay=found.replay)
    await more.append("b", "pending", JobState.PENDING)
    await write_snapshot(b, SHARD, more.jobs, 4)
    assert await keys(b) == ["000000000004.snapshot.jsonl"]  # the older snapshot and segment 4 are covered
    assert set((await read_segments(b, SHARD)).replay.jobs) == {"a", "b"}


async def test_a_long_run_compacts_itself_and_a_failed_compaction_loses_nothing(monkeypatch):
    monkeypatch.setattr(segments, "COMPACT_AFTER", 3)
    b = bucket()
    ledger = SegmentLedger(b, SHARD, next_seq=1)
    for n in range(3):
        await ledger.append(f"j{n}", "pending", JobState.PENDING)
    assert await keys(b) == ["000000000003.snapshot.jsonl"] and ledger.since_snapshot == 0

    async def refuse(*args: Any) -> None:
        raise StorageError("no snapshot today")

    monkeypatch.setattr(segments, "write_snapshot", refuse)
    for n in range(3, 7):
        await ledger.append(f"j{n}", "pending", JobState.PENDING)
    assert ledger.since_snapshot == 4  # not reset: the next run compacts
    assert set((await read_segments(b, SHARD)).replay.jobs) == {f"j{n}" for n in range(7)}


async def test_a_second_writer_on_the_same_segment_stops_with_what_to_do_and_a_landed_retry_is_kept():
    b = bucket()
    first = SegmentLedger(b, SHARD, next_seq=1)
    second = SegmentLedger(b, SHARD, next_seq=1)
    await first.append("a", "pending", JobState.PENDING)
    with pytest.raises(LedgerError) as err:
        await second.append("b", "pending", JobState.PENDING)
    assert str(err.value) == (
        "memory://out/ledger/0-of-1/000000000001.jsonl was written by another run: two runs are working on shard "
        "0-of-1. This run stops without writing more; let the other finish, then run the same command again"
    )
    assert second.next_seq == 1 and second.fsyncs == 0
    assert set((await read_segments(b, SHARD)).replay.jobs) == {"a"}


class Flaky(Bucket):
    """Creates fail with ``error`` ``fails`` times; with ``land``, the first one landed before failing."""

    def __init__(self, inner: Bucket, fails: int, error: Exception, *, land: bool = False) -> None:
        super().__init__(inner.url, inner.store)
        self.fails, self.error, self.land, self.creates = fails, error, land, 0

    async def put_create(self, key: str, data: bytes) -> bool:
        self.creates += 1
        if self.creates <= self.fails:
            if self.land and self.creates == 1:
                await super().put_create(key, data)
            raise self.error
        return await super().put_create(key, data)


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    from batchgen.config import RetrySettings

    quick = RetrySettings(max_attempts=6, backoff_initial_s=1e-6, backoff_max_s=1e-6, deadline_s=60.0)
    monkeypatch.setattr(segments, "SEGMENT_RETRY", quick)


@pytest.mark.usefixtures("quick")
@pytest.mark.parametrize("land", [False, True])
async def test_an_unavailable_store_is_tried_again_and_a_create_that_landed_is_kept(land):
    b = bucket()
    ledger = SegmentLedger(Flaky(b, 2, StoreUnavailable("503 slow down"), land=land), SHARD, next_seq=1)
    await ledger.append("a", "pending", JobState.PENDING)
    assert ledger.next_seq == 2 and await keys(b) == ["000000000001.jsonl"]


@pytest.mark.usefixtures("quick")
async def test_a_store_that_stays_unavailable_or_refuses_stops_the_ledger_with_what_to_do():
    ledger = SegmentLedger(Flaky(bucket(), 99, StoreUnavailable("503 slow down")), SHARD, next_seq=1)
    with pytest.raises(LedgerError) as err:
        await ledger.append("a", "pending", JobState.PENDING)
    assert str(err.value) == (
        "memory://out/ledger/0-of-1/000000000001.jsonl: cannot write the ledger segment after 6 attempts (503 slow "
        "down); run the same command again once the store answers"
    )
    ledger = SegmentLedger(Flaky(bucket(), 99, StorageError("access denied")), SHARD, next_seq=1)
    with pytest.raises(LedgerError) as err:
        await ledger.append("a", "pending", JobState.PENDING)
    assert (
        str(err.value)
        == "memory://out/ledger/0-of-1/000000000001.jsonl: cannot write the ledger segment (access denied)"
    )
    assert ledger.next_seq == 1


async def test_a_writer_whose_lease_is_gone_writes_nothing():
    class Gone:
        def check(self) -> None:
            raise LedgerError("the lease of shard 0-of-1 was lost")

    b = bucket()
    ledger = SegmentLedger(b, SHARD, next_seq=1, lease=Gone())  # type: ignore[arg-type]
    with pytest.raises(LedgerError, match="lease"):
        await ledger.append("a", "pending", JobState.PENDING)
    assert await keys(b) == []
    async with SegmentLedger(b, SHARD, next_seq=1) as opened:
        await opened.append("a", "pending", JobState.PENDING)
    assert await keys(b) == ["000000000001.snapshot.jsonl"]  # its line, folded into one snapshot as it closed
