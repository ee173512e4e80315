"""The output folder's checks of finished videos, and its lock file, without a simulator."""

from __future__ import annotations

import csv
import errno
import fcntl
import hashlib
import io
import json
import os
import re
import stat
import struct
from pathlib import Path

import aiofiles
import anyio
import anyio.lowlevel
import pytest

from batchgen.errors import DownloadError, LockHeld, StorageError
from batchgen.store import media, mp4, results
from batchgen.store.files import write_atomically
from batchgen.store.local import OutputDir, _disk_message, lock_holder, safe_video_name
from batchgen.store.mp4 import mp4_problem, spool_verified
from batchgen.store.output import live_runs
from batchgen.store.results import neutralise, render_results
from batchgen.store.shards import Shard
from tests.helpers import opened_fds


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


async def test_a_video_of_another_size_is_never_trusted_even_with_its_recorded_mtime(tmp_path):
    # A copy cut short (a sync tool, a full disk) that kept the file's time passes no quick check: the size is
    # looked at first, and a file without a recorded hash is trusted only at its recorded size.
    out = OutputDir(tmp_path / "out")
    cut = video(out, "cut.mp4", b"a" * 100)
    cut[0].write_bytes(b"a" * 60)
    os.utime(cut[0], ns=(cut[3], cut[3]))
    unhashed = video(out, "unhashed.mp4", b"b" * 100)
    unhashed[0].write_bytes(b"b" * 10)
    items: list[tuple[Path, int | None, str | None, int | None]] = [cut, (*unhashed[:2], None, None)]
    assert await out.verify_many(items) == [False, False]
    assert await out.verify_many(items, deep=True) == [False, False]


def test_the_lock_names_its_holder_and_is_released(tmp_path):
    first, second = OutputDir(tmp_path / "out"), OutputDir(tmp_path / "out")
    first.prepare()
    first.lock()
    with pytest.raises(LockHeld) as held:
        second.lock()
    assert held.value.pid == os.getpid()
    assert str(held.value) == (
        f"another batchgen run (process {os.getpid()}) is using {first.root}; wait for it to finish, "
        "or use a different --out folder"
    )
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


def box(kind: bytes, payload: bytes = b"", *, large: bool = False, to_end: bool = False) -> bytes:
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 0 if to_end else 8 + len(payload), kind) + payload


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (box(b"ftyp", b"isom") + box(b"moov", b"x" * 9) + box(b"mdat", b"y" * 20), None),
        (box(b"ftyp") + box(b"moov") + box(b"mdat", b"y" * 40, large=True), None),  # 64-bit size
        (box(b"ftyp") + box(b"moov") + box(b"mdat", b"y" * 40, to_end=True), None),  # "to the end of the file"
        (
            box(b"ftyp") + box(b"moov") + struct.pack(">I4s", 1, b"mdat") + b"\0\0\0",
            "a box header at byte 16 is cut short",
        ),
        (
            box(b"ftyp") + box(b"moov") + box(b"mdat", b"y" * 40)[:-1],
            "box 'mdat' at byte 16 runs past the end of the file",
        ),
        (
            box(b"ftyp") + box(b"moov") + struct.pack(">I4s", 4, b"mdat"),
            "box 'mdat' at byte 16 runs past the end of the file",
        ),
        (box(b"moov") + box(b"ftyp") + box(b"mdat"), "the file does not start with an 'ftyp' box"),
        (box(b"mdat") + box(b"ftyp") + box(b"moov"), "the file does not start with an 'ftyp' box"),
        (box(b"free") + box(b"ftyp") + box(b"moov") + box(b"mdat"), "the file does not start with an 'ftyp' box"),
        (box(b"ftyp") + box(b"mdat"), "the 'moov' box is missing"),
        (box(b"ftyp") + box(b"moov"), "the 'mdat' box is missing"),
        (box(b"ftyp") + box(b"moov") + box(b"mdat") + b"\0\0\0", "a box header at byte 24 is cut short"),
    ],
)
def test_the_mp4_structure_check(tmp_path, data, problem):
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    found = mp4_problem(path)
    assert found == problem


def _chunks(data: bytes, size: int = 7):
    async def gen():
        for i in range(0, len(data), size):
            yield data[i : i + size]

    return gen()


VALID = box(b"ftyp", b"isom") + box(b"moov", b"m" * 30) + box(b"mdat", b"d" * 100)


