"""Audit of ``batchgen/store/segments.py``: a snapshot deletes only the segments it covers, never a later one."""

from __future__ import annotations

import json

from obstore.store import MemoryStore

from batchgen.store.objects import Bucket
from batchgen.store.segments import read_segments, segment_key, write_snapshot

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
