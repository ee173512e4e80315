"""``results.csv``: one row per job, as the ledger last left it, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..models.images import input_images_json, top_input

RESULT_COLUMNS = (
    "job_id",
    "state",
    "model",
    "request_id",
    "file",
    "bytes",
    "sha256",
    "cost",
    "error",
    "updated_at",
    # what the video really is (batchgen.probe), and how it differs from the request
    "media_duration_s",
    "media_width",
    "media_height",
    "media_fps",
    "media_codec",
    "media_frames",
    "warnings",
    "warning_detail",
    # what was asked for: the prompt, and every parameter as one JSON object
    "prompt",
    "params",
)
MEDIA_FIELDS = ("duration_s", "width", "height", "fps", "codec", "frames")
# added when some job has an input image: its top-level image's path as the manifest gave it and sha256, then
# every image of the job (in list parameters' objects too) by its place, as JSON: {place: {file, sha256}}
INPUT_COLUMNS = ("input_image", "input_sha256", "input_images")


def neutralise(cell: str) -> str:
    """Stop spreadsheets from reading a cell as a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _input_image(rec: dict[str, Any]) -> dict[str, Any] | None:
    """A job's input image (path or URL, and sha256; never its bytes) from its ledger record, if any."""
    params = rec.get("params")
    if not isinstance(params, dict):
        return None
    return top_input(rec.get("model"), params)


def render_results(jobs: dict[str, dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    inputs = {job_id: _input_image(rec) for job_id, rec in jobs.items()}
    every = {job_id: input_images_json(rec.get("params")) for job_id, rec in jobs.items()}
    with_inputs = any(every.values())
    writer.writerow(RESULT_COLUMNS + INPUT_COLUMNS if with_inputs else RESULT_COLUMNS)
    for job_id, rec in jobs.items():
        error = rec.get("error")
        if isinstance(error, dict):
            error = error.get("detail") or json.dumps(error, ensure_ascii=False)
        row = [
            job_id,
            rec.get("state"),
            rec.get("model"),
            rec.get("request_id"),
            rec.get("file"),
            rec.get("bytes"),
            rec.get("sha256"),
            rec.get("cost"),
            error,
            rec.get("ts"),
        ]
        media = rec.get("media")
        row += [media.get(name) if isinstance(media, dict) else None for name in MEDIA_FIELDS]
        warnings = [w for w in rec.get("warnings") or [] if isinstance(w, dict)]
        row.append(";".join(str(w.get("kind")) for w in warnings) or None)
        row.append("; ".join(str(w.get("detail")) for w in warnings) or None)
        asked = rec.get("params")
        params: dict[str, Any] = asked if isinstance(asked, dict) else {}
        row.append(params.get("prompt"))
        row.append(json.dumps(params, ensure_ascii=False, sort_keys=True) if params else None)
        if with_inputs:
            image = inputs[job_id]
            row += [image["file"], image["sha256"]] if image else [None, None]
            row.append(every[job_id])
        writer.writerow(["" if v is None else neutralise(str(v)) for v in row])
    return buf.getvalue().encode()
