"""The output folder's checks of finished videos, and its lock file, without a simulator."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from batchgen.errors import LockHeld
from batchgen.storage import OutputDir


def video(out: OutputDir, name: str, data: bytes) -> tuple[Path, int, str, int]:
    path = out.root / "videos" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path, len(data), hashlib.sha256(data).hexdigest(), path.stat().st_mtime_ns


async def test_a_finished_video_is_trusted_only_while_it_is_exactly_what_was_recorded(tmp_path):
    out = OutputDir(tmp_path / "out")
    intact = video(out, "intact.mp4", b"a" * 100)
    resized = video(out, "resized.mp4", b"b" * 100)
    resized[0].write_bytes(b"b" * 99)
    tampered = video(out, "tampered.mp4", b"c" * 100)
    tampered[0].write_bytes(b"X" * 100)  # same size, new mtime, other bytes
    os.utime(tampered[0], ns=(tampered[3] + 10**9, tampered[3] + 10**9))
    same_stamp = video(out, "same-stamp.mp4", b"d" * 100)
    same_stamp[0].write_bytes(b"Y" * 100)
    os.utime(same_stamp[0], ns=(same_stamp[3], same_stamp[3]))  # size and mtime as recorded: trusted unless deep
    missing = (out.root / "videos" / "missing.mp4", 10, "0" * 64, 1)
    link = out.root / "videos" / "link.mp4"
    link.symlink_to(intact[0])
    linked = (link, intact[1], intact[2], intact[3])
    unknown_hash = video(out, "no-hash.mp4", b"e" * 10)
    items: list[tuple[Path, int | None, str | None, int | None]] = [
        intact,
        resized,
        tampered,
        same_stamp,
        missing,
        linked,
        (*unknown_hash[:2], None, None),
    ]
    assert await out.verify_many(items) == [True, False, False, True, False, False, True]
    assert await out.verify_many(items, deep=True) == [True, False, False, False, False, False, True]
    assert await out.verify_many([]) == []


def test_the_lock_names_its_holder_and_is_released(tmp_path):
    first, second = OutputDir(tmp_path / "out"), OutputDir(tmp_path / "out")
    first.prepare()
    first.lock()
    with pytest.raises(LockHeld) as held:
        second.lock()
    assert held.value.pid == os.getpid() and f"process {os.getpid()}" in str(held.value)
    first.unlock()
    first.unlock()  # idempotent
    second.lock()
    second.unlock()
    (tmp_path / "out" / ".lock").write_text("not a pid\n")
    first.lock()  # a lock file nobody holds is simply taken
    assert (tmp_path / "out" / ".lock").read_text().strip() == str(os.getpid())
    (tmp_path / "out" / ".lock").write_text("garbage")
    with pytest.raises(LockHeld) as held:
        second.lock()
    assert held.value.pid is None and "another process" in str(held.value)
    first.unlock()
