"""Audit of ``batchgen/store/mp4.py``: a download is kept only at exactly the size the server and the API
declared, even where one of them declared nothing at all (0 bytes)."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator

import pytest

from batchgen.errors import DownloadError
from batchgen.store.mp4 import spool_verified


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


VALID = _box(b"ftyp", b"isom") + _box(b"moov", b"m" * 30) + _box(b"mdat", b"d" * 100)


async def _chunks() -> AsyncIterator[bytes]:
    yield VALID


@pytest.mark.parametrize(
    ("content_length", "file_size", "named"), [(0, None, "Content-Length"), (None, 0, "file_size")]
)
async def test_a_video_declared_at_zero_bytes_that_brings_some_is_refused_and_fetched_again(
    tmp_path, content_length, file_size, named
):
    with pytest.raises(DownloadError) as caught:
        await spool_verified(
            tmp_path / "job.part", "job-1", _chunks(), content_length=content_length, file_size=file_size,
            max_bytes=10_000, where=str(tmp_path), fsync=False,
        )  # fmt: skip
    assert caught.value.retryable
    assert f"job job-1 has {len(VALID)} bytes but" in str(caught.value) and named in str(caught.value)
    assert "says 0" in str(caught.value)
