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
import csv
import errno
import fcntl
import hashlib
import io
import json
import os
import re
import secrets
import stat
import struct
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import aiofiles
import anyio

from ..errors import DownloadError, LockHeld, StorageError
from .shards import Shard

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
VERIFY_THREADS = 4
FILE_SHIELD_S = 10.0  # real seconds a file open or close may outlive a cancelled run


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
        for stale in self.partial.glob("*.part"):
            with contextlib.suppress(OSError):
                stale.unlink()

    def lock(self) -> None:
        """Take the folder's lock; raises LockHeld naming the holder's pid.

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
            raise StorageError(_disk_message(exc, self.root, job_id)) from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        return SavedVideo(dest, sha256, size, mtime_ns)

    async def write_sidecar(self, video: Path, data: dict[str, Any]) -> None:
        path = self.sidecar_path(video)
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            await anyio.to_thread.run_sync(write_atomically, path, text.encode())
        except OSError as exc:
            raise StorageError(_disk_message(exc, self.root, str(data.get("job_id")))) from None

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


# --------------------------------------------------------------------------- MP4 check


async def spool_verified(
    tmp: Path,
    job_id: str,
    chunks: AsyncIterable[bytes],
    *,
    content_length: int | None,
    file_size: int | None,
    max_bytes: int,
    where: str,
    fsync: bool,
) -> tuple[str, int]:
    """Stream ``chunks`` into ``tmp`` and check it: never past ``max_bytes``, exactly the declared
    sizes, a sound MP4.  Returns (sha256, size); raises DownloadError for a bad video, OSError for
    the disk.  The caller installs ``tmp`` (rename or create-only put) and removes it on failure."""
    digest = hashlib.sha256()
    size = 0
    out = None
    with anyio.move_on_after(FILE_SHIELD_S, shield=True):  # an open cut short would orphan the file
        out = await aiofiles.open(tmp, "wb")
    if out is None:
        raise StorageError(
            f"{tmp} could not be opened within {FILE_SHIELD_S:g}s; check the disk under {where}, "
            "then run again to resume"
        )
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise DownloadError(
                    f"the video for job {job_id} exceeds {max_bytes} bytes (output.max_download_bytes)",
                    retryable=False,
                )
            digest.update(chunk)
            await out.write(chunk)
        await out.flush()
        if fsync:
            await anyio.to_thread.run_sync(os.fsync, out.fileno())
    finally:
        with anyio.move_on_after(FILE_SHIELD_S, shield=True):  # a cancelled run must not leak the file
            await out.close()
    for declared, name in ((content_length, "Content-Length"), (file_size, "the API's file_size")):
        if declared is not None and declared != size:
            raise DownloadError(
                f"the video for job {job_id} has {size} bytes but {name} says {declared}; it will be fetched again"
            )
    problem = await anyio.to_thread.run_sync(mp4_problem, tmp)
    if problem:
        raise DownloadError(f"the video for job {job_id} is not a valid MP4: {problem}")
    return digest.hexdigest(), size


def mp4_problem(path: str | Path) -> str | None:
    """Walk the top-level ISO BMFF boxes; None if the structure is sound.

    Requires ``ftyp`` first, ``moov`` and ``mdat`` present, and box sizes that
    add up exactly to the file size (a truncated file fails this).
    """
    with open(path, "rb") as fh:
        return _mp4_problem(fh, os.fstat(fh.fileno()).st_size)


def _mp4_problem(fh: BinaryIO, total: int) -> str | None:
    offset = 0
    seen: list[bytes] = []
    while offset < total:
        fh.seek(offset)
        header = fh.read(8)
        if len(header) < 8:
            return f"a box header at byte {offset} is cut short"
        size, kind = struct.unpack(">I4s", header)
        if size == 1:
            large = fh.read(8)
            if len(large) < 8:
                return f"a box header at byte {offset} is cut short"
            size = struct.unpack(">Q", large)[0]
        elif size == 0:
            size = total - offset
        if size < 8 or offset + size > total:
            return f"box '{kind.decode('latin-1')}' at byte {offset} runs past the end of the file"
        if not seen and kind != b"ftyp":
            return "the file does not start with an 'ftyp' box"
        seen.append(kind)
        offset += size
    for needed in (b"moov", b"mdat"):
        if needed not in seen:
            return f"the '{needed.decode()}' box is missing"
    return None


# --------------------------------------------------------------------------- helpers


def write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _rename_durably(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _install(src: Path, dest: Path) -> int:
    """Rename a verified download into place durably; returns its mtime (ns) for quick checks."""
    _rename_durably(src, dest)
    return dest.stat().st_mtime_ns


def _rename_durably(src: Path, dest: Path) -> None:
    os.replace(src, dest)
    fd = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


# --------------------------------------------------------------------------- results.csv

RESULT_COLUMNS = (
    "job_id",
    "state",
    "model",
    "request_id",
    "file",
    "bytes",
    "sha256",
    "cost",
    "error",
    "updated_at",
    # what the video really is (batchgen.probe), and how it differs from the request
    "media_duration_s",
    "media_width",
    "media_height",
    "media_fps",
    "media_codec",
    "media_frames",
    "warnings",
    "warning_detail",
)
MEDIA_FIELDS = ("duration_s", "width", "height", "fps", "codec", "frames")
# added when some job has an input image: its path as the manifest gave it, and its sha256
INPUT_COLUMNS = ("input_image", "input_sha256")


def neutralise(cell: str) -> str:
    """Stop spreadsheets from reading a cell as a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _input_image(rec: dict[str, Any]) -> dict[str, Any] | None:
    """A job's input image reference (path and sha256, never its bytes) from its ledger record, if any."""
    params = rec.get("params")
    if not isinstance(params, dict):
        return None
    return next((v for v in params.values() if isinstance(v, dict) and isinstance(v.get("sha256"), str)), None)


def render_results(jobs: dict[str, dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    inputs = {job_id: _input_image(rec) for job_id, rec in jobs.items()}
    with_inputs = any(inputs.values())
    writer.writerow(RESULT_COLUMNS + INPUT_COLUMNS if with_inputs else RESULT_COLUMNS)
    for job_id, rec in jobs.items():
        error = rec.get("error")
        if isinstance(error, dict):
            error = error.get("detail") or json.dumps(error, ensure_ascii=False)
        row = [
            job_id,
            rec.get("state"),
            rec.get("model"),
            rec.get("request_id"),
            rec.get("file"),
            rec.get("bytes"),
            rec.get("sha256"),
            rec.get("cost"),
            error,
            rec.get("ts"),
        ]
        media = rec.get("media")
        row += [media.get(name) if isinstance(media, dict) else None for name in MEDIA_FIELDS]
        warnings = [w for w in rec.get("warnings") or [] if isinstance(w, dict)]
        row.append(";".join(str(w.get("kind")) for w in warnings) or None)
        row.append("; ".join(str(w.get("detail")) for w in warnings) or None)
        if with_inputs:
            image = inputs[job_id]
            row += [image.get("file") or image.get("path"), image.get("sha256")] if image else [None, None]
        writer.writerow(["" if v is None else neutralise(str(v)) for v in row])
    return buf.getvalue().encode()
