"""What the segmented ledger keeps, more promises at the unit level: each shard reads and compacts only its own
segments, nothing in the folder stops a resume short, every line keeps its event and time, grouped appends and
riding lines come back whole, closing folds a run into a snapshot only when it may, and compaction comes when
due (an in-memory bucket)."""

from __future__ import annotations

import json
import re
from typing import Any

import anyio
import pytest
from obstore.store import MemoryStore

from batchgen.errors import LedgerError
from batchgen.jobs import JobState
from batchgen.store import segments
from batchgen.store.ledger import Replay
from batchgen.store.objects import Bucket
from batchgen.store.segments import SegmentLedger, compact, read_segments, segment_key

SHARD, OTHER = "0-of-2", "1-of-2"


def bucket() -> Bucket:
    return Bucket("memory://out", MemoryStore())


def line(job_id: str, state: str, **fields: Any) -> bytes:
    return json.dumps({"job_id": job_id, "event": state, "state": state, **fields}).encode() + b"\n"


async def keys(b: Bucket, shard: str = SHARD) -> list[str]:
    return sorted(info.key.rsplit("/", 1)[-1] for info in await b.list(f"ledger/{shard}/"))


class Held:
    """A lease that is held."""

    def holds(self) -> bool:
        return True

    def check(self) -> None:
        pass


async def test_each_shard_reads_and_compacts_only_its_own_segments():
    b = bucket()
    for seq in (1, 2, 3):
        await b.put_create(segment_key(OTHER, seq), line(f"other{seq}", "pending"))
    mine = SegmentLedger(b, SHARD, next_seq=1)
    await mine.append("a", "pending", JobState.PENDING)
    await mine.append("a", "submitting", JobState.SUBMITTING)
    found = await read_segments(b, SHARD)
    assert set(found.replay.jobs) == {"a"} and found.next_seq == 3 and found.segments == 2
    assert await compact(b, SHARD, found)
    assert await keys(b, SHARD) == ["000000000002.snapshot.jsonl"]
    assert await keys(b, OTHER) == ["000000000001.jsonl", "000000000002.jsonl", "000000000003.jsonl"]  # untouched
    assert set((await read_segments(b, OTHER)).replay.jobs) == {"other1", "other2", "other3"}


async def test_a_foreign_file_that_lists_before_the_segments_does_not_stop_a_resume_short():
    b = bucket()
    await b.put_create(f"ledger/{SHARD}/.keep", b"")
    await b.put_create(f"ledger/{SHARD}/-notes.txt", b"not a segment")
    for seq, state in ((1, "pending"), (2, "submitted")):
        await b.put_create(segment_key(SHARD, seq), line("a", state))
    found = await read_segments(b, SHARD)
    assert found.replay.jobs["a"]["state"] == "submitted" and found.next_seq == 3 and found.replay.lines == 2


async def test_a_segment_with_bytes_that_are_not_utf8_is_read_with_them_replaced_and_never_torn():
    b = bucket()
    await b.put_create(segment_key(SHARD, 1), b'{"job_id": "a", "state": "pending", "prompt": "caf\xe9"}\n')
    found = await read_segments(b, SHARD)
    assert found.replay.jobs["a"]["prompt"] == "caf\ufffd" and found.replay.lines == 1
    assert found.replay.torn_tail is False  # a segment is written whole or not at all


async def test_a_ledger_of_one_segment_is_compacted_into_one_snapshot_of_the_lines_as_written():
    b = bucket()
    ledger = SegmentLedger(b, SHARD, next_seq=1)
    record = await ledger.append("a", "submitted", JobState.SUBMITTED, request_id="r1", note="é")
    assert await compact(b, SHARD, await read_segments(b, SHARD))
    assert await keys(b) == ["000000000001.snapshot.jsonl"]
    body = await b.get(segment_key(SHARD, 1, snapshot=True))
    assert body == json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


async def test_every_line_keeps_its_event_and_the_time_it_was_written():
    b = bucket()
    ledger = SegmentLedger(b, SHARD, next_seq=1)
    await ledger.append("a", "submit_postponed", JobState.PENDING, error={"detail": "429"})
    [(_, body)] = [(k, await b.get(k)) for k in [segment_key(SHARD, 1)]]
    assert body is not None
    written = json.loads(body)
    assert written["event"] == "submit_postponed" and written["state"] == "pending"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", written["ts"])


