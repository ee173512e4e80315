"""Spool folders: one per run, named for its process; those of killed runs are removed by the next."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from batchgen.store.spools import MARK, STALE_S, open_spool, remove_left


def _gone_pid() -> int:
    """The id of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _left(parent: Path, name: str, *, age_s: float, marked: bool = True) -> Path:
    """A folder a run left (with the spool's mark), or one of the user's named alike (``marked=False``)."""
    folder = parent / name
    folder.mkdir()
    part = folder / "clip.part"
    part.write_bytes(b"x" * 1000)
    then = time.time() - age_s
    paths = [part, folder]
    if marked:
        (folder / MARK).touch()
        paths.insert(0, folder / MARK)
    for path in paths:
        os.utime(path, (then, then))
    return folder


def test_a_killed_runs_spool_is_removed_by_the_next_run_and_nothing_else_is(tmp_path):
    dead = _gone_pid()
    stale = _left(tmp_path, f"batchgen-{dead}-abc123", age_s=STALE_S + 60)
    recent = _left(tmp_path, f"batchgen-{dead}-def456", age_s=60)  # a process id from another namespace?
    running = _left(tmp_path, f"batchgen-{os.getppid()}-ghi789", age_s=STALE_S + 60)  # a run still going
    other = _left(tmp_path, "batchgen-notes", age_s=STALE_S + 60)  # not a spool's name
    huge = _left(tmp_path, f"batchgen-{2**70}-mno345", age_s=STALE_S + 60)  # no process id: left, no crash
    spool = open_spool(tmp_path)
    assert spool.parent == tmp_path and spool.name.startswith(f"batchgen-{os.getpid()}-") and spool.is_dir()
    assert not os.path.exists(stale)
    assert all(os.path.exists(kept) for kept in (recent, running, other, huge))
    # a folder whose file is being written is not stale, however old the folder itself (written in place, the
    # file changes and the folder does not)
    busy = _left(tmp_path, f"batchgen-{dead}-jkl012", age_s=STALE_S + 60)
    with (busy / "clip.part").open("ab") as part:
        part.write(b"y")
    assert time.time() - busy.stat().st_mtime > STALE_S
    assert remove_left(tmp_path, "batchgen-") == []
    later = time.time() + 2 * STALE_S  # an hour on, both untouched
    assert set(remove_left(tmp_path, "batchgen-", now=later)) == {busy, recent}
    assert all(os.path.exists(kept) for kept in (running, other, spool))  # this process's own spool: never


def test_a_spool_folder_in_the_temporary_folder_is_named_for_the_run(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    dead = _gone_pid()
    stale = _left(tmp_path, f"batchgen-spool-{dead}-abc123", age_s=STALE_S + 60)
    spool = open_spool(None)
    assert spool.parent == tmp_path and spool.name.startswith(f"batchgen-spool-{os.getpid()}-")
    assert not os.path.exists(stale)


def test_a_users_folder_named_like_a_spool_is_never_removed(tmp_path):
    dead = _gone_pid()
    archive = _left(tmp_path, f"batchgen-{dead}-archive", age_s=10 * STALE_S, marked=False)
    left = _left(tmp_path, f"batchgen-{dead}-abc123", age_s=10 * STALE_S)
    assert remove_left(tmp_path, "batchgen-") == [left]
    assert (archive / "clip.part").read_bytes() == b"x" * 1000
    spool = open_spool(tmp_path)
    assert (spool / MARK).is_file()  # (what lets a later run remove it once this one is gone)
