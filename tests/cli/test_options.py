"""Options kept with the output folder: a bare re-run resumes under the same cap and pace."""

from __future__ import annotations

import json
import shlex

import pytest

from batchgen.cli import arguments
from batchgen.cli.options import Options, merge, resume_command
from tests.helpers import (
    KEY,
    many_jobs_yaml,
    run_cli,
    write,
)


def test_a_capped_run_resumed_with_a_bare_command_stays_under_its_cap(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))  # 8 x $0.28
    out = tmp_path / "out"
    first = ["run", str(manifest), "--out", str(out), "--base-url", server.url,
             "--time-scale", str(server.config.time_scale), "--max-spend", "1", "--concurrency", "2"]  # fmt: skip
    assert run_cli(*first) == 3
    printed = capsys.readouterr().out
    resume = next(line for line in printed.splitlines() if line.startswith("To resume, raise the cap"))
    words = shlex.split(resume.split(": ", 1)[1])  # the same cap would stop at once: the line raises it
    assert words[words.index("--max-spend") + 1] == "2.24" and words[words.index("--concurrency") + 1] == "2"
    charged = server.state.total_charged()
    assert 0 < charged <= 1.0
    kept = json.loads((out / ".batchgen" / "options.json").read_text())
    assert kept["max_spend"] == 1.0 and kept["concurrency"] == 2 and KEY not in json.dumps(kept)

    # The bare command: no cap given, the kept one holds, and nothing more is spent.
    assert run_cli("run", str(manifest), "--out", str(out)) == 3
    printed = capsys.readouterr().out
    assert server.state.total_charged() == pytest.approx(charged)
    assert "kept with the folder and used: --max-spend --concurrency --base-url --time-scale" in printed

    # A new cap on the command line replaces the kept one, and is kept from then on.
    assert run_cli("run", str(manifest), "--out", str(out), "--max-spend", "1.7") == 3
    assert 1.0 < server.state.total_charged() <= 1.7
    assert json.loads((out / ".batchgen" / "options.json").read_text())["max_spend"] == 1.7


def test_a_cap_of_zero_given_now_holds_and_is_kept_for_the_bare_command(sim, tmp_path, monkeypatch):
    # $0 is a cap like any other ("--max-spend 0 or more"): given now it beats the cap kept with the folder,
    # and it is kept in turn, so neither this run nor a bare re-run spends another cent.
    server = sim(credits=2 * 0.28 + 0.05)
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))  # 6 x $0.28
    out = tmp_path / "out"
    base = ["run", str(manifest), "--out", str(out), "--base-url", server.url,
            "--time-scale", str(server.config.time_scale), "--concurrency", "1"]  # fmt: skip
    assert run_cli(*base, "--max-spend", "5") == 3  # out of credits, under a cap of $5 kept with the folder
    charged = server.state.total_charged()
    assert 0 < charged < 5
    server.state.balance += 10.0  # topped up
    assert run_cli(*base, "--max-spend", "0") == 3
    assert server.state.total_charged() == pytest.approx(charged)
    assert json.loads((out / ".batchgen" / "options.json").read_text())["max_spend"] == 0
    assert run_cli("run", str(manifest), "--out", str(out)) == 3
    assert server.state.total_charged() == pytest.approx(charged)
    assert Options({"max_spend": 0.0, "simulate": False}).flags() == ["--max-spend", "0"]  # and in resume lines


def test_merge_prefers_what_is_given_and_a_real_api_ends_a_kept_simulation(tmp_path):
    kept = {"simulate": True, "time_scale": 500.0, "max_spend": 5.0, "rpm": 20.0}
    merged = merge({"rpm": 40.0}, kept)
    assert merged.values["rpm"] == 40.0 and merged.values["max_spend"] == 5.0 and merged.values["simulate"]
    real = merge({"base_url": "https://api.segmind.com"}, kept)
    assert not real.values["simulate"] and real.values["time_scale"] is None and real.values["max_spend"] == 5.0
    config = merge({"config": "c.yaml"}, {})
    assert config.values["config"] == str(tmp_path / "c.yaml")  # absolute: a re-run from elsewhere finds it
    command = resume_command("m v.yaml", "out", Options({"max_spend": 10.0, "simulate": True}))
    assert command == "batchgen run 'm v.yaml' --out out --max-spend 10 --simulate"


def test_help_says_the_cap_is_for_the_folders_whole_spend(capsys):
    with pytest.raises(SystemExit):
        arguments.build_parser().parse_args(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "cap on the output folder's whole spend (what earlier runs spent counts too)" in text
    assert "kept with the folder" in text and "--replace-changed" in text


def test_a_kept_config_that_is_gone_is_named(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    config = write(tmp_path / "c.yaml", "limits:\n  concurrency: 2\n")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    out = tmp_path / "out"
    assert run_cli("run", str(manifest), "--out", str(out), "--config", str(config), "--base-url", server.url,
                   "--time-scale", "2000", "--quiet") == 0  # fmt: skip
    config.unlink()
    capsys.readouterr()
    assert run_cli("run", str(manifest), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert f"keeps --config {config}" in err and "give --config FILE" in err


def test_a_damaged_options_file_is_an_error_not_a_missing_cap(tmp_path, capsys):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    (out / ".batchgen").mkdir(parents=True)
    (out / ".batchgen" / "options.json").write_text('{"max_spend": 1.0,')
    assert run_cli("run", str(manifest), "--out", str(out), "--dry-run") == 2
    assert "options.json cannot be read" in capsys.readouterr().err
    (out / ".batchgen" / "options.json").write_text('{"max_spend": 0.3}')
    assert run_cli("run", str(manifest), "--out", str(out), "--dry-run") == 0
    printed = capsys.readouterr().out
    assert (
        "the spend cap $0.30 will defer 1 of the 2 jobs to do, by the estimated prices" in printed
        and "used: --max-spend" in printed
    )


def test_a_state_folder_that_is_a_link_is_refused(tmp_path, capsys):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (out / ".batchgen").symlink_to(tmp_path / "elsewhere")
    assert run_cli("run", str(manifest), "--out", str(out), "--simulate", "--quiet") == 2
    assert ".batchgen is a symbolic link" in capsys.readouterr().err
    assert list((tmp_path / "elsewhere").iterdir()) == []
