"""How a run shows itself while it lasts: a live panel on a terminal, log lines everywhere else.

``live_panel`` and ``log_lines`` are monitors for ``runner.run_jobs``; ``log_event``
turns the book's job events into log lines (failures and lost videos as warnings).
"""

from __future__ import annotations

import logging

import anyio
from rich.console import Console
from rich.live import Live

from ..engine.run import Run
from ..jobs import TrackedJob
from ..report.summary import progress_line, progress_table

log = logging.getLogger("batchgen")


async def live_panel(console: Console, run: Run) -> None:
    """The live panel on a terminal, refreshed twice a second."""
    with Live(progress_table(run.snapshot()), console=console, refresh_per_second=2, transient=True) as live:
        while True:
            await anyio.sleep(0.5)
            live.update(progress_table(run.snapshot()))


async def log_lines(every: float, run: Run) -> None:
    """Without a terminal: one concise progress line per interval."""
    while True:
        await anyio.sleep(max(1.0, every))
        log.info(progress_line(run.snapshot()))


def log_event(event: str, job: TrackedJob) -> None:
    if event in ("failed", "expired", "lost"):
        log.warning("job %s %s: %s", job.spec.id, "failed" if event == "failed" else "was lost", job.error)
    elif event == "download_failed":
        log.warning("job %s: the download failed (%s); run again to retry it", job.spec.id, job.error)
    elif event == "submit_unknown":
        log.info(
            "job %s: the submit's outcome is unknown (%s); it is looked up in the request history before it is "
            "ever sent again",
            job.spec.id,
            job.error,
        )
    else:
        log.debug("job %s: %s", job.spec.id, event)