async def test_a_saved_video_is_verified_hashed_and_renamed_into_place(tmp_path):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    dest = out.video_path("job/1", "kling-text2video")
    assert dest == out.videos / "job_1.mp4"
    saved = await out.save_stream("job/1", dest, _chunks(VALID), content_length=len(VALID), file_size=len(VALID),
                                  max_bytes=len(VALID))  # fmt: skip
    assert saved.path == dest and dest.read_bytes() == VALID
    assert saved.sha256 == hashlib.sha256(VALID).hexdigest() and saved.size == len(VALID)
    assert saved.mtime_ns == dest.stat().st_mtime_ns
    assert list(out.partial.iterdir()) == []


async def test_a_video_found_in_place_is_kept_only_if_sound_of_the_apis_size_and_put_there_after_the_submit(
    tmp_path,
):
    """A killed run may have put a job's video in place before its 'completed' line: kept only when it can be
    this request's (a sound MP4 of the size the API gives, put there after the submit), never an older file
    under its name (an earlier attempt's, another folder's) nor one damaged at the same size."""
    out = OutputDir(tmp_path / "out")
    out.prepare()
    dest = out.video_path("j", "kling-text2video")
    dest.write_bytes(VALID)
    put = dest.stat().st_mtime_ns / 1e9
    found = await out.installed(dest, file_size=len(VALID), since=put - 1)
    assert found is not None and found.sha256 == hashlib.sha256(VALID).hexdigest()
    assert await out.installed(dest, file_size=len(VALID), since=put + 1) is None  # there before the submit
    assert await out.installed(dest, file_size=len(VALID) + 1, since=put - 1) is None
    dest.write_bytes(VALID.replace(b"moov", b"moox"))  # the same size, not an MP4 whose boxes hold together
    assert await out.installed(dest, file_size=len(VALID), since=dest.stat().st_mtime_ns / 1e9 - 1) is None


@pytest.mark.parametrize(
    ("content_length", "file_size", "max_bytes", "message", "retryable"),
    [
        (len(VALID) + 1, None, 10_000, "Content-Length says", True),
        (None, len(VALID) - 1, 10_000, "the API's file_size says", True),
        (None, None, len(VALID) - 1, "exceeds", False),
    ],
)
async def test_a_download_that_breaks_a_promise_is_refused_and_leaves_nothing(
    tmp_path, content_length, file_size, max_bytes, message, retryable
):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    dest = out.video_path("j", "m")
    with pytest.raises(DownloadError) as caught:
        await out.save_stream("j", dest, _chunks(VALID), content_length=content_length, file_size=file_size,
                              max_bytes=max_bytes)  # fmt: skip
    assert message in str(caught.value) and "job j" in str(caught.value)
    assert caught.value.retryable is retryable
    assert not dest.exists() and list(out.partial.iterdir()) == []


async def test_a_disk_error_names_the_folder_and_the_job(tmp_path):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    with pytest.raises(StorageError) as caught:  # the sidecar's folder is a file: any user gets an error
        await OutputDir(tmp_path / "out").write_sidecar(out.root / "results.csv" / "j.mp4", {"job_id": "j"})
    assert f"cannot write to {out.root} while saving job j" in str(caught.value)
    message = _disk_message(OSError(errno.ENOSPC, "No space left"), out.root, "j")
    assert f"the disk holding {out.root} is full while saving job j" in message and "run the same" in message
    other = _disk_message(OSError(errno.EACCES, "Permission denied"), out.root, "j")
    assert f"cannot write to {out.root} while saving job j (Permission denied)" in other


async def test_sidecars_are_sorted_json(tmp_path):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    await out.write_sidecar(out.videos / "j.mp4", {"job_id": "j", "bytes": 3, "prompt": "é"})
    text = (out.videos / "j.json").read_text(encoding="utf-8")
    assert json.loads(text) == {"job_id": "j", "bytes": 3, "prompt": "é"}
    assert text.endswith("\n") and '"é"' in text and text.index('"bytes"') < text.index('"job_id"')


