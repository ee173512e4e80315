"""Review of the gateway's silence (commit 64637b2): faults found in how submits wait while the API is silent, each a
failing test (xfail, strict) against the real submit stage and gateway on a fake clock, or the simulator."""

from __future__ import annotations

import anyio
import pytest

from batchgen.api.gateway import retry_unsent
from batchgen.api.ratelimit import Priority
from batchgen.clock import FakeClock
from batchgen.config import ApiSettings, RetrySettings, Settings
from batchgen.errors import AmbiguousSubmit, ApiUnreachable, GatewayRefusal, NetworkError, ServerError
from batchgen.jobs import JobState, StopReason
from tests.engine.doubles import ScriptedApi, kit, pending, submitter


def refused() -> NetworkError:
    return NetworkError("connection refused", reached_server=False)


async def still_silent() -> None:
    raise ServerError("HTTP 503", status=503)


def waiting_after_two_refusals():
    """A submit refused twice at connect (surely never sent: retried, each attempt writing its 'submitting' line):
    the API is silent, so the third attempt is granted and not sent; it waits in ``_until_heard``."""
    job = pending()
    k = kit(ScriptedApi(submits=[refused(), refused(), "r1"]), [job])
    k.gateway.probe = still_silent
    stage, tracked = submitter(k)
    k.book.take(job)
    return job, k, stage, tracked


async def test_a_signal_while_a_submit_waits_out_the_silence_leaves_it_pending_not_submitting():
    job, k, stage, tracked = waiting_after_two_refusals()
    async with k.clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(stage.submit, job)
        await k.clock.sleep(6.0)
        assert len(k.api.posted) == 2 and not k.gateway.heard  # the third attempt waits, unsent
        assert job.state is JobState.SUBMITTING
        k.control.request_stop(StopReason.INTERRUPTED)
        k.report.stop_detail = "interrupted (SIGINT)"
        k.book.wake()  # (the run's on_stop does)
    assert len(k.api.posted) == 2 and tracked.sent == [] and k.book.in_flight == 0
    # as a signal while it waited for the budget leaves it (the _Withdrawn path): nothing was made, pending again
    assert job.state is JobState.PENDING, k.ledger.events()
    assert k.ledger.events()[-1] == "submit_postponed"


async def test_a_run_cancelled_while_a_submit_waits_out_the_silence_leaves_it_pending():
    job, k, stage, _ = waiting_after_two_refusals()
    k.report.stop_detail = "the API could not be reached"
    async with k.clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(stage.submit, job)
        await k.clock.sleep(6.0)
        assert len(k.api.posted) == 2 and job.state is JobState.SUBMITTING
        tg.cancel_scope.cancel()
    # before this change the same run, waiting to retry inside gateway.call, wrote 'submit_postponed' (on_abandon)
    assert k.ledger.events()[-1] == "submit_postponed" and job.state is JobState.PENDING, k.ledger.events()


def bounded(api: ScriptedApi, probe=None):
    """A submit refused twice at connect, then answered ``r1``, with the reachability bound at 20 s and the asks
    1, 2, 4, 8 s apart; the API is asked with ``probe`` (the API's credits call by default, as Run wires it)."""
    job = pending()
    settings = Settings(
        api=ApiSettings(unreachable_after_s=20.0), retry=RetrySettings(backoff_initial_s=1.0, backoff_max_s=8.0)
    )
    k = kit(api, [job], settings=settings)
    k.gateway.unreachable_after_s = 20.0
    k.gateway.probe = probe or k.api.credits
    stage, tracked = submitter(k)
    k.book.take(job)
    return job, k, stage, tracked


async def test_with_nothing_else_in_flight_a_silent_api_ends_the_run_at_the_reachability_bound():
    job, k, stage, _ = bounded(ScriptedApi(submits=[refused(), refused(), "r1"]), still_silent)
    ended: list[float] = []
    async with k.clock.autojump():
        with pytest.raises(ApiUnreachable):
            await stage.submit(job)
        ended.append(k.clock.now())  # (the clock moves only once every task waits)
    assert len(k.api.posted) == 2
    # a retried call waits at most until the bound (Gateway._wait_cap), and so does an ask (Gateway.ask_at)
    assert ended[0] <= 20.0 + 1.0, ended


