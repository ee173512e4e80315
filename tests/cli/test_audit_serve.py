"""Audit of ``batchgen/cli/serve.py``: ``batchgen simulate``'s flags make the world they name, and a bad
state file is an input error (exit 2, what to do), never a traceback."""

from __future__ import annotations

import pytest

from batchgen.simulator import SimConfig
from tests.helpers import run_cli


class _Stop(Exception):
    pass


def _config(monkeypatch: pytest.MonkeyPatch, *argv: str) -> SimConfig:
    seen: dict[str, SimConfig] = {}

    def capture(config: SimConfig, **_: object) -> None:
        seen["config"] = config
        raise _Stop

    monkeypatch.setattr("batchgen.simulator.SimServer", capture)
    with pytest.raises(_Stop):
        run_cli("simulate", *argv)
    return seen["config"]


def test_the_simulators_key_and_429_flags_reach_its_config(monkeypatch):
    config = _config(
        monkeypatch, "--api-key", "SG_first", "--api-key", "SG_more", "--second-key", "SG_same",
        "--other-account-key", "SG_theirs", "--revoke-after", "3", "--retry-after",
    )  # fmt: skip
    assert config.api_keys == {"SG_first", "SG_more"}
    assert config.key_accounts == {"SG_same": "main", "SG_theirs": "other"}
    assert (config.revoke_key, config.revoke_after_submits) == ("SG_first", 3)
    assert config.rate_hint == "both"
    plain = _config(monkeypatch, "--rate-hint", "none")
    assert plain.rate_hint == "none" and plain.revoke_key is None and plain.key_accounts == {}
    assert plain.api_keys == {"SG_0123456789abcdef"} and plain.credits == 1000.0


def test_a_state_file_that_is_not_the_simulators_is_an_input_error(tmp_path, capsys):
    state = tmp_path / "sim.json"
    state.write_text('{"not": "a simulator state"}\n')
    assert run_cli("simulate", "--port", "0", "--state-file", str(state)) == 2
    err = capsys.readouterr().err
    assert "simulate: --state-file:" in err and "Traceback" not in err
