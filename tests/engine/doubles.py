"""A scripted API double and a stage kit: the engine's stages, unit-tested on a fake clock.

:class:`ScriptedApi` stands where ``api.client.ApiClient`` stands (the seam the
stages call through the gateway); each call takes the next scripted answer,
a value or an exception to raise, and what was asked is kept for the test to
check.  :func:`kit` builds the real book, gateway, reconciler and control
around it, with a ledger that keeps its lines in memory.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from batchgen.api.answers import Credits, Download, HistoryRow, Result, Status, Submitted
from batchgen.api.gateway import Gateway
from batchgen.api.paging import ListingOrder
from batchgen.api.ratelimit import RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import OutputSettings, RetrySettings, Settings
from batchgen.engine.book import JobBook
from batchgen.engine.control import RunControl
from batchgen.engine.downloader import Downloader
from batchgen.engine.life_cap import LifeCap
from batchgen.engine.outcome import RunReport
from batchgen.engine.poller import Poller
from batchgen.engine.pollplan import LatencyModel, PollPlan
from batchgen.engine.recovery import Reconciler
from batchgen.engine.submitter import Submitter
from batchgen.engine.sweeper import Sweeper
from batchgen.errors import NotFound
from batchgen.jobs import JobSpec, JobState, TrackedJob
from batchgen.retry import RetryPolicy
from batchgen.store.local import OutputDir
from tests.helpers import Outbox

MODEL = "kling-text2video"


def answer(value: Any) -> Any:
    if isinstance(value, BaseException):
        raise value
    return value


def served_as(data: bytes) -> str:
    """The media type a file server would declare for ``data``: a JPEG's, a page's, else a video's."""
    return "image/jpeg" if data[:3] == b"\xff\xd8\xff" else "text/html" if data.lstrip()[:1] == b"<" else "video/mp4"


class ScriptedApi:
    """The API as a test scripts it.  ``submits``: request ids or errors, one per POST;
    ``results``: Results or errors, one per result call (the last one repeats); ``downloads``:
    video bytes or errors, one per download; ``history``: the request history's rows."""

    date_ahead: float | None = None  # no Date header read
    history_answered: bool | None = False  # a history that answers no page (a request not listed is gone)

    base_url = "http://127.0.0.1:1"  # never dialled: named in messages alone
    spoken = True  # as the API itself answers

    def date_ahead_at(self, epoch: float) -> float | None:
        return self.date_ahead

    def __init__(
        self,
        *,
        submits: list[Any] | None = None,
        results: list[Any] | None = None,
        downloads: list[Any] | None = None,
        history: list[HistoryRow] | None = None,
        balance: float = 100.0,
    ) -> None:
        self.submits = list(submits or [])
        self.results = list(results or [])
        self.downloads = list(downloads or [])
        self.rows = list(history or [])
        self.balance = balance
        self.posted: list[dict[str, Any]] = []  # every submit's payload, in order
        self.fetched: list[str] = []  # every download's URL, in order

    async def submit(self, model: str, params: dict[str, Any] | bytes | bytearray) -> Submitted:
        self.posted.append(json.loads(params) if isinstance(params, bytes | bytearray) else params)  # as sent
        return Submitted(answer(self.submits.pop(0)))

    async def result(self, request_id: str) -> Result:
        if not self.results:
            raise NotFound(f"no record of {request_id}")
        return answer(self.results.pop(0) if len(self.results) > 1 else self.results[0])

    async def history(self, *, model: str | None = None, from_date: str | None = None, page: int = 1,
                      per_page: int = 100) -> list[HistoryRow]:  # fmt: skip
        return self.rows[(page - 1) * per_page : page * per_page]

    async def history_get(self, request_id: str) -> HistoryRow:
        for row in self.rows:
            if row.request_id == request_id:
                return row
        raise NotFound(f"no history of {request_id}")

    async def credits(self) -> Credits:
        return Credits(self.balance, 0.0)

    @asynccontextmanager
    async def download(self, url: str, *, max_bytes: int, timeout_s: float = 900.0) -> AsyncIterator[Download]:
        self.fetched.append(url)
        data: bytes = answer(self.downloads.pop(0))

        async def chunks() -> AsyncIterator[bytes]:
            yield data

        yield Download(len(data), chunks(), served_as(data))


def finished(url: str, *, size: int | None = None, state: str = "COMPLETED") -> Result:
    return Result(state, url if state == "COMPLETED" else None, size, 0.28, None, {}, None, 200)