def test_results_csv_has_one_row_per_job_with_the_error_text_and_no_formulas():
    rendered = render_results(
        {
            "a": {"state": "completed", "model": "m", "request_id": "r1", "file": "videos/a.mp4", "bytes": 10,
                  "sha256": "ab", "cost": 0.28, "ts": "T", "media": {"duration_s": 5.0, "width": 640},
                  "warnings": [{"kind": "aspect_mismatch", "detail": "1:1"}, "junk"]},
            "b": {"state": "failed", "error": {"http": 422, "detail": "=HYPERLINK(1)"}},
            "c": {"state": "failed", "error": {"http": 500}},
            "d": {"state": "expired", "error": "plain text"},
        }
    ).decode()  # fmt: skip
    rows = list(csv.reader(io.StringIO(rendered)))
    assert rows[0][:10] == ["job_id", "state", "model", "request_id", "file", "bytes", "sha256", "cost", "error",
                            "updated_at"]  # fmt: skip
    a, b, c, d = rows[1:]
    assert a[:10] == ["a", "completed", "m", "r1", "videos/a.mp4", "10", "ab", "0.28", "", "T"]
    assert a[10:18] == ["5.0", "640", "", "", "", "", "aspect_mismatch", "1:1"]
    assert b[8] == "'=HYPERLINK(1)" and c[8] == '{"http": 500}' and d[8] == "plain text"
    assert neutralise("-1") == "'-1" and neutralise("+x") == "'+x" and neutralise("@x") == "'@x"
    assert neutralise("a=b") == "a=b" and neutralise("") == ""


def test_a_file_written_atomically_replaces_the_old_one_whole(tmp_path):
    path = tmp_path / "results.csv"
    path.write_bytes(b"old")
    write_atomically(path, b"new")
    assert path.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_the_lock_holder_is_read_without_taking_the_lock(tmp_path):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    assert lock_holder(out.lock_path) is None  # no lock file yet
    out.lock_path.write_text("4242\n")
    assert lock_holder(out.lock_path) is None  # a file nobody holds: no holder, whatever it says
    out.lock()
    assert lock_holder(out.lock_path) == os.getpid()
    assert out.lock_path.read_text() == f"{os.getpid()}\n"
    out.lock_path.write_text(" not a pid ")
    assert lock_holder(out.lock_path) == 0  # held, but it did not say by whom
    out.unlock()
    assert out.lock_path.read_text() == ""  # the pid is wiped when the lock is given back
    assert lock_holder(out.lock_path) is None
    out.lock()  # looking did not keep any lock behind
    out.unlock()


async def test_status_names_a_run_that_holds_the_lock_before_it_has_written_its_pid(tmp_path):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    fd = os.open(out.lock_path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # locked, its pid not yet written
    try:
        assert await live_runs(out.root, [""]) == {"": "another process"}
    finally:
        os.close(fd)
    assert await live_runs(out.root, [""]) == {}


def test_a_lock_that_cannot_be_created_says_where(tmp_path):
    out = OutputDir(tmp_path / "missing")
    with pytest.raises(StorageError) as caught:
        out.lock()
    assert str(caught.value) == f"cannot create the lock file {out.lock_path} (No such file or directory)"


def test_a_shard_keeps_its_own_state_and_shares_the_videos(tmp_path):
    out = OutputDir(tmp_path / "out", shard=Shard(2, 8))
    state = tmp_path / "out" / "shards" / "2-of-8"
    assert (out.state, out.partial, out.ledger, out.results, out.lock_path) == (
        state, state / ".partial", state / "ledger.jsonl", state / "results.csv", state / ".lock"
    )  # fmt: skip
    assert out.videos == tmp_path / "out" / "videos"
    out.prepare()
    assert out.partial.is_dir() and out.videos.is_dir()


def test_taking_the_lock_clears_stale_downloads_only(tmp_path):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    (out.partial / "a.1234.part").write_bytes(b"x")
    (out.partial / "keep.txt").write_bytes(b"x")
    out.prepare()
    assert len(list(out.partial.iterdir())) == 2  # (not before the lock: they may be the holder's downloads)
    out.lock()
    out.unlock()
    assert [p.name for p in out.partial.iterdir()] == ["keep.txt"]


FILE_ADVICE = "Replace it with a regular file (or remove it)"


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("ledger.jsonl", FILE_ADVICE),
        ("results.csv", FILE_ADVICE),
        (".lock", FILE_ADVICE),
        (".partial", "Replace the link with a real folder"),
    ],
)
def test_a_symlinked_state_file_or_folder_is_refused_with_what_to_do(tmp_path, name, advice):
    out = OutputDir(tmp_path / "out")
    out.root.mkdir()
    (out.root / name).symlink_to(tmp_path if name == ".partial" else tmp_path / "elsewhere")
    with pytest.raises(StorageError) as caught:
        out.prepare()
    assert str(caught.value) == (
        f"{out.root / name} is a symbolic link; batchgen writes only inside the output folder. {advice}"
    )


