"""Audit of ``batchgen/api/gateway.py``: a submit only a gateway's page answered is no answer from the API (the
run stops at its bound, exit 6, told what to do), a POST cancelled in flight is never taken for unsent nor for
answered, the budget gets its place back, and a call's round trip and retries are its own."""

from __future__ import annotations

import anyio
import pytest

from batchgen.api.gateway import Gateway, RoundTrip, retry_transient, retry_unsent
from batchgen.api.hops import next_request
from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.errors import AmbiguousSubmit, ApiUnreachable, GatewayRefusal, NetworkError, RouteTrouble, ServerError
from batchgen.retry import RetryPolicy
from tests.helpers import drive


def told(error: BaseException, *, starts: str, has: str, ends: str) -> None:
    """The error's message says what went wrong (``starts``), what came (``has``) and what to do (``ends``)."""
    message = str(error)
    assert message.startswith(starts) and has in message and message.endswith(ends), message


def gateway(clock: FakeClock, bound: float) -> Gateway:
    policy = RetryPolicy(RetrySettings(max_attempts=1000, backoff_initial_s=1, backoff_max_s=4, deadline_s=10_000))
    return Gateway(RequestBudget(6000, clock=clock), policy, clock, unreachable_after_s=bound)


def refused_by_a_page() -> AmbiguousSubmit:
    page = GatewayRefusal("POST was answered HTTP 403 with an HTML page", status=403, detail="an HTML page")
    refused = AmbiguousSubmit("the submit was answered by something other than the API", status=403)
    refused.__cause__ = page
    return refused


async def test_a_submit_a_gateways_page_refused_is_no_answer_from_the_api_and_leaves_the_bound_running():
    clock = FakeClock()
    gw = gateway(clock, bound=30.0)
    clock.advance(20.0)

    async def submit() -> None:
        raise refused_by_a_page()

    with pytest.raises(AmbiguousSubmit):
        await gw.call(Priority.SUBMIT, submit, retry_on=retry_unsent)
    assert gw.last_reached == 0.0  # nothing from the API itself since the start

    async def refused() -> None:
        raise NetworkError("connection refused", reached_server=False)

    with pytest.raises(ApiUnreachable):
        await drive(clock, lambda: gw.call(Priority.POLL, refused))
    assert clock.now() == pytest.approx(30.0, abs=1.0)


async def test_an_api_out_of_reach_is_told_that_nothing_is_lost_and_what_to_do():
    clock = FakeClock()
    gw = gateway(clock, bound=30.0)

    async def refused() -> None:
        raise NetworkError("connection refused", reached_server=False)

    with pytest.raises(ApiUnreachable) as caught:
        await drive(clock, lambda: gw.call(Priority.POLL, refused))
    told(
        caught.value,
        starts="the API could not be reached for 30s (api.unreachable_after_s is 30); the last attempt:",
        has="connection refused",
        ends="Nothing is lost: check the network or the base URL, then run the same command again to resume",
    )


async def test_a_submit_cancelled_while_its_post_is_in_flight_is_not_abandoned_as_unsent():
    clock = FakeClock()
    gw = gateway(clock, bound=1e9)
    abandoned: list[object] = []
    posting = anyio.Event()

    async def post() -> None:
        posting.set()
        await anyio.sleep_forever()  # the POST went out; no answer yet

    async def on_abandon(last: Exception | None) -> None:
        abandoned.append(last)

    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: gw.call(Priority.SUBMIT, post, retry_on=retry_unsent, on_abandon=on_abandon))
        await posting.wait()
        tg.cancel_scope.cancel()
    assert abandoned == [] and gw.requests == 1


async def test_a_calls_round_trip_is_learned_whole_from_its_first_answer_then_averaged():
    trip = RoundTrip()
    assert trip.seconds == 0.0
    trip.add(10.0)
    assert trip.seconds == 10.0
    trip.add(20.0)
    assert trip.seconds == pytest.approx(12.0)


async def test_a_redirected_calls_round_trip_runs_from_the_grant_of_its_last_request_to_its_answer():
    clock = FakeClock()
    gw = gateway(clock, bound=1e9)
    trip = RoundTrip()

    async def redirected_once() -> str:
        clock.advance(3.0)  # the first request's answer: a redirect within the API
        await next_request()
        clock.advance(2.0)  # the redirect's own answer
        return "ok"

    assert await gw.call(Priority.RESULT, redirected_once, timed=trip) == "ok"
    assert gw.requests == 2 and trip.seconds == pytest.approx(2.0)


