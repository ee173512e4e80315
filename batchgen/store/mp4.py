"""A download spooled to disk and checked: size limits, declared sizes, a sound MP4.

:func:`spool_verified` streams a video into a temporary file (the local
folder's ``.partial/``, or the object store's spool) and checks it before the
caller installs it; :func:`mp4_problem` walks the file's top-level ISO BMFF
boxes, which a truncated or non-MP4 file fails.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import AsyncIterable
from pathlib import Path
from typing import BinaryIO

import aiofiles
import anyio

from ..errors import DownloadError, StorageError

FILE_SHIELD_S = 10.0  # real seconds a file open or close may outlive a cancelled run
NOT_MP4 = "the file does not start with an 'ftyp' box"  # what a file that is no MP4 at all fails first


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
    problem = await anyio.to_thread.run_sync(mp4_problem, tmp)
    if problem == NOT_MP4:  # no MP4 at all, whatever its size (the caller may know it for an image by its type)
        raise DownloadError(f"the video for job {job_id} is not a valid MP4: {problem}", not_mp4=True)
    for declared, name in ((content_length, "Content-Length"), (file_size, "the API's file_size")):
        if declared is not None and declared != size:
            raise DownloadError(
                f"the video for job {job_id} has {size} bytes but {name} says {declared}; it will be fetched again"
            )
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
        if not seen and kind != b"ftyp":  # (before its size: an image's first bytes read as a box run on)
            return NOT_MP4
        if size == 1:
            large = fh.read(8)
            if len(large) < 8:
                return f"a box header at byte {offset} is cut short"
            size = struct.unpack(">Q", large)[0]
        elif size == 0:
            size = total - offset
        if size < 8 or offset + size > total:
            return f"box '{kind.decode('latin-1')}' at byte {offset} runs past the end of the file"
        seen.append(kind)
        offset += size
    for needed in (b"moov", b"mdat"):
        if needed not in seen:
            return f"the '{needed.decode()}' box is missing"
    return None
