"""Audit of ``batchgen/cli/serve.py``: ``batchgen simulate``'s flags make the world they name, and a bad
state file is an input error (exit 2, what to do), never a traceback."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli, simulator_config


def test_the_simulators_key_and_429_flags_reach_its_config(monkeypatch):
    config = simulator_config(
        monkeypatch, "--api-key", "SG_first", "--api-key", "SG_more", "--second-key", "SG_same",
        "--other-account-key", "SG_theirs", "--revoke-after", "3", "--retry-after",
    )  # fmt: skip
    assert config.api_keys == {"SG_first", "SG_more"}
    assert config.key_accounts == {"SG_same": "main", "SG_theirs": "other"}
    assert (config.revoke_key, config.revoke_after_submits) == ("SG_first", 3)
    assert config.rate_hint == "both"
    plain = simulator_config(monkeypatch, "--rate-hint", "none")
    assert plain.rate_hint == "none" and plain.revoke_key is None and plain.key_accounts == {}
    assert plain.api_keys == {"SG_0123456789abcdef"} and plain.credits == 1000.0


def test_a_state_file_that_is_not_the_simulators_is_an_input_error(tmp_path, capsys):
    state = tmp_path / "sim.json"
    state.write_text('{"not": "a simulator state"}\n')
    assert run_cli("simulate", "--port", "0", "--state-file", str(state)) == 2
    err = capsys.readouterr().err
    assert "simulate: --state-file:" in err and "Traceback" not in err


class _StopAtOnce:
    """Signals as ``anyio.open_signal_receiver`` gives them, with a SIGINT at once: the simulator stops as soon
    as it serves (the run never waits on a signal, even when the code under test goes on to serve)."""

    def __init__(self, *signals: int) -> None:
        pass

    def __enter__(self) -> _StopAtOnce:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __aiter__(self) -> _StopAtOnce:
        return self

    async def __anext__(self) -> int:
        return 2


@pytest.fixture
def stop_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("anyio.open_signal_receiver", _StopAtOnce)


@pytest.mark.parametrize(
    ("content", "told"),
    [
        (None, "cannot read it"),  # a folder where the file should be
        ("[]\n", "not a simulator state file"),  # JSON, but not an object
        ("{not json\n", "not a simulator state file"),
        ('{"version": 1, "now": 5}\n', "a damaged simulator state file"),
    ],
)
def test_a_state_file_that_cannot_be_taken_up_is_told_never_as_a_port_in_use(
    tmp_path, capsys, stop_at_once, content, told
):
    state = tmp_path / "sim.json"
    if content is None:
        state.mkdir()
    else:
        state.write_text(content)
    assert run_cli("simulate", "--port", "0", "--state-file", str(state)) == 2
    err = capsys.readouterr().err
    assert f"simulate: --state-file: {state}: {told}" in err
    assert "give --state-file a file the simulator saved, or a new path" in err
    assert "port" not in err and "Traceback" not in err


def test_a_state_file_in_a_folder_that_does_not_exist_is_refused_before_serving(tmp_path, capsys, stop_at_once):
    state = tmp_path / "gone" / "sim.json"
    assert run_cli("simulate", "--port", "0", "--state-file", str(state)) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'gone'}" in err and "does not exist" in err and "port" not in err


def test_an_account_that_cannot_be_saved_at_the_end_is_told_as_such(tmp_path, monkeypatch, capsys, stop_at_once):
    from batchgen.simulator.state import SimState

    def full(self: SimState, path: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SimState, "save", full)
    state = tmp_path / "sim.json"
    assert run_cli("simulate", "--port", "0", "--state-file", str(state)) == 2
    err = capsys.readouterr().err
    assert f"simulate: cannot save the account to --state-file {state} (No space left on device)" in err
    assert "port" not in err and "Traceback" not in err


@pytest.mark.parametrize("state_file", [False, True])
def test_an_output_closed_while_serving_is_told_as_such_never_as_a_save_or_a_port(
    tmp_path, monkeypatch, capsys, stop_at_once, state_file
):
    def closed(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("batchgen.cli.serve.print", closed, raising=False)
    state = tmp_path / "sim.json"
    argv = ["--state-file", str(state)] if state_file else []
    assert run_cli("simulate", "--port", "0", *argv) == 2
    err = capsys.readouterr().err
    assert "simulate: stopped: cannot write to its standard output (Broken pipe)" in err
    assert "save" not in err and "port" not in err and "Traceback" not in err
    assert state.exists() == state_file  # the account is still saved as the server closes


def test_each_media_fault_flag_names_the_prompt_text_it_spoils_and_one_kind_may_spoil_several(monkeypatch):
    config = simulator_config(
        monkeypatch, "--media-fault", "wrong_duration=sunset", "--media-fault", "wrong_aspect=forest",
        "--media-fault", "wrong_duration=harbour",
    )  # fmt: skip
    assert config.media_faults == {"sunset": "wrong_duration", "forest": "wrong_aspect", "harbour": "wrong_duration"}


def test_the_banner_tells_the_rate_limit_the_simulator_enforces_and_unlimited_without_one(capsys, stop_at_once):
    assert run_cli("simulate", "--port", "0") == 0
    assert "; rpm unlimited;" in capsys.readouterr().out
    assert run_cli("simulate", "--port", "0", "--rpm", "7") == 0
    assert "; rpm 7;" in capsys.readouterr().out


def test_the_banners_try_line_runs_the_client_at_the_simulators_time_scale(capsys, stop_at_once):
    assert run_cli("simulate", "--port", "0", "--time-scale", "50") == 0
    (line,) = [text for text in capsys.readouterr().out.splitlines() if "  try: " in text]
    assert " --time-scale 50 --out sim-out" in line
    assert run_cli("simulate", "--port", "0") == 0
    (line,) = [text for text in capsys.readouterr().out.splitlines() if "  try: " in text]
    assert "--time-scale" not in line