@dataclass
class MemoryLedger:
    """The ledger as the book writes it, kept in memory: (job id, event, state, fields) per line."""

    lines: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)

    async def append(self, job_id: str, event: str, state: Any, **fields: Any) -> dict[str, Any]:
        self.lines.append((job_id, str(event), str(state), fields))
        return {"job_id": job_id, "event": str(event), "state": str(state), **fields}

    def events(self, job_id: str = "j") -> list[str]:
        return [event for jid, event, _, _ in self.lines if jid == job_id]


@dataclass
class Kit:
    """The real pieces a stage is built from, around a scripted API and a fake clock."""

    clock: FakeClock
    api: ScriptedApi
    settings: Settings
    ledger: MemoryLedger
    book: JobBook
    gateway: Gateway
    policy: RetryPolicy
    reconciler: Reconciler
    report: RunReport
    control: RunControl


def kit(api: ScriptedApi, jobs: list[TrackedJob], *, settings: Settings | None = None) -> Kit:
    clock = FakeClock()
    settings = settings or Settings(retry=RetrySettings(max_attempts=3, backoff_initial_s=1.0, backoff_max_s=4.0))
    ledger = MemoryLedger()
    policy = RetryPolicy(settings.retry)
    gateway = Gateway(RequestBudget(6000, clock=clock), policy, clock)
    reconciler = Reconciler(gateway=gateway, api=api, clock=clock, max_attempts=policy.max_attempts)  # type: ignore[arg-type]
    report = RunReport()
    book = JobBook(jobs, ledger)
    return Kit(clock, api, settings, ledger, book, gateway, policy, reconciler, report, RunControl(report))


def pending(job_id: str = "j", prompt: str = "a fox", estimate: float = 0.28) -> TrackedJob:
    return TrackedJob(JobSpec(job_id, MODEL, {"prompt": prompt, "duration": 5}), JobState.PENDING, estimate)


def row_for(job: TrackedJob, request_id: str, created: float, status: str = "QUEUED") -> HistoryRow:
    """The history's row of a request made for ``job``, created at ``created`` (epoch)."""
    return HistoryRow(request_id, MODEL, status, job.spec.payload(), None, None, created, None)


def unbounded(clock: Any) -> LifeCap:
    """A life cap that never binds (a history stands in for every record)."""
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0)
    return LifeCap(plan, clock, history_works=lambda: True)


def submitter(k: Kit, *, resubmit_lost: bool = False, life: LifeCap | None = None) -> tuple[Submitter, Outbox]:
    """The submit stage on the kit; what it sends to the poller lands in the outbox."""
    tracked = Outbox()
    stage = Submitter(
        book=k.book, gateway=k.gateway, api=k.api, reconciler=k.reconciler, control=k.control,  # type: ignore[arg-type]
        clock=k.clock, settings=k.settings, tracked=tracked, resubmit_lost=resubmit_lost,  # type: ignore[arg-type]
        life=life or unbounded(k.clock),
    )  # fmt: skip
    stage.fed_all = True  # no feeder: every job of the kit was handed over (a test that feeds clears it)
    return stage, tracked


async def run_downloader(
    k: Kit, job: TrackedJob, tmp_path: Path, *, out: Any = None, settings: OutputSettings | None = None
) -> tuple[Outbox, OutputDir]:
    """The download stage as the run drives it, on one job, until its stream ends; (lost news, the folder)."""
    folder = OutputDir(tmp_path / "out")
    folder.prepare()
    lost = Outbox()
    settings = settings or OutputSettings(dir=str(tmp_path / "out"))
    stage = Downloader(
        book=k.book, api=k.api, out=out or folder, reconciler=k.reconciler, control=k.control,  # type: ignore[arg-type]
        clock=k.clock, policy=k.policy, settings=settings, lost=lost,  # type: ignore[arg-type]
    )  # fmt: skip
    send, receive = anyio.create_memory_object_stream[TrackedJob](1)
    async with send:
        await send.send(job)
    async with k.clock.autojump():
        await stage.loop(receive)
    return lost, folder


def swept_job(i: int, at: float) -> TrackedJob:
    """Job ``i``, submitted at ``at`` with request id ``r0000i``, as the sweeper tracks it."""
    tracked = TrackedJob(JobSpec(f"j{i}", MODEL, {"prompt": f"p{i}"}), JobState.SUBMITTED, 0.28)
    tracked.request_id, tracked.submitted_at = f"r{i:05d}", at
    return tracked


