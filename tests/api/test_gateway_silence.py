"""The gateway's silence: after two calls in a row unanswered (a submit of unknown outcome counting two) no
submit is to go until the API answers again, and a silent API is asked at gaps doubling, on a fake clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from batchgen.api.gateway import Gateway, retry_unsent
from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.errors import (
    AmbiguousSubmit,
    ApiUnreachable,
    GatewayRefusal,
    NetworkError,
    NotFound,
    RateLimited,
    ServerError,
)
from batchgen.retry import RetryPolicy
from tests.helpers import drive


def gateway(clock: FakeClock, probe=None, bound: float = 10_000.0) -> Gateway:
    policy = RetryPolicy(RetrySettings(max_attempts=1, backoff_initial_s=1, backoff_max_s=8, deadline_s=10_000))
    gw = Gateway(RequestBudget(6000, clock=clock, burst=1000), policy, clock, unreachable_after_s=bound)
    gw.probe = probe
    return gw


async def answering(value: object = "ok") -> object:
    return value


def failing(error: Callable[[], Exception]):
    """A call that raises a new error of ``error()`` each time."""

    async def call() -> None:
        raise error()

    return call


def never(exc: Exception) -> bool:
    return False


async def attempt(gw: Gateway, priority: Priority, fn, retry_on=never) -> None:
    """One call, not retried; what it raised is the gateway's to note."""
    try:
        await gw.call(priority, fn, retry_on=retry_on)
    except ApiUnreachable:
        raise
    except Exception:
        pass


async def test_two_unanswered_calls_in_a_row_hold_submits_back_and_any_answer_ends_it():
    clock = FakeClock()
    gw = gateway(clock, probe=answering)
    await attempt(gw, Priority.POLL, failing(lambda: ServerError("HTTP 503", status=503)))
    assert gw.heard  # one 503 is no outage
    await attempt(gw, Priority.POLL, failing(lambda: NetworkError("connection reset", reached_server=True)))
    assert not gw.heard
    await attempt(gw, Priority.POLL, failing(lambda: NotFound("HTTP 404: no such request")))
    assert gw.heard  # an answer, though an error: the API is there
    await attempt(gw, Priority.POLL, failing(lambda: ServerError("HTTP 503", status=503)))
    await attempt(gw, Priority.POLL, failing(lambda: ServerError("HTTP 503", status=503)))
    assert not gw.heard
    limited = iter([RateLimited("HTTP 429", retry_after=1.0)])

    async def once_limited() -> str:
        for exc in limited:
            raise exc
        return "ok"

    await drive(clock, lambda: gw.call(Priority.POLL, once_limited))
    assert gw.heard  # a 429 is an answer too


@pytest.mark.parametrize("status", [503, None])
async def test_a_submit_of_unknown_outcome_in_an_outage_holds_the_next_back_at_once(status):
    clock = FakeClock()
    gw = gateway(clock, probe=answering)
    lost = failing(lambda: AmbiguousSubmit("the submit may have reached the server", status=status))
    await attempt(gw, Priority.SUBMIT, lost, retry_on=retry_unsent)
    assert not gw.heard
    answered = failing(lambda: AmbiguousSubmit("HTTP 500", status=500))  # the API's own 500: it answered
    await attempt(gw, Priority.SUBMIT, answered, retry_on=retry_unsent)
    assert gw.heard


async def test_a_silent_api_is_asked_at_gaps_doubling_and_an_answer_ends_the_silence():
    clock = FakeClock()
    probes: list[float] = []
    answers = {"yes": False}

    async def probe() -> object:
        probes.append(clock.now())
        if not answers["yes"]:
            raise ServerError("HTTP 503", status=503)
        return "balance"

    gw = gateway(clock, probe=probe)
    await attempt(
        gw, Priority.SUBMIT, failing(lambda: AmbiguousSubmit("no answer", status=None)), retry_on=retry_unsent
    )
    assert gw.ask_at() == 1.0  # retry.backoff_initial_s after the last call unanswered
    asked_at = []
    for _ in range(5):
        clock.advance(gw.ask_at() - clock.now())
        asked_at.append(clock.now())
        await gw.ask()
        assert not gw.heard
    assert asked_at == [1.0, 3.0, 7.0, 15.0, 23.0]  # 1, 2, 4, 8, then 8 (retry.backoff_max_s)
    assert probes == asked_at  # one call each, never retried
    answers["yes"] = True
    clock.advance(gw.ask_at() - clock.now())
    await gw.ask()
    assert gw.heard and gw.asked == 0
    await attempt(gw, Priority.POLL, failing(lambda: ServerError("HTTP 503", status=503)))
    await attempt(gw, Priority.POLL, failing(lambda: ServerError("HTTP 503", status=503)))
    assert gw.ask_at() == clock.now() + 1.0  # a new silence starts from the first gap again