async def test_submits_refused_for_the_bound_are_told_that_nothing_is_lost_and_what_to_do():
    clock = FakeClock()
    policy = RetryPolicy(RetrySettings(max_attempts=1, backoff_initial_s=1, backoff_max_s=8, deadline_s=10_000))
    gw = Gateway(RequestBudget(6000, clock=clock, burst=1000), policy, clock, unreachable_after_s=300.0)

    async def answering() -> str:
        return "balance"

    async def refused() -> None:
        raise refused_by_a_page()

    gw.probe = answering
    for _ in range(2):
        assert await gw.call(Priority.POLL, answering) == "balance"  # the API answers its other routes
        with pytest.raises(AmbiguousSubmit):
            await gw.call(Priority.SUBMIT, refused, retry_on=retry_unsent)
        clock.advance(300.0)
    with pytest.raises(ApiUnreachable) as caught:
        await gw.ask()
    told(
        caught.value,
        starts="no submit has reached the API for 300s (api.unreachable_after_s is 300)",
        has="answered by something other than the API",
        ends="Nothing is lost: check what stands between this machine and the API, then run the same command again to "
        "resume",
    )


async def test_a_submit_a_login_portal_answered_lets_the_next_submit_go_only_a_backoffs_longest_gap_later():
    clock = FakeClock()
    gw = gateway(clock, bound=300.0)

    async def answering() -> str:
        return "balance"

    async def portal() -> None:
        exc = AmbiguousSubmit("the submit was answered by something other than the API", status=302)
        exc.__cause__ = RouteTrouble("POST /v2/m was redirected to http://login.portal.example/", status=302)
        raise exc

    gw.probe = answering
    clock.advance(100.0)
    with pytest.raises(AmbiguousSubmit):
        await gw.call(Priority.SUBMIT, portal, retry_on=retry_unsent)
    assert not gw.heard and gw.only_submits_refused
    assert gw.ask_at() == pytest.approx(104.0)  # retry.backoff_max_s after the refusal


async def test_a_call_cancelled_while_its_request_is_in_flight_gives_its_place_in_the_budget_back():
    clock = FakeClock()
    gw = gateway(clock, bound=1e9)
    posting = anyio.Event()

    async def post() -> None:
        posting.set()
        await anyio.sleep_forever()

    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: gw.call(Priority.POLL, post))
        await posting.wait()
        assert gw.budget.in_flight == 1
        tg.cancel_scope.cancel()
    assert gw.budget.in_flight == 0 and gw.requests == 1


async def test_a_submit_still_unanswered_when_its_shield_ends_is_of_unknown_outcome_not_answered():
    clock = FakeClock()
    gw = gateway(clock, bound=1e9)
    posting = anyio.Event()
    outcome: list[object] = []

    async def post() -> str:
        posting.set()
        await anyio.sleep_forever()  # the POST went out; its answer never comes
        return "r1"

    async def submit() -> None:
        try:
            outcome.append(await gw.call(Priority.SUBMIT, post, retry_on=retry_unsent, shield_s=0.05))
        except AmbiguousSubmit as exc:
            outcome.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(submit)
        await posting.wait()
        tg.cancel_scope.cancel()
    (got,) = outcome
    assert isinstance(got, AmbiguousSubmit) and "did not answer within 0.05s" in str(got)
    assert gw.requests == 1 and gw.budget.in_flight == 0


async def test_a_call_whose_own_tries_go_unanswered_while_the_api_answers_others_gives_up_after_its_attempts():
    clock = FakeClock()
    policy = RetryPolicy(RetrySettings(max_attempts=3, backoff_initial_s=1, backoff_max_s=4, deadline_s=10_000))
    gw = Gateway(RequestBudget(6000, clock=clock), policy, clock, unreachable_after_s=30.0)
    tries: list[float] = []

    async def unavailable() -> None:
        tries.append(clock.now())
        raise ServerError("HTTP 503: Service Unavailable", status=503)

    async def answering() -> str:
        return "ok"

    async def work() -> Exception:
        outcome: list[Exception] = []
        async with anyio.create_task_group() as tg:

            async def others_answered() -> None:
                while clock.now() < 100.0 and not outcome:
                    await gw.call(Priority.POLL, answering)
                    await clock.sleep(1.0)

            async def failing() -> None:
                try:
                    await gw.call(Priority.POLL, unavailable, retry_on=retry_transient)
                except Exception as exc:
                    outcome.append(exc)

            tg.start_soon(others_answered)
            tg.start_soon(failing)
        return outcome[0]

    outcome = await drive(clock, work)
    assert isinstance(outcome, ServerError) and not isinstance(outcome, ApiUnreachable)
    assert len(tries) <= 4 and clock.now() < 30.0
