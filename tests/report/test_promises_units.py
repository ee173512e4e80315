"""index.parquet on its own seam: every column holds what the job asked for (defaults only where it
asked nothing), typed as the schema says, written whole.  Rows in, a table out; no simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from batchgen.report.index import INDEX_FILE, index_table, schema, write_index  # noqa: E402
from batchgen.report.timeline import JobRow  # noqa: E402
from batchgen.store.media import Media  # noqa: E402


def one(row: JobRow) -> dict:
    (out,) = index_table([row]).to_pylist()
    return out


def test_every_column_of_a_completed_job():
    row = JobRow(
        "clip-1", state="completed", model="kling-text2video",
        params={"prompt": "a heron", "negative_prompt": "no text", "aspect_ratio": "9:16", "duration": "10",
                "cfg_scale": 0.7, "mode": "pro", "camera_control_type": "simple",
                "camera_control_config": "zoom", "camera_control_config_value": -3},
        request_id="r-1", file="videos/clip-1.mp4", sha256="ab" * 32, bytes=12345, cost=1.96,
        warnings=[{"kind": "duration", "detail": "5 s, asked 10"}],
        media=Media(duration_s=10.0, width=1080, height=1920, fps=24.0, codec="h264", frames=240),
        submitting_at=1_800_000_000.0, queued_at=1_800_000_001.2344, processing_at=1_800_000_002.0,
        detected_at=1_800_000_300.0, downloaded_at=1_800_000_301.0, updated_at=1_800_000_302.0,
    )  # fmt: skip
    out = one(row)
    assert out["job_id"] == "clip-1" and out["model"] == "kling-text2video" and out["state"] == "completed"
    assert out["prompt"] == "a heron" and out["negative_prompt"] == "no text"
    assert out["aspect_ratio"] == "9:16" and out["duration"] == 10 and out["cfg_scale"] == 0.7
    assert out["mode"] == "pro" and out["camera_control_type"] == "simple"
    assert out["camera_control_config"] == "zoom" and out["camera_control_config_value"] == -3
    assert json.loads(out["params_json"]) == row.params
    assert out["params_json"] == json.dumps(row.params, sort_keys=True, ensure_ascii=False)
    assert (out["request_id"], out["file"], out["sha256"], out["bytes"], out["cost_usd"]) == (
        "r-1", "videos/clip-1.mp4", "ab" * 32, 12345, 1.96,
    )  # fmt: skip
    assert (out["media_duration_s"], out["media_width"], out["media_height"]) == (10.0, 1080, 1920)
    assert (out["media_fps"], out["media_codec"], out["media_frames"]) == (24.0, "h264", 240)
    assert out["warnings"] == [{"kind": "duration", "detail": "5 s, asked 10"}]
    stamps = [out[f"{name}_at"] for name in ("submitting", "queued", "processing", "detected", "downloaded", "updated")]
    assert [round(s.timestamp() * 1000) for s in stamps] == [
        1_800_000_000_000, 1_800_000_001_234, 1_800_000_002_000, 1_800_000_300_000, 1_800_000_301_000,
        1_800_000_302_000,
    ]  # fmt: skip
    assert all(str(s.tzinfo) == "UTC" for s in stamps)
    assert out["error"] is None


def test_what_the_job_asked_for_wins_over_the_models_defaults_and_defaults_fill_only_the_gaps():
    asked = one(JobRow("a", model="kling-text2video", params={"prompt": "p", "duration": 10, "mode": "pro",
                                                               "aspect_ratio": "1:1", "cfg_scale": 0.9}))  # fmt: skip
    assert (asked["duration"], asked["mode"], asked["aspect_ratio"], asked["cfg_scale"]) == (10, "pro", "1:1", 0.9)
    bare = one(JobRow("b", model="kling-text2video", params={"prompt": "p"}))
    assert (bare["duration"], bare["mode"], bare["aspect_ratio"], bare["cfg_scale"]) == (5, "std", "16:9", 0.5)
    assert bare["negative_prompt"] is None and bare["camera_control_type"] is None  # no default: empty
    assert json.loads(bare["params_json"]) == {"prompt": "p"}  # exactly as sent, no defaults added


def test_a_model_without_a_schema_gets_no_defaults_and_a_job_without_anything_is_all_empty():
    other = one(JobRow("c", model="someone/else", params={"prompt": "p", "duration": 7}))
    assert other["duration"] == 7 and other["mode"] is None and other["aspect_ratio"] is None
    empty = one(JobRow("d"))
    assert empty["job_id"] == "d" and empty["state"] == "pending" and empty["params_json"] is None
    assert all(empty[name] is None for name in ("model", "prompt", "duration", "media_width", "submitting_at"))
    assert empty["warnings"] == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [(10, 10), ("10", 10), (" 10 ", 10), ("-3", -3), (10.0, 10), (10.5, None), (True, None), ("ten", None),
     ("", None), (None, None), ([10], None), ("X5", None), ("--5", None), ("\u00b2", None), ("1-2", None)],
)  # fmt: skip
def test_integer_columns_take_only_what_is_an_integer(value, expected):
    model = "someone/else"  # no defaults to fill in
    assert one(JobRow("e", model=model, params={"duration": value}))["duration"] == expected


@pytest.mark.parametrize(("value", "expected"), [(0.5, 0.5), (1, 1.0), (True, None), ("0.5", None), (None, None)])
def test_float_columns_take_only_numbers(value, expected):
    assert one(JobRow("f", model="someone/else", params={"cfg_scale": value}))["cfg_scale"] == expected


def test_text_columns_hold_text_and_non_ascii_survives():
    out = one(JobRow("g", model="someone/else", params={"prompt": "ein Reiher über dem Teich", "mode": 3}))
    assert out["prompt"] == "ein Reiher über dem Teich" and out["mode"] == "3"
    assert "über" in out["params_json"]


def test_the_schema_is_fixed_whatever_the_rows():
    assert index_table([]).schema == schema() and index_table([JobRow("x")]).schema == schema()
    names = schema().names
    assert names[:3] == ["job_id", "model", "prompt"] and names[-2:] == ["error", "meta_json"] and len(names) == 36


def test_the_index_is_written_whole_under_its_name_and_reads_back(tmp_path):
    rows = [JobRow(f"j{i}", model="kling-text2video", params={"prompt": f"p{i}", "duration": 10}) for i in range(3)]
    path = write_index(tmp_path, rows)
    assert path == tmp_path / INDEX_FILE == tmp_path / "index.parquet"
    table = pq.read_table(path)
    assert table.schema == schema() and table.column("duration").to_pylist() == [10, 10, 10]
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    assert [p.name for p in tmp_path.iterdir()] == ["index.parquet"]  # no temporary file left


# --------------------------------------------------------------------------- status, as a summary of a ledger


def status_of(jobs: dict[str, Any], *, torn: bool = False, held_by: int | None = None) -> dict:
    from batchgen.report.summary import status_summary
    from batchgen.store.ledger import Replay

    return status_summary(Replay(jobs, len(jobs), torn), Path("OUT"), held_by=held_by)


def test_status_counts_states_spend_failures_and_says_what_to_do():
    jobs = {
        "a": {"state": "completed", "cost": 0.28},
        "b": {"state": "completed", "cost": 0.56, "paid_before": 0.28,
              "warnings": [{"kind": "duration_mismatch"}, {"kind": "duration_mismatch"}]},
        "c": {"state": "failed", "error": {"http": 422, "detail": "content policy"}},
        "d": {"state": "failed", "error": {"http": 422, "detail": "content policy"}},
        "e": {"state": "expired", "error": "gone"},
        "f": {"state": "deferred", "error": {"detail": "Insufficient credits"}},
        "g": {"state": "submitted"},
        "h": {"state": "pending"},
    }  # fmt: skip
    summary = status_of(jobs)
    assert summary["dir"] == "OUT" and summary["jobs"] == 8
    assert summary["states"] == {"completed": 2, "failed": 2, "expired": 1, "deferred": 1, "submitted": 1,
                                 "pending": 1}  # fmt: skip
    assert summary["spend_usd"] == pytest.approx(1.12)  # replaced attempts count: they were paid for
    assert summary["finished"] is False and summary["torn_tail"] is False and summary["running"] is False
    assert summary["failures"][0] == {
        "reason": "content policy",
        "count": 2,
        "examples": ["c", "d"],
        "details": {"c": "content policy", "d": "content policy"},
    }
    assert {"reason": "gone", "count": 1, "examples": ["e"], "details": {"e": "gone"}} in summary["failures"]
    assert summary["warnings"] == {"duration_mismatch": 1}  # one video, counted once
    lines = summary["lines"]
    assert lines[0] == "OUT: 8 jobs in the ledger: 1 pending, 1 submitted, 2 completed, 2 failed, 1 expired, 1 deferred"
    assert lines[1] == "  spend $1.12"
    assert lines[2:5] == ["  failures by reason:", "    2 x content policy (e.g. c, d)", "    1 x gone (e.g. e)"]
    assert any("2 not finished" in line for line in lines)
    assert any("1 deferred" in line and "--max-spend" in line for line in lines)
    assert any("2 jobs failed on the server" in line and "--retry-failed" in line for line in lines)
    assert any("1 job lost or expired" in line and "--resubmit-lost" in line for line in lines)
    assert any("videos kept with warnings: 1 duration_mismatch" in line for line in lines)


def test_status_of_a_finished_an_empty_a_torn_and_a_held_folder():
    done = status_of({"a": {"state": "completed", "cost": 0.28}}, torn=True, held_by=4242)
    assert done["finished"] is True and done["torn_tail"] is True and done["running"] is True
    assert "  all jobs completed" in done["lines"]
    assert done["lines"][1].startswith("  a run (process 4242) holds this folder now")
    unknown = status_of({"a": {"state": "completed"}}, held_by=0)
    assert "another process" in unknown["lines"][1]
    empty = status_of({})
    assert empty["finished"] is False and empty["lines"] == ["OUT: no job recorded yet (nothing was submitted)"]
    assert empty["spend_usd"] == 0


def test_failures_group_by_reason_most_frequent_first_with_three_examples():
    from batchgen.report.summary import group_failures

    failures = [("a", "x"), ("b", "y"), ("c", "y"), ("d", "y"), ("e", "y"), ("f", "x"), ("g", "z")]
    assert group_failures(failures) == [("y", 4, ["b", "c", "d"]), ("x", 2, ["a", "f"]), ("z", 1, ["g"])]
    assert group_failures([]) == []


def test_retry_hints_name_the_flag_with_or_without_a_command():
    from batchgen.report.summary import retry_hints

    assert retry_hints({}, None) == []
    one_each = retry_hints({"failed": 1, "expired": 1}, "batchgen run m.yaml")
    assert one_each[0].startswith("1 job failed on the server; running again does not retry it.")
    assert one_each[0].endswith("(paid again): batchgen run m.yaml --retry-failed")
    assert one_each[1].startswith("1 job lost or expired") and "makes it again" in one_each[1]
    assert retry_hints({"failed": 2}, None)[0].endswith("(paid again): add --retry-failed")
    assert "retry them" in retry_hints({"failed": 2}, None)[0]


def test_status_tells_a_submit_a_re_run_settles_from_one_only_another_command_settles():
    # Both were left 'submitting'; the history had not caught up with the first (a re-run settles it), while
    # the second has no request of ours after it (its reason names what settles it).
    jobs = {
        "a": {"state": "submitting", "event": "settle_later", "error": {"detail": "the history has not caught up"}},
        "b": {"state": "submitting", "event": "settle_later", "error": {"detail": "send one more job", "rerun": False}},
    }
    lines = status_of(jobs)["lines"]
    assert (
        "  2 not finished: run the same 'batchgen run' again to resume them (a plain re-run does not settle 1 of "
        "them: their reason above says what does)"
    ) in lines
    alone = status_of({"b": jobs["b"]})["lines"]
    assert "  1 not finished: a plain re-run settles none of the 1 left: their reason above says what does" in alone


def test_the_index_names_the_images_inside_a_list_parameters_objects_as_results_csv_does():
    """A job whose images sit in ``elements`` alone: ``input_images_json`` gives each by its place (file and
    digest, never its bytes), the same text as results.csv's ``input_images``; a job without images has none."""
    cat = {"path": "/abs/cat.png", "file": "frames/cat.png", "sha256": "cd" * 32, "bytes": 10}
    params = {"prompt": "p", "elements": [{"frontal_image_url": cat, "reference_image_urls": ["https://x/y.png"]}]}
    out = one(JobRow("a", state="completed", model="kling-o1-video", params=params))
    assert out["input_image"] is None and out["input_sha256"] is None
    assert json.loads(out["input_images_json"]) == {
        "elements[0].frontal_image_url": {"file": "frames/cat.png", "sha256": "cd" * 32}
    }
    assert (
        one(JobRow("b", state="completed", model="kling-text2video", params={"prompt": "q"}))["input_images_json"]
        is None
    )


def test_the_index_keeps_each_jobs_annotation_columns_as_one_json_object():
    """The manifest's meta.NAME columns reach the index (``meta_json``) whole; a job without any has none."""
    row = JobRow("a", state="completed", model="kling-text2video", params={"prompt": "p"})
    row.meta = {"shot": "12b", "scène": "forêt"}
    assert json.loads(one(row)["meta_json"]) == {"shot": "12b", "scène": "forêt"}
    assert one(JobRow("b", state="failed", model="kling-text2video", params={"prompt": "q"}))["meta_json"] is None
