"""Audit of ``batchgen/store/spools.py``: a run into an object store gets its spool folder wherever
``output.spool_dir`` names, made if missing, however deep; a killed run's spool is removed once untouched for
``STALE_S``, and a folder whose name only starts like a spool's is never."""

from __future__ import annotations

import os
from pathlib import Path

from batchgen.store.spools import MARK, STALE_S, open_spool, remove_left


def test_a_spool_dir_whose_parent_folders_do_not_exist_yet_is_made_and_the_spool_opened_in_it(tmp_path):
    given = tmp_path / "scratch" / "batchgen" / "spool"
    spool = open_spool(given)
    assert spool.parent == given and spool.is_dir()
    assert spool.name.startswith(f"batchgen-{os.getpid()}-")


def _left_by_a_dead_run(parent: Path, name: str) -> Path:
    folder = parent / name
    folder.mkdir()
    (folder / MARK).touch()
    (folder / "job.part").write_bytes(b"x")
    return folder


def test_a_dead_runs_spool_untouched_for_exactly_the_stale_time_is_removed(tmp_path):
    folder = _left_by_a_dead_run(tmp_path, "batchgen-999999999-abc")
    touched = max(p.stat().st_mtime for p in [folder, *folder.iterdir()])
    assert remove_left(tmp_path, "batchgen-", now=touched + STALE_S - 1) == []
    assert remove_left(tmp_path, "batchgen-", now=touched + STALE_S) == [folder]
    assert not folder.exists()


def test_a_folder_named_like_a_spool_with_more_after_its_name_is_never_removed(tmp_path):
    for name in ("batchgen-999999999-abc.bak", "batchgen-999999999-abc copy"):
        _left_by_a_dead_run(tmp_path, name)
    assert remove_left(tmp_path, "batchgen-", now=4e9) == []
    assert (tmp_path / "batchgen-999999999-abc.bak" / "job.part").exists()
    assert (tmp_path / "batchgen-999999999-abc copy" / "job.part").exists()
