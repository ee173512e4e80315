"""Audit of ``batchgen/store/local.py``: a refused lock names the shard's own folder and keeps no file open."""

from __future__ import annotations

import os

import pytest

from batchgen.errors import LockHeld
from batchgen.store.local import OutputDir
from batchgen.store.shards import Shard
from tests.helpers import opened_fds


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
