"""Make the folder's morning-after files: ``index.parquet``, ``thumbs/`` and ``report.html``.

:func:`publish` reads the ledger in full (:mod:`batchgen.timeline`) and the
pace file (:mod:`batchgen.pace`), writes the index, makes the poster frames
that are missing, draws the charts and writes the report's pages, each file
atomically.  It is plain blocking code.  While a run lasts it is called
every ``report.refresh_s`` seconds in a worker process, one at a time, at
the lowest CPU priority, so drawing charts never holds the run's GIL nor
takes a core the run needs; at the end of the run, when nothing else is
left to do, in a worker thread; ``batchgen report OUT`` calls it directly.

``report.json`` beside the page keeps the verdict of the last run (exit
code, resume command), so a report made later on demand still says how the
run ended and how to resume it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import anyio

from ..clock import Clock, iso_utc
from ..config import ReportSettings
from ..errors import StorageError
from ..jobs import UNFINISHED
from ..models.images import local_path, top_images
from ..store.files import write_atomically
from .ahead import POSTERS_EVERY_S, make_new_posters, warm_up
from .axis import RunAxis
from .charts import gantt_svg, requests_svg, spend_svg, time_origin
from .exits import Verdict
from .html import PAGES_DIR, PageData, completed, render_pages
from .index import write_index
from .pace import PacePoint, read_pace
from .thumbs import THUMBS_DIR, ensure_thumbnails, input_thumb_path, is_current, make_input_thumbnail
from .timeline import JobRow, load_rows

log = logging.getLogger("batchgen")
REPORT_FILE = "report.html"
VERDICT_FILE = "report.json"


def verdict_from(rows: list[JobRow], root: Path) -> Verdict:
    """The verdict of the last run as kept in ``report.json``, or one judged from the jobs' states."""
    try:
        kept = json.loads((root / VERDICT_FILE).read_text(encoding="utf-8"))
        if isinstance(kept, dict) and not kept.get("running"):
            code = kept.get("exit_code")
            return Verdict(code if isinstance(code, int) else None, kept.get("resume_command") or None)
    except (OSError, ValueError):
        pass
    rows = [row for row in rows if not row.unsent_outside]  # no run goes on with those: not unfinished
    states = {row.state for row in rows}
    if states & UNFINISHED:
        return Verdict(None)
    if states <= {"completed"}:
        return Verdict(0)
    # held back by a stop (credits, the cap): 3; a job held back for its changed input image alone is a 1
    return Verdict(3 if any(row.state == "deferred" and not row.held for row in rows) else 1)


ANNOTATIONS = ".batchgen/annotations.json"  # the manifest's meta.NAME columns, by job id (written by the CLI)


