"""The ledger: an append-only JSONL file of job events, fsynced, and its replay.

Each line is one event about one job (``v``, ``ts``, ``job_id``, ``event``,
``state`` and event-specific fields); the last line for a job is its current
state.  :meth:`Ledger.append` returns only once its line is on disk (written
and fsynced), so a caller can rely on the order "record, then act": the
request id is durable before the job is first polled, and ``completed`` is
written only after the video has been renamed into place.

Appends are group-committed: while one fsync runs, later lines queue up and
the next fsync covers all of them, so many concurrent jobs cost few fsyncs.

A crash can leave a torn final line.  Reading ignores it, and opening for
append first cuts it off, so the next line starts clean.  Any other
malformed line is an error naming its line number.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar

import anyio

from ..clock import Clock, iso_utc
from ..errors import LedgerDamaged, LedgerError, LedgerUnwritable
from ..jobs import Event, JobState

T = TypeVar("T")
VERSION = 1
_DECODER = json.JSONDecoder()
# Fields carried forward from earlier lines when a later line omits them.
_CARRIED = (
    "request_id", "model", "submitted_at", "output_url", "file_size", "cost", "params", "fingerprint", "paid_before",
    "unreported_before",  # the estimates of earlier requests lost with no charge reported (the spend cap counts them)
    "posting_at", "unknown_at",
    "posted_at",  # when the POST that made its request went out (a re-run's proof for a lost submit)
    "ended_requests",  # the requests of earlier attempts of a job made again: never a lost submit's row
)  # fmt: skip
_CARRIED_SET = frozenset(_CARRIED)
# An event after which nothing earlier is carried: the job starts over (identity.py).
RESTART_EVENT = Event.REPLACED
# A submit after one of these states is a new request: nothing of the earlier one is carried (a deferred
# job was never sent since its last such line: any request its record names has ended).
_ENDED = ("completed", "failed", "expired", "deferred")


@dataclass(slots=True)
class Replay:
    """The ledger read back: the current view of every job, and what was skipped."""

    jobs: dict[str, dict[str, Any]]
    lines: int
    torn_tail: bool
    # the file as it was read (:func:`ledger_stamp`): a later read of the same file may take this replay while
    # the file still has it (a run's, once it holds the folder's lock, after the command's own read)
    stamp: tuple[int, int, int] | None = field(default=None, compare=False)


def ledger_stamp(path: str | Path) -> tuple[int, int, int] | None:
    """A ledger file's size, modification time and inode (None: no file).  The ledger is only appended to
    (and a torn tail cut off), so a file whose stamp is unchanged holds the same lines."""
    try:
        return _stamp(os.stat(path))
    except FileNotFoundError:
        return None


def _stamp(info: os.stat_result) -> tuple[int, int, int]:
    return info.st_size, info.st_mtime_ns, info.st_ino


def read_ledger_again(path: str | Path, read: Replay | None) -> Replay:
    """The ledger at ``path``: ``read`` (an earlier read of it) while the file is as it was then, else read anew."""
    if read is not None and read.stamp == ledger_stamp(path):
        return read
    return read_ledger(path)


def read_ledger(path: str | Path, each: Callable[[dict[str, Any]], None] | None = None) -> Replay:
    """Replay a ledger.  A missing file is an empty ledger.  ``each`` is given every whole line's event as
    written, in order (before fields are carried forward into it), so a reader that needs every line
    decodes the file once."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            info = os.fstat(fh.fileno())  # before the read: lines appended meanwhile make the stamp stale
            data = fh.read()
    except FileNotFoundError:
        return Replay({}, 0, False)
    except OSError as exc:
        raise LedgerError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    jobs: dict[str, dict[str, Any]] = {}
    # A torn tail may end inside a multi-byte character; it is dropped below anyway.
    lines = data.decode("utf-8", errors="replace").split("\n")
    last_complete = len(lines) - 1  # the piece after the final newline is not a full line
    torn = bool(lines[-1].strip())
    loads = _DECODER.decode
    for number, raw in enumerate(lines[:last_complete], start=1):
        if not raw.strip():
            continue
        try:
            record = loads(raw)
            job_id = record["job_id"]
            record["state"]
        except (ValueError, KeyError, TypeError):
            raise LedgerDamaged(
                f"{path}:{number}: malformed ledger line (not a JSON event with job_id and state); "
                "the ledger was edited or damaged. Restore it from a backup, or move the line out of the "
                "file, and run again"
            ) from None
        if each is not None:
            each(dict(record))
        carry_forward(jobs, job_id, record)
    return Replay(jobs, last_complete, torn, _stamp(info))


