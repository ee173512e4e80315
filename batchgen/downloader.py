"""The download stage: fetch each finished job's video, verify it, and only then record it completed.

Downloaders take jobs from a bounded stream.  A download is retried with
backoff while its errors are transient; when it fails for good (or the URL
has gone), a fresh output URL is looked for once, from the result while the
record lives, else from the request history.  A job whose video cannot be had
is reported lost.  ``completed`` is written to the ledger only after the
video has been verified, fsynced and renamed into ``videos/`` and its sidecar
written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anyio.streams.memory import MemoryObjectReceiveStream

from .errors import DownloadError
from .jobs import JobState
from .ledger import utc_now

if TYPE_CHECKING:
    from .jobs import Live
    from .scheduler import Run


class Downloader:
    """The download stage of a Run."""

    def __init__(self, run: Run) -> None:
        self.run = run

    async def loop(self, receive: MemoryObjectReceiveStream[Live]) -> None:
        async with receive:
            async for job in receive:
                await self.run.guard(job, lambda job=job: self._download(job))  # type: ignore[misc]

    async def _download(self, job: Live) -> None:
        run = self.run
        dest = run.out.video_path(job.spec.id, job.spec.model)
        attempts = 0
        started = run.clock.now()
        refreshed = False
        while True:
            if job.output_url is None:
                if refreshed or not await run.reconciler.refresh_output(job):
                    await self.lost(job, "no output URL could be recovered for it")
                    return
                refreshed = True
            url = job.output_url
            assert url is not None  # refresh_output() set it
            try:
                async with run.api.download(
                    url,
                    max_bytes=run.settings.output.max_download_bytes,
                    timeout_s=run.settings.output.download_timeout_s,
                ) as dl:
                    saved = await run.out.save_stream(
                        job.spec.id,
                        dest,
                        dl.chunks,
                        content_length=dl.content_length,
                        file_size=job.file_size,
                        max_bytes=run.settings.output.max_download_bytes,
                    )
                break
            except DownloadError as exc:
                attempts += 1
                delay = run.retry.delay(attempts)
                if exc.retryable and run.retry.may_retry(attempts, run.clock.now() - started, delay):
                    await run.clock.sleep(delay)
                    continue
                if not refreshed and await run.reconciler.refresh_output(job):
                    refreshed = True
                    attempts = 0
                    continue
                await run._record(
                    job, "download_failed", JobState.DOWNLOADING, error={"detail": str(exc)}, output_url=job.output_url
                )
                run._release_slot()
                return
        submitted = job.submitted_at
        sidecar = {
            "job_id": job.spec.id,
            "model": job.spec.model,
            "parameters": job.spec.params,
            "request_id": job.request_id,
            "sha256": saved.sha256,
            "bytes": saved.size,
            "cost": job.cost,
            "output_url": job.output_url,
            "source": job.spec.source,
            "seconds_to_finish": round(job.finished_at - submitted, 3) if job.finished_at else None,
            "submitted_at": job.submitted_wall,
            "completed_at": utc_now(),
        }
        await run.out.write_sidecar(dest, sidecar)
        if job.finished_at is not None:
            run.report.job_seconds.append(job.finished_at - submitted)
        await run._record(
            job,
            "completed",
            JobState.COMPLETED,
            file=str(dest.relative_to(run.out.root)),
            sha256=saved.sha256,
            mtime_ns=saved.mtime_ns,
            bytes=saved.size,
            cost=job.cost,
            output_url=job.output_url,
        )
        run._committed += (job.cost or 0.0) - (job.estimate or 0.0) if job.cost is not None else 0.0
        run._release_slot()

    async def lost(self, job: Live, why: str) -> None:
        """No output URL can be had: the job is lost (or made again with --resubmit-lost)."""
        detail = (
            f"the video for job {job.spec.id} cannot be recovered: {why}; run again with "
            "--resubmit-lost to make it again (it will be paid for again)"
        )
        await self.run.expire(job, detail, event="lost", http=None)
