"""The ledger in an object store: a numbered log of immutable, create-only segments.

An object store cannot append, so the ledger of a shard is a folder of
segments, the way Delta Lake keeps its transaction log::

    ledger/<shard>/000000000001.jsonl
    ledger/<shard>/000000000002.jsonl
    ...
    ledger/<shard>/000000000412.snapshot.jsonl   every job's state after segment 412
    ledger/<shard>/000000000413.jsonl

* Each group commit of :meth:`SegmentLedger.append` becomes one new segment,
  written create-only (``If-None-Match: *``) before ``append`` returns, so
  the rule "durable before acting" holds as with fsync on a local disk.  A
  PUT is atomic: there are no torn segments.
* Two writers on one shard collide on a segment number: the loser's create
  fails and it stops (:class:`~batchgen.errors.LedgerError`), never
  interleaving its events with the winner's.  Before each segment the writer
  also checks that it still holds the shard's lease.
* A ``result`` line (where a finished job's video is) **rides along**:
  :meth:`SegmentLedger.append` queues it and returns at once, and it goes
  into the store with the next segment, which the same job's next line
  (``completed``, or why its download failed) always brings soon after, or
  at :meth:`SegmentLedger.close`.  Nothing is paid on the strength of that
  line: a crash that loses it leaves the job ``submitted`` (its request id
  is durable), so the next run polls it once more and downloads it; nothing
  is submitted again.  Every other line is durable before ``append``
  returns.  This saves one segment (one PUT) per video.
* At the end of a run (:meth:`SegmentLedger.close`, called by
  ``open_output``) the segments the run wrote are folded into a snapshot, so
  the next reader (a resume, ``batchgen status``) reads one object instead of
  one per commit.
* Replay lists the shard's segments and reads them in order, from the newest
  snapshot on.  The lines are the same JSON events as in ``ledger.jsonl``.
* Compaction (at the start of a run, and during it, once a shard has more
  than ``max(COMPACT_AFTER, jobs / 4)`` segments since its last snapshot, so
  the cost stays a few lines per segment) writes a snapshot create-only,
  then deletes the segments it covers.  A reader that lists just before the
  delete and then misses a segment lists again.  Segments are read 32 at a
  time, so a resume does not wait on one GET after another.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio

from ..clock import Clock, iso_utc
from ..config import RetrySettings
from ..errors import LedgerDamaged, LedgerError, StorageError, StoreUnavailable
from ..jobs import Event, JobState
from ..retry import RetryPolicy
from .ledger import GroupCommit, Replay, carry_forward, event_line
from .objects import Bucket

if TYPE_CHECKING:
    from .lease import Lease

COMPACT_AFTER = 256  # segments since the last snapshot; a run compacts once past max(this, jobs / 4)
READ_CONCURRENCY = 32
# A segment write that meets an unavailable store is tried again, up to 6 tries, with the one backoff
# formula (retry.py) from 0.5 s up to 30 s, in real time.
SEGMENT_RETRY = RetrySettings(max_attempts=6, backoff_initial_s=0.5, backoff_max_s=30.0, deadline_s=3600.0)
_DECODER = json.JSONDecoder()
_SNAPSHOT = ".snapshot.jsonl"
_NAME = re.compile(r"([0-9]{12,})(\.snapshot)?\.jsonl")
RIDES_ALONG = frozenset({Event.RESULT})  # lines written with the next segment, not waited for (see above)


@dataclass(slots=True)
class SegmentReplay:
    replay: Replay
    next_seq: int  # the number the next segment must take
    segments: int  # segments read after the newest snapshot


def segment_key(shard_name: str, seq: int, *, snapshot: bool = False) -> str:
    return f"ledger/{shard_name}/{seq:012d}{_SNAPSHOT if snapshot else '.jsonl'}"


def _parse_key(key: str, shard_name: str) -> tuple[int, bool] | None:
    """A key's segment number and whether it is a snapshot, for a key :func:`segment_key` gives; None for any
    other (a copy such as ``000000000002.jsonl.bak``, one in a folder below, or one numbered otherwise is not
    segment 2, nor is it covered by a snapshot)."""
    found = _NAME.fullmatch(key.rsplit("/", 1)[-1])
    if found is None:
        return None
    seq, snapshot = int(found[1]), found[2] is not None
    return (seq, snapshot) if key == segment_key(shard_name, seq, snapshot=snapshot) else None


async def read_segments(bucket: Bucket, shard_name: str) -> SegmentReplay:
    """Replay a shard's ledger from its segments; an empty prefix is an empty ledger."""
    for _ in range(3):
        found = await _try_read(bucket, shard_name)
        if found is not None:
            return found
    raise LedgerError(
        f"the ledger segments under {bucket.where(f'ledger/{shard_name}/')} keep disappearing while being read; "
        "is a compaction looping? Run again"
    )