class CreditsRefused(ScriptedApi):
    """An API whose credits route a gateway in front of it refuses (an HTML 403 once the API had spoken): every
    other route answers."""

    async def credits(self):
        raise GatewayRefusal(
            "GET /v1/get-user-credits was answered HTTP 403 with an HTML page", status=403, answer="an HTML page"
        )


async def test_a_silence_ends_when_the_api_answers_again_though_its_credits_route_is_refused():
    # Two connects refused (a network blip: surely unsent), then the API answers every route but the credits one.
    # Before this change the submit's own retry went out and was answered.
    job, k, stage, tracked = bounded(CreditsRefused(submits=[refused(), refused(), "r1"]))
    async with k.clock.autojump():
        await stage.submit(job)  # (it raised ApiUnreachable at the bound, the submit never sent)
    assert job.request_id == "r1" and [t.request_id for t in tracked.sent] == ["r1"]


async def test_the_ask_that_ends_the_run_as_unreachable_leaves_the_api_silent():
    from tests.api.test_gateway_silence import attempt, failing, gateway

    clock = FakeClock()
    gw = gateway(clock, probe=failing(lambda: NetworkError("connection refused", reached_server=False)), bound=20.0)
    await attempt(
        gw, Priority.SUBMIT, failing(lambda: AmbiguousSubmit("no answer", status=None)), retry_on=retry_unsent
    )
    clock.advance(25.0)
    with pytest.raises(ApiUnreachable):
        await gw.ask()
    assert not gw.heard and gw.last_reached == 0.0, (gw.heard, gw.last_reached)


async def test_past_the_bound_no_submit_waiting_to_ask_is_let_through():
    jobs = [pending("a"), pending("b"), pending("c")]
    settings = Settings(
        api=ApiSettings(unreachable_after_s=20.0), retry=RetrySettings(backoff_initial_s=1.0, backoff_max_s=8.0)
    )
    k = kit(ScriptedApi(submits=[refused(), refused()]), jobs, settings=settings)
    k.gateway.unreachable_after_s = 20.0
    k.gateway.probe = still_silent
    written = k.ledger.append

    async def durable_append(*args, **fields):  # as the real ledger's: durable once a thread's fsync is done
        await anyio.lowlevel.checkpoint()
        return await written(*args, **fields)

    k.ledger.append = durable_append  # type: ignore[method-assign]
    stage, _ = submitter(k)
    for job in jobs:
        k.book.take(job)
    async with k.clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(k.control.guard, lambda: stage.submit(jobs[0]))
        await k.clock.sleep(6.0)  # a's two attempts refused at connect: a asks, holding the lock, its job 'submitting'
        assert jobs[0].state is JobState.SUBMITTING and not k.gateway.heard
        for job in jobs[1:]:  # b and c are granted, not sent, and wait for a's ask
            tg.start_soon(k.control.guard, lambda job=job: stage.submit(job))
    assert isinstance(k.report.fatal, ApiUnreachable)
    assert len(k.api.posted) == 2
    assert k.ledger.events("b") in ([], ["deferred"]) and k.ledger.events("c") in ([], ["deferred"]), k.ledger.lines


class CreditsRefusedCounted(CreditsRefused):
    asks = 0

    async def credits(self):
        self.asks += 1
        await super().credits()


async def test_the_submit_let_go_as_the_ask_is_spent_only_by_a_submit_then_sent():
    # A submit the life cap holds back when its turn comes must not spend the one let go as the ask: that
    # would leave none to go, and the next ask a backoff later (each one, in a gateway's refusal, a submit more)
    api = CreditsRefusedCounted(submits=[refused(), refused(), "r1"])
    job, k, stage, tracked = bounded(api)
    held = [False]

    def held_back(_job) -> bool:  # held once: at the turn the ask let go
        if k.gateway.one_through and not held[0]:
            held[0] = True
            return True
        return False

    stage._held_back = held_back
    async with k.clock.autojump():
        await stage.submit(job)
    assert held[0] and job.request_id == "r1" and [t.request_id for t in tracked.sent] == ["r1"]
    assert api.asks == 1, api.asks
