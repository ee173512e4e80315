"""``OUT/index.parquet``: one row per job, typed, for pandas, polars, DuckDB and Hugging Face datasets.

The schema is explicit (:func:`schema`), so an empty run, a run without a
single completed video and a run of 10,000 all give the same column types.
The Kling parameters have columns of their own, holding what the job asked
for or, where it left a parameter out, the model's documented default (so
``duration`` is 5, not empty); ``params_json`` holds the parameters exactly
as sent (also those of models without a built-in schema) as JSON text;
``input_image`` and ``input_sha256`` name an image job's top-level input (its
path as written, and its digest), and ``input_images_json`` every image of the
job, those in list parameters' objects too, by its place.  Times are UTC
timestamps in milliseconds.  The file is written to a temporary name,
fsynced and renamed: a reader never sees half of it.
"""

from __future__ import annotations

import io
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from ..models.images import input_images_json, top_input
from ..params import defaults_of
from ..store.files import write_atomically
from .timeline import JobRow

INDEX_FILE = "index.parquet"


@cache
def schema() -> Any:
    """The index's columns and types (pyarrow is imported only when an index is written or read)."""
    import pyarrow as pa

    ts = pa.timestamp("ms", tz="UTC")
    warning = pa.struct([("kind", pa.string()), ("detail", pa.string())])
    return pa.schema(
        [
            ("job_id", pa.string()),
            ("model", pa.string()),
            ("prompt", pa.string()),
            ("negative_prompt", pa.string()),
            ("aspect_ratio", pa.string()),
            ("duration", pa.int32()),
            ("cfg_scale", pa.float64()),
            ("mode", pa.string()),
            ("camera_control_config", pa.string()),
            ("camera_control_config_value", pa.int32()),
            ("camera_control_type", pa.string()),
            ("params_json", pa.string()),
            ("input_image", pa.string()),
            ("input_sha256", pa.string()),
            ("input_images_json", pa.string()),
            ("state", pa.string()),
            ("request_id", pa.string()),
            ("file", pa.string()),
            ("sha256", pa.string()),
            ("bytes", pa.int64()),
            ("cost_usd", pa.float64()),
            ("media_duration_s", pa.float64()),
            ("media_width", pa.int32()),
            ("media_height", pa.int32()),
            ("media_fps", pa.float64()),
            ("media_codec", pa.string()),
            ("media_frames", pa.int64()),
            ("warnings", pa.list_(warning)),
            ("submitting_at", ts),
            ("queued_at", ts),
            ("processing_at", ts),
            ("detected_at", ts),
            ("downloaded_at", ts),
            ("updated_at", ts),
            ("error", pa.string()),
            ("meta_json", pa.string()),  # the manifest's annotation columns (meta.NAME), as one JSON object
        ]
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _ms(epoch: float | None) -> int | None:
    return None if epoch is None else round(epoch * 1000)


def index_table(rows: list[JobRow]) -> Any:
    """The rows as a pyarrow table with :func:`schema`."""
    import pyarrow as pa

    columns: dict[str, list[Any]] = {name: [] for name in schema().names}
    for row in rows:
        p = {**defaults_of(row.model or ""), **row.params}
        media = row.media
        image = top_input(row.model, row.params)
        values: dict[str, Any] = {
            "job_id": row.job_id,
            "model": row.model,
            "prompt": _text(p.get("prompt")),
            "negative_prompt": _text(p.get("negative_prompt")),
            "aspect_ratio": _text(p.get("aspect_ratio")),
            "duration": _int(p.get("duration")),
            "cfg_scale": _float(p.get("cfg_scale")),
            "mode": _text(p.get("mode")),
            "camera_control_config": _text(p.get("camera_control_config")),
            "camera_control_config_value": _int(p.get("camera_control_config_value")),
            "camera_control_type": _text(p.get("camera_control_type")),
            "params_json": json.dumps(row.params, sort_keys=True, ensure_ascii=False) if row.params else None,
            "input_image": _text(image["file"]) if image else None,
            "input_sha256": _text(image["sha256"]) if image else None,
            "input_images_json": input_images_json(row.params),
            "state": row.state,
            "request_id": row.request_id,
            "file": row.file,
            "sha256": row.sha256,
            "bytes": row.bytes,
            "cost_usd": row.cost,
            "media_duration_s": media.duration_s if media else None,
            "media_width": media.width if media else None,
            "media_height": media.height if media else None,
            "media_fps": media.fps if media else None,
            "media_codec": media.codec if media else None,
            "media_frames": media.frames if media else None,
            "warnings": [{"kind": w.get("kind"), "detail": w.get("detail")} for w in row.warnings],
            "submitting_at": _ms(row.submitting_at),
            "queued_at": _ms(row.queued_at),
            "processing_at": _ms(row.processing_at),
            "detected_at": _ms(row.detected_at),
            "downloaded_at": _ms(row.downloaded_at),
            "updated_at": _ms(row.updated_at),
            "error": row.error,
            "meta_json": json.dumps(row.meta, sort_keys=True, ensure_ascii=False) if row.meta else None,
        }
        for name, value in values.items():
            columns[name].append(value)
    return pa.Table.from_pydict(columns, schema=schema())


def write_index(root: Path, rows: list[JobRow]) -> Path:
    """Write ``index.parquet`` atomically; returns its path."""
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(index_table(rows), buf, compression="zstd")
    path = root / INDEX_FILE
    write_atomically(path, buf.getvalue())
    return path