def test_an_output_folder_that_cannot_be_made_says_which_and_why(tmp_path):
    (tmp_path / "file").write_text("x")
    out = OutputDir(tmp_path / "file" / "out")
    with pytest.raises(StorageError) as caught:
        out.prepare()
    assert str(caught.value) == (
        f"cannot create the output folder {out.root} (Not a directory); check the path and its permissions"
    )


@pytest.mark.parametrize(
    ("pattern", "job_id", "model", "name"),
    [
        ("{id}.mp4", "a b/c", "m", "a_b_c.mp4"),
        ("{model}-{id}.mp4", "a", "kling 1.6/x", "kling-1.6-x-a.mp4"),
        ("..{id}", "a", "m", "a"),  # never a hidden name
        ("...", "j/1", "m", "j_1.mp4"),  # nothing left: the job id names it
    ],
)
def test_video_names_keep_only_safe_characters(pattern, job_id, model, name):
    assert safe_video_name(pattern, job_id, model) == name


class _SlowFile:
    """A file whose open and close finish on their own (as a worker thread's would) but only
    come back at the next checkpoint; ``on_write`` runs as the first chunk is written."""

    def __init__(self, opened: list[_SlowFile], on_write) -> None:
        self.closed = False
        self.data = b""
        self._on_write = on_write
        opened.append(self)

    async def write(self, chunk: bytes) -> None:
        self._on_write()
        await anyio.lowlevel.checkpoint()
        self.data += chunk

    async def flush(self) -> None:
        await anyio.lowlevel.checkpoint()

    async def close(self) -> None:
        await anyio.lowlevel.checkpoint()
        self.closed = True


async def _spool_cancelled(monkeypatch, tmp_path, *, cancel_in: str) -> tuple[list[_SlowFile], anyio.CancelScope]:
    opened: list[_SlowFile] = []
    scope = anyio.CancelScope()

    async def slow_open(path, mode):
        assert (path, mode) == (tmp_path / "v.part", "wb")
        file = _SlowFile(opened, scope.cancel if cancel_in == "write" else lambda: None)
        if cancel_in == "open":
            scope.cancel()  # the run is cancelled while the file is being opened
        await anyio.lowlevel.checkpoint()
        return file

    monkeypatch.setattr(aiofiles, "open", slow_open)
    with scope:
        await spool_verified(tmp_path / "v.part", "j", _chunks(VALID), content_length=None, file_size=None,
                             max_bytes=10_000, where=str(tmp_path), fsync=False)  # fmt: skip
    return opened, scope


@pytest.mark.parametrize("cancel_in", ["open", "write"])
async def test_a_cancelled_download_never_leaves_its_file_open(monkeypatch, tmp_path, cancel_in):
    opened, scope = await _spool_cancelled(monkeypatch, tmp_path, cancel_in=cancel_in)
    assert scope.cancelled_caught
    assert len(opened) == 1 and opened[0].closed  # the open and the close both ran to their end
    assert opened[0].data == b""  # and the cancelled run wrote nothing


async def test_a_file_that_cannot_be_opened_in_time_says_where_to_look(monkeypatch, tmp_path):
    async def stuck_open(path, mode):
        await anyio.sleep_forever()

    monkeypatch.setattr(aiofiles, "open", stuck_open)
    monkeypatch.setattr(mp4, "FILE_SHIELD_S", 0.0)  # give up at once instead of after ten seconds
    with pytest.raises(StorageError) as caught:
        await spool_verified(tmp_path / "v.part", "j", _chunks(VALID), content_length=None, file_size=None,
                             max_bytes=10_000, where="/srv/out", fsync=False)  # fmt: skip
    assert str(caught.value) == (
        f"{tmp_path / 'v.part'} could not be opened within 0s; check the disk under /srv/out, then run again to resume"
    )


