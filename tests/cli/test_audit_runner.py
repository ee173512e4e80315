"""Audit of ``batchgen/cli/runner.py``: a run's by-products (the report) never cost it its outcome or go
where they do not belong, and a second SIGINT/SIGTERM exits at once."""

from __future__ import annotations

import os
import signal
from typing import cast

import anyio
import pytest

from batchgen.api.client import ApiClient
from batchgen.cli import runner
from batchgen.engine.run import Run
from batchgen.errors import StorageError
from batchgen.jobs import StopReason
from batchgen.store.objects import ObjectStore
from tests.helpers import KEY, many_jobs_yaml, run_batch, run_cli, write


def test_a_sharded_run_writes_no_report_in_its_shard_or_its_folder(tmp_path, sim, monkeypatch):
    server = sim()
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(4)), tmp_path / "out"
    assert run_batch(manifest, out, server, "--shard", "0/2", monkeypatch=monkeypatch) == 0
    assert run_batch(manifest, out, server, "--shard", "1/2", monkeypatch=monkeypatch) == 0
    assert len(list(out.rglob("*.mp4"))) == 4
    assert list(out.rglob("report.html")) == [] and list(out.rglob("index.parquet")) == []
    assert list(out.rglob("pace.jsonl")) == []


def test_a_report_that_fails_at_the_end_is_told_and_the_run_keeps_its_exit_code(tmp_path, sim, monkeypatch, capsys):
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the chart library broke")

    monkeypatch.setattr(runner, "publish_at_end", broken)
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(2)), tmp_path / "out"
    assert run_batch(manifest, out, sim(), monkeypatch=monkeypatch) == 0
    assert sorted(p.name for p in (out / "videos").glob("*.mp4")) == ["job-000.mp4", "job-001.mp4"]
    said = " ".join(capsys.readouterr().err.split())
    assert f"could not write {out / 'report.html'} (the chart library broke); 'batchgen report {out}' retries" in said


def test_replace_changed_into_an_object_store_is_refused_before_anything_is_sent(
    s3, sim, tmp_path, monkeypatch, capsys
):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    assert run_batch(manifest, s3.url(), server, monkeypatch=monkeypatch) == 0
    write(manifest, many_jobs_yaml(2).replace("scene number 1", "scene number one"))
    sent, before = len(server.state.submissions), s3.keys()
    capsys.readouterr()
    assert run_batch(manifest, s3.url(), server, "--replace-changed", monkeypatch=monkeypatch) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert (
        f"--replace-changed sets earlier videos aside in a local folder; {s3.url()} is an object store. "
        "Give the changed rows new ids instead"
    ) in said
    assert len(server.state.submissions) == sent
    assert {k: v for k, v in s3.keys().items() if k.endswith(".mp4")} == {
        k: v for k, v in before.items() if k.endswith(".mp4")
    }


def test_the_configs_api_section_reaches_the_client_the_run_calls_with(tmp_path, sim, monkeypatch):
    made: list[dict[str, object]] = []

    class Seen(ApiClient):
        def __init__(self, **kwargs: object) -> None:
            made.append(kwargs)
            super().__init__(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "ApiClient", Seen)
    monkeypatch.setenv("STUDIO_KEY", KEY)
    config = write(
        tmp_path / "c.yaml", "api:\n  key_env: STUDIO_KEY\n  request_timeout_s: 7\n  max_response_bytes: 3000000\n"
    )
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(1)), tmp_path / "out"
    assert run_batch(manifest, out, sim(), "--config", str(config), monkeypatch=monkeypatch) == 0
    assert [(m["key_env"], m["request_timeout_s"], m["max_response_bytes"]) for m in made] == [
        ("STUDIO_KEY", 7.0, 3000000)
    ]


def test_a_refused_key_is_told_by_the_variable_the_config_names(tmp_path, sim, monkeypatch, capsys):
    server = sim()
    monkeypatch.delenv("SEGMIND_API_KEY", raising=False)
    monkeypatch.setenv("STUDIO_KEY", "SG_not_a_key_of_this_account")
    config = write(tmp_path / "c.yaml", "api:\n  key_env: STUDIO_KEY\n")
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(1)), tmp_path / "out"
    argv = ["run", str(manifest), "--out", str(out), "--config", str(config), "--base-url", server.url,
            "--time-scale", str(server.config.time_scale), "--quiet"]  # fmt: skip
    assert run_cli(*argv) == 4
    err = capsys.readouterr().err
    assert "STUDIO_KEY" in err and "SEGMIND_API_KEY" not in err
    assert server.state.total_charged() == 0