def history_row(rid: str, status: str = "PROCESSING") -> HistoryRow:
    return HistoryRow(rid, MODEL, status, {}, None, None, None, None)


# ---------------------------------------------------------------------- the poll stage

POLL_LINK = "http://127.0.0.1:9/generations/j.mp4"


class PollApi(ScriptedApi):
    """The scripted API with status polls: ``statuses`` as ``results`` (the last one repeats)."""

    def __init__(self, *, statuses: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.statuses = list(statuses or [])
        self.calls: list[str] = []

    async def status(self, request_id: str) -> Status:
        assert isinstance(request_id, str) and request_id.startswith("r-")  # a poll asks about its own job
        self.calls.append("status")
        return answer(self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0])

    async def result(self, request_id: str) -> Result:
        assert isinstance(request_id, str) and request_id.startswith("r-")
        self.calls.append("result")
        return await super().result(request_id)


def status_answer(state: str, error: str | None = None) -> Status:
    return Status(state, error, {}, 200)


UNFINISHED_RESULT = Result("PROCESSING", None, None, None, None, {}, None, 200)  # a result asked of a job still running


def result_answer(
    url: str | None = POLL_LINK,
    *,
    cost: float | None = 0.28,
    credits: float | None = None,
    metrics: dict[str, Any] | None = None,
    state: str = "COMPLETED",
    error: str | None = None,
) -> Result:
    return Result(state, url, 1234 if url else None, cost, credits, metrics or {}, error, 200)


class PollStage:
    def __init__(self, k: Kit, poller: Poller, downloads: Outbox, lost: Outbox, news: Outbox) -> None:
        self.k, self.poller, self.downloads, self.lost, self.news = k, poller, downloads, lost, news


def poll_stage(
    api: PollApi,
    jobs: list[TrackedJob],
    *,
    result_polls: bool | None = False,
    latency: LatencyModel | None = None,
    news: Any = None,
) -> PollStage:
    """The poll stage on a kit, polls alone (sweeps off); ``news``: the stream sweep news arrives on, if any."""
    k = kit(api, jobs)
    plan = PollPlan(
        latency or LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0
    )
    sent_news = Outbox()
    sweeper = Sweeper(
        jobs={}, gateway=k.gateway, api=api, latency=plan.latency, reconciler=k.reconciler,  # type: ignore[arg-type]
        control=k.control, clock=k.clock, min_interval_s=2.0, max_interval_s=60.0, news=sent_news,  # type: ignore[arg-type]
    )  # fmt: skip
    sweeper.sweeping = False  # polls alone
    downloads, lost = Outbox(), Outbox()
    poller = Poller(
        book=k.book, gateway=k.gateway, api=api, plan=plan, reconciler=k.reconciler,  # type: ignore[arg-type]
        control=k.control, clock=k.clock, min_interval_s=2.0, max_attempts=3, sweeper=sweeper,
        life=LifeCap(plan, k.clock, history_works=lambda: True), news=news, downloads=downloads, lost=lost,  # type: ignore[arg-type]
    )  # fmt: skip
    poller.result_polls = result_polls
    for job in jobs:
        job.request_id = job.request_id or f"r-{job.spec.id}"
        job.submitted_at = k.clock.now()
        job.submitted_wall = "2027-01-15T08:00:00Z"
        k.book.adopt(job, JobState.SUBMITTED, in_flight=True)
    return PollStage(k, poller, downloads, lost, sent_news)


async def run_poller(
    s: PollStage, until: Callable[[], bool], *, limit_s: float = 4000.0, track: bool = True, step_s: float = 5.0
) -> None:
    """Run the poller's loop until ``until()`` holds (looked at every ``step_s``, or ``limit_s`` of fake time),
    then stop it."""
    for job in s.k.book.jobs if track else ():
        s.poller.track(job)
    async with s.k.clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(s.poller.loop, tg)
        while not until() and s.k.clock.now() < limit_s:
            await s.k.clock.sleep(step_s)
        tg.cancel_scope.cancel()


