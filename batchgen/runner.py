"""Run a manifest into an output folder: the wiring around one :class:`Run`.

Takes the folder's lock, replays its ledger, opens the API client and the
ledger, runs the scheduler (optionally stopping cleanly on SIGINT/SIGTERM),
and rewrites ``results.csv`` from the ledger at the end, whatever happened.
With ``report.enabled`` it also keeps ``pace.jsonl`` while the run lasts,
refreshes ``report.html`` every ``report.refresh_s`` seconds in a
low-priority worker process, and writes ``index.parquet`` and the final report at the end.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import anyio

from .client import ApiClient
from .clock import Clock
from .config import Settings
from .identity import ChangedJobs, find_changes, set_aside
from .jobs import JobSpec, TrackedJob
from .ledger import Ledger, read_ledger
from .pace import record_pace
from .publish import publish_at_end, refresh_reports
from .report import RunReport, count_media_warnings
from .report_html import Verdict
from .scheduler import Run
from .storage import OutputDir, render_results, write_atomically

log = logging.getLogger("batchgen")
SIGNAL_GRACE_S = 1.0


@dataclass(slots=True)
class Outcome:
    report: RunReport
    run: Run
    out: OutputDir


async def run_jobs(
    jobs: list[JobSpec],
    settings: Settings,
    *,
    api_key: str,
    clock: Clock | None = None,
    resubmit_lost: bool = False,
    retry_failed: bool = False,
    verify_files: bool = False,
    replace_changed: bool = False,
    handle_signals: bool = False,
    on_second_signal: Callable[[], None] | None = None,
    monitor: Callable[[Run], Coroutine[Any, Any, None]] | None = None,
    on_event: Callable[[str, TrackedJob], None] | None = None,
    verdict: Callable[[RunReport], Verdict] | None = None,
) -> Outcome:
    """Run ``jobs`` into ``settings.output.dir``; resumes whatever the ledger holds.

    ``verdict`` tells the final report the exit code and resume command (the CLI's).
    Rows that ask for something other than what their ids were sent as raise
    :class:`ChangedJobs` before anything is sent, or with ``replace_changed``
    are set aside to be made anew (``identity.py``).
    """
    clock = clock or Clock()
    specs = {job.id: (job.model, job.params) for job in jobs}
    one_report_at_a_time = anyio.CapacityLimiter(1)
    out = OutputDir(settings.output.dir, settings.output.filename)
    out.prepare()
    out.lock()
    try:
        replay = read_ledger(out.ledger)
        changes = find_changes(jobs, replay)
        if changes and not replace_changed:
            raise ChangedJobs(changes, str(out.root))
        api = settings.api
        async with (
            ApiClient(
                api_key=api_key,
                key_env=api.key_env,
                base_url=api.base_url,
                history_url=api.history_url,
                request_timeout_s=api.request_timeout_s,
                max_response_bytes=api.max_response_bytes,
            ) as client,
            Ledger(out.ledger, clock=clock) as ledger,
        ):
            if changes:
                await set_aside(changes, replay, ledger, out)
                for change in changes:
                    log.info("replacing %s (paid again; any earlier video is in videos/replaced/)", change.describe())
                replay = read_ledger(out.ledger)
            run = Run(
                jobs,
                api=client,
                out=out,
                ledger=ledger,
                replay=replay,
                settings=settings,
                clock=clock,
                resubmit_lost=resubmit_lost,
                retry_failed=retry_failed,
                verify_files=verify_files,
                on_event=on_event,
            )
            async with anyio.create_task_group() as tg:
                if handle_signals:
                    tg.start_soon(_watch_signals, run, on_second_signal)
                if monitor is not None:
                    tg.start_soon(monitor, run)
                if settings.report.enabled:
                    tg.start_soon(record_pace, run, out.root)
                    tg.start_soon(refresh_reports, out.root, settings.report, one_report_at_a_time, specs)
                report = await run.execute()
                tg.cancel_scope.cancel()
        final = read_ledger(out.ledger).jobs
        report.media_warnings = count_media_warnings(final)
        try:
            write_atomically(out.results, render_results(final))
        except OSError as exc:
            message = (
                f"could not write {out.results} ({exc.strerror or exc}); the ledger is intact, and "
                "'batchgen status' or the next run will produce it"
            )
            report.warnings.append(message)
            log.warning("warning: %s", message)
        if settings.report.enabled:
            ended = verdict(report) if verdict is not None else Verdict(None)
            try:
                report.report_page = await publish_at_end(
                    out.root, settings.report, one_report_at_a_time, verdict=ended, specs=specs
                )
            except Exception as exc:  # a report is a by-product: the run's outcome stands
                message = f"could not write {out.root / 'report.html'} ({exc}); 'batchgen report {out.root}' retries"
                report.warnings.append(message)
                log.warning("warning: %s", message)
    finally:
        out.unlock()
    return Outcome(report, run, out)


async def _watch_signals(run: Run, on_second_signal: Callable[[], None] | None) -> None:
    """First signal: stop submitting and leave shortly; second: ``on_second_signal`` (the CLI exits at once)."""
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        count = 0
        async for signum in signals:
            count += 1
            if count > 1:
                if on_second_signal is not None:
                    on_second_signal()
                run.abort()
                continue
            log.warning(
                "received %s: stopping cleanly (jobs in flight stay resumable); send it again to exit at once",
                signal.Signals(signum).name,
            )
            run.request_stop("interrupted")
            await anyio.sleep(SIGNAL_GRACE_S)
            run.abort()
