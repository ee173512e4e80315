"""Audit of ``batchgen/cli/simulated.py``: on a full disk a ``--simulate`` run gives up its reserved room to
save the simulated account, and says what to do when even that fails; a run the folder's lock or a row changed
in flight would stop is refused before any simulator starts, and ``--replace-changed`` is honoured."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

from batchgen.simulator.state import SimState
from batchgen.store.local import OutputDir
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


def test_a_simulated_run_given_replace_changed_makes_a_changed_row_anew_and_keeps_the_earlier_video(tmp_path, capsys):
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(1)), tmp_path / "out"
    run = ("run", str(manifest), "--out", str(out), "--simulate", "--time-scale", "2000", "--quiet")
    assert run_cli(*run) == 0
    write(manifest, many_jobs_yaml(1).replace("scene number 0", "scene number zero"))
    assert run_cli(*run) == 2  # changed since it was sent: refused without the flag, nothing paid
    capsys.readouterr()
    assert run_cli(*run, "--replace-changed") == 0, capsys.readouterr().err
    assert list((out / "videos" / "replaced").glob("job-000*.mp4"))
    assert (out / "videos" / "job-000.mp4").is_file()


def test_a_simulated_run_into_a_folder_another_run_holds_stops_before_any_simulator_starts(tmp_path, capsys):
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(1)), tmp_path / "out"
    holder = OutputDir(out)
    holder.prepare()
    holder.lock()
    try:
        assert run_cli("run", str(manifest), "--out", str(out), "--simulate", "--time-scale", "2000") == 5
    finally:
        holder.unlock()
    told = capsys.readouterr()
    assert f"another batchgen run (process {os.getpid()})" in told.err
    assert "simulator" not in told.out + told.err
    assert not (out / ".batchgen" / "simulator.json").exists()


def test_a_simulated_run_told_to_replace_a_row_still_in_flight_refuses_before_any_simulator_starts(tmp_path, capsys):
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(1)), tmp_path / "out"
    out.mkdir()
    sent = {"job_id": "job-000", "event": "submitted", "state": "submitted", "model": "kling-text2video"}
    sent |= {"fingerprint": "another row", "request_id": "r-1"}
    write(out / "ledger.jsonl", json.dumps(sent) + "\n")
    run = ("run", str(manifest), "--out", str(out), "--simulate", "--time-scale", "2000", "--replace-changed")
    assert run_cli(*run) == 2
    told = capsys.readouterr()
    assert "job-000" in told.err and "simulator on" not in told.out
    assert not (out / ".batchgen" / "simulator.json").exists()


def test_a_simulated_run_refused_a_folder_taken_since_its_check_leaves_the_holders_account_and_room(
    tmp_path, monkeypatch, capsys
):
    """Two ``--simulate`` runs start at once: both find the folder free, one takes it.  The other, refused the
    lock once its simulator is up, neither saves its simulated account over the holder's nor gives up the
    holder's reserved room."""
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(1)), tmp_path / "out"
    assert run_cli("run", str(manifest), "--out", str(out), "--simulate", "--time-scale", "2000", "--quiet") == 0
    state = out / ".batchgen" / "simulator.json"
    reserve = Path(f"{state}.reserve")
    holders = state.read_bytes()
    reserve.write_bytes(b"\0" * 1024)  # the holder's room, held while it runs
    monkeypatch.setattr("batchgen.cli.main.check_before_simulating", lambda *given: None)  # (found free, then taken)
    holder = OutputDir(out)
    holder.lock()
    try:
        state.write_bytes(holders.replace(b"{", b"{ ", 1))  # the holder's account as it saves it while it runs
        holders = state.read_bytes()
        assert run_cli("run", str(manifest), "--out", str(out), "--simulate", "--time-scale", "2000") == 5
    finally:
        holder.unlock()
    assert f"another batchgen run (process {os.getpid()})" in capsys.readouterr().err
    assert state.read_bytes() == holders and reserve.exists()
