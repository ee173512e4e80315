"""The report's work done while the run lasts, so that the last write after the last video is short.

The final report must describe the whole run, so it is written once every
job has ended.  What does not depend on the jobs still running is done
before that:

* **Poster frames as videos land.**  :func:`make_new_posters` reads the
  ledger from where it stopped last time (in this worker process), takes the
  ``completed`` lines that appeared since, and makes each video's poster
  frame (and its input image's thumbnail) that is missing.  The runner calls
  it every :data:`POSTERS_EVERY_S` seconds in the report's worker process, at
  the lowest CPU priority, so it only ever takes CPU the run leaves idle.
  A frame it has not made yet is made by the final report, as before: this is
  a head start, never a second source of truth.
* **Warm modules.**  :func:`warm_up` imports what the final report draws and
  writes with (matplotlib, pyarrow, PyAV) and draws one tiny chart, in a
  thread of the run's own process once the first video has landed, so the
  final report pays neither the imports nor the first chart's font loading.

Nothing here writes the report's pages or index: a run killed at any moment
leaves the report of the last refresh (or none) and at most some poster
frames, each written atomically.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..models.images import local_path, top_images
from .thumbs import input_thumb_path, is_current, make_input_thumbnail, make_thumbnail, thumb_path

POSTERS_EVERY_S = 1.0  # real seconds between two looks at the ledger for videos that landed


@dataclass(slots=True)
class _Follow:
    """How far this process has read one folder's ledger, and the input images seen on the way."""

    inode: int
    offset: int = 0
    images: dict[str, str] = field(default_factory=dict)  # job id -> local input image


_FOLLOWED: dict[str, _Follow] = {}  # by output folder, in this (worker) process


def _new_lines(root: Path) -> list[bytes]:
    """The ledger's complete lines written since the last call for ``root`` (all of them the first time)."""
    path = root / "ledger.jsonl"
    try:
        with open(path, "rb") as fh:
            stat = os.fstat(fh.fileno())
            follow = _FOLLOWED.get(str(root))
            if follow is None or follow.inode != stat.st_ino or follow.offset > stat.st_size:  # a new ledger
                follow = _FOLLOWED[str(root)] = _Follow(stat.st_ino)
            fh.seek(follow.offset)
            data = fh.read()
    except OSError:
        return []
    end = data.rfind(b"\n") + 1  # a line still being written waits for the next call
    follow.offset += end
    return data[:end].split(b"\n")


def make_new_posters(root: Path, width: int) -> int:
    """Make the missing poster frames (and input thumbnails) of videos completed since the last call;
    returns how many files were made.  Plain blocking code, for the report's worker process."""
    lines = _new_lines(root)
    if not lines:  # the ledger could not be read
        return 0
    follow = _FOLLOWED[str(root)]  # kept by _new_lines whenever it read the ledger
    landed: list[tuple[str, str]] = []
    for raw in lines:
        if b'"submitting"' not in raw and b'"completed"' not in raw:
            continue
        try:
            record = json.loads(raw)
            job_id, event = record["job_id"], record.get("event")
        except (ValueError, KeyError, TypeError):
            continue  # the final report reads the ledger strictly and says what is wrong
        if event == "submitting" and isinstance(record.get("params"), dict):
            refs = top_images(record.get("model"), record["params"])
            image = next((found for ref in refs if (found := local_path(ref))), None)
            if image is not None:
                follow.images[job_id] = image
        elif event == "completed" and isinstance(record.get("file"), str):
            landed.append((job_id, record["file"]))
    inside = (root / "videos").resolve()
    made = 0
    for job_id, file in landed:
        video = root / file
        if not video.resolve().is_relative_to(inside) or not video.is_file():
            continue
        dest = thumb_path(root, video)
        if not is_current(dest, video) and make_thumbnail(video, dest, width):
            made += 1
        image = follow.images.get(job_id)
        source = input_thumb_path(root, video)
        if (
            image is not None
            and not is_current(source, Path(image))
            and make_input_thumbnail(Path(image), source, width)
        ):
            made += 1
    return made


def warm_up() -> None:
    """Import what the final report uses, write an empty index and draw small charts (fonts, tick and
    legend code, the zstd codec are set up on first use); errors are left to the final report, which
    meets them again and says so."""
    with contextlib.suppress(Exception):
        import io

        import av  # noqa: F401  (poster frames not made yet)
        import pyarrow.parquet as pq

        from .charts import gantt_svg, requests_svg
        from .index import index_table
        from .pace import PacePoint
        from .timeline import JobRow

        pq.write_table(index_table([]), io.BytesIO(), compression="zstd")
        gantt_svg([JobRow("warm-up", queued_at=1.0, detected_at=2.0, downloaded_at=3.0)], 0.0, 4.0)
        pace = [PacePoint(float(t), "warm-up", t, 0, 50.0, 1.0, 0.0) for t in (1, 2, 3)]
        requests_svg(pace, 0.0, 4.0)
