"""Files written whole or not at all: a temporary name, fsync, rename, and the folder fsynced.

A reader (a person, a spreadsheet, the next run) never sees half a file:
``write_atomically`` writes under a hidden temporary name in the same folder
and renames it over the target only once the bytes are on the disk.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` in one step.  ``durable``: fsync the file and its folder before
    and after the rename (a file a run relies on); without it, only the rename is atomic (a
    file that can be made again, such as a thumbnail)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if durable:
            rename_durably(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def rename_durably(src: Path, dest: Path) -> None:
    """Rename ``src`` over ``dest`` and fsync the folder, so the rename survives a power cut."""
    os.replace(src, dest)
    fd = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