async def test_appends_made_together_share_a_segment_and_come_back_whole():
    b = bucket()
    ledger = SegmentLedger(b, SHARD, next_seq=1)

    async def append(n: int) -> None:
        await ledger.append(f"j{n}", "pending", JobState.PENDING)

    async with anyio.create_task_group() as tg:
        for n in range(8):
            tg.start_soon(append, n)
    assert ledger.fsyncs < 8  # grouped: fewer segments than lines
    found = await read_segments(b, SHARD)
    assert found.replay.lines == 8 and set(found.replay.jobs) == {f"j{n}" for n in range(8)}


async def test_closing_with_the_lease_held_writes_the_riding_lines_and_folds_the_run_into_a_snapshot():
    b = bucket()
    ledger = SegmentLedger(b, SHARD, next_seq=1, lease=Held())  # type: ignore[arg-type]
    await ledger.append("a", "submitted", JobState.SUBMITTED, request_id="r1")
    await ledger.append("a", "result", JobState.DOWNLOADING, output_url="http://127.0.0.1:9/a.mp4")
    assert ledger.jobs["a"]["state"] == "downloading"  # the view has the riding line at once...
    assert (await read_segments(b, SHARD)).replay.jobs["a"]["state"] == "submitted"  # ... the store not yet
    await ledger.close()
    assert await keys(b) == ["000000000002.snapshot.jsonl"]
    found = await read_segments(b, SHARD)
    assert found.replay.jobs["a"]["state"] == "downloading"
    assert found.replay.jobs["a"]["output_url"] == "http://127.0.0.1:9/a.mp4"


async def test_a_run_that_wrote_nothing_leaves_nothing_when_it_closes():
    b = bucket()
    async with SegmentLedger(b, SHARD, next_seq=1, lease=Held()):  # type: ignore[arg-type]
        pass
    assert await keys(b) == []
    await b.put_create(segment_key(SHARD, 3, snapshot=True), line("a", "submitted"))
    found = await read_segments(b, SHARD)
    async with SegmentLedger(b, SHARD, next_seq=found.next_seq, replay=found.replay):
        pass
    assert await keys(b) == ["000000000003.snapshot.jsonl"]


async def test_a_writer_that_collided_with_another_run_folds_nothing_when_it_closes():
    b = bucket()
    first = SegmentLedger(b, SHARD, next_seq=1)
    await first.append("a", "pending", JobState.PENDING)
    second = SegmentLedger(b, SHARD, next_seq=2, since_snapshot=1)
    await b.put_create(segment_key(SHARD, 2), line("x", "pending"))  # another run took segment 2
    with pytest.raises(LedgerError, match="written by another run"):
        await second.append("b", "pending", JobState.PENDING)
    await second.close()
    assert await keys(b) == ["000000000001.jsonl", "000000000002.jsonl"]


async def test_a_writer_whose_lease_lapsed_folds_nothing_when_it_closes():
    # its segments stay as they are: the shard is another run's now, and nothing is written without the lease
    class Lapsed(Held):
        lapsed = False

        def holds(self) -> bool:
            return not self.lapsed

    lease = Lapsed()
    b = bucket()
    ledger = SegmentLedger(b, SHARD, next_seq=1, lease=lease)  # type: ignore[arg-type]
    await ledger.append("a", "submitted", JobState.SUBMITTED, request_id="r1")
    await ledger.append("a", "completed", JobState.COMPLETED)
    lease.lapsed = True
    await ledger.close()
    assert await keys(b) == ["000000000001.jsonl", "000000000002.jsonl"]


@pytest.mark.parametrize(("appends", "compacted"), [(4, False), (5, True)])
async def test_a_run_with_many_jobs_compacts_once_a_quarter_of_their_number_of_segments_is_written(
    monkeypatch, appends, compacted
):
    monkeypatch.setattr(segments, "COMPACT_AFTER", 3)
    b = bucket()
    replay = Replay({f"j{n}": {"job_id": f"j{n}", "state": "pending"} for n in range(22)}, 22, False)
    ledger = SegmentLedger(b, SHARD, next_seq=1, replay=replay)
    for n in range(appends):
        await ledger.append(f"j{n}", "submitting", JobState.SUBMITTING)
    snapshots = [k for k in await keys(b) if k.endswith(".snapshot.jsonl")]
    assert snapshots == ([f"{appends:012d}.snapshot.jsonl"] if compacted else [])  # 22 // 4 = 5 segments
