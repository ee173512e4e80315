"""Audit of ``batchgen/cli/arguments.py``: every flag takes only the values the README allows, a flag not
given has the default the README states (the simulator's: the published world), and the resume line a run
prints is a command the parser takes back under the same terms; ``validate`` takes ``--out`` and ``--models`` as
``run`` does."""

from __future__ import annotations

import dataclasses
import shlex

import pytest

from batchgen.cli.arguments import build_parser
from batchgen.cli.options import Options, resume_command
from batchgen.simulator import SimConfig
from tests.helpers import many_jobs_yaml, run_cli, simulator_config, write
from tests.models.test_loader_edges import GOOD as SPEC


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


def test_the_simulator_without_flags_serves_the_published_world_in_every_respect(monkeypatch):
    config = simulator_config(monkeypatch)
    assert config.accepted_status == 200 and config.rate_hint == "reset"
    published = SimConfig()
    differ = [f.name for f in dataclasses.fields(SimConfig) if getattr(config, f.name) != getattr(published, f.name)]
    assert differ == []


def test_a_bare_ray_flag_asks_for_a_ray_run_on_a_local_cluster_and_is_refused_with_dry_run(tmp_path, capsys):
    assert build_parser().parse_args(["run", "m.yaml", "--ray", "--shards", "2"]).ray == ""
    assert build_parser().parse_args(["run", "m.yaml"]).ray is None
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(2)), tmp_path / "out"
    assert run_cli("run", str(manifest), "--out", str(out), "--ray", "--shards", "2", "--dry-run") == 2
    assert "--dry-run does not start Ray; run it without --ray" in capsys.readouterr().err
    assert not out.exists()


def test_the_resume_line_is_a_command_the_cli_takes_under_the_same_cap_and_pace():
    values = {"max_spend": 2.5, "concurrency": 3, "rpm": 12.5, "config": "/c d.yaml", "simulate": True,
              "time_scale": 50.0}  # fmt: skip
    words = shlex.split(resume_command("m.yaml", "out", Options(values)))
    assert words[:2] == ["batchgen", "run"]
    args = build_parser().parse_args(words[1:])
    assert {name: getattr(args, name) for name in values} == values
    assert (args.manifest, args.out) == ("m.yaml", "out")


def test_the_simulator_cancels_the_jobs_of_every_text_given_and_only_those(monkeypatch):
    config = simulator_config(monkeypatch, "--cancel", "sunset", "--cancel", "storm at sea")
    assert config.cancel_prompts == ("sunset", "storm at sea")
    assert simulator_config(monkeypatch, "--cancel", "sunset").cancel_prompts == ("sunset",)


@pytest.mark.parametrize("blank", ["", "   "])
def test_validate_refuses_an_out_folder_of_blanks_as_the_run_does(tmp_path, capsys, blank):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    assert run_cli("validate", str(manifest), "--out", blank) == 2
    err = capsys.readouterr().err
    assert "argument --out: must not be empty" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["validate", "models"])
def test_models_given_twice_adds_both_spec_files(tmp_path, capsys, command):
    specs = [write(tmp_path / f"{slug}.yaml", SPEC.replace("kling-x", slug)) for slug in ("kling-x", "kling-y")]
    models = [word for spec in specs for word in ("--models", str(spec))]
    if command == "models":
        assert run_cli("models", *models) == 0
    else:
        rows = "".join(f"  - id: {slug}\n    model: {slug}\n    prompt: a fox\n" for slug in ("kling-x", "kling-y"))
        assert run_cli("validate", str(write(tmp_path / "m.yaml", f"jobs:\n{rows}")), *models) == 0
    told = capsys.readouterr()
    assert "kling-x" in told.out and "kling-y" in told.out, told.err


@pytest.mark.parametrize(
    ("flag", "name"),
    [
        ("--expiry", "expiry"),
        ("--rate-window", "rate_window"),
        ("--history-lag", "history_lag"),
        ("--latency-scale", "latency_scale"),
        ("--answer-time", "answer_time"),
        ("--clock-offset", "clock_offset"),
    ],
)
def test_the_simulators_times_take_fractions_of_a_second(flag, name):
    assert getattr(build_parser().parse_args(["simulate", flag, "90.5"]), name) == 90.5
