"""The output folder: naming, the lock, verified downloads, sidecars and results.csv.

::

    OUT/
      ledger.jsonl        the run's memory (ledger.py)
      results.csv         one row per job, rewritten from the ledger after each run
      videos/<id>.mp4     complete, verified videos only
      videos/<id>.json    sidecar: model, parameters, request id, sha256, bytes, cost, timings
      .partial/           downloads in progress (same file system, so the rename is atomic)
      .lock               held by the running batchgen (flock), with its pid
      .batchgen/          options kept for the next run; a --simulate run's account (options.py)
      videos/replaced/    earlier videos of rows made anew (identity.py)
      shards/<I>-of-<N>/  with --shard: that shard's ledger.jsonl, results.csv, .partial/ and .lock

A download is streamed to ``.partial/``, hashed as it arrives, checked (byte
count against Content-Length and the API's ``file_size``; MP4 box structure),
fsynced, renamed into ``videos/`` and the folder fsynced.  So no file in
``videos/`` is ever partial, whatever happens mid-download.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from ..errors import LockHeld, OutputUnwritable, StorageError
from .files import rename_durably, write_atomically
from .mp4 import mp4_problem, spool_verified
from .shards import Shard

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
VERIFY_THREADS = 4


@dataclass(frozen=True, slots=True)
class SavedVideo:
    path: Path  # where the video can be read on this machine (in an object store: its spool copy, for the probe)
    sha256: str
    size: int
    mtime_ns: int | None  # None in an object store, whose objects never change once created


class OutputDir:
    """One run's output folder."""

    def __init__(self, root: str | Path, filename: str = "{id}.mp4", *, shard: Shard | None = None) -> None:
        self.root = Path(root)
        self.videos = self.root / "videos"
        # A shard keeps its own ledger, lock, results and downloads in progress; videos are shared.
        self.state = self.root / "shards" / shard.name if shard else self.root
        self.partial = self.state / ".partial"
        self.ledger = self.state / "ledger.jsonl"
        self.results = self.state / "results.csv"
        self.lock_path = self.state / ".lock"
        self.filename = filename
        self._lock_fd: int | None = None

    # ------------------------------------------------------------------ setup and lock

    def prepare(self) -> None:
        """Create the folders; refuse a ``videos/`` that is a link to elsewhere."""
        try:
            self.state.mkdir(parents=True, exist_ok=True)
            for folder in (self.videos, self.partial):
                if folder.is_symlink():
                    raise StorageError(
                        f"{folder} is a symbolic link; batchgen writes only inside the output folder. "
                        "Replace the link with a real folder"
                    )
                folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create the output folder {self.root} ({exc.strerror or exc}); "
                "check the path and its permissions"
            ) from None
        for path in (self.ledger, self.results, self.lock_path):
            if path.is_symlink():
                raise StorageError(
                    f"{path} is a symbolic link; batchgen writes only inside the output folder. Replace it with "
                    "a regular file (or remove it)"
                )

    def lock(self) -> None:
        """Take the folder's lock; raises LockHeld naming the holder's pid.  Once it is held, the downloads
        a run before left unfinished (``.partial/*.part``) are cleared: before, they may be the downloads in
        progress of the run holding it.

        The lock is an flock on ``.lock``, which the kernel releases when the
        holder dies, so a lock left by a killed run is simply taken over.
        """
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(f"cannot create the lock file {self.lock_path} ({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                os.close(fd)
                raise StorageError(f"cannot lock {self.lock_path} ({exc.strerror or exc})") from None
            pid = _read_pid(fd)
            os.close(fd)
            holder = f"process {pid}" if pid else "another process"
            raise LockHeld(
                f"another batchgen run ({holder}) is using {self.state}; wait for it to finish, "
                "or use a different --out folder",
                pid=pid,
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd
        for stale in self.partial.glob("*.part"):
            with contextlib.suppress(OSError):
                stale.unlink()

    def unlock(self) -> None:
        if self._lock_fd is not None:
            fd, self._lock_fd = self._lock_fd, None
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)

    # ------------------------------------------------------------------ naming

    def video_path(self, job_id: str, model: str) -> Path:
        """``videos/<name>``: the name keeps only [A-Za-z0-9._-] and never starts with '.', so it has
        no separator and cannot be '..': it always stays inside ``videos/``."""
        return self.videos / safe_video_name(self.filename, job_id, model)

    def sidecar_path(self, video: Path) -> Path:
        return video.with_suffix(".json")

    # ------------------------------------------------------------------ downloads

    async def save_stream(
        self,
        job_id: str,
        dest: Path,
        chunks: Any,
        *,
        content_length: int | None,
        file_size: int | None,
        max_bytes: int,
    ) -> SavedVideo:
        """Stream ``chunks`` to a temporary file, verify, fsync and rename to ``dest``."""
        tmp = self.partial / f"{_SAFE.sub('_', job_id)}.{secrets.token_hex(4)}.part"
        try:
            sha256, size = await spool_verified(
                tmp, job_id, chunks, content_length=content_length, file_size=file_size, max_bytes=max_bytes,
                where=str(self.root), fsync=True,
            )  # fmt: skip
            mtime_ns = await anyio.to_thread.run_sync(_install, tmp, dest)
        except OSError as exc:
            raise OutputUnwritable(_disk_message(exc, self.root, job_id)) from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        return SavedVideo(dest, sha256, size, mtime_ns)

    async def installed(self, dest: Path, *, file_size: int | None, since: float) -> SavedVideo | None:
        """The video an earlier run installed at ``dest`` and was stopped before recording ``completed``
        (killed while it probed it): a sound MP4 of the API's ``file_size``, put there at ``since`` (the
        request's submit, epoch seconds) or later, so it is this request's.  None when there is none."""
        return await anyio.to_thread.run_sync(_installed, dest, file_size, since)

    async def write_sidecar(self, video: Path, data: dict[str, Any]) -> None:
        path = self.sidecar_path(video)
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            await anyio.to_thread.run_sync(write_atomically, path, text.encode())
        except OSError as exc:
            raise OutputUnwritable(_disk_message(exc, self.root, str(data.get("job_id")))) from None

    async def verify_many(
        self, items: list[tuple[Path, int | None, str | None, int | None]], *, deep: bool = False
    ) -> list[bool]:
        """For each (path, size, sha256, mtime_ns): does the file hold exactly the recorded video?

        Work goes to worker threads in large batches, never one thread hop per file.
        """
        if not items:
            return []
        # Quick checks are one lstat each and hold the GIL: one thread is fastest.  Hashing
        # releases the GIL, so a deep check spreads over a few threads.
        threads = VERIFY_THREADS if deep else 1
        chunk = max(64, len(items) // threads + 1)
        batches = [items[i : i + chunk] for i in range(0, len(items), chunk)]
        results: list[list[bool]] = [[] for _ in batches]

        async def check(index: int) -> None:
            results[index] = await anyio.to_thread.run_sync(
                lambda: [_matches(*item, deep=deep) for item in batches[index]]
            )

        async with anyio.create_task_group() as tg:
            for index in range(len(batches)):
                tg.start_soon(check, index)
        return [ok for batch in results for ok in batch]


def safe_video_name(filename: str, job_id: str, model: str) -> str:
    """The file name for a job's video from the ``output.filename`` pattern, reduced to [A-Za-z0-9._-]."""
    name = filename.format(id=job_id, model=_SAFE.sub("-", model))
    return _SAFE.sub("_", name).lstrip(".") or f"{_SAFE.sub('_', job_id)}.mp4"


# --------------------------------------------------------------------------- helpers


def _install(src: Path, dest: Path) -> int:
    """Rename a verified download into place durably; returns its mtime (ns) for quick checks."""
    rename_durably(src, dest)
    return dest.stat().st_mtime_ns


def _installed(dest: Path, file_size: int | None, since: float) -> SavedVideo | None:
    try:
        info = os.lstat(dest)
        if not stat.S_ISREG(info.st_mode) or info.st_mtime_ns < since * 1e9:
            return None
        if (file_size is not None and info.st_size != file_size) or mp4_problem(dest):
            return None
        digest = hashlib.sha256()
        with open(dest, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return SavedVideo(dest, digest.hexdigest(), info.st_size, info.st_mtime_ns)


def _matches(path: Path, size: int | None, sha256: str | None, mtime_ns: int | None, deep: bool) -> bool:
    """Quick check first: a file whose size and mtime are as recorded is trusted (as rsync and git
    do); any other file, or every file when ``deep``, is hashed against the recorded sha256."""
    try:
        info = os.lstat(path)  # one call: not a link, a regular file, its size and mtime
        if not stat.S_ISREG(info.st_mode) or (size is not None and info.st_size != size):
            return False
        if sha256 is None or (not deep and mtime_ns is not None and info.st_mtime_ns == mtime_ns):
            return True
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest() == sha256
    except OSError:
        return False


def lock_holder(lock_path: Path) -> int | None:
    """The pid of a run holding this lock now (0 if it did not say), or None when none does."""
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
            return None
        return _read_pid(fd) or 0
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode().strip()
        return int(text) if text.isdigit() else None
    except (OSError, ValueError):
        return None


def _disk_message(exc: OSError, root: Path, job_id: str) -> str:
    if exc.errno == errno.ENOSPC:
        return (
            f"the disk holding {root} is full while saving job {job_id}; free some space and run the same "
            "command again to resume (nothing partial was kept)"
        )
    return (
        f"cannot write to {root} while saving job {job_id} ({exc.strerror or exc}); check the folder's "
        "permissions and run again to resume"
    )
