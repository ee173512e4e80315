"""Audit of ``batchgen/report/index.py``: every warning a video was kept with, times to the nearest millisecond,
and a job not (yet) made holds no figures of a video: empty, never zero."""

from __future__ import annotations

import pytest

pytest.importorskip("pyarrow")

from batchgen.report.index import index_table
from batchgen.report.timeline import JobRow


def one(row: JobRow) -> dict:
    (out,) = index_table([row]).to_pylist()
    return out


def test_the_index_gives_every_warning_a_video_was_kept_with_in_order():
    warnings = [
        {"kind": "duration_mismatch", "detail": "5.0 s, asked 10"},
        {"kind": "aspect_mismatch", "detail": "1:1, asked 16:9"},
        {"kind": "unreadable", "detail": "ffprobe failed"},
    ]
    out = one(JobRow("a", state="completed", model="kling-text2video", params={"prompt": "p"}, warnings=warnings))
    assert out["warnings"] == warnings


def test_the_index_gives_times_to_the_nearest_millisecond():
    out = one(JobRow("a", state="completed", queued_at=1_800_000_001.2346, detected_at=1_800_000_002.9996))
    assert round(out["queued_at"].timestamp() * 1000) == 1_800_000_001_235
    assert round(out["detected_at"].timestamp() * 1000) == 1_800_000_003_000


@pytest.mark.parametrize("state", ["pending", "submitting", "submitted", "failed", "deferred"])
def test_a_job_without_a_video_holds_no_figures_of_one_empty_never_zero(state):
    """A job not (yet) made has no file, size, digest or charge: the index leaves them empty, so a reader never
    takes an unknown charge for a free video, nor a missing file for an empty one."""
    error = "content policy" if state == "failed" else None
    out = one(JobRow("x", state=state, model="kling-text2video", params={"prompt": "p"}, error=error))
    assert out["state"] == state and out["error"] == error
    video = ("request_id", "file", "sha256", "bytes", "cost_usd", "media_duration_s", "media_width", "media_frames")
    assert {name: out[name] for name in video} == dict.fromkeys(video)
    assert out["warnings"] == [] and out["downloaded_at"] is None


def test_the_annotation_columns_keep_their_text_as_written_not_as_escapes():
    """meta_json, like params_json, holds text in any script as written (a reader's search for 'forêt' finds it)."""
    row = JobRow("a", state="completed", model="kling-text2video", params={"prompt": "héron"})
    row.meta = {"scène": "forêt", "shot": "夜明け"}
    out = one(row)
    assert '"scène": "forêt"' in out["meta_json"] and "夜明け" in out["meta_json"]
    assert "héron" in out["params_json"]


def test_a_text_parameter_written_empty_is_kept_empty_not_taken_for_one_left_out():
    asked = one(JobRow("a", model="kling-text2video", params={"prompt": "p", "negative_prompt": ""}))
    assert asked["negative_prompt"] == ""
    assert one(JobRow("b", model="kling-text2video", params={"prompt": "p"}))["negative_prompt"] is None
