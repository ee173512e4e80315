"""Where a run keeps its videos, ledger, lock and results: a local folder or an object store.

:class:`Store` is what the stages use to save and check videos; both
:class:`~batchgen.storage.OutputDir` (a folder, exactly as before) and
:class:`~batchgen.objstore.ObjectStore` (``s3://``, ``gs://``, ``az://``,
``file://``) provide it.  :func:`open_output` holds the lock for a run and
hands out the store, the replayed ledger and the ledger to append to:

=========  ==========================================  =======================================
           local folder                                object store
=========  ==========================================  =======================================
lock       flock on ``.lock``                          lease (``lease.py``)
ledger     ``ledger.jsonl``, appended and fsynced      create-only segments (``segments.py``)
video      temp file, verify, fsync, rename            spool, verify, create-only PUT
results    ``results.csv`` written atomically          ``results/<shard>.csv``, one PUT
=========  ==========================================  =======================================

With ``--shard I/N`` each shard has its own ledger, lock and results under
the one output location; :func:`read_all` finds every shard for ``status``.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from ..clock import Clock
from ..errors import InputError
from .files import write_atomically
from .ledger import Ledger, Replay, read_ledger, read_ledger_again
from .local import OutputDir, SavedVideo, lock_holder
from .objects import UNSHARDED, Bucket, ObjectStore, is_object_url
from .results import render_results
from .shards import Shard, parse_name

if TYPE_CHECKING:
    from .segments import SegmentLedger


class Store(Protocol):
    """What the stages need from the output location."""

    @property
    def root(self) -> Any: ...

    @property
    def videos(self) -> Any: ...

    @property
    def ledger(self) -> Any: ...

    @property
    def results(self) -> Any: ...

    def video_path(self, job_id: str, model: str) -> Any: ...

    async def save_stream(
        self,
        job_id: str,
        dest: Any,
        chunks: AsyncIterable[bytes],
        *,
        content_length: int | None,
        file_size: int | None,
        max_bytes: int,
    ) -> SavedVideo: ...

    async def installed(self, dest: Any, *, file_size: int | None, since: float) -> SavedVideo | None: ...

    async def write_sidecar(self, video: Any, data: dict[str, Any]) -> None: ...

    async def verify_many(
        self, items: list[tuple[Any, int | None, str | None, int | None]], *, deep: bool = False
    ) -> list[bool]: ...


class Appender(Protocol):
    """The ledger as the engine writes it: ``append`` returns once the event is durable."""

    async def append(self, job_id: str, event: str, state: Any, **fields: Any) -> dict[str, Any]: ...


CLOSE_LEDGER_S = 30.0  # at most this long for the last riding lines and the end-of-run snapshot


@dataclass(slots=True)
class Opened:
    """A locked output location: its store, its ledger as replayed, and the ledger to append to."""

    out: OutputDir | ObjectStore
    replay: Replay
    ledger: Ledger | SegmentLedger

    def final_jobs(self) -> dict[str, dict[str, Any]]:
        """Every job's view at the end of the run: the folder's ledger re-read, or the segment writer's fold."""
        if isinstance(self.ledger, Ledger):
            assert isinstance(self.out, OutputDir)
            return read_ledger(self.out.ledger).jobs
        return self.ledger.jobs

    async def write_results(self, jobs: dict[str, dict[str, Any]]) -> None:
        """Rewrite this shard's results table."""
        data = render_results(jobs)
        if isinstance(self.out, OutputDir):
            await anyio.to_thread.run_sync(write_atomically, self.out.results, data)
        else:
            await self.out.write_results(data)


@contextlib.asynccontextmanager
async def open_output(
    out: str | Path,
    *,
    filename: str = "{id}.mp4",
    shard: Shard | None = None,
    spool_dir: str | Path | None = None,
    lease_ttl_s: float | None = None,
    clock: Clock | None = None,
    read: Replay | None = None,
) -> AsyncIterator[Opened]:
    """Lock ``out`` (this shard of it) for one run; replay its ledger; open the ledger for appending.  ``read``:
    the command's own read of a local folder's ledger, before the lock, taken while the file is unchanged since."""
    await check_shard_layout(out, shard)
    if not is_object_url(str(out)):
        local = OutputDir(out, filename, shard=shard)
        local.prepare()
        local.lock()
        try:
            replay = read_ledger_again(local.ledger, read)
            async with Ledger(local.ledger, clock=clock) as appender:
                yield Opened(local, replay, appender)
        finally:
            local.unlock()
        return
    from .lease import DEFAULT_TTL_S, Lease
    from .segments import COMPACT_AFTER, SegmentLedger, compact, read_segments

    remote = ObjectStore(str(out), filename, shard=shard, spool_dir=spool_dir)
    remote.prepare()
    try:
        lease = Lease(remote.bucket, remote.shard_name, ttl_s=lease_ttl_s or DEFAULT_TTL_S)
        async with lease.kept():
            found = await read_segments(remote.bucket, remote.shard_name)
            if found.segments > COMPACT_AFTER and await compact(remote.bucket, remote.shard_name, found):
                found = await read_segments(remote.bucket, remote.shard_name)
            ledger = SegmentLedger(
                remote.bucket,
                remote.shard_name,
                next_seq=found.next_seq,
                lease=lease,
                replay=found.replay,
                since_snapshot=found.segments,
                clock=clock,
            )
            try:
                yield Opened(remote, found.replay, ledger)
            finally:
                with anyio.move_on_after(CLOSE_LEDGER_S, shield=True):
                    await ledger.close()
    finally:
        remote.close()