async def _try_read(bucket: Bucket, shard_name: str) -> SegmentReplay | None:
    segments: dict[int, str] = {}
    snapshots: dict[int, str] = {}
    for info in await bucket.list(f"ledger/{shard_name}/"):
        if (parsed := _parse_key(info.key, shard_name)) is not None:
            (snapshots if parsed[1] else segments)[parsed[0]] = info.key
    base = max(snapshots, default=0)
    later = sorted(seq for seq in segments if seq > base)
    for expected, seq in enumerate(later, start=base + 1):
        if seq != expected:
            raise LedgerDamaged(
                f"ledger segment {bucket.where(segment_key(shard_name, expected))} is missing (the next one is "
                f"{seq}); the ledger was edited. Restore the segment from a backup or versioning, then run again"
            )
    keys = ([snapshots[base]] if base else []) + [segments[seq] for seq in later]
    bodies = await _read_many(bucket, keys)
    if any(body is None for body in bodies):
        return None  # compacted away while listing: list again
    jobs: dict[str, dict[str, Any]] = {}
    lines = 0
    for key, body in zip(keys, bodies, strict=True):
        assert body is not None
        lines += _fold(bucket.where(key), body, jobs)
    expected = base + len(later) + 1
    return SegmentReplay(Replay(jobs, lines, False), expected, len(later))


async def _read_many(bucket: Bucket, keys: list[str]) -> list[bytes | None]:
    """GET many objects, ``READ_CONCURRENCY`` at a time, in order."""
    bodies: list[bytes | None] = [None] * len(keys)
    limiter = anyio.CapacityLimiter(READ_CONCURRENCY)

    async def one(index: int) -> None:
        async with limiter:
            bodies[index] = await bucket.get(keys[index])

    async with anyio.create_task_group() as tg:
        for index in range(len(keys)):
            tg.start_soon(one, index)
    return bodies


