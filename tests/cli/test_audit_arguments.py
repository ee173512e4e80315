"""Audit of ``batchgen/cli/arguments.py``: every flag takes only the values the README allows, and a flag not
given has the default the README states."""

from __future__ import annotations

import pytest

from batchgen.cli.arguments import build_parser
from tests.helpers import many_jobs_yaml, run_cli, simulator_config, write


@pytest.mark.parametrize("flag", ["--time-scale", "--progress-every"])
@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_a_rate_or_duration_that_is_not_a_finite_number_is_refused_before_anything_is_sent(
    tmp_path, capsys, flag, value
):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    out = tmp_path / "out"
    assert run_cli("run", str(manifest), "--out", str(out), "--dry-run", f"{flag}={value}") == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: '{value}' is not a usable number" in err and "Traceback" not in err
    assert not out.exists()


def test_a_run_without_its_logging_flags_logs_text_a_progress_line_a_minute_and_to_no_file():
    args = build_parser().parse_args(["run", "m.yaml"])
    assert args.progress_every == 60.0
    assert args.log_format == "text" and args.log_file is None
    assert (args.quiet, args.debug, args.dry_run, args.models) == (False, False, False, [])


def test_a_run_pays_again_only_when_a_flag_says_so():
    args = build_parser().parse_args(["run", "m.yaml"])
    assert (args.resubmit_lost, args.retry_failed, args.replace_changed, args.adopt_key) == (False,) * 4
    assert (args.max_spend, args.concurrency, args.rpm, args.time_scale) == (None,) * 4
    both = build_parser().parse_args(["run", "m.yaml", "--retry-failed"])
    assert (both.retry_failed, both.resubmit_lost) == (True, False)


def test_the_simulator_without_flags_plays_the_documented_account(monkeypatch):
    config = simulator_config(monkeypatch)
    assert config.credits == 1000.0 and config.credits_status == 406
    assert config.expiry_s == 3600.0 and config.rate_window_s == 60.0 and config.rpm is None
    assert config.time_scale == 1.0 and config.history == "on"
    args = build_parser().parse_args(["simulate"])
    assert (args.host, args.port) == ("127.0.0.1", 8700)


def test_the_simulator_starts_an_account_with_no_credits_when_told_zero(monkeypatch, capsys):
    assert simulator_config(monkeypatch, "--credits", "0").credits == 0.0
    with pytest.raises(SystemExit) as refused:
        build_parser().parse_args(["simulate", "--credits", "-1"])
    assert refused.value.code == 2
    assert "--credits: must be 0 or more, got -1" in capsys.readouterr().err