async def test_a_refused_download_says_which_job_what_was_wrong_and_what_happens_next(tmp_path):
    async def refused(data: bytes, **sizes) -> str:
        sizes = {"content_length": None, "file_size": None, "max_bytes": 10_000, **sizes}
        with pytest.raises(DownloadError) as caught:
            await spool_verified(tmp_path / "v.part", "j-7", _chunks(data), where=str(tmp_path), fsync=False, **sizes)
        return str(caught.value)

    size = len(VALID)
    assert await refused(VALID, max_bytes=size - 1) == (
        f"the video for job j-7 exceeds {size - 1} bytes (output.max_download_bytes)"
    )
    assert await refused(VALID, content_length=size + 1) == (
        f"the video for job j-7 has {size} bytes but Content-Length says {size + 1}; it will be fetched again"
    )
    assert await refused(VALID, file_size=size - 1) == (
        f"the video for job j-7 has {size} bytes but the API's file_size says {size - 1}; it will be fetched again"
    )
    assert await refused(box(b"moov") + box(b"ftyp") + box(b"mdat")) == (
        "the video for job j-7 is not a valid MP4: the file does not start with an 'ftyp' box"
    )
    cut = await refused(VALID[:-9])  # a video cut short: fetched again, not taken for something else
    assert cut.startswith("the video for job j-7 is not a valid MP4: box ") and cut.endswith(
        " runs past the end of the file"
    )
    sha256, saved = await spool_verified(tmp_path / "v.part", "j-7", _chunks(VALID), content_length=size,
                                         file_size=size, max_bytes=size, where=str(tmp_path), fsync=False)  # fmt: skip
    assert (sha256, saved) == (hashlib.sha256(VALID).hexdigest(), size)  # exactly the limit is allowed
    assert (tmp_path / "v.part").read_bytes() == VALID


def test_a_disk_error_message_in_full(tmp_path):
    assert _disk_message(OSError(errno.ENOSPC, "No space left on device"), tmp_path, "j") == (
        f"the disk holding {tmp_path} is full while saving job j; free some space and run the same "
        "command again to resume (nothing partial was kept)"
    )
    assert _disk_message(OSError(errno.EACCES, "Permission denied"), tmp_path, "j") == (
        f"cannot write to {tmp_path} while saving job j (Permission denied); check the folder's "
        "permissions and run again to resume"
    )
    assert _disk_message(OSError("no errno"), tmp_path, "j") == (
        f"cannot write to {tmp_path} while saving job j (no errno); check the folder's permissions and run again "
        "to resume"
    )


async def test_a_sidecar_is_indented_sorted_utf8_json_text(tmp_path):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    await out.write_sidecar(out.videos / "j.mp4", {"prompt": "é", "job_id": "j", "timings": {"s": 1}})
    assert (out.videos / "j.json").read_bytes() == (
        '{\n  "job_id": "j",\n  "prompt": "é",\n  "timings": {\n    "s": 1\n  }\n}\n'.encode()
    )


async def test_many_videos_are_checked_in_batches_and_answered_in_order(tmp_path):
    out = OutputDir(tmp_path / "out")
    items: list[tuple[Path, int | None, str | None, int | None]] = [
        video(out, f"v{n}.mp4", b"v%d" % n) for n in range(300)
    ]
    bad = {5, 70, 150, 299}
    for n in bad:
        items[n] = (items[n][0], items[n][1], "0" * 64, None)  # recorded with another hash
    expected = [n not in bad for n in range(300)]
    assert await out.verify_many(items) == expected
    assert await out.verify_many(items, deep=True) == expected


async def test_a_video_of_unknown_size_is_hashed_and_a_link_is_refused_whatever_was_recorded(tmp_path):
    out = OutputDir(tmp_path / "out")
    path, _, sha256, mtime_ns = video(out, "v.mp4", b"video" * 10)
    link = out.videos / "link.mp4"
    link.symlink_to(path)
    assert await out.verify_many([(path, None, sha256, None), (path, None, "0" * 64, None)]) == [True, False]
    assert await out.verify_many([(link, None, sha256, mtime_ns), (link, None, None, None)]) == [False, False]


@pytest.mark.parametrize("text", ["-1\n", "+42\n", "1_000\n"])
def test_a_held_lock_whose_file_holds_no_plain_pid_names_no_process(tmp_path, text):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    out.lock()
    out.lock_path.write_text(text)
    try:
        assert lock_holder(out.lock_path) == 0
        with pytest.raises(LockHeld) as held:
            OutputDir(tmp_path / "out").lock()
        assert held.value.pid is None and "(another process)" in str(held.value)
    finally:
        out.unlock()


def test_a_cell_starting_with_a_tab_or_carriage_return_is_not_read_as_a_formula():
    assert neutralise("\t=1") == "'\t=1" and neutralise("\r=1") == "'\r=1"
    assert neutralise("x\t") == "x\t"