# --------------------------------------------------------------------------- which key a job belongs to


def key_fingerprint(key: str) -> str:
    """A short one-way fingerprint of an API key (8 hex digits of its SHA-256): it tells keys apart
    in a ledger without revealing them."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


class KeyStamp:
    """Wraps the ledger so every line records the fingerprint of the key this run uses."""

    def __init__(self, inner: Appender, fingerprint: str) -> None:
        self.inner = inner
        self.fingerprint = fingerprint

    async def append(self, job_id: str, event: str, state: Any, **fields: Any) -> dict[str, Any]:
        return await self.inner.append(job_id, event, state, key_fp=self.fingerprint, **fields)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# --------------------------------------------------------------------------- every shard, for status


async def read_all(out: str | Path) -> dict[str, Replay]:
    """The ledger of every shard found under ``out`` (``""`` for an unsharded local folder)."""
    if is_object_url(str(out)):
        from .segments import read_segments

        bucket = Bucket(str(out))
        names = sorted({info.key.split("/")[1] for info in await bucket.list("ledger/") if info.key.count("/") >= 2})
        found = {name: (await read_segments(bucket, name)).replay for name in names}
        if not found:
            raise InputError(f"{out} holds no ledger (no ledger/ objects); give the --out of a batchgen run")
        return found
    root = Path(out)
    found = {}
    if (root / "ledger.jsonl").exists():
        found[""] = read_ledger(root / "ledger.jsonl")
    shards = root / "shards"
    if shards.is_dir():
        for folder in sorted(shards.iterdir()):
            if parse_name(folder.name) and (folder / "ledger.jsonl").exists():
                found[folder.name] = read_ledger(folder / "ledger.jsonl")
    if not found:
        raise InputError(f"{root} has no ledger.jsonl (nor shards/*/ledger.jsonl); give the --out folder of a run")
    return found


def merge(replays: dict[str, Replay]) -> Replay:
    """One view of every shard's jobs (a job id lives in exactly one shard)."""
    jobs: dict[str, dict[str, Any]] = {}
    for name, replay in replays.items():
        for job_id, rec in replay.jobs.items():
            jobs[job_id] = {**rec, "shard": name or UNSHARDED} if len(replays) > 1 else rec
    return Replay(jobs, sum(r.lines for r in replays.values()), any(r.torn_tail for r in replays.values()))


def shard_counts(replays: dict[str, Replay]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for name, replay in replays.items():
        states: dict[str, int] = {}
        for rec in replay.jobs.values():
            states[str(rec.get("state"))] = states.get(str(rec.get("state")), 0) + 1
        counts[name or UNSHARDED] = dict(sorted(states.items()))
    return counts


async def check_shard_layout(out: str | Path, shard: Shard | None) -> None:
    """Refuse a shard count other than the one ``out`` was started with: a job would change shards and
    could be paid for twice.  An unsharded run counts as one shard."""
    want = shard.name if shard else UNSHARDED
    if is_object_url(str(out)):
        names = await Bucket(str(out)).folders("ledger/")
    else:
        root = Path(out)
        names = [UNSHARDED] if (root / "ledger.jsonl").exists() else []
        if (root / "shards").is_dir():
            names += [p.name for p in (root / "shards").iterdir() if (p / "ledger.jsonl").exists()]
    counts = {found.count for name in names if (found := parse_name(name)) is not None}
    wanted = shard.count if shard else 1
    if counts and counts != {wanted}:
        have = ", ".join(sorted(names))
        raise InputError(
            f"{out} was run as {'/'.join(str(c) for c in sorted(counts))} shard(s) ({have}) and this run asks for "
            f"{want if shard else 'one (no --shard)'}: jobs would change shards and could be paid for twice. Use "
            "the same shard count (--shard I/N with the same N; none for 1), or another --out"
        )


async def live_runs(out: str | Path, names: list[str], lapsing: dict[str, str] | None = None) -> dict[str, str]:
    """Who holds each of ``names`` (shard names, ``""`` for an unsharded local folder) now: a live lock or
    lease, as "process PID" (local) or "host H pid P" (object store).  Shards not held are left out.  A lease
    whose holder is a process of this host no longer running is no live run: it goes into ``lapsing`` instead,
    as "host H pid P" with how long until it lapses."""
    held: dict[str, str] = {}
    if not is_object_url(str(out)):
        root = Path(out)
        for name in names:
            pid = lock_holder((root / "shards" / name if name else root) / ".lock")
            if pid is not None:
                held[name] = f"process {pid}" if pid else "another process"
        return held
    from .lease import Lease, gone_here

    bucket = Bucket(str(out))
    for name in names:
        lease = Lease(bucket, name)
        newest = await lease.newest()
        if newest is None:
            continue
        record = newest[1]
        left = float(record.get("expires_at", 0)) - lease.now()
        if not record.get("released") and left > 0:
            who = f"host {record.get('host')} pid {record.get('pid')}"
            if not gone_here(record):
                held[name] = who
            elif lapsing is not None:
                lapsing[name] = f"{who}, which is no longer running; its lease lapses in {left:.0f} s"
    return held