class ByJobApi(PollApi):
    """Status and result answers scripted per request id (the last one repeats); each call is kept with the
    fake time it was made at, and a result (status) call takes ``result_s`` (``status_s``) seconds to answer."""

    def __init__(self, *, statuses: dict[str, list[Any]] | None = None, results: dict[str, list[Any]]) -> None:
        super().__init__()
        self.by_status = statuses or {}
        self.by_result = results
        self.clock: Any = None
        self.result_s = self.status_s = 0.0
        self.timed: list[tuple[str, str, float]] = []  # (call, request id, when)

    @staticmethod
    def _next(script: list[Any]) -> Any:
        return answer(script.pop(0) if len(script) > 1 else script[0])

    async def _answer(self, call: str, request_id: str, seconds: float, scripts: dict[str, list[Any]]) -> Any:
        """Note the call, take ``seconds`` of the fake clock to answer, then give the job's next answer."""
        self.calls.append(call)
        self.timed.append((call, request_id, self.clock.now()))
        if seconds:
            await self.clock.sleep(seconds)
        return self._next(scripts[request_id])

    async def status(self, request_id: str) -> Status:
        return await self._answer("status", request_id, self.status_s, self.by_status)

    async def result(self, request_id: str) -> Result:
        return await self._answer("result", request_id, self.result_s, self.by_result)


# ---------------------------------------------------------------------- the sweeper

SWEEP_KEY = (MODEL, "", 5)


class SeenRows:
    """The reconciler as the sweeper tells it which of our requests the history showed."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.order = ListingOrder({}, {})

    def note_listed(self, row: HistoryRow) -> None:
        self.seen.append(row.request_id)

    def sent_by(self, request_id: str) -> float | None:
        return self.order.sent.get(request_id)


class HistoryPages:
    """Pages of the request history, newest first (or an error); counts the pages read."""

    def __init__(self, rows: list[HistoryRow], error: Exception | None = None) -> None:
        self.rows, self.error = rows, error
        self.pages: list[int] = []

    async def history(self, *, page: int, per_page: int) -> list[HistoryRow]:
        self.pages.append(page)
        if self.error is not None:
            raise self.error
        return self.rows[(page - 1) * per_page : page * per_page]


class TimedHistory(HistoryPages):
    """An empty request history that keeps when (on ``clock``) each page was read, in ``reads``."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__([])
        self.clock = clock
        self.reads: list[float] = []

    async def history(self, *, page: int, per_page: int) -> list[HistoryRow]:
        self.reads.append(self.clock.now())
        return await super().history(page=page, per_page=per_page)


class PassThroughGateway:
    """Calls straight through, keeping each call's priority and rank."""

    def __init__(self, budget: RequestBudget) -> None:
        self.budget = budget
        self.calls: list[tuple[Any, Any]] = []

    async def call(self, priority: Any, fn: Any, *, rank: Any = None, **_: Any) -> Any:
        self.calls.append((priority, rank))
        return await fn()


class WaitingGateway:
    """Each call waits ``wait`` seconds for the budget, is granted (``before``), and is answered ``trip`` seconds
    later (on a fake clock)."""

    def __init__(self, clock: FakeClock, budget: RequestBudget, wait: float = 40.0, trip: float = 2.0) -> None:
        self.clock, self.budget, self.wait, self.trip = clock, budget, wait, trip

    async def call(self, priority: Any, fn: Any, *, before: Any = None, **_: Any) -> Any:
        self.clock.now_s += self.wait
        if before is not None:
            await before()
        self.clock.now_s += self.trip
        return await fn()


def sweep_stage(
    clock: FakeClock,
    jobs: dict[str, TrackedJob],
    history: HistoryPages | None = None,
    *,
    latency: LatencyModel | None = None,
    per_minute: float = 6000,
    max_interval_s: float = 60.0,
) -> tuple[Sweeper, Outbox, PassThroughGateway]:
    news = Outbox()
    gateway = PassThroughGateway(RequestBudget(per_minute, clock=clock))
    sweeps = Sweeper(
        jobs=jobs, gateway=gateway, api=history or HistoryPages([]), latency=latency or LatencyModel(),  # type: ignore[arg-type]
        reconciler=SeenRows(), control=RunControl(RunReport()),  # type: ignore[arg-type]
        clock=clock, min_interval_s=2.0, max_interval_s=max_interval_s, news=news,  # type: ignore[arg-type]
    )  # fmt: skip
    return sweeps, news, gateway


def learned_latency(median: float = 150.0) -> LatencyModel:
    latency = LatencyModel()
    for i in range(64):
        latency.observe(SWEEP_KEY, median * (0.5 + i / 63))
    return latency


def by_rid(*tracked: TrackedJob) -> dict[str, TrackedJob]:
    return {t.request_id or "": t for t in tracked}


async def run_sweep_loop(sweeps: Sweeper, clock: FakeClock, seconds: float) -> None:
    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(sweeps.loop)
        await clock.sleep(seconds)
        tg.cancel_scope.cancel()
