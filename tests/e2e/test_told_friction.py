"""The friction a new user met (issue 23), each through the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import batchgen
from batchgen.cli.raydriver import plain_logs
from batchgen.store.local import OutputDir
from tests.helpers import KEY, many_jobs_yaml, run_batch, run_cli, write

ROOT = Path(__file__).resolve().parents[2]


def test_results_csv_says_what_was_asked_for(sim, tmp_path, monkeypatch):
    server = sim()
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n  - id: a\n    prompt: a red fox\n"
                                          "    aspect_ratio: '9:16'\n")  # fmt: skip
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    row = next(csv.DictReader(io.StringIO((out / "results.csv").read_text())))
    assert row["prompt"] == "a red fox"
    assert json.loads(row["params"]) == {"prompt": "a red fox", "aspect_ratio": "9:16"}


def test_a_csv_manifest_sets_a_default_model_in_a_comment_line(sim, tmp_path, monkeypatch):
    server = sim()
    manifest = write(tmp_path / "m.csv", "# model: kling-1.6-text2video\nid,prompt,model\na,a cat,\n"
                                         "b,a dog,kling-text2video\n")  # fmt: skip
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 0
    rows = {r["job_id"]: r for r in csv.DictReader(io.StringIO((tmp_path / "out" / "results.csv").read_text()))}
    assert rows["a"]["model"] == "kling-1.6-text2video" and rows["b"]["model"] == "kling-text2video"


def test_a_curly_quoted_prompt_is_warned_about(tmp_path, capsys):
    manifest = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n  - id: a\n    prompt: \u201ca cat\u201d\n")
    assert run_cli("validate", str(manifest)) == 0
    assert "job a: prompt is wrapped in curly quotes" in capsys.readouterr().err


def test_run_help_says_time_scale_speeds_up_simulate(capsys):
    assert run_cli("run", "--help") == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "with --simulate (default 500)" in text and "only against" not in text


def test_the_package_ships_the_example_manifest_and_it_runs(tmp_path, capsys):
    shipped = Path(batchgen.__file__).parent / "examples" / "example.yaml"
    assert shipped.read_text() == (ROOT / "jobs" / "example.yaml").read_text()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "examples/*.yaml" in data["tool"]["setuptools"]["package-data"]["batchgen"]
    assert run_cli("run", str(shipped), "--simulate", "--out", str(tmp_path / "out"), "--quiet") == 0


def test_ray_lines_carry_no_colours_without_a_terminal(monkeypatch):
    monkeypatch.delenv("RAY_COLOR_PREFIX", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    plain_logs()
    assert os.environ["RAY_COLOR_PREFIX"] == "0"


def test_no_simulator_banner_before_a_lock_or_changed_row_exit(tmp_path, capsys):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    assert run_cli("run", str(manifest), "--simulate", "--out", str(out)) == 0
    capsys.readouterr()
    holder = OutputDir(out)
    holder.lock()
    try:
        assert run_cli("run", str(manifest), "--simulate", "--out", str(out)) == 5
    finally:
        holder.unlock()
    captured = capsys.readouterr()
    assert "simulator on" not in captured.out + captured.err and "Error:" in captured.err
    write(manifest, many_jobs_yaml(2).replace("scene number 1", "another scene"))
    assert run_cli("run", str(manifest), "--simulate", "--out", str(out)) == 2
    captured = capsys.readouterr()
    assert "simulator on" not in captured.out + captured.err and "--replace-changed" in captured.err


def test_simulate_credits_beat_the_balance_saved_in_the_state_file(tmp_path):
    state = tmp_path / "sim.json"

    def banner(*extra: str) -> str:
        with subprocess.Popen([sys.executable, "-m", "batchgen", "simulate", "--port", "0", "--state-file",
                               str(state), *extra], stdout=subprocess.PIPE, text=True) as proc:  # fmt: skip
            assert proc.stdout is not None
            lines = [proc.stdout.readline(), proc.stdout.readline()]
            proc.send_signal(2)
            proc.communicate(timeout=60)
        return "".join(lines)

    assert "credits $5.00" in banner("--credits", "5")  # saved at exit with $5
    assert "credits $5.00 (the balance saved in --state-file" in banner()
    assert "credits $100.00" in banner("--credits", "100")


def test_the_readme_service_runs_as_a_user_and_a_stop_is_not_a_failure():
    readme = (ROOT / "README.md").read_text()
    unit = readme[readme.index("[Service]") : readme.index("batchgen.timer")]
    assert "\nUser=" in unit and "SuccessExitStatus=3 130" in unit


def test_key_is_not_in_the_examples():
    assert KEY not in (ROOT / "jobs" / "example.yaml").read_text()


def test_annotation_columns_are_carried_to_the_index_and_never_sent(sim, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    server = sim()
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.csv", "id,model,prompt,meta.notes\na,kling-text2video,a cat,take two\n"
                                         "b,kling-text2video,a dog,\n")  # fmt: skip
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    index = {r["job_id"]: r for r in pq.read_table(out / "index.parquet").to_pylist()}
    assert json.loads(index["a"]["meta_json"]) == {"notes": "take two"} and index["b"]["meta_json"] is None
    assert "meta.notes" not in json.dumps(server.state.submissions, default=str)
    assert "notes" not in json.loads(index["a"]["params_json"])