def read_annotations(root: Path) -> dict[str, dict[str, str]]:
    """The annotations kept with the folder ({} when there are none or the file cannot be read)."""
    try:
        data = json.loads((root / ANNOTATIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def publish(
    root: Path,
    settings: ReportSettings,
    *,
    verdict: Verdict | None = None,
    specs: dict[str, tuple[str, dict[str, Any]]] | None = None,
    manifest: Collection[str] | None = None,
) -> Path:
    """Write index.parquet, the missing thumbnails and report.html (+ pages) for ``root``; returns the page.
    ``manifest``: without ``specs``, the ids of the manifest the folder's last run was given, if known (the
    jobs outside it left unsent are told apart: no run sends them)."""
    for folder in (root / THUMBS_DIR, root / PAGES_DIR):
        if folder.is_symlink():
            raise StorageError(
                f"{folder} is a symbolic link; batchgen writes only inside the output folder. "
                "Replace the link with a real folder (or remove it)"
            )
    rows = load_rows(root / "ledger.jsonl", specs, manifest)
    annotations = read_annotations(root)
    for row in rows:
        row.meta = annotations.get(row.job_id, {})
    if verdict is None:
        verdict = verdict_from(rows, root)
    inside = (root / "videos").resolve()
    videos = [(row, root / row.file) for row in completed(rows) if row.file]
    videos = [(row, path) for row, path in videos if path.resolve().is_relative_to(inside)]
    # Poster frames not made yet are decoded in a thread (PyAV leaves the GIL while it decodes and encodes)
    # while this one writes the index and draws the charts.
    pace = read_pace(root)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="batchgen-thumbs") as pool:
        posters = pool.submit(_thumbnails, root, videos, settings.thumb_width)
        write_index(root, rows)
        charts = _charts(rows, pace)
        thumbs, inputs = posters.result()
    last_run = [p for p in pace if pace and p.run == pace[-1].run]
    data = PageData(
        rows=rows,
        verdict=verdict,
        generated_at=iso_utc(Clock().epoch()),
        charts=charts,
        thumbs=thumbs,
        inputs=inputs,
        requests=last_run[-1].requests if last_run else None,
        throttled=last_run[-1].throttled if last_run else None,
    )
    pages = render_pages(data, title=f"batchgen report: {root.resolve().name}", page_size=settings.page_size)
    write_atomically(root / REPORT_FILE, pages[0].encode())
    folder = root / PAGES_DIR
    if len(pages) > 1:
        folder.mkdir(exist_ok=True)
    for number, page in enumerate(pages[1:], start=2):
        write_atomically(folder / f"page-{number}.html", page.encode())
    for stale in folder.glob("page-*.html") if folder.is_dir() else ():
        suffix = stale.stem.removeprefix("page-")
        if not suffix.isdigit() or int(suffix) > len(pages):
            stale.unlink(missing_ok=True)
    kept = {"exit_code": verdict.code, "resume_command": verdict.resume_command, "running": verdict.running}
    kept["generated_at"] = data.generated_at
    write_atomically(root / VERDICT_FILE, (json.dumps(kept, indent=2) + "\n").encode())
    return root / REPORT_FILE


def _thumbnails(root: Path, videos: list[tuple[JobRow, Path]], width: int) -> tuple[dict[str, str], dict[str, str]]:
    """(job id -> poster frame, job id -> input image's thumbnail), made where missing."""
    made = ensure_thumbnails(root, [path for _, path in videos if path.is_file()], width)
    thumbs = {row.job_id: str(thumb.relative_to(root)) for row, path in videos if (thumb := made.get(path))}
    return thumbs, _input_thumbnails(root, videos, width)


def _charts(rows: list[JobRow], pace: list[PacePoint]) -> dict[str, str]:
    """The report's three charts, on one time axis."""
    start, end = time_origin(rows, pace)
    moments = [t for row in rows for t in (row.submitting_at, row.queued_at, row.detected_at, row.downloaded_at,
               row.updated_at) if t]  # fmt: skip
    axis = RunAxis.build(moments, pace)  # one axis and one clock for every chart
    return {
        "Jobs over time (queued, processing, downloading)": gantt_svg(rows, start, end, axis),
        "API requests per minute against the limit": requests_svg(pace, start, end, axis),
        "Spend over time": spend_svg(rows, start, end, axis),
    }


# --------------------------------------------------------------------------- during and after a run

Specs = dict[str, tuple[str, dict[str, Any]]]
_REPORT_TEMPORARIES = (f".{REPORT_FILE}.", f".{VERDICT_FILE}.", ".index.parquet.")  # write_atomically's names


def _lowest_priority() -> None:
    with contextlib.suppress(OSError):
        if os.getpriority(os.PRIO_PROCESS, 0) < 19:
            os.nice(19)


def _publish_low_priority(root: Path, settings: ReportSettings, verdict: Verdict, specs: Specs) -> Path:
    """:func:`publish` at the lowest CPU priority (nice 19): the run's own process always comes first."""
    _lowest_priority()
    return publish(root, settings, verdict=verdict, specs=specs)


def _posters_low_priority(root: Path, width: int) -> int:
    """:func:`ahead.make_new_posters` at the lowest CPU priority."""
    _lowest_priority()
    return make_new_posters(root, width)


async def publish_in_worker(
    root: Path, settings: ReportSettings, limiter: anyio.CapacityLimiter, *, verdict: Verdict, specs: Specs
) -> Path:
    """:func:`publish` in a worker process, one at a time (``limiter`` has one token).  Cancelled (the run
    is over), the worker is stopped at once: every file it writes is written atomically, and the final
    report removes what a stopped write left (:func:`publish_at_end`)."""
    return await anyio.to_process.run_sync(
        _publish_low_priority, root, settings, verdict, specs, limiter=limiter, cancellable=True
    )


async def publish_at_end(
    root: Path, settings: ReportSettings, limiter: anyio.CapacityLimiter, *, verdict: Verdict, specs: Specs
) -> Path:
    """:func:`publish` in a worker thread once the run is over (after any worker call still going)."""
    work = partial(publish, root, settings, verdict=verdict, specs=specs)
    async with limiter:
        await anyio.to_thread.run_sync(_remove_stopped_writes, root)
        return await anyio.to_thread.run_sync(work)


def _remove_stopped_writes(root: Path) -> None:
    """Remove the temporary files of report writes that were stopped (a refresh cancelled at the run's end)."""
    found = [tmp for tmp in root.glob(".*.tmp") if tmp.name.startswith(_REPORT_TEMPORARIES)]
    for folder in (root / THUMBS_DIR, root / PAGES_DIR):
        if folder.is_dir() and not folder.is_symlink():
            found += folder.glob(".*.tmp")
    for tmp in found:
        tmp.unlink(missing_ok=True)


async def make_posters_while_running(root: Path, settings: ReportSettings, limiter: anyio.CapacityLimiter) -> None:
    """Make poster frames as videos land (every ``POSTERS_EVERY_S`` seconds, in the report's worker process,
    between refreshes) until cancelled; a failure is logged once, the run goes on."""
    warned = False
    while True:
        await anyio.sleep(POSTERS_EVERY_S)
        try:
            await anyio.to_process.run_sync(
                _posters_low_priority, root, settings.thumb_width, limiter=limiter, cancellable=True
            )
        except Exception as exc:  # poster frames are a by-product: the final report makes what is missing
            if not warned:
                log.warning("warning: could not make poster frames during the run (%s); the final report will", exc)
                warned = True


async def warm_up_after(first_video: anyio.Event) -> None:
    """Once the first video has landed, load what the final report needs, in a thread of this process."""
    await first_video.wait()
    await anyio.to_thread.run_sync(warm_up)


async def refresh_reports(root: Path, settings: ReportSettings, limiter: anyio.CapacityLimiter, specs: Specs) -> None:
    """Rewrite the report every ``settings.refresh_s`` seconds until cancelled; a failure is logged, the run goes on."""
    live = Verdict(None, running=True, refresh_s=settings.refresh_s)
    while True:
        await anyio.sleep(settings.refresh_s)
        try:
            await publish_in_worker(root, settings, limiter, verdict=live, specs=specs)
        except Exception as exc:  # a report is a by-product: it must never stop the run
            log.warning("warning: could not refresh %s (%s); the run goes on", root / REPORT_FILE, exc)


def _input_thumbnails(root: Path, videos: list[tuple[JobRow, Path]], width: int) -> dict[str, str]:
    """job id -> a thumbnail of its input image (made from the local file while it is there, again when it
    changed)."""
    found = {}
    for row, video in videos:
        image = next((path for ref in top_images(row.model, row.params) if (path := local_path(ref))), None)
        dest = input_thumb_path(root, video)
        current = is_current(dest, Path(image)) if image is not None else dest.exists()
        if current or (image is not None and make_input_thumbnail(Path(image), dest, width)):
            found[row.job_id] = str(dest.relative_to(root))
    return found
