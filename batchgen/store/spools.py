"""The spool folders object-store runs download into, and the removal of those killed runs left.

Each run spools into a folder of its own, named for its process (``batchgen-spool-<pid>-<random>`` in the
temporary folder, ``batchgen-<pid>-<random>`` in ``output.spool_dir``), and removes it however it ends;
a run killed with ``kill -9``, or by the OOM killer, cannot.  Its folder holds only copies (videos on their
way to the bucket: the ledger has each job ``downloading``, fetched again by a later run), up to one a
download slot, so every kill left up to that many videos behind.  A run opening its spool removes the
folders of processes no longer running that nothing has touched for ``STALE_S``: the wait covers a
temporary folder shared by machines or containers whose process ids are not this one's.  Only a folder
holding the mark every spool is made with (:data:`MARK`) is removed: a folder of the user's that happens to
be named like one (``batchgen-2024-archive`` in a shared ``output.spool_dir``) is never.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

STALE_S = 3600.0  # a dead process's spool folder untouched this long is removed
MARK = ".batchgen-spool"  # the empty file every spool folder holds: only a folder with it is ever removed


def open_spool(given: Path | None) -> Path:
    """A new spool folder, in ``given`` (``output.spool_dir``, made if missing) or the temporary folder; the
    folders killed runs left there are removed first.  ``OSError`` if it cannot be created."""
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
    parent, prefix = (given, "batchgen-") if given is not None else (Path(tempfile.gettempdir()), "batchgen-spool-")
    remove_left(parent, prefix)
    return mark(Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent)))


def mark(spool: Path) -> Path:
    """Put the spool's mark in ``spool`` (a folder this run made), which lets a later run remove it once this
    one is gone; returns it."""
    (spool / MARK).touch()
    return spool


def remove_left(parent: Path, prefix: str, *, now: float | None = None) -> list[Path]:
    """Remove the spool folders in ``parent`` of processes not running, untouched for ``STALE_S``; returns
    them.  Folders of another name or without the spool's mark, of a process running (or one this user may
    not signal), or touched lately are left, and so is anything that cannot be read or removed."""
    now = time.time() if now is None else now
    named = re.compile(re.escape(prefix) + r"(\d+)-[A-Za-z0-9_]+")
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = named.fullmatch(entry.name)
        if match is None or entry.is_symlink() or not (entry / MARK).is_file() or _running(int(match[1])):
            continue
        touched = _last_touched(entry)
        if touched is None or now - touched < STALE_S:
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _running(pid: int) -> bool:
    """Whether process ``pid`` may be running (True where that cannot be told: not POSIX, another user's)."""
    if pid == os.getpid() or os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # another user's, or no process id at all (a name made by hand)
        return True
    return True


def _last_touched(folder: Path) -> float | None:
    """The latest modification time of ``folder`` and the files in it (None: it could not be read)."""
    try:
        times = [folder.stat().st_mtime]
        for entry in folder.iterdir():
            with contextlib.suppress(OSError):
                times.append(entry.stat().st_mtime)
    except OSError:
        return None
    return max(times)
