"""Audit of ``batchgen/api/gateway.py``: a submit only a gateway's page answered is no answer from the API (the
run stops at its bound, exit 6, told what to do), and a POST cancelled in flight is never taken for unsent."""

from __future__ import annotations

import anyio
import pytest

from batchgen.api.gateway import Gateway, retry_unsent
from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.errors import AmbiguousSubmit, ApiUnreachable, GatewayRefusal, NetworkError
from batchgen.retry import RetryPolicy
from tests.helpers import drive


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
    told = str(caught.value)
    assert told.startswith("the API could not be reached for 30s (api.unreachable_after_s is 30); the last attempt:")
    assert "connection refused" in told
    assert told.endswith(
        "Nothing is lost: check the network or the base URL, then run the same command again to resume"
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
