"""The ledger, the output folder and the settings: the durable, checkable parts."""

from __future__ import annotations

import json

import anyio
import pytest

from batchgen.config import load_settings
from batchgen.errors import ConfigError, LedgerError, LockHeld, StorageError
from batchgen.jobs import JobState
from batchgen.store.ledger import Ledger, read_ledger
from batchgen.store.local import OutputDir
from batchgen.store.mp4 import mp4_problem
from batchgen.store.results import neutralise, render_results
from tests.helpers import (
    write,
)


async def test_ledger_appends_group_commit_and_replays(tmp_path):
    path = tmp_path / "ledger.jsonl"
    async with Ledger(path) as ledger:
        async with anyio.create_task_group() as tg:
            for i in range(50):
                tg.start_soon(ledger.append, f"job-{i}", "submitted", JobState.SUBMITTED)
        await ledger.append("job-0", "completed", JobState.COMPLETED, file="videos/job-0.mp4")
        assert ledger.fsyncs < 51  # concurrent appends shared fsyncs
    replay = read_ledger(path)
    assert len(replay.jobs) == 50 and replay.lines == 51
    assert replay.jobs["job-0"]["state"] == "completed"
    for line in path.read_text().splitlines():
        assert {"v", "ts", "job_id", "event", "state"} <= set(json.loads(line))


async def test_torn_final_line_is_ignored_and_cut_before_appending(tmp_path):
    path = tmp_path / "ledger.jsonl"
    path.write_text(
        '{"v":1,"ts":"t","job_id":"a","event":"submitted","state":"submitted","request_id":"r1"}\n'
        '{"v":1,"ts":"t","job_id":"a","event":"comp'
    )
    replay = read_ledger(path)
    assert replay.torn_tail and replay.jobs["a"]["state"] == "submitted"
    async with Ledger(path) as ledger:
        await ledger.append("a", "completed", JobState.COMPLETED)
    replay = read_ledger(path)
    assert not replay.torn_tail and replay.jobs["a"]["state"] == "completed"
    assert replay.jobs["a"]["request_id"] == "r1"  # carried forward


def test_malformed_middle_line_names_its_number(tmp_path):
    path = write(
        tmp_path / "ledger.jsonl",
        '{"v":1,"ts":"t","job_id":"a","event":"e","state":"pending"}\n'
        "garbage\n"
        '{"v":1,"ts":"t","job_id":"a","event":"e","state":"pending"}\n',
    )
    with pytest.raises(LedgerError, match=r"ledger.jsonl:2: malformed ledger line"):
        read_ledger(path)


def test_mp4_check_catches_truncation_and_junk(tmp_path):
    from batchgen.simulator.media import video_for

    data = video_for("r", "16:9", 5)
    good = tmp_path / "good.mp4"
    good.write_bytes(data)
    assert mp4_problem(good) is None
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[:-100])
    assert "runs past the end" in (mp4_problem(cut) or "")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"<html>not a video</html>")
    assert mp4_problem(junk) is not None


def test_lock_is_exclusive_and_released(tmp_path):
    first, second = OutputDir(tmp_path / "o"), OutputDir(tmp_path / "o")
    first.prepare()
    first.lock()
    with pytest.raises(LockHeld) as caught:
        second.lock()
    assert caught.value.pid is not None and str(caught.value.pid) in str(caught.value)
    first.unlock()
    second.lock()
    second.unlock()


def test_symlinked_videos_folder_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "o"
    root.mkdir()
    (root / "videos").symlink_to(elsewhere)
    with pytest.raises(StorageError, match="symbolic link"):
        OutputDir(root).prepare()


def test_file_names_stay_inside_videos(tmp_path):
    out = OutputDir(tmp_path, filename="{model}-{id}.mp4")
    assert out.video_path("a", "kling-1.6/../x").parent == out.videos


def test_results_csv_neutralises_formulas():
    text = render_results({"=cmd|'/C calc'!A0": {"state": "failed", "error": {"detail": "+SUM(1,2)"}}}).decode()
    assert "'=cmd" in text and "'+SUM" in text
    assert neutralise("plain") == "plain"