async def test_asking_a_silent_api_past_the_reachability_bound_raises_api_unreachable():
    clock = FakeClock()
    gw = gateway(clock, probe=failing(lambda: NetworkError("connection refused", reached_server=False)), bound=20.0)
    await attempt(
        gw, Priority.SUBMIT, failing(lambda: AmbiguousSubmit("no answer", status=None)), retry_on=retry_unsent
    )
    asked = 0
    while clock.now() < 20.0:
        clock.advance(gw.ask_at() - clock.now())
        if clock.now() < 20.0:
            await gw.ask()
            asked += 1
    assert asked == 4  # at 1, 3, 7 and 15 s
    with pytest.raises(ApiUnreachable):
        await gw.ask()  # at 23 s: nothing has answered for longer than api.unreachable_after_s


async def test_what_a_call_raises_before_it_is_sent_is_no_answer_from_the_api():
    clock = FakeClock()
    gw = gateway(clock, probe=answering)
    await attempt(gw, Priority.POLL, failing(lambda: ServerError("HTTP 503", status=503)))
    await attempt(gw, Priority.POLL, failing(lambda: ServerError("HTTP 503", status=503)))
    clock.advance(50.0)

    async def not_now() -> None:
        raise LookupError("held back before it went")

    with pytest.raises(LookupError):
        await gw.call(Priority.SUBMIT, answering, before=not_now, retry_on=retry_unsent)
    assert not gw.heard and gw.last_reached == 0.0  # nothing was sent, so nothing answered
    assert gw.requests == 2


async def test_without_a_probe_submits_are_never_held_back():
    clock = FakeClock()
    gw = gateway(clock)
    for _ in range(3):
        await attempt(gw, Priority.POLL, failing(lambda: ServerError("HTTP 503", status=503)))
    assert gw.heard


def refused_submit() -> AmbiguousSubmit:
    """A submit answered by something in front of the API (an HTML 403 page), of unknown outcome."""
    exc = AmbiguousSubmit("the submit was answered by something other than the API", status=403)
    exc.__cause__ = GatewayRefusal("HTTP 403 with an HTML page", status=403, detail="an HTML page")
    return exc


async def test_a_refused_submit_holds_submits_back_though_polls_answer_and_only_a_submit_answered_ends_it():
    clock = FakeClock()
    probed: list[int] = []

    async def probe() -> str:
        probed.append(1)
        return "balance"

    gw = gateway(clock, probe=probe, bound=300.0)
    await attempt(gw, Priority.SUBMIT, failing(refused_submit))
    assert not gw.heard
    await attempt(gw, Priority.POLL, answering)
    assert not gw.heard  # another route answers: the submits' way is not shown open
    clock.advance(gw.ask_at() - clock.now())
    await gw.ask()
    assert probed == [] and gw.one_through  # only a submit can see: one goes as the ask
    assert gw.may_send() and not gw.may_send()  # one, not two
    await attempt(gw, Priority.SUBMIT, answering)
    assert gw.heard


async def test_submits_refused_throughout_the_bound_stop_the_run_but_time_with_none_tried_does_not():
    clock = FakeClock()
    gw = gateway(clock, probe=answering, bound=300.0)
    await attempt(gw, Priority.SUBMIT, failing(refused_submit))
    clock.advance(1000.0)  # nothing tried since (the slots were full): the next ask lets one submit go
    await attempt(gw, Priority.POLL, answering)
    await gw.ask()
    assert gw.one_through and gw.may_send()
    await attempt(gw, Priority.POLL, answering)  # the other routes answer throughout
    await attempt(gw, Priority.SUBMIT, failing(refused_submit))  # refused 1,000 s after the first
    with pytest.raises(ApiUnreachable, match="no submit has reached the API for 1000s"):
        await gw.ask()


async def test_where_only_submits_are_refused_a_submit_goes_to_see_at_the_backoffs_longest_gap_each_time():
    # each ask lets a submit go that, refused again, is one more of unknown outcome: never at the backoff's first
    # gaps (1, 2, 4 s), always at its longest (8 s here)
    clock = FakeClock()
    gw = gateway(clock, probe=answering, bound=300.0)
    for _ in range(3):
        await attempt(gw, Priority.SUBMIT, failing(refused_submit))
        assert gw.only_submits_refused and gw.ask_at() == pytest.approx(clock.now() + 8.0)
        clock.advance(8.0)
        await gw.ask()
        assert gw.may_send()