def carry_forward(jobs: dict[str, dict[str, Any]], job_id: str, record: dict[str, Any]) -> None:
    """Make ``record`` the job's current view, keeping fields an earlier line gave and it omits (unless the
    line starts the job over)."""
    previous = jobs.get(job_id)
    if previous is not None and not (
        record.get("event") == RESTART_EVENT or (record["state"] == "submitting" and previous["state"] in _ENDED)
    ):
        for key in previous.keys() & _CARRIED_SET - record.keys():
            record[key] = previous[key]
    jobs[job_id] = record


def event_line(
    job_id: str, event: str, state: JobState, fields: dict[str, Any], *, ts: str
) -> tuple[dict[str, Any], bytes]:
    """One ledger event and its JSONL line; ``None`` fields are left out."""
    record: dict[str, Any] = {"v": VERSION, "ts": ts, "job_id": job_id, "event": event, "state": str(state)}
    record.update((k, v) for k, v in fields.items() if v is not None)
    return record, json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode() + b"\n"


class GroupCommit(Generic[T]):
    """Appenders queue items; the first to get the lock writes every item queued so far in one
    batch (one fsync, one segment), and the others find theirs written.  A failed write fails
    every appender of that batch and every later one: the ledger is broken for this run."""

    def __init__(self) -> None:
        self._lock = anyio.Lock()
        self._pending: list[T] = []
        self._queued = 0  # items handed in so far
        self._durable = 0  # items known to be written
        self._broken: LedgerError | None = None

    @property
    def broken(self) -> bool:
        """True once a write failed: nothing more is written through this commit."""
        return self._broken is not None

    def queue(self, item: T) -> None:
        """Queue ``item`` without waiting: it is written with the next batch (:meth:`add` or :meth:`flush`)."""
        self._pending.append(item)
        self._queued += 1

    async def flush(self, write: Callable[[list[T]], Awaitable[None]]) -> None:
        """Write whatever is queued, if anything (and the ledger is not broken)."""
        if self._broken is None:
            await self._through(self._queued, write)

    async def add(self, item: T, write: Callable[[list[T]], Awaitable[None]]) -> None:
        """Return once ``item`` has been written by ``write`` (in this call or another's)."""
        self.queue(item)
        await self._through(self._queued, write)

    async def _through(self, mine: int, write: Callable[[list[T]], Awaitable[None]]) -> None:
        """Return once the items queued up to number ``mine`` are written (in this call or another's)."""
        async with self._lock:
            if self._broken is not None:
                raise self._broken
            if self._durable >= mine:
                return
            batch, self._pending = self._pending, []
            upto = self._queued
            try:
                await write(batch)
            except LedgerError as exc:
                # Items of other appenders were in this batch: all of them fail.
                self._broken = exc
                raise
            self._durable = upto


class Ledger:
    """An open ledger for appending; an async context manager."""

    def __init__(self, path: str | Path, *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.clock = clock or Clock()
        self._fd: int | None = None
        self._commit: GroupCommit[bytes] = GroupCommit()
        self.fsyncs = 0

    async def open(self) -> Ledger:
        await anyio.to_thread.run_sync(self._open_sync)
        return self

    def _open_sync(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise LedgerUnwritable(f"{self.path}: cannot be opened for writing ({exc.strerror or exc})") from None
        size = os.fstat(fd).st_size
        if size:
            # Cut a torn final line so the next line starts on a line of its own.
            tail = min(size, 1 << 20)
            os.lseek(fd, size - tail, os.SEEK_SET)
            chunk = os.read(fd, tail)
            if not chunk.endswith(b"\n"):
                cut = chunk.rfind(b"\n")
                keep = size - tail + cut + 1 if cut >= 0 else (0 if tail == size else size)
                os.ftruncate(fd, keep)
                os.fsync(fd)
        self._fd = fd

    async def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    async def __aenter__(self) -> Ledger:
        return await self.open()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def append(self, job_id: str, event: str, state: JobState, **fields: Any) -> dict[str, Any]:
        """Write one event and return once it is durable.  ``None`` fields are left out."""
        record, line = event_line(job_id, event, state, fields, ts=iso_utc(self.clock.epoch()))
        await self._commit.add(line, self._write)
        return record

    async def _write(self, lines: list[bytes]) -> None:
        await anyio.to_thread.run_sync(self._write_sync, b"".join(lines))

    def _write_sync(self, data: bytes) -> None:
        if self._fd is None:
            raise LedgerError(f"{self.path}: the ledger is closed")
        start = os.fstat(self._fd).st_size
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fsync(self._fd)
            self.fsyncs += 1
        except OSError as exc:
            with contextlib.suppress(OSError):  # leave no partial line behind
                os.ftruncate(self._fd, start)
            raise LedgerUnwritable(
                f"{self.path}: cannot write the ledger ({exc.strerror or exc}); free some disk space or fix "
                "the folder's permissions, then run the same command again to resume"
            ) from None
