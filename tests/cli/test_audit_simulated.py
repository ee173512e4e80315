"""Audit of ``batchgen/cli/simulated.py``: on a full disk a ``--simulate`` run gives up its reserved room to
save the simulated account, and says what to do when even that fails."""

from __future__ import annotations

import errno
import json
from pathlib import Path

from batchgen.simulator.state import SimState
from tests.helpers import many_jobs_yaml, run_cli, write


def test_a_full_disk_at_the_end_of_a_simulated_run_is_met_by_giving_up_the_reserved_room(tmp_path, monkeypatch, capsys):
    real_save = SimState.save

    def save_if_room(self: SimState, path: str) -> None:
        if Path(f"{path}.reserve").exists():  # the disk is full while the room is held
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(self, path)

    monkeypatch.setattr(SimState, "save", save_if_room)
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(2)), tmp_path / "out"
    code = run_cli("run", str(manifest), "--out", str(out), "--simulate", "--time-scale", "2000", "--quiet")
    assert code == 0, capsys.readouterr().err
    state = out / ".batchgen" / "simulator.json"
    assert len(json.loads(state.read_text())["jobs"]) == 2
    assert not Path(f"{state}.reserve").exists()
    assert "could not be saved" not in capsys.readouterr().err


def test_an_account_that_cannot_be_saved_even_so_says_where_why_and_what_to_do(tmp_path, monkeypatch, capsys):
    def full(self: SimState, path: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SimState, "save", full)
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(1)), tmp_path / "out"
    assert run_cli("run", str(manifest), "--out", str(out), "--simulate", "--time-scale", "2000", "--quiet") == 7
    said = capsys.readouterr().err
    state = out / ".batchgen" / "simulator.json"
    assert (
        f"the simulated account could not be saved in {state} (No space left on device): the simulated jobs in "
        "flight cannot be found again. Free some disk space; the next --simulate run makes them again only "
        "with --resubmit-lost"
    ) in said
    assert not Path(f"{state}.reserve").exists()