def test_a_model_spec_file_named_in_the_config_is_found_beside_the_config_wherever_the_run_starts(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    config = write(folder / "c.yaml", f"models:\n  files: [specs/mine.yaml, {tmp_path / 'abs.yaml'}]\n")
    settings = load_settings(config, environ={})
    assert settings.models.files == (str(folder / "specs" / "mine.yaml"), str(tmp_path / "abs.yaml"))


def test_settings_precedence_and_errors(tmp_path):
    config = write(tmp_path / "c.yaml", "limits:\n  concurrency: 3\n  requests_per_minute: 10\n")
    settings = load_settings(
        config, environ={"BATCHGEN_RPM": "20"}, overrides={"limits": {"concurrency": 5, "max_spend_usd": None}}
    )
    assert settings.limits.concurrency == 5 and settings.limits.requests_per_minute == 20
    with pytest.raises(ConfigError, match=r"c2.yaml:2: unknown key 'limits.concurency'"):
        load_settings(write(tmp_path / "c2.yaml", "limits:\n  concurency: 3\n"), environ={})
    with pytest.raises(ConfigError, match="not loopback"):
        load_settings(overrides={"api": {"base_url": "http://example.com"}}, environ={})
    with pytest.raises(ConfigError, match="positive"):
        load_settings(overrides={"limits": {"concurrency": 0}}, environ={})
    with pytest.raises(ConfigError, match="must contain"):
        load_settings(overrides={"output": {"filename": "video.mp4"}}, environ={})


def test_an_empty_environment_variable_is_unset_and_a_negative_config_price_is_refused(tmp_path):
    # cron lines and unit files often set BATCHGEN_MAX_SPEND= (empty): that is no cap given, not a bad number
    settings = load_settings(environ={"BATCHGEN_RPM": "", "BATCHGEN_MAX_SPEND": "", "BATCHGEN_CONCURRENCY": ""})
    limits = settings.limits
    assert (limits.requests_per_minute, limits.max_spend_usd, limits.concurrency) == (50, None, 8)
    # a negative price would let every job under the spend cap
    config = write(tmp_path / "c.yaml", "prices:\n  kling-text2video:\n    std:\n      5: -0.28\n")
    with pytest.raises(ConfigError, match=r"c.yaml:1: prices.kling-text2video.std.5 must be a USD amount"):
        load_settings(config, environ={})


def test_config_edges_a_user_meets_bom_localhost_a_whole_concurrency_and_a_plain_http_history(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_bytes("\ufefflimits:\n  concurrency: 3\n".encode())  # saved by Notepad, with a BOM
    assert load_settings(config, environ={}).limits.concurrency == 3
    local = load_settings(overrides={"api": {"base_url": "http://localhost:8080"}}, environ={})
    assert local.api.base_url == "http://localhost:8080"  # a local simulator or proxy
    concurrency = load_settings(environ={"BATCHGEN_CONCURRENCY": "4"}).limits.concurrency
    assert concurrency == 4 and isinstance(concurrency, int)
    # the history is read with the key too: plain http to another host would send it unencrypted
    with pytest.raises(ConfigError, match=r"api\.history_url uses plain http:// for a host that is not loopback"):
        load_settings(overrides={"api": {"history_url": "http://example.com/history"}}, environ={})


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("requests_per_minute", ".nan"),
        ("requests_per_minute", ".inf"),
        ("concurrency", "true"),
        ("rate_window_s", "yes"),
    ],
)
def test_a_config_number_that_is_not_a_finite_number_is_refused_by_its_key(tmp_path, key, text):
    # YAML reads .nan, .inf, true and yes as values Python would take for numbers: a NaN rpm never paces, and
    # "concurrency: true" ran one job at a time without a word
    config = write(tmp_path / "c.yaml", f"limits:\n  {key}: {text}\n")
    with pytest.raises(ConfigError, match=rf"c.yaml:2: limits.{key} must be a positive number"):
        load_settings(config, environ={})


@pytest.mark.parametrize("filename", ["{model}.mp4", "{ID}.mp4", "{{id}}.mp4", "{id[0]}.mp4", "{id:.4}-{model}.mp4"])
def test_a_file_name_pattern_that_does_not_give_every_job_its_own_file_is_refused(filename):
    # One name for many jobs: each video would be renamed over the one before it, paid for and lost.
    with pytest.raises(ConfigError, match=r"output\.filename"):
        load_settings(overrides={"output": {"filename": filename}}, environ={})


@pytest.mark.parametrize("cap", [0, 0.0, 12.5])
def test_a_spend_cap_of_zero_or_more_is_a_cap(cap):
    settings = load_settings(overrides={"limits": {"max_spend_usd": cap}}, environ={})
    assert settings.limits.max_spend_usd == cap
    with pytest.raises(ConfigError, match=r"limits\.max_spend_usd must be a non-negative number"):
        load_settings(overrides={"limits": {"max_spend_usd": -0.01}}, environ={})


def test_config_example_documents_exactly_the_defaults():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "config.example.yaml"
    assert load_settings(example, environ={}) == load_settings(None, environ={})