class _Run:
    def __init__(self) -> None:
        self.stops: list[StopReason] = []
        self.aborts = 0
        self.aborted = anyio.Event()

    def request_stop(self, reason: StopReason) -> None:
        self.stops.append(reason)

    def abort(self) -> None:
        self.aborts += 1
        self.aborted.set()


def test_a_first_signal_stops_the_run_cleanly_and_a_second_one_exits_at_once(monkeypatch):
    monkeypatch.setattr(runner, "SIGNAL_GRACE_S", 0.0)
    exits: list[str] = []

    async def main() -> _Run:
        run = _Run()
        async with anyio.create_task_group() as tg:
            tg.start_soon(runner._watch_signals, cast(Run, run), lambda: exits.append("now"))
            await anyio.wait_all_tasks_blocked()
            os.kill(os.getpid(), signal.SIGTERM)
            with anyio.fail_after(5):
                await run.aborted.wait()
            assert run.stops == [StopReason.INTERRUPTED] and exits == []
            run.aborted = anyio.Event()
            os.kill(os.getpid(), signal.SIGINT)
            with anyio.fail_after(5):
                await run.aborted.wait()
            tg.cancel_scope.cancel()
        return run

    run = anyio.run(main)
    assert exits == ["now"] and run.stops == [StopReason.INTERRUPTED] and run.aborts == 2


def test_the_runs_summary_names_the_report_page_it_wrote(tmp_path, sim, monkeypatch, capsys):
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(2)), tmp_path / "out"
    assert run_batch(manifest, out, sim(), monkeypatch=monkeypatch) == 0
    assert (out / "report.html").is_file()
    assert f"  report: {out / 'report.html'}" in capsys.readouterr().out.splitlines()


def test_a_results_table_an_object_store_refuses_is_told_and_the_run_keeps_its_videos_and_exit_code(
    tmp_path, sim, monkeypatch, capsys
):
    pytest.importorskip("obstore")

    async def refused(self: ObjectStore, data: bytes) -> None:
        raise StorageError("the bucket refused the write")

    monkeypatch.setattr(ObjectStore, "write_results", refused)
    url = f"file://{tmp_path / 'store'}"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    assert run_batch(manifest, url, sim(), monkeypatch=monkeypatch) == 0
    assert sorted(p.name for p in (tmp_path / "store" / "videos").glob("*.mp4")) == ["job-000.mp4", "job-001.mp4"]
    said = " ".join(capsys.readouterr().err.split())
    assert "(the bucket refused the write); the ledger is intact, and 'batchgen status' or the next run" in said


def test_replace_changed_tells_each_row_it_makes_anew_and_paid_again(tmp_path, sim, monkeypatch, capsys):
    server = sim()
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(2)), tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    write(manifest, many_jobs_yaml(2).replace("scene number 1", "scene number one"))
    capsys.readouterr()
    argv = ["run", str(manifest), "--out", str(out), "--base-url", server.url,
            "--time-scale", str(server.config.time_scale), "--replace-changed"]  # fmt: skip
    assert run_cli(*argv) == 0
    told = [line for line in capsys.readouterr().err.splitlines() if "replacing" in line]
    assert len(told) == 1, told
    assert "replacing job-001" in told[0] and "(paid again; any earlier video is in videos/replaced/)" in told[0]
    assert len(server.state.submissions) == 3


def test_an_error_while_the_run_ends_comes_out_as_it_was_raised_not_swallowed(tmp_path, sim, monkeypatch):
    def broken(jobs: object) -> object:
        raise LookupError("a bug while counting the videos kept with warnings")

    monkeypatch.setattr(runner, "count_media_warnings", broken)
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(1)), tmp_path / "out"
    with pytest.raises(LookupError, match="a bug while counting"):
        run_batch(manifest, out, sim(), monkeypatch=monkeypatch)
    assert [p.name for p in (out / "videos").glob("*.mp4")] == ["job-000.mp4"]
