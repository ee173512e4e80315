"""Review: the progress's "charges not yet reported" beside the spend (JobBook.unreported, Snapshot.unreported)."""

from __future__ import annotations

from collections import Counter

import anyio

from batchgen.engine.outcome import Snapshot
from batchgen.jobs import JobState, TrackedJob
from batchgen.report.summary import progress_line
from tests.engine.doubles import ScriptedApi, kit, pending, submitter
from tests.engine.test_submitter_units import limited


async def test_jobs_handed_over_but_not_yet_sent_are_not_told_as_charges_not_yet_reported():
    jobs = [pending(name, prompt=name) for name in "ab"]
    k = kit(ScriptedApi(submits=["r-a", "r-b"]), jobs, settings=limited(concurrency=2))
    k.gateway.budget.on_429(60.0)  # the 429 gate is closed for a minute: no POST goes out meanwhile
    stage, _ = submitter(k)
    stage.fed_all = False
    send, receive = anyio.create_memory_object_stream[TrackedJob](0)
    async with anyio.create_task_group() as tg:
        tg.start_soon(stage.feed, send, jobs)
        for _ in range(3):
            tg.start_soon(stage.loop, receive.clone())
        receive.close()
        await anyio.wait_all_tasks_blocked()  # both handed over, both submitters waiting for the budget
        assert k.api.posted == [] and k.book.in_flight == 2  # nothing was sent: nothing can have been charged
        assert [job.state for job in jobs] == [JobState.PENDING, JobState.PENDING]
        snap = Snapshot(
            total=2, states=dict(Counter(str(job.state) for job in jobs)), done_now=0, elapsed_s=1.0,
            spend=k.book.spend, requests=0, throttled=1, paused_s=60.0, stop_reason=None, sweeping=False,
            unreported=k.book.unreported,
        )  # fmt: skip
        line, told = progress_line(snap), k.book.unreported
        tg.cancel_scope.cancel()
    assert "0 in flight" in line and "$0.00 spent" in line and "paused" in line
    assert told == 0.0, line  # told: "$0.00 spent (and about $0.56 in charges not yet reported)"
