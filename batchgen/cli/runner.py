"""Run a manifest into an output folder: the wiring around one :class:`Run`.

Takes the output's lock (a folder's flock, an object store's lease), replays
its ledger, opens the API client and the ledger (``store.open_output``), runs
the scheduler (optionally stopping cleanly on SIGINT/SIGTERM), and rewrites
the results table from the ledger at the end, whatever happened.
With ``report.enabled`` and an unsharded local folder it also keeps
``pace.jsonl`` while the run lasts, refreshes ``report.html`` every
``report.refresh_s`` seconds in a low-priority worker process, makes the
poster frames there as videos land and loads what the final report needs
once the first has landed (``report/ahead.py``), and writes
``index.parquet`` and the final report at the end.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.abc

from ..api.client import ApiClient
from ..clock import Clock
from ..config import Settings
from ..engine.account import settle_key_change
from ..engine.identity import ChangedJobs, find_changes, refuse_replacing_in_flight, set_aside
from ..engine.outcome import RunReport, refused_as_sent
from ..engine.run import Run
from ..errors import BatchgenError, InputError
from ..jobs import Event, JobSpec, StopReason, TrackedJob
from ..report.exits import Verdict
from ..report.pace import record_pace
from ..report.publish import make_posters_while_running, publish_at_end, refresh_reports, warm_up_after
from ..report.summary import count_media_warnings
from ..store.ledger import Ledger, Replay, read_ledger
from ..store.local import OutputDir
from ..store.objects import ObjectStore
from ..store.output import KeyStamp, key_fingerprint, open_output
from ..store.shards import Shard

log = logging.getLogger("batchgen")
SIGNAL_GRACE_S = 1.0


@dataclass(slots=True)
class Outcome:
    report: RunReport
    run: Run
    out: OutputDir | ObjectStore
    jobs: dict[str, dict[str, Any]]  # every job of this output (or shard) as the ledger ends


async def run_jobs(
    jobs: list[JobSpec],
    settings: Settings,
    *,
    api_key: str,
    clock: Clock | None = None,
    shard: Shard | None = None,
    check_account: bool = True,
    adopt_key: bool = False,
    resubmit_lost: bool = False,
    retry_failed: bool = False,
    verify_files: bool = False,
    replace_changed: bool = False,
    handle_signals: bool = False,
    on_second_signal: Callable[[], None] | None = None,
    monitor: Callable[[Run], Coroutine[Any, Any, None]] | None = None,
    on_event: Callable[[str, TrackedJob], None] | None = None,
    verdict: Callable[[RunReport], Verdict] | None = None,
    read: Replay | None = None,
    on_held: Callable[[], None] | None = None,
) -> Outcome:
    """Run ``jobs`` into ``settings.output.dir`` (a folder or an object store; ``shard``: that shard's ledger
    and lock); resumes whatever the ledger holds.  The caller passes only the jobs of the shard.

    ``verdict`` tells the final report the exit code and resume command (the CLI's).  ``read``: the caller's
    read of this shard's ledger before the lock, taken while the file is unchanged (it is read once).
    ``on_held`` is called once the folder is this run's: its lock held and its rows unchanged (or to be made
    anew), before anything is sent; a run refused the folder (another run holds it) never calls it.
    Rows that ask for something other than what their ids were sent as raise
    :class:`ChangedJobs` before anything is sent, or with ``replace_changed``
    are set aside to be made anew (``identity.py``; a local folder only), but for those whose earlier request
    is still in flight (:class:`ChangedInFlight`).
    Every ledger line records a short fingerprint of the key; with ``check_account``, jobs in flight that
    another key submitted are resumed only when this key's account knows them (``engine/account.py``):
    else :class:`AccountChanged` (an InputError), unless ``adopt_key``.
    """
    clock = clock or Clock()
    specs = {job.id: (job.model, job.params) for job in jobs}
    one_report_at_a_time = anyio.CapacityLimiter(1)
    output = settings.output
    async with open_output(
        output.dir,
        filename=output.filename,
        shard=shard,
        spool_dir=output.spool_dir,
        lease_ttl_s=output.lease_ttl_s,
        clock=clock,
        read=read,
    ) as opened:
        out, replay = opened.out, opened.replay
        changes = find_changes(jobs, replay)
        if changes and not replace_changed:
            raise ChangedJobs(changes, str(output.dir))
        refuse_replacing_in_flight(changes, str(output.dir))
        if changes and not isinstance(opened.ledger, Ledger):
            raise InputError(
                f"--replace-changed sets earlier videos aside in a local folder; {output.dir} is an object store. "
                "Give the changed rows new ids instead"
            )
        if on_held is not None:
            on_held()
        # The report reads and writes one local folder's ledger.jsonl: it is made for an unsharded folder.
        folder = out if isinstance(out, OutputDir) and shard is None and settings.report.enabled else None
        if settings.report.enabled and folder is None:
            log.info("report.html and index.parquet are made for an unsharded local folder; this run writes none")
        fingerprint = key_fingerprint(api_key)
        stamped = KeyStamp(opened.ledger, fingerprint)
        api = settings.api
        async with ApiClient(
            api_key=api_key,
            key_env=api.key_env,
            base_url=api.base_url,
            history_url=api.history_url,
            request_timeout_s=api.request_timeout_s,
            max_response_bytes=api.max_response_bytes,
        ) as client:
            if check_account:
                await settle_key_change(
                    client, replay, fingerprint, stamped.append, adopt=adopt_key, where=str(out.ledger)
                )
            if changes and isinstance(opened.ledger, Ledger) and isinstance(out, OutputDir):
                await set_aside(changes, replay, opened.ledger, out, settings.prices)
                for change in changes:
                    log.info("replacing %s (paid again; any earlier video is in videos/replaced/)", change.describe())
                replay = read_ledger(out.ledger)
            first_video = anyio.Event()
            if folder is not None:
                on_event = _noting_first_video(first_video, on_event)
            run = Run(
                jobs,
                api=client,
                out=out,
                ledger=stamped,
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
                if folder is not None:
                    tg.start_soon(record_pace, run, folder.root)
                    tg.start_soon(refresh_reports, folder.root, settings.report, one_report_at_a_time, specs)
                    tg.start_soon(make_posters_while_running, folder.root, settings.report, one_report_at_a_time)
                    tg.start_soon(warm_up_after, first_video)
                report = await run.execute()
                tg.cancel_scope.cancel()
        async with _wrapping_up(handle_signals, on_second_signal):
            final = opened.final_jobs()
            report.media_warnings = count_media_warnings(final)
            report.refused = sum(1 for job in run.jobs if refused_as_sent(final.get(job.spec.id, {})))
            try:
                await opened.write_results(final)
            except (OSError, BatchgenError) as exc:
                message = (
                    f"could not write {out.results} ({getattr(exc, 'strerror', None) or exc}); the ledger is "
                    "intact, and 'batchgen status' or the next run will produce it"
                )
                report.warnings.append(message)
                log.warning("warning: %s", message)
            if folder is not None:
                ended = verdict(report) if verdict is not None else Verdict(None)
                try:
                    report.report_page = await publish_at_end(
                        folder.root, settings.report, one_report_at_a_time, verdict=ended, specs=specs
                    )
                except Exception as exc:  # a report is a by-product: the run's outcome stands
                    message = (
                        f"could not write {folder.root / 'report.html'} ({exc}); "
                        f"'batchgen report {folder.root}' retries"
                    )
                    report.warnings.append(message)
                    log.warning("warning: %s", message)
    return Outcome(report, run, out, final)


def _noting_first_video(
    first_video: anyio.Event, on_event: Callable[[str, TrackedJob], None] | None
) -> Callable[[str, TrackedJob], None]:
    """``on_event`` that also sets ``first_video`` once a video is in place (the report starts warming up)."""

    def noted(event: str, job: TrackedJob) -> None:
        if event == Event.COMPLETED:
            first_video.set()
        if on_event is not None:
            on_event(event, job)

    return noted


@contextlib.asynccontextmanager
async def _wrapping_up(handle_signals: bool, on_second_signal: Callable[[], None] | None) -> AsyncIterator[None]:
    """The run's last writes, with SIGINT/SIGTERM heard (``_watch_wrap_up``) when ``handle_signals``; an error
    of the body comes out as it was raised, not in an exception group."""
    if not handle_signals:
        yield
        return
    failure: BaseException | None = None
    async with anyio.create_task_group() as tg:
        await tg.start(_watch_wrap_up, on_second_signal)
        try:
            yield
        except BaseException as exc:  # re-raised below, once the watcher has stopped
            failure = exc
        tg.cancel_scope.cancel()
    if failure is not None:
        raise failure


async def _watch_wrap_up(
    on_second_signal: Callable[[], None] | None, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
) -> None:
    """Once the run is over, while its results table and report are written: a first signal lets them be
    finished (its default action ended the process with neither, nor the summary or the exit code); a second
    one exits at once."""

    async def first(name: str) -> None:
        log.warning(
            "received %s after the run ended: its results and report are being written, then the summary; "
            "send it again to exit at once",
            name,
        )

    await _on_signals(first, on_second_signal or (lambda: None), task_status=task_status)


async def _watch_signals(run: Run, on_second_signal: Callable[[], None] | None) -> None:
    """First signal: stop submitting and leave shortly; second: ``on_second_signal`` (the CLI exits at once)."""

    async def first(name: str) -> None:
        log.warning(
            "received %s: stopping cleanly (jobs in flight stay resumable); send it again to exit at once", name
        )
        run.request_stop(StopReason.INTERRUPTED)
        await anyio.sleep(SIGNAL_GRACE_S)  # (a second signal is heard after it)
        run.abort()

    def again() -> None:
        if on_second_signal is not None:
            on_second_signal()
        run.abort()

    await _on_signals(first, again)


async def _on_signals(
    first: Callable[[str], Awaitable[None]],
    again: Callable[[], None],
    *,
    task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Hear SIGINT and SIGTERM: ``first`` with the first one's name (awaited before any other is heard),
    ``again`` for each one after it."""
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        task_status.started()
        heard = False
        async for signum in signals:
            if heard:
                again()
                continue
            heard = True
            await first(signal.Signals(signum).name)
