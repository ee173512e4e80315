"""Audit of ``batchgen/store/files.py``: a durable write keeps no descriptor open behind it."""

from __future__ import annotations

import os

from batchgen.store.files import rename_durably, write_atomically


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_durable_writes_and_renames_leave_no_descriptor_open(tmp_path):
    # a long run writes a sidecar per video and results.csv again and again: a folder descriptor left open by
    # each would end the run at the process's file limit ("Too many open files") with videos paid for unsaved
    before = _open_descriptors()
    for index in range(50):
        write_atomically(tmp_path / "results.csv", f"row {index}\n".encode())
        (tmp_path / "part").write_bytes(b"v")
        rename_durably(tmp_path / "part", tmp_path / f"video-{index}.mp4")
    assert _open_descriptors() == before
    assert (tmp_path / "results.csv").read_bytes() == b"row 49\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["results.csv", *(f"video-{i}.mp4" for i in range(50))])