def test_results_csv_gives_each_jobs_prompt_and_parameters_as_it_asked_them():
    rendered = render_results(
        {
            "a": {"state": "completed", "model": "kling-text2video",
                  "params": {"prompt": "a heron at dawn", "duration": 10}},
            "b": {"state": "deferred", "params": {"prompt": "-a fox"}},
            "c": {"state": "failed"},
        }
    ).decode()  # fmt: skip
    header, a, b, c = list(csv.reader(io.StringIO(rendered)))
    prompt, params = header.index("prompt"), header.index("params")
    assert a[prompt] == "a heron at dawn" and json.loads(a[params]) == {"prompt": "a heron at dawn", "duration": 10}
    assert b[prompt] == "'-a fox" and c[prompt] == "" and c[params] == ""


def test_results_csv_gives_parameters_in_any_script_as_written_not_as_escapes():
    rendered = render_results({"a": {"state": "completed", "params": {"prompt": "héron à l'aube, 夜明け"}}}).decode()
    header, a = list(csv.reader(io.StringIO(rendered)))
    assert a[header.index("params")] == '{"prompt": "héron à l\'aube, 夜明け"}'


def test_a_saved_file_ffmpeg_cannot_read_is_kept_with_its_unreadable_warning(tmp_path):
    bad = tmp_path / "clip.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"not a video at all" * 20)
    record, warnings = media.inspect_video(
        bad, {"prompt": "p", "duration": 5}, duration_tolerance_s=0.5, aspect_tolerance=0.03
    )
    assert record is None
    assert [w["kind"] for w in warnings] == ["unreadable"] and str(bad) in warnings[0]["detail"]


def test_results_csv_lines_end_in_a_newline_and_keep_text_as_written():
    rendered = render_results(
        {
            "a": {"state": "failed", "error": {"http": 400, "message": "trop élevé"},
                  "warnings": [{"kind": "k1", "detail": "d1"}, {"kind": "k2", "detail": "d2"}]},
        }
    ).decode()  # fmt: skip
    header, row, end = rendered.split("\n")
    assert header == ",".join(results.RESULT_COLUMNS) and end == ""
    assert row == 'a,failed,,,,,,,"{""http"": 400, ""message"": ""trop élevé""}",,,,,,,,k1;k2,d1; d2,,'


def test_results_csv_names_each_jobs_input_image_as_the_manifest_gave_it_and_leaves_others_blank():
    image = {"path": "/abs/shoot/frames/a.png", "file": "frames/a.png", "sha256": "ab" * 32, "bytes": 10}
    rendered = render_results(
        {
            "a": {"state": "completed", "params": {"prompt": "p", "image": image}},
            "b": {"state": "completed", "params": {"prompt": "q"}},
        }
    ).decode()
    header, a, b = list(csv.reader(io.StringIO(rendered)))
    assert header[-3:] == ["input_image", "input_sha256", "input_images"]  # after the columns scripts read
    assert a[-3:-1] == ["frames/a.png", "ab" * 32] and b[-3:] == ["", "", ""]
    assert json.loads(a[-1]) == {"image": {"file": "frames/a.png", "sha256": "ab" * 32}}
    assert json.loads(a[header.index("params")])["image"]["file"] == "frames/a.png"
    alone = render_results({"b": {"state": "completed", "params": {"prompt": "q"}}}).decode()
    assert "input_image" not in alone.splitlines()[0]  # no job has an image: no image columns


def _fsync_spy(monkeypatch) -> list[tuple[str, list[str]]]:
    """Record each fsync: the path synced and what its folder held at that moment."""
    synced: list[tuple[str, list[str]]] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        synced.append((path, sorted(os.listdir(folder))))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return synced


async def test_a_download_is_spooled_under_a_hidden_part_name_and_fsynced_before_it_is_renamed(tmp_path, monkeypatch):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    synced = _fsync_spy(monkeypatch)
    dest = out.video_path("job/1", "m")
    await out.save_stream("job/1", dest, _chunks(VALID), content_length=None, file_size=None, max_bytes=10_000)
    (part, _), (folder, listing) = synced
    assert re.fullmatch(re.escape(str(out.partial)) + r"/job_1\.[0-9a-f]{8}\.part", part)
    assert folder == str(out.videos) and listing == ["job_1.mp4"]  # then the folder, once the video is in it


