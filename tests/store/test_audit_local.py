"""Audit of ``batchgen/store/local.py``: a refused lock names the shard's own folder and keeps no file open."""

from __future__ import annotations

import errno
import hashlib
import json
import os

import pytest

from batchgen.errors import LockHeld
from batchgen.store import local
from batchgen.store.local import OutputDir, lock_holder
from batchgen.store.output import open_output
from batchgen.store.shards import Shard
from tests.helpers import opened_fds
from tests.store.test_storage import VALID


def test_a_shard_held_by_another_run_is_named_by_its_own_folder_and_the_other_shard_stays_free(tmp_path):
    root = tmp_path / "out"
    first = OutputDir(root, shard=Shard(1, 2))
    first.prepare()
    first.lock()
    with pytest.raises(LockHeld) as held:
        OutputDir(root, shard=Shard(1, 2)).lock()
    assert str(held.value) == (
        f"another batchgen run (process {os.getpid()}) is using {root / 'shards' / '1-of-2'}; wait for it to "
        "finish, or use a different --out folder"
    )
    other = OutputDir(root, shard=Shard(0, 2))
    other.prepare()
    other.lock()
    other.unlock()
    first.unlock()


def test_a_lock_refused_because_another_run_holds_it_keeps_no_file_open(tmp_path, monkeypatch):
    first = OutputDir(tmp_path / "out")
    first.prepare()
    first.lock()
    opened = opened_fds(monkeypatch)

    for _ in range(3):  # a crontab line or a retrying script tries again and again
        with pytest.raises(LockHeld):
            OutputDir(tmp_path / "out").lock()
    monkeypatch.undo()
    assert len(opened) == 3
    for fd in opened:
        with pytest.raises(OSError, match="Bad file descriptor"):
            os.fstat(fd)  # closed
    first.unlock()


async def test_a_video_found_in_place_of_a_request_whose_size_the_api_never_gave_is_kept_when_sound(tmp_path):
    """A killed run's video, in place before its 'completed' line, of a request whose file_size is unknown: a
    sound MP4 put there after the submit is the request's (paid for, on disk), not lost."""
    out = OutputDir(tmp_path / "out")
    out.prepare()
    dest = out.video_path("j", "kling-text2video")
    dest.write_bytes(VALID)
    found = await out.installed(dest, file_size=None, since=dest.stat().st_mtime_ns / 1e9 - 1)
    assert found is not None and (found.path, found.size) == (dest, len(VALID))
    assert found.sha256 == hashlib.sha256(VALID).hexdigest()


@pytest.mark.parametrize("file_size", [None, len(VALID)])
async def test_a_link_in_place_of_a_video_is_never_kept_as_the_requests_video(tmp_path, file_size):
    """A symbolic link at the video's name (to a sound MP4 elsewhere) is not a video batchgen installed:
    never kept, whatever the API's size, so a job is not marked done on a file outside the folder."""
    out = OutputDir(tmp_path / "out")
    out.prepare()
    elsewhere = tmp_path / "elsewhere.mp4"
    elsewhere.write_bytes(VALID)
    dest = out.video_path("j", "kling-text2video")
    dest.symlink_to(elsewhere)
    since = min(elsewhere.stat().st_mtime_ns, os.lstat(dest).st_mtime_ns) / 1e9 - 1
    assert await out.installed(dest, file_size=file_size, since=since) is None


async def test_a_video_in_place_that_cannot_be_read_is_not_kept_and_stops_nothing(tmp_path, monkeypatch):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    dest = out.video_path("j", "kling-text2video")
    dest.write_bytes(VALID)

    def unreadable(path: object) -> str | None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(local, "mp4_problem", unreadable)
    assert await out.installed(dest, file_size=len(VALID), since=dest.stat().st_mtime_ns / 1e9 - 1) is None


async def test_a_sidecar_is_written_under_another_name_then_renamed_over_the_last_one(tmp_path):
    """A reader (or a crash) mid-write never sees a sidecar torn: the new one replaces the old one whole, and
    the old file as it was is left untouched for whoever still has it open."""
    out = OutputDir(tmp_path / "out")
    out.prepare()
    video = out.videos / "j.mp4"
    await out.write_sidecar(video, {"job_id": "j", "bytes": 1})
    held = tmp_path / "held.json"
    os.link(out.sidecar_path(video), held)
    await out.write_sidecar(video, {"job_id": "j", "bytes": 2})
    assert out.sidecar_path(video).stat().st_ino != held.stat().st_ino
    assert json.loads(held.read_text())["bytes"] == 1 and json.loads(out.sidecar_path(video).read_text())["bytes"] == 2
    assert sorted(p.name for p in out.videos.iterdir()) == ["j.json"]


def test_a_held_lock_names_its_holder_whatever_the_length_of_its_pid(tmp_path):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    out.lock()
    big = 4_194_303  # the highest pid Linux hands out on 64-bit systems
    out.lock_path.write_text(f"{big}\n")
    try:
        assert lock_holder(out.lock_path) == big
        with pytest.raises(LockHeld) as held:
            OutputDir(tmp_path / "out").lock()
        assert held.value.pid == big and f"(process {big})" in str(held.value)
    finally:
        out.unlock()


async def test_a_run_refused_the_lock_leaves_the_downloads_of_the_run_holding_it_alone(tmp_path):
    root = tmp_path / "out"
    first = OutputDir(root)
    first.prepare()
    first.lock()
    try:

        async def chunks():
            yield VALID[:20]
            with pytest.raises(LockHeld):  # another run started on the same folder, as a run opens it
                async with open_output(root):
                    pass
            yield VALID[20:]

        dest = first.video_path("j", "kling-text2video")
        saved = await first.save_stream("j", dest, chunks(), content_length=None, file_size=len(VALID),
                                        max_bytes=10_000)  # fmt: skip
        assert saved.path == dest and dest.read_bytes() == VALID
    finally:
        first.unlock()


def test_looking_for_the_lock_holder_keeps_no_file_open(tmp_path, monkeypatch):
    """``status`` (and a --simulate run's check) look at the lock again and again: each look closes its file,
    whether the lock is free or held."""
    out = OutputDir(tmp_path / "out")
    out.prepare()
    out.lock_path.write_text("4242\n")
    free = opened_fds(monkeypatch)
    assert lock_holder(out.lock_path) is None
    monkeypatch.undo()
    out.lock()
    try:
        held = opened_fds(monkeypatch)
        assert lock_holder(out.lock_path) == os.getpid()
        monkeypatch.undo()
    finally:
        out.unlock()
    assert len(free) == len(held) == 1
    for fd in free + held:
        with pytest.raises(OSError, match="Bad file descriptor"):
            os.fstat(fd)  # closed
