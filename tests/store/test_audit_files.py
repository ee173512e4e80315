"""Audit of ``batchgen/store/files.py``: a durable write keeps no descriptor open behind it."""

from __future__ import annotations

import os

from batchgen.store.files import rename_durably, write_atomically


def test_durable_writes_and_renames_leave_no_descriptor_open(tmp_path, monkeypatch):
    # a long run writes a sidecar per video and results.csv again and again: a folder descriptor left open by
    # each would end the run at the process's file limit ("Too many open files") with videos paid for unsaved
    opened: list[int] = []
    closed: list[int] = []
    real_open, real_close = os.open, os.close

    def spy_open(path, flags, *args, **kwargs):
        fd = real_open(path, flags, *args, **kwargs)
        opened.append(fd)
        return fd

    def spy_close(fd: int) -> None:
        closed.append(fd)
        real_close(fd)

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(os, "close", spy_close)
    for index in range(5):
        write_atomically(tmp_path / "results.csv", f"row {index}\n".encode())
        (tmp_path / "part").write_bytes(b"v")
        rename_durably(tmp_path / "part", tmp_path / f"video-{index}.mp4")
    monkeypatch.undo()
    assert len(opened) == 10 and closed == opened  # each folder fsync's descriptor, closed once done
    assert (tmp_path / "results.csv").read_bytes() == b"row 4\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["results.csv", *(f"video-{i}.mp4" for i in range(5))])
