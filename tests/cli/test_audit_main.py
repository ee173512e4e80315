"""Audit of ``batchgen/cli/main.py``: what the commands tell the operator names the operator's own settings
(the key's variable, the report's config) and counts what it says it counts."""

from __future__ import annotations

from batchgen.cli import main as main_module
from batchgen.errors import StorageError
from tests.helpers import KEY, many_jobs_yaml, run_cli, write
from tests.report.folders import landed, ledger_line


def test_a_run_without_a_key_names_the_variable_the_config_reads_it_from(tmp_path, capsys):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    config = write(tmp_path / "c.yaml", "api:\n  key_env: STUDIO_SEGMIND_KEY\n")
    assert run_cli("run", str(manifest), "--out", str(tmp_path / "out"), "--config", str(config)) == 2
    err = capsys.readouterr().err
    assert "no API key: set the environment variable STUDIO_SEGMIND_KEY" in err
    assert "SEGMIND_API_KEY" not in err.replace("STUDIO_SEGMIND_KEY", "")


def test_the_dry_run_names_five_jobs_in_flight_outside_the_manifest_and_counts_the_rest(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    lines = b""
    for i in range(8):
        job = f"gone-{i}"
        lines += ledger_line(job, "submitting", model="kling-text2video", params={"prompt": f"scene {i}"})
        lines += ledger_line(job, "submitted", request_id=f"r-{i}")
    (out / "ledger.jsonl").write_bytes(lines)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    assert run_cli("run", str(manifest), "--out", str(out), "--dry-run") == 0
    note = capsys.readouterr().out.splitlines()[-1]
    assert note.startswith(
        "  note: 8 job(s) in flight have no row in the manifest any more "
        "(gone-0, gone-1, gone-2, gone-3, gone-4 and 3 more): "
    )


def test_the_report_command_lays_out_its_pages_as_the_config_it_is_given_says(tmp_path, capsys):
    root = tmp_path / "out"
    jobs = ["a", "b", "c"]
    landed(root, *jobs)
    (root / "ledger.jsonl").write_bytes(
        b"".join(ledger_line(job, "completed", file=f"videos/{job}.mp4") for job in jobs)
    )
    config = write(tmp_path / "c.yaml", "report:\n  page_size: 1\n")
    assert run_cli("report", str(root), "--config", str(config)) == 0
    assert "report: " in capsys.readouterr().out
    pages = sorted(path.name for path in (root / "report-pages").glob("page-*.html"))
    assert pages == ["page-2.html", "page-3.html"]


def test_the_dry_run_says_which_of_the_folders_failed_and_expired_jobs_its_flags_send_again(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    params = [{"prompt": f"scene number {i}"} for i in range(3)]
    (out / "ledger.jsonl").write_bytes(
        ledger_line("job-000", "failed", model="kling-text2video", params=params[0], request_id="r-0")
        + ledger_line("job-001", "expired", model="kling-text2video", params=params[1], request_id="r-1")
    )
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    told = {}
    for flag in ("--retry-failed", "--resubmit-lost"):
        assert run_cli("run", str(manifest), "--out", str(out), "--dry-run", flag) == 0
        told[flag] = capsys.readouterr().out.splitlines()
    assert "  1 failed job(s) will be submitted again (--retry-failed; paid again)" in told["--retry-failed"]
    assert (
        "  1 lost or expired job(s) will be left alone (--resubmit-lost submits them again, paid again)"
        in told["--retry-failed"]
    )
    assert "  1 lost or expired job(s) will be submitted again (--resubmit-lost; paid again)" in told["--resubmit-lost"]
    assert (
        "  1 failed job(s) will be left alone (--retry-failed submits them again, paid again)"
        in told["--resubmit-lost"]
    )


def test_a_key_read_with_spaces_or_a_newline_around_it_is_sent_and_redacted_as_the_bare_key(
    tmp_path, sim, monkeypatch, capsys
):
    server = sim()
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(1)), tmp_path / "out"
    monkeypatch.setenv("SEGMIND_API_KEY", f"  {KEY}\n")  # read from a file with its line's end
    argv = ["run", str(manifest), "--out", str(out), "--base-url", server.url,
            "--time-scale", str(server.config.time_scale), "--quiet"]  # fmt: skip
    assert run_cli(*argv) == 0
    assert [p.name for p in (out / "videos").glob("*.mp4")] == ["job-000.mp4"]
    assert KEY not in (out / "ledger.jsonl").read_text() and KEY not in "".join(capsys.readouterr())


def test_the_dry_run_says_its_estimate_ignores_what_a_store_it_cannot_read_holds(tmp_path, monkeypatch, capsys):
    async def unreadable(out: object) -> object:
        raise StorageError("the bucket cannot be listed (access denied)")

    monkeypatch.setattr(main_module, "read_all", unreadable)
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    assert run_cli("run", str(manifest), "--out", str(out), "--dry-run") == 0
    captured = capsys.readouterr()
    assert "2 valid jobs" in captured.out
    assert (
        f"warning: the estimate ignores what {out} already holds: the bucket cannot be listed (access denied)"
        in captured.err
    )


def test_status_of_a_sharded_folder_counts_each_shards_completed_jobs_apart_from_its_others(tmp_path, capsys):
    out = tmp_path / "out"
    lines = {
        "0-of-2": ledger_line("a", "completed", file="videos/a.mp4") + ledger_line("b", "failed"),
        "1-of-2": ledger_line("c", "completed", file="videos/c.mp4"),
    }
    for name, text in lines.items():
        (out / "shards" / name).mkdir(parents=True)
        (out / "shards" / name / "ledger.jsonl").write_bytes(text)
    assert run_cli("status", str(out)) == 0
    told = capsys.readouterr().out.splitlines()
    assert "  2 shards: 0-of-2 2 jobs, 1 completed; 1-of-2 1 jobs, 1 completed" in told