def _fold(where: str, data: bytes, jobs: dict[str, dict[str, Any]]) -> int:
    count = 0
    for number, raw in enumerate(data.decode("utf-8", errors="replace").split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = _DECODER.decode(raw)
            job_id = record["job_id"]
            record["state"]
        except (ValueError, KeyError, TypeError):
            raise LedgerDamaged(
                f"{where}:{number}: malformed ledger line (not a JSON event with job_id and state); the segment "
                "was edited or damaged. Restore it from a backup or versioning, and run again"
            ) from None
        carry_forward(jobs, job_id, record)
        count += 1
    return count


async def compact(bucket: Bucket, shard_name: str, found: SegmentReplay) -> bool:
    """Fold a shard's segments into one snapshot, then delete what it covers.  The caller holds the lease."""
    if found.next_seq <= 1 or found.segments == 0:
        return False
    await write_snapshot(bucket, shard_name, found.replay.jobs, found.next_seq - 1)
    return True


async def write_snapshot(bucket: Bucket, shard_name: str, jobs: dict[str, dict[str, Any]], upto: int) -> None:
    """Write every job's state after segment ``upto`` create-only, then delete the segments it covers."""
    body = b"".join(
        json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for rec in jobs.values()
    )
    await bucket.put_create(segment_key(shard_name, upto, snapshot=True), body)
    covered = []
    for info in await bucket.list(f"ledger/{shard_name}/"):
        parsed = _parse_key(info.key, shard_name)
        if parsed is not None and (parsed[0] < upto or (parsed[0] == upto and not parsed[1])):
            covered.append(info.key)
    await bucket.delete_many(covered)


class SegmentLedger:
    """An open segmented ledger for appending: the same ``append`` as :class:`ledger.Ledger`."""

    def __init__(
        self,
        bucket: Bucket,
        shard_name: str,
        *,
        next_seq: int,
        lease: Lease | None = None,
        replay: Replay | None = None,
        since_snapshot: int = 0,
        clock: Clock | None = None,
    ) -> None:
        self.clock = clock or Clock()
        self.bucket = bucket
        self.shard_name = shard_name
        self.next_seq = next_seq
        self.lease = lease
        self.path = bucket.where(f"ledger/{shard_name}/")
        # Every job's current view, kept as segments are written: the results table and snapshots need
        # no re-reading of the store.
        self.jobs: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (replay.jobs if replay else {}).items()}
        self.since_snapshot = since_snapshot
        self._commit: GroupCommit[tuple[dict[str, Any], bytes]] = GroupCommit()
        self.fsyncs = 0  # segments written: the object-store counterpart of fsyncs
        self._retry = RetryPolicy(SEGMENT_RETRY)
        self._real_time = Clock()  # the store's backoff is real time, whatever the run's scale

    async def open(self) -> SegmentLedger:
        return self

    async def close(self) -> None:
        """Write the lines still riding along, then fold this run's segments into a snapshot (best effort:
        the lease must still be held; a failure loses nothing but those lines, see the module's notes)."""
        if self.lease is not None and not self.lease.holds():
            return
        try:
            await self._commit.flush(self._write_batch)
        except LedgerError:
            return
        if self.since_snapshot > 0 and not self._commit.broken:  # never after a collision with another run
            await self._compact()

    async def __aenter__(self) -> SegmentLedger:
        return await self.open()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def append(self, job_id: str, event: str, state: JobState, **fields: Any) -> dict[str, Any]:
        """Write one event and return once the segment holding it exists in the store."""
        record, line = event_line(job_id, event, state, fields, ts=iso_utc(self.clock.epoch()))
        if event in RIDES_ALONG:
            self._commit.queue((record, line))
            carry_forward(self.jobs, job_id, dict(record))  # the view is what this run recorded
            return record
        await self._commit.add((record, line), self._write_batch)
        return record

    async def _write_batch(self, batch: list[tuple[dict[str, Any], bytes]]) -> None:
        """One segment for the batch; then every job's view follows it, and a snapshot when due."""
        await self._write(b"".join(line for _, line in batch))
        for rec, _ in batch:
            if rec["event"] not in RIDES_ALONG:  # a rider is in the view since it was appended
                carry_forward(self.jobs, rec["job_id"], dict(rec))
        if self.since_snapshot >= max(COMPACT_AFTER, len(self.jobs) // 4):
            await self._compact()

    async def _create(self, key: str, data: bytes) -> bool:
        """Create the segment, retrying an unavailable store with backoff (a repeated create is safe:
        if an earlier attempt landed, the object holds exactly these bytes)."""
        attempts = self._retry.attempts(self._real_time, on=lambda exc: isinstance(exc, StoreUnavailable))
        try:
            async for attempt in attempts:
                with attempt:
                    return await self.bucket.put_create(key, data)
        except StoreUnavailable as exc:
            raise LedgerError(
                f"{self.bucket.where(key)}: cannot write the ledger segment after {attempts.number} "
                f"attempts ({exc}); run the same command again once the store answers"
            ) from None
        except StorageError as exc:
            raise LedgerError(f"{self.bucket.where(key)}: cannot write the ledger segment ({exc})") from None
        raise AssertionError("unreachable: the attempts end in a value or an error")

    async def _compact(self) -> None:
        """Fold what this run wrote into a snapshot; a failure here loses nothing (segments stay)."""
        try:
            await write_snapshot(self.bucket, self.shard_name, self.jobs, self.next_seq - 1)
        except Exception:  # best effort: the segments remain the truth, the next run compacts
            return
        self.since_snapshot = 0

    async def _write(self, data: bytes) -> None:
        if self.lease is not None:
            self.lease.check()
        key = segment_key(self.shard_name, self.next_seq)
        created = await self._create(key, data)
        # A create whose answer was lost may have landed: then the object holds exactly our bytes.
        if not created and await self.bucket.get(key) != data:
            raise LedgerError(
                f"{self.bucket.where(key)} was written by another run: two runs are working on shard "
                f"{self.shard_name}. This run stops without writing more; let the other finish, then run "
                "the same command again"
            )
        self.next_seq += 1
        self.since_snapshot += 1
        self.fsyncs += 1
