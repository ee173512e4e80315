"""The run: wires the stages together in one anyio task group.

::

    feeder ──► submitters ──► poller ──► downloaders ──► ledger / videos
                   ▲            │ ▲  ▲                       │
                   └── lost ────┘ │  └─ sweeper (news)       │
                   └── lost ──────┼──────────────────────────┘
       every API call: gateway (budget + 429 gate + retry)

Work flows one way, over bounded anyio memory streams (``messages.py``):
tracked jobs from the submitters to the poller, finished jobs from the poller
to the downloaders, lost jobs back to the submitter's own task, sweep news
from the sweeper to the poller.  No stage calls into another's insides.

Each piece lives in its own module and receives only what it uses:

* ``book.JobBook``: the live jobs; the only writer of job state, slots, spend;
* ``gateway.Gateway``: the request budget, the 429 gate and retries;
* ``submitter.Submitter``: the feeder, submits, settling unknown submits;
* ``poller.Poller``: the poll tasks over one schedule (``schedule.PollSchedule``);
  ``sweeper.Sweeper``: the history sweeps;
* ``messages``: what the stages send each other;
* ``downloader.Downloader``: fetch, verify, rename, then ``completed``;
* ``recovery.Reconciler``: reads the request history and returns verdicts;
* ``resume.plan_resume``: what each job the ledger knows needs next;
* ``control.RunControl``: stop flags, the job boundary, the report.

Errors of one job are caught at the job boundary and written to the ledger;
an auth error, a broken ledger or an unwritable folder stops the whole run;
anything else is a bug and cancels the group.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable

import anyio

from ..api.client import ApiClient
from ..api.gateway import Gateway
from ..api.ratelimit import RequestBudget
from ..clock import Clock
from ..config import Settings
from ..errors import ApiUnreachable, AuthError, InvalidContentType
from ..jobs import TERMINAL, UNFETCHED, UNFINISHED, JobSpec, JobState, StopReason, TrackedJob
from ..params import estimate_cost
from ..retry import RetryPolicy
from ..store.ledger import Replay
from ..store.output import Appender, Store
from .book import JobBook
from .control import RunControl
from .downloader import Downloader
from .life_cap import LifeCap
from .messages import Lost, SweepNews
from .outcome import CONFIG_PRICES, RunReport, Snapshot
from .poller import Poller
from .pollplan import LatencyModel, PollPlan
from .recovery import Reconciler
from .resume import ResumePlan, plan_resume
from .submitter import Submitter
from .sweeper import Sweeper
from .url_check import check_url

log = logging.getLogger("batchgen")


class Run:
    """One invocation of ``batchgen run`` over one output folder."""

    def __init__(
        self,
        jobs: list[JobSpec],
        *,
        api: ApiClient,
        out: Store,
        ledger: Appender,
        replay: Replay,
        settings: Settings,
        clock: Clock,
        resubmit_lost: bool = False,
        retry_failed: bool = False,
        verify_files: bool = False,
        on_event: Callable[[str, TrackedJob], None] | None = None,
    ) -> None:
        self.out, self.replay, self.settings, self.clock = out, replay, settings, clock
        self.flags = {"retry_failed": retry_failed, "resubmit_lost": resubmit_lost, "verify_files": verify_files}
        limits, retry = settings.limits, settings.retry
        self.report = RunReport()
        self.policy = RetryPolicy(retry)
        self.budget = RequestBudget(
            limits.requests_per_minute, clock=clock, window=limits.rate_window_s, max_hint_s=retry.backoff_max_s * 30
        )
        self.gateway = Gateway(self.budget, self.policy, clock, unreachable_after_s=settings.api.unreachable_after_s)
        self.gateway.probe = api.credits  # asks a silent API whether it answers again, paying for nothing
        self.book = JobBook(
            (TrackedJob(s, JobState.PENDING, estimate_cost(s.model, s.params, settings.prices)) for s in jobs),
            ledger,
            on_event=on_event,
        )
        self.control = RunControl(self.report, on_stop=self._wake_all)
        self.reconciler = Reconciler(
            gateway=self.gateway,
            api=api,
            clock=clock,
            max_attempts=self.policy.max_attempts,
            record_life_s=settings.polling.expiry_s,
            patience_s=settings.api.unreachable_after_s,
        )
        # The streams between the stages (closed at the end of execute()).
        self._tracked = anyio.create_memory_object_stream[TrackedJob](max(1, limits.concurrency))
        self._downloads = anyio.create_memory_object_stream[TrackedJob](max(4, limits.download_concurrency * 2))
        self._lost = anyio.create_memory_object_stream[Lost](max(1, limits.concurrency))
        self.downloader = Downloader(
            book=self.book, api=api, out=out, reconciler=self.reconciler, control=self.control, clock=clock,
            policy=self.policy, settings=settings.output, lost=self._lost[0], media=settings.media,
        )  # fmt: skip
        polling = settings.polling
        self.latency = LatencyModel()
        budget, links = self.gateway.budget, self.reconciler.links

        def stands_in() -> bool | None:  # a record that dies: its job's row links its video (None: not known yet)
            return links.stand_in if api.history_answered else api.history_answered

        plan = PollPlan(
            self.latency,
            min_interval_s=polling.min_interval_s,
            max_interval_s=polling.max_interval_s,
            expiry_s=polling.expiry_s,
            expiry_margin_s=polling.expiry_margin_s,
            stands_in=stands_in,
        )
        life = LifeCap(
            plan, clock, history_works=lambda: api.history_answered, stands_in=stands_in,
            budget=lambda: budget.limit / budget.window / self.gateway.requests_per_call(),
        )  # fmt: skip
        self.submitter = Submitter(
            book=self.book, gateway=self.gateway, api=api, reconciler=self.reconciler, control=self.control,
            clock=clock, settings=settings, tracked=self._tracked[0], resubmit_lost=resubmit_lost, life=life,
        )  # fmt: skip
        # Sweep news: at most a few messages per job in flight and sweep, taken at once (Poller.take_news).
        self._news = anyio.create_memory_object_stream[SweepNews](math.inf)
        sweeper = Sweeper(
            jobs={}, gateway=self.gateway, api=api, latency=self.latency, reconciler=self.reconciler,
            control=self.control, clock=clock, min_interval_s=polling.min_interval_s,
            max_interval_s=plan.max_interval, news=self._news[0],
            draining=lambda: self.submitter.fed_all or self.control.stopping,
        )  # fmt: skip
        self.poller = Poller(
            book=self.book, gateway=self.gateway, api=api, plan=plan, reconciler=self.reconciler,
            control=self.control, clock=clock, min_interval_s=polling.min_interval_s,
            max_attempts=self.policy.max_attempts, sweeper=sweeper, life=life, news=self._news[1],
            downloads=self._downloads[0], lost=self._lost[0],
        )  # fmt: skip
        links.fell = self.poller.replan  # (the jobs past their guard get their last looks)
        self._final_at_start = 0

    @property
    def jobs(self) -> list[TrackedJob]:
        return self.book.jobs

    async def plan(self) -> ResumePlan:
        """Adopt what the ledger knows and sort the jobs by what each needs next."""
        return await plan_resume(
            self.book,
            self.replay,
            self.out,
            self.reconciler,
            self.clock,
            self.report,
            prices=self.settings.prices,
            **self.flags,
        )

    async def execute(self) -> RunReport:
        try:
            return await self._execute()
        finally:
            self.close()

    def close(self) -> None:
        """Close the streams between the stages (execute() does; a Run never executed should)."""
        for send, receive in (self._tracked, self._downloads, self._lost, self._news):
            send.close()
            receive.close()

    async def _execute(self) -> RunReport:
        plan = await self.plan()
        for kind, (died, made) in plan.outlived.items():  # an earlier run held it: on trial
            self.submitter.life.kinds.carry(kind, died, made)
        self.submitter.trials.resumed(plan.reconcile)  # (one may have made the job trying its kind)
        self._final_at_start = sum(1 for job in self.jobs if job.state in TERMINAL)
        log.info(
            "%d jobs: %d already done, %d to re-attach, %d to recover, %d to submit",
            len(self.jobs), self.report.skipped, len(plan.poll),
            len(plan.download) + len(plan.reconcile), len(plan.submit),
        )  # fmt: skip
        if plan.submit:
            try:
                await self.submitter.preflight(plan.submit)
                wrong = await check_url(self.gateway, self.submitter.api, plan.not_the_api)
            except (AuthError, InvalidContentType, ApiUnreachable) as exc:
                self.control.fatal(exc)
                return self._finish_report()
            if wrong is not None:  # the URL an earlier run found not the API's still is not: nothing is sent
                self.control.fatal(wrong)
                return self._finish_report()
        limits = self.settings.limits
        submit_send, submit_receive = anyio.create_memory_object_stream[TrackedJob](0)
        tracked_send, tracked = self._tracked
        downloads_send, downloads = self._downloads
        lost_send, lost = self._lost
        news_send, news = self._news
        with tracked_send, tracked, downloads_send, downloads, lost_send, lost, news_send, news, submit_receive:
            async with anyio.create_task_group() as tg:
                for request_id, age in plan.records_gone:  # (before the resumed jobs' polls are planned)
                    self.poller.record_gone_at(request_id, age)
                self.poller.track_many(plan.poll, plan.lineup)
                for job in plan.download:
                    tg.start_soon(downloads_send.send, job)
                for job in plan.reconcile:
                    tg.start_soon(self.submitter.settle_resumed, job)
                tg.start_soon(self.poller.take_tracked, tracked.clone())
                tg.start_soon(self.poller.take_news)
                tg.start_soon(self.poller.loop, tg)
                tg.start_soon(self.poller.sweeper.loop)
                tg.start_soon(self.submitter.take_lost, lost.clone())
                for _ in range(limits.download_concurrency):
                    tg.start_soon(self.downloader.loop, downloads.clone())
                # one per slot (a submit of unknown outcome holds its submitter while it is looked up), and one
                # more: the job sent beside them when they hold every slot; never more than jobs to hand over
                # (a --concurrency far above the batch would start a task for each slot, to no end)
                for _ in range(min(limits.concurrency, len(plan.submit)) + 1):
                    tg.start_soon(self.submitter.loop, submit_receive.clone())
                tg.start_soon(self.submitter.feed, submit_send, plan.submit)
                tg.start_soon(self._end_when_idle)
                await self.control.done.wait()
                tg.cancel_scope.cancel()
        return self._finish_report()

    async def _end_when_idle(self) -> None:
        await self.book.until(lambda: self.submitter.fed_all and self.book.in_flight <= 0)
        self.control.done.set()

    def _wake_all(self) -> None:
        self.book.wake()
        self.poller.wake()

    def request_stop(self, reason: StopReason = StopReason.INTERRUPTED) -> None:
        self.control.request_stop(reason)

    def abort(self) -> None:
        self.control.abort()

    @property
    def interrupted(self) -> bool:
        return self.control.interrupted

    def snapshot(self) -> Snapshot:
        states = Counter(str(job.state) for job in self.jobs)
        final = sum(count for state, count in states.items() if state in TERMINAL)
        return Snapshot(
            total=len(self.jobs),
            states=dict(states),
            done_now=max(0, final - self._final_at_start),
            elapsed_s=self.clock.elapsed_real(),
            spend=self.book.spend,
            unreported=self.book.unreported,
            requests=self.gateway.requests,
            throttled=self.budget.throttled,
            paused_s=self.budget.closed_for() / self.clock.scale,
            stop_reason=self.report.stop_reason,
            sweeping=self.poller.sweeper.working,
        )

    def _finish_report(self) -> RunReport:
        report = self.report
        report.states = Counter(str(job.state) for job in self.jobs)
        report.spend, report.counted = self.book.spend, self.book.committed
        made = [job for job in self.jobs if job.request_id and job.cost is None and job.state in UNFETCHED]
        report.uncounted, report.uncounted_usd = len(made), sum(job.estimate or 0.0 for job in made)
        unpriced = [job for job in self.jobs if job.request_id and job.cost is None and job.state is JobState.COMPLETED]
        report.unpriced, report.unpriced_usd = len(unpriced), sum(job.estimate or 0.0 for job in unpriced)
        lost = [job.unreported_before for job in self.jobs if job.unreported_before]
        report.earlier_unreported, report.earlier_unreported_usd = len(lost), sum(lost)
        if any(job.estimate != estimate_cost(job.spec.model, job.spec.params, {}) for job in made + unpriced):
            report.uncounted_priced = CONFIG_PRICES
        report.requests = self.gateway.requests
        report.rate_limited = self.budget.throttled
        report.failures = [
            (job.spec.id, job.error or "no reason recorded")
            for job in self.jobs
            if job.state in (JobState.FAILED, JobState.EXPIRED)
        ]
        # unfinished for a reason of their own (a download that failed, a submit left for later): not failed;
        # after a stop, not the jobs it kept from being sent (their reason is the stop's, told once), but a job
        # this run made pending for a reason of its own (its submits spent, nothing made)
        left = [
            job
            for job in self.jobs
            if job.state in UNFINISHED
            and job.error
            and (
                report.stop_reason is None
                or job.state not in (JobState.DEFERRED, JobState.PENDING)
                or (job.state is JobState.PENDING and job.spec.id in report.pending_own)
            )
        ]
        # a reason this run did not renew (it wrote no line of the job) is the earlier run's, told as such
        report.left = [(job.spec.id, job.error) for job in left if job.error and job.error_at is None]
        report.left_earlier = [(job.spec.id, job.error, job.error_at) for job in left if job.error and job.error_at]
        report.unsettled = sum(1 for job in self.jobs if job.state is JobState.SUBMITTING and job.posted)
        return report
