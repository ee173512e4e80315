"""Audit of ``batchgen/store/segments.py``: a snapshot deletes only the segments it covers, never a later one, a
store that is unavailable for a while does not stop the ledger before its tries are spent, no file but a
segment is read as one, and closing after another run took the shard loses nothing but a riding line."""

from __future__ import annotations

import dataclasses
import json

import pytest
from obstore.store import MemoryStore

from batchgen.errors import LedgerError, StoreUnavailable
from batchgen.jobs import JobState
from batchgen.store import segments
from batchgen.store.objects import Bucket
from batchgen.store.segments import SegmentLedger, read_segments, segment_key, write_snapshot

SHARD = "0-of-1"


def _line(job_id: str, state: str, **fields: object) -> bytes:
    return json.dumps({"job_id": job_id, "event": state, "state": state, **fields}).encode() + b"\n"


async def test_a_snapshot_keeps_the_segments_written_after_the_one_it_folds():
    b = Bucket("memory://out", MemoryStore())
    await b.put_create(segment_key(SHARD, 1), _line("a", "submitting"))
    await b.put_create(segment_key(SHARD, 2), _line("a", "submitted", request_id="r1"))
    await b.put_create(segment_key(SHARD, 3), _line("b", "submitting"))
    await b.put_create(segment_key(SHARD, 4), _line("b", "submitted", request_id="r2"))
    # The view after segment 2 is folded; segments 3 and 4 (b's paid request) are not in it and must stay.
    await write_snapshot(b, SHARD, {"a": {"job_id": "a", "state": "submitted", "request_id": "r1"}}, 2)
    names = sorted(info.key.rsplit("/", 1)[-1] for info in await b.list(f"ledger/{SHARD}/"))
    assert names == ["000000000002.snapshot.jsonl", "000000000003.jsonl", "000000000004.jsonl"]
    found = await read_segments(b, SHARD)
    assert found.next_seq == 5 and found.segments == 2
    assert {k: (v["state"], v.get("request_id")) for k, v in found.replay.jobs.items()} == {
        "a": ("submitted", "r1"),
        "b": ("submitted", "r2"),
    }


class Unavailable(Bucket):
    """A store whose first ``fails`` creates answer 503."""

    def __init__(self, inner: Bucket, fails: int) -> None:
        super().__init__(inner.url, inner.store)
        self.fails, self.creates = fails, 0

    async def put_create(self, key: str, data: bytes) -> bool:
        self.creates += 1
        if self.creates <= self.fails:
            raise StoreUnavailable("503 slow down")
        return await super().put_create(key, data)


async def test_a_segment_is_written_on_its_sixth_try_when_the_store_was_unavailable_for_the_first_five(monkeypatch):
    quick = dataclasses.replace(segments.SEGMENT_RETRY, backoff_initial_s=1e-6, backoff_max_s=1e-6)
    monkeypatch.setattr(segments, "SEGMENT_RETRY", quick)
    b = Bucket("memory://out", MemoryStore())
    flaky = Unavailable(b, 5)
    ledger = SegmentLedger(flaky, SHARD, next_seq=1)
    await ledger.append("a", "submitting", JobState.SUBMITTING)
    assert flaky.creates == 6 and ledger.next_seq == 2
    assert {k: v["state"] for k, v in (await read_segments(b, SHARD)).replay.jobs.items()} == {"a": "submitting"}
    with pytest.raises(LedgerError, match="after 6 attempts"):
        await SegmentLedger(Unavailable(b, 6), SHARD, next_seq=2).append("b", "submitting", JobState.SUBMITTING)


@pytest.mark.parametrize(
    "name",
    ["000000000002.jsonl.bak", "backup/000000000002.jsonl", "0000000000002.jsonl", "\uff10" * 11 + "\uff12.jsonl"],
)
async def test_a_foreign_file_named_like_a_segment_is_not_read_in_its_place_nor_deleted_by_a_compaction(name):
    b = Bucket("memory://out", MemoryStore())
    await b.put_create(segment_key(SHARD, 1), _line("a", "submitting"))
    await b.put_create(segment_key(SHARD, 2), _line("a", "submitted", request_id="r1"))
    stray = f"ledger/{SHARD}/{name}"
    await b.put_create(stray, _line("a", "submitting"))
    found = await read_segments(b, SHARD)
    assert (found.replay.jobs["a"]["state"], found.replay.jobs["a"].get("request_id")) == ("submitted", "r1")
    await write_snapshot(b, SHARD, found.replay.jobs, 2)
    keys = {info.key for info in await b.list(f"ledger/{SHARD}/")}
    assert keys == {segment_key(SHARD, 2, snapshot=True), stray}


async def test_closing_after_another_run_took_the_next_segment_loses_only_the_riding_line_and_raises_nothing():
    b = Bucket("memory://out", MemoryStore())
    ledger = SegmentLedger(b, SHARD, next_seq=1)
    await ledger.append("a", "submitted", JobState.SUBMITTED, request_id="r1")
    await ledger.append("a", "result", JobState.DOWNLOADING, output_url="http://127.0.0.1:9/a.mp4")
    await b.put_create(segment_key(SHARD, 2), _line("x", "pending"))  # another run took segment 2
    await ledger.close()
    found = await read_segments(b, SHARD)
    # the job stays 'submitted' with its request id: the next run polls it again, and sends nothing again
    assert found.replay.jobs["a"]["state"] == "submitted" and found.replay.jobs["a"]["request_id"] == "r1"
    assert found.next_seq == 3