def test_a_file_written_atomically_goes_through_a_hidden_temporary_name(tmp_path, monkeypatch):
    synced = _fsync_spy(monkeypatch)
    write_atomically(tmp_path / "results.csv", b"new")
    (tmp, listing), (folder, after) = synced
    assert re.fullmatch(re.escape(str(tmp_path)) + r"/\.results\.csv\.[0-9a-f]{8}\.tmp", tmp)
    assert listing == [os.path.basename(tmp)] and folder == str(tmp_path) and after == ["results.csv"]


def _synced_sizes(monkeypatch) -> list[int]:
    """Record each fsync of a regular file: how many bytes of it the kernel held at that moment."""
    sizes: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        info = os.fstat(fd)
        if not stat.S_ISDIR(info.st_mode):
            sizes.append(info.st_size)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return sizes


def test_a_file_written_atomically_has_all_its_bytes_handed_to_the_disk_before_its_fsync(tmp_path, monkeypatch):
    # bytes still in the process's buffer at the fsync are not on the disk when the rename is: a power cut
    # would leave an empty results.csv or sidecar under its real name
    sizes = _synced_sizes(monkeypatch)
    write_atomically(tmp_path / "results.csv", b"x" * 100)
    assert sizes == [100]


def test_a_file_that_cannot_be_put_in_place_leaves_no_temporary_file_behind(tmp_path):
    (tmp_path / "results.csv").mkdir()  # the rename over it fails
    with pytest.raises(IsADirectoryError):
        write_atomically(tmp_path / "results.csv", b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


async def test_a_download_has_all_its_bytes_handed_to_the_disk_before_its_fsync(tmp_path, monkeypatch):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    sizes = _synced_sizes(monkeypatch)
    dest = out.video_path("j", "m")
    await out.save_stream("j", dest, _chunks(VALID), content_length=None, file_size=None, max_bytes=10_000)
    assert sizes == [len(VALID)] and dest.read_bytes() == VALID


async def test_a_download_that_cannot_be_installed_names_the_folder_the_job_and_the_cause(tmp_path):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    with pytest.raises(StorageError) as caught:
        await out.save_stream("j", out.root / "gone" / "j.mp4", _chunks(VALID), content_length=None,
                              file_size=None, max_bytes=10_000)  # fmt: skip
    assert str(caught.value) == (
        f"cannot write to {out.root} while saving job j (No such file or directory); check the folder's "
        "permissions and run again to resume"
    )
    assert list(out.partial.iterdir()) == []


async def test_a_download_whose_file_cannot_be_opened_in_time_names_the_output_folder(tmp_path, monkeypatch):
    async def stuck_open(path, mode):
        await anyio.sleep_forever()

    out = OutputDir(tmp_path / "out")
    out.prepare()
    monkeypatch.setattr(aiofiles, "open", stuck_open)
    monkeypatch.setattr(mp4, "FILE_SHIELD_S", 0.0)
    with pytest.raises(StorageError) as caught:
        await out.save_stream("j", out.videos / "j.mp4", _chunks(VALID), content_length=None, file_size=None,
                              max_bytes=10_000)  # fmt: skip
    assert str(caught.value).endswith(f"within 0s; check the disk under {out.root}, then run again to resume")


def test_a_lock_file_is_created_readable_by_all_and_writable_by_its_owner(tmp_path):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    old = os.umask(0)
    try:
        out.lock()
    finally:
        os.umask(old)
        out.unlock()
    assert out.lock_path.stat().st_mode & 0o777 == 0o644


def test_unlocking_a_folder_never_locked_or_whose_lock_cannot_be_wiped_is_harmless(tmp_path, monkeypatch):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    out.unlock()  # never locked: nothing to do
    out.lock()

    def no_truncate(fd: int, length: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "ftruncate", no_truncate)
    out.unlock()  # the pid stays in the file, but the lock is given back
    monkeypatch.undo()
    assert lock_holder(out.lock_path) is None
    OutputDir(tmp_path / "out").lock()


def test_a_lock_that_fails_for_another_reason_says_so_and_keeps_no_file_open(tmp_path, monkeypatch):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    opened = opened_fds(monkeypatch)

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.raises(StorageError) as caught:
        out.lock()
    assert str(caught.value) == f"cannot lock {out.lock_path} (No locks available)"
    assert len(opened) == 1
    with pytest.raises(OSError, match="Bad file descriptor"):
        os.fstat(opened[0])  # closed


def test_taking_the_lock_leaves_a_stale_download_it_cannot_remove(tmp_path):
    out = OutputDir(tmp_path / "out")
    out.prepare()
    (out.partial / "odd.part").mkdir()  # not a file: unlink fails, and that is no reason to stop
    (out.partial / "a.part").write_bytes(b"x")
    out.prepare()
    out.lock()
    out.unlock()
    assert [p.name for p in out.partial.iterdir()] == ["odd.part"]


def test_a_video_name_may_start_with_an_x():
    assert safe_video_name("{id}.mp4", "XX.job", "m") == "XX.job.mp4"


async def test_a_close_that_never_finishes_is_given_up_after_the_shield_time(monkeypatch, tmp_path):
    class HungClose:
        async def write(self, chunk: bytes) -> None:
            await anyio.lowlevel.checkpoint()

        async def flush(self) -> None:
            await anyio.lowlevel.checkpoint()

        async def close(self) -> None:
            await anyio.sleep_forever()

    async def open_hung(path, mode):
        path.write_bytes(VALID)  # the bytes reached the disk; only the close hangs
        return HungClose()

    monkeypatch.setattr(aiofiles, "open", open_hung)
    monkeypatch.setattr(mp4, "FILE_SHIELD_S", 0.0)
    with anyio.fail_after(10):  # only a guard: the call returns at once when the close is given up
        sha256, size = await spool_verified(tmp_path / "v.part", "j", _chunks(VALID), content_length=None,
                                            file_size=None, max_bytes=10_000, where="", fsync=False)  # fmt: skip
    assert (sha256, size) == (hashlib.sha256(VALID).hexdigest(), len(VALID))


def test_a_video_over_two_gib_with_a_32_bit_box_size_is_sound(tmp_path):
    path = tmp_path / "big.mp4"
    head = box(b"ftyp", b"isom") + box(b"moov", b"m" * 30)
    mdat = 2**31 + 8  # a 32-bit size with the top bit set: 2 GiB of media and its header
    with open(path, "wb") as fh:
        fh.write(head + struct.pack(">I4s", mdat, b"mdat"))
        fh.truncate(len(head) + mdat)  # sparse: nothing but the headers is written
    assert mp4_problem(path) is None


def test_results_csv_names_the_images_inside_a_list_parameters_objects_by_their_place():
    """A job whose images sit in ``elements`` alone (no top-level image) still has its inputs named: the image
    columns are added, the top-level pair left blank, and ``input_images`` gives each image's place."""
    cat = {"path": "/abs/cat.png", "file": "frames/cat.png", "sha256": "cd" * 32, "bytes": 10}
    uri = {"inline": "data URI", "sha256": "ef" * 32, "bytes": 12}
    params = {"prompt": "p", "elements": [{"frontal_image_url": cat, "reference_image_urls": ["https://x/y.png", uri]}]}
    header, row = list(
        csv.reader(io.StringIO(render_results({"a": {"state": "completed", "params": params}}).decode()))
    )
    assert header[-3:] == ["input_image", "input_sha256", "input_images"] and row[-3:-1] == ["", ""]
    assert json.loads(row[-1]) == {
        "elements[0].frontal_image_url": {"file": "frames/cat.png", "sha256": "cd" * 32},
        "elements[0].reference_image_urls[1]": {"file": None, "sha256": "ef" * 32},
    }


@pytest.mark.parametrize(
    ("asked", "video", "kinds"),
    [
        ({"duration": 10, "aspect_ratio": "16:9"}, (10.0, 1280, 720), []),  # as asked
        ({"duration": 10, "aspect_ratio": "16:9"}, (5.0, 1280, 720), ["duration_mismatch"]),  # shorter
        ({"duration": 5}, (10.0, 1280, 720), ["duration_mismatch"]),  # longer
        ({"duration": "5", "aspect_ratio": "16:9"}, (5.2, 720, 1280), ["aspect_mismatch"]),  # narrower
        ({"aspect_ratio": "9:16"}, (5.0, 1280, 720), ["aspect_mismatch"]),  # wider
    ],
)
def test_a_video_shorter_or_longer_narrower_or_wider_than_asked_is_named_so(asked, video, kinds):
    duration, width, height = video
    found = media.Media(duration_s=duration, width=width, height=height, fps=24.0, codec="h264", frames=120)
    warnings = media.check_media(found, asked, duration_tolerance_s=0.5, aspect_tolerance=0.03)
    assert [w["kind"] for w in warnings] == kinds
