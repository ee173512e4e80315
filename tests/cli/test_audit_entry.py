"""Audit of ``batchgen/cli/entry.py``: a stop before logging is set up is told as the command line asks (text or
JSON, the flag's last value, the command it names) and appended to its log file, which it never empties."""

from __future__ import annotations

import json
import time

import pytest

from batchgen.cli import entry
from batchgen.clock import iso_utc


def told(capfd: pytest.CaptureFixture[str]) -> tuple[list[str], list[str]]:
    """The lines written to stdout and to stderr."""
    out, err = capfd.readouterr()
    return out.splitlines(), err.splitlines()


def test_a_stop_while_importing_appends_to_the_log_file_and_keeps_what_earlier_runs_wrote(tmp_path, capfd):
    log = tmp_path / "batchgen.log"
    earlier = json.dumps({"event": "outcome", "command": "run", "exit_code": 0}) + "\n"
    log.write_text(earlier)
    entry.say_interrupted(["run", "jobs.yaml", "--log-format", "json", "--log-file", str(log)])
    out, err = told(capfd)
    lines = log.read_text().splitlines()
    assert lines[0] == earlier.strip()
    assert lines[1:] == [*err, *out]
    assert json.loads(lines[-1])["exit_code"] == 130


def test_a_log_file_that_cannot_be_opened_leaves_the_stop_told_on_stderr_and_stdout(tmp_path, capfd):
    entry.say_interrupted(["run", "--log-format", "json", "--log-file", str(tmp_path / "no" / "such" / "dir.log")])
    out, err = told(capfd)
    assert [json.loads(line)["message"] for line in err] == ["Error: interrupted"]
    assert [json.loads(line)["event"] for line in out] == ["outcome"]


@pytest.mark.parametrize(
    ("argv", "json_mode"),
    [
        (["--log-format", "json", "--log-format", "text"], False),
        (["--log-format=text", "--log-format", "json"], True),
    ],
)
def test_a_flag_given_twice_counts_with_its_last_value_as_the_parser_reads_it(argv, json_mode, capfd):
    entry.say_interrupted(["status", "out", *argv])
    out, err = told(capfd)
    if json_mode:
        assert json.loads(err[0])["message"] == "Error: interrupted" and json.loads(out[0])["command"] == "status"
    else:
        assert (out, err) == ([], ["Error: interrupted"])


def test_a_flag_left_without_its_value_at_the_end_of_the_line_is_no_value_and_the_stop_is_still_told(capfd):
    entry.say_interrupted(["run", "jobs.yaml", "--log-format"])
    assert told(capfd) == ([], ["Error: interrupted"])
    assert entry.given(["run", "--log-file"], "--log-file") is None


def test_the_command_is_the_first_word_that_names_one_though_a_later_value_is_spelled_as_another():
    assert entry.named_command(["run", "jobs.yaml", "--out", "report"]) == "run"
    assert entry.named_command(["--log-format", "json", "validate", "status"]) == "validate"


def test_a_stop_with_no_command_named_says_batchgen_ended_with_its_exit_code():
    line, outcome = entry.ended("batchgen", 130)
    assert line == "batchgen ended with exit code 130"
    assert outcome == {"event": "outcome", "command": "batchgen", "exit_code": 130}
    assert entry.ended("run", 130)[0] == "batchgen run ended with exit code 130"


def test_the_time_of_a_stop_told_in_json_is_written_as_every_other_log_records_is(monkeypatch, capfd):
    moment = 1_800_000_000.0625  # 62.5 ms past the second
    monkeypatch.setattr(time, "time", lambda: moment)
    entry.say_interrupted(["run", "--log-format", "json"])
    out, err = told(capfd)
    assert json.loads(err[0])["ts"] == json.loads(out[0])["ts"] == iso_utc(moment)


@pytest.mark.parametrize("refusals_raised", [False, True])
def test_a_flag_is_read_by_its_full_name_alone_by_the_parser_as_before_it(capfd, refusals_raised):
    from batchgen.cli.arguments import CommandLineRefused, build_parser

    argv = ["run", "jobs.yaml", "--log-form", "json"]  # an abbreviation of --log-format: refused, not read as it
    with pytest.raises((SystemExit, CommandLineRefused)) as refused:
        build_parser(refusals_raised=refusals_raised).parse_args(argv)
    assert "unrecognized arguments: --log-form json" in str(
        refused.value.message if isinstance(refused.value, CommandLineRefused) else capfd.readouterr().err
    )
    assert entry.given(argv, "--log-format") is None  # and before the parser, as the parser reads it
    assert build_parser().parse_args(["run", "jobs.yaml", "--log-format", "json"]).log_format == "json"
