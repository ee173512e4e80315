"""The pieces of a ``--simulate`` run around the in-process simulator: checks before it starts, and saving
its account at the end even on a full disk (a reserved file's room is given up to save it)."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Settings
from ..engine.identity import ChangedJobs, find_changes, refuse_replacing_in_flight
from ..manifest import Manifest
from ..store.ledger import read_ledger
from ..store.local import OutputDir, lock_holder

RESERVE_BYTES = 64 * 1024  # room kept beside a --simulate run's saved account (plus some per job)
BYTES_PER_JOB = 2 * 1024
MAX_RESERVE_BYTES = 32 << 20


def check_before_simulating(args: argparse.Namespace, settings: Settings, manifest: Manifest) -> None:
    """What would stop the run at once (the folder's lock, rows that changed), found before the simulator
    starts, so nothing about a simulator is printed for a run that never begins."""
    folder = OutputDir(settings.output.dir, settings.output.filename, shard=args.shard_obj)
    if lock_holder(folder.lock_path) is not None:
        folder.lock()  # raises the LockHeld the run would (with its pid and what to do)
        folder.unlock()
    if folder.ledger.exists():
        changes = find_changes(manifest.jobs, read_ledger(folder.ledger))
        if changes and not args.replace_changed:
            raise ChangedJobs(changes, str(settings.output.dir))
        refuse_replacing_in_flight(changes, str(settings.output.dir))


async def close_simulator(sim: Any, reserve: Path | None, error: Callable[[str], None], *, held: bool = True) -> bool:
    """Stop the simulator and save its account; on a full disk, give up the reserved room and save again.
    A run that never held the folder (``held``: another run took it since the check before the simulator
    started) saves nothing and leaves the reserved room: both are the holder's."""
    if not held:
        await sim.close(save=False)
        return True
    try:
        await sim.close()
        saved = True
    except OSError:
        saved = False
    if reserve is not None:  # only needed while the run lasts
        with contextlib.suppress(OSError):
            os.unlink(reserve)
    if saved:
        return True
    path = sim.state.config.state_file
    try:
        sim.state.save(path)
        return True
    except OSError as exc:
        error(
            f"the simulated account could not be saved in {path} ({exc.strerror or exc}): the simulated jobs in "
            "flight cannot be found again. Free some disk space; the next --simulate run makes them again only "
            "with --resubmit-lost"
        )
        return False
